//! # XOR: the lesson's two-layer network, trained by autograd and checked against its backprop
//!
//! The lesson trains a 2-4-1 network (ReLU hidden layer, sigmoid output, mean squared error) on
//! XOR with hand-written backprop in NumPy. This example declares the same network with `nn`,
//! starts it from the lesson's `np.random.seed(42)` weights, and trains it with `autograd` and
//! `Sgd`. At every epoch it also runs the lesson's manual backprop (ported formula by formula
//! onto tensors) on the same weights and compares the gradients.
//!
//! It prints what the lesson's program prints (its real output, not the one its text shows),
//! then the gradient check, then why seed 42 does not learn XOR, and a run that does.
//!
//! ```text
//! cargo run --release --example xor
//! cargo run --release --example xor -- --seed 1 --hidden 8 --trace xor.json
//! cargo run --release --example xor -- --plot plots/   # loss, accuracy, decision regions
//! ```

pub mod common;

use std::io::Write;
use std::process::ExitCode;

use autograd::Tape;
use common::{Config, GradCheck, Trace, Weights};
use nn::init::Init;
use nn::loss::mse;
use nn::optim::{Optimizer, Sgd};
use nn::{Linear, Module, ReLU, Sequential, Sigmoid, sequential};
use tensor::{NumpyRng, Result, Tensor};

/// The lesson's XOR settings: lr 0.5, 10,000 epochs, 4 hidden units, seed 42.
pub fn lesson_config() -> Config {
    Config::lesson(0.5, 10_000, 4)
}

/// Learning XOR is a run whose four predictions are each on their target's side of 0.5.
const DECISION: f64 = 0.5;

// ---- The lesson's program, as it writes it (plain tensors, no autograd) ----

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

/// One epoch of the lesson's loop: its forward pass and hand-derived gradients.
pub struct LessonStep {
    /// Hidden pre-activations `X @ W1 + b1`.
    pub z1: Tensor<f64>,
    /// `dW1, db1, dW2, db2`.
    pub grads: Weights,
}

/// The lesson's loop body, formula by formula.
pub fn lesson_step(x: &Tensor<f64>, y: &Tensor<f64>, w: &Weights) -> Result<LessonStep> {
    let z1 = x.matmul(&w.w1)?.add(&w.b1)?;
    let a1 = relu(&z1);
    let z2 = a1.matmul(&w.w2)?.add(&w.b2)?;
    let a2 = sigmoid(&z2);
    let n = y.shape()[0] as f64;
    let d_loss_a2 = y.sub(&a2)?.mul_scalar(-2.0).div_scalar(n);
    let d_a2_z2 = sigmoid_derivative(&a2)?;
    let delta2 = d_loss_a2.mul(&d_a2_z2)?;
    let dw2 = a1.t()?.matmul(&delta2)?;
    let db2 = delta2.sum_axis(0, true)?;
    let delta1 = delta2.matmul(&w.w2.t()?)?.mul(&relu_derivative(&z1))?;
    let dw1 = x.t()?.matmul(&delta1)?;
    let db1 = delta1.sum_axis(0, true)?;
    let grads = Weights {
        w1: dw1,
        b1: db1,
        w2: dw2,
        b2: db2,
    };
    Ok(LessonStep { z1, grads })
}

/// XOR's four inputs and targets.
pub fn xor_data() -> Result<(Tensor<f64>, Tensor<f64>)> {
    let x = Tensor::from_vec(vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0], &[4, 2])?;
    let y = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[4, 1])?;
    Ok((x, y))
}

// ---- The same network through nn and autograd ----

/// The lesson's network, declared: its weights drawn as the lesson draws them,
/// `W1 = randn(2, h) * 0.5` then `W2 = randn(h, 1) * 0.5`, biases zero.
pub fn lesson_model(hidden: usize, rng: &mut NumpyRng) -> Result<Sequential<f64>> {
    let init = Init::Randn { scale: 0.5 };
    Ok(sequential![
        Linear::with_init(2, hidden, init, rng)?,
        ReLU,
        Linear::with_init(hidden, 1, init, rng)?,
        Sigmoid,
    ])
}

