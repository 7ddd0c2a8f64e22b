//! Optimizers: [`Sgd`] (with momentum, Nesterov, weight decay) and [`Adam`], PyTorch's formulas.
//!
//! An optimizer reads each parameter's gradient from a [`Gradients`] store by the parameter's
//! id and updates the parameter in place; its own state (velocities, moments) is keyed by the
//! same ids, so one optimizer serves one model for its whole training.
//!
//! Every optimizer checks, by default, that the gradients it applies are finite. If one holds a
//! NaN or an infinity, `step` returns [`Error::NonFinite`] naming the parameter by its path in
//! the model (`1.weight`) and changes nothing: no parameter and no optimizer state. (PyTorch's
//! `GradScaler` skips such steps silently; plain PyTorch optimizers apply them and the model
//! becomes NaN.) `.check_finite(false)` on an optimizer turns the check off, for PyTorch's
//! plain behaviour.

mod adam;
mod sgd;
mod state;

pub use adam::Adam;
pub use sgd::Sgd;
pub use state::{OptimizerState, ParamState, Stateful};

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
    /// [`Error::ShapeMismatch`] if a gradient's shape differs from its parameter's;
    /// [`Error::NonFinite`] (with `pass` `"step"`) naming the parameter if a gradient holds a NaN
    /// or an infinity, unless the optimizer's `check_finite` is off. On any error nothing has
    /// changed: no parameter, no optimizer state.
    fn step_params(&mut self, params: Vec<&mut Param<T>>, grads: &Gradients<T>) -> Result<()>;

    /// The learning rate the next step uses.
    fn lr(&self) -> f64;

    /// Changes the learning rate for the following steps, keeping all other state (momentum,
    /// moments): what a learning-rate schedule ([`crate::train::LrSchedule`]) calls.
    fn set_lr(&mut self, lr: f64);

    /// [`Optimizer::step_params`] on all of `model`'s parameters. A non-finite gradient's error
    /// names the parameter by its path in the model ([`Module::named_parameters`], e.g.
    /// `1.weight`).
    ///
    /// # Errors
    /// As [`Optimizer::step_params`].
    ///
    /// ```
    /// use autograd::Tape;
    /// use nn::optim::{Optimizer, Sgd};
    /// use nn::{Linear, Module, ReLU, loss::mse, sequential};
    /// use tensor::{NumpyRng, Tensor};
    ///
    /// let mut rng = NumpyRng::new(0);
    /// let mut model = sequential![Linear::<f64>::new(2, 2, &mut rng)?, ReLU, Linear::new(2, 1, &mut rng)?];
    /// let before = model.parameter_values();
    /// let x = Tensor::from_vec(vec![f64::NAN, 1.0], &[1, 2])?; // one NaN in the data
    /// let tape = Tape::new();
    /// let loss = mse(&model.forward(&tape.constant(x))?, &Tensor::zeros(&[1, 1])?)?;
    /// let e = Sgd::new(0.1).step(&mut model, &loss.backward()?).unwrap_err();
    /// // The NaN reaches every gradient; the first parameter in the model's order is named.
    /// assert!(e.to_string().contains("parameter '0.weight'"), "{e}");
    /// assert!(model.parameter_values().iter().zip(&before).all(|(a, b)| a.bitwise_eq(b)));
    /// # Ok::<(), tensor::Error>(())
    /// ```
    fn step<M: Module<T> + ?Sized>(&mut self, model: &mut M, grads: &Gradients<T>) -> Result<()>
    where
        Self: Sized,
    {
        let result = self.step_params(model.parameters_mut(), grads);
        name_by_path(result, &*model, grads)
    }
}

/// `result`, with a refused step's parameter named by its path in `model` rather than by its
/// own short name (`step_params` only sees the parameters, not where they sit). The check in
/// [`with_grads`] stops at the first non-finite gradient in parameter order; this finds the same
/// one, and only on that error path, so a normal step formats no names.
fn name_by_path<T: Float, M: Module<T> + ?Sized>(
    result: Result<()>,
    model: &M,
    grads: &Gradients<T>,
) -> Result<()> {
    match result {
        Err(Error::NonFinite {
            op,
            pass,
            node,
            location,
            cause,
        }) if pass == "step" => {
            let path = model
                .named_parameters()
                .into_iter()
                .find(|(_, p)| grads.param(p.id()).is_some_and(|g| !all_finite(g)))
                .map_or(location, |(name, _)| name);
            Err(Error::NonFinite {
                op,
                pass,
                node,
                location: path,
                cause,
            })
        }
        other => other,
    }
}

/// `true` if no element is NaN or infinite. A fold of `&`, which LLVM vectorises (`all` and
/// `position` stop early, so they run one element at a time).
fn all_finite<T: Float>(t: &Tensor<T>) -> bool {
    let finite = |s: &[T]| s.iter().fold(true, |ok, x| ok & x.is_finite());
    match t.as_slice() {
        Some(s) => finite(s),
        None => finite(&t.to_vec()),
    }
}

/// Each parameter that has a gradient, with the gradient (contiguous: a view is copied, a
/// contiguous gradient is shared with the store, not copied), after the
/// checks described in [`Optimizer::step_params`] (the finiteness one when `check_finite`).
/// Every gradient is collected and checked before the caller updates anything, so an error
/// leaves the parameters and the optimizer's state as they were.
pub(crate) fn with_grads<'p, T: Float>(
    op: &'static str,
    params: Vec<&'p mut Param<T>>,
    grads: &Gradients<T>,
    check_finite: bool,
) -> Result<Vec<(&'p mut Param<T>, Tensor<T>)>> {
    // Duplicates found by sorting the ids: O(P log P) and one allocation (a `HashSet` hashed
    // each id and allocated its table, a visible part of a small model's step).
    let mut ids: Vec<_> = params.iter().map(|p| p.id()).collect();
    ids.sort_unstable();
    if let Some(dup) = ids.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
        && let Some(p) = params.iter().find(|p| p.id() == dup)
    {
        return Err(Error::Invalid {
            op,
            reason: format!("parameter '{}' ({}) is listed twice", p.name(), p.id()),
        });
    }
    let mut out = Vec::with_capacity(params.len());
    let total = params.len();
    for p in params {
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
        let g = g.contiguous();
        let elems = g.as_slice().expect("invariant: contiguous");
        // Searched and counted only when the check fails.
        let count = || elems.iter().filter(|x| !x.is_finite()).count();
        if check_finite && !all_finite(&g) {
            let bad = elems
                .iter()
                .position(|x| !x.is_finite())
                .expect("invariant: the fold found one");
            return Err(Error::NonFinite {
                op: op.to_string(),
                pass: "step".into(),
                node: None,
                location: p.name().to_string(),
                cause: format!(
                    "{} of its {} elements (shape {:?}) are not finite, the first at flat \
                     index {bad}: {}; find where it arose with tape.set_anomaly_detection(true), \
                     or apply such steps anyway with .check_finite(false)",
                    count(),
                    g.len(),
                    p.shape(),
                    elems[bad]
                ),
            });
        }
        out.push((p, g));
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
