//! Every loss against hand-derived values (derivations in the comments), against central
//! differences (`autograd::gradcheck`, f64), and at extreme logits.

use autograd::{GradcheckOptions, Tape, Var, gradcheck};
use nn::data::one_hot;
use nn::loss::{bce, bce_with_logits, cross_entropy, cross_entropy_with_logits, mse};
use tensor::{NumpyRng, Result, Tensor};

fn t(v: &[f64], s: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(v.to_vec(), s).unwrap()
}

type Loss = fn(&Var<f64>, &Tensor<f64>) -> Result<Var<f64>>;

/// The loss value and its gradient with respect to the input.
fn value_and_grad(loss: Loss, input: &Tensor<f64>, target: &Tensor<f64>) -> (f64, Vec<f64>) {
    let tape = Tape::new();
    let x = tape.var(input.clone());
    let l = loss(&x, target).unwrap();
    let g = l.backward().unwrap().get(&x).unwrap().to_vec();
    (l.value().item().unwrap(), g)
}

fn assert_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tol, "got {got:?}, want {want:?}");
    }
}

#[test]
fn mse_is_the_mean_square_and_its_gradient_two_residuals_over_n() {
    // p = [0.5, 2, -1] against y = [1, 0, -1]: residuals [-0.5, 2, 0], squares [0.25, 4, 0],
    // mean 4.25 / 3; gradient 2 r / 3 = [-1/3, 4/3, 0].
    let (l, g) = value_and_grad(
        mse,
        &t(&[0.5, 2.0, -1.0], &[3]),
        &t(&[1.0, 0.0, -1.0], &[3]),
    );
    assert_close(&[l], &[4.25 / 3.0], 1e-15);
    assert_close(&g, &[-1.0 / 3.0, 4.0 / 3.0, 0.0], 1e-15);
}

#[test]
fn cross_entropy_is_the_lessons_formula_with_its_epsilon() {
    // p = [[0.5, 0.5], [0.25, 0.75]], y = [[1, 0], [0, 1]]:
    // loss = -(ln(0.5 + 1e-8) + ln(0.75 + 1e-8)) / 2; d/dp = -y / (p + 1e-8) / 2.
    let p = t(&[0.5, 0.5, 0.25, 0.75], &[2, 2]);
    let y = t(&[1.0, 0.0, 0.0, 1.0], &[2, 2]);
    let (l, g) = value_and_grad(cross_entropy, &p, &y);
    let e = 1e-8;
    assert_close(
        &[l],
        &[-((0.5f64 + e).ln() + (0.75f64 + e).ln()) / 2.0],
        1e-15,
    );
    assert_close(&g, &[-0.5 / (0.5 + e), 0.0, 0.0, -0.5 / (0.75 + e)], 1e-15);
}

#[test]
fn cross_entropy_with_logits_is_minus_log_softmax_of_the_target_class() {
    // z = [[0, ln 3]], y = [[0, 1]]: softmax = [1/4, 3/4], loss = -ln(3/4),
    // gradient softmax - y = [1/4, -1/4].
    let (l, g) = value_and_grad(
        cross_entropy_with_logits,
        &t(&[0.0, 3f64.ln()], &[1, 2]),
        &t(&[0.0, 1.0], &[1, 2]),
    );
    assert_close(&[l], &[-(0.75f64.ln())], 1e-15);
    assert_close(&g, &[0.25, -0.25], 1e-15);
}

#[test]
fn bce_is_the_binary_log_loss_and_its_gradient() {
    // p = [0.5, 0.8], y = [1, 0]: loss = -(ln 0.5 + ln 0.2) / 2;
    // d/dp = (p - y) / (p (1 - p)) / 2 = [-0.5 / 0.25 / 2, 0.8 / 0.16 / 2] = [-1, 2.5].
    let (l, g) = value_and_grad(bce, &t(&[0.5, 0.8], &[2]), &t(&[1.0, 0.0], &[2]));
    assert_close(&[l], &[-(0.5f64.ln() + 0.2f64.ln()) / 2.0], 1e-15);
    assert_close(&g, &[-1.0, 2.5], 1e-14);
}

#[test]
fn bce_floors_the_log_at_minus_100_and_rejects_non_probabilities() {
    // p = 0 with y = 1: -max(ln 0, -100) = 100.
    let (l, _) = value_and_grad(bce, &t(&[0.0], &[1]), &t(&[1.0], &[1]));
    assert_eq!(l, 100.0);
    let tape = Tape::new();
    for bad in [1.5, -0.1, f64::NAN] {
        let p = tape.var(t(&[bad], &[1]));
        let e = bce(&p, &t(&[1.0], &[1])).unwrap_err().to_string();
        assert!(e.contains("bce"), "{e}");
    }
}

#[test]
fn bce_with_logits_is_softplus_minus_zy_with_the_exact_slope_at_zero() {
    // z = [0, ln 3], y = [1, 0]: softplus(0) = ln 2, softplus(ln 3) = ln 4;
    // loss = (ln 2 - 0 + ln 4 - 0) / 2 = 1.5 ln 2; gradient (sigmoid(z) - y) / 2 = [-1/4, 3/8].
    // At z = 0 a max/abs formulation would give a one-sided slope; the true one is 1/2 - y.
    let (l, g) = value_and_grad(
        bce_with_logits,
        &t(&[0.0, 3f64.ln()], &[2]),
        &t(&[1.0, 0.0], &[2]),
    );
    assert_close(&[l], &[1.5 * 2f64.ln()], 1e-15);
    assert_close(&g, &[-0.25, 0.375], 1e-15);
}

