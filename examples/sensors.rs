//! # Sensors: the lesson's three-class classifier, trained by autograd, checked by backprop
//!
//! The lesson makes 300 synthetic machine readings (temperature, vibration) in three classes
//! (Normal, Warning, Critical), standardises them, shuffles and splits them 80/20, and trains
//! a 2-16-3 network (ReLU, softmax, cross-entropy) with hand-written backprop in NumPy. This
//! example draws the same data and weights from `np.random.seed(42)`, declares the network
//! with `nn`, trains it with `autograd` and `Sgd`, and at every epoch compares the gradients
//! with the lesson's manual backprop (ported formula by formula onto tensors) from the same
//! weights. It prints what the lesson's program prints, then the check.
//!
//! The model is trained on `cross_entropy_with_logits`, not on the printed loss
//! `-mean(sum(y * log(a2 + 1e-8)))`: the lesson's `delta2 = (a2 - y) / N` is the gradient of the
//! former. The last line shows how far the printed loss's own gradient is from it (see
//! docs/lesson.md).
//!
//! ```text
//! cargo run --release --example sensors
//! cargo run --release --example sensors -- --seed 7 --epochs 500 --trace sensors.json
//! cargo run --release --example sensors -- --plot plots/   # loss, accuracy, decision regions
//! ```

pub mod common;

use std::io::Write;
use std::process::ExitCode;

use autograd::Tape;
use common::{Config, GradCheck, Trace, Weights, percent};
use nn::data::{one_hot, shuffle, standardize, train_test_split};
use nn::init::Init;
use nn::loss::{cross_entropy, cross_entropy_with_logits};
use nn::metrics::{accuracy, argmax_rows};
use nn::optim::{Optimizer, Sgd};
use nn::{Linear, Module, ReLU, Sequential, sequential};
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

/// The lesson's loop body, formula by formula, on plain tensors (no autograd): its forward
/// pass and its hand-derived gradients `dW1, db1, dW2, db2`.
pub fn lesson_grads(x: &Tensor<f64>, y: &Tensor<f64>, w: &Weights) -> Result<Weights> {
    let z1 = x.matmul(&w.w1)?.add(&w.b1)?;
    let a1 = relu(&z1);
    let z2 = a1.matmul(&w.w2)?.add(&w.b2)?;
    let a2 = softmax(&z2)?;
    let delta2 = a2.sub(y)?.div_scalar(y.shape()[0] as f64);
    let dw2 = a1.t()?.matmul(&delta2)?;
    let db2 = delta2.sum_axis(0, true)?;
    let delta1 = delta2.matmul(&w.w2.t()?)?.mul(&relu_derivative(&z1))?;
    let dw1 = x.t()?.matmul(&delta1)?;
    let db1 = delta1.sum_axis(0, true)?;
    Ok(Weights {
        w1: dw1,
        b1: db1,
        w2: dw2,
        b2: db2,
    })
}

/// The lesson's network up to the logits, declared; its softmax is in the loss. The weights are
/// drawn as the lesson draws them, `W1 = randn(2, h) * 0.3` then `W2 = randn(h, 3) * 0.3`.
pub fn lesson_model(hidden: usize, rng: &mut NumpyRng) -> Result<Sequential<f64>> {
    let init = Init::Randn { scale: 0.3 };
    Ok(sequential![
        Linear::with_init(2, hidden, init, rng)?,
        ReLU,
        Linear::with_init(hidden, 3, init, rng)?,
    ])
}

/// What a run produced.
pub struct Report {
    /// Everything the lesson computes, in the reference traces' schema.
    pub trace: Trace,
    /// The largest autograd-vs-manual gradient difference, and where.
    pub check: GradCheck,
    /// At epoch 0, how far the gradient of the printed loss (with its `1e-8`) is from the
    /// lesson's manual gradient.
    pub epsilon_gap: f64,
    /// Accuracy on the 60 test samples.
    pub test_accuracy: f64,
}

