//! A training loop you do not have to write: [`Trainer`] runs epochs of shuffled minibatches
//! through any [`Module`], [`Optimizer`] and loss, records train and validation metrics per
//! epoch in a [`History`], shows progress ([`Progress`]), follows a learning-rate schedule
//! ([`StepLR`], [`ExponentialLR`], [`CosineAnnealingLR`]), can clip gradients
//! ([`Trainer::clip_grad_norm`], [`Trainer::clip_grad_value`]) and lets a callback stop early
//! or change the learning rate ([`Control`]).
//!
//! ```
//! use nn::prelude::*;
//! use nn::metrics::accuracy;
//! use nn::train::{Control, Progress, Trainer};
//! use tensor::{NumpyRng, Tensor};
//!
//! // Two classes: is x0 + x1 above 1?
//! let mut rng = NumpyRng::new(0);
//! let x = rng.uniform_tensor::<f64>(&[200, 2], 0.0, 1.0)?;
//! let labels: Vec<usize> = (0..200)
//!     .map(|i| usize::from(x.get(&[i, 0]).unwrap() + x.get(&[i, 1]).unwrap() > 1.0))
//!     .collect();
//! let y = nn::data::one_hot(&labels, 2)?;
//! let mut model = sequential![Linear::<f64>::new(2, 16, &mut rng)?, ReLU, Linear::new(16, 2, &mut rng)?];
//! let history = Trainer::new(50, 20)
//!     .seed(1)
//!     .metric("accuracy", accuracy)
//!     .progress(Progress::Quiet)
//!     .on_epoch_end(|record, _| {
//!         // Early stopping: enough once the training accuracy reaches 97%.
//!         if record.train_metric("accuracy") >= Some(0.97) { Control::Stop } else { Control::Continue }
//!     })
//!     .fit(&mut model, &mut Adam::new(0.05), cross_entropy_with_logits, &x, &y)?;
//! assert!(history.len() < 50, "stopped early");
//! assert!(history.series("accuracy").last().unwrap() >= &0.97);
//! # Ok::<(), tensor::Error>(())
//! ```

mod history;
mod progress;
mod schedule;
mod split;

pub use history::{Control, EpochRecord, History};
pub use progress::Progress;
pub use schedule::{CosineAnnealingLR, ExponentialLR, LrSchedule, StepLR};
pub use split::{SplitIndices, stratified_split};

use std::time::Instant;

use autograd::{Tape, Var};
use tensor::{Error, Float, NumpyRng, Result, Tensor};

use crate::module::Module;
use crate::optim::Optimizer;
use progress::Reporter;

/// A metric of a batch's outputs and targets, such as [`crate::metrics::accuracy`].
pub type Metric<'a, T> = Box<dyn Fn(&Tensor<T>, &Tensor<T>) -> Result<f64> + 'a>;

/// Called after each epoch with its record and the history so far (the record included).
pub type Callback<'a> = Box<dyn FnMut(&EpochRecord, &History) -> Control + 'a>;

/// The settings of a training run; [`Trainer::fit`] runs it. Built as
/// `Trainer::new(epochs, batch_size)` followed by the options wanted.
pub struct Trainer<'a, T: Float = f32> {
    epochs: usize,
    batch_size: usize,
    seed: u32,
    shuffle: bool,
    metrics: Vec<(String, Metric<'a, T>)>,
    validation: Option<(Tensor<T>, Tensor<T>)>,
    schedule: Option<Box<dyn LrSchedule + 'a>>,
    callback: Option<Callback<'a>>,
    progress: Progress<'a>,
    clip: Clip,
}

/// Gradient clipping before each step, as PyTorch's `clip_grad_norm_` / `clip_grad_value_`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Clip {
    None,
    Norm(f64),
    Value(f64),
}

