//! Binary elementwise ops (broadcasting), their scalar forms, and the comparisons (which have no
//! derivative and return plain tensors).
//!
//! Rules return gradients shaped like the output; the tape sums each down to its input's shape,
//! so no rule here mentions broadcasting.

use tensor::{Float, Result, Tensor};

use crate::var::Var;

/// The share of the gradient of `maximum(a, b)` (or `minimum`) that goes to `a`: 1 where `a`
/// wins, 0 where `b` wins, and 1/2 on a tie, as PyTorch does: the subgradient that treats the two
/// operands symmetrically, so `maximum(x, x)` has gradient 1.
fn winner_share<T: Float>(
    a: &Tensor<T>,
    b: &Tensor<T>,
    a_wins: fn(T, T) -> bool,
) -> Result<Tensor<T>> {
    let half = T::from_f64(0.5);
    a.zip_with(b, "maximum/minimum backward", move |x, y| {
        if x == y {
            half
        } else if a_wins(x, y) {
            T::ONE
        } else {
            T::ZERO
        }
    })
}

impl<T: Float> Var<T> {
    /// `a + b` with broadcasting. `d/da = g`, `d/db = g`.
    ///
    /// # Errors
    /// [`tensor::Error::Broadcast`] naming both shapes, or operands on different tapes.
    pub fn add(&self, rhs: &Var<T>) -> Result<Var<T>> {
        Var::apply(
            "add",
            [self, rhs],
            |[a, b]| a.add(b),
            |_, g, _| Ok(g.clone()),
        )
    }

    /// `a - b` with broadcasting. `d/da = g`, `d/db = -g`.
    ///
    /// # Errors
    /// As [`Var::add`].
    pub fn sub(&self, rhs: &Var<T>) -> Result<Var<T>> {
        Var::apply(
            "sub",
            [self, rhs],
            |[a, b]| a.sub(b),
            |_, g, i| if i == 0 { Ok(g.clone()) } else { g.neg() },
        )
    }

    /// `a * b` elementwise with broadcasting. `d/da = g b`, `d/db = g a`.
    ///
    /// # Errors
    /// As [`Var::add`].
    pub fn mul(&self, rhs: &Var<T>) -> Result<Var<T>> {
        Var::apply(
            "mul",
            [self, rhs],
            |[a, b]| a.mul(b),
            |c, g, i| g.mul(&c.input(1 - i)),
        )
    }

    /// `a / b` elementwise with broadcasting. `d/da = g / b`, `d/db = -g a / b^2 = -g (a/b) / b`.
    ///
    /// # Errors
    /// As [`Var::add`].
    pub fn div(&self, rhs: &Var<T>) -> Result<Var<T>> {
        Var::apply(
            "div",
            [self, rhs],
            |[a, b]| a.div(b),
            |c, g, i| {
                let b = c.input(1);
                if i == 0 {
                    g.div(&b)
                } else {
                    g.mul(&c.output())?.div(&b)?.neg()
                }
            },
        )
    }

    /// `a ^ b` elementwise with broadcasting. `d/da = g b a^(b-1)`, `d/db = g a^b ln a` (NaN for
    /// `a <= 0`, where the real power has no derivative in `b`; computed only if `b` is tracked).
    ///
    /// # Errors
    /// As [`Var::add`].
    pub fn pow(&self, rhs: &Var<T>) -> Result<Var<T>> {
        Var::apply(
            "pow",
            [self, rhs],
            |[a, b]| a.pow(b),
            |c, g, i| {
                let (a, b) = (c.input(0), c.input(1));
                if i == 0 {
                    g.mul(&b.mul(&a.pow(&b.sub_scalar(T::ONE)?)?)?)
                } else {
                    g.mul(&c.output().mul(&a.ln()?)?)
                }
            },
        )
    }

    /// NumPy's `maximum` with broadcasting. The gradient goes to the larger operand; on a tie it
    /// is split evenly (1/2 each), as PyTorch does.
    ///
    /// # Errors
    /// As [`Var::add`].
    pub fn maximum(&self, rhs: &Var<T>) -> Result<Var<T>> {
        Var::apply(
            "maximum",
            [self, rhs],
            |[a, b]| a.maximum(b),
            |c, g, i| {
                let share = winner_share(c.value(0), c.value(1), |x, y| x > y)?;
                let share = if i == 0 {
                    share
                } else {
                    share.rsub_scalar(T::ONE)
                };
                g.mul(&c.constant(share))
            },
        )
    }

    /// NumPy's `minimum` with broadcasting; ties split the gradient evenly as in [`Var::maximum`].
    ///
    /// # Errors
    /// As [`Var::add`].
    pub fn minimum(&self, rhs: &Var<T>) -> Result<Var<T>> {
        Var::apply(
            "minimum",
            [self, rhs],
            |[a, b]| a.minimum(b),
            |c, g, i| {
                let share = winner_share(c.value(0), c.value(1), |x, y| x < y)?;
                let share = if i == 0 {
                    share
                } else {
                    share.rsub_scalar(T::ONE)
                };
                g.mul(&c.constant(share))
            },
        )
    }

