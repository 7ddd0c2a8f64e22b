//! Matmul and the movement ops against central differences: 256 proptest cases each, shapes of
//! rank 0 to 3 (where the op allows) with dimensions 0 to 5. Matmul covers NumPy's vector,
//! matrix and batched cases with the batch broadcast on either side.

#![allow(clippy::unwrap_used)]

use crate::common;

use autograd::testing::{matmul_shapes, shape, shaped_tensor, tensor_f64};
use autograd::{Tensor, Var};
use common::{CASES, DIM, RANK, check};
use proptest::collection::vec;
use proptest::prelude::*;

fn tensors_for(
    shapes: (Vec<usize>, Vec<usize>),
) -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>)> {
    (
        tensor_f64(&shapes.0, -2.0..2.0),
        tensor_f64(&shapes.1, -2.0..2.0),
    )
}

/// A tensor of rank 1 to 3 and one of its axes.
fn with_axis() -> impl Strategy<Value = (Tensor<f64>, usize)> {
    shape(1..=3, DIM).prop_flat_map(|s| (tensor_f64(&s, -2.0..2.0), 0..s.len()))
}

/// A tensor, an axis, and a `start..start + len` range inside it.
fn narrow_case() -> impl Strategy<Value = (Tensor<f64>, usize, usize, usize)> {
    with_axis().prop_flat_map(|(x, ax)| {
        let d = x.shape()[ax];
        (Just(x), Just(ax), 0..=d)
            .prop_flat_map(move |(x, ax, start)| (Just(x), Just(ax), Just(start), 0..=d - start))
    })
}

/// A tensor, an axis and up to 6 indices along it (repeats allowed; none if the axis is empty).
fn index_case() -> impl Strategy<Value = (Tensor<f64>, usize, Vec<usize>)> {
    with_axis().prop_flat_map(|(x, ax)| {
        let d = x.shape()[ax];
        let n = if d == 0 { 0..=0 } else { 0..=6 };
        (Just(x), Just(ax), vec(0..d.max(1), n))
    })
}

/// 1 to 3 tensors that agree except along `axis`, for concat.
fn concat_case() -> impl Strategy<Value = (Vec<Tensor<f64>>, usize)> {
    (shape(1..=3, DIM), vec(0..=4usize, 1..=3)).prop_flat_map(|(s, lens)| {
        (0..s.len()).prop_flat_map(move |ax| {
            let parts: Vec<_> = lens
                .iter()
                .map(|&l| {
                    let mut p = s.clone();
                    p[ax] = l;
                    tensor_f64(&p, -2.0..2.0)
                })
                .collect();
            (parts, Just(ax))
        })
    })
}

