//! What the lesson examples share: their command-line flags, the JSON trace they can write,
//! and the running comparison of autograd's gradients with the lesson's manual ones.

#![allow(dead_code)] // each example uses its own subset

pub mod plot;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use autograd::Gradients;
use nn::Module;
use serde_json::{Map, Value, json};
use tensor::Tensor;

/// A two-layer network's parameters in the lesson's layout: `W1 [in, h]`, `b1 [1, h]`,
/// `W2 [h, out]`, `b2 [1, out]` (also used for their gradients `dW1, db1, dW2, db2`).
#[derive(Clone, Debug)]
pub struct Weights {
    /// First-layer weights.
    pub w1: Tensor<f64>,
    /// First-layer bias.
    pub b1: Tensor<f64>,
    /// Second-layer weights.
    pub w2: Tensor<f64>,
    /// Second-layer bias.
    pub b2: Tensor<f64>,
}

impl Weights {
    /// A two-layer model's parameters `[W1, b1, W2, b2]`.
    pub fn of(model: &impl Module<f64>) -> tensor::Result<Weights> {
        Weights::from_four("parameters", model.parameter_values())
    }

    /// The gradients of a two-layer model's parameters in `grads`.
    pub fn grads_of(model: &impl Module<f64>, grads: &Gradients<f64>) -> tensor::Result<Weights> {
        let g = model
            .parameters()
            .iter()
            .map(|p| {
                grads
                    .param(p.id())
                    .cloned()
                    .ok_or_else(|| tensor::Error::Invalid {
                        op: "grads_of",
                        reason: format!("no gradient for parameter {}", p.name()),
                    })
            })
            .collect::<tensor::Result<Vec<_>>>()?;
        Weights::from_four("gradients", g)
    }

    fn from_four(what: &str, v: Vec<Tensor<f64>>) -> tensor::Result<Weights> {
        match <[Tensor<f64>; 4]>::try_from(v) {
            Ok([w1, b1, w2, b2]) => Ok(Weights { w1, b1, w2, b2 }),
            Err(v) => Err(tensor::Error::Invalid {
                op: "Weights",
                reason: format!("a two-layer model has 4 {what}, got {}", v.len()),
            }),
        }
    }

    /// The lesson's names for the four tensors, with the tensors.
    pub fn named(&self) -> [(&'static str, &Tensor<f64>); 4] {
        [
            ("W1", &self.w1),
            ("b1", &self.b1),
            ("W2", &self.w2),
            ("b2", &self.b2),
        ]
    }
}

/// The lesson's hyper-parameters, as set by the defaults and the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// `np.random.seed(seed)`.
    pub seed: u32,
    /// The learning rate.
    pub lr: f64,
    /// Full-batch training epochs.
    pub epochs: usize,
    /// Hidden units.
    pub hidden: usize,
    /// Where to write the JSON trace, if anywhere.
    pub trace: Option<PathBuf>,
    /// The epochs whose gradients the trace records.
    pub grad_epochs: Vec<usize>,
    /// Where to write the plots (SVG), if anywhere.
    pub plot: Option<PathBuf>,
}

impl Config {
    /// The lesson's settings: seed 42 and the given hyper-parameters.
    pub fn lesson(lr: f64, epochs: usize, hidden: usize) -> Config {
        Config {
            seed: 42,
            lr,
            epochs,
            hidden,
            trace: None,
            grad_epochs: grad_epochs(epochs),
            plot: None,
        }
    }

