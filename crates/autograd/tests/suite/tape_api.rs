//! The tape's contract: what is recorded and when, leaves and constants, parameters by id,
//! `no_grad`, `detach`, seeds, the gradient store, errors, anomaly mode and DOT export.

#![allow(clippy::unwrap_used)]

use autograd::{Error, ParamId, Tape, Tensor, Var};

fn t(v: &[f64], s: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(v.to_vec(), s).unwrap()
}

#[test]
fn only_ops_on_tracked_values_are_recorded() {
    let tape = Tape::<f64>::new();
    let c = tape.constant(t(&[1.0, 2.0], &[2]));
    let y = c.exp().unwrap().add(&c).unwrap();
    assert!(!y.is_tracked());
    assert_eq!(tape.len(), 0, "constants alone record nothing");
    let x = tape.var(t(&[1.0, 2.0], &[2]));
    assert_eq!(tape.len(), 1, "a leaf is a node");
    let z = x.mul(&c).unwrap();
    assert!(z.is_tracked());
    assert_eq!(tape.len(), 2);
    assert_eq!(z.value().to_vec(), vec![1.0, 4.0]);
}

#[test]
fn no_grad_scopes_nest_and_leaves_stay_tracked() {
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[3.0], &[1]));
    {
        let _outer = tape.no_grad();
        {
            let _inner = tape.no_grad();
            assert!(!x.square().unwrap().is_tracked());
        }
        assert!(!tape.is_recording(), "still inside the outer scope");
        let leaf = tape.var(t(&[1.0], &[1]));
        assert!(
            leaf.is_tracked(),
            "tape.var makes a tracked leaf even under no_grad"
        );
        // Plain backward works inside no_grad and leaves it in force.
        let g = x.backward().unwrap();
        assert_eq!(g.get(&x).unwrap().to_vec(), vec![1.0]);
        assert!(!tape.is_recording());
    }
    assert!(tape.is_recording());
    assert!(x.square().unwrap().is_tracked());
}

#[test]
fn backward_records_nothing_but_backward_with_graph_does_even_under_no_grad() {
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[2.0], &[]));
    let y = x.powi(3).unwrap();
    let n = tape.len();
    y.backward().unwrap();
    assert_eq!(tape.len(), n, "a plain backward pass appends no node");
    let _guard = tape.no_grad();
    // d/dx x^3 = 3x^2 = 12, recorded: its own derivative 6x = 12.
    let dy = y.backward_with_graph().unwrap().get_var(&x).unwrap();
    assert!(tape.len() > n);
    assert!(dy.is_tracked());
    assert!(
        !tape.is_recording(),
        "the no_grad scope is back in force afterwards"
    );
    assert_eq!(
        dy.backward().unwrap().get(&x).unwrap().item().unwrap(),
        12.0
    );
}

#[test]
fn detach_stops_the_gradient() {
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[3.0], &[]));
    // y = x^2 * stop(x): dy/dx = 2x * stop(x) = 18, not 3x^2 = 27.
    let y = x.square().unwrap().mul(&x.detach()).unwrap();
    assert_eq!(y.backward().unwrap().get(&x).unwrap().item().unwrap(), 18.0);
    assert!(!x.detach().is_tracked());
    assert!(x.detach().value().bitwise_eq(x.value()));
}

#[test]
fn a_value_used_twice_gets_the_sum_and_a_fresh_store_each_pass() {
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[1.0, 2.0], &[2]));
    // s = sum(x) + sum(3x): ds/dx = 1 + 3 = 4 for each element.
    let s = x
        .sum()
        .unwrap()
        .add(&x.mul_scalar(3.0).unwrap().sum().unwrap())
        .unwrap();
    let g1 = s.backward().unwrap();
    let g2 = s.backward().unwrap();
    // No accumulation across passes: each store is complete on its own.
    assert_eq!(g1.get(&x).unwrap().to_vec(), vec![4.0, 4.0]);
    assert_eq!(g2.get(&x).unwrap().to_vec(), vec![4.0, 4.0]);
}

