//! # A single neuron: the lesson's first program, and its gradients by autograd
//!
//! The lesson starts with one neuron, `a = sigmoid(x . w + b)`, for two inputs. This example
//! prints what the lesson's program prints, then builds the same neuron with `nn` (a
//! `Linear(2 -> 1)` and a `Sigmoid`), asks the tape for `da/dw`, `da/db` and `da/dx`, and
//! compares them with the derivative worked out by hand: `da/dz = a (1 - a)`, so
//! `da/dw = a (1 - a) x`, `da/db = a (1 - a)` and `da/dx = a (1 - a) w`.
//!
//! ```text
//! cargo run --release --example neuron
//! ```

use std::io::Write;
use std::process::ExitCode;

use autograd::Tape;
use nn::{Linear, Module, Sigmoid, sequential};
use tensor::Tensor;

/// Differences above this fail the check (both sides are the same f64 maths, rounded
/// differently).
const TOLERANCE: f64 = 1e-12;

/// The neuron's numbers: the lesson's output, and the gradients both ways.
pub struct Report {
    /// `x . w + b`.
    pub z: f64,
    /// `sigmoid(z)`.
    pub a: f64,
    /// `(da/dw, da/db, da/dx)` from the tape.
    pub autograd: (Tensor<f64>, f64, Tensor<f64>),
    /// The same from `a (1 - a) x`, `a (1 - a)`, `a (1 - a) w`.
    pub analytic: (Tensor<f64>, f64, Tensor<f64>),
    /// The largest difference between the two.
    pub max_diff: f64,
}

/// The lesson's `single_neuron(x, w, b)`: `z = np.dot(x, w) + b`, `a = 1 / (1 + np.exp(-z))`.
fn single_neuron(x: &Tensor<f64>, w: &Tensor<f64>, b: f64) -> tensor::Result<f64> {
    let z = x.matmul(w)?.item()? + b;
    Ok(1.0 / (1.0 + (-z).exp()))
}

/// Runs the lesson's program and the gradient check, printing both to `out`.
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

    // The same neuron as a model: one sample x as a [1, 2] row, w as a [2, 1] column.
    let neuron = sequential![
        Linear::from_tensors(w.reshape(&[2, 1])?, Tensor::from_vec(vec![b], &[1, 1])?)?,
        Sigmoid,
    ];
    let tape = Tape::new();
    let x_var = tape.var(x.reshape(&[1, 2])?);
    let a = neuron.forward(&x_var)?;
    let grads = a.backward()?;
    let params = neuron.parameters();
    let missing = || tensor::Error::Invalid {
        op: "neuron",
        reason: "the tape returned no gradient".into(),
    };
    let dw = grads
        .param(params[0].id())
        .ok_or_else(missing)?
        .reshape(&[2])?;
    let db = grads.param(params[1].id()).ok_or_else(missing)?.item()?;
    let dx = grads.get(&x_var).ok_or_else(missing)?.reshape(&[2])?;

    let a = a.value().item()?;
    let s = a * (1.0 - a);
    let (dw_hand, db_hand, dx_hand) = (x.mul_scalar(s), s, w.mul_scalar(s));
    writeln!(
        out,
        "\nGradients of a, by autograd and by hand (da/dz = a (1 - a) = {s:.6}):"
    )?;
    writeln!(out, " da/dw: {dw:.6} | a (1 - a) x: {dw_hand:.6}")?;
    writeln!(out, " da/db: {db:.6} | a (1 - a):   {db_hand:.6}")?;
    writeln!(out, " da/dx: {dx:.6} | a (1 - a) w: {dx_hand:.6}")?;
    let max_diff = dw
        .max_abs_diff(&dw_hand)?
        .max((db - db_hand).abs())
        .max(dx.max_abs_diff(&dx_hand)?);
    let verdict = if max_diff <= TOLERANCE {
        "PASS"
    } else {
        "FAIL"
    };
    writeln!(
        out,
        "Gradient check: largest |autograd - by hand| = {max_diff:.3e}; limit {TOLERANCE:e}: {verdict}"
    )?;
    Ok(Report {
        z,
        a,
        autograd: (dw, db, dx),
        analytic: (dw_hand, db_hand, dx_hand),
        max_diff,
    })
}

#[allow(dead_code)] // the integration tests include this file for `run`
fn main() -> ExitCode {
    match run(&mut std::io::stdout().lock()) {
        Ok(r) if r.max_diff <= TOLERANCE => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("neuron: {e}");
            ExitCode::FAILURE
        }
    }
}
