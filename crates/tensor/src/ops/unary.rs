//! Unary elementwise ops. Each is one closure over [`Tensor::map`].

use crate::elementwise::Cost;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::tensor::Tensor;

macro_rules! unary_ops {
    ($($(#[$doc:meta])* $name:ident, $cost:ident, |$x:ident| $body:expr;)*) => {
        impl<T: Float> Tensor<T> {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> Tensor<T> {
                    self.map_cost(Cost::$cost, |$x| $body)
                }
            )*
        }
    };
}

unary_ops! {
    /// `-x`.
    neg, Cheap, |x| -x;
    /// `e^x`.
    exp, Heavy, |x| x.exp();
    /// Natural logarithm (`ln 0 = -inf`, `ln x = NaN` for `x < 0`, as NumPy's `log`).
    ln, Heavy, |x| x.ln();
    /// Square root (NaN for `x < 0`).
    sqrt, Cheap, |x| x.sqrt();
    /// `|x|`.
    abs, Cheap, |x| x.abs();
    /// `x^2`.
    square, Cheap, |x| x * x;
    /// `1 / x`.
    recip, Cheap, |x| T::ONE / x;
    /// Hyperbolic tangent.
    tanh, Heavy, |x| x.tanh();
    /// The sign: -1, 0 or 1 (NaN stays NaN), as NumPy's `sign`.
    sign, Cheap, |x| if x > T::ZERO { T::ONE } else if x < T::ZERO { -T::ONE } else { x };
    /// `max(0, x)`, the lesson's `np.maximum(0, z)`: NaN stays NaN.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let z = Tensor::<f64>::from_vec(vec![-1.0, 0.0, 2.5], &[3])?;
    /// assert_eq!(z.relu().to_vec(), vec![0.0, 0.0, 2.5]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    relu, Cheap, |x| T::ZERO.max(x);
    /// The logistic function `1 / (1 + e^-x)`, computed without overflow: for `x < 0` as
    /// `e^x / (1 + e^x)`, so `sigmoid(-1000)` is 0 and `sigmoid(1000)` is 1, never NaN.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let z = Tensor::<f64>::from_vec(vec![-1000.0, 0.0, 1000.0], &[3])?;
    /// assert_eq!(z.sigmoid().to_vec(), vec![0.0, 0.5, 1.0]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    sigmoid, Heavy, |x| sigmoid(x);
}

/// The numerically stable logistic function.
#[inline]
pub(crate) fn sigmoid<T: Float>(x: T) -> T {
    if x >= T::ZERO {
        T::ONE / (T::ONE + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::ONE + e)
    }
}

impl<T: Float> Tensor<T> {
    /// `x^n` for an integer `n`.
    pub fn powi(&self, n: i32) -> Tensor<T> {
        self.map_cost(Cost::Heavy, |x| x.powi(n))
    }

    /// `max(0, x) + slope * min(0, x)`: the leaky ReLU.
    pub fn leaky_relu(&self, slope: T) -> Tensor<T> {
        self.map(|x| if x > T::ZERO { x } else { x * slope })
    }

    /// Each element limited to `[lo, hi]`, as NumPy's `clip` (NaN stays NaN).
    ///
    /// # Errors
    /// [`Error::Invalid`] if `lo > hi` or a bound is NaN.
    pub fn clamp(&self, lo: T, hi: T) -> Result<Tensor<T>> {
        if lo.partial_cmp(&hi).is_none_or(|o| o.is_gt()) {
            return Err(Error::Invalid {
                op: "clamp",
                reason: format!("lower bound {lo} is not <= upper bound {hi}"),
            });
        }
        Ok(self.map(|x| {
            if x < lo {
                lo
            } else if x > hi {
                hi
            } else {
                x
            }
        }))
    }

    /// NumPy's `np.round(x, decimals)`: multiply by `10^decimals`, round half to even, divide.
    /// (This, not correctly rounded decimal output, is what the lesson prints after `np.round`.)
    ///
    /// ```
    /// use tensor::Tensor;
    /// let w = Tensor::<f64>::from_vec(vec![0.24835707650561634, -0.5, 2.5], &[3])?;
    /// assert_eq!(w.round(4).to_vec(), vec![0.2484, -0.5, 2.5]);
    /// assert_eq!(w.round(0).to_vec(), vec![0.0, -0.0, 2.0]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn round(&self, decimals: i32) -> Tensor<T> {
        if decimals >= 0 {
            let f = T::from_f64(10f64.powi(decimals));
            self.map(|x| (x * f).round_ties_even() / f)
        } else {
            let f = T::from_f64(10f64.powi(-decimals));
            self.map(|x| (x / f).round_ties_even() * f)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_is_finite_and_symmetric_far_out() {
        let z = Tensor::<f32>::from_vec(vec![-1000.0, -30.0, 30.0, 1000.0], &[4]).unwrap();
        let s = z.sigmoid().to_vec();
        assert!(s.iter().all(|v| v.is_finite()));
        assert_eq!(s[0], 0.0);
        assert_eq!(s[3], 1.0);
        // sigmoid(-x) = 1 - sigmoid(x); at 30 the f32 result is within one ulp of 1.
        assert!((s[1] - (1.0 - s[2])).abs() < 1e-7);
    }

    #[test]
    fn relu_of_nan_is_nan_like_numpy_maximum() {
        let z = Tensor::<f64>::from_vec(vec![f64::NAN], &[1]).unwrap();
        assert!(z.relu().to_vec()[0].is_nan());
    }

    #[test]
    fn clamp_rejects_crossed_bounds() {
        let z = Tensor::<f64>::from_vec(vec![-2.0, 0.5, 3.0], &[3]).unwrap();
        assert_eq!(z.clamp(-1.0, 1.0).unwrap().to_vec(), vec![-1.0, 0.5, 1.0]);
        assert!(z.clamp(1.0, -1.0).is_err());
        assert!(z.clamp(f64::NAN, 1.0).is_err());
    }
}
