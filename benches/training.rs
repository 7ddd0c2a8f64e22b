//! One training step of the lesson's networks, three ways, in the same run:
//! - `manual`: the lesson's hand-written backprop on `Tensor`s (what the examples check against);
//! - `autograd`: the same step through `nn` + the tape (`forward`, `backward`, `Sgd::step`);
//! - for the digits-sized MLP also f32, the framework's default type.
//!
//! The ratio autograd / manual is the price of the tape. The lesson's NumPy timings for the same
//! steps come from `benches/numpy_reference.py`, run in the same session (docs/performance.md).
//!
//! Run: `cargo bench --bench training`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use tapegrad::prelude::*;

/// Inputs, one-hot targets and initial weights for a `n x d_in -> hidden -> d_out` ReLU MLP.
struct Problem<T: Float> {
    x: Tensor<T>,
    y: Tensor<T>,
    w1: Tensor<T>,
    w2: Tensor<T>,
    b1: Tensor<T>,
    b2: Tensor<T>,
}

fn problem<T: Float>(n: usize, d_in: usize, hidden: usize, d_out: usize) -> Problem<T> {
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
fn manual_step<T: Float>(p: &mut Problem<T>, lr: T) {
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

fn model<T: Float>(p: &Problem<T>) -> Sequential<T> {
    sequential![
        Linear::from_tensors(p.w1.clone(), p.b1.clone()).unwrap(),
        ReLU,
        Linear::from_tensors(p.w2.clone(), p.b2.clone()).unwrap(),
    ]
}

/// The same step through the tape.
fn autograd_step<T: Float>(
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

fn bench_case<T: Float>(c: &mut Criterion, name: &str, dims: (usize, usize, usize, usize)) {
    let (n, d_in, hidden, d_out) = dims;
    let mut g = c.benchmark_group(format!("train_step/{name}"));
    g.sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    let label = format!("{n}x{d_in}-{hidden}-{d_out}/{}", T::DTYPE);
    let mut p = problem::<T>(n, d_in, hidden, d_out);
    g.bench_function(BenchmarkId::new("manual", &label), |b| {
        b.iter(|| manual_step(black_box(&mut p), T::from_f64(0.1)))
    });
    let p = problem::<T>(n, d_in, hidden, d_out);
    let mut m = model(&p);
    let mut opt = Sgd::new(0.1);
    g.bench_function(BenchmarkId::new("autograd", &label), |b| {
        b.iter(|| autograd_step(black_box(&mut m), &mut opt, &p.x, &p.y))
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    bench_case::<f64>(c, "xor_sized", (4, 2, 4, 1));
    bench_case::<f64>(c, "sensors", (240, 2, 16, 3));
    bench_case::<f64>(c, "digits", (256, 64, 128, 10));
    bench_case::<f32>(c, "digits", (256, 64, 128, 10));
    bench_case::<f32>(c, "mnist_sized", (256, 784, 128, 10));
}

criterion_group!(training, benches);
criterion_main!(training);
