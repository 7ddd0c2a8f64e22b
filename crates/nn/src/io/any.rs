//! [`AnyTensor`]: a tensor whose element type is known only at run time, as read from a file.

use std::any::Any;

use tensor::{Float, Result, Tensor};

/// A tensor of `f32` or `f64`, as a file holds it: what [`load_tensors`](super::load_tensors)
/// returns, since one file may mix both (NumPy's `load_file` returns arrays of their own dtypes
/// too).
///
/// ```
/// use nn::io::AnyTensor;
/// use tensor::Tensor;
///
/// let t = AnyTensor::from(Tensor::<f32>::from_vec(vec![1.5, -2.0], &[2])?);
/// assert_eq!(t.dtype(), "F32");
/// assert_eq!(t.shape(), &[2]);
/// assert_eq!(t.to::<f64>().to_vec(), vec![1.5, -2.0]); // converting
/// assert!(t.clone().into_tensor::<f64>().is_err()); // not converting
/// assert_eq!(t.into_tensor::<f32>()?.to_vec(), vec![1.5, -2.0]);
/// # Ok::<(), tensor::Error>(())
/// ```
#[derive(Clone, Debug)]
pub enum AnyTensor {
    /// Stored as safetensors' `F32`.
    F32(Tensor<f32>),
    /// Stored as safetensors' `F64`.
    F64(Tensor<f64>),
}

impl AnyTensor {
    /// The dtype as safetensors spells it: `"F32"` or `"F64"`.
    pub fn dtype(&self) -> &'static str {
        match self {
            AnyTensor::F32(_) => "F32",
            AnyTensor::F64(_) => "F64",
        }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        match self {
            AnyTensor::F32(t) => t.shape(),
            AnyTensor::F64(t) => t.shape(),
        }
    }

    /// `true` if the element type is `T`.
    pub fn is<T: Float>(&self) -> bool {
        self.dtype() == dtype_of::<T>()
    }

    /// The tensor as `Tensor<T>`, converting the elements if the file held the other type
    /// (`f64` to `f32` rounds to nearest).
    pub fn to<T: Float>(&self) -> Tensor<T> {
        match self {
            AnyTensor::F32(t) => t.cast(),
            AnyTensor::F64(t) => t.cast(),
        }
    }

    /// The tensor as `Tensor<T>` without conversion.
    ///
    /// # Errors
    /// [`tensor::Error::Invalid`] if the element type is not `T`.
    pub fn into_tensor<T: Float>(self) -> Result<Tensor<T>> {
        let dtype = self.dtype();
        let boxed: Box<dyn Any> = match self {
            AnyTensor::F32(t) => Box::new(t),
            AnyTensor::F64(t) => Box::new(t),
        };
        boxed
            .downcast::<Tensor<T>>()
            .map(|t| *t)
            .map_err(|_| tensor::Error::Invalid {
                op: "AnyTensor::into_tensor",
                reason: format!("the tensor is {dtype}, not {}", dtype_of::<T>()),
            })
    }

    /// Bitwise equality of dtype, shape and elements.
    pub fn bitwise_eq(&self, other: &AnyTensor) -> bool {
        match (self, other) {
            (AnyTensor::F32(a), AnyTensor::F32(b)) => a.bitwise_eq(b),
            (AnyTensor::F64(a), AnyTensor::F64(b)) => a.bitwise_eq(b),
            _ => false,
        }
    }

    /// The elements in row-major order as little-endian bytes (safetensors' layout); a view
    /// or a non-contiguous tensor is read in its logical order.
    pub(crate) fn to_le_bytes(&self) -> Vec<u8> {
        match self {
            AnyTensor::F32(t) => t.to_vec().iter().flat_map(|x| x.to_le_bytes()).collect(),
            AnyTensor::F64(t) => t.to_vec().iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }

    /// A tensor of `dtype` (`"F32"` or `"F64"`) from little-endian bytes whose length the
    /// caller has checked against the shape.
    pub(crate) fn from_le_bytes(dtype: &str, shape: &[usize], bytes: &[u8]) -> Result<AnyTensor> {
        Ok(match dtype {
            "F32" => AnyTensor::F32(Tensor::from_vec(
                bytes
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
                shape,
            )?),
            _ => AnyTensor::F64(Tensor::from_vec(
                bytes
                    .chunks_exact(8)
                    .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                    .collect(),
                shape,
            )?),
        })
    }
}

impl<T: Float> From<Tensor<T>> for AnyTensor {
    fn from(t: Tensor<T>) -> AnyTensor {
        let boxed: Box<dyn Any> = Box::new(t);
        match boxed.downcast::<Tensor<f32>>() {
            Ok(t) => AnyTensor::F32(*t),
            Err(boxed) => AnyTensor::F64(
                *boxed
                    .downcast::<Tensor<f64>>()
                    .expect("invariant: Float is implemented for f32 and f64 only"),
            ),
        }
    }
}

/// safetensors' name for `T`: `"F32"` or `"F64"`.
pub(crate) fn dtype_of<T: Float>() -> &'static str {
    if T::DTYPE == "float32" { "F32" } else { "F64" }
}
