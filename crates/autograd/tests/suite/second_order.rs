//! Second order: `backward_with_graph` records the backward pass, so gradients can be
//! differentiated again. Checked on closed forms (x^3, sigmoid, tanh), on a Hessian-vector product
//! of a small MLP loss against central differences of its gradient, and, for every op family,
//! by `gradcheck` of the op's gradient function (its Jacobian is the op's Hessian).

#![allow(clippy::unwrap_used)]

use crate::common;

use autograd::testing::{broadcastable_tensors, shape, shaped_tensor, tensor_avoiding, tensor_f64};
use autograd::{GradcheckOptions, Result, Tape, Tensor, Var, gradcheck};
use common::check;
use proptest::prelude::*;
use tensor::NumpyRng;

fn t(v: &[f64], s: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(v.to_vec(), s).unwrap()
}

/// d2/dx2 of `sum(f(x))` for an elementwise `f` (the Hessian is diagonal, so differentiating the
/// summed gradient gives its diagonal), and the first derivative on the way.
fn second_derivative(x: &[f64], f: impl Fn(&Var<f64>) -> Result<Var<f64>>) -> (Vec<f64>, Vec<f64>) {
    let tape = Tape::new();
    let x = tape.var(t(x, &[x.len()]));
    let dy = f(&x)
        .unwrap()
        .sum()
        .unwrap()
        .backward_with_graph()
        .unwrap()
        .get_var(&x)
        .unwrap();
    assert!(
        dy.is_tracked(),
        "a gradient from backward_with_graph is differentiable"
    );
    let d2 = dy
        .sum()
        .unwrap()
        .backward()
        .unwrap()
        .get(&x)
        .unwrap()
        .to_vec();
    (dy.value().to_vec(), d2)
}

#[test]
fn cube_has_second_derivative_six_x() {
    // y = x^3: y' = 3x^2, y'' = 6x. At [-1.5, 0.5, 2]: y' = [6.75, 0.75, 12], y'' = [-9, 3, 12]
    // (all exact in binary).
    let (d1, d2) = second_derivative(&[-1.5, 0.5, 2.0], |x| x.powi(3));
    assert_eq!(d1, vec![6.75, 0.75, 12.0]);
    assert_eq!(d2, vec![-9.0, 3.0, 12.0]);
    // The same through x * x * x: three uses of x, the product rule twice over.
    let (d1, d2) = second_derivative(&[-1.5, 0.5, 2.0], |x| x.mul(x)?.mul(x));
    assert_eq!(d1, vec![6.75, 0.75, 12.0]);
    assert_eq!(d2, vec![-9.0, 3.0, 12.0]);
}

#[test]
fn sigmoid_and_tanh_second_derivatives_match_their_closed_forms() {
    // s' = s(1 - s), s'' = s(1 - s)(1 - 2s); tanh' = 1 - t^2, tanh'' = -2t(1 - t^2).
    // Different association orders of the same products: |values| <= 1, so a few ulps.
    let xs = [-3.0, -0.7, 0.0, 0.4, 2.5];
    let (d1, d2) = second_derivative(&xs, |x| x.sigmoid());
    for (i, &x) in xs.iter().enumerate() {
        let s = 1.0 / (1.0 + f64::exp(-x));
        assert!((d1[i] - s * (1.0 - s)).abs() < 1e-15, "{x}");
        assert!(
            (d2[i] - s * (1.0 - s) * (1.0 - 2.0 * s)).abs() < 1e-15,
            "{x}"
        );
    }
    let (d1, d2) = second_derivative(&xs, |x| x.tanh());
    for (i, &x) in xs.iter().enumerate() {
        let th = x.tanh();
        assert!((d1[i] - (1.0 - th * th)).abs() < 1e-15, "{x}");
        assert!((d2[i] + 2.0 * th * (1.0 - th * th)).abs() < 1e-15, "{x}");
    }
}

/// A 3-4-2 MLP with tanh, softmax cross-entropy on 5 samples: the loss as a function of the
/// parameters [W1, b1, W2, b2].
fn mlp_loss(p: &[Var<f64>]) -> Result<Var<f64>> {
    let tape = p[0].tape();
    let mut rng = NumpyRng::new(11);
    let x = tape.constant(rng.randn_tensor(&[5, 3])?);
    let y = tape.constant(t(
        &[1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0],
        &[5, 2],
    ));
    let a1 = x.matmul(&p[0])?.add(&p[1])?.tanh()?;
    let z2 = a1.matmul(&p[2])?.add(&p[3])?;
    y.mul(&z2.log_softmax(1)?)?.sum()?.div_scalar(-5.0)
}

