//! Custom ops written as a user's crate writes them: only `tapegrad`'s public API (no
//! `autograd` internals), the `testing` feature's proptest strategies through the facade.
//!
//! Two ops: a numerically stable `softplus` whose backward is made of `Var` ops (so it has a
//! second derivative) and a fused `swish` whose backward is written on plain tensors (first
//! order only). Both are gradchecked in f64 over proptest inputs; a Hessian-vector product
//! through `softplus` is checked against central differences of its gradient and against the
//! closed form. Every error path of the API is triggered and its message checked.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use tapegrad::autograd::testing::{broadcastable_tensors, shaped_tensor, tensor_f64};
use tapegrad::autograd::{GradcheckOptions, Tape, Var, gradcheck};
use tapegrad::tensor::{NumpyRng, Tensor};
use tapegrad::{Error, Result};

/// `ln(1 + e^x)`, computed as `max(x, 0) + ln(1 + e^-|x|)` so that it never overflows.
/// `d/dx = sigmoid(x)`, written with `Var` ops so that it can be differentiated again.
fn softplus(x: &Var<f64>) -> Result<Var<f64>> {
    Var::custom(
        "softplus",
        [x],
        |[x]| Ok(x.map(|v| v.max(0.0) + (-v.abs()).exp().ln_1p())),
        |c, g, _| g.mul(&c.input(0).sigmoid()?),
    )
}

/// The logistic function on one number, computed stably (the test's own, independent of the
/// library's).
fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `swish(x) = x sigmoid(x)` in one pass, with its derivative `s + x s (1 - s)` (`s =
/// sigmoid(x)`) computed on plain tensors: first order only.
fn swish(x: &Var<f64>) -> Result<Var<f64>> {
    Var::custom_first_order(
        "swish",
        [x],
        |[x]| Ok(x.map(|v| v * sigmoid(v))),
        |c, g, _| {
            let d = c.value(0).map(|v| {
                let s = sigmoid(v);
                s + v * s * (1.0 - s)
            });
            g.mul(&d)
        },
    )
}

/// `a * b + c` with broadcasting, fused: the rule returns output-shaped gradients and the
/// custom-op machinery sums them down to each input's shape.
fn mul_add(a: &Var<f64>, b: &Var<f64>, c: &Var<f64>) -> Result<Var<f64>> {
    Var::custom(
        "mul_add",
        [a, b, c],
        |[a, b, c]| a.mul(b)?.add(c),
        |ctx, g, i| match i {
            0 => g.mul(&ctx.input(1)),
            1 => g.mul(&ctx.input(0)),
            _ => Ok(g.clone()),
        },
    )
}

fn t(v: &[f64], s: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(v.to_vec(), s).unwrap()
}