/// A tensor and a permutation of its axes.
fn permute_case() -> impl Strategy<Value = (Tensor<f64>, Vec<usize>)> {
    shaped_tensor(RANK, DIM, -2.0..2.0).prop_flat_map(|x| {
        let n = x.ndim();
        (Just(x), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
    })
}

/// Applies `f` to the slice of vars as a list of references (for concat and stack).
fn refs(v: &[Var<f64>]) -> Vec<&Var<f64>> {
    v.iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn matmul_matches_gradcheck((a, b) in matmul_shapes(DIM).prop_flat_map(tensors_for)) {
        check(|v| v[0].matmul(&v[1]), &[a, b])?;
    }

    #[test]
    fn matmul_of_transposed_views_matches_gradcheck((a, b) in matmul_shapes(1..=5)
        .prop_filter("needs two matrices", |(a, b)| a.len() == 2 && b.len() == 2)
        .prop_flat_map(|(a, b)| tensors_for((vec![a[1], a[0]], vec![b[1], b[0]]))))
    {
        // The operands reach matmul as strided views (transposes), read in place.
        check(|v| v[0].t()?.matmul(&v[1].t()?), &[a, b])?;
    }

    #[test]
    fn reshape_matches_gradcheck((x, dims) in shaped_tensor(RANK, DIM, -2.0..2.0)
        .prop_flat_map(|x| { let s = x.shape().to_vec(); (Just(x), Just(s).prop_shuffle()) }))
    {
        // A permutation of the dimensions has the same element count.
        check(|v| v[0].reshape(&dims), std::slice::from_ref(&x))?;
        check(|v| v[0].flatten(), &[x])?;
    }

    #[test]
    fn permute_matches_gradcheck((x, perm) in permute_case()) {
        check(|v| v[0].permute(&perm), std::slice::from_ref(&x))?;
        check(|v| v[0].permute(&perm)?.contiguous(), &[x])?;
    }

    #[test]
    fn transpose_and_t_match_gradcheck((x, a) in with_axis(), b in 0..3usize) {
        let b = b % x.ndim();
        check(|v| v[0].transpose(a, b), std::slice::from_ref(&x))?;
        if x.ndim() <= 2 {
            check(|v| v[0].t(), &[x])?;
        }
    }

    #[test]
    fn reshape_of_a_transposed_view_matches_gradcheck((x, perm) in permute_case()) {
        // Reshaping a non-contiguous view copies; the gradient must still land in place.
        let n = x.len();
        check(|v| v[0].permute(&perm)?.reshape(&[n]), &[x])?;
    }

    #[test]
    fn broadcast_to_matches_gradcheck((a, b) in autograd::testing::broadcastable_pair(RANK, DIM)
        .prop_flat_map(|(a, b)| { let full = common::broadcast(&a, &b); (tensor_f64(&a, -2.0..2.0), Just(full)) }))
    {
        check(|v| v[0].broadcast_to(&b), &[a])?;
    }

    #[test]
    fn narrow_and_slice_match_gradcheck((x, ax, start, len) in narrow_case()) {
        check(|v| v[0].narrow(ax, start, len), std::slice::from_ref(&x))?;
        check(|v| v[0].slice(ax, start..start + len), &[x])?;
    }

    #[test]
    fn pad_axis_matches_gradcheck((x, ax) in with_axis(), before in 0..=2usize, after in 0..=2usize) {
        check(|v| v[0].pad_axis(ax, before, after), &[x])?;
    }

    #[test]
    fn select_squeeze_unsqueeze_match_gradcheck((x, ax) in with_axis()) {
        if x.shape()[ax] > 0 {
            let i = x.shape()[ax] - 1;
            check(|v| v[0].select(ax, i), std::slice::from_ref(&x))?;
            check(|v| v[0].narrow(ax, i, 1)?.squeeze(ax), std::slice::from_ref(&x))?;
        }
        check(|v| v[0].unsqueeze(ax), std::slice::from_ref(&x))?;
        check(|v| v[0].unsqueeze(-1), &[x])?;
    }

    #[test]
    fn index_select_matches_gradcheck((x, ax, idx) in index_case()) {
        check(|v| v[0].index_select(ax, &idx), &[x])?;
    }

    #[test]
    fn index_add_matches_gradcheck((x, ax, idx) in index_case()) {
        let mut s = x.shape().to_vec();
        s[ax] = idx.len();
        let src = Tensor::from_fn(&s, |i| 0.5 - 0.1 * i as f64).unwrap();
        check(|v| v[0].index_add(ax, &idx, &v[1]), &[x, src])?;
    }

    #[test]
    fn concat_matches_gradcheck((parts, ax) in concat_case()) {
        check(|v| Var::concat(&refs(v), ax), &parts)?;
    }

    #[test]
    fn stack_matches_gradcheck(
        (parts, ax) in (shape(RANK, DIM), 1..=3usize)
            .prop_flat_map(|(s, n)| (vec(tensor_f64(&s, -2.0..2.0), n), 0..=s.len()))
    ) {
        check(|v| Var::stack(&refs(v), ax), &parts)?;
    }
}