fn mlp_params() -> Vec<Tensor<f64>> {
    let mut rng = NumpyRng::new(3);
    [&[3, 4][..], &[1, 4], &[4, 2], &[1, 2]]
        .iter()
        .map(|s| rng.randn_tensor(s).unwrap().mul_scalar(0.5))
        .collect()
}

/// The loss gradient at `params`, flattened and joined.
fn mlp_grad(params: &[Tensor<f64>]) -> Vec<f64> {
    let tape = Tape::new();
    let p: Vec<Var<f64>> = params.iter().map(|t| tape.var(t.clone())).collect();
    let g = mlp_loss(&p).unwrap().backward().unwrap();
    p.iter().flat_map(|v| g.get(v).unwrap().to_vec()).collect()
}

#[test]
fn mlp_hessian_vector_product_matches_differences_of_the_gradient() {
    let params = mlp_params();
    let mut rng = NumpyRng::new(5);
    let v: Vec<Tensor<f64>> = params
        .iter()
        .map(|p| rng.randn_tensor(p.shape()).unwrap())
        .collect();

    // Tape: Hv = grad_w (grad_w L . v), by differentiating the recorded backward pass.
    let tape = Tape::new();
    let p: Vec<Var<f64>> = params.iter().map(|t| tape.var(t.clone())).collect();
    let g = mlp_loss(&p).unwrap().backward_with_graph().unwrap();
    let mut gv = tape.constant(Tensor::scalar(0.0));
    for (pi, vi) in p.iter().zip(&v) {
        let term = g
            .get_var(pi)
            .unwrap()
            .mul(&tape.constant(vi.clone()))
            .unwrap()
            .sum()
            .unwrap();
        gv = gv.add(&term).unwrap();
    }
    let hv_grads = gv.backward().unwrap();
    let hv: Vec<f64> = p
        .iter()
        .flat_map(|pi| hv_grads.get(pi).unwrap().to_vec())
        .collect();

    // Central differences of the gradient along v: (grad L(w + eps v) - grad L(w - eps v)) / 2 eps.
    let eps = 1e-6;
    let shifted = |sign: f64| -> Vec<Tensor<f64>> {
        params
            .iter()
            .zip(&v)
            .map(|(p, v)| p.add(&v.mul_scalar(sign * eps)).unwrap())
            .collect()
    };
    let (gp, gm) = (mlp_grad(&shifted(1.0)), mlp_grad(&shifted(-1.0)));
    assert_eq!(hv.len(), 4 * 3 + 4 + 4 * 2 + 2);
    for (i, h) in hv.iter().enumerate() {
        let numeric = (gp[i] - gm[i]) / (2.0 * eps);
        // gradcheck's tolerance: |analytic - numeric| <= 1e-7 + 1e-5 |numeric|.
        assert!(
            (h - numeric).abs() <= 1e-7 + 1e-5 * numeric.abs(),
            "entry {i}: {h} vs {numeric}"
        );
    }
    assert!(hv.iter().any(|h| h.abs() > 1e-3), "a non-trivial Hessian");
}

#[test]
fn gradient_penalty_is_differentiable_and_checks_out() {
    // A gradient penalty: P(x) = |d/dx sum(tanh(x) * w)|^2 = sum((w (1 - tanh^2 x))^2).
    let x = t(&[0.3, -1.2, 0.8, 2.0], &[4]);
    let w = t(&[1.0, -2.0, 0.5, 3.0], &[4]);
    let penalty = |v: &[Var<f64>]| -> Result<Var<f64>> {
        let tape = v[0].tape();
        let y = v[0].tanh()?.mul(&tape.constant(w.clone()))?.sum()?;
        let g = y.backward_with_graph()?.get_var(&v[0]).expect("x is used");
        g.square()?.sum()
    };
    let report = gradcheck(penalty, &[x], &GradcheckOptions::default()).unwrap();
    assert!(report.passed(), "{report}");
    assert_eq!(report.checked, 4);
}

/// gradcheck of `x -> d/dx sum(op(x) * w)` (for several inputs, their gradients flattened and
/// joined): the Jacobian of a gradient is the Hessian, so this checks that the op's backward rule
/// is itself differentiated correctly.
fn check_second_order(
    op: impl Fn(&[Var<f64>]) -> Result<Var<f64>>,
    inputs: &[Tensor<f64>],
) -> std::result::Result<(), TestCaseError> {
    check(
        |v| {
            let tape = v[0].tape();
            let y = op(v)?;
            // Fixed, uneven weights so the Hessian is not symmetric by accident.
            let w = Tensor::from_fn(y.shape(), |i| 0.5 + 0.25 * (i % 3) as f64)?;
            let g = y.mul(&tape.constant(w))?.sum()?.backward_with_graph()?;
            let parts = v
                .iter()
                .map(|x| match g.get_var(x) {
                    Some(gx) => gx.flatten(),
                    None => Ok(tape.constant(Tensor::zeros(&[x.value().len()])?)),
                })
                .collect::<Result<Vec<_>>>()?;
            Var::concat(&parts.iter().collect::<Vec<_>>(), 0)
        },
        inputs,
    )
}

