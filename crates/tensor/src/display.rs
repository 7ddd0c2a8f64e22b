//! Printing tensors as NumPy prints arrays. (Placeholder: plain list output.)

use std::fmt;

use crate::float::Float;
use crate::tensor::Tensor;

impl<T: Float> fmt::Display for Tensor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_vec())
    }
}
