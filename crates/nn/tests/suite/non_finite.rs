//! Training never goes NaN silently: every optimizer refuses a non-finite gradient, naming the
//! parameter by its path and changing nothing (parameters and optimizer state), unless told
//! otherwise; anomaly mode names the node, the layer and whether the NaN was already in the data.

#![allow(clippy::unwrap_used)]

use autograd::{Gradients, Tape, Var};
use nn::loss::{cross_entropy_with_logits, mse};
use nn::optim::{Adam, Optimizer, Sgd};
use nn::{Linear, Module, ReLU, Sequential, sequential};
use tensor::{Error, NumpyRng, Result, Tensor};

/// The model: 64 -> 64 -> 10, 4,810 weights.
fn model(seed: u32) -> Sequential<f32> {
    let mut rng = NumpyRng::new(seed);
    sequential![
        Linear::new(64, 64, &mut rng).unwrap(),
        ReLU,
        Linear::new(64, 10, &mut rng).unwrap(),
    ]
}

fn batch(nan_at: Option<usize>) -> (Tensor<f32>, Vec<usize>) {
    let mut rng = NumpyRng::new(11);
    let mut x = rng.randn_tensor::<f32>(&[8, 64]).unwrap();
    if let Some(i) = nan_at {
        x.make_mut()[i] = f32::NAN;
    }
    (x, vec![0, 1, 2, 3, 4, 5, 6, 7])
}

fn grads(m: &Sequential<f32>, nan_at: Option<usize>) -> Gradients<f32> {
    let (x, labels) = batch(nan_at);
    let tape = Tape::new();
    let logits = m.forward(&tape.constant(x)).unwrap();
    cross_entropy_with_logits(&logits, &labels[..])
        .unwrap()
        .backward()
        .unwrap()
}

fn same_values(a: &Sequential<f32>, b: &Sequential<f32>) -> bool {
    a.parameter_values()
        .iter()
        .zip(b.parameter_values().iter())
        .all(|(x, y)| x.bitwise_eq(y))
}

/// Runs good step, refused step, good step on one model and good, good on a twin: if the refused
/// step changed any parameter or any optimizer state, the two end differently.
fn refused_step_changes_nothing<O: Optimizer<f32>>(make: impl Fn() -> O, name: &str) {
    let (mut a, mut b) = (model(3), model(3));
    assert_eq!(a.num_parameters(), 4810);
    let (mut oa, mut ob) = (make(), make());
    {
        let g = grads(&a, None);
        oa.step(&mut a, &g)
    }
    .unwrap();
    {
        let g = grads(&b, None);
        ob.step(&mut b, &g)
    }
    .unwrap();
    let before = a.parameter_values();
    let e = {
        let g = grads(&a, Some(5));
        oa.step(&mut a, &g)
    }
    .unwrap_err();
    assert!(
        matches!(&e, Error::NonFinite { pass, location, .. } if pass == "step" && location == "0.weight"),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!("{name}: the gradient of parameter '0.weight'"))
            && msg.contains("no parameter or optimizer state changed")
            && msg.contains("set_anomaly_detection(true)")
            && msg.contains("check_finite(false)"),
        "{msg}"
    );
    assert!(
        a.parameter_values()
            .iter()
            .zip(&before)
            .all(|(x, y)| x.bitwise_eq(y))
    );
    {
        let g = grads(&a, None);
        oa.step(&mut a, &g)
    }
    .unwrap();
    {
        let g = grads(&b, None);
        ob.step(&mut b, &g)
    }
    .unwrap();
    assert!(same_values(&a, &b), "{name}: the refused step left a trace");
}

#[test]
fn adam_refuses_a_nan_gradient_and_changes_nothing() {
    refused_step_changes_nothing(|| Adam::new(1e-2), "adam");
}

#[test]
fn sgd_with_momentum_refuses_a_nan_gradient_and_changes_nothing() {
    refused_step_changes_nothing(|| Sgd::new(0.1).momentum(0.9), "sgd");
    refused_step_changes_nothing(|| Sgd::new(0.1), "sgd");
}

#[test]
fn the_error_names_the_parameter_by_its_path_and_counts_the_bad_elements() {
    // A store edited to hold one infinity in the second Linear's weight only: 2.weight.
    let mut m = model(4);
    let mut g = grads(&m, None);
    let w = m.get(2).unwrap().parameters()[0];
    let mut bad = g.param(w.id()).unwrap().clone();
    bad.make_mut()[7] = f32::INFINITY;
    let id = w.id();
    g.set_param(id, bad).unwrap();
    let e = Adam::new(1e-3).step(&mut m, &g).unwrap_err().to_string();
    assert!(
        e.contains("'2.weight'")
            && e.contains("1 of its 640 elements (shape [64, 10])")
            && e.contains("flat index 7: inf"),
        "{e}"
    );
    // Without a model, `step_params` knows only the parameter's own name.
    let mut params = m.parameters_mut();
    let only_w = params.remove(2);
    let e = Sgd::new(0.1)
        .step_params(vec![only_w], &g)
        .unwrap_err()
        .to_string();
    assert!(e.contains("parameter 'weight'"), "{e}");
}

