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

use tapegrad::prelude::*;

// The steps `benches/training.rs` times (and `examples/train_step_counts.rs` counts).
#[path = "../benches/common/mod.rs"]
mod common;
use common::{autograd_step, manual_step, model, problem};

/// The digits-sized MLP of the bench: samples, inputs, hidden units, outputs.
const DIMS: (usize, usize, usize, usize) = (256, 64, 128, 10);

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
    let (n, d_in, hidden, d_out) = DIMS;
    let mut by_hand = problem::<T>(n, d_in, hidden, d_out);
    let manual = faults_of(|| manual_step(&mut by_hand, T::from_f64(0.1)));

    let taped = problem::<T>(n, d_in, hidden, d_out);
    let mut model = model(&taped);
    let mut opt = Sgd::new(0.1);
    let autograd = faults_of(|| autograd_step(&mut model, &mut opt, &taped.x, &taped.y));

    let want = [&by_hand.w1, &by_hand.b1, &by_hand.w2, &by_hand.b2];
    let diff = model
        .parameters()
        .iter()
        .zip(want)
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
