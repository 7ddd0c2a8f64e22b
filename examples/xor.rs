//! # XOR: the lesson's two-layer network, run number for number
//!
//! The lesson trains a 2-4-1 network (ReLU hidden layer, sigmoid output, mean squared error)
//! on XOR by hand-written backprop in NumPy. This example runs that program in f64 from the
//! same `np.random.seed(42)` numbers and prints what it prints.
//!
//! ```text
//! cargo run --release --example xor
//! cargo run --release --example xor -- --seed 1 --hidden 8 --trace xor.json
//! ```

mod common;

use std::io::Write;
use std::process::ExitCode;

use common::{Config, Trace, Weights};
use tensor::{NumpyRng, Result, Tensor};

/// The lesson's XOR settings: lr 0.5, 10,000 epochs, 4 hidden units, seed 42.
pub fn lesson_config() -> Config {
    Config::lesson(0.5, 10_000, 4)
}

/// One epoch of the lesson's program: its forward pass, loss and hand-derived gradients.
pub struct LessonStep {
    /// Hidden pre-activations `X @ W1 + b1`.
    pub z1: Tensor<f64>,
    /// Output probabilities.
    pub a2: Tensor<f64>,
    /// `mean((y - a2)^2)`.
    pub loss: f64,
    /// `dW1, db1, dW2, db2`.
    pub grads: Weights,
}

// The lesson's helpers, as it writes them.
fn sigmoid(z: &Tensor<f64>) -> Tensor<f64> {
    z.neg().exp().add_scalar(1.0).rdiv_scalar(1.0)
}
fn sigmoid_derivative(a: &Tensor<f64>) -> Result<Tensor<f64>> {
    a.mul(&a.rsub_scalar(1.0))
}
fn relu(z: &Tensor<f64>) -> Tensor<f64> {
    z.relu()
}
fn relu_derivative(z: &Tensor<f64>) -> Tensor<f64> {
    z.gt_scalar(0.0)
}

/// The lesson's loop body, formula by formula, on plain tensors (no autograd).
pub fn lesson_step(x: &Tensor<f64>, y: &Tensor<f64>, w: &Weights) -> Result<LessonStep> {
    let z1 = x.matmul(&w.w1)?.add(&w.b1)?;
    let a1 = relu(&z1);
    let z2 = a1.matmul(&w.w2)?.add(&w.b2)?;
    let a2 = sigmoid(&z2);
    let loss = y.sub(&a2)?.square().mean().item()?;
    let n = y.shape()[0] as f64;
    let d_loss_a2 = y.sub(&a2)?.mul_scalar(-2.0).div_scalar(n);
    let d_a2_z2 = sigmoid_derivative(&a2)?;
    let delta2 = d_loss_a2.mul(&d_a2_z2)?;
    let dw2 = a1.t()?.matmul(&delta2)?;
    let db2 = delta2.sum_axis(0, true)?;
    let delta1 = delta2.matmul(&w.w2.t()?)?.mul(&relu_derivative(&z1))?;
    let dw1 = x.t()?.matmul(&delta1)?;
    let db1 = delta1.sum_axis(0, true)?;
    Ok(LessonStep {
        z1,
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

/// XOR's four inputs and targets.
pub fn xor_data() -> Result<(Tensor<f64>, Tensor<f64>)> {
    let x = Tensor::from_vec(vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0], &[4, 2])?;
    let y = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[4, 1])?;
    Ok((x, y))
}

/// What a run produced.
pub struct Report {
    /// Everything the lesson computes, in the reference traces' schema.
    pub trace: Trace,
    /// The final predictions.
    pub predictions: Tensor<f64>,
}

/// Runs the lesson's program with `config`, printing what it prints to `out`.
pub fn run(
    config: &Config,
    out: &mut impl Write,
) -> std::result::Result<Report, Box<dyn std::error::Error>> {
    let mut trace = Trace::new("xor", config);
    let (x, y) = xor_data()?;
    let mut rng = NumpyRng::new(config.seed);
    let h = config.hidden;
    let mut w = Weights {
        w1: Tensor::randn(&[2, h], &mut rng)?.mul_scalar(0.5),
        b1: Tensor::zeros(&[1, h])?,
        w2: Tensor::randn(&[h, 1], &mut rng)?.mul_scalar(0.5),
        b2: Tensor::zeros(&[1, 1])?,
    };
    trace.put("X", &x);
    trace.put("y", &y);
    trace.put("W1_init", &w.w1);
    trace.put("W2_init", &w.w2);
    writeln!(out, "Initial weights W1:\n {}", w.w1.round(4))?;
    writeln!(out, "Initial weights W2:\n {}", w.w2.round(4))?;
    let lr = config.lr;
    let mut losses = Vec::with_capacity(config.epochs);
    let mut a2 = Tensor::zeros(&[4, 1])?;
    for epoch in 0..config.epochs {
        let step = lesson_step(&x, &y, &w)?;
        losses.push(step.loss);
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
        if epoch % 2000 == 0 {
            writeln!(out, "Epoch {epoch:5} | Loss: {:.6}", step.loss)?;
        }
        a2 = step.a2;
    }
    let last = losses.last().copied().unwrap_or(f64::NAN);
    writeln!(out, "Epoch {:5} | Loss: {last:.6}", config.epochs)?;
    writeln!(out, "\nFinal predictions:")?;
    for i in 0..4 {
        writeln!(
            out,
            " Input: [{} {}] -> Predicted: {:.4} | Target: {}",
            x.get(&[i, 0])?,
            x.get(&[i, 1])?,
            a2.get(&[i, 0])?,
            y.get(&[i, 0])?
        )?;
    }
    writeln!(out, "\nFinal weights W1:\n {}", w.w1.round(4))?;
    writeln!(out, "Final weights W2:\n {}", w.w2.round(4))?;
    trace.put_values("loss", &losses);
    trace.put("predictions", &a2);
    for (name, t) in w.named() {
        trace.put(name, t);
    }
    Ok(Report {
        trace,
        predictions: a2,
    })
}

#[allow(dead_code)] // the integration tests include this file for `run`
fn main() -> ExitCode {
    let config = match Config::from_args("xor", lesson_config(), std::env::args().skip(1)) {
        Ok(Some(c)) => c,
        Ok(None) => {
            println!("{}", common::usage("xor"));
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
                    eprintln!("xor: {e}");
                    return ExitCode::FAILURE;
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("xor: {e}");
            ExitCode::FAILURE
        }
    }
}
