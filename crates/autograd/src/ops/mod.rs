//! The differentiable ops on [`crate::Var`], one file per family as in `tensor`'s `ops/`: each op's
//! forward (a call of the tensor op) and its backward rule side by side, the rule written with
//! `Var` ops so that it can itself be recorded and differentiated again.

mod binary;
mod matmul;
mod reduce;
mod select;
mod softmax;
mod stats;
mod std_ops;
mod unary;
mod view;

use tensor::{Axis, Error, Float, Result, Tensor};

/// Resolves a NumPy-style axis (negative counts from the end) against a rank, naming `op` in the
/// error.
pub(crate) fn resolve_axis(op: &'static str, axis: impl Axis, shape: &[usize]) -> Result<usize> {
    let (a, n) = (axis.as_isize(), shape.len() as isize);
    let r = if a < 0 { a + n } else { a };
    if (0..n).contains(&r) {
        Ok(r as usize)
    } else {
        Err(Error::Axis {
            op,
            axis: a,
            shape: shape.to_vec(),
        })
    }
}

/// `t`, or a fresh tensor of its shape if it is empty. Works around a tensor bug: `narrow` and
/// `select` along one axis of a tensor that is empty along an earlier axis give a view whose
/// offset lies past the end of its storage, and reading that view (`to_vec`, any op) panics.
pub(crate) fn readable<T: Float>(t: Tensor<T>) -> Result<Tensor<T>> {
    if t.is_empty() {
        Tensor::zeros(t.shape())
    } else {
        Ok(t)
    }
}
