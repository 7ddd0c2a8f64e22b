//! [`Param`]: a trainable tensor with a stable identity.

use std::fmt;

use autograd::{ParamId, Tape, Var};
use tensor::{Error, Float, Result, Tensor};

use crate::io::TorchLayout;

/// A trainable tensor: a value, a name, and a [`ParamId`] that stays the same for the
/// parameter's whole life. A forward pass records the value on a tape under that id
/// ([`Param::var`]), so a gradient store can be read per parameter
/// ([`autograd::Gradients::param`]) and optimizers can keep their state per parameter.
///
/// `Param` is deliberately not `Clone`: a copy with the same id would be the same parameter
/// twice. To copy a value into a new parameter, use `Param::new(name, p.value().clone())`.
///
/// ```
/// use autograd::Tape;
/// use nn::Param;
/// use tensor::Tensor;
///
/// let w = Param::new("w", Tensor::<f64>::from_vec(vec![2.0, -1.0], &[2])?);
/// let tape = Tape::new();
/// let loss = w.var(&tape).square()?.sum()?; // sum(w^2): gradient 2w
/// let grads = loss.backward()?;
/// assert_eq!(grads.param(w.id()).unwrap().to_vec(), vec![4.0, -2.0]);
/// # Ok::<(), tensor::Error>(())
/// ```
pub struct Param<T: Float = f32> {
    id: ParamId,
    name: String,
    value: Tensor<T>,
    torch_layout: TorchLayout,
}

impl<T: Float> Param<T> {
    /// A new parameter with a fresh id.
    pub fn new(name: impl Into<String>, value: Tensor<T>) -> Param<T> {
        Param {
            id: ParamId::fresh(),
            name: name.into(),
            value,
            torch_layout: TorchLayout::Same,
        }
    }

    /// The parameter, declared to be stored by PyTorch in `layout` (the weight files'
    /// PyTorch mapping reads it: see [`TorchLayout`]).
    pub fn with_torch_layout(mut self, layout: TorchLayout) -> Param<T> {
        self.torch_layout = layout;
        self
    }

    /// How PyTorch stores this parameter ([`TorchLayout::Same`] unless its layer says
    /// otherwise).
    pub fn torch_layout(&self) -> TorchLayout {
        self.torch_layout
    }

    /// The stable id gradients and optimizer state are keyed by.
    pub fn id(&self) -> ParamId {
        self.id
    }

    /// The name given at construction (`"weight"`, `"bias"`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The current value.
    pub fn value(&self) -> &Tensor<T> {
        &self.value
    }

    /// The value's shape.
    pub fn shape(&self) -> &[usize] {
        self.value.shape()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// `true` if the parameter has no elements.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// Replaces the value, which must have the same shape (a model's layout does not change
    /// under it). Used to start from given weights, such as the lesson's.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] naming the parameter and both shapes.
    ///
    /// ```
    /// use nn::Param;
    /// use tensor::Tensor;
    /// let mut b = Param::new("bias", Tensor::<f64>::zeros(&[1, 3])?);
    /// b.set(Tensor::ones(&[1, 3])?)?;
    /// assert_eq!(b.value().to_vec(), vec![1.0; 3]);
    /// assert!(b.set(Tensor::ones(&[3])?).is_err());
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn set(&mut self, value: Tensor<T>) -> Result<()> {
        if value.shape() != self.value.shape() {
            return Err(Error::ShapeMismatch {
                op: "Param::set",
                shapes: vec![self.value.shape().to_vec(), value.shape().to_vec()],
                reason: format!(
                    "parameter '{}' has shape {:?}; its new value must too",
                    self.name,
                    self.value.shape()
                ),
            });
        }
        self.value = value;
        Ok(())
    }

    /// The elements in row-major order, for in-place updates. Copy-on-write: a tensor that
    /// still shares the old storage (for example one saved on a tape) is left unchanged.
    pub fn make_mut(&mut self) -> &mut [T] {
        self.value.make_mut()
    }

    /// The value as a tracked leaf on `tape`, keyed by this parameter's id (the same node
    /// however often a forward pass asks for it). In anomaly mode the leaf is named after the
    /// parameter (`layer 0 (Linear(2 -> 4)), weight` inside a `Sequential`), so an error can say
    /// which parameter already held a NaN.
    pub fn var(&self, tape: &Tape<T>) -> Var<T> {
        let v = tape.param(self.id, &self.value);
        tape.name_leaf(&v, || self.name.clone());
        v
    }
}

impl<T: Float> fmt::Debug for Param<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Param({}, {}, {:?})", self.name, self.id, self.shape())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_and_survive_set_and_updates() {
        let mut a = Param::new("a", Tensor::<f64>::zeros(&[2]).unwrap());
        let b = Param::new("a", Tensor::<f64>::zeros(&[2]).unwrap());
        assert_ne!(a.id(), b.id());
        let id = a.id();
        a.set(Tensor::ones(&[2]).unwrap()).unwrap();
        a.make_mut()[1] = 5.0;
        assert_eq!(a.id(), id);
        assert_eq!(a.value().to_vec(), vec![1.0, 5.0]);
    }

    #[test]
    fn set_rejects_a_new_shape_naming_the_parameter() {
        let mut w = Param::new("weight", Tensor::<f32>::zeros(&[2, 4]).unwrap());
        let e = w
            .set(Tensor::zeros(&[4, 2]).unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("weight") && e.contains("[2, 4]") && e.contains("[4, 2]"),
            "{e}"
        );
    }

    #[test]
    fn make_mut_leaves_a_tensor_recorded_on_a_tape_untouched() {
        let mut w = Param::new("w", Tensor::<f64>::ones(&[2]).unwrap());
        let tape = Tape::new();
        let recorded = w.var(&tape);
        w.make_mut()[0] = 7.0;
        assert_eq!(recorded.value().to_vec(), vec![1.0, 1.0]);
        assert_eq!(w.value().to_vec(), vec![7.0, 1.0]);
    }
}
