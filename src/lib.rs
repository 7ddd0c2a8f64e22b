//! # tapegrad
//!
//! A small autodiff tensor framework: [`tensor`] (n-d arrays), [`autograd`] (a tape that derives
//! gradients) and [`nn`] (layers, losses, optimizers, a training loop). This crate re-exports all
//! three; [`tutorial`] walks from one neuron to a digit classifier.
//!
//! ```
//! use tapegrad::nn::metrics::accuracy;
//! use tapegrad::prelude::*;
//!
//! // XOR, learned by a declared network trained with the `Trainer`.
//! let x = Tensor::<f64>::from_vec(vec![0., 0., 0., 1., 1., 0., 1., 1.], &[4, 2])?;
//! let y = tapegrad::nn::data::one_hot(&[0, 1, 1, 0], 2)?;
//! let mut rng = NumpyRng::new(0);
//! let mut model = sequential![Linear::new(2, 8, &mut rng)?, Tanh, Linear::new(8, 2, &mut rng)?];
//! let history = Trainer::new(200, 4)
//!     .metric("accuracy", accuracy)
//!     .progress(Progress::Quiet)
//!     .fit(&mut model, &mut Adam::new(0.05), cross_entropy_with_logits, &x, &y)?;
//! assert_eq!(history.series("accuracy").last(), Some(&1.0));
//! # Ok::<(), tapegrad::Error>(())
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub use autograd;
pub use nn;
pub use tensor;

/// The names most programs need: `use tapegrad::prelude::*;`.
///
/// ```
/// use tapegrad::prelude::*;
///
/// let mut rng = NumpyRng::new(0);
/// let model = sequential![Linear::<f64>::new(2, 3, &mut rng)?, ReLU, Linear::new(3, 1, &mut rng)?];
/// let tape = Tape::new();
/// let x = tape.constant(Tensor::ones(&[4, 2])?);
/// let loss = mse(&model.forward(&x)?, &Tensor::zeros(&[4, 1])?)?;
/// let grads = loss.backward()?;
/// for p in model.parameters() {
///     assert_eq!(grads.param(p.id()).unwrap().shape(), p.value().shape());
/// }
/// # Ok::<(), tapegrad::Error>(())
/// ```
pub mod prelude {
    pub use autograd::{Gradients, ParamId, Tape, Var, gradcheck};
    pub use nn::prelude::*;
    pub use tensor::{Error, Float, NumpyRng, Result, Tensor, TensorRng};
}

pub use tensor::{Error, Result};

/// The tutorial (`docs/tutorial.md`): the lesson's path from one neuron to XOR to sensors to
/// digits, each step in tapegrad beside the NumPy lines it replaces. Its code blocks run as
/// doc tests.
#[doc = include_str!("../docs/tutorial.md")]
pub mod tutorial {}

/// The README's tour, compiled and run as a doc test so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeTour;

/// `docs/adding-an-op.md`: its "outside the crate" examples are compiled and run as doc tests,
/// against the facade as a user's crate sees it.
#[cfg(doctest)]
#[doc = include_str!("../docs/adding-an-op.md")]
pub struct AddingAnOp;
