//! Layers: [`Linear`], the activations, and [`Sequential`] to chain them.

mod activation;
mod linear;
mod sequential;

pub use activation::{LeakyReLU, ReLU, Sigmoid, Softmax, Tanh};
pub use linear::Linear;
pub use sequential::Sequential;