fn passes(
    f: impl Fn(&[Var<f64>]) -> Result<Var<f64>>,
    inputs: &[Tensor<f64>],
) -> std::result::Result<(), TestCaseError> {
    let report = gradcheck(f, inputs, &GradcheckOptions::default())
        .map_err(|e| TestCaseError::fail(format!("f failed: {e}")))?;
    prop_assert!(report.passed(), "{report}");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn softplus_gradient_matches_central_differences(x in shaped_tensor(0..=3, 0..=5, -20.0..20.0)) {
        passes(|v| softplus(&v[0]), &[x])?;
    }

    #[test]
    fn swish_gradient_matches_central_differences(x in shaped_tensor(0..=3, 0..=5, -6.0..6.0)) {
        passes(|v| swish(&v[0]), &[x])?;
    }

    #[test]
    fn softplus_second_derivative_matches_central_differences(
        x in shaped_tensor(1..=2, 1..=4, -6.0..6.0)
    ) {
        // The gradient function's Jacobian is the Hessian: gradcheck of the gradient checks the
        // rule's own rule (sigmoid's, recorded by backward_with_graph).
        passes(
            |v| Ok(softplus(&v[0])?.sum()?.backward_with_graph()?.get_var(&v[0]).unwrap()),
            &[x],
        )?;
    }

    #[test]
    fn fused_mul_add_sums_broadcast_gradients_to_each_input(
        (a, b) in broadcastable_tensors(0..=3, 0..=4, -2.0..2.0),
        c in tensor_f64(&[1], -1.0..1.0),
    ) {
        passes(|v| mul_add(&v[0], &v[1], &v[2]), &[a, b, c])?;
    }

    #[test]
    fn softplus_hessian_vector_product_matches_central_differences(
        x in tensor_f64(&[4], -2.0..2.0),
        v in tensor_f64(&[4], -1.0..1.0),
    ) {
        let a = NumpyRng::new(7).randn_tensor::<f64>(&[3, 4]).unwrap();
        // f(x) = sum(softplus(A x)); grad f = A^T s, H = A^T diag(s (1 - s)) A, s = sigmoid(Ax).
        let grad_at = |x: &Tensor<f64>| {
            let tape = Tape::new();
            let xv = tape.var(x.clone());
            let f = softplus(&tape.constant(a.clone()).matmul(&xv).unwrap()).unwrap().sum().unwrap();
            f.backward().unwrap().get(&xv).unwrap().clone()
        };
        // The tape's H v: differentiate <grad f, v> once more.
        let tape = Tape::new();
        let xv = tape.var(x.clone());
        let f = softplus(&tape.constant(a.clone()).matmul(&xv).unwrap()).unwrap().sum().unwrap();
        let g = f.backward_with_graph().unwrap().get_var(&xv).unwrap();
        let hv = g.mul(&tape.constant(v.clone())).unwrap().sum().unwrap().backward().unwrap();
        let hv = hv.get(&xv).unwrap().to_vec();
        // Central differences of the gradient along v: error O(eps^2) plus rounding
        // 1e-16 / 1e-6, so 1e-7 relative is ample and still catches any wrong rule.
        let eps = 1e-6;
        let gp = grad_at(&x.add(&v.mul_scalar(eps)).unwrap()).to_vec();
        let gm = grad_at(&x.sub(&v.mul_scalar(eps)).unwrap()).to_vec();
        // The closed form, in plain f64 arithmetic.
        let (av, xs, vs) = (a.to_vec(), x.to_vec(), v.to_vec());
        let z: Vec<f64> = (0..3).map(|r| (0..4).map(|k| av[r * 4 + k] * xs[k]).sum()).collect();
        let av_v: Vec<f64> = (0..3).map(|r| (0..4).map(|k| av[r * 4 + k] * vs[k]).sum()).collect();
        for j in 0..4 {
            let fd = (gp[j] - gm[j]) / (2.0 * eps);
            prop_assert!((hv[j] - fd).abs() <= 1e-7 * (1.0 + fd.abs()), "H v {hv:?}, fd at {j}: {fd}");
            let exact: f64 = (0..3)
                .map(|r| av[r * 4 + j] * sigmoid(z[r]) * (1.0 - sigmoid(z[r])) * av_v[r])
                .sum();
            prop_assert!((hv[j] - exact).abs() <= 1e-12 * (1.0 + exact.abs()), "H v {hv:?}, exact {exact}");
        }
    }
}

#[test]
fn softplus_is_stable_and_its_derivatives_are_the_closed_forms() {
    let tape = Tape::new();
    let x = tape.var(t(&[-1000.0, 0.0, 1000.0], &[3]));
    let y = softplus(&x).unwrap();
    // ln(1 + e^-1000) = 0 in f64; ln 2 at 0; 1000 + ln(1 + e^-1000) = 1000.
    assert_eq!(y.value().to_vec(), vec![0.0, 2f64.ln(), 1000.0]);
    let g = y.sum().unwrap().backward_with_graph().unwrap();
    let dy = g.get_var(&x).unwrap();
    // softplus' = sigmoid: 0, 1/2, 1.
    assert_eq!(dy.value().to_vec(), vec![0.0, 0.5, 1.0]);
    // softplus'' = sigmoid (1 - sigmoid): 0, 1/4, 0.
    let d2 = dy.sum().unwrap().backward().unwrap();
    assert_eq!(d2.get(&x).unwrap().to_vec(), vec![0.0, 0.25, 0.0]);
}

#[test]
fn a_custom_op_is_recorded_like_a_built_in_one() {
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[1.0], &[1]));
    let y = swish(&softplus(&x).unwrap()).unwrap();
    assert!(y.is_tracked());
    let dot = tape.to_dot();
    assert!(
        dot.contains("n1 [label=\"softplus [1]\"]") && dot.contains("n2 [label=\"swish [1]\"]"),
        "{dot}"
    );
    // Under no_grad nothing is recorded and the result is untracked.
    let _guard = tape.no_grad();
    assert!(!softplus(&x).unwrap().is_tracked());
    assert_eq!(tape.len(), 3);
}

