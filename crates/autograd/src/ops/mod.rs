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

use tensor::{Axis, Error, Result};

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
