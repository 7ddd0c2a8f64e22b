//! Every elementwise op's gradient against central differences (`gradcheck`, f64, eps 1e-6,
//! |analytic - numeric| <= 1e-7 + 1e-5 |numeric|), over 256 proptest cases each: shapes of rank
//! 0 to 3 with dimensions 0 to 5, and broadcast pairs for the binary ops. Values keep away from
//! each op's kinks and poles (see `autograd::testing`), where a central difference is meaningless.

#![allow(clippy::unwrap_used)]

use crate::common;

use autograd::testing::{broadcastable_tensors, shape, shaped_tensor, tensor_avoiding};
use autograd::{Tensor, Var};
use common::{CASES, DIM, RANK, check, min_gap};
use proptest::prelude::*;

/// A broadcast pair whose right operand keeps at least 0.5 away from 0 (a divisor).
fn pair_with_divisor() -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>)> {
    autograd::testing::broadcastable_pair(RANK, DIM).prop_flat_map(|(a, b)| {
        (
            autograd::testing::tensor_f64(&a, -2.0..2.0),
            tensor_avoiding(&b, -2.0..2.0, &[0.0], 0.5),
        )
    })
}

/// A broadcast pair `(base, exponent)` with a positive base, where the real power is smooth in both.
fn pair_for_pow() -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>)> {
    autograd::testing::broadcastable_pair(RANK, DIM).prop_flat_map(|(a, b)| {
        (
            tensor_avoiding(&a, 0.5..2.0, &[], 0.0),
            autograd::testing::tensor_f64(&b, -2.0..2.0),
        )
    })
}

/// A broadcast pair with no near-ties between the elements that meet, for maximum/minimum.
fn pair_without_ties() -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>)> {
    broadcastable_tensors(RANK, DIM, -2.0..2.0)
        .prop_filter("operands tie within 1e-3", |(a, b)| min_gap(a, b) >= 1e-3)
}

/// Any shape, values from `range` away from `kinks` by `margin`.
fn tensor_in(
    range: std::ops::Range<f64>,
    kinks: &'static [f64],
    margin: f64,
) -> impl Strategy<Value = Tensor<f64>> {
    shape(RANK, DIM).prop_flat_map(move |s| tensor_avoiding(&s, range.clone(), kinks, margin))
}

