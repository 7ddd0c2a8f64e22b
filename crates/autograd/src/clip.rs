//! Clipping a [`Gradients`] store as PyTorch's `clip_grad_norm_` / `clip_grad_value_` do, over
//! the parameters' gradients: one pass to measure and one to scale, instead of a second backward
//! pass with a scaled seed.

use tensor::{Error, Float, Result};

use crate::backward::Gradients;

/// PyTorch's `clip_grad_norm_` divides by `total_norm + 1e-6`, so a zero norm never divides by 0.
const CLIP_NORM_EPS: f64 = 1e-6;

impl<T: Float> Gradients<T> {
    /// The `norm_type`-norm of all parameter gradients taken together, as one vector:
    /// `(sum |g|^p)^(1/p)`, or `max |g|` for `f64::INFINITY` (accumulated in f64).
    ///
    /// # Errors
    /// [`Error::Invalid`] unless `norm_type` is positive (finite or infinite).
    pub fn total_norm(&self, norm_type: f64) -> Result<f64> {
        if norm_type.is_nan() || norm_type <= 0.0 {
            return Err(Error::Invalid {
                op: "clip_grad_norm",
                reason: format!("norm_type must be positive (or infinity), got {norm_type}"),
            });
        }
        let mut acc = 0.0f64;
        for (_, g) in self.params() {
            for &x in g.as_slice().unwrap_or(&g.to_vec()) {
                let a = x.to_f64().abs();
                if norm_type == f64::INFINITY {
                    // NaN must win, as in PyTorch's `amax`.
                    acc = if a.is_nan() || acc.is_nan() {
                        f64::NAN
                    } else {
                        acc.max(a)
                    };
                } else if norm_type == 2.0 {
                    acc += a * a;
                } else {
                    acc += a.powf(norm_type);
                }
            }
        }
        Ok(if norm_type == f64::INFINITY {
            acc
        } else if norm_type == 2.0 {
            acc.sqrt()
        } else {
            acc.powf(1.0 / norm_type)
        })
    }

    /// PyTorch's `clip_grad_norm_(parameters, max_norm)`: with `total` the 2-norm of all
    /// parameter gradients taken together, scales each by `max_norm / (total + 1e-6)` when that
    /// is below 1, and returns `total` (the norm before clipping). One pass to measure, one to
    /// scale; intermediate values' gradients are left as they are, as PyTorch clips only the
    /// parameters.
    ///
    /// # Errors
    /// [`Error::Invalid`] if `max_norm` is negative or NaN, or if the total norm is not finite
    /// (a NaN or infinite gradient; PyTorch's `error_if_nonfinite=True`): nothing is changed then.
    ///
    /// ```
    /// use autograd::{Gradients, ParamId, Tensor};
    /// let (a, b) = (ParamId::fresh(), ParamId::fresh());
    /// let mut g = Gradients::<f64>::new();
    /// g.set_param(a, Tensor::from_vec(vec![3.0], &[1])?)?;
    /// g.set_param(b, Tensor::from_vec(vec![4.0], &[1])?)?;
    /// let total = g.clip_grad_norm(1.0)?; // sqrt(3^2 + 4^2) = 5
    /// assert_eq!(total, 5.0);
    /// let coef = 1.0 / (5.0 + 1e-6);
    /// assert_eq!(g.param(a).unwrap().to_vec(), vec![3.0 * coef]);
    /// assert_eq!(g.param(b).unwrap().to_vec(), vec![4.0 * coef]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn clip_grad_norm(&mut self, max_norm: f64) -> Result<f64> {
        self.clip_grad_norm_with(max_norm, 2.0)
    }

    /// [`Gradients::clip_grad_norm`] with another norm: `norm_type` is PyTorch's (`1.0`,
    /// `2.0`, any positive `p`, or `f64::INFINITY` for the largest absolute value).
    ///
    /// # Errors
    /// As [`Gradients::clip_grad_norm`], and [`Error::Invalid`] for a `norm_type` that is not
    /// positive.
    pub fn clip_grad_norm_with(&mut self, max_norm: f64, norm_type: f64) -> Result<f64> {
        if max_norm.is_nan() || max_norm < 0.0 {
            return Err(Error::Invalid {
                op: "clip_grad_norm",
                reason: format!("max_norm must be a number >= 0, got {max_norm}"),
            });
        }
        let total = self.total_norm(norm_type)?;
        if !total.is_finite() {
            let culprit = self
                .params()
                .find(|(_, g)| g.to_vec().iter().any(|x| !x.is_finite()))
                .map_or_else(String::new, |(id, _)| format!(" (first in {id})"));
            return Err(Error::Invalid {
                op: "clip_grad_norm",
                reason: format!(
                    "the total {norm_type}-norm of the gradients is {total}: a gradient holds a \
                     NaN or infinity{culprit}; nothing was clipped"
                ),
            });
        }
        let coef = max_norm / (total + CLIP_NORM_EPS);
        if coef < 1.0 {
            let c = T::from_f64(coef);
            self.map_params(|x| x * c);
        }
        Ok(total)
    }

    /// PyTorch's `clip_grad_value_(parameters, clip_value)`: clamps every element of every
    /// parameter gradient to `[-clip_value, clip_value]` (a NaN stays NaN, as in `clamp`).
    ///
    /// # Errors
    /// [`Error::Invalid`] if `clip_value` is negative or NaN.
    ///
    /// ```
    /// use autograd::{Gradients, ParamId, Tensor};
    /// let id = ParamId::fresh();
    /// let mut g = Gradients::<f64>::new();
    /// g.set_param(id, Tensor::from_vec(vec![-3.0, 0.5, 2.0], &[3])?)?;
    /// g.clip_grad_value(1.0)?;
    /// assert_eq!(g.param(id).unwrap().to_vec(), vec![-1.0, 0.5, 1.0]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn clip_grad_value(&mut self, clip_value: f64) -> Result<()> {
        if clip_value.is_nan() || clip_value < 0.0 {
            return Err(Error::Invalid {
                op: "clip_grad_value",
                reason: format!("clip_value must be a number >= 0, got {clip_value}"),
            });
        }
        let (hi, lo) = (T::from_f64(clip_value), T::from_f64(-clip_value));
        self.map_params(|x| {
            if x > hi {
                hi
            } else if x < lo {
                lo
            } else {
                x
            }
        });
        Ok(())
    }

    /// Applies `f` to every element of every parameter gradient, in place.
    fn map_params(&mut self, f: impl Fn(T) -> T) {
        for n in self.params.values() {
            if let Some((t, node)) = &mut self.slots[n.0] {
                for x in t.make_mut() {
                    *x = f(*x);
                }
                *node = None;
            }
        }
    }
}
