//! Editing and building gradient stores: set by `Var` and by parameter, iterate, scale, sum two
//! stores, and clip as PyTorch's `clip_grad_norm_` / `clip_grad_value_` define it, against
//! hand-computed values.

#![allow(clippy::unwrap_used)]

use autograd::{Error, Gradients, ParamId, Tape, Tensor};

fn t(v: &[f64], s: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(v.to_vec(), s).unwrap()
}

/// A store with two parameter gradients, a = [3, -4] and b = [12]: 2-norm 13, 1-norm 19,
/// inf-norm 12, 3-norm (27 + 64 + 1728)^(1/3).
fn store() -> (Gradients<f64>, ParamId, ParamId) {
    let (a, b) = (ParamId::fresh(), ParamId::fresh());
    let mut g = Gradients::new();
    g.set_param(a, t(&[3.0, -4.0], &[2])).unwrap();
    g.set_param(b, t(&[12.0], &[1])).unwrap();
    (g, a, b)
}

fn close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-15 * (1.0 + y.abs()))
}

#[test]
fn clip_grad_norm_scales_by_max_norm_over_total_plus_1e_6_and_returns_the_total() {
    let (mut g, a, b) = store();
    let total = g.clip_grad_norm(6.5).unwrap();
    assert_eq!(total, 13.0);
    // PyTorch: clip_coef = max_norm / (total + 1e-6), applied when below 1.
    let coef = 6.5 / (13.0 + 1e-6);
    assert!(close(
        &g.param(a).unwrap().to_vec(),
        &[3.0 * coef, -4.0 * coef]
    ));
    assert!(close(&g.param(b).unwrap().to_vec(), &[12.0 * coef]));
    // The clipped norm is (just under) max_norm.
    let after = g.total_norm(2.0).unwrap();
    assert!((after - 6.5).abs() < 1e-6 && after < 6.5, "{after}");
}

#[test]
fn clip_grad_norm_leaves_gradients_below_the_limit_alone() {
    let (mut g, a, b) = store();
    assert_eq!(g.clip_grad_norm(13.5).unwrap(), 13.0);
    assert_eq!(g.param(a).unwrap().to_vec(), vec![3.0, -4.0]);
    assert_eq!(g.param(b).unwrap().to_vec(), vec![12.0]);
    // max_norm 0 zeroes everything (coefficient 0).
    assert_eq!(g.clip_grad_norm(0.0).unwrap(), 13.0);
    assert_eq!(g.param(a).unwrap().to_vec(), vec![0.0, 0.0]);
}

#[test]
fn clip_grad_norm_takes_pytorchs_norm_types() {
    let (g, _, _) = store();
    assert_eq!(g.total_norm(1.0).unwrap(), 19.0);
    assert_eq!(g.total_norm(f64::INFINITY).unwrap(), 12.0);
    let p3 = 1819f64.powf(1.0 / 3.0);
    assert!((g.total_norm(3.0).unwrap() - p3).abs() < 1e-13);
    let (mut g, a, b) = store();
    // inf-norm 12 clipped to 6: coefficient 6 / (12 + 1e-6).
    assert_eq!(g.clip_grad_norm_with(6.0, f64::INFINITY).unwrap(), 12.0);
    let coef = 6.0 / (12.0 + 1e-6);
    assert!(close(
        &g.param(a).unwrap().to_vec(),
        &[3.0 * coef, -4.0 * coef]
    ));
    assert!(close(&g.param(b).unwrap().to_vec(), &[12.0 * coef]));
    let (mut g, a, _) = store();
    assert_eq!(g.clip_grad_norm_with(9.5, 1.0).unwrap(), 19.0);
    let coef = 9.5 / (19.0 + 1e-6);
    assert!(close(
        &g.param(a).unwrap().to_vec(),
        &[3.0 * coef, -4.0 * coef]
    ));
}

#[test]
fn clip_grad_norm_errors_change_nothing() {
    let (mut g, a, _) = store();
    for bad in [-1.0, f64::NAN] {
        let e = g.clip_grad_norm(bad).unwrap_err().to_string();
        assert!(e.starts_with("clip_grad_norm: max_norm"), "{e}");
    }
    for bad in [0.0, -2.0, f64::NAN] {
        let e = g.clip_grad_norm_with(1.0, bad).unwrap_err().to_string();
        assert!(e.contains("norm_type"), "{e}");
    }
    let c = ParamId::fresh();
    g.set_param(c, t(&[f64::NAN, 1.0], &[2])).unwrap();
    let e = g.clip_grad_norm(1.0).unwrap_err().to_string();
    assert!(
        e.contains("NaN") && e.contains(&c.to_string()) && e.contains("nothing was clipped"),
        "{e}"
    );
    g.set_param(c, t(&[f64::INFINITY, 1.0], &[2])).unwrap();
    assert!(g.clip_grad_norm_with(1.0, f64::INFINITY).is_err());
    assert_eq!(g.param(a).unwrap().to_vec(), vec![3.0, -4.0]);
}

