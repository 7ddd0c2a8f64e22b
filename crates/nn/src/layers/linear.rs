//! [`Linear`]: `x @ W + b`, with the weight laid out `[in, out]` as the lesson lays it out.

use autograd::Var;
use tensor::{Error, Float, Result, Tensor, TensorRng};

use crate::init::Init;
use crate::io::TorchLayout;
use crate::module::Module;
use crate::param::Param;

/// A fully connected layer `y = x @ W + b` with `W: [in, out]` and `b: [1, out]`: the lesson's
/// `X @ W1 + b1` (PyTorch stores the transpose, `[out, in]`, and computes `x @ W.T + b`).
/// The input is `[..., in]` and the output `[..., out]`; a 1-D input `[in]` gives a 1-D output
/// `[out]`, as in PyTorch.
///
/// ```
/// use autograd::Tape;
/// use nn::{Linear, Module};
/// use tensor::Tensor;
///
/// let w = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
/// let b = Tensor::from_vec(vec![0.5, 0.5, 0.5], &[1, 3])?;
/// let layer = Linear::from_tensors(w, b)?;
/// let x = Tensor::from_vec(vec![1.0, 1.0], &[1, 2])?;
/// // [1, 1] @ [[1, 2, 3], [4, 5, 6]] + 0.5 = [5.5, 7.5, 9.5]
/// assert_eq!(layer.predict(&x)?.to_vec(), vec![5.5, 7.5, 9.5]);
/// # Ok::<(), tensor::Error>(())
/// ```
#[derive(Debug)]
pub struct Linear<T: Float = f32> {
    weight: Param<T>,
    bias: Param<T>,
}

impl<T: Float> Linear<T> {
    /// A layer with He/Kaiming-uniform weights (suited to a ReLU after it) and zero biases.
    ///
    /// # Errors
    /// Size errors for impossible shapes.
    pub fn new<R: TensorRng + ?Sized>(
        in_features: usize,
        out_features: usize,
        rng: &mut R,
    ) -> Result<Linear<T>> {
        Linear::with_init(in_features, out_features, Init::KaimingUniform, rng)
    }

    /// A layer whose weights are drawn by `init` (`Init::Randn { scale: 0.5 }` is the
    /// lesson's), with zero biases.
    ///
    /// # Errors
    /// As [`Init::tensor`].
    pub fn with_init<R: TensorRng + ?Sized>(
        in_features: usize,
        out_features: usize,
        init: Init,
        rng: &mut R,
    ) -> Result<Linear<T>> {
        let w = init.tensor(&[in_features, out_features], rng)?;
        Linear::from_tensors(w, Tensor::zeros(&[1, out_features])?)
    }

    /// A layer with the given weight `[in, out]` and bias (`[1, out]` or `[out]`).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the shapes do not fit together.
    pub fn from_tensors(weight: Tensor<T>, bias: Tensor<T>) -> Result<Linear<T>> {
        let fits = match (weight.shape(), bias.shape()) {
            ([_, out], [1, b]) | ([_, out], [b]) => out == b,
            _ => false,
        };
        if !fits {
            return Err(Error::ShapeMismatch {
                op: "Linear",
                shapes: vec![weight.shape().to_vec(), bias.shape().to_vec()],
                reason: "the weight must be [in, out] and the bias [1, out]".into(),
            });
        }
        let out = weight.shape()[1];
        // PyTorch's Linear stores weight [out, in] and bias [out]: the weight files map them.
        Ok(Linear {
            weight: Param::new("weight", weight).with_torch_layout(TorchLayout::Transposed),
            bias: Param::new("bias", bias.reshape(&[1, out])?)
                .with_torch_layout(TorchLayout::Flattened),
        })
    }

    /// The weight `[in, out]`.
    pub fn weight(&self) -> &Param<T> {
        &self.weight
    }

    /// The bias `[1, out]`.
    pub fn bias(&self) -> &Param<T> {
        &self.bias
    }

    /// Input features.
    pub fn in_features(&self) -> usize {
        self.weight.shape()[0]
    }

    /// Output features.
    pub fn out_features(&self) -> usize {
        self.weight.shape()[1]
    }
}