/// One training run: everything printed, traced and checked.
pub struct Run {
    /// The run's trace, in the reference traces' schema.
    pub trace: Trace,
    /// The largest autograd-vs-manual gradient difference, and where.
    pub check: GradCheck,
    /// The predictions of the last epoch's forward pass.
    pub predictions: Tensor<f64>,
    /// The hidden pre-activations of the last epoch's forward pass, `[4, hidden]`.
    pub last_z1: Tensor<f64>,
    /// Per hidden unit: was its pre-activation `<= 0` on every input at every epoch?
    pub dead: Vec<bool>,
    /// Per hidden unit: was every autograd gradient reaching it exactly 0 at every epoch?
    pub zero_grad: Vec<bool>,
    /// The weights after training.
    pub weights: Weights,
    /// The loss of each epoch.
    pub losses: Vec<f64>,
    /// Each epoch's accuracy: the fraction of the four predictions on their target's side of
    /// 0.5.
    pub accuracies: Vec<f64>,
    /// The trained network.
    pub model: Sequential<f64>,
}

impl Run {
    /// Every prediction on its target's side of 0.5.
    pub fn learned(&self, y: &Tensor<f64>) -> bool {
        let (p, y) = (self.predictions.to_vec(), y.to_vec());
        p.iter().zip(&y).all(|(p, y)| (p - y).abs() < DECISION)
    }
}

/// `true` for each hidden unit all of whose gradients (its column of `dW1`, its entries of
/// `db1` and `dW2`) are exactly 0.
fn zero_gradient_units(g: &Weights) -> Result<Vec<bool>> {
    let h = g.w1.shape()[1];
    (0..h)
        .map(|j| {
            let col = g.w1.select(1, j)?.to_vec();
            Ok(col.iter().all(|&v| v == 0.0)
                && g.b1.get(&[0, j])? == 0.0
                && g.w2.get(&[j, 0])? == 0.0)
        })
        .collect()
}

/// Trains the lesson's network with `config`, printing the lesson's lines to `out`.
pub fn train(
    config: &Config,
    out: &mut impl Write,
) -> std::result::Result<Run, Box<dyn std::error::Error>> {
    let (x, y) = xor_data()?;
    let mut rng = NumpyRng::new(config.seed);
    let mut model = lesson_model(config.hidden, &mut rng)?;
    let mut opt = Sgd::new(config.lr);
    let mut trace = Trace::new("xor", config);
    let init = Weights::of(&model)?;
    trace.put("X", &x);
    trace.put("y", &y);
    trace.put("W1_init", &init.w1);
    trace.put("W2_init", &init.w2);
    writeln!(out, "Initial weights W1:\n {}", init.w1.round(4))?;
    writeln!(out, "Initial weights W2:\n {}", init.w2.round(4))?;

    let mut check = GradCheck::default();
    let mut losses = Vec::with_capacity(config.epochs);
    let mut accuracies = Vec::with_capacity(config.epochs);
    let mut dead = vec![true; config.hidden];
    let mut zero_grad = vec![true; config.hidden];
    let (mut predictions, mut last_z1) =
        (Tensor::zeros(&[4, 1])?, Tensor::zeros(&[4, config.hidden])?);
    for epoch in 0..config.epochs {
        // The lesson's manual backprop from the model's current weights...
        let manual = lesson_step(&x, &y, &Weights::of(&model)?)?;
        // ...and autograd's gradients of the same loss.
        let tape = Tape::new();
        let a2 = model.forward(&tape.constant(x.clone()))?;
        let loss = mse(&a2, &y)?;
        let grads = loss.backward()?;
        let auto = Weights::grads_of(&model, &grads)?;
        check.compare_all(epoch, &auto, &manual.grads)?;
        for (d, z) in zero_grad.iter_mut().zip(zero_gradient_units(&auto)?) {
            *d &= z;
        }
        for (j, d) in dead.iter_mut().enumerate() {
            *d &= manual.z1.select(1, j)?.to_vec().iter().all(|&z| z <= 0.0);
        }
        if config.grad_epochs.contains(&epoch) {
            trace.put_grads(epoch, &auto);
        }
        opt.step(&mut model, &grads)?;

        let loss = loss.value().item()?;
        losses.push(loss);
        if epoch % 2000 == 0 {
            writeln!(out, "Epoch {epoch:5} | Loss: {loss:.6}")?;
        }
        predictions = a2.value().clone();
        accuracies.push(side_accuracy(&predictions, &y));
        last_z1 = manual.z1;
    }
    let last = losses.last().copied().unwrap_or(f64::NAN);
    writeln!(out, "Epoch {:5} | Loss: {last:.6}", config.epochs)?;
    writeln!(out, "\nFinal predictions:")?;
    for i in 0..4 {
        writeln!(
            out,
            " Input: {} -> Predicted: {:.4} | Target: {}",
            input_str(&x, i)?,
            predictions.get(&[i, 0])?,
            y.get(&[i, 0])?
        )?;
    }
    let weights = Weights::of(&model)?;
    writeln!(out, "\nFinal weights W1:\n {}", weights.w1.round(4))?;
    writeln!(out, "Final weights W2:\n {}", weights.w2.round(4))?;
    trace.put_values("loss", &losses);
    trace.put("predictions", &predictions);
    trace.put_weights(&weights);
    Ok(Run {
        trace,
        check,
        predictions,
        last_z1,
        dead,
        zero_grad,
        weights,
        losses,
        accuracies,
        model,
    })
}

