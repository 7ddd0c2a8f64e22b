//! Reductions and the softmax family against central differences: 256 proptest cases each, shapes
//! of rank 0 to 3 (1 to 3 where an axis is needed) with dimensions 0 to 5, every axis, with and
//! without `keepdims`. Values are pairwise distinct (see `autograd::testing`), so a `max` never
//! has a near-tie that a step of 1e-6 could flip.

#![allow(clippy::unwrap_used)]

use crate::common;

use autograd::Tensor;
use autograd::testing::{shape, shaped_tensor, tensor_f64};
use common::{CASES, DIM, RANK, check};
use proptest::prelude::*;

/// A tensor of rank 1 to 3 and one of its axes.
fn with_axis() -> impl Strategy<Value = (Tensor<f64>, usize)> {
    shape(1..=3, DIM).prop_flat_map(|s| (tensor_f64(&s, -2.0..2.0), 0..s.len()))
}

/// As [`with_axis`], but the axis is not empty (max, min and softmax need an element).
fn with_nonempty_axis() -> impl Strategy<Value = (Tensor<f64>, usize)> {
    with_axis().prop_filter("empty axis", |(x, ax)| x.shape()[*ax] > 0)
}

/// A target shape and a tensor of a shape it broadcasts to.
fn sum_to_case() -> impl Strategy<Value = (Vec<usize>, Tensor<f64>)> {
    autograd::testing::broadcastable_pair(RANK, DIM).prop_flat_map(|(a, b)| {
        let full = common::broadcast(&a, &b);
        (Just(a), tensor_f64(&full, -2.0..2.0))
    })
}

fn nonempty() -> impl Strategy<Value = Tensor<f64>> {
    shaped_tensor(RANK, 1..=5, -2.0..2.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn sum_matches_gradcheck(x in shaped_tensor(RANK, DIM, -2.0..2.0)) {
        check(|v| v[0].sum(), &[x])?;
    }

    #[test]
    fn mean_matches_gradcheck(x in nonempty()) {
        check(|v| v[0].mean(), &[x])?;
    }

    #[test]
    fn max_matches_gradcheck(x in nonempty()) {
        check(|v| v[0].max(), &[x])?;
    }

    #[test]
    fn min_matches_gradcheck(x in nonempty()) {
        check(|v| v[0].min(), &[x])?;
    }

    #[test]
    fn sum_axis_matches_gradcheck((x, ax) in with_axis(), keep in any::<bool>()) {
        check(|v| v[0].sum_axis(ax, keep), &[x])?;
    }

    #[test]
    fn mean_axis_matches_gradcheck((x, ax) in with_nonempty_axis(), keep in any::<bool>()) {
        check(|v| v[0].mean_axis(ax, keep), &[x])?;
    }

    #[test]
    fn max_axis_matches_gradcheck((x, ax) in with_nonempty_axis(), keep in any::<bool>()) {
        check(|v| v[0].max_axis(ax, keep), &[x])?;
    }

    #[test]
    fn min_axis_matches_gradcheck((x, ax) in with_nonempty_axis(), keep in any::<bool>()) {
        // Counted from the end, to exercise negative axes.
        let back = ax as isize - x.ndim() as isize;
        check(|v| v[0].min_axis(back, keep), &[x])?;
    }

    #[test]
    fn softmax_matches_gradcheck((x, ax) in with_nonempty_axis()) {
        check(|v| v[0].softmax(ax), &[x])?;
    }

    #[test]
    fn log_softmax_matches_gradcheck((x, ax) in with_nonempty_axis()) {
        check(|v| v[0].log_softmax(ax), &[x])?;
    }

    #[test]
    fn logsumexp_matches_gradcheck((x, ax) in with_nonempty_axis(), keep in any::<bool>()) {
        check(|v| v[0].logsumexp(ax, keep), &[x])?;
    }

    #[test]
    fn sum_to_matches_gradcheck((target, x) in sum_to_case()) {
        check(|v| v[0].sum_to(&target), &[x])?;
    }

    #[test]
    fn var_and_std_match_gradcheck(x in shaped_tensor(1..=3, 1..=5, -2.0..2.0)
        .prop_filter("one element has zero variance: sqrt's pole", |x| x.len() >= 2))
    {
        check(|v| v[0].var(), std::slice::from_ref(&x))?;
        check(|v| v[0].std(), &[x])?;
    }

    #[test]
    fn var_axis_and_std_axis_match_gradcheck(
        (x, ax) in with_axis().prop_filter("an axis of one element has zero variance", |(x, ax)| x.shape()[*ax] >= 2),
        keep in any::<bool>(),
    ) {
        check(|v| v[0].var_axis(ax, keep), std::slice::from_ref(&x))?;
        check(|v| v[0].std_axis(ax, keep), &[x])?;
    }

    #[test]
    fn sum_axes_matches_gradcheck(
        (x, axes) in shape(0..=3, DIM).prop_flat_map(|s| {
            let n = s.len();
            (tensor_f64(&s, -2.0..2.0), proptest::sample::subsequence((0..n).collect::<Vec<_>>(), 0..=n))
        }),
        keep in any::<bool>(),
        from_end in any::<bool>(),
    ) {
        let rank = x.ndim() as isize;
        let axes: Vec<isize> = axes.iter().map(|&a| if from_end { a as isize - rank } else { a as isize }).collect();
        check(|v| v[0].sum_axes(&axes, keep), &[x])?;
    }
}
