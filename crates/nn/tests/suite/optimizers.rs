//! SGD (plain, momentum, Nesterov, dampening, weight decay) and Adam against hand-computed
//! updates, and the whole step (forward, loss, backward, update) against central differences.

use autograd::{Gradients, Tape};
use nn::loss::mse;
use nn::optim::{Adam, Optimizer, Sgd};
use nn::{Linear, Module, Param};
use tensor::{NumpyRng, Tensor};

fn t(v: &[f64]) -> Tensor<f64> {
    Tensor::from_vec(v.to_vec(), &[v.len()]).unwrap()
}

/// The gradients of `sum(p * c)`, which are exactly `c`.
fn linear_grads(p: &Param<f64>, c: &[f64]) -> Gradients<f64> {
    let tape = Tape::new();
    p.var(&tape)
        .mul(&tape.constant(t(c)))
        .unwrap()
        .sum()
        .unwrap()
        .backward()
        .unwrap()
}

/// `p` after one step per gradient in `cs`.
fn run(opt: &mut impl Optimizer<f64>, p0: &[f64], cs: &[&[f64]]) -> Vec<f64> {
    let mut p = Param::new("p", t(p0));
    for c in cs {
        let g = linear_grads(&p, c);
        opt.step_params(vec![&mut p], &g).unwrap();
    }
    p.value().to_vec()
}

fn assert_close(got: &[f64], want: &[f64], tol: f64) {
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tol, "got {got:?}, want {want:?}");
    }
}

#[test]
fn plain_sgd_is_p_minus_lr_g() {
    // 1 - 0.1 * 0.5 = 0.95; -2 - 0.1 * (-1) = -1.9.
    let p = run(&mut Sgd::new(0.1), &[1.0, -2.0], &[&[0.5, -1.0]]);
    assert_eq!(p, vec![1.0 - 0.1 * 0.5, -2.0 + 0.1 * 1.0]);
}

#[test]
fn momentum_nesterov_dampening_and_weight_decay_follow_pytorch() {
    let g: &[f64] = &[1.0];
    // Momentum 0.9, constant gradient 1, lr 0.1: b1 = 1, p1 = 0.9; b2 = 0.9 + 1 = 1.9,
    // p2 = 0.9 - 0.19 = 0.71.
    let p = run(&mut Sgd::new(0.1).momentum(0.9), &[1.0], &[g, g]);
    assert_close(&p, &[0.71], 1e-15);
    // Nesterov: b1 = 1, step 1 + 0.9 * 1 = 1.9, p1 = 0.81; b2 = 1.9, step 1 + 0.9 * 1.9 = 2.71,
    // p2 = 0.81 - 0.271 = 0.539.
    let p = run(
        &mut Sgd::new(0.1).momentum(0.9).nesterov(true),
        &[1.0],
        &[g, g],
    );
    assert_close(&p, &[0.539], 1e-15);
    // Dampening 0.5 (not applied on the first step): b1 = 1, p1 = 0.9; b2 = 0.9 + 0.5 = 1.4,
    // p2 = 0.9 - 0.14 = 0.76.
    let p = run(
        &mut Sgd::new(0.1).momentum(0.9).dampening(0.5),
        &[1.0],
        &[g, g],
    );
    assert_close(&p, &[0.76], 1e-15);
    // Weight decay 0.5 at p = 1: g = 1 + 0.5 = 1.5, p = 1 - 0.15 = 0.85.
    let p = run(&mut Sgd::new(0.1).weight_decay(0.5), &[1.0], &[g]);
    assert_close(&p, &[0.85], 1e-15);
}

#[test]
fn adam_matches_a_hand_computed_two_step_update() {
    // lr 0.1, betas (0.9, 0.999), eps 1e-8; p0 = [1, -2, 0.5], g1 = [0.5, -1, 0], g2 = [0.1, 0.2, -0.3].
    // Step 1: m = 0.1 g1, v = 0.001 g1^2, so m_hat = g1, v_hat = g1^2 and
    //   p1 = p0 - 0.1 g1 / (|g1| + 1e-8) = [0.900000002, -1.900000001, 0.5] (0 stays: m = 0).
    // Step 2, element 0: m = 0.9 * 0.05 + 0.1 * 0.1 = 0.055, v = 0.999 * 0.00025 + 0.001 * 0.01
    //   = 0.00025975; m_hat = 0.055 / 0.19, v_hat = 0.00025975 / 0.001999;
    //   p2 = p1 - 0.1 m_hat / (sqrt(v_hat) + 1e-8) = 0.8196959063846518; likewise the others
    //   (evaluated in Python with the textbook m_hat / (sqrt(v_hat) + eps) arrangement).
    let mut adam = Adam::new(0.1);
    let p1 = run(&mut adam, &[1.0, -2.0, 0.5], &[&[0.5, -1.0, 0.0]]);
    assert_close(&p1, &[0.900000002, -1.900000001, 0.5], 1e-15);
    let mut adam = Adam::new(0.1);
    let p2 = run(
        &mut adam,
        &[1.0, -2.0, 0.5],
        &[&[0.5, -1.0, 0.0], &[0.1, 0.2, -0.3]],
    );
    assert_close(
        &p2,
        &[0.8196959063846518, -1.8488973939904947, 0.5744136788496809],
        1e-14,
    );
}

