//! # autograd
//!
//! tapegrad's gradient tape (work in progress).

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub use tensor::{Error, Result, Tensor};