fn small() -> impl Strategy<Value = Tensor<f64>> {
    shaped_tensor(0..=2, 1..=4, -2.0..2.0)
}

fn positive() -> impl Strategy<Value = Tensor<f64>> {
    shape(0..=2, 1..=4).prop_flat_map(|s| tensor_avoiding(&s, 0.3..2.5, &[], 0.0))
}

fn with_axis() -> impl Strategy<Value = (Tensor<f64>, usize)> {
    shape(1..=3, 1..=3).prop_flat_map(|s| (tensor_f64(&s, -2.0..2.0), 0..s.len()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn smooth_unary_ops_have_correct_second_derivatives(x in small(), p in positive()) {
        check_second_order(|v| v[0].exp(), std::slice::from_ref(&x))?;
        check_second_order(|v| v[0].sigmoid(), std::slice::from_ref(&x))?;
        check_second_order(|v| v[0].tanh(), std::slice::from_ref(&x))?;
        check_second_order(|v| v[0].square(), std::slice::from_ref(&x))?;
        check_second_order(|v| v[0].powi(3), std::slice::from_ref(&x))?;
        check_second_order(|v| v[0].relu()?.square(), std::slice::from_ref(&x))?;
        check_second_order(|v| v[0].abs()?.powi(3), &[x])?;
        check_second_order(|v| v[0].ln(), std::slice::from_ref(&p))?;
        check_second_order(|v| v[0].sqrt(), std::slice::from_ref(&p))?;
        check_second_order(|v| v[0].recip(), std::slice::from_ref(&p))?;
        check_second_order(|v| v[0].powf(1.7), std::slice::from_ref(&p))?;
        check_second_order(|v| v[0].rdiv_scalar(2.0), &[p])?;
    }

    #[test]
    fn binary_ops_have_correct_second_derivatives(
        (a, b) in broadcastable_tensors(0..=2, 1..=3, -2.0..2.0),
    ) {
        let b_pos = b.abs().add_scalar(0.5);
        let a_pos = a.abs().add_scalar(0.5);
        check_second_order(|v| v[0].mul(&v[1]), &[a.clone(), b.clone()])?;
        check_second_order(|v| v[0].div(&v[1]), &[a.clone(), b_pos.clone()])?;
        check_second_order(|v| v[0].pow(&v[1]), &[a_pos, b])?;
        check_second_order(|v| v[0].sub(&v[1])?.square(), &[a, b_pos])?;
    }

    #[test]
    fn reductions_and_softmax_have_correct_second_derivatives((x, ax) in with_axis()) {
        check_second_order(|v| v[0].softmax(ax), std::slice::from_ref(&x))?;
        check_second_order(|v| v[0].log_softmax(ax), std::slice::from_ref(&x))?;
        check_second_order(|v| v[0].logsumexp(ax, false), std::slice::from_ref(&x))?;
        check_second_order(|v| v[0].max_axis(ax, true)?.square(), std::slice::from_ref(&x))?;
        check_second_order(|v| v[0].mean_axis(ax, false)?.square(), std::slice::from_ref(&x))?;
        check_second_order(|v| v[0].square()?.sum_axis(ax, true)?.sqrt(), &[x])?;
    }

    #[test]
    fn matmul_and_movement_have_correct_second_derivatives(
        (a, b) in autograd::testing::matmul_shapes(1..=3)
            .prop_flat_map(|(a, b)| (tensor_f64(&a, -2.0..2.0), tensor_f64(&b, -2.0..2.0))),
    ) {
        check_second_order(|v| v[0].matmul(&v[1])?.tanh(), &[a.clone(), b.clone()])?;
        check_second_order(|v| v[0].flatten()?.index_select(0, &[0, 0])?.square(), std::slice::from_ref(&a))?;
        check_second_order(|v| Var::concat(&[&v[0].flatten()?, &v[1].flatten()?], 0)?.exp(), &[a.clone(), b])?;
        check_second_order(|v| v[0].unsqueeze(0)?.transpose(0, -1)?.narrow(0, 0, 1)?.exp(), &[a])?;
    }
}
