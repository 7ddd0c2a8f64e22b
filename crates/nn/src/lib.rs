//! # nn
//!
//! tapegrad's neural-network layer, in PyTorch's shape: [`Module`]s with [`Param`]s,
//! layers and [`Sequential`] (with the [`sequential!`] macro), losses, optimizers, weight
//! initialisers, data preparation, metrics, and a training loop ([`train::Trainer`]).
//! Gradients come from [`autograd`]'s tape.
//!
//! A training step:
//!
//! ```
//! use autograd::Tape;
//! use nn::prelude::*;
//! use tensor::{NumpyRng, Tensor};
//!
//! let mut rng = NumpyRng::new(1);
//! let mut model = sequential![
//!     Linear::<f64>::new(2, 8, &mut rng)?,
//!     Tanh,
//!     Linear::new(8, 1, &mut rng)?,
//!     Sigmoid,
//! ];
//! let x = Tensor::from_vec(vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0], &[4, 2])?;
//! let y = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[4, 1])?;
//! let mut opt = Adam::new(0.05);
//! let mut first = None;
//! for _ in 0..300 {
//!     let tape = Tape::new();
//!     let loss = mse(&model.forward(&tape.constant(x.clone()))?, &y)?;
//!     first.get_or_insert(loss.value().item()?);
//!     let grads = loss.backward()?;
//!     opt.step(&mut model, &grads)?;
//! }
//! let p = model.predict(&x)?.to_vec();
//! assert!(p[0] < 0.5 && p[1] > 0.5 && p[2] > 0.5 && p[3] < 0.5, "{p:?}"); // XOR learned
//! # Ok::<(), tensor::Error>(())
//! ```

#![warn(missing_docs)]
#![warn(clippy::unwrap_used)]
#![forbid(unsafe_code)]

pub mod data;
pub mod init;
pub mod io;
pub mod layers;
pub mod loss;
pub mod metrics;
mod module;
pub mod optim;
mod param;
pub mod train;

pub use autograd;
pub use layers::{LeakyReLU, Linear, ReLU, Sequential, Sigmoid, Softmax, Tanh};
pub use module::Module;
pub use param::Param;

/// The names a training program needs: `use nn::prelude::*;`.
pub mod prelude {
    pub use crate::init::Init;
    pub use crate::layers::{LeakyReLU, Linear, ReLU, Sequential, Sigmoid, Softmax, Tanh};
    pub use crate::loss::{bce, bce_with_logits, cross_entropy, cross_entropy_with_logits, mse};
    pub use crate::module::Module;
    pub use crate::optim::{Adam, Optimizer, Sgd};
    pub use crate::param::Param;
    pub use crate::sequential;
    pub use crate::train::{Control, Progress, Trainer};
}