#[test]
fn params_are_keyed_by_id_and_one_id_is_one_node() {
    let (id_w, id_b) = (ParamId::fresh(), ParamId::fresh());
    let w = t(&[2.0, -1.0], &[2]);
    let b = t(&[0.5], &[1]);
    for _step in 0..2 {
        // A fresh tape each step, as a training loop does; the ids carry over.
        let tape = Tape::<f64>::new();
        let (w1, w2, bv) = (
            tape.param(id_w, &w),
            tape.param(id_w, &w),
            tape.param(id_b, &b),
        );
        assert_eq!(w1.node_id(), w2.node_id());
        assert_eq!(tape.len(), 2);
        // s = sum(w * w + b): ds/dw = 2w, ds/db = 2 (b broadcast over two elements).
        let s = w1.mul(&w2).unwrap().add(&bv).unwrap().sum().unwrap();
        let g = s.backward().unwrap();
        assert_eq!(g.param(id_w).unwrap().to_vec(), vec![4.0, -2.0]);
        assert_eq!(g.param(id_b).unwrap().to_vec(), vec![2.0]);
        assert_eq!(g.get(&w1).unwrap().to_vec(), vec![4.0, -2.0]);
        let mut ids: Vec<ParamId> = g.params().map(|(id, _)| id).collect();
        ids.sort();
        assert_eq!(ids, vec![id_w, id_b]);
        assert!(g.param(ParamId::fresh()).is_none());
    }
}

#[test]
fn intermediate_values_have_gradients_and_strangers_do_not() {
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[1.0, -2.0], &[2]));
    let h = x.mul_scalar(3.0).unwrap();
    let unused = x.exp().unwrap();
    let s = h.square().unwrap().sum().unwrap();
    let g = s.backward().unwrap();
    // ds/dh = 2h = [6, -12]; ds/dx = 3 ds/dh.
    assert_eq!(g.get(&h).unwrap().to_vec(), vec![6.0, -12.0]);
    assert_eq!(g.get(&x).unwrap().to_vec(), vec![18.0, -36.0]);
    assert!(g.get(&unused).is_none(), "not on the path to the output");
    assert!(g.get(&tape.constant(t(&[1.0], &[1]))).is_none());
    let other = Tape::<f64>::new();
    let stranger = other.var(t(&[1.0, -2.0], &[2]));
    assert!(g.get(&stranger).is_none(), "a var of another tape");
    // Plain-pass gradients as vars are constants on the asking var's tape.
    let gv = g.get_var(&x).unwrap();
    assert!(!gv.is_tracked() && gv.tape().same(&tape));
}

#[test]
fn non_scalar_outputs_need_a_seed_of_their_shape() {
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[1.0, 2.0, 3.0], &[3]));
    let y = x.square().unwrap();
    let e = y.backward().unwrap_err();
    assert_eq!(
        e.to_string(),
        "backward: the output has shape [3], not one element; give a seed (backward_with_seed)"
    );
    // With seed v: d(sum(v * x^2))/dx = 2 v x.
    let g = y.backward_with_seed(&t(&[1.0, 0.0, -1.0], &[3])).unwrap();
    assert_eq!(g.get(&x).unwrap().to_vec(), vec![2.0, 0.0, -6.0]);
    let e = y.backward_with_seed(&t(&[1.0], &[1])).unwrap_err();
    assert!(
        matches!(
            e,
            Error::ShapeMismatch {
                op: "backward_with_seed",
                ..
            }
        ),
        "{e}"
    );
    // A one-element output of any rank needs no seed.
    let one = x.sum().unwrap().reshape(&[1, 1]).unwrap();
    assert_eq!(
        one.backward().unwrap().get(&x).unwrap().to_vec(),
        vec![1.0; 3]
    );
}

#[test]
fn backward_of_an_untracked_value_is_an_error() {
    let tape = Tape::<f64>::new();
    let c = tape.constant(t(&[1.0], &[]));
    let e = c.exp().unwrap().backward().unwrap_err();
    assert!(
        e.to_string()
            .starts_with("backward: the output (shape []) is not tracked"),
        "{e}"
    );
    let x = tape.var(t(&[1.0], &[]));
    assert!(x.detach().backward().is_err());
}

