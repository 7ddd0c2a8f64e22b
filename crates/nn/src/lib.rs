//! # nn
//!
//! tapegrad's neural-network layer (work in progress).

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub use autograd;
