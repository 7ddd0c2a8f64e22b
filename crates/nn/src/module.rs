//! The [`Module`] trait: anything with a forward pass and (possibly no) parameters.

use autograd::{Tape, Var};
use tensor::{Error, Float, Result, Tensor};

use crate::param::Param;

/// A layer or a model: a forward pass from a [`Var`] to a [`Var`], and the parameters it reads.
///
/// A forward pass records the parameters on the input's tape ([`Param::var`]), so after
/// `loss.backward()` their gradients are in the store under their ids and an optimizer can
/// update them: `opt.step(&mut model, &grads)`.
///
/// ```
/// use autograd::Tape;
/// use nn::{Linear, Module, ReLU, sequential};
/// use tensor::{NumpyRng, Tensor};
///
/// let mut rng = NumpyRng::new(0);
/// let model = sequential![Linear::<f64>::new(2, 4, &mut rng)?, ReLU, Linear::new(4, 1, &mut rng)?];
/// let tape = Tape::new();
/// let x = tape.constant(Tensor::zeros(&[3, 2])?);
/// assert_eq!(model.forward(&x)?.shape(), &[3, 1]);
/// assert_eq!(model.num_parameters(), 2 * 4 + 4 + 4 + 1);
/// # Ok::<(), tensor::Error>(())
/// ```
pub trait Module<T: Float = f32> {
    /// The output for input `x`, recorded on `x`'s tape.
    ///
    /// # Errors
    /// A clear error naming the layer and the shapes when `x` does not fit.
    fn forward(&self, x: &Var<T>) -> Result<Var<T>>;

    /// The parameters, in a fixed order (the order [`Module::set_parameters`] takes).
    fn parameters(&self) -> Vec<&Param<T>> {
        Vec::new()
    }

    /// The parameters, mutably, in the same order as [`Module::parameters`].
    fn parameters_mut(&mut self) -> Vec<&mut Param<T>> {
        Vec::new()
    }

    /// The parameters with their names; containers prefix their children's (`"0.weight"`).
    fn named_parameters(&self) -> Vec<(String, &Param<T>)> {
        self.parameters()
            .into_iter()
            .map(|p| (p.name().to_string(), p))
            .collect()
    }

    /// A short description for printing a model, such as `Linear(2 -> 4)`; by default the
    /// type's name.
    fn describe(&self) -> String {
        short_type_name(std::any::type_name::<Self>())
    }

    /// The total number of parameter elements.
    fn num_parameters(&self) -> usize {
        self.parameters().iter().map(|p| p.len()).sum()
    }

    /// Sets every parameter from `values`, in [`Module::parameters`] order, checking the count
    /// and each shape before changing anything: how an example starts from the lesson's exact
    /// initial weights.
    ///
    /// # Errors
    /// [`Error::Invalid`] if the count differs, [`Error::ShapeMismatch`] naming the first
    /// parameter whose shape differs. On error the model is unchanged.
    fn set_parameters(&mut self, values: &[Tensor<T>]) -> Result<()> {
        let mut params = self.parameters_mut();
        if params.len() != values.len() {
            return Err(Error::Invalid {
                op: "set_parameters",
                reason: format!(
                    "the model has {} parameters, {} values were given",
                    params.len(),
                    values.len()
                ),
            });
        }
        if let Some((p, v)) = params
            .iter()
            .zip(values)
            .find(|(p, v)| p.shape() != v.shape())
        {
            return Err(Error::ShapeMismatch {
                op: "set_parameters",
                shapes: vec![p.shape().to_vec(), v.shape().to_vec()],
                reason: format!(
                    "parameter '{}' cannot take a value of another shape",
                    p.name()
                ),
            });
        }
        for (p, v) in params.iter_mut().zip(values) {
            p.set(v.clone())?;
        }
        Ok(())
    }

    /// The parameters' current values, in [`Module::parameters`] order.
    fn parameter_values(&self) -> Vec<Tensor<T>> {
        self.parameters()
            .iter()
            .map(|p| p.value().clone())
            .collect()
    }

    /// The output for a plain tensor, computed on a throwaway tape with recording off
    /// (inference: nothing is kept for a backward pass).
    ///
    /// # Errors
    /// As [`Module::forward`].
    fn predict(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let tape = Tape::new();
        let _guard = tape.no_grad();
        Ok(self.forward(&tape.constant(x.clone()))?.value().clone())
    }
}

/// `a::b::Name<c::T>` -> `Name`.
fn short_type_name(full: &str) -> String {
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Scale(Param<f64>);

    impl Module<f64> for Scale {
        fn forward(&self, x: &Var<f64>) -> Result<Var<f64>> {
            x.mul(&self.0.var(x.tape()))
        }
        fn parameters(&self) -> Vec<&Param<f64>> {
            vec![&self.0]
        }
        fn parameters_mut(&mut self) -> Vec<&mut Param<f64>> {
            vec![&mut self.0]
        }
    }

    fn scale() -> Scale {
        Scale(Param::new(
            "s",
            Tensor::from_vec(vec![2.0, 3.0], &[2]).unwrap(),
        ))
    }

    #[test]
    fn the_provided_methods_work_from_forward_and_parameters_alone() {
        let mut m = scale();
        assert_eq!(m.describe(), "Scale");
        assert_eq!(m.num_parameters(), 2);
        assert_eq!(m.named_parameters()[0].0, "s");
        let x = Tensor::from_vec(vec![1.0, 1.0], &[2]).unwrap();
        assert_eq!(m.predict(&x).unwrap().to_vec(), vec![2.0, 3.0]);
        m.set_parameters(&[Tensor::from_vec(vec![5.0, 7.0], &[2]).unwrap()])
            .unwrap();
        assert_eq!(m.parameter_values()[0].to_vec(), vec![5.0, 7.0]);
    }

    #[test]
    fn set_parameters_checks_everything_before_changing_anything() {
        let mut m = scale();
        assert!(m.set_parameters(&[]).is_err());
        let e = m
            .set_parameters(&[Tensor::zeros(&[3]).unwrap()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("'s'") && e.contains("[3]"), "{e}");
        assert_eq!(m.parameter_values()[0].to_vec(), vec![2.0, 3.0]);
    }
}
