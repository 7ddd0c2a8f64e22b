//! `gradcheck` itself: it must fail where the tape's gradient is wrong, in both of its modes, and
//! report where; and it must pass where it is right.

#![allow(clippy::unwrap_used)]

use autograd::{GradcheckOptions, Location, Tensor, gradcheck};
use tensor::NumpyRng;

fn randn(shape: &[usize], seed: u32) -> Tensor<f64> {
    NumpyRng::new(seed).randn_tensor(shape).unwrap()
}

#[test]
fn a_wrong_gradient_fails_the_full_jacobian_check_at_the_right_place() {
    // f(x) = x * stop(x) has value x^2 but the tape sees d/dx = x, half the true 2x.
    let x = Tensor::<f64>::from_vec(vec![0.5, -1.5, 2.0], &[3]).unwrap();
    let r = gradcheck(
        |v| v[0].mul(&v[0].detach()),
        &[x],
        &GradcheckOptions::default(),
    )
    .unwrap();
    assert!(r.full_jacobian);
    assert!(!r.passed(), "{r}");
    assert_eq!(r.checked, 9); // 3 outputs x 3 input elements
    // The worst entry is the diagonal one with the largest |x|: analytic 2, numeric 4.
    assert_eq!(
        r.worst,
        Some(Location::Jacobian {
            input: 0,
            element: 2,
            output: 2
        })
    );
    assert_eq!(r.analytic, 2.0);
    assert!((r.numeric - 4.0).abs() < 1e-8, "{r}");
}

#[test]
fn a_wrong_gradient_fails_the_projection_check() {
    // 10 x 10 inputs exceed full_max (64), so random projections are used.
    let x = randn(&[10, 10], 1);
    let opts = GradcheckOptions::default();
    let r = gradcheck(
        |v| v[0].mul(&v[0].detach())?.sum(),
        std::slice::from_ref(&x),
        &opts,
    )
    .unwrap();
    assert!(!r.full_jacobian);
    assert_eq!(r.checked, opts.projections);
    assert!(!r.passed(), "{r}");
    assert!(matches!(r.worst, Some(Location::Projection { .. })));
    // And the right gradient of the same function passes.
    let r = gradcheck(|v| v[0].square()?.sum(), &[x], &opts).unwrap();
    assert!(r.passed(), "{r}");
}

#[test]
fn an_error_confined_to_one_input_is_caught() {
    // Two inputs; only b's gradient is wrong (b enters as b * stop(b)).
    let (a, b) = (randn(&[4, 3], 2), randn(&[3], 3));
    let r = gradcheck(
        |v| v[0].mul(&v[1].mul(&v[1].detach())?),
        &[a, b],
        &GradcheckOptions::default(),
    )
    .unwrap();
    assert!(!r.passed(), "{r}");
    assert!(
        matches!(r.worst, Some(Location::Jacobian { input: 1, .. })),
        "{r}"
    );
}

#[test]
fn non_scalar_outputs_and_unused_inputs_are_checked() {
    // d(a @ b)/da and /db for a 2x3 by 3x2 product (full Jacobian: 4 outputs x 12 inputs), with
    // an unused third input whose gradient must be zero.
    let (a, b, c) = (randn(&[2, 3], 4), randn(&[3, 2], 5), randn(&[2], 6));
    let r = gradcheck(
        |v| v[0].matmul(&v[1]),
        &[a, b, c],
        &GradcheckOptions::default(),
    )
    .unwrap();
    assert!(r.passed(), "{r}");
    assert_eq!(r.checked, 4 * (6 + 6 + 2));
}

#[test]
fn a_nan_gradient_is_the_worst_result() {
    // sqrt at 0: the tape gives 1 / (2 sqrt 0) = inf and the central difference needs
    // sqrt(-eps) = NaN. A NaN comparison must never count as a pass.
    let x = Tensor::<f64>::from_vec(vec![0.0, 1.0], &[2]).unwrap();
    let r = gradcheck(|v| v[0].sqrt()?.sum(), &[x], &GradcheckOptions::default()).unwrap();
    assert!(!r.passed(), "{r}");
}