#[test]
fn a_first_order_op_refuses_backward_with_graph_naming_itself() {
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[0.5, -0.5], &[2]));
    let y = swish(&x).unwrap().sum().unwrap();
    // First order works, through the plain and the seeded backward.
    assert!(y.backward().is_ok());
    let e = y.backward_with_graph().unwrap_err();
    assert!(matches!(e, Error::Invalid { op: "swish", .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.starts_with("swish: ")
            && msg.contains("backward_with_graph")
            && msg.contains("Var::custom"),
        "{msg}"
    );
    let seed = t(&[1.0], &[]);
    let e = y.backward_with_graph_and_seed(&seed).unwrap_err();
    assert!(e.to_string().starts_with("swish: "), "{e}");
    // The failed pass left the tape usable.
    assert!(tape.is_recording());
    assert!(y.backward().is_ok());
}

#[test]
fn a_rule_returning_a_gradient_of_the_wrong_shape_is_an_error_naming_the_op() {
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[1.0, 2.0], &[2]));
    let y = Var::custom(
        "wrong_shape",
        [&x],
        |[x]| Ok(x.clone()),
        |c, _, _| Ok(c.constant(Tensor::zeros(&[3]).unwrap())),
    )
    .unwrap();
    let e = y.sum().unwrap().backward().unwrap_err();
    assert!(
        matches!(
            e,
            Error::ShapeMismatch {
                op: "wrong_shape",
                ..
            }
        ),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("[2]") && msg.contains("[3]") && msg.contains("input 0"),
        "{msg}"
    );
    // The first-order form checks the same way.
    let z = Var::custom_first_order(
        "wrong_shape_too",
        [&x],
        |[x]| Ok(x.clone()),
        |_, _, _| Tensor::zeros(&[2, 2]),
    )
    .unwrap();
    let e = z.sum().unwrap().backward().unwrap_err();
    assert!(e.to_string().starts_with("wrong_shape_too: "), "{e}");
}

#[test]
fn inputs_on_different_tapes_and_forward_errors_name_the_op() {
    let (t1, t2) = (Tape::<f64>::new(), Tape::<f64>::new());
    let (a, b) = (t1.var(t(&[1.0], &[1])), t2.var(t(&[2.0], &[1])));
    let c = t1.var(t(&[0.0], &[1]));
    let e = mul_add(&a, &b, &c).unwrap_err();
    assert!(matches!(e, Error::Invalid { op: "mul_add", .. }), "{e:?}");
    assert!(e.to_string().contains("different tapes"), "{e}");
    // A forward's own error comes back unchanged.
    let d = t1.var(t(&[1.0, 2.0, 3.0], &[3]));
    let e = mul_add(&a, &d, &t1.var(t(&[0.0, 0.0], &[2]))).unwrap_err();
    assert!(
        e.to_string().contains("cannot broadcast [3] with [2]"),
        "{e}"
    );
}

#[test]
fn anomaly_mode_checks_custom_ops_forward_and_backward() {
    let tape = Tape::<f64>::new();
    tape.set_anomaly_detection(true);
    let x = tape.var(t(&[0.0], &[1]));
    // Forward: ln(0) = -inf from a finite input; x is node 0, so the op would be node 1.
    let e = Var::custom(
        "my_log",
        [&x],
        |[x]| Ok(x.ln()),
        |c, g, _| g.div(&c.input(0)),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("node 1 (my_log)")
            && e.contains("forward")
            && e.contains("inputs were all finite"),
        "{e}"
    );
    // Backward: a rule giving 1 / 0.
    let y = Var::custom(
        "bad_rule",
        [&x],
        |[x]| Ok(x.clone()),
        |c, g, _| g.div(&c.input(0)),
    )
    .unwrap();
    let e = y.sum().unwrap().backward().unwrap_err().to_string();
    assert!(
        e.contains("node 1 (bad_rule)") && e.contains("backward (gradient for input 0)"),
        "{e}"
    );
    // A NaN already in the data is reported as such.
    let data = tape.constant(t(&[f64::NAN], &[1]));
    let e = softplus(&data).unwrap_err().to_string();
    assert!(
        e.contains("softplus") && e.contains("input 0") && e.contains("a constant (the data)"),
        "{e}"
    );
}
