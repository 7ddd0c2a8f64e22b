//! Proptest strategies for property-testing gradients (feature `testing`): shapes, broadcastable
//! shape pairs, matmul operand shapes, and tensors whose values stay away from kinks and from each
//! other, so a central difference never straddles a kink of `relu`/`abs` or flips a `max`.
//!
//! ```
//! use autograd::testing::{shaped_tensor, tensor_f64};
//! use autograd::{GradcheckOptions, gradcheck};
//! use proptest::prelude::*;
//! use proptest::test_runner::TestRunner;
//!
//! // Property: relu's gradient matches central differences on any shape of rank 0..=3.
//! TestRunner::default()
//!     .run(&shaped_tensor(0..=3, 0..=4, -2.0..2.0), |x| {
//!         let r = gradcheck(|v| v[0].relu(), &[x], &GradcheckOptions::default()).unwrap();
//!         prop_assert!(r.passed(), "{}", r);
//!         Ok(())
//!     })
//!     .unwrap();
//! ```

use std::ops::{Range, RangeInclusive};

use proptest::collection::vec;
use proptest::prelude::*;
use tensor::Tensor;

/// Shapes with a rank in `rank` and every dimension in `dim` (include 0 to test empty tensors).
pub fn shape(
    rank: RangeInclusive<usize>,
    dim: RangeInclusive<usize>,
) -> impl Strategy<Value = Vec<usize>> {
    vec(dim, rank)
}

/// Two shapes that broadcast together under NumPy's rule: a common shape from [`shape`], each
/// operand with some leading axes dropped and some dimensions replaced by 1.
pub fn broadcastable_pair(
    rank: RangeInclusive<usize>,
    dim: RangeInclusive<usize>,
) -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    shape(rank, dim).prop_flat_map(|full| {
        let n = full.len();
        (
            Just(full),
            0..=n,
            0..=n,
            vec(any::<bool>(), n),
            vec(any::<bool>(), n),
        )
            .prop_map(|(full, drop_a, drop_b, ones_a, ones_b)| {
                let cut = |drop: usize, ones: &[bool]| -> Vec<usize> {
                    (drop..full.len())
                        .map(|i| if ones[i] { 1 } else { full[i] })
                        .collect()
                };
                (cut(drop_a, &ones_a), cut(drop_b, &ones_b))
            })
    })
}

/// Operand shapes for `matmul` covering NumPy's cases: matrix by matrix, batched stacks with the
/// batch broadcast on either side, and 1-D operands on either or both sides. Every length is in
/// `dim`.
pub fn matmul_shapes(
    dim: RangeInclusive<usize>,
) -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    (dim.clone(), dim.clone(), dim.clone(), dim, 0..10usize).prop_map(|(m, k, n, b, case)| {
        match case {
            0 => (vec![m, k], vec![k, n]),
            1 => (vec![b, m, k], vec![k, n]),
            2 => (vec![m, k], vec![b, k, n]),
            3 => (vec![b, m, k], vec![b, k, n]),
            4 => (vec![1, m, k], vec![b, k, n]),
            5 => (vec![k], vec![k, n]),
            6 => (vec![m, k], vec![k]),
            7 => (vec![k], vec![k]),
            8 => (vec![k], vec![b, k, n]),
            _ => (vec![b, m, k], vec![k]),
        }
    })
}

/// Tensors of `shape` with values in `range`, at least 0.1 away from 0 (the kink of `relu`,
/// `abs`) and pairwise distinct (see [`tensor_avoiding`]).
pub fn tensor_f64(
    shape: &[usize],
    range: Range<f64>,
) -> impl Strategy<Value = Tensor<f64>> + use<> {
    tensor_avoiding(shape, range, &[0.0], 0.1)
}