impl<T: Float> std::fmt::Debug for Trainer<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer")
            .field("epochs", &self.epochs)
            .field("batch_size", &self.batch_size)
            .field("seed", &self.seed)
            .field("shuffle", &self.shuffle)
            .field(
                "metrics",
                &self.metrics.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("validation", &self.validation.is_some())
            .field("progress", &self.progress)
            .field("clip", &self.clip)
            .finish_non_exhaustive()
    }
}

impl<'a, T: Float> Trainer<'a, T> {
    /// `epochs` passes over the training data in minibatches of `batch_size` rows (the last
    /// one smaller when `batch_size` does not divide the row count), shuffled each epoch from
    /// seed 0, with progress shown as [`Progress::Auto`] decides.
    pub fn new(epochs: usize, batch_size: usize) -> Trainer<'a, T> {
        Trainer {
            epochs,
            batch_size,
            seed: 0,
            shuffle: true,
            metrics: Vec::new(),
            validation: None,
            schedule: None,
            callback: None,
            progress: Progress::Auto,
            clip: Clip::None,
        }
    }

    /// The seed of the shuffling: epoch `e`'s order is the `e`-th
    /// `np.random.permutation(n)` after `np.random.seed(seed)`.
    pub fn seed(mut self, seed: u32) -> Self {
        self.seed = seed;
        self
    }

    /// Whether to shuffle each epoch (on by default); off, the batches are the rows in order.
    pub fn shuffle(mut self, on: bool) -> Self {
        self.shuffle = on;
        self
    }

    /// Records `metric(outputs, targets)` under `name` each epoch, on the training batches
    /// and on the validation data.
    pub fn metric(
        mut self,
        name: impl Into<String>,
        metric: impl Fn(&Tensor<T>, &Tensor<T>) -> Result<f64> + 'a,
    ) -> Self {
        self.metrics.push((name.into(), Box::new(metric)));
        self
    }

    /// Data to evaluate the loss and metrics on after each epoch (never trained on).
    pub fn validation(mut self, x: &Tensor<T>, y: &Tensor<T>) -> Self {
        self.validation = Some((x.clone(), y.clone()));
        self
    }

    /// Sets the optimizer's learning rate before each epoch from `schedule`, starting from the
    /// rate the optimizer has when [`Trainer::fit`] begins.
    pub fn schedule(mut self, schedule: impl LrSchedule + 'a) -> Self {
        self.schedule = Some(Box::new(schedule));
        self
    }

    /// Calls `callback` after each epoch; what it returns can stop training or change the
    /// learning rate.
    pub fn on_epoch_end(
        mut self,
        callback: impl FnMut(&EpochRecord, &History) -> Control + 'a,
    ) -> Self {
        self.callback = Some(Box::new(callback));
        self
    }

    /// Clips the parameters' gradients to a global 2-norm of at most `max_norm` before each
    /// step ([`autograd::Gradients::clip_grad_norm`], PyTorch's
    /// `torch.nn.utils.clip_grad_norm_`). Replaces a [`Trainer::clip_grad_value`].
    pub fn clip_grad_norm(mut self, max_norm: f64) -> Self {
        self.clip = Clip::Norm(max_norm);
        self
    }

    /// Clamps every parameter gradient element to `[-clip_value, clip_value]` before each step
    /// ([`autograd::Gradients::clip_grad_value`], PyTorch's `clip_grad_value_`). Replaces a
    /// [`Trainer::clip_grad_norm`].
    pub fn clip_grad_value(mut self, clip_value: f64) -> Self {
        self.clip = Clip::Value(clip_value);
        self
    }

    /// How to show progress.
    pub fn progress(mut self, progress: Progress<'a>) -> Self {
        self.progress = progress;
        self
    }

    /// Trains `model` on rows `x` with targets `y` and returns the metrics of every epoch.
    /// Each minibatch: a fresh tape, `loss(model(x_batch), y_batch)`, backward,
    /// `opt.step`.
    ///
    /// # Errors
    /// [`Error::Invalid`] for no epochs, a zero batch size, no training rows or a learning
    /// rate a callback sets that is not finite and positive; [`Error::ShapeMismatch`] if `x`
    /// and `y` (or the validation pair) have different row counts; [`Error::NonFinite`] when
    /// the loss becomes NaN or infinite (training diverged: the error names the epoch and
    /// batch); [`Error::Io`] if progress lines cannot be written; and any error of the
    /// model, the loss, a metric or the optimizer. On error the model keeps the weights of
    /// the last completed step.
    pub fn fit<M, O, L>(
        self,
        model: &mut M,
        opt: &mut O,
        loss: L,
        x: &Tensor<T>,
        y: &Tensor<T>,
    ) -> Result<History>
    where
        M: Module<T> + ?Sized,
        O: Optimizer<T>,
        L: Fn(&Var<T>, &Tensor<T>) -> Result<Var<T>>,
    {
        let n = self.check(x, y)?;
        let Trainer {
            epochs,
            batch_size,
            seed,
            shuffle,
            metrics,
            validation,
            schedule,
            mut callback,
            progress,
            clip,
        } = self;
        let batches = n.div_ceil(batch_size);
        let mut reporter = Reporter::start(progress, epochs, batches);
        let mut rng = NumpyRng::new(seed);
        let mut base_lr = opt.lr();
        let mut history = History::default();
        let start = Instant::now();
        for epoch in 0..epochs {
            let lr = schedule.as_ref().map_or(base_lr, |s| s.lr(base_lr, epoch));
            opt.set_lr(lr);
            let order: Vec<usize> = if shuffle {
                rng.permutation(n)
            } else {
                (0..n).collect()
            };
            // Per metric (the loss first), the sum over batches of value * batch rows.
            let mut sums = vec![0.0; 1 + metrics.len()];
            let mut seen = 0;
            for (b, rows) in order.chunks(batch_size).enumerate() {
                let (xb, yb) = (x.index_select(0, rows)?, y.index_select(0, rows)?);
                let tape = Tape::new();
                let out = model.forward(&tape.constant(xb))?;
                let l = loss(&out, &yb)?;
                let lv = l.value().item()?.to_f64();
                if !lv.is_finite() {
                    return Err(Error::NonFinite {
                        op: "fit (the loss)".into(),
                        pass: "forward".into(),
                        node: None,
                        location: format!("epoch {epoch}, batch {b}"),
                        cause: "training diverged: a smaller learning rate or clip_grad_norm \
                                may help"
                            .into(),
                    });
                }
                let mut grads = l.backward()?;
                match clip {
                    Clip::None => {}
                    Clip::Norm(max_norm) => {
                        grads.clip_grad_norm(max_norm)?;
                    }
                    Clip::Value(v) => grads.clip_grad_value(v)?,
                }
                opt.step(model, &grads)?;
                let w = rows.len() as f64;
                sums[0] += lv * w;
                for (s, (_, m)) in sums[1..].iter_mut().zip(&metrics) {
                    *s += m(out.value(), &yb)? * w;
                }
                seen += rows.len();
                if let Reporter::Bar { .. } = reporter {
                    reporter.batch(epoch, b, &named(&metrics, &sums, seen as f64));
                }
            }
            let validation = match &validation {
                Some((xv, yv)) => evaluate_with(model, &loss, &metrics, xv, yv, batch_size)?,
                None => Vec::new(),
            };
            let record = EpochRecord {
                epoch,
                lr,
                train: named(&metrics, &sums, seen as f64),
                validation,
                elapsed: start.elapsed(),
            };
            reporter.epoch(&record)?;
            history.epochs.push(record);
            if let (Some(cb), Some(record)) = (callback.as_mut(), history.last()) {
                match cb(record, &history) {
                    Control::Continue => {}
                    Control::Stop => break,
                    Control::SetLr(new) if new.is_finite() && new > 0.0 => base_lr = new,
                    Control::SetLr(new) => {
                        return Err(Error::Invalid {
                            op: "fit",
                            reason: format!(
                                "the callback set the learning rate to {new}; it must be a \
                                 finite positive number"
                            ),
                        });
                    }
                }
            }
        }
        reporter.finish();
        Ok(history)
    }

    /// The loss and this trainer's metrics of `model` on `x`, `y` (in chunks of the batch size,
    /// nothing recorded for a backward pass): `[("loss", ..), (metric, ..), ...]`.
    ///
    /// # Errors
    /// As [`Trainer::fit`]'s checks of the data, and any error of the model, loss or metrics.
    pub fn evaluate<M, L>(
        &self,
        model: &M,
        loss: L,
        x: &Tensor<T>,
        y: &Tensor<T>,
    ) -> Result<Vec<(String, f64)>>
    where
        M: Module<T> + ?Sized,
        L: Fn(&Var<T>, &Tensor<T>) -> Result<Var<T>>,
    {
        self.check(x, y)?;
        evaluate_with(model, &loss, &self.metrics, x, y, self.batch_size)
    }

    /// The training row count, after checking the settings and the data.
    fn check(&self, x: &Tensor<T>, y: &Tensor<T>) -> Result<usize> {
        if self.epochs == 0 || self.batch_size == 0 {
            return Err(Error::Invalid {
                op: "fit",
                reason: format!(
                    "epochs and batch_size must be at least 1, got {} and {}",
                    self.epochs, self.batch_size
                ),
            });
        }
        let n = rows("fit", x, y)?;
        if let Some((xv, yv)) = &self.validation {
            rows("fit (validation data)", xv, yv)?;
        }
        Ok(n)
    }
}

