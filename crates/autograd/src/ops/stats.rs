//! Derived reductions: variance, standard deviation, sums over several axes. Each is built from
//! primitive `Var` ops, so it needs no backward rule of its own (as micrograd builds `sub` from
//! `add` and `neg`).

use tensor::{Float, Result};

use crate::ops::resolve_axis;
use crate::var::Var;

impl<T: Float> Var<T> {
    /// Population variance of all elements (`ddof = 0`): `mean((x - mean(x))^2)`.
    ///
    /// # Errors
    /// Only [`tensor::Error::NonFinite`] in anomaly mode (an empty tensor's variance is NaN).
    pub fn var(&self) -> Result<Var<T>> {
        self.sub(&self.mean()?)?.square()?.mean()
    }

    /// Population variance along `axis` (`ddof = 0`).
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis.
    pub fn var_axis(&self, axis: impl tensor::Axis, keepdims: bool) -> Result<Var<T>> {
        let ax = resolve_axis("var", axis, self.shape())?;
        self.sub(&self.mean_axis(ax, true)?)?
            .square()?
            .mean_axis(ax, keepdims)
    }

    /// Population standard deviation of all elements: `sqrt(var)` (its gradient is infinite
    /// where the variance is 0).
    ///
    /// # Errors
    /// As [`Var::var`].
    pub fn std(&self) -> Result<Var<T>> {
        self.var()?.sqrt()
    }

    /// Population standard deviation along `axis`.
    ///
    /// # Errors
    /// As [`Var::var_axis`].
    pub fn std_axis(&self, axis: impl tensor::Axis, keepdims: bool) -> Result<Var<T>> {
        self.var_axis(axis, keepdims)?.sqrt()
    }

    /// Sum over several axes at once (each listed at most once), as [`tensor::Tensor::sum_axes`].
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] if an axis is out of range or repeated.
    pub fn sum_axes(&self, axes: &[isize], keepdims: bool) -> Result<Var<T>> {
        // Validates (range, repeats) exactly as the tensor op does, before anything is recorded.
        self.value.sum_axes(axes, keepdims)?;
        let mut resolved = axes
            .iter()
            .map(|&a| resolve_axis("sum", a, self.shape()))
            .collect::<Result<Vec<_>>>()?;
        resolved.sort_unstable();
        let mut out = self.clone();
        // Highest axis first, so the lower indices stay valid as axes are removed.
        for &ax in resolved.iter().rev() {
            out = out.sum_axis(ax, keepdims)?;
        }
        Ok(out)
    }
}
