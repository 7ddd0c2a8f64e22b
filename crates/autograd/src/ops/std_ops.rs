//! `std::ops` operators on `&Var` as sugar over the named methods, like `tensor`'s: for `&Var`
//! only (an impl for owned `Var` would shadow the inherent methods), panicking with the method's
//! error message where the method would return `Err`.

use std::ops::{Add, Div, Mul, Neg, Sub};

use tensor::Float;

use crate::var::Var;

macro_rules! var_ops {
    ($($trait:ident, $method:ident, $scalar:ident;)*) => {$(
        /// # Panics
        /// If the method returns `Err` (shapes that do not broadcast, operands on different tapes,
        /// a NaN in anomaly mode); the message is the error's.
        impl<T: Float> $trait<&Var<T>> for &Var<T> {
            type Output = Var<T>;
            #[track_caller]
            fn $method(self, rhs: &Var<T>) -> Var<T> {
                Var::$method(self, rhs).unwrap_or_else(|e| panic!("{e}"))
            }
        }

        /// # Panics
        /// Only in anomaly mode, if the result is not finite.
        impl<T: Float> $trait<T> for &Var<T> {
            type Output = Var<T>;
            #[track_caller]
            fn $method(self, rhs: T) -> Var<T> {
                self.$scalar(rhs).unwrap_or_else(|e| panic!("{e}"))
            }
        }
    )*};
}

var_ops! {
    Add, add, add_scalar;
    Sub, sub, sub_scalar;
    Mul, mul, mul_scalar;
    Div, div, div_scalar;
}

/// # Panics
/// Only in anomaly mode, if the result is not finite.
impl<T: Float> Neg for &Var<T> {
    type Output = Var<T>;
    #[track_caller]
    fn neg(self) -> Var<T> {
        Var::neg(self).unwrap_or_else(|e| panic!("{e}"))
    }
}
