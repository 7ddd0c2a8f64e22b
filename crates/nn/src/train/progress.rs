//! How a training run shows its progress: a live bar on a terminal, one line per epoch
//! otherwise, or nothing.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tensor::{Error, Result};

use super::history::{EpochRecord, format_metric};

/// Where and how the [`Trainer`](super::Trainer) reports progress.
pub enum Progress<'a> {
    /// A live bar if standard output is a terminal, otherwise one line per epoch on it.
    Auto,
    /// A live bar on standard output (epoch, batch, running loss and metrics, elapsed and
    /// remaining time) with one line kept per finished epoch, drawn by `indicatif`.
    Bar,
    /// One line per epoch ([`EpochRecord`]'s `Display`) to this writer.
    Lines(Box<dyn Write + 'a>),
    /// Nothing.
    Quiet,
}

impl std::fmt::Debug for Progress<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Progress::Auto => "Auto",
            Progress::Bar => "Bar",
            Progress::Lines(_) => "Lines(..)",
            Progress::Quiet => "Quiet",
        })
    }
}

/// The running display of one `fit` call.
pub(crate) enum Reporter<'a> {
    Bar {
        bar: ProgressBar,
        epochs: usize,
        batches: usize,
    },
    Lines(Box<dyn Write + 'a>),
    Quiet,
}

impl<'a> Reporter<'a> {
    /// Starts the display of `epochs` epochs of `batches` minibatches.
    pub(crate) fn start(progress: Progress<'a>, epochs: usize, batches: usize) -> Reporter<'a> {
        let progress = match progress {
            Progress::Auto if std::io::stdout().is_terminal() => Progress::Bar,
            Progress::Auto => Progress::Lines(Box::new(std::io::stdout())),
            p => p,
        };
        match progress {
            Progress::Bar => {
                let total = (epochs as u64).saturating_mul(batches as u64);
                let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stdout());
                let style =
                    ProgressStyle::with_template("{elapsed_precise} [{bar:20}] eta {eta} | {msg}")
                        .map(|s| s.progress_chars("=> "))
                        .unwrap_or_else(|_| ProgressStyle::default_bar());
                bar.set_style(style);
                Reporter::Bar {
                    bar,
                    epochs,
                    batches,
                }
            }
            Progress::Lines(w) => Reporter::Lines(w),
            Progress::Auto | Progress::Quiet => Reporter::Quiet,
        }
    }

    /// After minibatch `batch` (0-based) of `epoch`, with the epoch's running metrics.
    pub(crate) fn batch(&mut self, epoch: usize, batch: usize, running: &[(String, f64)]) {
        if let Reporter::Bar {
            bar,
            epochs,
            batches,
        } = self
        {
            let mut msg = format!(
                "epoch {}/{epochs}, batch {}/{batches}",
                epoch + 1,
                batch + 1
            );
            for (name, v) in running {
                msg.push_str(&format!(" | {name} {}", format_metric(name, *v)));
            }
            bar.set_message(msg);
            bar.inc(1);
        }
    }

    /// After an epoch: its line.
    ///
    /// # Errors
    /// [`Error::Io`] if the line cannot be written.
    pub(crate) fn epoch(&mut self, record: &EpochRecord) -> Result<()> {
        match self {
            Reporter::Bar { bar, .. } => bar.println(record.to_string()),
            Reporter::Lines(w) => writeln!(w, "{record}")
                .and_then(|()| w.flush())
                .map_err(|e| Error::Io(format!("fit: cannot write the epoch's progress: {e}")))?,
            Reporter::Quiet => {}
        }
        Ok(())
    }

    /// Training ended (finished, stopped early, or failed): the bar goes, the lines stay.
    pub(crate) fn finish(&mut self) {
        if let Reporter::Bar { bar, .. } = self {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Reporter<'_> {
    fn drop(&mut self) {
        self.finish();
    }
}
