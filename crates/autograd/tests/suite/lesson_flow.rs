//! The lesson's two networks, X -> z1 -> a1 -> z2 -> a2 -> loss, differentiated by the tape and
//! by the lesson's hand-written backprop (ported formula by formula onto `tensor`): every gradient
//! must agree, the intermediate ones (dz2, dz1) included.

#![allow(clippy::unwrap_used)] // test helpers too: a panic is how a test reports failure

use autograd::{Tape, Tensor};
use tensor::NumpyRng;

fn t(v: &[f64], s: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(v.to_vec(), s).unwrap()
}

/// The largest |a - b|, after checking the shapes agree.
fn diff(a: &Tensor<f64>, b: &Tensor<f64>) -> f64 {
    a.max_abs_diff(b).unwrap()
}

#[test]
fn xor_mse_gradients_match_the_lessons_manual_backprop() {
    // lesson_xor.py with np.random.seed(42): W1 = randn(2, 4) * 0.5, W2 = randn(4, 1) * 0.5.
    let mut rng = NumpyRng::new(42);
    let w1 = rng.randn_tensor::<f64>(&[2, 4]).unwrap().mul_scalar(0.5);
    let w2 = rng.randn_tensor::<f64>(&[4, 1]).unwrap().mul_scalar(0.5);
    // Non-zero biases so that their broadcast gradients are exercised too.
    let b1 = t(&[0.1, -0.2, 0.05, 0.0], &[1, 4]);
    let b2 = t(&[0.1], &[1, 1]);
    let x = t(&[0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0], &[4, 2]);
    let y = t(&[0.0, 1.0, 1.0, 0.0], &[4, 1]);

    // Manual, as the lesson writes it.
    let z1 = x.matmul(&w1).unwrap().add(&b1).unwrap();
    let a1 = z1.relu();
    let z2 = a1.matmul(&w2).unwrap().add(&b2).unwrap();
    let a2 = z2.sigmoid();
    let d_loss_a2 = y.sub(&a2).unwrap().mul_scalar(-2.0).div_scalar(4.0);
    let delta2 = d_loss_a2
        .mul(&a2.mul(&a2.rsub_scalar(1.0)).unwrap())
        .unwrap();
    let dw2 = a1.t().unwrap().matmul(&delta2).unwrap();
    let db2 = delta2.sum_axis(0, true).unwrap();
    let delta1 = delta2
        .matmul(&w2.t().unwrap())
        .unwrap()
        .mul(&z1.gt_scalar(0.0))
        .unwrap();
    let dw1 = x.t().unwrap().matmul(&delta1).unwrap();
    let db1 = delta1.sum_axis(0, true).unwrap();

    // The tape.
    let tape = Tape::<f64>::new();
    let (vw1, vb1, vw2, vb2) = (
        tape.var(w1.clone()),
        tape.var(b1.clone()),
        tape.var(w2.clone()),
        tape.var(b2.clone()),
    );
    let (vx, vy) = (tape.constant(x.clone()), tape.constant(y.clone()));
    let vz1 = vx.matmul(&vw1).unwrap().add(&vb1).unwrap();
    let va1 = vz1.relu().unwrap();
    let vz2 = va1.matmul(&vw2).unwrap().add(&vb2).unwrap();
    let va2 = vz2.sigmoid().unwrap();
    let loss = vy.sub(&va2).unwrap().square().unwrap().mean().unwrap();
    let g = loss.backward().unwrap();

    // Same formulas in a different order: agreement to a few ulps of values of order 0.1.
    let tol = 1e-15;
    assert!(diff(g.get(&vz2).unwrap(), &delta2) < tol);
    assert!(diff(g.get(&vw2).unwrap(), &dw2) < tol);
    assert!(diff(g.get(&vb2).unwrap(), &db2) < tol);
    assert!(diff(g.get(&vz1).unwrap(), &delta1) < tol);
    assert!(diff(g.get(&vw1).unwrap(), &dw1) < tol);
    assert!(diff(g.get(&vb1).unwrap(), &db1) < tol);
    assert!(g.get(&vx).is_none(), "a constant gets no gradient");
}

#[test]
fn sensors_softmax_cross_entropy_gradient_is_the_lessons_delta2() {
    // With a2 = softmax(z2) and loss = -mean(sum(y * ln(a2), axis 1)), the lesson's shortcut
    // dL/dz2 = (a2 - y) / n holds (without its 1e-8, which only shifts the log's argument).
    let mut rng = NumpyRng::new(7);
    let z = rng.randn_tensor::<f64>(&[5, 3]).unwrap();
    let y = t(
        &[1., 0., 0., 0., 1., 0., 0., 0., 1., 0., 1., 0., 1., 0., 0.],
        &[5, 3],
    );
    let tape = Tape::<f64>::new();
    let vz = tape.var(z.clone());
    let a2 = vz.softmax(1).unwrap();
    let loss = tape
        .constant(y.clone())
        .mul(&a2.ln().unwrap())
        .unwrap()
        .sum_axis(1, false)
        .unwrap()
        .mean()
        .unwrap()
        .neg()
        .unwrap();
    let g = loss.backward().unwrap();
    let want = z.softmax(1).unwrap().sub(&y).unwrap().div_scalar(5.0);
    assert!(diff(g.get(&vz).unwrap(), &want) < 1e-15);

    // log_softmax gives the same gradient without going through ln(softmax).
    let tape = Tape::<f64>::new();
    let vz = tape.var(z);
    let loss = tape
        .constant(y)
        .mul(&vz.log_softmax(1).unwrap())
        .unwrap()
        .sum()
        .unwrap()
        .div_scalar(-5.0)
        .unwrap();
    assert!(diff(loss.backward().unwrap().get(&vz).unwrap(), &want) < 1e-15);
}
