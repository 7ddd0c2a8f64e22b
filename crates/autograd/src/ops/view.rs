//! Movement ops: the elements stay, their arrangement changes. Each rule moves the gradient back
//! with the inverse arrangement: reshape back, the inverse permutation, zero-padding for `narrow`.
//! `broadcast_to`'s rule is the identity: the gradient comes back with the broadcast shape and the
//! tape sums it down, as for every broadcasting op.

use tensor::{Axis, Float, Result};

use crate::ops::resolve_axis;
use crate::var::Var;

impl<T: Float> Var<T> {
    /// The same elements with another shape. `d/dx = reshape(g, x.shape)`.
    ///
    /// # Errors
    /// [`tensor::Error::Reshape`] if the element counts differ.
    pub fn reshape(&self, shape: &[usize]) -> Result<Var<T>> {
        if shape == self.shape() {
            // The identity: no node needed, the gradient flows through unchanged.
            return Ok(self.clone());
        }
        self.unary(
            "reshape",
            |x| x.reshape(shape),
            |c, g, _| g.reshape(c.value(0).shape()),
        )
    }

    /// The elements as a 1-D tensor (a reshape).
    ///
    /// # Errors
    /// Only [`tensor::Error::NonFinite`] in anomaly mode.
    pub fn flatten(&self) -> Result<Var<T>> {
        self.reshape(&[self.value.len()])
    }

    /// The same elements in a fresh row-major buffer (a copy if this value is a view). The
    /// gradient passes through unchanged.
    ///
    /// # Errors
    /// Only [`tensor::Error::NonFinite`] in anomaly mode.
    pub fn contiguous(&self) -> Result<Var<T>> {
        self.unary(
            "contiguous",
            |x| Ok(x.contiguous()),
            |_, g, _| Ok(g.clone()),
        )
    }

    /// Axes reordered: axis `i` of the result is axis `perm[i]` of `self`. The gradient is permuted
    /// back by the inverse permutation.
    ///
    /// # Errors
    /// [`tensor::Error::Invalid`] if `perm` is not a permutation of the axes.
    pub fn permute(&self, perm: &[usize]) -> Result<Var<T>> {
        let value = self.value.permute(perm)?;
        let mut inverse = vec![0; perm.len()];
        for (i, &p) in perm.iter().enumerate() {
            inverse[p] = i;
        }
        self.tape.finish("permute", &[self], value, move |_, g, _| {
            g.permute(&inverse)
        })
    }

    /// Axes `a` and `b` swapped. The gradient is swapped back.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis.
    pub fn transpose(&self, a: impl Axis, b: impl Axis) -> Result<Var<T>> {
        let a = resolve_axis("transpose", a, self.shape())?;
        let b = resolve_axis("transpose", b, self.shape())?;
        self.unary(
            "transpose",
            |x| x.transpose(a, b),
            move |_, g, _| g.transpose(a, b),
        )
    }

    /// The matrix transpose of a 0-, 1- or 2-D value (see [`tensor::Tensor::t`]).
    ///
    /// # Errors
    /// [`tensor::Error::Rank`] for rank above 2.
    pub fn t(&self) -> Result<Var<T>> {
        self.unary("t", |x| x.t(), |_, g, _| g.t())
    }

    /// The value seen with `shape` by broadcasting. The gradient is summed back down by the tape.
    ///
    /// # Errors
    /// [`tensor::Error::BroadcastTo`] if the shape is not a broadcast of this one.
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Var<T>> {
        if shape == self.shape() {
            return Ok(self.clone());
        }
        self.unary(
            "broadcast_to",
            |x| x.broadcast_to(shape),
            |_, g, _| Ok(g.clone()),
        )
    }

    /// Elements `start..start + len` along `axis`. `d/dx` is `g` padded with zeros back to the
    /// input's length.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis, [`tensor::Error::Invalid`] for a bad range.
    pub fn narrow(&self, axis: impl Axis, start: usize, len: usize) -> Result<Var<T>> {
        let ax = resolve_axis("narrow", axis, self.shape())?;
        self.unary(
            "narrow",
            |x| x.narrow(ax, start, len),
            move |c, g, _| g.pad_axis(ax, start, c.value(0).shape()[ax] - start - len),
        )
    }

    /// `before` zeros, the value, `after` zeros along `axis` (see [`tensor::Tensor::pad_axis`]).
    /// `d/dx = narrow(g, axis, before, len)`.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis, [`tensor::Error::SizeOverflow`] for a huge pad.
    pub fn pad_axis(&self, axis: impl Axis, before: usize, after: usize) -> Result<Var<T>> {
        let ax = resolve_axis("pad_axis", axis, self.shape())?;
        self.unary(
            "pad_axis",
            |x| x.pad_axis(ax, before, after),
            move |c, g, _| g.narrow(ax, before, c.value(0).shape()[ax]),
        )
    }

    /// Elements `range` along `axis` (a [`Var::narrow`]).
    ///
    /// # Errors
    /// As [`Var::narrow`]; a reversed range is [`tensor::Error::Invalid`].
    pub fn slice(&self, axis: impl Axis, range: std::ops::Range<usize>) -> Result<Var<T>> {
        if range.start > range.end {
            return Err(tensor::Error::Invalid {
                op: "slice",
                reason: format!("reversed range {range:?}"),
            });
        }
        self.narrow(axis, range.start, range.end - range.start)
    }

    /// Index `i` along `axis`, with the axis removed (a view). The gradient is put back at `i`
    /// with zeros around it.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis, [`tensor::Error::Invalid`] if `i` is out of range.
    pub fn select(&self, axis: impl Axis, i: usize) -> Result<Var<T>> {
        let ax = resolve_axis("select", axis, self.shape())?;
        self.unary(
            "select",
            |x| x.select(ax, i),
            move |c, g, _| {
                g.unsqueeze(ax)?
                    .pad_axis(ax, i, c.value(0).shape()[ax] - i - 1)
            },
        )
    }

    /// Removes axis `axis`, which must have length 1 (a view). The gradient is reshaped back.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis, [`tensor::Error::Invalid`] if its length is not 1.
    pub fn squeeze(&self, axis: impl Axis) -> Result<Var<T>> {
        self.unary(
            "squeeze",
            |x| x.squeeze(axis),
            |c, g, _| g.reshape(c.value(0).shape()),
        )
    }

    /// Inserts an axis of length 1 at `axis` (`-1` appends; a view). The gradient is reshaped
    /// back.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] if the position is out of range.
    pub fn unsqueeze(&self, axis: impl Axis) -> Result<Var<T>> {
        self.unary(
            "unsqueeze",
            |x| x.unsqueeze(axis),
            |c, g, _| g.reshape(c.value(0).shape()),
        )
    }
}
