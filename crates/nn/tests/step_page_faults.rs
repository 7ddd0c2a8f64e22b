//! Minor page faults of steady-state training steps on the digits-sized MLP (256 samples,
//! 64-128-10, ReLU, softmax cross-entropy, SGD), in f32 and f64, by hand on tensors and through
//! `nn` and the tape. Read from `/proc/self/stat` (Linux only), so this file is its own test
//! binary with one test: nothing else runs while it counts.
//!
//! Why it matters: the `256 x 128` activations are 128 KiB (f32) or 256 KiB (f64), at glibc's
//! `mmap` threshold. Before the tensor buffer pool (`crates/tensor/src/pool.rs`) each step gave
//! those buffers back to the kernel and faulted them in again: 20-160 minor faults per step
//! (docs/performance.md). With the pool a warm step reuses them and faults (almost) never.

#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used)]

use autograd::Tape;
use nn::loss::cross_entropy_with_logits;
use nn::optim::{Optimizer, Sgd};
use nn::{Linear, Module, ReLU, Sequential, sequential};
use tensor::{Float, NumpyRng, Tensor};

/// At most this many minor faults over [`STEPS`] warm steps of one kind. Zero is what was
/// measured (docs/performance.md); the slack is for a fault the step does not cause (a thread's
/// stack growing, the test harness's own output), far below one per step, where the step
/// without the pool faulted 20 times or more.
const MAX_FAULTS: u64 = 10;

/// Steps counted, after [`WARM_UP`] steps that fill the pool.
const STEPS: usize = 20;
const WARM_UP: usize = 5;

/// Minor page faults of this process so far: field 10 of `/proc/self/stat`, counted after the
/// command name (in parentheses, and it may hold spaces).
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    // state ppid pgrp session tty_nr tpgid flags minflt
    rest.split(' ').nth(7).unwrap().parse().unwrap()
}

/// Weights and data of the digits-sized problem.
struct Problem<T: Float> {
    x: Tensor<T>,
    y: Tensor<T>,
    params: [Tensor<T>; 4],
}

fn problem<T: Float>() -> Problem<T> {
    let (n, d_in, hidden, d_out) = (256, 64, 128, 10);
    let mut rng = NumpyRng::new(7);
    let x = rng.randn_tensor::<T>(&[n, d_in]).unwrap();
    let y = Tensor::from_fn(&[n, d_out], |k| {
        T::from_usize(usize::from((k / d_out) % d_out == k % d_out))
    })
    .unwrap();
    let scale = T::from_f64(0.1);
    let params = [
        rng.randn_tensor::<T>(&[d_in, hidden])
            .unwrap()
            .mul_scalar(scale),
        Tensor::zeros(&[1, hidden]).unwrap(),
        rng.randn_tensor::<T>(&[hidden, d_out])
            .unwrap()
            .mul_scalar(scale),
        Tensor::zeros(&[1, d_out]).unwrap(),
    ];
    Problem { x, y, params }
}

/// The lesson's backprop by hand, on tensors.
fn manual_step<T: Float>(p: &mut Problem<T>, lr: T) {
    let [w1, b1, w2, b2] = p.params.clone();
    let n = T::from_usize(p.x.shape()[0]);
    let z1 = p.x.matmul(&w1).unwrap().add(&b1).unwrap();
    let a1 = z1.relu();
    let a2 = a1
        .matmul(&w2)
        .unwrap()
        .add(&b2)
        .unwrap()
        .softmax(1)
        .unwrap();
    let delta2 = a2.sub(&p.y).unwrap().div_scalar(n);
    let dw2 = a1.t().unwrap().matmul(&delta2).unwrap();
    let db2 = delta2.sum_axis(0, true).unwrap();
    let delta1 = delta2
        .matmul(&w2.t().unwrap())
        .unwrap()
        .mul(&z1.gt_scalar(T::ZERO))
        .unwrap();
    let dw1 = p.x.t().unwrap().matmul(&delta1).unwrap();
    let db1 = delta1.sum_axis(0, true).unwrap();
    for (w, d) in p.params.iter_mut().zip([dw1, db1, dw2, db2]) {
        *w = w.sub(&d.mul_scalar(lr)).unwrap();
    }
}

/// The same step through `nn` and the tape.
fn autograd_step<T: Float>(model: &mut Sequential<T>, opt: &mut Sgd<T>, p: &Problem<T>) {
    let tape = Tape::new();
    let logits = model.forward(&tape.constant(p.x.clone())).unwrap();
    let grads = cross_entropy_with_logits(&logits, &p.y)
        .unwrap()
        .backward()
        .unwrap();
    opt.step(model, &grads).unwrap();
}

/// Faults over [`STEPS`] warm steps of `step`.
fn faults_of(mut step: impl FnMut()) -> u64 {
    for _ in 0..WARM_UP {
        step();
    }
    let before = minor_faults();
    for _ in 0..STEPS {
        step();
    }
    minor_faults() - before
}

/// Faults of the manual and the autograd steps, and the largest difference between the two
/// runs' weights afterwards (they took the same steps).
fn run<T: Float>() -> (u64, u64, f64) {
    let mut by_hand = problem::<T>();
    let manual = faults_of(|| manual_step(&mut by_hand, T::from_f64(0.1)));

    let taped = problem::<T>();
    let [w1, b1, w2, b2] = taped.params.clone();
    let mut model = sequential![
        Linear::from_tensors(w1, b1).unwrap(),
        ReLU,
        Linear::from_tensors(w2, b2).unwrap(),
    ];
    let mut opt = Sgd::new(0.1);
    let autograd = faults_of(|| autograd_step(&mut model, &mut opt, &taped));

    let diff = model
        .parameters()
        .iter()
        .zip(&by_hand.params)
        .map(|(p, want)| p.value().max_abs_diff(want).unwrap())
        .fold(0.0, f64::max);
    (manual, autograd, diff)
}

#[test]
fn warm_digits_sized_steps_do_not_page_fault() {
    for (dtype, (manual, autograd, diff), tol) in [
        // Both runs compute the same formulas, in another order for the bias sums; 25 steps of
        // f32 rounding (~6e-8 relative per operation) on weights of size ~0.3 stay below 1e-4.
        ("f32", run::<f32>(), 1e-4),
        ("f64", run::<f64>(), 1e-12),
    ] {
        println!("{dtype}: minor faults over {STEPS} steps: manual {manual}, autograd {autograd}");
        assert!(
            manual <= MAX_FAULTS && autograd <= MAX_FAULTS,
            "{dtype}: {manual} (manual) and {autograd} (autograd) minor page faults over \
             {STEPS} warm steps, more than {MAX_FAULTS}"
        );
        assert!(diff <= tol, "{dtype}: the two runs differ by {diff}");
    }
}