/// Runs the lesson's program with `config`, printing what it prints, then the check, to `out`.
pub fn run(
    config: &Config,
    out: &mut impl Write,
) -> std::result::Result<Report, Box<dyn std::error::Error>> {
    let mut trace = Trace::new("sensors", config);
    let mut rng = NumpyRng::new(config.seed);
    let d = sensor_data(&mut rng)?;
    let mut model = lesson_model(config.hidden, &mut rng)?;
    let mut opt = Sgd::new(config.lr);
    let init = Weights::of(&model)?;
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
        ("W1_init", &init.w1),
        ("W2_init", &init.w2),
    ] {
        trace.put(name, t);
    }

    let mut check = GradCheck::default();
    let mut epsilon_gap = f64::NAN;
    let (mut losses, mut accs) = (Vec::new(), Vec::new());
    for epoch in 0..config.epochs {
        // The lesson's manual backprop from the model's current weights...
        let manual = lesson_grads(&d.x_train, &d.y_train, &Weights::of(&model)?)?;
        // ...and autograd's gradients of the loss that backprop differentiates.
        let tape = Tape::new();
        let logits = model.forward(&tape.constant(d.x_train.clone()))?;
        let grads = cross_entropy_with_logits(&logits, &d.y_train)?.backward()?;
        let auto = Weights::grads_of(&model, &grads)?;
        check.compare_all(epoch, &auto, &manual)?;
        if epoch == 0 {
            epsilon_gap = printed_loss_gradient_gap(&model, &d, &manual)?;
        }
        if config.grad_epochs.contains(&epoch) {
            trace.put_grads(epoch, &auto);
        }
        opt.step(&mut model, &grads)?;

        // What the lesson prints: its loss formula on the probabilities, and the accuracy.
        let a2 = logits.value().softmax(1)?;
        let loss = cross_entropy(&tape.constant(a2.clone()), &d.y_train)?
            .value()
            .item()?;
        let acc = accuracy(&a2, &d.y_train)?;
        losses.push(loss);
        accs.push(acc);
        if epoch % 500 == 0 {
            writeln!(
                out,
                "Epoch {epoch:4} | Loss: {loss:.4} | Train Acc: {}",
                percent(acc)
            )?;
        }
    }
    let a2_test = model.predict(&d.x_test)?.softmax(1)?;
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
    writeln!(out, "\n{}", check.summary())?;
    writeln!(
        out,
        "(Differentiating the printed loss itself, with its 1e-8 inside the log, would miss the \
         lesson's epoch-0 gradients by {epsilon_gap:.2e}: the check sees that difference.)"
    )?;
    if let Some(dir) = &config.plot {
        plot(dir, &model, &d, &losses, &accs, out)?;
    }
    trace.put_values("loss", &losses);
    trace.put_values("train_accuracy", &accs);
    trace.put_weights(&Weights::of(&model)?);
    trace.put("test_probabilities", &a2_test);
    trace.put_values("test_accuracy", &[test_acc]);
    Ok(Report {
        trace,
        check,
        epsilon_gap,
        test_accuracy: test_acc,
    })
}

/// With `--plot DIR`: `DIR/sensors-training.svg` (loss and accuracy per epoch) and
/// `DIR/sensors-regions.svg` (the class the network gives each reading of the plane, in the
/// sensors' own units, with the 240 training readings).
fn plot(
    dir: &std::path::Path,
    model: &Sequential<f64>,
    d: &SensorData,
    losses: &[f64],
    accs: &[f64],
    out: &mut impl Write,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    common::plot_dir(dir)?;
    let training = dir.join("sensors-training.svg");
    common::plot::training_curves(
        &training,
        "Sensors: the lesson's 2-16-3 network, full-batch SGD",
        &[("train loss", losses)],
        &[("train accuracy", accs)],
    )?;
    // Readings in the units the sensors report; the network sees them standardised.
    let raw = d.x_train.mul(&d.x_std)?.add(&d.x_mean)?;
    let labels = argmax_rows(&d.y_train)?;
    let points: Vec<(f64, f64, usize)> = labels
        .iter()
        .enumerate()
        .map(|(i, &c)| Ok((raw.get(&[i, 0])?, raw.get(&[i, 1])?, c)))
        .collect::<Result<_>>()?;
    let classify =
        |pts: &[[f64; 2]]| -> std::result::Result<Vec<usize>, Box<dyn std::error::Error>> {
            let grid = Tensor::from_vec(pts.concat(), &[pts.len(), 2])?;
            let z = grid.sub(&d.x_mean)?.div(&d.x_std)?;
            Ok(argmax_rows(&model.predict(&z)?)?)
        };
    let plane = common::plot::Plane {
        x: (15.0, 85.0),
        y: (0.0, 7.5),
        x_name: "temperature",
        y_name: "vibration",
    };
    let regions = dir.join("sensors-regions.svg");
    common::plot::decision_regions(
        &regions,
        "Sensors: the trained network's classes",
        &plane,
        classify,
        &points,
        &LABELS,
    )?;
    writeln!(
        out,
        "Wrote {} and {}",
        training.display(),
        regions.display()
    )?;
    Ok(())
}

/// The largest difference between the lesson's manual gradients and autograd's gradients of
/// the printed loss `cross_entropy(softmax(z2))`, whose `1e-8` damps `d/dz2` by
/// `p_c / (p_c + 1e-8)`.
fn printed_loss_gradient_gap(
    model: &Sequential<f64>,
    d: &SensorData,
    manual: &Weights,
) -> Result<f64> {
    let tape = Tape::new();
    let probs = model
        .forward(&tape.constant(d.x_train.clone()))?
        .softmax(1)?;
    let grads = cross_entropy(&probs, &d.y_train)?.backward()?;
    let auto = Weights::grads_of(model, &grads)?;
    let mut gap: f64 = 0.0;
    for ((_, a), (_, m)) in auto.named().into_iter().zip(manual.named()) {
        gap = gap.max(a.max_abs_diff(m)?);
    }
    Ok(gap)
}

impl common::Outcome for Report {
    fn trace(&self) -> &common::Trace {
        &self.trace
    }
    fn passed(&self) -> bool {
        self.check.passed()
    }
}

#[allow(dead_code)] // the integration tests include this file for `run`
fn main() -> ExitCode {
    common::main("sensors", lesson_config(), run)
}
