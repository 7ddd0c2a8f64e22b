//! # Sensors: the lesson's three-class classifier, run number for number
//!
//! The lesson makes 300 synthetic machine readings (temperature, vibration) in three classes
//! (Normal, Warning, Critical), standardises them, shuffles and splits them 80/20, and trains
//! a 2-16-3 network (ReLU, softmax, cross-entropy) by hand-written backprop in NumPy. This
//! example runs that program in f64 from the same `np.random.seed(42)` numbers and prints what
//! it prints.
//!
//! ```text
//! cargo run --release --example sensors
//! cargo run --release --example sensors -- --seed 7 --epochs 500 --trace sensors.json
//! ```

mod common;

use std::io::Write;
use std::process::ExitCode;

use common::{Config, Trace, Weights, percent};
use nn::data::{one_hot, shuffle, standardize, train_test_split};
use nn::metrics::{accuracy, argmax_rows};
use tensor::{NumpyRng, Result, Tensor};

/// The lesson's settings: lr 0.1, 3,000 epochs, 16 hidden units, seed 42.
pub fn lesson_config() -> Config {
    Config::lesson(0.1, 3_000, 16)
}

const LABELS: [&str; 3] = ["Normal", "Warning", "Critical"];

/// The lesson's data set, standardised, shuffled and split.
pub struct SensorData {
    /// The 300 raw readings `[temperature, vibration]`, 100 per class in class order.
    pub x_raw: Tensor<f64>,
    /// Column means of `x_raw`.
    pub x_mean: Tensor<f64>,
    /// Column population standard deviations of `x_raw`.
    pub x_std: Tensor<f64>,
    /// `np.random.permutation(300)`, the shuffle.
    pub permutation: Vec<usize>,
    /// The first 240 shuffled, standardised rows, and their one-hot labels.
    pub x_train: Tensor<f64>,
    /// One-hot training labels `[240, 3]`.
    pub y_train: Tensor<f64>,
    /// The last 60 rows.
    pub x_test: Tensor<f64>,
    /// One-hot test labels `[60, 3]`.
    pub y_test: Tensor<f64>,
}

/// The lesson's data, drawn in its order from `rng`.
pub fn sensor_data(rng: &mut NumpyRng) -> Result<SensorData> {
    let n = 300;
    let per_class = n / 3;
    // (temperature range, vibration range) per class, drawn column by column as the lesson does.
    let ranges = [
        ((20.0, 40.0), (0.5, 2.0)),
        ((35.0, 55.0), (1.5, 4.0)),
        ((50.0, 80.0), (3.5, 7.0)),
    ];
    let mut blocks = Vec::new();
    for ((t_lo, t_hi), (v_lo, v_hi)) in ranges {
        let temp = rng.uniform_tensor(&[per_class], t_lo, t_hi)?;
        let vib = rng.uniform_tensor(&[per_class], v_lo, v_hi)?;
        blocks.push(Tensor::stack(&[&temp, &vib], 1)?);
    }
    let x_raw = Tensor::concat(&blocks.iter().collect::<Vec<_>>(), 0)?;
    let labels: Vec<usize> = (0..n).map(|i| i / per_class).collect();
    let y = one_hot(&labels, 3)?;
    let (x_norm, stats) = standardize(&x_raw)?;
    let permutation = rng.permutation(n);
    let (x_norm, y) = shuffle(&x_norm, &y, &permutation)?;
    let split = train_test_split(&x_norm, &y, 0.8)?;
    Ok(SensorData {
        x_raw,
        x_mean: stats.mean,
        x_std: stats.std,
        permutation,
        x_train: split.x_train,
        y_train: split.y_train,
        x_test: split.x_test,
        y_test: split.y_test,
    })
}

// The lesson's helpers, as it writes them.
fn softmax(z: &Tensor<f64>) -> Result<Tensor<f64>> {
    let exp_z = z.sub(&z.max_axis(1, true)?)?.exp();
    exp_z.div(&exp_z.sum_axis(1, true)?)
}
fn relu(z: &Tensor<f64>) -> Tensor<f64> {
    z.relu()
}
fn relu_derivative(z: &Tensor<f64>) -> Tensor<f64> {
    z.gt_scalar(0.0)
}

/// The lesson's forward pass: `softmax(relu(x @ W1 + b1) @ W2 + b2)`.
pub fn lesson_forward(x: &Tensor<f64>, w: &Weights) -> Result<Tensor<f64>> {
    let a1 = relu(&x.matmul(&w.w1)?.add(&w.b1)?);
    softmax(&a1.matmul(&w.w2)?.add(&w.b2)?)
}

/// One epoch of the lesson's program: its forward pass, loss and hand-derived gradients.
pub struct LessonStep {
    /// Class probabilities `[n, 3]`.
    pub a2: Tensor<f64>,
    /// The lesson's loss `-mean(sum(y * log(a2 + 1e-8), axis=1))`.
    pub loss: f64,
    /// `dW1, db1, dW2, db2`.
    pub grads: Weights,
}