#[test]
fn clip_grad_value_clamps_each_element() {
    let (mut g, a, b) = store();
    g.clip_grad_value(3.5).unwrap();
    assert_eq!(g.param(a).unwrap().to_vec(), vec![3.0, -3.5]);
    assert_eq!(g.param(b).unwrap().to_vec(), vec![3.5]);
    let e = g.clip_grad_value(-1.0).unwrap_err().to_string();
    assert!(e.starts_with("clip_grad_value: clip_value"), "{e}");
    assert!(g.clip_grad_value(f64::NAN).is_err());
}

#[test]
fn clipping_covers_parameters_only_as_in_pytorch() {
    // loss = sum(w * x) with w a parameter and x a tape.var: clip sees w's gradient (x = [3, 4],
    // norm 5) only; x's gradient (w) is left as it is.
    let tape = Tape::<f64>::new();
    let id = ParamId::fresh();
    let w = tape.param(id, &t(&[1.0, 2.0], &[2]));
    let x = tape.var(t(&[3.0, 4.0], &[2]));
    let mut g = w.mul(&x).unwrap().sum().unwrap().backward().unwrap();
    assert_eq!(g.clip_grad_norm(1.0).unwrap(), 5.0);
    let coef = 1.0 / (5.0 + 1e-6);
    assert!(close(
        &g.param(id).unwrap().to_vec(),
        &[3.0 * coef, 4.0 * coef]
    ));
    assert_eq!(g.get(&x).unwrap().to_vec(), vec![1.0, 2.0]);
}

#[test]
fn iter_lists_every_entry_in_node_order_and_scale_changes_them_all() {
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[1.0, 2.0], &[2]));
    let y = x.square().unwrap(); // dy/dx = 2x
    let s = y.sum().unwrap();
    let mut g = s.backward().unwrap();
    let entries: Vec<(usize, Vec<f64>)> = g.iter().map(|(n, t)| (n.index(), t.to_vec())).collect();
    assert_eq!(
        entries,
        vec![(0, vec![2.0, 4.0]), (1, vec![1.0, 1.0]), (2, vec![1.0])]
    );
    assert_eq!(g.len(), 3);
    g.scale(-0.5);
    assert_eq!(g.get(&x).unwrap().to_vec(), vec![-1.0, -2.0]);
    assert_eq!(g.get(&y).unwrap().to_vec(), vec![-0.5, -0.5]);
}

#[test]
fn an_edited_entry_from_backward_with_graph_becomes_a_constant() {
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[2.0], &[1]));
    let mut g = x
        .powi(3)
        .unwrap()
        .sum()
        .unwrap()
        .backward_with_graph()
        .unwrap();
    assert!(g.get_var(&x).unwrap().is_tracked());
    g.scale(2.0);
    let dx = g.get_var(&x).unwrap();
    assert_eq!(dx.value().to_vec(), vec![24.0]); // 2 * 3x^2
    assert!(!dx.is_tracked());
}

#[test]
fn accumulating_minibatches_on_separate_tapes_sums_the_parameter_gradients() {
    let id = ParamId::fresh();
    let w = t(&[0.5, -1.0], &[2]);
    let batches = [t(&[1.0, 2.0], &[2]), t(&[-3.0, 0.5], &[2])];
    // loss_k = sum((w * x_k)^2), d/dw = 2 w x_k^2.
    let mut total: Option<Gradients<f64>> = None;
    let mut xvar_and_tape = None;
    for xk in &batches {
        let tape = Tape::new();
        let x = tape.var(xk.clone());
        let loss = tape
            .param(id, &w)
            .mul(&x)
            .unwrap()
            .square()
            .unwrap()
            .sum()
            .unwrap();
        let g = loss.backward().unwrap();
        match &mut total {
            None => {
                total = Some(g);
                xvar_and_tape = Some((x, tape));
            }
            Some(s) => s.accumulate(&g).unwrap(),
        }
    }
    let total = total.unwrap();
    // 2 w (x1^2 + x2^2) = 2 * [0.5 * (1 + 9), -1 * (4 + 0.25)] = [10, -8.5]
    assert_eq!(total.param(id).unwrap().to_vec(), vec![10.0, -8.5]);
    // The first tape's own values have no counterpart in the second pass: dropped, not half summed.
    let (x1, _tape) = xvar_and_tape.unwrap();
    assert!(total.get(&x1).is_none());
    // `add` gives the same without changing its operands, and a store built by hand adds too.
    let mut extra = Gradients::new();
    let other = ParamId::fresh();
    extra.set_param(other, t(&[7.0], &[1])).unwrap();
    extra.set_param(id, t(&[1.0, 1.0], &[2])).unwrap();
    let sum = total.add(&extra).unwrap();
    assert_eq!(sum.param(id).unwrap().to_vec(), vec![11.0, -7.5]);
    assert_eq!(sum.param(other).unwrap().to_vec(), vec![7.0]);
    assert_eq!(total.param(id).unwrap().to_vec(), vec![10.0, -8.5]);
    assert!(total.param(other).is_none());
}

