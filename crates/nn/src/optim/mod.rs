//! Optimizers: [`Sgd`] (with momentum, Nesterov, weight decay) and [`Adam`], PyTorch's formulas.
//!
//! An optimizer reads each parameter's gradient from a [`Gradients`] store by the parameter's
//! id and updates the parameter in place; its own state (velocities, moments) is keyed by the
//! same ids, so one optimizer serves one model for its whole training.

mod adam;
mod sgd;
mod state;

pub use adam::Adam;
pub use sgd::Sgd;
pub use state::{OptimizerState, ParamState, Stateful};

use std::collections::HashSet;

use autograd::Gradients;
use tensor::{Error, Float, Result, Tensor};

use crate::module::Module;
use crate::param::Param;

/// Updates parameters from a gradient store.
///
/// ```
/// use autograd::Tape;
/// use nn::optim::{Optimizer, Sgd};
/// use nn::{Linear, Module, loss::mse};
/// use tensor::Tensor;
///
/// let mut model = Linear::from_tensors(Tensor::<f64>::ones(&[1, 1])?, Tensor::zeros(&[1])?)?;
/// let mut opt = Sgd::new(0.1);
/// let (x, y) = (Tensor::ones(&[1, 1])?, Tensor::zeros(&[1, 1])?);
/// let tape = Tape::new();
/// let loss = mse(&model.forward(&tape.constant(x))?, &y)?; // (w + b)^2 = 1
/// let grads = loss.backward()?; // d/dw = d/db = 2 (w + b) = 2
/// opt.step(&mut model, &grads)?;
/// assert_eq!(model.weight().value().to_vec(), vec![0.8]); // 1 - 0.1 * 2
/// # Ok::<(), tensor::Error>(())
/// ```
pub trait Optimizer<T: Float = f32> {
    /// Updates each parameter that has a gradient in `grads`. Parameters without one (not used
    /// by the loss) are left alone, as PyTorch skips parameters whose `.grad` is `None`.
    ///
    /// # Errors
    /// [`Error::Invalid`] if no parameter has a gradient (a store from another model or tape),
    /// if a parameter appears twice, or for invalid hyper-parameters;
    /// [`Error::ShapeMismatch`] if a gradient's shape differs from its parameter's.
    fn step_params(&mut self, params: Vec<&mut Param<T>>, grads: &Gradients<T>) -> Result<()>;

    /// The learning rate the next step uses.
    fn lr(&self) -> f64;

    /// Changes the learning rate for the following steps, keeping all other state (momentum,
    /// moments): what a learning-rate schedule ([`crate::train::LrSchedule`]) calls.
    fn set_lr(&mut self, lr: f64);

    /// [`Optimizer::step_params`] on all of `model`'s parameters.
    ///
    /// # Errors
    /// As [`Optimizer::step_params`].
    fn step<M: Module<T> + ?Sized>(&mut self, model: &mut M, grads: &Gradients<T>) -> Result<()>
    where
        Self: Sized,
    {
        self.step_params(model.parameters_mut(), grads)
    }
}

/// Each parameter that has a gradient, with the gradient's elements (row-major), after the
/// checks described in [`Optimizer::step_params`].
pub(crate) fn with_grads<'p, T: Float>(
    op: &'static str,
    params: Vec<&'p mut Param<T>>,
    grads: &Gradients<T>,
) -> Result<Vec<(&'p mut Param<T>, Vec<T>)>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let total = params.len();
    for p in params {
        if !seen.insert(p.id()) {
            return Err(Error::Invalid {
                op,
                reason: format!("parameter '{}' ({}) is listed twice", p.name(), p.id()),
            });
        }
        let Some(g) = grads.param(p.id()) else {
            continue;
        };
        if g.shape() != p.shape() {
            return Err(Error::ShapeMismatch {
                op,
                shapes: vec![p.shape().to_vec(), g.shape().to_vec()],
                reason: format!("the gradient of '{}' has another shape", p.name()),
            });
        }
        out.push((p, g.to_vec()));
    }
    if out.is_empty() && total > 0 {
        return Err(Error::Invalid {
            op,
            reason: format!(
                "none of the {total} parameters has a gradient in this store: was the loss \
                 computed from this model's forward pass?"
            ),
        });
    }
    Ok(out)
}

/// `Err` unless `value` is finite and at least `min`.
pub(crate) fn check_hyper(op: &'static str, name: &str, value: f64, min: f64) -> Result<()> {
    if value.is_finite() && value >= min {
        Ok(())
    } else {
        Err(Error::Invalid {
            op,
            reason: format!("{name} must be a finite number >= {min}, got {value}"),
        })
    }
}

/// A state tensor of zeros shaped like `p`.
pub(crate) fn zeros_like<T: Float>(p: &Param<T>) -> Tensor<T> {
    Tensor::zeros_like(p.value())
}