/// Tensors of `shape` with values in `range` but outside `(k - margin, k + margin)` for every
/// `k` in `kinks`, and pairwise separated: sorted, neighbours differ by at least
/// `length / (2 n)`, where `length` is the measure of the allowed set and `n` the element count.
/// So a step of `1e-6` never crosses a kink nor changes which element is a max or min.
///
/// Built as a stratified sample: element `i` takes stratum `perm[i]` of `n` equal strata of the
/// allowed set, at a random point in its middle half.
///
/// # Panics
/// If the margins around the kinks leave nothing of `range` (a mistake in the test's set-up, like
/// an empty range given to proptest).
pub fn tensor_avoiding(
    shape: &[usize],
    range: Range<f64>,
    kinks: &[f64],
    margin: f64,
) -> impl Strategy<Value = Tensor<f64>> + use<> {
    let shape = shape.to_vec();
    let n: usize = shape.iter().product();
    let allowed = allowed_intervals(range, kinks, margin);
    let total: f64 = allowed.iter().map(|(a, b)| b - a).sum();
    (
        Just((0..n).collect::<Vec<usize>>()).prop_shuffle(),
        vec(0.25..0.75f64, n),
    )
        .prop_map(move |(perm, jitter)| {
            let data = perm
                .iter()
                .zip(&jitter)
                .map(|(&p, &j)| {
                    let mut t = (p as f64 + j) / n as f64 * total;
                    for &(a, b) in &allowed {
                        if t <= b - a {
                            return a + t;
                        }
                        t -= b - a;
                    }
                    allowed.last().map_or(0.0, |&(_, b)| b)
                })
                .collect();
            Tensor::from_vec(data, &shape).expect("invariant: n elements for the shape")
        })
}

/// `range` minus the open intervals of half-width `margin` around each kink, as sorted disjoint
/// intervals.
fn allowed_intervals(range: Range<f64>, kinks: &[f64], margin: f64) -> Vec<(f64, f64)> {
    let mut cuts: Vec<(f64, f64)> = kinks.iter().map(|&k| (k - margin, k + margin)).collect();
    cuts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out = vec![];
    let mut lo = range.start;
    for (a, b) in cuts {
        if a > lo {
            out.push((lo, a.min(range.end)));
        }
        lo = lo.max(b);
        if lo >= range.end {
            break;
        }
    }
    if lo < range.end {
        out.push((lo, range.end));
    }
    out.retain(|(a, b)| b > a);
    assert!(
        !out.is_empty(),
        "tensor_avoiding: the kinks' margins cover the whole range"
    );
    out
}

/// A tensor of a random shape ([`shape`]) with values from [`tensor_f64`].
pub fn shaped_tensor(
    rank: RangeInclusive<usize>,
    dim: RangeInclusive<usize>,
    range: Range<f64>,
) -> impl Strategy<Value = Tensor<f64>> {
    shape(rank, dim).prop_flat_map(move |s| tensor_f64(&s, range.clone()))
}

/// Two tensors of broadcastable shapes ([`broadcastable_pair`]) with values from [`tensor_f64`].
pub fn broadcastable_tensors(
    rank: RangeInclusive<usize>,
    dim: RangeInclusive<usize>,
    range: Range<f64>,
) -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>)> {
    broadcastable_pair(rank, dim)
        .prop_flat_map(move |(a, b)| (tensor_f64(&a, range.clone()), tensor_f64(&b, range.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::test_runner::TestRunner;

    #[test]
    fn broadcastable_pairs_do_broadcast() {
        TestRunner::default()
            .run(&broadcastable_pair(0..=3, 0..=5), |(a, b)| {
                prop_assert!(tensor::shape::broadcast_shapes("add", &a, &b).is_ok());
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn values_avoid_the_kinks_and_each_other() {
        let strat =
            shape(0..=3, 0..=5).prop_flat_map(|s| tensor_avoiding(&s, -2.0..2.0, &[0.0, 1.0], 0.1));
        TestRunner::default()
            .run(&strat, |t| {
                let mut v = t.to_vec();
                prop_assert!(v.iter().all(|x| (-2.0..2.0).contains(x)));
                prop_assert!(v.iter().all(|x| x.abs() >= 0.1 && (x - 1.0).abs() >= 0.1));
                v.sort_by(f64::total_cmp);
                // Allowed measure 3.6, so neighbours are at least 3.6 / (2 n) apart.
                let gap = 3.6 / (2.0 * v.len() as f64) - 1e-12;
                prop_assert!(v.windows(2).all(|w| w[1] - w[0] >= gap), "{v:?}");
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn allowed_intervals_cut_out_each_kink() {
        assert_eq!(
            allowed_intervals(-2.0..2.0, &[0.0], 0.5),
            vec![(-2.0, -0.5), (0.5, 2.0)]
        );
        assert_eq!(allowed_intervals(0.5..3.0, &[0.0], 0.1), vec![(0.5, 3.0)]);
        assert_eq!(
            allowed_intervals(-1.0..1.0, &[1.0, -1.0], 0.25),
            vec![(-0.75, 0.75)]
        );
    }
}
