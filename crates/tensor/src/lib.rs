//! # tensor
//!
//! tapegrad's n-dimensional arrays: [`Tensor<T>`] for `f32` (the default) and `f64`, with NumPy's
//! broadcasting, views that share storage, reductions, a packed and parallel matrix product, and
//! random initialisation that can reproduce NumPy's legacy streams exactly ([`NumpyRng`]).
//!
//! ```
//! use tensor::{NumpyRng, Tensor};
//!
//! // The lesson's first layer: X @ W1 + b1, then ReLU.
//! let mut rng = NumpyRng::new(42);
//! let x = Tensor::<f64>::from_vec(vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0], &[4, 2])?;
//! let w1 = Tensor::randn(&[2, 4], &mut rng)?.mul_scalar(0.5);
//! let b1 = Tensor::zeros(&[1, 4])?;
//! let a1 = x.matmul(&w1)?.add(&b1)?.relu();
//! assert_eq!(a1.shape(), &[4, 4]);
//! # Ok::<(), tensor::Error>(())
//! ```
//!
//! Every fallible operation returns [`Result`]; errors name the op and the shapes involved.

#![warn(missing_docs)]
#![warn(clippy::unwrap_used)]

mod display;
mod elementwise;
mod error;
mod float;
pub mod gemm;
mod iter;
mod ops;
mod pool;
pub mod random;
pub mod shape;
mod storage;
mod tensor;

pub use display::PrintOptions;
pub use elementwise::{PAR_MIN_ELEMS, PAR_MIN_ELEMS_HEAVY};
pub use error::{Error, FileErrorKind, Result};
pub use float::Float;
pub use random::{NumpyRng, TensorRng};
pub use shape::{Axis, Layout};
pub use tensor::Tensor;
