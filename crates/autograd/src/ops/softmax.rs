//! Softmax, log-softmax and log-sum-exp along an axis.
//!
//! With `y = softmax(x)`, the Jacobian is `dy_i/dx_j = y_i (δ_ij - y_j)`, so the vector-Jacobian
//! product needs no matrix: `dx = y * (g - sum(g * y))`. For `l = log_softmax(x)`,
//! `dl_i/dx_j = δ_ij - y_j`, so `dx = g - exp(l) * sum(g)`. And `d logsumexp(x) / dx = softmax(x)`.

use tensor::{Axis, Float, Result};

use crate::ops::resolve_axis;
use crate::var::Var;

impl<T: Float> Var<T> {
    /// `exp(x - max) / sum(exp(x - max))` along `axis`. `dx = y (g - sum(g y))`.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis, [`tensor::Error::Invalid`] if the axis is empty.
    pub fn softmax(&self, axis: impl Axis) -> Result<Var<T>> {
        let ax = resolve_axis("softmax", axis, self.shape())?;
        self.unary(
            "softmax",
            |x| x.softmax(ax),
            move |c, g, _| {
                let y = c.output();
                y.mul(&g.sub(&g.mul(&y)?.sum_axis(ax, true)?)?)
            },
        )
    }

    /// `x - logsumexp(x)` along `axis`, finite where softmax underflows.
    /// `dx = g - exp(l) sum(g)`.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis, [`tensor::Error::Invalid`] if the axis is empty.
    pub fn log_softmax(&self, axis: impl Axis) -> Result<Var<T>> {
        let ax = resolve_axis("log_softmax", axis, self.shape())?;
        self.unary(
            "log_softmax",
            |x| x.log_softmax(ax),
            move |c, g, _| g.sub(&c.output().exp()?.mul(&g.sum_axis(ax, true)?)?),
        )
    }

    /// `ln(sum(exp(x)))` along `axis` (max-shifted). `dx = g exp(x - lse) = g softmax(x)`.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis, [`tensor::Error::Invalid`] if the axis is empty.
    pub fn logsumexp(&self, axis: impl Axis, keepdims: bool) -> Result<Var<T>> {
        let ax = resolve_axis("logsumexp", axis, self.shape())?;
        self.unary(
            "logsumexp",
            |x| x.logsumexp(ax, keepdims),
            move |c, g, _| {
                let (lse, g) = if keepdims {
                    (c.output(), g.clone())
                } else {
                    (c.output().unsqueeze(ax)?, g.unsqueeze(ax)?)
                };
                g.mul(&c.input(0).sub(&lse)?.exp()?)
            },
        )
    }
}
