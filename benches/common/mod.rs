//! The training steps that `benches/training.rs` times and `examples/train_step_counts.rs` runs
//! under callgrind and perf: one step of the lesson's loop (forward, softmax cross-entropy,
//! backprop, SGD) on a `n x d_in -> hidden -> d_out` ReLU MLP, by hand and through the tape.

#![allow(clippy::unwrap_used, dead_code)]

use tapegrad::prelude::*;

/// `(n, d_in, hidden, d_out)`: samples, inputs, hidden units, outputs.
pub type Dims = (usize, usize, usize, usize);

/// The bench cases: name, dimensions, and whether the step runs in f64.
pub const CASES: [(&str, Dims, bool); 5] = [
    ("xor_sized", (4, 2, 4, 1), true),
    ("sensors", (240, 2, 16, 3), true),
    ("digits", (256, 64, 128, 10), true),
    ("digits", (256, 64, 128, 10), false),
    ("mnist_sized", (256, 784, 128, 10), false),
];

/// Inputs, one-hot targets and initial weights for a `n x d_in -> hidden -> d_out` ReLU MLP.
pub struct Problem<T: Float> {
    pub x: Tensor<T>,
    pub y: Tensor<T>,
    pub w1: Tensor<T>,
    pub w2: Tensor<T>,
    pub b1: Tensor<T>,
    pub b2: Tensor<T>,
}

pub fn problem<T: Float>(n: usize, d_in: usize, hidden: usize, d_out: usize) -> Problem<T> {
    let mut rng = NumpyRng::new(42);
    let x = Tensor::randn(&[n, d_in], &mut rng).unwrap();
    let labels: Vec<usize> = (0..n).map(|i| (i * 7) % d_out).collect();
    let y = Tensor::from_fn(&[n, d_out], |k| {
        T::from_usize(usize::from(labels[k / d_out] == k % d_out))
    })
    .unwrap();
    Problem {
        x,
        y,
        w1: Tensor::randn(&[d_in, hidden], &mut rng)
            .unwrap()
            .mul_scalar(T::from_f64(0.3)),
        w2: Tensor::randn(&[hidden, d_out], &mut rng)
            .unwrap()
            .mul_scalar(T::from_f64(0.3)),
        b1: Tensor::zeros(&[1, hidden]).unwrap(),
        b2: Tensor::zeros(&[1, d_out]).unwrap(),
    }
}

/// The lesson's sensors step, formula by formula: softmax + cross-entropy, then SGD.
pub fn manual_step<T: Float>(p: &mut Problem<T>, lr: T) {
    let n = T::from_usize(p.x.shape()[0]);
    let z1 = p.x.matmul(&p.w1).unwrap().add(&p.b1).unwrap();
    let a1 = z1.relu();
    let z2 = a1.matmul(&p.w2).unwrap().add(&p.b2).unwrap();
    let a2 = z2.softmax(1).unwrap();
    let delta2 = a2.sub(&p.y).unwrap().div_scalar(n);
    let dw2 = a1.t().unwrap().matmul(&delta2).unwrap();
    let db2 = delta2.sum_axis(0, true).unwrap();
    let delta1 = delta2
        .matmul(&p.w2.t().unwrap())
        .unwrap()
        .mul(&z1.gt_scalar(T::ZERO))
        .unwrap();
    let dw1 = p.x.t().unwrap().matmul(&delta1).unwrap();
    let db1 = delta1.sum_axis(0, true).unwrap();
    p.w1 = p.w1.sub(&dw1.mul_scalar(lr)).unwrap();
    p.b1 = p.b1.sub(&db1.mul_scalar(lr)).unwrap();
    p.w2 = p.w2.sub(&dw2.mul_scalar(lr)).unwrap();
    p.b2 = p.b2.sub(&db2.mul_scalar(lr)).unwrap();
}

pub fn model<T: Float>(p: &Problem<T>) -> Sequential<T> {
    sequential![
        Linear::from_tensors(p.w1.clone(), p.b1.clone()).unwrap(),
        ReLU,
        Linear::from_tensors(p.w2.clone(), p.b2.clone()).unwrap(),
    ]
}

/// The same step through the tape.
pub fn autograd_step<T: Float>(
    model: &mut Sequential<T>,
    opt: &mut Sgd<T>,
    x: &Tensor<T>,
    y: &Tensor<T>,
) {
    let tape = Tape::new();
    let logits = model.forward(&tape.constant(x.clone())).unwrap();
    let loss = cross_entropy_with_logits(&logits, y).unwrap();
    let grads = loss.backward().unwrap();
    opt.step(model, &grads).unwrap();
}
