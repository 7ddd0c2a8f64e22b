//! The element types a tensor can hold: `f32` and `f64`.

use std::fmt::{Debug, Display, LowerExp};
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, Sub, SubAssign};

/// A floating-point element type: implemented for `f32` and `f64` only (the trait is sealed).
///
/// The methods are the scalar maths the tensor ops are built from. `max`/`min` follow NumPy's
/// `maximum`/`minimum`: a NaN in either argument gives NaN (Rust's `f64::max` would drop it).
pub trait Float:
    Copy
    + Send
    + Sync
    + Debug
    + Display
    + LowerExp
    + Default
    + PartialEq
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Rem<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
    + crate::gemm::GemmElement
    + crate::pool::Pooled
    + 'static
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// Machine epsilon: the gap between 1 and the next representable value.
    const EPSILON: Self;
    /// Not a number.
    const NAN: Self;
    /// Positive infinity.
    const INFINITY: Self;
    /// Negative infinity.
    const NEG_INFINITY: Self;
    /// The largest finite value.
    const MAX: Self;
    /// The type's name as NumPy spells it: `"float32"` or `"float64"`.
    const DTYPE: &'static str;

    /// Converts from `f64`, rounding to nearest for `f32`.
    fn from_f64(v: f64) -> Self;
    /// Converts to `f64` (exact for both types).
    fn to_f64(self) -> f64;
    /// Converts a count or an index (exact below 2^24 for `f32`, 2^53 for `f64`).
    fn from_usize(n: usize) -> Self;
    /// e^x.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// ln(1 + x), accurate near 0.
    fn ln_1p(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// x^y.
    fn powf(self, y: Self) -> Self;
    /// x^n by repeated multiplication.
    fn powi(self, n: i32) -> Self;
    /// Round half to even (NumPy's `rint`).
    fn round_ties_even(self) -> Self;
    /// Largest integer not above x.
    fn floor(self) -> Self;
    /// NaN-propagating maximum (NumPy's `maximum`).
    fn max(self, other: Self) -> Self;
    /// NaN-propagating minimum (NumPy's `minimum`).
    fn min(self, other: Self) -> Self;
    /// `true` for NaN.
    fn is_nan(self) -> bool;
    /// `true` unless NaN or infinite.
    fn is_finite(self) -> bool;
    /// The sign bit, as `is_sign_negative`.
    fn is_sign_negative(self) -> bool;
    /// The raw bits widened to `u64` (for bitwise comparisons in tests).
    fn to_bits_u64(self) -> u64;
}

macro_rules! impl_float {
    ($t:ident, $dtype:literal) => {
        impl Float for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const EPSILON: Self = $t::EPSILON;
            const NAN: Self = $t::NAN;
            const INFINITY: Self = $t::INFINITY;
            const NEG_INFINITY: Self = $t::NEG_INFINITY;
            const MAX: Self = $t::MAX;
            const DTYPE: &'static str = $dtype;

            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn from_usize(n: usize) -> Self {
                n as $t
            }
            #[inline]
            fn exp(self) -> Self {
                $t::exp(self)
            }
            #[inline]
            fn ln(self) -> Self {
                $t::ln(self)
            }
            #[inline]
            fn ln_1p(self) -> Self {
                $t::ln_1p(self)
            }
            #[inline]
            fn sqrt(self) -> Self {
                $t::sqrt(self)
            }
            #[inline]
            fn abs(self) -> Self {
                $t::abs(self)
            }
            #[inline]
            fn tanh(self) -> Self {
                $t::tanh(self)
            }
            #[inline]
            fn powf(self, y: Self) -> Self {
                $t::powf(self, y)
            }
            #[inline]
            fn powi(self, n: i32) -> Self {
                $t::powi(self, n)
            }
            #[inline]
            fn round_ties_even(self) -> Self {
                $t::round_ties_even(self)
            }
            #[inline]
            fn floor(self) -> Self {
                $t::floor(self)
            }
            #[inline]
            fn max(self, other: Self) -> Self {
                // NumPy's `maximum`: `(a >= b || isnan(a)) ? a : b`, so a NaN on either side wins.
                if self >= other || self.is_nan() {
                    self
                } else {
                    other
                }
            }
            #[inline]
            fn min(self, other: Self) -> Self {
                if self <= other || self.is_nan() {
                    self
                } else {
                    other
                }
            }
            #[inline]
            fn is_nan(self) -> bool {
                $t::is_nan(self)
            }
            #[inline]
            fn is_finite(self) -> bool {
                $t::is_finite(self)
            }
            #[inline]
            fn is_sign_negative(self) -> bool {
                $t::is_sign_negative(self)
            }
            #[inline]
            fn to_bits_u64(self) -> u64 {
                self.to_bits() as u64
            }
        }
    };
}

impl_float!(f32, "float32");
impl_float!(f64, "float64");

#[cfg(test)]
mod tests {
    use super::Float;

    #[test]
    fn max_and_min_propagate_nan_like_numpy_maximum() {
        assert!(Float::max(f64::NAN, 1.0).is_nan());
        assert!(Float::max(1.0, f64::NAN).is_nan());
        assert!(Float::min(f32::NAN, 1.0).is_nan());
        assert!(Float::min(1.0_f32, f32::NAN).is_nan());
        assert_eq!(Float::max(2.0, 3.0), 3.0);
        assert_eq!(Float::min(2.0, 3.0), 2.0);
        // Ties return the first argument, as NumPy's `a >= b ? a : b` does: np.maximum(-0.0, 0.0)
        // is -0.0 and np.maximum(0, -0.0) (the lesson's relu at -0.0) is 0.0.
        assert!(Float::max(-0.0_f64, 0.0).is_sign_negative());
        assert!(!Float::max(0.0_f64, -0.0).is_sign_negative());
    }
}
