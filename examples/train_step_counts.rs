//! # Training steps for a profiler: the bench's steps, run a given number of times
//!
//! `benches/training.rs` times one training step with criterion; this runs the same steps
//! (`benches/common/mod.rs`) a fixed number of times, so that a profiler can count them: the
//! instruction counts of callgrind do not depend on what else the machine is doing, and the
//! difference between two step counts is the cost of the steps alone (set-up excluded). It also
//! prints the minor page faults per step (from `/proc/self/stat`, on Linux) after a warm-up.
//!
//! ```text
//! cargo build --release --example train_step_counts
//! valgrind --tool=callgrind target/release/examples/train_step_counts sensors/f64 autograd 110
//! valgrind --tool=callgrind target/release/examples/train_step_counts sensors/f64 autograd 10
//! perf record target/release/examples/train_step_counts sensors/f64 manual 100000
//! ```
//!
//! Cases: `xor_sized/f64`, `sensors/f64`, `digits/f64`, `digits/f32`, `mnist_sized/f32`; modes:
//! `manual`, `autograd`.

#![allow(clippy::unwrap_used)]

#[path = "../benches/common/mod.rs"]
mod common;

use std::process::ExitCode;

use common::{CASES, autograd_step, manual_step, model, problem};
use tapegrad::prelude::*;

/// Minor page faults of this process so far (`None` where `/proc` is not available).
fn minor_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which is in parentheses and may hold spaces):
    // state ppid pgrp session tty tpgid flags minflt ...
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split(' ').nth(7)?.parse().ok()
}

fn run<T: Float>(dims: (usize, usize, usize, usize), autograd: bool, steps: usize) {
    let (n, d_in, hidden, d_out) = dims;
    let lr = T::from_f64(0.1);
    let mut p = problem::<T>(n, d_in, hidden, d_out);
    let mut m = model(&p);
    let mut opt = Sgd::new(0.1);
    let mut step = |p: &mut Problem<T>| {
        if autograd {
            autograd_step(&mut m, &mut opt, &p.x, &p.y);
        } else {
            manual_step(p, lr);
        }
    };
    let warm = steps.min(10);
    for _ in 0..warm {
        step(&mut p);
    }
    let before = minor_faults();
    for _ in warm..steps {
        step(&mut p);
    }
    if let (Some(a), Some(b)) = (before, minor_faults())
        && steps > warm
    {
        let per_step = (b - a) as f64 / (steps - warm) as f64;
        println!("minor page faults per step after {warm} warm-up steps: {per_step:.3}");
    }
}

use common::Problem;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: train_step_counts CASE/DTYPE manual|autograd STEPS";
    let [case, mode, steps] = &args[..] else {
        eprintln!("{usage}");
        return ExitCode::FAILURE;
    };
    let Some(&(_, dims, f64)) = CASES
        .iter()
        .find(|(name, _, f64)| *case == format!("{name}/{}", if *f64 { "f64" } else { "f32" }))
    else {
        eprintln!("unknown case {case}; {usage}");
        return ExitCode::FAILURE;
    };
    let (Ok(steps), "manual" | "autograd") = (steps.parse::<usize>(), mode.as_str()) else {
        eprintln!("{usage}");
        return ExitCode::FAILURE;
    };
    let autograd = mode == "autograd";
    if f64 {
        run::<f64>(dims, autograd, steps);
    } else {
        run::<f32>(dims, autograd, steps);
    }
    ExitCode::SUCCESS
}