#[test]
fn check_finite_false_applies_the_step_as_pytorch_does() {
    let mut m = model(5);
    let g = grads(&m, Some(0));
    Adam::new(1e-3)
        .check_finite(false)
        .step(&mut m, &g)
        .unwrap();
    // Every weight of the first layer is now NaN, as PyTorch's Adam would leave it.
    let w0 = m.parameter_values()[0].to_vec();
    assert!(w0.iter().any(|x| x.is_nan()));
    let mut m = model(5);
    let g = grads(&m, Some(0));
    Sgd::new(0.1).check_finite(false).step(&mut m, &g).unwrap();
    assert!(m.parameter_values()[0].to_vec().iter().any(|x| x.is_nan()));
}

#[test]
fn anomaly_mode_says_the_nan_was_already_in_the_data_at_layer_0s_input() {
    let m = model(6);
    let (x, _) = batch(Some(9));
    let tape = Tape::new();
    tape.set_anomaly_detection(true);
    let e = m.forward(&tape.constant(x)).unwrap_err();
    // Layer 0 records its weight (node 0) and bias (node 1), then its one fused node, `linear`
    // (node 2), meets the NaN.
    assert_eq!(
        e.to_string(),
        "anomaly: node 2 (linear) in layer 0 (Linear(64 -> 64)) produced a NaN or infinity in \
         its forward; it was already in its input 0 (layer 0 (Linear(64 -> 64)), input), a \
         constant (the data), not produced by linear"
    );
}

#[test]
fn anomaly_mode_names_a_parameter_that_already_held_a_nan() {
    let mut m = model(7);
    let mut values = m.parameter_values();
    values[2].make_mut()[3] = f32::NAN; // 2.weight
    m.set_parameters(&values).unwrap();
    let (x, _) = batch(None);
    let tape = Tape::new();
    tape.set_anomaly_detection(true);
    let e = m.forward(&tape.constant(x)).unwrap_err().to_string();
    // Layer 0: weight 0, bias 1, linear 2; ReLU 3; layer 2: weight 4, bias 5, linear 6.
    assert!(
        e.starts_with("anomaly: node 6 (linear) in layer 2 (Linear(64 -> 10))")
            && e.contains("its input 1 (layer 2 (Linear(64 -> 10)), weight), leaf node 4 (param)"),
        "{e}"
    );
}

/// `ln(x)` as a layer, to produce a NaN inside a model from finite inputs.
struct Ln;

impl Module<f64> for Ln {
    fn forward(&self, x: &Var<f64>) -> Result<Var<f64>> {
        x.ln()
    }
}

/// `sqrt(x)` as a layer: finite at 0 forward, infinite derivative there.
struct Sqrt;

impl Module<f64> for Sqrt {
    fn forward(&self, x: &Var<f64>) -> Result<Var<f64>> {
        x.sqrt()
    }
}

fn neg_one() -> Linear<f64> {
    Linear::from_tensors(
        Tensor::from_vec(vec![-1.0], &[1, 1]).unwrap(),
        Tensor::zeros(&[1]).unwrap(),
    )
    .unwrap()
}

#[test]
fn anomaly_mode_names_the_layer_whose_op_produced_the_nan() {
    let m = sequential![neg_one(), Ln];
    let tape = Tape::new();
    tape.set_anomaly_detection(true);
    let x = tape.constant(Tensor::from_vec(vec![2.0], &[1, 1]).unwrap());
    // -2 from layer 0 (weight 0, bias 1, linear 2), then ln(-2) = NaN would be node 3.
    let e = m.forward(&x).unwrap_err().to_string();
    assert_eq!(
        e,
        "anomaly: node 3 (ln) in layer 1 (Ln) produced a NaN or infinity in its forward; its \
         inputs were all finite: ln produced it"
    );
    // Nested containers give the path from the outside in.
    let nested = sequential![sequential![neg_one()], sequential![Ln]];
    let e = nested.forward(&x).unwrap_err().to_string();
    assert!(
        e.contains("in layer 1 (Sequential(Ln)) > layer 0 (Ln) produced"),
        "{e}"
    );
}

#[test]
fn anomaly_mode_names_the_layer_of_a_backward_rule() {
    // Linear gives 0 (w = -1, x = 0), sqrt(0) = 0, but d sqrt / dx = 1 / (2 sqrt 0) = inf.
    let m = sequential![neg_one(), Sqrt];
    let tape = Tape::new();
    tape.set_anomaly_detection(true);
    let x = tape.constant(Tensor::zeros(&[1, 1]).unwrap());
    let y = m.forward(&x).unwrap();
    let e = mse(&y, &Tensor::from_vec(vec![-1.0], &[1, 1]).unwrap())
        .unwrap()
        .backward()
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "anomaly: node 3 (sqrt) in layer 1 (Sqrt) produced a NaN or infinity in its backward \
         (gradient for input 0)"
    );
}

#[test]
fn with_anomaly_mode_off_no_name_is_ever_made() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::zeros(&[1]).unwrap());
    // The closures would panic if called: the naming work is skipped, not just discarded.
    let _scope = tape.module_scope(|| panic!("formatted a scope name"), &x);
    tape.name_leaf(&x, || panic!("formatted a leaf name"));
    let m = sequential![neg_one(), Ln];
    let y = m
        .forward(&tape.constant(Tensor::ones(&[1, 1]).unwrap()))
        .unwrap();
    assert!(y.value().to_vec()[0].is_nan()); // ln(-1): silently NaN with anomaly mode off
}