    /// The defaults overridden by `--seed N --lr X --epochs N --hidden N --trace FILE --plot DIR`
    /// (also `--flag=value`). `Ok(None)` means `--help` was asked for.
    pub fn from_args(
        program: &str,
        defaults: Config,
        args: impl IntoIterator<Item = String>,
    ) -> Result<Option<Config>, String> {
        let mut c = defaults;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "-h" || arg == "--help" {
                return Ok(None);
            }
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) => (f.to_string(), Some(v.to_string())),
                None => (arg.clone(), None),
            };
            if !FLAGS.contains(&flag.as_str()) {
                return Err(format!(
                    "{program}: unknown argument '{arg}'\n{}",
                    usage(program)
                ));
            }
            let value = match inline.or_else(|| args.next()) {
                Some(v) => v,
                None => {
                    return Err(format!(
                        "{program}: {flag} needs a value\n{}",
                        usage(program)
                    ));
                }
            };
            let bad = |what: &str| format!("{program}: {flag} expects {what}, got '{value}'");
            match flag.as_str() {
                "--seed" => c.seed = value.parse().map_err(|_| bad("an integer in 0..2^32"))?,
                "--lr" => {
                    c.lr = value
                        .parse()
                        .ok()
                        .filter(|lr: &f64| lr.is_finite() && *lr > 0.0)
                        .ok_or_else(|| bad("a positive number"))?;
                }
                "--epochs" => {
                    c.epochs = parse_positive(&value).ok_or_else(|| bad("a positive integer"))?;
                    c.grad_epochs = grad_epochs(c.epochs);
                }
                "--hidden" => {
                    c.hidden = parse_positive(&value).ok_or_else(|| bad("a positive integer"))?;
                }
                "--plot" => c.plot = Some(PathBuf::from(value)),
                _ => c.trace = Some(PathBuf::from(value)),
            }
        }
        Ok(Some(c))
    }
}

const FLAGS: [&str; 6] = [
    "--seed", "--lr", "--epochs", "--hidden", "--trace", "--plot",
];

fn parse_positive(s: &str) -> Option<usize> {
    s.parse().ok().filter(|&n| n > 0)
}

/// The flags, for `--help` and error messages.
pub fn usage(program: &str) -> String {
    format!(
        "usage: cargo run --release --example {program} -- [--seed N] [--lr X] [--epochs N] \
         [--hidden N] [--trace FILE] [--plot DIR]"
    )
}

/// The epochs whose gradients a trace records: 0, 1, 2, 10, 100, the middle and the last.
pub fn grad_epochs(epochs: usize) -> Vec<usize> {
    let set: BTreeSet<usize> = [0, 1, 2, 10, 100, epochs / 2, epochs.saturating_sub(1)]
        .into_iter()
        .filter(|&e| e < epochs)
        .collect();
    set.into_iter().collect()
}

/// Named f64 arrays and a `meta` object, written in the schema of the NumPy reference traces:
/// `{"meta": {...}, "arrays": {"name": {"shape": [..], "data": [row-major]}}}`.
#[derive(Clone, Debug)]
pub struct Trace {
    /// The run's settings.
    pub meta: Value,
    arrays: Vec<(String, Tensor<f64>)>,
}

impl Trace {
    /// A trace of `program` run with `config`.
    pub fn new(program: &str, config: &Config) -> Trace {
        Trace {
            meta: json!({
                "program": program,
                "seed": config.seed,
                "lr": config.lr,
                "epochs": config.epochs,
                "hidden": config.hidden,
                "grad_epochs": config.grad_epochs,
            }),
            arrays: Vec::new(),
        }
    }

    /// Records `t` under `name` (replacing an earlier array of that name).
    pub fn put(&mut self, name: impl Into<String>, t: &Tensor<f64>) {
        let name = name.into();
        self.arrays.retain(|(n, _)| *n != name);
        self.arrays.push((name, t.clone()));
    }

    /// Records a list of numbers as a 1-D array.
    pub fn put_values(&mut self, name: &str, v: &[f64]) {
        let t = Tensor::from_slice(v, &[v.len()]).expect("invariant: length matches shape");
        self.put(name, &t);
    }

    /// Records the gradients of `epoch` as `dW1@epoch`, `db1@epoch`, ...
    pub fn put_grads(&mut self, epoch: usize, g: &Weights) {
        for (name, t) in g.named() {
            self.put(format!("d{name}@{epoch}"), t);
        }
    }

    /// Records the final weights as `W1`, `b1`, `W2`, `b2`.
    pub fn put_weights(&mut self, w: &Weights) {
        for (name, t) in w.named() {
            self.put(name, t);
        }
    }

    /// The array recorded under `name`.
    pub fn get(&self, name: &str) -> Option<&Tensor<f64>> {
        self.arrays.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }

    /// The names recorded, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.arrays.iter().map(|(n, _)| n.as_str())
    }

    /// The JSON text (floats as shortest round-trip decimals; a NaN or infinity, which JSON
    /// cannot hold, becomes `null`).
    pub fn to_json(&self) -> String {
        let arrays: Map<String, Value> = self
            .arrays
            .iter()
            .map(|(n, t)| (n.clone(), json!({"shape": t.shape(), "data": t.to_vec()})))
            .collect();
        let mut s = json!({"meta": self.meta, "arrays": arrays}).to_string();
        s.push('\n');
        s
    }

    /// Writes the JSON to `path`.
    pub fn write(&self, path: &std::path::Path) -> Result<(), String> {
        std::fs::write(path, self.to_json())
            .map_err(|e| format!("cannot write the trace to {}: {e}", path.display()))
    }
}

