//! Binary elementwise ops with NumPy broadcasting, their scalar forms and comparisons.

use crate::elementwise::Cost;
use crate::error::Result;
use crate::float::Float;
use crate::tensor::{Tensor, collect_storage};

macro_rules! binary_ops {
    ($($(#[$doc:meta])* $name:ident, $scalar:ident, $cost:ident, |$a:ident, $b:ident| $body:expr;)*) => {
        impl<T: Float> Tensor<T> {
            $(
                $(#[$doc])*
                ///
                /// # Errors
                /// [`crate::Error::Broadcast`] (naming the op and both shapes) if the shapes cannot
                /// be broadcast together.
                pub fn $name(&self, rhs: &Tensor<T>) -> Result<Tensor<T>> {
                    self.zip_cost(rhs, stringify!($name), Cost::$cost, |$a, $b| $body)
                }

                #[doc = concat!("[`Tensor::", stringify!($name), "`] with a scalar right operand.")]
                pub fn $scalar(&self, $b: T) -> Tensor<T> {
                    self.map_cost(Cost::$cost, move |$a| $body)
                }
            )*
        }
    };
}

binary_ops! {
    /// `a + b`, elementwise.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?;
    /// let b = Tensor::<f64>::from_vec(vec![10.0, 20.0], &[1, 2])?;
    /// assert_eq!(x.add(&b)?.to_vec(), vec![11.0, 22.0, 13.0, 24.0]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    add, add_scalar, Cheap, |a, b| a + b;
    /// `a - b`, elementwise.
    sub, sub_scalar, Cheap, |a, b| a - b;
    /// `a * b`, elementwise (not the matrix product: see [`Tensor::matmul`]).
    mul, mul_scalar, Cheap, |a, b| a * b;
    /// `a / b`, elementwise (IEEE: `x / 0` is ±inf or NaN).
    div, div_scalar, Cheap, |a, b| a / b;
    /// `a ^ b`, elementwise, with real exponents (a negative base to a fractional power is NaN).
    pow, powf, Heavy, |a, b| a.powf(b);
    /// NumPy's `maximum`: the larger of `a` and `b`; a NaN in either gives NaN.
    maximum, maximum_scalar, Cheap, |a, b| a.max(b);
    /// NumPy's `minimum`: the smaller of `a` and `b`; a NaN in either gives NaN.
    minimum, minimum_scalar, Cheap, |a, b| a.min(b);
    /// `a > b` as 1 or 0 (NaN compares false).
    gt, gt_scalar, Cheap, |a, b| if a > b { T::ONE } else { T::ZERO };
    /// `a >= b` as 1 or 0.
    ge, ge_scalar, Cheap, |a, b| if a >= b { T::ONE } else { T::ZERO };
    /// `a < b` as 1 or 0.
    lt, lt_scalar, Cheap, |a, b| if a < b { T::ONE } else { T::ZERO };
    /// `a <= b` as 1 or 0.
    le, le_scalar, Cheap, |a, b| if a <= b { T::ONE } else { T::ZERO };
    /// `a == b` as 1 or 0.
    eq, eq_scalar, Cheap, |a, b| if a == b { T::ONE } else { T::ZERO };
    /// `a != b` as 1 or 0.
    ne, ne_scalar, Cheap, |a, b| if a != b { T::ONE } else { T::ZERO };
}

impl<T: Float> Tensor<T> {
    /// `s - x` for a scalar `s` (NumPy's `s - x`).
    pub fn rsub_scalar(&self, s: T) -> Tensor<T> {
        self.map(move |x| s - x)
    }

    /// `s / x` for a scalar `s` (NumPy's `s / x`).
    pub fn rdiv_scalar(&self, s: T) -> Tensor<T> {
        self.map(move |x| s / x)
    }

    /// `cond ? self : other` elementwise with broadcasting of all three, where `cond` is nonzero.
    ///
    /// # Errors
    /// [`crate::Error::Broadcast`] if the three shapes cannot be broadcast together.
    pub fn where_cond(
        cond: &Tensor<T>,
        on_true: &Tensor<T>,
        on_false: &Tensor<T>,
    ) -> Result<Tensor<T>> {
        // select = cond * on_true + (1 - cond) * on_false would turn 0 * inf into NaN; instead mark
        // the false branch with its own broadcast and pick.
        let shape = crate::shape::broadcast_shapes("where", cond.shape(), on_true.shape())?;
        let shape = crate::shape::broadcast_shapes("where", &shape, on_false.shape())?;
        let c = cond.broadcast_to(&shape)?.to_vec();
        let t = on_true.broadcast_to(&shape)?.to_vec();
        let f = on_false.broadcast_to(&shape)?.to_vec();
        let picked = c
            .iter()
            .zip(t)
            .zip(f)
            .map(|((&c, t), f)| if c != T::ZERO { t } else { f });
        let out = collect_storage(c.len(), picked);
        Ok(Tensor::from_storage(out, &shape))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f64], s: &[usize]) -> Tensor<f64> {
        Tensor::from_vec(v.to_vec(), s).unwrap()
    }

    #[test]
    fn broadcasting_a_row_and_a_column_gives_the_outer_sum() {
        let col = t(&[1.0, 2.0, 3.0], &[3, 1]);
        let row = t(&[10.0, 20.0], &[2]);
        let s = col.add(&row).unwrap();
        assert_eq!(s.shape(), &[3, 2]);
        assert_eq!(s.to_vec(), vec![11.0, 21.0, 12.0, 22.0, 13.0, 23.0]);
    }

    #[test]
    fn incompatible_shapes_name_the_op_and_both_shapes() {
        let e = t(&[0.0; 6], &[2, 3]).mul(&t(&[0.0; 4], &[4])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "mul: cannot broadcast [2, 3] with [4] (NumPy rule: trailing dimensions must be equal or 1)"
        );
    }

    #[test]
    fn comparisons_give_ones_and_zeros_and_nan_is_never_greater() {
        let a = t(&[1.0, 2.0, f64::NAN], &[3]);
        assert_eq!(a.gt_scalar(1.5).to_vec(), vec![0.0, 1.0, 0.0]);
        assert_eq!(a.le_scalar(1.0).to_vec(), vec![1.0, 0.0, 0.0]);
        assert_eq!(
            a.eq(&t(&[1.0], &[1])).unwrap().to_vec(),
            vec![1.0, 0.0, 0.0]
        );
    }

    #[test]
    fn where_picks_without_multiplying_infinities() {
        let c = t(&[1.0, 0.0], &[2]);
        let a = t(&[f64::INFINITY, 1.0], &[2]);
        let b = t(&[2.0], &[1]);
        assert_eq!(
            Tensor::where_cond(&c, &a, &b).unwrap().to_vec(),
            vec![f64::INFINITY, 2.0]
        );
    }
}
