//! Unary elementwise ops and their derivatives.
//!
//! Kinks take the convention the lesson uses for ReLU, `(z > 0)`: the derivative at the kink is
//! that of the branch the forward does not take with a strict comparison. So `relu'(0) = 0`,
//! `abs'(0) = sign(0) = 0`, `leaky_relu'(0) = slope`, and `clamp` passes the gradient on the
//! closed interval `lo <= x <= hi` (as PyTorch). Masks enter as constants: their derivative is 0
//! almost everywhere, which is what second-order gradients need.

use tensor::{Float, Result};

use crate::var::Var;

impl<T: Float> Var<T> {
    /// `-x`. `d/dx = -g`.
    ///
    /// # Errors
    /// Only [`tensor::Error::NonFinite`] in anomaly mode (as every unary op).
    pub fn neg(&self) -> Result<Var<T>> {
        self.unary("neg", |x| Ok(x.neg()), |_, g, _| g.neg())
    }

    /// `e^x`. `d/dx = g e^x`, reusing the output.
    ///
    /// # Errors
    /// As [`Var::neg`].
    pub fn exp(&self) -> Result<Var<T>> {
        self.unary("exp", |x| Ok(x.exp()), |c, g, _| g.mul(&c.output()))
    }

    /// Natural logarithm. `d/dx = g / x`.
    ///
    /// # Errors
    /// As [`Var::neg`].
    pub fn ln(&self) -> Result<Var<T>> {
        self.unary("ln", |x| Ok(x.ln()), |c, g, _| g.div(&c.input(0)))
    }

    /// Square root. `d/dx = g / (2 sqrt x)`, reusing the output.
    ///
    /// # Errors
    /// As [`Var::neg`].
    pub fn sqrt(&self) -> Result<Var<T>> {
        self.unary(
            "sqrt",
            |x| Ok(x.sqrt()),
            |c, g, _| g.div(&c.output().mul_scalar(T::from_f64(2.0))?),
        )
    }

    /// `|x|`. `d/dx = g sign(x)`, so 0 at `x = 0`.
    ///
    /// # Errors
    /// As [`Var::neg`].
    pub fn abs(&self) -> Result<Var<T>> {
        self.unary(
            "abs",
            |x| Ok(x.abs()),
            |c, g, _| g.mul(&c.constant(c.value(0).sign())),
        )
    }

    /// `x^2`. `d/dx = 2 g x`.
    ///
    /// # Errors
    /// As [`Var::neg`].
    pub fn square(&self) -> Result<Var<T>> {
        self.unary(
            "square",
            |x| Ok(x.square()),
            |c, g, _| g.mul(&c.input(0))?.mul_scalar(T::from_f64(2.0)),
        )
    }

    /// `1 / x`. `d/dx = -g / x^2 = -g y^2`, reusing the output `y`.
    ///
    /// # Errors
    /// As [`Var::neg`].
    pub fn recip(&self) -> Result<Var<T>> {
        self.unary(
            "recip",
            |x| Ok(x.recip()),
            |c, g, _| g.mul(&c.output().square()?)?.neg(),
        )
    }

    /// `max(0, x)`. `d/dx = g (x > 0)`: 0 at the kink, as the lesson's `relu_derivative`.
    ///
    /// A plain backward computes `g * (x > 0)` as one masked copy, without the mask tensor; the
    /// products are the same (`g * 1` or `g * 0`, so `-0` and NaN come out as the lesson's).
    ///
    /// # Errors
    /// As [`Var::neg`].
    pub fn relu(&self) -> Result<Var<T>> {
        self.unary(
            "relu",
            |x| Ok(x.relu()),
            |c, g, _| {
                if c.recording() {
                    return g.mul(&c.constant(c.value(0).gt_scalar(T::ZERO)));
                }
                let masked = g.value().zip_with(c.value(0), "relu backward", |g, x| {
                    g * if x > T::ZERO { T::ONE } else { T::ZERO }
                })?;
                Ok(c.constant(masked))
            },
        )
    }

    /// `x` for `x > 0`, `slope x` otherwise. `d/dx = g` where `x > 0`, `g slope` elsewhere
    /// (including 0).
    ///
    /// # Errors
    /// As [`Var::neg`].
    pub fn leaky_relu(&self, slope: T) -> Result<Var<T>> {
        self.unary(
            "leaky_relu",
            |x| Ok(x.leaky_relu(slope)),
            move |c, g, _| {
                let d = c.value(0).map(|x| if x > T::ZERO { T::ONE } else { slope });
                g.mul(&c.constant(d))
            },
        )
    }

    /// The logistic function (computed stably). `d/dx = g y (1 - y)`, reusing the output `y`.
    ///
    /// # Errors
    /// As [`Var::neg`].
    pub fn sigmoid(&self) -> Result<Var<T>> {
        self.unary(
            "sigmoid",
            |x| Ok(x.sigmoid()),
            |c, g, _| {
                let y = c.output();
                g.mul(&y.mul(&y.rsub_scalar(T::ONE)?)?)
            },
        )
    }

    /// Hyperbolic tangent. `d/dx = g (1 - y^2)`, reusing the output `y`.
    ///
    /// # Errors
    /// As [`Var::neg`].
    pub fn tanh(&self) -> Result<Var<T>> {
        self.unary(
            "tanh",
            |x| Ok(x.tanh()),
            |c, g, _| g.mul(&c.output().square()?.rsub_scalar(T::ONE)?),
        )
    }

    /// `x^n` for an integer `n`. `d/dx = g n x^(n-1)` (0 for `n = 0`).
    ///
    /// # Errors
    /// As [`Var::neg`].
    pub fn powi(&self, n: i32) -> Result<Var<T>> {
        self.unary(
            "powi",
            |x| Ok(x.powi(n)),
            move |c, g, _| {
                if n == 0 {
                    // x^0 = 1 everywhere; n x^(n-1) would give 0 * inf = NaN at x = 0.
                    return g.mul_scalar(T::ZERO);
                }
                g.mul(&c.input(0).powi(n - 1)?)?
                    .mul_scalar(T::from_f64(f64::from(n)))
            },
        )
    }

    /// Each element limited to `[lo, hi]`. `d/dx = g` on the closed interval, 0 outside.
    ///
    /// # Errors
    /// [`tensor::Error::Invalid`] if `lo > hi` or a bound is NaN; anomaly mode as [`Var::neg`].
    pub fn clamp(&self, lo: T, hi: T) -> Result<Var<T>> {
        self.unary(
            "clamp",
            |x| x.clamp(lo, hi),
            move |c, g, _| {
                let inside = c
                    .value(0)
                    .map(|x| if x >= lo && x <= hi { T::ONE } else { T::ZERO });
                g.mul(&c.constant(inside))
            },
        )
    }

    /// The sign of the value (-1, 0 or 1), as [`tensor::Tensor::sign`]: piecewise constant, so it
    /// has no gradient and is a plain tensor.
    pub fn sign(&self) -> tensor::Tensor<T> {
        self.value.sign()
    }

    /// The value rounded as NumPy's `np.round(x, decimals)` ([`tensor::Tensor::round`]):
    /// piecewise constant, so a plain tensor.
    pub fn round(&self, decimals: i32) -> tensor::Tensor<T> {
        self.value.round(decimals)
    }
}
