//! How a parameter is laid out in PyTorch, for reading and writing its `state_dict`s.

use tensor::{Float, Result, Tensor};

/// How PyTorch stores the same parameter, declared by the layer that owns it
/// ([`Param::with_torch_layout`](crate::Param::with_torch_layout)) so the loaders never
/// guess from names.
///
/// [`Linear`](crate::Linear) computes the lesson's `x @ W + b` with `W: [in, out]` and
/// `b: [1, out]`; `torch.nn.Linear` computes `x @ W.T + b` with `W: [out, in]` and
/// `b: [out]`. So `Linear` marks its weight [`TorchLayout::Transposed`] and its bias
/// [`TorchLayout::Flattened`], and [`LoadOptions::pytorch`](super::LoadOptions::pytorch) /
/// [`SaveOptions::pytorch`](super::SaveOptions::pytorch) apply the mapping.
///
/// ```
/// use nn::io::TorchLayout;
/// use nn::Linear;
/// use tensor::NumpyRng;
///
/// let layer = Linear::<f32>::new(64, 32, &mut NumpyRng::new(0))?;
/// assert_eq!(layer.weight().torch_layout(), TorchLayout::Transposed);
/// assert_eq!(TorchLayout::Transposed.torch_shape(layer.weight().shape()), vec![32, 64]);
/// assert_eq!(TorchLayout::Flattened.torch_shape(layer.bias().shape()), vec![32]);
/// # Ok::<(), tensor::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TorchLayout {
    /// PyTorch stores the same shape.
    #[default]
    Same,
    /// PyTorch stores the transpose of this 2-D parameter (`Linear.weight`: `[out, in]`).
    Transposed,
    /// PyTorch stores the same elements as a 1-D tensor (`Linear.bias`: `[out]` for our
    /// `[1, out]`).
    Flattened,
}

impl TorchLayout {
    /// The shape PyTorch gives a parameter whose shape is `ours`.
    pub fn torch_shape(self, ours: &[usize]) -> Vec<usize> {
        match (self, ours) {
            (TorchLayout::Transposed, [r, c]) => vec![*c, *r],
            (TorchLayout::Flattened, s) => vec![s.iter().product()],
            (_, s) => s.to_vec(),
        }
    }

    /// A value in our layout as PyTorch lays it out.
    ///
    /// # Errors
    /// Shape errors if the value's rank does not fit the layout.
    pub fn to_torch<T: Float>(self, ours: &Tensor<T>) -> Result<Tensor<T>> {
        match self {
            TorchLayout::Same => Ok(ours.clone()),
            TorchLayout::Transposed => ours.t(),
            TorchLayout::Flattened => ours.reshape(&[ours.len()]),
        }
    }

    /// A value in PyTorch's layout, already checked to have [`TorchLayout::torch_shape`] of
    /// `ours`, as our parameter of shape `ours` holds it (contiguous).
    ///
    /// # Errors
    /// Shape errors if `torch` does not have that shape.
    pub fn from_torch<T: Float>(self, torch: &Tensor<T>, ours: &[usize]) -> Result<Tensor<T>> {
        match self {
            TorchLayout::Same => Ok(torch.clone()),
            TorchLayout::Transposed => Ok(torch.t()?.contiguous()),
            TorchLayout::Flattened => torch.reshape(ours),
        }
    }
}