#[test]
fn mixing_tapes_is_an_error_naming_the_op() {
    let (a, b) = (Tape::<f64>::new(), Tape::<f64>::new());
    let x = a.var(t(&[1.0], &[1]));
    let y = b.var(t(&[1.0], &[1]));
    let e = x.mul(&y).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("mul: operands of shapes [[1], [1]] belong to different tapes"),
        "{e}"
    );
    assert!(
        Var::concat(&[&x, &y], 0)
            .unwrap_err()
            .to_string()
            .starts_with("concat:")
    );
    assert!(x.matmul(&y).is_err());
}

#[test]
fn shape_errors_come_from_the_op_with_its_shapes() {
    let tape = Tape::<f32>::new();
    let a = tape.var(Tensor::zeros(&[4, 2]).unwrap());
    let b = tape.var(Tensor::zeros(&[3, 4]).unwrap());
    let e = a.matmul(&b).unwrap_err();
    assert_eq!(
        e.to_string(),
        "matmul: cannot multiply [4, 2] by [3, 4] (inner dimensions 2 and 3 differ)"
    );
    assert!(a.sum_axis(2, false).is_err());
    assert_eq!(tape.len(), 2, "a failed op records nothing");
}

#[test]
fn operators_on_references_work_and_panic_with_the_message() {
    let tape = Tape::<f32>::new();
    let x = tape.var(Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap());
    // f32: 2x + x*x - x/2 - 1 at [1, 2] = [1.5, 6]; d/dx = 2 + 2x - 1/2 = [3.5, 5.5], all exact.
    let y = &(&(&(&x * 2.0) + &(&x * &x)) - &(&x / 2.0)) - 1.0;
    assert_eq!(y.value().to_vec(), vec![1.5, 6.0]);
    let g = y.sum().unwrap().backward().unwrap();
    assert_eq!(g.get(&x).unwrap().to_vec(), vec![3.5, 5.5]);
    assert_eq!((-&x).value().to_vec(), vec![-1.0, -2.0]);
}

#[test]
#[should_panic(expected = "add: cannot broadcast [2] with [3]")]
fn operator_on_bad_shapes_panics_with_the_ops_error() {
    let tape = Tape::<f32>::new();
    let _ = &tape.var(Tensor::zeros(&[2]).unwrap()) + &tape.var(Tensor::zeros(&[3]).unwrap());
}

#[test]
fn anomaly_mode_names_the_first_op_whose_forward_is_not_finite() {
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[1.0, 0.0], &[2]));
    // Off by default: ln(0) = -inf goes through silently.
    assert!(!tape.anomaly_detection());
    assert_eq!(x.ln().unwrap().value().to_vec()[1], f64::NEG_INFINITY);
    tape.set_anomaly_detection(true);
    let ok = x.exp().unwrap();
    let e = ok.ln().unwrap().mul_scalar(0.0).unwrap().ln().unwrap_err();
    // exp -> ln is finite ([1, 0]); mul_scalar(0) gives [0, 0]; ln of that is the first -inf.
    // Nodes: x 0, the first ln 1, exp 2, ln 3, mul_scalar 4, so the failing ln would be node 5.
    assert_eq!(
        e,
        Error::NonFinite {
            op: "ln".into(),
            pass: "forward".into(),
            node: Some(5),
            location: String::new(),
            cause: "its inputs were all finite: ln produced it".into(),
        }
    );
    assert_eq!(
        e.to_string(),
        "anomaly: node 5 (ln) produced a NaN or infinity in its forward; its inputs were all \
         finite: ln produced it"
    );
    // Untracked arithmetic is checked too.
    let c = tape.constant(t(&[-1.0], &[1]));
    assert!(matches!(c.sqrt(), Err(Error::NonFinite { .. })));
}

