//! What a training run records: one [`EpochRecord`] per epoch, collected in a [`History`].

use std::fmt;
use std::time::Duration;

/// The metrics of one epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochRecord {
    /// The epoch, 0 for the first.
    pub epoch: usize,
    /// The learning rate used in this epoch.
    pub lr: f64,
    /// Training metrics: `("loss", ..)` first, then the trainer's metrics, each the mean over
    /// the epoch's minibatches weighted by their sizes, measured as the weights changed (as
    /// Keras reports them).
    pub train: Vec<(String, f64)>,
    /// The same metrics on the validation data after the epoch, with the weights it ended
    /// with; empty without validation data.
    pub validation: Vec<(String, f64)>,
    /// Time since training started, at the end of this epoch.
    pub elapsed: Duration,
}

impl EpochRecord {
    /// A training metric by name (`"loss"` or a metric given to the trainer).
    pub fn train_metric(&self, name: &str) -> Option<f64> {
        find(&self.train, name)
    }

    /// A validation metric by name.
    pub fn validation_metric(&self, name: &str) -> Option<f64> {
        find(&self.validation, name)
    }

    /// The training loss.
    pub fn loss(&self) -> f64 {
        self.train_metric("loss").unwrap_or(f64::NAN)
    }
}

fn find(metrics: &[(String, f64)], name: &str) -> Option<f64> {
    metrics.iter().find(|(n, _)| n == name).map(|&(_, v)| v)
}

/// One line per epoch, as the trainer prints it when the output is not a terminal:
/// `Epoch   3/20 | loss 0.1234 | accuracy 96.52% | val_loss 0.1500 | val_accuracy 95.83% | lr 1.0e-3 | 0.4s`.
/// Metrics whose name contains `accuracy` are shown as percentages.
impl fmt::Display for EpochRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Epoch {:3}", self.epoch + 1)?;
        for (prefix, metrics) in [("", &self.train), ("val_", &self.validation)] {
            for (name, v) in metrics {
                write!(f, " | {prefix}{name} {}", format_metric(name, *v))?;
            }
        }
        write!(
            f,
            " | lr {:.1e} | {:.1}s",
            self.lr,
            self.elapsed.as_secs_f64()
        )
    }
}

/// `96.52%` for an accuracy, `0.1234` otherwise.
pub(crate) fn format_metric(name: &str, v: f64) -> String {
    if name.contains("accuracy") {
        format!("{:.2}%", 100.0 * v)
    } else {
        format!("{v:.4}")
    }
}

/// Every epoch's metrics, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// One record per epoch trained.
    pub epochs: Vec<EpochRecord>,
}

impl History {
    /// A metric over the epochs, by the names Keras' `history.history` uses: `"loss"` and the
    /// trainer's metric names for training, `"val_loss"`, `"val_accuracy"`, ... for
    /// validation, and `"lr"`. Empty for an unknown name.
    pub fn series(&self, name: &str) -> Vec<f64> {
        self.epochs
            .iter()
            .filter_map(|r| match name.strip_prefix("val_") {
                _ if name == "lr" => Some(r.lr),
                Some(base) => r.validation_metric(base),
                None => r.train_metric(name),
            })
            .collect()
    }

    /// The last epoch's record.
    pub fn last(&self) -> Option<&EpochRecord> {
        self.epochs.last()
    }

    /// How many epochs were trained.
    pub fn len(&self) -> usize {
        self.epochs.len()
    }

    /// `true` before the first epoch.
    pub fn is_empty(&self) -> bool {
        self.epochs.is_empty()
    }
}

/// What a callback tells the trainer after an epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Control {
    /// Go on.
    Continue,
    /// Stop after this epoch (early stopping).
    Stop,
    /// Go on with this learning rate as the base rate (the rate itself without a schedule,
    /// the rate a schedule scales from with one).
    SetLr(f64),
}
