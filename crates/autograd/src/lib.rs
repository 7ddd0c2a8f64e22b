//! # autograd
//!
//! tapegrad's gradient tape. A [`Tape`] is a Wengert list: every op on a tracked [`Var`] appends
//! a node holding its inputs, the values its derivative needs and its backward rule. Walking the
//! list backwards is a topological order, so [`Var::backward`] is one loop (no recursion, no graph
//! search) that returns a fresh [`Gradients`] store: no `zero_grad`, nothing stale.
//!
//! Every rule is written with `Var` ops. A plain backward runs them with recording off, at tensor
//! speed; [`Var::backward_with_graph`] records them too, so gradients can be differentiated
//! again. [`gradcheck`] checks any function's gradients against central differences, and the
//! `testing` feature exports proptest strategies to do so over random shapes.
//!
//! ```
//! use autograd::{Tape, Tensor};
//!
//! let tape = Tape::<f64>::new();
//! let x = tape.var(Tensor::from_vec(vec![3.0, 1.0, 4.0], &[3])?);
//! // y = x^2 + 5x + 4, elementwise; dy/dx = 2x + 5 = [11, 7, 13].
//! let y = x.square()?.add(&x.mul_scalar(5.0)?)?.add_scalar(4.0)?;
//! assert_eq!(y.value().to_vec(), vec![28.0, 10.0, 40.0]);
//! let grads = y.sum()?.backward()?;
//! assert_eq!(grads.get(&x).unwrap().to_vec(), vec![11.0, 7.0, 13.0]);
//! # Ok::<(), tensor::Error>(())
//! ```
//!
//! See `docs/autograd.md` for how the tape works, mapped onto the lesson's backprop.

#![warn(missing_docs)]
#![warn(clippy::unwrap_used)]
#![forbid(unsafe_code)]

mod anomaly;
mod backward;
mod clip;
mod custom;
mod dot;
mod gradcheck;
mod gradients;
mod ops;
mod tape;
#[cfg(feature = "testing")]
pub mod testing;
mod var;

pub use anomaly::ModuleScope;
pub use backward::Gradients;
pub use custom::CustomCtx;
pub use gradcheck::{GradcheckOptions, GradcheckReport, Location, gradcheck};
pub use tape::{NoGradGuard, NodeId, ParamId, Tape};
pub use tensor::{Axis, Error, Float, Result, Tensor};
pub use var::Var;