/// The fraction of predictions on their target's side of 0.5.
fn side_accuracy(p: &Tensor<f64>, y: &Tensor<f64>) -> f64 {
    let (p, y) = (p.to_vec(), y.to_vec());
    let hits = p
        .iter()
        .zip(&y)
        .filter(|(p, y)| (*p - *y).abs() < DECISION)
        .count();
    hits as f64 / y.len() as f64
}

/// With `--plot DIR`: `DIR/{name}-training.svg` (loss and accuracy per epoch) and
/// `DIR/{name}-regions.svg` (the class the network gives each point of the plane, with the
/// four inputs).
fn plot(
    dir: &std::path::Path,
    name: &str,
    title: &str,
    run: &Run,
    out: &mut impl Write,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    common::plot_dir(dir)?;
    let (x, y) = xor_data()?;
    let training = dir.join(format!("{name}-training.svg"));
    common::plot::training_curves(
        &training,
        title,
        &[("mse", &run.losses)],
        &[("accuracy", &run.accuracies)],
    )?;
    let plane = common::plot::Plane {
        x: (-0.5, 1.5),
        y: (-0.5, 1.5),
        x_name: "x1",
        y_name: "x2",
    };
    let classify =
        |pts: &[[f64; 2]]| -> std::result::Result<Vec<usize>, Box<dyn std::error::Error>> {
            let grid = Tensor::from_vec(pts.concat(), &[pts.len(), 2])?;
            let p = run.model.predict(&grid)?.to_vec();
            Ok(p.iter().map(|&p| usize::from(p > DECISION)).collect())
        };
    let points: Vec<(f64, f64, usize)> = (0..4)
        .map(|i| Ok((x.get(&[i, 0])?, x.get(&[i, 1])?, y.get(&[i, 0])? as usize)))
        .collect::<Result<_>>()?;
    let regions = dir.join(format!("{name}-regions.svg"));
    common::plot::decision_regions(
        &regions,
        &format!("{title}: output > 0.5"),
        &plane,
        classify,
        &points,
        &["target 0", "target 1"],
    )?;
    writeln!(
        out,
        "Wrote {} and {}",
        training.display(),
        regions.display()
    )?;
    Ok(())
}

/// Row `i` of the 0/1 inputs as NumPy prints an integer array: `[0 1]`.
fn input_str(x: &Tensor<f64>, i: usize) -> Result<String> {
    Ok(format!("[{} {}]", x.get(&[i, 0])?, x.get(&[i, 1])?))
}

