//! Bitwise properties: gradients reached through transposed and strided views equal those of
//! contiguous copies bit for bit, and backward passes over the same graph repeat bit for bit.
//!
//! `tensor` fixes the order of every sum by the logical shape alone (never by strides or thread
//! count), and the tape adds nothing layout-dependent, so a view and its contiguous copy must
//! give the same bits.

#![allow(clippy::unwrap_used)]

use autograd::testing::{shape, tensor_f64};
use autograd::{Gradients, Result, Tape, Tensor, Var};
use proptest::prelude::*;
use tensor::NumpyRng;

/// A scalar function of one [3, 4]-shaped value mixing elementwise ops, broadcasting, matmul and
/// reductions.
fn f(x: &Var<f64>) -> Result<Var<f64>> {
    let tape = x.tape();
    let mut rng = NumpyRng::new(9);
    let w = tape.constant(rng.randn_tensor(&[4, 2])?);
    let b = tape.constant(rng.randn_tensor(&[4])?);
    let h = x.add(&b)?.tanh()?.mul(x)?;
    h.matmul(&w)?.sigmoid()?.sum_axis(1, false)?.ln()?.sum()
}

fn grad_of(x: &Var<f64>, loss: &Var<f64>) -> Tensor<f64> {
    loss.backward().unwrap().get(x).unwrap().clone()
}

#[test]
fn gradients_through_transposed_views_equal_those_of_contiguous_copies() {
    let base = NumpyRng::new(1).randn_tensor::<f64>(&[4, 3]).unwrap();
    // Through a view op on the tape: x -> x^T (a strided view) -> f.
    let tape = Tape::new();
    let x = tape.var(base.clone());
    let via_view = grad_of(&x, &f(&x.t().unwrap()).unwrap());
    // From a leaf holding the contiguous copy of x^T.
    let copy = tape.var(base.t().unwrap().contiguous());
    let via_copy = grad_of(&copy, &f(&copy).unwrap());
    assert!(via_view.bitwise_eq(&via_copy.t().unwrap()));
    // A leaf whose value is itself a strided view.
    let leaf_view = tape.var(base.t().unwrap());
    assert!(!leaf_view.value().is_contiguous());
    let via_leaf_view = grad_of(&leaf_view, &f(&leaf_view).unwrap());
    assert!(via_leaf_view.bitwise_eq(&via_copy));

    // Rows of 10 (>= 8) along the last axis are summed pairwise, read in logical order.
    let wide = NumpyRng::new(4).randn_tensor::<f64>(&[10, 12]).unwrap();
    let h = |v: &Var<f64>| v.exp()?.sum_axis(1, false)?.square()?.mean();
    let x = tape.var(wide.clone());
    let via_view = grad_of(&x, &h(&x.t().unwrap()).unwrap());
    let copy = tape.var(wide.t().unwrap().contiguous());
    let via_copy = grad_of(&copy, &h(&copy).unwrap());
    assert!(via_view.bitwise_eq(&via_copy.t().unwrap()));
}

/// `(x, perm, axis, start, len)`: a rank-3 tensor, a permutation, and a narrow of the permuted
/// view along `axis` from `start` for `len`.
fn view_case() -> impl Strategy<Value = (Tensor<f64>, Vec<usize>, usize, usize, usize)> {
    shape(3..=3, 1..=5).prop_flat_map(|s| {
        (
            tensor_f64(&s, -2.0..2.0),
            Just(vec![0usize, 1, 2]).prop_shuffle(),
            0..3usize,
        )
            .prop_flat_map(|(x, perm, ax)| {
                let d = x.shape()[perm[ax]];
                (Just(x), Just(perm), Just(ax), 0..d).prop_flat_map(move |(x, perm, ax, start)| {
                    (Just(x), Just(perm), Just(ax), Just(start), 1..=d - start)
                })
            })
    })
}

/// A scalar function of any value: elementwise ops, a broadcast against the last axis, and a
/// sum over everything (which reads its input in logical order, whatever the layout).
fn g(x: &Var<f64>) -> Result<Var<f64>> {
    let n = *x.shape().last().unwrap_or(&1);
    let row = x
        .tape()
        .constant(Tensor::from_fn(&[n], |i| 0.5 + i as f64)?);
    x.exp()?.mul(&row)?.add(&x.square()?)?.sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn gradients_through_permuted_and_narrowed_views_equal_those_of_copies(
        (x, perm, ax, start, len) in view_case()
    ) {
        let tape = Tape::new();
        let leaf = tape.var(x.clone());
        let view = leaf.permute(&perm).unwrap().narrow(ax, start, len).unwrap();
        let via_view = grad_of(&leaf, &g(&view).unwrap());

        // The copy: the same elements as a fresh contiguous leaf; its gradient is put back into
        // x's layout by hand (the inverse of permute + narrow) and must agree bit for bit.
        let copied = x.permute(&perm).unwrap().narrow(ax, start, len).unwrap().contiguous();
        let copy = tape.var(copied);
        let via_copy = grad_of(&copy, &g(&copy).unwrap());
        let d = x.shape()[perm[ax]];
        let padded = via_copy.pad_axis(ax, start, d - start - len).unwrap();
        let mut inverse = [0; 3];
        for (i, &p) in perm.iter().enumerate() {
            inverse[p] = i;
        }
        let back = padded.permute(&inverse).unwrap();
        prop_assert!(via_view.bitwise_eq(&back));
    }
}

fn all_grads(vars: &[Var<f64>], g: &Gradients<f64>) -> Vec<Tensor<f64>> {
    vars.iter().map(|v| g.get(v).unwrap().clone()).collect()
}

#[test]
fn two_backward_passes_of_one_graph_are_bitwise_identical() {
    let mut rng = NumpyRng::new(2);
    let tape = Tape::new();
    // Large enough (256 x 160 = 40960 elements) for the elementwise ops to run on rayon's pool.
    let x = tape.constant(rng.randn_tensor(&[256, 64]).unwrap());
    let w1 = tape.var(rng.randn_tensor(&[64, 160]).unwrap().mul_scalar(0.1));
    let b1 = tape.var(rng.randn_tensor(&[1, 160]).unwrap());
    let w2 = tape.var(rng.randn_tensor(&[160, 3]).unwrap().mul_scalar(0.1));
    let h = x.matmul(&w1).unwrap().add(&b1).unwrap().relu().unwrap();
    let z = h.matmul(&w2).unwrap();
    let loss = z.log_softmax(1).unwrap().mean().unwrap().neg().unwrap();
    let params = [w1, b1, w2, h];

    let first = all_grads(&params, &loss.backward().unwrap());
    let second = all_grads(&params, &loss.backward().unwrap());
    for (a, b) in first.iter().zip(&second) {
        assert!(a.bitwise_eq(b));
    }
    // The recorded pass computes the same numbers as the plain one.
    let third = all_grads(&params, &loss.backward_with_graph().unwrap());
    let fourth = all_grads(&params, &loss.backward_with_graph().unwrap());
    for ((a, b), c) in first.iter().zip(&third).zip(&fourth) {
        assert!(a.bitwise_eq(b) && b.bitwise_eq(c));
    }
}
