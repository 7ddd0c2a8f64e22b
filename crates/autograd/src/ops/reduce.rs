//! Reductions: `sum`, `mean`, `max`, `min` overall and along an axis, `sum_to`; and the
//! arg-reductions, which have no derivative and return tensors.
//!
//! A reduction's gradient is the upstream gradient spread back over the reduced elements: for
//! sums with `broadcast_to`, for means divided by the count. `max`/`min` send it to the elements
//! equal to the result, split evenly among ties (PyTorch's `amax` convention: the subgradient
//! that is symmetric in tied elements, so `max([x, x])` has gradient `[1/2, 1/2]`).

use tensor::{Axis, Float, Result, Tensor};

use crate::ops::resolve_axis;
use crate::var::Var;

/// `x == m` (with `m` broadcast) divided by the number of such elements per reduced group: the
/// weight of each element in the gradient of a max or min.
fn tie_weights<T: Float>(x: &Tensor<T>, m: &Tensor<T>, axis: Option<usize>) -> Result<Tensor<T>> {
    let hits = x.eq(m)?;
    let count = match axis {
        Some(ax) => hits.sum_axis(ax, true)?,
        None => hits.sum(),
    };
    hits.div(&count)
}

/// `g` of a reduction along `ax` seen with the input's rank (the axis put back with length 1).
fn keep_axis<T: Float>(g: &Var<T>, ax: usize, keepdims: bool) -> Result<Var<T>> {
    if keepdims {
        Ok(g.clone())
    } else {
        g.unsqueeze(ax)
    }
}

impl<T: Float> Var<T> {
    /// Sum of all elements (rank 0). `d/dx = broadcast(g)`.
    ///
    /// # Errors
    /// Only [`tensor::Error::NonFinite`] in anomaly mode.
    pub fn sum(&self) -> Result<Var<T>> {
        self.unary(
            "sum",
            |x| Ok(x.sum()),
            |c, g, _| g.broadcast_to(c.value(0).shape()),
        )
    }

    /// Mean of all elements (rank 0). `d/dx = broadcast(g) / n`.
    ///
    /// # Errors
    /// Only [`tensor::Error::NonFinite`] in anomaly mode (an empty tensor's mean is NaN).
    pub fn mean(&self) -> Result<Var<T>> {
        self.unary(
            "mean",
            |x| Ok(x.mean()),
            |c, g, _| {
                let x = c.value(0);
                g.broadcast_to(x.shape())?
                    .div_scalar(T::from_usize(x.len()))
            },
        )
    }

    /// The largest element (rank 0). The gradient goes to the maximal elements, split evenly.
    ///
    /// # Errors
    /// [`tensor::Error::Invalid`] for an empty tensor.
    pub fn max(&self) -> Result<Var<T>> {
        self.unary(
            "max",
            |x| x.max(),
            |c, g, _| g.mul(&c.constant(tie_weights(c.value(0), c.output, None)?)),
        )
    }

    /// The smallest element (rank 0). The gradient goes to the minimal elements, split evenly.
    ///
    /// # Errors
    /// [`tensor::Error::Invalid`] for an empty tensor.
    pub fn min(&self) -> Result<Var<T>> {
        self.unary(
            "min",
            |x| x.min(),
            |c, g, _| g.mul(&c.constant(tie_weights(c.value(0), c.output, None)?)),
        )
    }

    /// Sum along `axis`. `d/dx = broadcast(g)` along that axis.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis.
    pub fn sum_axis(&self, axis: impl Axis, keepdims: bool) -> Result<Var<T>> {
        let ax = resolve_axis("sum", axis, self.shape())?;
        self.unary(
            "sum_axis",
            |x| x.sum_axis(ax, keepdims),
            move |c, g, _| keep_axis(g, ax, keepdims)?.broadcast_to(c.value(0).shape()),
        )
    }

    /// Mean along `axis`. `d/dx = broadcast(g) / n` along that axis.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis.
    pub fn mean_axis(&self, axis: impl Axis, keepdims: bool) -> Result<Var<T>> {
        let ax = resolve_axis("mean", axis, self.shape())?;
        self.unary(
            "mean_axis",
            |x| x.mean_axis(ax, keepdims),
            move |c, g, _| {
                let x = c.value(0);
                keep_axis(g, ax, keepdims)?
                    .broadcast_to(x.shape())?
                    .div_scalar(T::from_usize(x.shape()[ax]))
            },
        )
    }

    /// Largest element along `axis`; the gradient goes to the maxima, split evenly among ties.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis, [`tensor::Error::Invalid`] if the axis is empty.
    pub fn max_axis(&self, axis: impl Axis, keepdims: bool) -> Result<Var<T>> {
        self.extremum_axis("max_axis", axis, keepdims, |x, ax| x.max_axis(ax, true))
    }

    /// Smallest element along `axis`; the gradient goes to the minima, split evenly among ties.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis, [`tensor::Error::Invalid`] if the axis is empty.
    pub fn min_axis(&self, axis: impl Axis, keepdims: bool) -> Result<Var<T>> {
        self.extremum_axis("min_axis", axis, keepdims, |x, ax| x.min_axis(ax, true))
    }

    fn extremum_axis(
        &self,
        op: &'static str,
        axis: impl Axis,
        keepdims: bool,
        reduce: fn(&Tensor<T>, usize) -> Result<Tensor<T>>,
    ) -> Result<Var<T>> {
        let ax = resolve_axis(op, axis, self.shape())?;
        let kept = reduce(&self.value, ax)?;
        // The forward keeps the axis so the rule can compare against it without reshaping.
        let value = if keepdims {
            kept.clone()
        } else {
            kept.squeeze(ax)?
        };
        self.tape.finish(op, &[self], value, move |c, g, _| {
            let w = tie_weights(c.value(0), &kept, Some(ax))?;
            keep_axis(g, ax, keepdims)?.mul(&c.constant(w))
        })
    }

    /// Sums down to `shape`, undoing a broadcast from `shape` (the tape's own tool for gradients
    /// of broadcast inputs). `d/dx = broadcast_to(g, x.shape)`.
    ///
    /// # Errors
    /// [`tensor::Error::BroadcastTo`] if `shape` does not broadcast to this shape.
    pub fn sum_to(&self, shape: &[usize]) -> Result<Var<T>> {
        self.unary(
            "sum_to",
            |x| x.sum_to(shape),
            |c, g, _| g.broadcast_to(c.value(0).shape()),
        )
    }

    /// Flat index of the largest value (no gradient); see [`Tensor::argmax`].
    ///
    /// # Errors
    /// [`tensor::Error::Invalid`] for an empty tensor.
    pub fn argmax(&self) -> Result<usize> {
        self.value.argmax()
    }

    /// Flat index of the smallest value (no gradient); see [`Tensor::argmin`].
    ///
    /// # Errors
    /// [`tensor::Error::Invalid`] for an empty tensor.
    pub fn argmin(&self) -> Result<usize> {
        self.value.argmin()
    }

    /// Indices of the largest values along `axis` (no gradient); see [`Tensor::argmax_axis`].
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis, [`tensor::Error::Invalid`] if it is empty.
    pub fn argmax_axis(&self, axis: impl Axis, keepdims: bool) -> Result<Tensor<T>> {
        self.value.argmax_axis(axis, keepdims)
    }

    /// Indices of the smallest values along `axis` (no gradient); see [`Tensor::argmin_axis`].
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis, [`tensor::Error::Invalid`] if it is empty.
    pub fn argmin_axis(&self, axis: impl Axis, keepdims: bool) -> Result<Tensor<T>> {
        self.value.argmin_axis(axis, keepdims)
    }
}
