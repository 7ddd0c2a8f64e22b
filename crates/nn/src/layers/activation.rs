//! Activation layers: parameter-free [`Module`]s wrapping one `Var` op each.

use autograd::Var;
use tensor::{Float, Result};

use crate::module::Module;

/// `max(0, x)`. Its derivative is `x > 0` (0 at the kink, as the lesson's `relu_derivative`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReLU;

/// `x` for `x > 0`, `slope * x` otherwise: a ReLU whose negative side still passes a small
/// gradient, so a unit cannot die. `LeakyReLU::default()` has slope 0.01 (PyTorch's).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyReLU(pub f64);

impl Default for LeakyReLU {
    fn default() -> Self {
        LeakyReLU(0.01)
    }
}

/// The logistic function `1 / (1 + e^-x)`, computed without overflow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sigmoid;

/// The hyperbolic tangent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tanh;

/// Softmax along an axis (`Softmax(1)` for `[n, classes]` rows; negative axes count from the
/// end; `Softmax::default()` is the last axis). For training, prefer ending the model at the
/// logits and using [`crate::loss::cross_entropy_with_logits`], which is stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Softmax(pub isize);

impl Default for Softmax {
    fn default() -> Self {
        Softmax(-1)
    }
}

impl<T: Float> Module<T> for ReLU {
    fn forward(&self, x: &Var<T>) -> Result<Var<T>> {
        x.relu()
    }
    fn describe(&self) -> String {
        "ReLU".into()
    }
}

impl<T: Float> Module<T> for LeakyReLU {
    fn forward(&self, x: &Var<T>) -> Result<Var<T>> {
        x.leaky_relu(T::from_f64(self.0))
    }
    fn describe(&self) -> String {
        format!("LeakyReLU({})", self.0)
    }
}

impl<T: Float> Module<T> for Sigmoid {
    fn forward(&self, x: &Var<T>) -> Result<Var<T>> {
        x.sigmoid()
    }
    fn describe(&self) -> String {
        "Sigmoid".into()
    }
}

impl<T: Float> Module<T> for Tanh {
    fn forward(&self, x: &Var<T>) -> Result<Var<T>> {
        x.tanh()
    }
    fn describe(&self) -> String {
        "Tanh".into()
    }
}

impl<T: Float> Module<T> for Softmax {
    fn forward(&self, x: &Var<T>) -> Result<Var<T>> {
        x.softmax(self.0)
    }
    fn describe(&self) -> String {
        format!("Softmax({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use autograd::Tape;
    use tensor::Tensor;

    fn run(m: &dyn Module<f64>, x: &[f64], shape: &[usize]) -> (Vec<f64>, Vec<f64>) {
        let tape = Tape::new();
        let x = tape.var(Tensor::from_vec(x.to_vec(), shape).unwrap());
        let y = m.forward(&x).unwrap();
        // Weighting the outputs by 1, 2, 3, ... makes the softmax gradient non-zero.
        let w = Tensor::from_fn(y.shape(), |i| (i + 1) as f64).unwrap();
        let loss = y.mul(&tape.constant(w)).unwrap().sum().unwrap();
        let g = loss.backward().unwrap().get(&x).unwrap().to_vec();
        (y.value().to_vec(), g)
    }

    #[test]
    fn each_activation_computes_its_function_and_derivative() {
        // relu: derivative 1 for x > 0, 0 at and below 0; upstream weights are 1, 2, 3.
        let (y, g) = run(&ReLU, &[-1.0, 0.0, 2.0], &[3]);
        assert_eq!((y, g), (vec![0.0, 0.0, 2.0], vec![0.0, 0.0, 3.0]));
        // leaky relu with slope 0.1: derivative 0.1 for x <= 0.
        let (y, g) = run(&LeakyReLU(0.1), &[-2.0, 0.0, 3.0], &[3]);
        assert_eq!(y, vec![-0.2f64, 0.0, 3.0]);
        assert_eq!(g, vec![0.1, 0.2, 3.0]);
        // sigmoid(0) = 1/2, derivative s (1 - s) = 1/4.
        let (y, g) = run(&Sigmoid, &[0.0], &[1]);
        assert_eq!((y, g), (vec![0.5], vec![0.25]));
        // tanh(0) = 0, derivative 1 - tanh^2 = 1.
        let (y, g) = run(&Tanh, &[0.0], &[1]);
        assert_eq!((y, g), (vec![0.0], vec![1.0]));
        // softmax of equal logits is uniform; with weights w = (1, 2), the gradient is
        // p (w - p.w) = 0.5 * ([1, 2] - 1.5) = [-0.25, 0.25].
        let (y, g) = run(&Softmax(1), &[3.0, 3.0], &[1, 2]);
        assert_eq!((y, g), (vec![0.5, 0.5], vec![-0.25, 0.25]));
    }

    #[test]
    fn softmax_with_a_bad_axis_is_an_error() {
        let tape = Tape::<f64>::new();
        let x = tape.var(Tensor::zeros(&[2, 2]).unwrap());
        assert!(Softmax(2).forward(&x).is_err());
        assert_eq!(Module::<f64>::describe(&Softmax::default()), "Softmax(-1)");
    }
}