#[test]
fn accumulating_two_passes_over_one_tape_sums_every_entry() {
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[1.0, 2.0], &[2]));
    let y = x.square().unwrap(); // the vector-Jacobian product with seed s is 2 x s
    let mut a = y.backward_with_seed(&t(&[1.0, 0.0], &[2])).unwrap();
    let b = y.backward_with_seed(&t(&[0.0, 3.0], &[2])).unwrap();
    a.accumulate(&b).unwrap();
    // Linear in the seed: the sum is the product with seed [1, 3], i.e. [2, 12].
    assert_eq!(a.get(&x).unwrap().to_vec(), vec![2.0, 12.0]);
    assert_eq!(a.get(&y).unwrap().to_vec(), vec![1.0, 3.0]);
}

#[test]
fn accumulate_rejects_mismatched_shapes_and_changes_nothing() {
    let (mut g, a, _) = store();
    let mut other = Gradients::new();
    other.set_param(a, t(&[1.0, 2.0, 3.0], &[3])).unwrap();
    let e = g.accumulate(&other).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains(&a.to_string()) && msg.contains("[2], [3]"),
        "{msg}"
    );
    assert_eq!(g.param(a).unwrap().to_vec(), vec![3.0, -4.0]);
}

#[test]
fn set_and_set_param_replace_entries_and_check_what_they_are_given() {
    let tape = Tape::<f64>::new();
    let id = ParamId::fresh();
    let w = tape.param(id, &t(&[1.0, 2.0], &[2]));
    let mut g = w.square().unwrap().sum().unwrap().backward().unwrap();
    g.set(&w, t(&[5.0, 6.0], &[2])).unwrap();
    // The parameter and its Var are one entry.
    assert_eq!(g.param(id).unwrap().to_vec(), vec![5.0, 6.0]);
    g.set_param(id, t(&[7.0, 8.0], &[2])).unwrap();
    assert_eq!(g.get(&w).unwrap().to_vec(), vec![7.0, 8.0]);
    let e = g.set(&w, t(&[1.0], &[1])).unwrap_err().to_string();
    assert!(
        e.starts_with("Gradients::set") && e.contains("[2], [1]"),
        "{e}"
    );
    let e = g.set_param(id, t(&[1.0], &[1])).unwrap_err().to_string();
    assert!(
        e.starts_with("Gradients::set_param") && e.contains(&id.to_string()),
        "{e}"
    );
    let untracked = tape.constant(t(&[1.0], &[1]));
    let e = g.set(&untracked, t(&[1.0], &[1])).unwrap_err().to_string();
    assert!(e.contains("untracked, on another tape"), "{e}");
    let later = tape.var(t(&[1.0], &[1])); // recorded after the pass's output
    assert!(g.set(&later, t(&[1.0], &[1])).is_err());
    let elsewhere = Tape::<f64>::new().var(t(&[1.0, 2.0], &[2]));
    assert!(g.set(&elsewhere, t(&[1.0, 2.0], &[2])).is_err());
}

#[test]
fn a_parameter_added_from_elsewhere_never_answers_for_a_later_node() {
    // The store's pass covered nodes 0..=1; a parameter from another store takes the next slot,
    // which must not be mistaken for the tape's node 2 recorded afterwards.
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[1.0], &[1]));
    let mut g = x.sum().unwrap().backward().unwrap();
    let id = ParamId::fresh();
    g.set_param(id, t(&[9.0], &[1])).unwrap();
    let later = x.mul_scalar(2.0).unwrap();
    assert!(g.get(&later).is_none());
    assert_eq!(g.param(id).unwrap().to_vec(), vec![9.0]);
    assert_eq!(g.iter().count(), 2);
    assert_eq!(g.params().count(), 1);
}