#[test]
fn anomaly_mode_names_the_op_and_input_whose_backward_is_not_finite() {
    let tape = Tape::<f64>::new();
    tape.set_anomaly_detection(true);
    // sqrt(0) = 0 is fine forward; its derivative 1 / (2 sqrt 0) is infinite.
    let x = tape.var(t(&[0.0, 4.0], &[2]));
    let s = x.sqrt().unwrap().mul_scalar(2.0).unwrap().sum().unwrap();
    let e = s.backward().unwrap_err();
    assert_eq!(
        e.to_string(),
        "anomaly: node 1 (sqrt) produced a NaN or infinity in its backward (gradient for input 0)"
    );
    // pow(a, b) at a = 0, b = 2: forward 0, d/da = 2 * 0 = 0, but d/db = 0^2 ln 0 = 0 * -inf = NaN.
    let a = tape.var(t(&[0.0], &[1]));
    let b = tape.var(t(&[2.0], &[1]));
    let e = a
        .pow(&b)
        .unwrap()
        .sum()
        .unwrap()
        .backward_with_graph()
        .unwrap_err();
    assert_eq!(
        e,
        Error::NonFinite {
            op: "pow".into(),
            pass: "backward (gradient for input 1)".into(),
            // x, sqrt, mul_scalar, sum are nodes 0 to 3; a 4, b 5, pow 6.
            node: Some(6),
            location: String::new(),
            cause: String::new(),
        }
    );
    // The tape is usable afterwards: the failed pass left recording and checking as they were.
    assert!(tape.is_recording());
    let y = x.add_scalar(1.0).unwrap().sqrt().unwrap().sum().unwrap();
    assert!(y.backward().is_ok());
    // Without anomaly mode the same pass returns the infinity.
    tape.set_anomaly_detection(false);
    assert_eq!(
        s.backward().unwrap().get(&x).unwrap().to_vec()[0],
        f64::INFINITY
    );
}

#[test]
fn anomaly_mode_says_what_already_held_the_nan() {
    let tape = Tape::<f64>::new();
    // A leaf given a NaN: node 0, a tape.var.
    let x = tape.var(t(&[f64::NAN], &[1]));
    // An op's NaN from before anomaly mode was switched on: ln(-1) is node 1.
    let before = tape.var(t(&[-1.0], &[1])).ln().unwrap();
    tape.set_anomaly_detection(true);
    let e = x.exp().unwrap_err().to_string();
    assert!(
        e.contains("node 3 (exp)")
            && e.contains("its input 0, leaf node 0 (var): the value was given, not computed"),
        "{e}"
    );
    let e = before.mul_scalar(2.0).unwrap_err().to_string();
    assert!(
        e.contains("the output of node 2 (ln), recorded before anomaly mode was on"),
        "{e}"
    );
    // A named leaf is called by its name.
    tape.name_leaf(&x, || "the weights".into());
    let e = x.exp().unwrap_err().to_string();
    assert!(e.contains("its input 0 (the weights), leaf node 0"), "{e}");
}

#[test]
fn anomaly_mode_blames_a_non_finite_seed() {
    let tape = Tape::<f64>::new();
    tape.set_anomaly_detection(true);
    let x = tape.var(t(&[1.0, 2.0], &[2]));
    let y = x.mul_scalar(3.0).unwrap();
    let e = y
        .backward_with_seed(&t(&[1.0, f64::INFINITY], &[2]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "anomaly: node 1 (mul_scalar) produced a NaN or infinity in its backward (gradient for \
         input 0); the upstream gradient it was given was already not finite (a non-finite seed?)"
    );
}

#[test]
fn to_dot_shows_ops_shapes_edges_and_constants() {
    let tape = Tape::<f32>::new();
    let x = tape.var(Tensor::zeros(&[4, 2]).unwrap());
    let w = tape.var(Tensor::zeros(&[2, 3]).unwrap());
    let b = tape.constant(Tensor::zeros(&[3]).unwrap());
    let _ = x.matmul(&w).unwrap().add(&b).unwrap().relu().unwrap();
    let want = "digraph tape {
  rankdir=LR;
  node [shape=ellipse];
  n0 [label=\"var [4, 2]\"];
  n1 [label=\"var [2, 3]\"];
  n2 [label=\"matmul [4, 3]\"];
  n0 -> n2 [label=\"0\"];
  n1 -> n2 [label=\"1\"];
  n3 [label=\"add [4, 3]\"];
  n2 -> n3 [label=\"0\"];
  c3_1 [label=\"constant [3]\", shape=box, style=dashed];
  c3_1 -> n3 [label=\"1\"];
  n4 [label=\"relu [4, 3]\"];
  n3 -> n4;
}
";
    assert_eq!(tape.to_dot(), want);
}
