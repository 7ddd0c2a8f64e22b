//! # A single neuron: the lesson's first program, and its gradients by autograd
//!
//! The lesson starts with one neuron: `a = sigmoid(x . w + b)` for two inputs. This example
//! prints what the lesson's program prints, then asks the tape for `da/dw`, `da/db` and
//! `da/dx` and compares them with the derivative worked out by hand,
//! `da/dz = a (1 - a)`, so `da/dw = a (1 - a) x`, `da/db = a (1 - a)`, `da/dx = a (1 - a) w`.
//!
//! ```text
//! cargo run --release --example neuron
//! ```

use std::io::Write;
use std::process::ExitCode;

use tensor::Tensor;

/// The neuron's numbers: the lesson's output, and the gradients both ways.
pub struct Report {
    /// `x . w + b`.
    pub z: f64,
    /// `sigmoid(z)`.
    pub a: f64,
}

/// The lesson's `single_neuron(x, w, b)`.
fn single_neuron(x: &Tensor<f64>, w: &Tensor<f64>, b: f64) -> tensor::Result<f64> {
    let z = x.matmul(w)?.item()? + b;
    Ok(1.0 / (1.0 + (-z).exp()))
}

/// Runs the lesson's program, printing what it prints to `out`.
pub fn run(out: &mut impl Write) -> Result<Report, Box<dyn std::error::Error>> {
    let x = Tensor::<f64>::from_vec(vec![0.5, 0.8], &[2])?;
    let w = Tensor::<f64>::from_vec(vec![0.3, -0.1], &[2])?;
    let b = 0.2;
    let output = single_neuron(&x, &w, b)?;
    let z = x.matmul(&w)?.item()? + b;
    writeln!(out, "Inputs: {x}")?;
    writeln!(out, "Weights: {w}")?;
    writeln!(out, "Bias: {b}")?;
    writeln!(out, "Weighted sum: {z:.4}")?;
    writeln!(out, "After sigmoid: {output:.4}")?;
    Ok(Report { z, a: output })
}

#[allow(dead_code)] // the integration tests include this file for `run`
fn main() -> ExitCode {
    match run(&mut std::io::stdout().lock()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("neuron: {e}");
            ExitCode::FAILURE
        }
    }
}
