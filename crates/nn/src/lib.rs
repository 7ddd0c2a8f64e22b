//! # nn
//!
//! tapegrad's neural-network layer: weight initialisers, data preparation and metrics
//! (layers, losses and optimizers follow once the tape lands).

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod data;
pub mod init;
pub mod metrics;

pub use autograd;