/// The common, non-zero row count of `x` and `y`.
fn rows<T: Float>(op: &'static str, x: &Tensor<T>, y: &Tensor<T>) -> Result<usize> {
    match (x.shape().first(), y.shape().first()) {
        (Some(&a), Some(&b)) if a == b && a > 0 => Ok(a),
        (Some(&a), Some(&b)) if a == b => Err(Error::Invalid {
            op,
            reason: format!("no rows to train or evaluate on (shape {:?})", x.shape()),
        }),
        _ => Err(Error::ShapeMismatch {
            op,
            shapes: vec![x.shape().to_vec(), y.shape().to_vec()],
            reason: "inputs and targets must have the same number of rows".into(),
        }),
    }
}

/// `[("loss", sums[0] / count), (metric name, sums[i] / count), ...]`.
fn named<T: Float>(
    metrics: &[(String, Metric<'_, T>)],
    sums: &[f64],
    count: f64,
) -> Vec<(String, f64)> {
    std::iter::once("loss")
        .chain(metrics.iter().map(|(n, _)| n.as_str()))
        .zip(sums)
        .map(|(n, s)| (n.to_string(), s / count))
        .collect()
}

/// The loss and metrics over `x`, `y` in chunks of `chunk` rows, weighted by chunk size (the
/// whole set's value for means such as the losses and accuracy).
fn evaluate_with<T, M, L>(
    model: &M,
    loss: &L,
    metrics: &[(String, Metric<'_, T>)],
    x: &Tensor<T>,
    y: &Tensor<T>,
    chunk: usize,
) -> Result<Vec<(String, f64)>>
where
    T: Float,
    M: Module<T> + ?Sized,
    L: Fn(&Var<T>, &Tensor<T>) -> Result<Var<T>>,
{
    let n = rows("evaluate", x, y)?;
    let mut sums = vec![0.0; 1 + metrics.len()];
    let mut start = 0;
    while start < n {
        let len = chunk.min(n - start);
        let (xb, yb) = (x.narrow(0, start, len)?, y.narrow(0, start, len)?);
        let tape = Tape::new();
        let _no_grad = tape.no_grad();
        let out = model.forward(&tape.constant(xb))?;
        let w = len as f64;
        sums[0] += loss(&out, &yb)?.value().item()?.to_f64() * w;
        for (s, (_, m)) in sums[1..].iter_mut().zip(metrics) {
            *s += m(out.value(), &yb)? * w;
        }
        start += len;
    }
    Ok(named(metrics, &sums, n as f64))
}