fn any_tensor() -> impl Strategy<Value = Tensor<f64>> {
    shaped_tensor(RANK, DIM, -2.0..2.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn add_broadcast_matches_gradcheck((a, b) in broadcastable_tensors(RANK, DIM, -2.0..2.0)) {
        check(|v| v[0].add(&v[1]), &[a, b])?;
    }

    #[test]
    fn sub_broadcast_matches_gradcheck((a, b) in broadcastable_tensors(RANK, DIM, -2.0..2.0)) {
        check(|v| v[0].sub(&v[1]), &[a, b])?;
    }

    #[test]
    fn mul_broadcast_matches_gradcheck((a, b) in broadcastable_tensors(RANK, DIM, -2.0..2.0)) {
        check(|v| v[0].mul(&v[1]), &[a, b])?;
    }

    #[test]
    fn div_broadcast_matches_gradcheck((a, b) in pair_with_divisor()) {
        check(|v| v[0].div(&v[1]), &[a, b])?;
    }

    #[test]
    fn pow_broadcast_matches_gradcheck((a, b) in pair_for_pow()) {
        check(|v| v[0].pow(&v[1]), &[a, b])?;
    }

    #[test]
    fn maximum_broadcast_matches_gradcheck((a, b) in pair_without_ties()) {
        check(|v| v[0].maximum(&v[1]), &[a, b])?;
    }

    #[test]
    fn minimum_broadcast_matches_gradcheck((a, b) in pair_without_ties()) {
        check(|v| v[0].minimum(&v[1]), &[a, b])?;
    }

    #[test]
    fn same_var_on_both_sides_sums_both_uses(x in any_tensor()) {
        // x * x and x / (x^2 + 1) use x twice: the gradient is the sum over both uses.
        check(|v| v[0].mul(&v[0]), std::slice::from_ref(&x))?;
        check(|v| v[0].div(&v[0].square()?.add_scalar(1.0)?), &[x])?;
    }

    #[test]
    fn scalar_forms_match_gradcheck(x in tensor_in(-2.0..2.0, &[0.0], 0.5), s in 0.5..2.0f64) {
        check(|v| v[0].add_scalar(s), std::slice::from_ref(&x))?;
        check(|v| v[0].sub_scalar(s), std::slice::from_ref(&x))?;
        check(|v| v[0].mul_scalar(s), std::slice::from_ref(&x))?;
        check(|v| v[0].div_scalar(s), std::slice::from_ref(&x))?;
        check(|v| v[0].rsub_scalar(s), std::slice::from_ref(&x))?;
        check(|v| v[0].rdiv_scalar(s), &[x])?;
    }

    #[test]
    fn powf_matches_gradcheck(x in tensor_in(0.3..2.5, &[], 0.0), p in -2.5..2.5f64) {
        check(|v| v[0].powf(p), &[x])?;
    }

    #[test]
    fn powi_matches_gradcheck(x in tensor_in(-2.0..2.0, &[0.0], 0.3), n in -3..=4i32) {
        check(|v| v[0].powi(n), &[x])?;
    }

    #[test]
    fn maximum_and_minimum_scalar_match_gradcheck(x in tensor_in(-2.0..2.0, &[0.5], 0.1)) {
        check(|v| v[0].maximum_scalar(0.5), std::slice::from_ref(&x))?;
        check(|v| v[0].minimum_scalar(0.5), &[x])?;
    }

    #[test]
    fn neg_matches_gradcheck(x in any_tensor()) {
        check(|v| v[0].neg(), &[x])?;
    }

    #[test]
    fn exp_matches_gradcheck(x in any_tensor()) {
        check(|v| v[0].exp(), &[x])?;
    }

    #[test]
    fn ln_matches_gradcheck(x in tensor_in(0.2..3.0, &[], 0.0)) {
        check(|v| v[0].ln(), &[x])?;
    }

    #[test]
    fn sqrt_matches_gradcheck(x in tensor_in(0.2..3.0, &[], 0.0)) {
        check(|v| v[0].sqrt(), &[x])?;
    }

    #[test]
    fn abs_matches_gradcheck(x in any_tensor()) {
        check(|v| v[0].abs(), &[x])?;
    }

    #[test]
    fn square_matches_gradcheck(x in any_tensor()) {
        check(|v| v[0].square(), &[x])?;
    }

    #[test]
    fn recip_matches_gradcheck(x in tensor_in(-2.0..2.0, &[0.0], 0.5)) {
        check(|v| v[0].recip(), &[x])?;
    }

    #[test]
    fn relu_matches_gradcheck(x in any_tensor()) {
        check(|v| v[0].relu(), &[x])?;
    }

    #[test]
    fn leaky_relu_matches_gradcheck(x in any_tensor(), slope in 0.01..0.5f64) {
        check(|v| v[0].leaky_relu(slope), &[x])?;
    }

    #[test]
    fn sigmoid_matches_gradcheck(x in tensor_in(-4.0..4.0, &[], 0.0)) {
        check(|v| v[0].sigmoid(), &[x])?;
    }

    #[test]
    fn tanh_matches_gradcheck(x in tensor_in(-3.0..3.0, &[], 0.0)) {
        check(|v| v[0].tanh(), &[x])?;
    }

    #[test]
    fn clamp_matches_gradcheck(x in tensor_in(-2.0..2.0, &[-1.0, 1.0], 0.1)) {
        check(|v| v[0].clamp(-1.0, 1.0), &[x])?;
    }

    #[test]
    fn where_cond_matches_gradcheck(
        (a, b) in broadcastable_tensors(RANK, DIM, -2.0..2.0),
        bits in proptest::collection::vec(any::<bool>(), 125),
    ) {
        let shape = common::broadcast(a.shape(), b.shape());
        let cond = Tensor::from_fn(&shape, |i| if bits[i % 125] { 1.0 } else { 0.0 }).unwrap();
        check(|v| Var::where_cond(&cond, &v[0], &v[1]), &[a, b])?;
    }
}