/// The hidden units, the inputs each fired on in the last epoch, and which were dead.
fn explain(
    out: &mut impl Write,
    run: &Run,
    x: &Tensor<f64>,
    y: &Tensor<f64>,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let h = run.dead.len();
    let fires = |j: usize, i: usize| run.last_z1.get(&[i, j]).map(|z| z > 0.0);
    for j in 0..h {
        if run.dead[j] {
            writeln!(
                out,
                " Hidden unit {j} is dead: its pre-activation x @ W1[:, {j}] + b1[{j}] was <= 0 on \
                 all four inputs at every epoch, so relu'(z) = 0 and {}; it kept its initial weights \
                 W1[:, {j}] = [{:.4}, {:.4}], W2[{j}] = {:.4}.",
                if run.zero_grad[j] {
                    "autograd's gradient for each of its weights was exactly 0 at every epoch"
                } else {
                    "no gradient flowed through it"
                },
                run.weights.w1.get(&[0, j])?,
                run.weights.w1.get(&[1, j])?,
                run.weights.w2.get(&[j, 0])?,
            )?;
        } else {
            let on: Vec<String> = (0..4)
                .filter_map(|i| match fires(j, i) {
                    Ok(true) => Some(input_str(x, i)),
                    Ok(false) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect::<Result<_>>()?;
            let on = if on.is_empty() {
                "no input".to_string()
            } else {
                on.join(", ")
            };
            writeln!(
                out,
                " Hidden unit {j} fires (z > 0) in the last epoch for: {on}."
            )?;
        }
    }
    // Inputs on which every hidden unit is off all get the same output, sigmoid(b2).
    let silent: Vec<usize> = (0..4)
        .filter(|&i| (0..h).all(|j| !fires(j, i).unwrap_or(true)))
        .collect();
    let targets: Vec<f64> = silent
        .iter()
        .map(|&i| y.get(&[i, 0]))
        .collect::<Result<_>>()?;
    if silent.len() > 1 && targets.iter().any(|&t| t != targets[0]) {
        let names: Vec<String> = silent
            .iter()
            .map(|&i| input_str(x, i))
            .collect::<Result<_>>()?;
        let mean = targets.iter().sum::<f64>() / targets.len() as f64;
        let floor = targets.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / 4.0;
        writeln!(
            out,
            " On {} every hidden unit is off, so the network outputs the same number for all of \
             them, sigmoid(b2) = {:.4}. The best single output for their targets under squared error \
             is their mean, {mean:.4}, which leaves a loss of at least {floor:.6}. A ReLU that is \
             off for an input passes no gradient back from it (relu'(z) = 0 for z <= 0), so those \
             inputs' errors cannot turn a unit on; only the inputs where units fire still move \
             the weights.",
            names.join(", "),
            sigmoid(&run.weights.b2).item()?,
        )?;
    }
    Ok(())
}

/// What [`run`] produced.
pub struct Report {
    /// The lesson's run (as configured by the flags).
    pub lesson: Run,
    /// Whether the lesson's run learned XOR.
    pub learned: bool,
    /// When it did not: the seed of the run shown to learn, and that run.
    pub demo: Option<(u32, Run)>,
}

impl Report {
    /// Every gradient check passed.
    pub fn passed(&self) -> bool {
        self.lesson.check.passed() && self.demo.as_ref().is_none_or(|(_, r)| r.check.passed())
    }
}

/// Runs the lesson's program with `config`, prints its output, the gradient check and, if the
/// network stalls, why, and a run that learns.
pub fn run(
    config: &Config,
    out: &mut impl Write,
) -> std::result::Result<Report, Box<dyn std::error::Error>> {
    let (x, y) = xor_data()?;
    let lesson = train(config, out)?;
    writeln!(out, "\n{}", lesson.check.summary())?;
    let learned = lesson.learned(&y);
    if let Some(dir) = &config.plot {
        let title = format!("XOR, the lesson's run (seed {})", config.seed);
        plot(dir, "xor", &title, &lesson, out)?;
    }
    if learned {
        writeln!(
            out,
            "\nThe network learned XOR (every prediction is on its target's side of 0.5)."
        )?;
        return Ok(Report {
            lesson,
            learned,
            demo: None,
        });
    }
    writeln!(
        out,
        "\nWhy this run did not learn XOR (seed {}):",
        config.seed
    )?;
    explain(out, &lesson, &x, &y)?;
    // Seed 1 learns with the lesson's settings; any other seed than the one that stalled.
    let demo_seed = if config.seed == 1 { 0 } else { 1 };
    let demo_config = Config {
        seed: demo_seed,
        trace: None,
        plot: None,
        ..config.clone()
    };
    writeln!(
        out,
        "\n--- For comparison (not the lesson's run): seed {demo_seed}, same lr, epochs and hidden units ---"
    )?;
    let demo = train(&demo_config, out)?;
    writeln!(out, "\n{}", demo.check.summary())?;
    if let Some(dir) = &config.plot {
        let title = format!("XOR, seed {demo_seed}");
        plot(dir, &format!("xor-seed{demo_seed}"), &title, &demo, out)?;
    }
    let verdict = if demo.learned(&y) {
        "learned XOR"
    } else {
        "did not learn XOR either"
    };
    let dead: Vec<String> = (0..demo.dead.len())
        .filter(|&j| demo.dead[j])
        .map(|j| j.to_string())
        .collect();
    let note = if dead.is_empty() {
        String::new()
    } else {
        format!(
            " (hidden units {} are dead in this run too: the others suffice)",
            dead.join(", ")
        )
    };
    writeln!(out, "Seed {demo_seed} {verdict}{note}.")?;
    Ok(Report {
        lesson,
        learned,
        demo: Some((demo_seed, demo)),
    })
}

impl common::Outcome for Report {
    fn trace(&self) -> &common::Trace {
        &self.lesson.trace
    }
    fn passed(&self) -> bool {
        Report::passed(self)
    }
}

#[allow(dead_code)] // the integration tests include this file for `run`
fn main() -> ExitCode {
    common::main("xor", lesson_config(), run)
}