/// The lesson's loop body, formula by formula, on plain tensors (no autograd).
pub fn lesson_step(x: &Tensor<f64>, y: &Tensor<f64>, w: &Weights) -> Result<LessonStep> {
    let z1 = x.matmul(&w.w1)?.add(&w.b1)?;
    let a1 = relu(&z1);
    let z2 = a1.matmul(&w.w2)?.add(&w.b2)?;
    let a2 = softmax(&z2)?;
    let loss = -y
        .mul(&a2.add_scalar(1e-8).ln())?
        .sum_axis(1, false)?
        .mean()
        .item()?;
    let delta2 = a2.sub(y)?.div_scalar(y.shape()[0] as f64);
    let dw2 = a1.t()?.matmul(&delta2)?;
    let db2 = delta2.sum_axis(0, true)?;
    let delta1 = delta2.matmul(&w.w2.t()?)?.mul(&relu_derivative(&z1))?;
    let dw1 = x.t()?.matmul(&delta1)?;
    let db1 = delta1.sum_axis(0, true)?;
    Ok(LessonStep {
        a2,
        loss,
        grads: Weights {
            w1: dw1,
            b1: db1,
            w2: dw2,
            b2: db2,
        },
    })
}

/// What a run produced.
pub struct Report {
    /// Everything the lesson computes, in the reference traces' schema.
    pub trace: Trace,
    /// Accuracy on the 60 test samples.
    pub test_accuracy: f64,
}

/// Runs the lesson's program with `config`, printing what it prints to `out`.
pub fn run(
    config: &Config,
    out: &mut impl Write,
) -> std::result::Result<Report, Box<dyn std::error::Error>> {
    let mut trace = Trace::new("sensors", config);
    let mut rng = NumpyRng::new(config.seed);
    let d = sensor_data(&mut rng)?;
    let h = config.hidden;
    let mut w = Weights {
        w1: Tensor::randn(&[2, h], &mut rng)?.mul_scalar(0.3),
        b1: Tensor::zeros(&[1, h])?,
        w2: Tensor::randn(&[h, 3], &mut rng)?.mul_scalar(0.3),
        b2: Tensor::zeros(&[1, 3])?,
    };
    let perm: Vec<f64> = d.permutation.iter().map(|&i| i as f64).collect();
    trace.put("X_raw", &d.x_raw);
    trace.put("X_mean", &d.x_mean);
    trace.put("X_std", &d.x_std);
    trace.put_values("permutation", &perm);
    for (name, t) in [
        ("X_train", &d.x_train),
        ("y_train", &d.y_train),
        ("X_test", &d.x_test),
        ("y_test", &d.y_test),
        ("W1_init", &w.w1),
        ("W2_init", &w.w2),
    ] {
        trace.put(name, t);
    }
    let lr = config.lr;
    let (mut losses, mut accs) = (Vec::new(), Vec::new());
    for epoch in 0..config.epochs {
        let step = lesson_step(&d.x_train, &d.y_train, &w)?;
        let acc = accuracy(&step.a2, &d.y_train)?;
        losses.push(step.loss);
        accs.push(acc);
        if config.grad_epochs.contains(&epoch) {
            for (name, g) in step.grads.named() {
                trace.put(format!("d{name}@{epoch}"), g);
            }
        }
        let g = &step.grads;
        w.w1 = w.w1.sub(&g.w1.mul_scalar(lr))?;
        w.b1 = w.b1.sub(&g.b1.mul_scalar(lr))?;
        w.w2 = w.w2.sub(&g.w2.mul_scalar(lr))?;
        w.b2 = w.b2.sub(&g.b2.mul_scalar(lr))?;
        if epoch % 500 == 0 {
            writeln!(
                out,
                "Epoch {epoch:4} | Loss: {:.4} | Train Acc: {}",
                step.loss,
                percent(acc)
            )?;
        }
    }
    let a2_test = lesson_forward(&d.x_test, &w)?;
    let test_preds = argmax_rows(&a2_test)?;
    let test_targets = argmax_rows(&d.y_test)?;
    let test_acc = accuracy(&a2_test, &d.y_test)?;
    writeln!(out, "\nTest Accuracy: {}", percent(test_acc))?;
    writeln!(out, "\nSample predictions (first 10 test samples):")?;
    for i in 0..10.min(test_preds.len()) {
        let (p, t) = (test_preds[i], test_targets[i]);
        let confidence = a2_test.get(&[i, p])?;
        let status = if p == t { "correct" } else { "WRONG" };
        writeln!(
            out,
            " Predicted: {:8} ({}) | Actual: {:8} | {status}",
            LABELS[p],
            percent(confidence),
            LABELS[t]
        )?;
    }
    trace.put_values("loss", &losses);
    trace.put_values("train_accuracy", &accs);
    for (name, t) in w.named() {
        trace.put(name, t);
    }
    trace.put("test_probabilities", &a2_test);
    trace.put_values("test_accuracy", &[test_acc]);
    Ok(Report {
        trace,
        test_accuracy: test_acc,
    })
}

#[allow(dead_code)] // the integration tests include this file for `run`
fn main() -> ExitCode {
    let config = match Config::from_args("sensors", lesson_config(), std::env::args().skip(1)) {
        Ok(Some(c)) => c,
        Ok(None) => {
            println!("{}", common::usage("sensors"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut stdout = std::io::stdout().lock();
    match run(&config, &mut stdout) {
        Ok(report) => {
            if let Some(path) = &config.trace {
                if let Err(e) = report.trace.write(path) {
                    eprintln!("sensors: {e}");
                    return ExitCode::FAILURE;
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sensors: {e}");
            ExitCode::FAILURE
        }
    }
}
