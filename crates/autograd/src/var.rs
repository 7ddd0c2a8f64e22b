//! [`Var`]: a tensor value with a handle to its tape and, if tracked, its node id.

use std::fmt;

use tensor::{Float, Result, Tensor};

use crate::tape::{Ctx, NodeId, Tape, same_tape};

/// A value on a tape: a [`Tensor`] plus the tape handle and, when it is tracked, the id of the
/// node that produced it. Cloning is cheap (an `Arc` and an `Rc` clone).
///
/// Every differentiable tensor op has a `Var` twin with the same name and arguments returning
/// `Result<Var<T>>` (anomaly mode can turn any of them into an `Err`). Ops record a node only when
/// the tape is recording and at least one operand is tracked.
///
/// ```
/// use autograd::{Tape, Tensor};
/// let tape = Tape::<f64>::new();
/// let w = tape.var(Tensor::from_vec(vec![1.0, 2.0], &[2, 1])?);
/// let x = tape.constant(Tensor::from_vec(vec![3.0, 4.0], &[1, 2])?);
/// let y = x.matmul(&w)?.sum()?; // 3*1 + 4*2 = 11; dy/dw = x^T = [3, 4]
/// assert_eq!(y.value().item()?, 11.0);
/// assert_eq!(y.backward()?.get(&w).unwrap().to_vec(), vec![3.0, 4.0]);
/// # Ok::<(), tensor::Error>(())
/// ```
pub struct Var<T: Float = f32> {
    pub(crate) value: Tensor<T>,
    pub(crate) tape: Tape<T>,
    pub(crate) node: Option<NodeId>,
}

impl<T: Float> Clone for Var<T> {
    fn clone(&self) -> Self {
        Var {
            value: self.value.clone(),
            tape: self.tape.clone(),
            node: self.node,
        }
    }
}

impl<T: Float> fmt::Debug for Var<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.node {
            Some(n) => write!(f, "Var(node {}) {:?}", n.0, self.value),
            None => write!(f, "Var(untracked) {:?}", self.value),
        }
    }
}

impl<T: Float> fmt::Display for Var<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

impl<T: Float> Var<T> {
    pub(crate) fn new(value: Tensor<T>, tape: Tape<T>, node: Option<NodeId>) -> Var<T> {
        Var { value, tape, node }
    }

    /// The value.
    pub fn value(&self) -> &Tensor<T> {
        &self.value
    }

    /// The value's shape.
    pub fn shape(&self) -> &[usize] {
        self.value.shape()
    }

    /// The value's rank.
    pub fn ndim(&self) -> usize {
        self.value.ndim()
    }

    /// The tape this value lives on.
    pub fn tape(&self) -> &Tape<T> {
        &self.tape
    }

    /// `true` if gradients flow through this value (it is a leaf from `tape.var`/`tape.param` or
    /// the recorded result of an op on one).
    pub fn is_tracked(&self) -> bool {
        self.node.is_some()
    }

    /// The id of the node that produced this value, if tracked.
    pub fn node_id(&self) -> Option<NodeId> {
        self.node
    }

    /// The same value, untracked: gradients stop here (PyTorch's `detach`).
    ///
    /// ```
    /// use autograd::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(vec![2.0], &[])?);
    /// // y = x * stop(x): dy/dx = stop(x) = 2, not 2x = 4.
    /// let y = x.mul(&x.detach())?;
    /// assert_eq!(y.backward()?.get(&x).unwrap().item()?, 2.0);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn detach(&self) -> Var<T> {
        Var::new(self.value.clone(), self.tape.clone(), None)
    }

    /// Runs an op over operands on one tape: `forward` computes the value from theirs, `rule` is
    /// its backward rule (see [`crate::tape::Rule`]).
    pub(crate) fn apply<const N: usize, R>(
        op: &'static str,
        inputs: [&Var<T>; N],
        forward: impl FnOnce([&Tensor<T>; N]) -> Result<Tensor<T>>,
        rule: R,
    ) -> Result<Var<T>>
    where
        R: Fn(&Ctx<'_, T>, &Var<T>, usize) -> Result<Var<T>> + Send + 'static,
    {
        let tape = same_tape(op, &inputs)?;
        let value = forward(inputs.map(|v| &v.value))?;
        tape.finish(op, &inputs, value, rule)
    }

    /// [`Var::apply`] for one operand: `self`.
    pub(crate) fn unary<R>(
        &self,
        op: &'static str,
        forward: impl FnOnce(&Tensor<T>) -> Result<Tensor<T>>,
        rule: R,
    ) -> Result<Var<T>>
    where
        R: Fn(&Ctx<'_, T>, &Var<T>, usize) -> Result<Var<T>> + Send + 'static,
    {
        let value = forward(&self.value)?;
        self.tape.finish(op, &[self], value, rule)
    }
}