#[test]
fn logit_losses_are_finite_and_exact_at_plus_minus_1e4() {
    // Right with full confidence: the loss is 0 (e^-1e4 underflows; the true value is below
    // 1e-4000) and so is the gradient. Wrong with full confidence: the loss is the margin.
    let z = t(&[1e4, -1e4], &[2]);
    let (l, g) = value_and_grad(bce_with_logits, &z, &t(&[1.0, 0.0], &[2]));
    assert_eq!((l, g), (0.0, vec![0.0, 0.0]));
    let (l, g) = value_and_grad(bce_with_logits, &z, &t(&[0.0, 1.0], &[2]));
    assert_eq!((l, g), (1e4, vec![0.5, -0.5]));

    // Three classes, logits [1e4, 0, -1e4]: log_softmax = [0, -1e4, -2e4].
    let z = t(&[1e4, 0.0, -1e4], &[1, 3]);
    let (l, g) = value_and_grad(cross_entropy_with_logits, &z, &t(&[1.0, 0.0, 0.0], &[1, 3]));
    assert_eq!((l, g), (0.0, vec![0.0, 0.0, 0.0]));
    let (l, g) = value_and_grad(cross_entropy_with_logits, &z, &t(&[0.0, 0.0, 1.0], &[1, 3]));
    assert_eq!((l, g), (2e4, vec![1.0, 0.0, -1.0]));
}

fn check(loss: Loss, input: Tensor<f64>, target: Tensor<f64>) {
    let report = gradcheck(
        |v| loss(&v[0], &target),
        &[input],
        &GradcheckOptions::default(),
    )
    .unwrap();
    assert!(report.passed(), "{report}");
    assert!(report.full_jacobian && report.checked > 0);
}

#[test]
fn every_loss_matches_central_differences() {
    let mut rng = NumpyRng::new(11);
    let y_onehot = one_hot::<f64>(&[2, 0, 1, 1], 3).unwrap();
    let z = rng.randn_tensor::<f64>(&[4, 3]).unwrap().mul_scalar(2.0);
    check(mse, z.clone(), rng.randn_tensor(&[4, 3]).unwrap());
    check(cross_entropy_with_logits, z.clone(), y_onehot.clone());
    // Soft targets too: rows of probabilities.
    check(
        cross_entropy_with_logits,
        z.clone(),
        z.mul_scalar(-1.0).softmax(1).unwrap(),
    );
    let probs = rng.uniform_tensor(&[4, 3], 0.05, 1.0).unwrap();
    check(cross_entropy, probs, y_onehot);
    let p = rng.uniform_tensor(&[6], 0.1, 0.9).unwrap();
    let y = rng.uniform_tensor(&[6], 0.0, 1.0).unwrap();
    check(bce, p, y.clone());
    // Logits at the kink-prone 0, moderate and large.
    check(
        bce_with_logits,
        t(&[0.0, -0.7, 1.3, 12.0, -25.0, 3.0], &[6]),
        y,
    );
}

#[test]
fn the_lessons_epsilon_damps_the_softmax_gradient_by_p_over_p_plus_eps() {
    // With p = softmax(z) and y one-hot at class c, d/dz of -ln(p_c + e) is
    // (p - y) * p_c / (p_c + e): the exact gradient (p - y) of the logit form, scaled.
    // Here z = [0, 10], c = 0: p_c = 1 / (1 + e^10) = 4.54e-5, so the factor is 1 - 2.2e-4.
    let z = t(&[0.0, 10.0], &[1, 2]);
    let y = t(&[1.0, 0.0], &[1, 2]);
    let lesson = |z: &Var<f64>, y: &Tensor<f64>| cross_entropy(&z.softmax(1)?, y);
    let (_, g_lesson) = value_and_grad(lesson, &z, &y);
    let (_, g_logits) = value_and_grad(cross_entropy_with_logits, &z, &y);
    let p = z.softmax(1).unwrap().to_vec();
    let factor = p[0] / (p[0] + 1e-8);
    assert_close(&g_logits, &[p[0] - 1.0, p[1]], 1e-15);
    assert_close(&g_lesson, &[(p[0] - 1.0) * factor, p[1] * factor], 1e-12);
    assert!((g_lesson[0] - g_logits[0]).abs() > 1e-4);
}

#[test]
fn shape_mismatches_and_empty_inputs_are_errors_naming_the_loss() {
    let tape = Tape::new();
    let col = tape.var(Tensor::<f64>::zeros(&[4, 1]).unwrap());
    // A [4] target against a [4, 1] output would broadcast to [4, 4]: refused.
    let e = mse(&col, &Tensor::zeros(&[4]).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("mse") && e.contains("[4, 1]") && e.contains("[4]"),
        "{e}"
    );
    let flat = tape.var(Tensor::<f64>::zeros(&[3]).unwrap());
    assert!(cross_entropy(&flat, &Tensor::zeros(&[3]).unwrap()).is_err());
    assert!(cross_entropy_with_logits(&flat, &Tensor::zeros(&[3]).unwrap()).is_err());
    let empty = tape.var(Tensor::<f64>::zeros(&[0, 2]).unwrap());
    assert!(bce_with_logits(&empty, &Tensor::zeros(&[0, 2]).unwrap()).is_err());
}
