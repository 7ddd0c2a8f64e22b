//! `std::ops` operators as sugar over the named methods. Binary operators between tensors
//! broadcast like the methods do and panic (with the method's error message) where the method
//! would return `Err`.
//!
//! They are implemented for `&Tensor` only, on purpose: an `Add` impl for owned `Tensor` would
//! shadow the inherent `add(&self, ..)` in method calls on owned values (`x.matmul(&w)?.add(&b)`
//! would resolve to `Add::add` and fail to type-check).

use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::float::Float;
use crate::tensor::Tensor;

macro_rules! tensor_ops {
    ($($trait:ident, $method:ident, $named:ident, $scalar:ident;)*) => {$(
        /// # Panics
        /// If the shapes cannot be broadcast together; the message names the op and both shapes.
        impl<T: Float> $trait<&Tensor<T>> for &Tensor<T> {
            type Output = Tensor<T>;
            #[track_caller]
            fn $method(self, rhs: &Tensor<T>) -> Tensor<T> {
                Tensor::$named(self, rhs).unwrap_or_else(|e| panic!("{e}"))
            }
        }

        impl<T: Float> $trait<T> for &Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, rhs: T) -> Tensor<T> {
                self.$scalar(rhs)
            }
        }

    )*};
}

tensor_ops! {
    Add, add, add, add_scalar;
    Sub, sub, sub, sub_scalar;
    Mul, mul, mul, mul_scalar;
    Div, div, div, div_scalar;
}

impl<T: Float> Neg for &Tensor<T> {
    type Output = Tensor<T>;
    fn neg(self) -> Tensor<T> {
        Tensor::neg(self)
    }
}

impl<T: Float> Neg for Tensor<T> {
    type Output = Tensor<T>;
    fn neg(self) -> Tensor<T> {
        Tensor::neg(&self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_agree_with_the_named_methods() {
        let a = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
        let b = Tensor::<f64>::from_vec(vec![10.0, 20.0], &[2]).unwrap();
        assert_eq!((&a + &b).to_vec(), a.add(&b).unwrap().to_vec());
        assert_eq!((&a * 2.0).to_vec(), vec![2.0, 4.0, 6.0, 8.0]);
        assert_eq!((-&a).to_vec(), vec![-1.0, -2.0, -3.0, -4.0]);
        assert_eq!((&a / &b).to_vec(), a.div(&b).unwrap().to_vec());
    }

    #[test]
    #[should_panic(expected = "sub: cannot broadcast [2, 2] with [3]")]
    fn operators_panic_with_the_shapes() {
        let a = Tensor::<f64>::zeros(&[2, 2]).unwrap();
        let b = Tensor::<f64>::zeros(&[3]).unwrap();
        let _ = &a - &b;
    }
}