/// The largest `|autograd - manual|` seen so far, and where.
#[derive(Clone, Debug, Default)]
pub struct GradCheck {
    /// The largest difference.
    pub max_diff: f64,
    /// The parameter and epoch where it occurred.
    pub worst: Option<(String, usize)>,
    /// How many epochs were compared.
    pub epochs: usize,
}

/// Differences above this fail the check: both sides compute the same f64 maths in a different
/// order, so they may differ by rounding (~1e-17 here) but not by any real amount.
pub const TOLERANCE: f64 = 1e-12;

impl GradCheck {
    /// Compares the four gradients of one epoch.
    pub fn compare_all(
        &mut self,
        epoch: usize,
        autograd: &Weights,
        manual: &Weights,
    ) -> tensor::Result<()> {
        for ((name, a), (_, m)) in autograd.named().into_iter().zip(manual.named()) {
            self.compare(&format!("d{name}"), epoch, a, m)?;
        }
        self.epochs += 1;
        Ok(())
    }

    /// Compares one parameter's gradients at `epoch`.
    pub fn compare(
        &mut self,
        name: &str,
        epoch: usize,
        autograd: &Tensor<f64>,
        manual: &Tensor<f64>,
    ) -> tensor::Result<()> {
        let d = autograd.max_abs_diff(manual)?;
        // A NaN difference is the worst there is and stays so.
        let worse = (d.is_nan() && !self.max_diff.is_nan()) || d > self.max_diff;
        if worse || self.worst.is_none() {
            self.max_diff = d;
            self.worst = Some((name.to_string(), epoch));
        }
        Ok(())
    }

    /// `true` if every difference was finite and within [`TOLERANCE`].
    pub fn passed(&self) -> bool {
        self.max_diff <= TOLERANCE
    }

    /// One line saying what was compared and the verdict.
    pub fn summary(&self) -> String {
        let at = match &self.worst {
            Some((name, epoch)) => format!(" ({name}, epoch {epoch})"),
            None => String::new(),
        };
        format!(
            "Gradient check, autograd vs the lesson's manual backprop: largest |difference| over \
             dW1, db1, dW2, db2 and {} epochs = {:.3e}{at}; limit {TOLERANCE:e}: {}",
            self.epochs,
            self.max_diff,
            if self.passed() { "PASS" } else { "FAIL" }
        )
    }
}

/// Creates `dir` (and its parents) for the plots.
pub fn plot_dir(dir: &std::path::Path) -> Result<(), String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the plot directory {}: {e}", dir.display()))
}

/// NumPy's `f"{x:.2%}"`: the value times 100 with two decimals and a percent sign.
pub fn percent(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

/// What a lesson program reports back to [`main`]: its trace and whether its checks passed.
pub trait Outcome {
    /// The JSON trace of the lesson's run (written if `--trace` was given).
    fn trace(&self) -> &Trace;
    /// `true` if every gradient check passed.
    fn passed(&self) -> bool;
}

/// The `main` of `xor` and `sensors`: parse the flags (or print the usage), make sure the trace
/// file can be written before training rather than after, run, write the trace, and exit with
/// 2 for bad flags, 1 for a failed run or check, 0 otherwise.
pub fn main<R: Outcome, E: std::fmt::Display>(
    program: &str,
    defaults: Config,
    run: impl FnOnce(&Config, &mut std::io::StdoutLock<'static>) -> Result<R, E>,
) -> ExitCode {
    let config = match Config::from_args(program, defaults, std::env::args().skip(1)) {
        Ok(Some(c)) => c,
        Ok(None) => {
            println!("{}", usage(program));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if let Some(path) = &config.trace
        && let Err(e) = std::fs::File::create(path)
    {
        eprintln!(
            "{program}: cannot write the trace to {}: {e}",
            path.display()
        );
        return ExitCode::FAILURE;
    }
    let report = match run(&config, &mut std::io::stdout().lock()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{program}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &config.trace
        && let Err(e) = report.trace().write(path)
    {
        eprintln!("{program}: {e}");
        return ExitCode::FAILURE;
    }
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