#[test]
fn adam_weight_decay_adds_to_the_gradient() {
    // g = 0 + 0.5 * 2 = 1 at p = 2: the first step is lr * 1 / (1 + 1e-8).
    let p = run(&mut Adam::new(0.1).weight_decay(0.5), &[2.0], &[&[0.0]]);
    assert_close(&p, &[2.0 - 0.1 / (1.0 + 1e-8)], 1e-15);
}

/// One optimizer step on a model.
type StepFn = dyn FnMut(&mut Linear<f64>, &Gradients<f64>);

/// Central-difference gradient of `loss(model)` with respect to parameter `k`.
fn numeric_grad(model: &mut Linear<f64>, k: usize, loss: &dyn Fn(&Linear<f64>) -> f64) -> Vec<f64> {
    let eps = 1e-6;
    let base = model.parameter_values();
    let mut out = Vec::new();
    for i in 0..base[k].len() {
        let mut shifted = |s: f64| {
            let mut vals = base.clone();
            vals[k].make_mut()[i] += s;
            model.set_parameters(&vals).unwrap();
            loss(model)
        };
        out.push((shifted(eps) - shifted(-eps)) / (2.0 * eps));
    }
    model.set_parameters(&base).unwrap();
    out
}

#[test]
fn a_full_step_moves_each_parameter_as_the_numeric_gradient_says() {
    let mut rng = NumpyRng::new(5);
    let x = rng.randn_tensor::<f64>(&[5, 3]).unwrap();
    let y = rng.randn_tensor::<f64>(&[5, 2]).unwrap();
    let loss = |m: &Linear<f64>| {
        let tape = Tape::new();
        let l = mse(&m.forward(&tape.constant(x.clone())).unwrap(), &y).unwrap();
        l.value().item().unwrap()
    };
    // SGD moves by -lr g; Adam's first step by -lr g / (|g| + eps) (m_hat = g, v_hat = g^2).
    let sgd_move = |g: f64| -0.5 * g;
    let adam_move = |g: f64| -0.01 * g / (g.abs() + 1e-8);
    let cases: [(&mut StepFn, &dyn Fn(f64) -> f64); 2] = [
        (&mut |m, g| Sgd::new(0.5).step(m, g).unwrap(), &sgd_move),
        (&mut |m, g| Adam::new(0.01).step(m, g).unwrap(), &adam_move),
    ];
    for (step, expected_move) in cases {
        let mut model = Linear::<f64>::new(3, 2, &mut rng).unwrap();
        let numeric: Vec<Vec<f64>> = (0..2).map(|k| numeric_grad(&mut model, k, &loss)).collect();
        let before = model.parameter_values();
        let tape = Tape::new();
        let l = mse(&model.forward(&tape.constant(x.clone())).unwrap(), &y).unwrap();
        step(&mut model, &l.backward().unwrap());
        for k in 0..2 {
            let moved = model.parameter_values()[k]
                .sub(&before[k])
                .unwrap()
                .to_vec();
            let want: Vec<f64> = numeric[k].iter().map(|&g| expected_move(g)).collect();
            // Central differences of a quadratic are exact up to rounding (~1e-10 at
            // eps = 1e-6); the gradients here are O(0.1), far from Adam's sign-like regime.
            assert_close(&moved, &want, 1e-8);
        }
    }
}

#[test]
fn bad_stores_and_hyper_parameters_are_errors() {
    let mut p = Param::new("p", t(&[1.0]));
    let other = Param::new("other", t(&[1.0]));
    let g = linear_grads(&other, &[1.0]);
    let e = Sgd::new(0.1)
        .step_params(vec![&mut p], &g)
        .unwrap_err()
        .to_string();
    assert!(e.contains("none of the 1 parameters"), "{e}");
    let g = linear_grads(&p, &[1.0]);
    assert!(Sgd::new(-0.1).step_params(vec![&mut p], &g).is_err());
    assert!(
        Sgd::new(0.1)
            .nesterov(true)
            .step_params(vec![&mut p], &g)
            .is_err()
    );
    assert!(
        Adam::new(0.1)
            .betas(1.0, 0.9)
            .step_params(vec![&mut p], &g)
            .is_err()
    );
    assert!(Adam::new(f64::NAN).step_params(vec![&mut p], &g).is_err());
    assert_eq!(p.value().to_vec(), vec![1.0]); // nothing changed
}

#[test]
fn a_parameter_without_a_gradient_is_left_alone() {
    let mut used = Param::new("used", t(&[1.0]));
    let mut unused = Param::new("unused", t(&[3.0]));
    let g = linear_grads(&used, &[2.0]);
    Sgd::new(0.25)
        .step_params(vec![&mut used, &mut unused], &g)
        .unwrap();
    assert_eq!(used.value().to_vec(), vec![0.5]);
    assert_eq!(unused.value().to_vec(), vec![3.0]);
}