    /// `x + s`. `d/dx = g`.
    ///
    /// # Errors
    /// Only [`tensor::Error::NonFinite`] in anomaly mode (as every scalar form).
    pub fn add_scalar(&self, s: T) -> Result<Var<T>> {
        self.unary(
            "add_scalar",
            |x| Ok(x.add_scalar(s)),
            |_, g, _| Ok(g.clone()),
        )
    }

    /// `x - s`. `d/dx = g`.
    ///
    /// # Errors
    /// As [`Var::add_scalar`].
    pub fn sub_scalar(&self, s: T) -> Result<Var<T>> {
        self.unary(
            "sub_scalar",
            |x| Ok(x.sub_scalar(s)),
            |_, g, _| Ok(g.clone()),
        )
    }

    /// `x * s`. `d/dx = g s`.
    ///
    /// # Errors
    /// As [`Var::add_scalar`].
    pub fn mul_scalar(&self, s: T) -> Result<Var<T>> {
        self.unary(
            "mul_scalar",
            |x| Ok(x.mul_scalar(s)),
            move |_, g, _| g.mul_scalar(s),
        )
    }

    /// `x / s`. `d/dx = g / s`.
    ///
    /// # Errors
    /// As [`Var::add_scalar`].
    pub fn div_scalar(&self, s: T) -> Result<Var<T>> {
        self.unary(
            "div_scalar",
            |x| Ok(x.div_scalar(s)),
            move |_, g, _| g.div_scalar(s),
        )
    }

    /// `s - x`. `d/dx = -g`.
    ///
    /// # Errors
    /// As [`Var::add_scalar`].
    pub fn rsub_scalar(&self, s: T) -> Result<Var<T>> {
        self.unary("rsub_scalar", |x| Ok(x.rsub_scalar(s)), |_, g, _| g.neg())
    }

    /// `s / x`. `d/dx = -g s / x^2 = -g (s/x) / x`.
    ///
    /// # Errors
    /// As [`Var::add_scalar`].
    pub fn rdiv_scalar(&self, s: T) -> Result<Var<T>> {
        self.unary(
            "rdiv_scalar",
            |x| Ok(x.rdiv_scalar(s)),
            |c, g, _| g.mul(&c.output())?.div(&c.input(0))?.neg(),
        )
    }

    /// `x ^ p` for a real exponent. `d/dx = g p x^(p-1)` (0 for `p = 0`).
    ///
    /// # Errors
    /// As [`Var::add_scalar`].
    pub fn powf(&self, p: T) -> Result<Var<T>> {
        self.unary(
            "powf",
            |x| Ok(x.powf(p)),
            move |c, g, _| {
                if p == T::ZERO {
                    // x^0 = 1 everywhere; p x^(p-1) would give 0 * inf = NaN at x = 0.
                    return g.mul_scalar(T::ZERO);
                }
                g.mul(&c.input(0).powf(p - T::ONE)?)?.mul_scalar(p)
            },
        )
    }

    /// `maximum(x, s)`; the gradient is `g` where `x > s`, `g / 2` where `x == s` (the tie rule of
    /// [`Var::maximum`]), 0 elsewhere.
    ///
    /// # Errors
    /// As [`Var::add_scalar`].
    pub fn maximum_scalar(&self, s: T) -> Result<Var<T>> {
        self.unary(
            "maximum_scalar",
            |x| Ok(x.maximum_scalar(s)),
            move |c, g, _| {
                let share = winner_share(c.value(0), &Tensor::scalar(s), |x, y| x > y)?;
                g.mul(&c.constant(share))
            },
        )
    }

    /// `minimum(x, s)`, with the tie rule of [`Var::maximum_scalar`].
    ///
    /// # Errors
    /// As [`Var::add_scalar`].
    pub fn minimum_scalar(&self, s: T) -> Result<Var<T>> {
        self.unary(
            "minimum_scalar",
            |x| Ok(x.minimum_scalar(s)),
            move |c, g, _| {
                let share = winner_share(c.value(0), &Tensor::scalar(s), |x, y| x < y)?;
                g.mul(&c.constant(share))
            },
        )
    }
}

macro_rules! comparisons {
    ($($name:ident, $scalar:ident;)*) => {
        impl<T: Float> Var<T> {
            $(
                #[doc = concat!("[`Tensor::", stringify!($name), "`] of the values: 1 or 0, no gradient.")]
                ///
                /// # Errors
                /// [`tensor::Error::Broadcast`] if the shapes do not broadcast.
                pub fn $name(&self, rhs: &Var<T>) -> Result<Tensor<T>> {
                    self.value.$name(&rhs.value)
                }

                #[doc = concat!("[`Tensor::", stringify!($scalar), "`] of the value: 1 or 0, no gradient.")]
                pub fn $scalar(&self, s: T) -> Tensor<T> {
                    self.value.$scalar(s)
                }
            )*
        }
    };
}

comparisons! {
    gt, gt_scalar;
    ge, ge_scalar;
    lt, lt_scalar;
    le, le_scalar;
    eq, eq_scalar;
    ne, ne_scalar;
}