impl<T: Float> Module<T> for Linear<T> {
    fn forward(&self, x: &Var<T>) -> Result<Var<T>> {
        if x.shape().last() != Some(&self.in_features()) {
            return Err(Error::ShapeMismatch {
                op: "Linear",
                shapes: vec![x.shape().to_vec(), self.weight.shape().to_vec()],
                reason: format!(
                    "{} needs inputs with {} features in the last dimension",
                    self.describe(),
                    self.in_features()
                ),
            });
        }
        let tape = x.tape();
        let y = x
            .matmul(&self.weight.var(tape))?
            .add(&self.bias.var(tape))?;
        // A vector in gives a vector out, as in PyTorch (the `[1, out]` bias would otherwise
        // broadcast the `[out]` product up to `[1, out]`).
        if x.ndim() == 1 { y.squeeze(0) } else { Ok(y) }
    }

    fn parameters(&self) -> Vec<&Param<T>> {
        vec![&self.weight, &self.bias]
    }

    fn parameters_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.weight, &mut self.bias]
    }

    fn describe(&self) -> String {
        format!("Linear({} -> {})", self.in_features(), self.out_features())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use autograd::{GradcheckOptions, Tape, gradcheck};
    use tensor::NumpyRng;

    #[test]
    fn forward_is_x_matmul_w_plus_b_and_gradients_are_the_lessons() {
        // x = [[1, 2], [3, 4]], W = [[1, 0, -1], [2, 1, 0]], b = [0.5, 0, -0.5];
        // loss = sum(x @ W + b): dW = x^T @ ones = column sums of x = [4, 6] in every column,
        // db = [2, 2, 2] (two rows), as the lesson's `X.T @ delta`, `sum(delta, axis=0)`.
        let w = Tensor::<f64>::from_vec(vec![1.0, 0.0, -1.0, 2.0, 1.0, 0.0], &[2, 3]).unwrap();
        let b = Tensor::from_vec(vec![0.5, 0.0, -0.5], &[3]).unwrap();
        let layer = Linear::from_tensors(w, b).unwrap();
        assert_eq!(layer.bias().shape(), &[1, 3]);
        let tape = Tape::new();
        let x = tape.constant(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap());
        let y = layer.forward(&x).unwrap();
        assert_eq!(y.value().to_vec(), vec![5.5, 2.0, -1.5, 11.5, 4.0, -3.5]);
        let g = y.sum().unwrap().backward().unwrap();
        let dw = g.param(layer.weight().id()).unwrap();
        assert_eq!(dw.to_vec(), vec![4.0, 4.0, 4.0, 6.0, 6.0, 6.0]);
        assert_eq!(g.param(layer.bias().id()).unwrap().to_vec(), vec![2.0; 3]);
    }

    #[test]
    fn gradients_match_central_differences() {
        let mut rng = NumpyRng::new(3);
        let x = rng.randn_tensor::<f64>(&[4, 3]).unwrap();
        let w = rng.randn_tensor::<f64>(&[3, 2]).unwrap();
        let b = rng.randn_tensor::<f64>(&[1, 2]).unwrap();
        let report = gradcheck(
            |v| v[0].matmul(&v[1])?.add(&v[2])?.tanh(),
            &[x, w, b],
            &GradcheckOptions::default(),
        )
        .unwrap();
        assert!(report.passed(), "{report}");
    }

    #[test]
    fn shape_errors_name_the_layer() {
        let e = Linear::<f32>::from_tensors(
            Tensor::zeros(&[2, 3]).unwrap(),
            Tensor::zeros(&[1, 4]).unwrap(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("Linear"), "{e}");
        let layer = Linear::<f32>::new(2, 3, &mut NumpyRng::new(0)).unwrap();
        let tape = Tape::new();
        let e = layer
            .forward(&tape.constant(Tensor::zeros(&[5, 4]).unwrap()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("Linear(2 -> 3)") && e.contains("[5, 4]"), "{e}");
    }

    #[test]
    fn with_init_draws_the_lessons_weights() {
        // np.random.seed(42); np.random.randn(2, 4) * 0.5, first entry.
        let layer =
            Linear::<f64>::with_init(2, 4, Init::Randn { scale: 0.5 }, &mut NumpyRng::new(42))
                .unwrap();
        assert_eq!(
            layer.weight().value().get(&[0, 0]).unwrap(),
            0.24835707650561634
        );
        assert_eq!(layer.bias().value().to_vec(), vec![0.0; 4]);
    }
}
