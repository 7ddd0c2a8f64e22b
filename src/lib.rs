//! # tapegrad
//!
//! A small autodiff tensor framework: [`tensor`] (n-d arrays), [`autograd`] (a tape that derives
//! gradients) and [`nn`] (layers, losses, optimizers). This crate re-exports all three.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub use autograd;
pub use nn;
pub use tensor;

/// The names most programs need.
pub mod prelude {
    pub use tensor::{Error, Float, NumpyRng, Result, Tensor, TensorRng};
}
