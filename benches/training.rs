//! One training step of the lesson's networks, three ways, in the same run:
//! - `manual`: the lesson's hand-written backprop on `Tensor`s (what the examples check against);
//! - `autograd`: the same step through `nn` + the tape (`forward`, `backward`, `Sgd::step`);
//! - for the digits-sized MLP also f32, the framework's default type.
//!
//! The ratio autograd / manual is the price of the tape. The lesson's NumPy timings for the same
//! steps come from `benches/numpy_reference.py`, run in the same session (docs/performance.md).
//!
//! Run: `cargo bench --bench training`. The steps themselves are in `benches/common/mod.rs`,
//! shared with `examples/train_step_counts.rs` (the same steps for callgrind and perf).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use tapegrad::prelude::*;

mod common;
use common::{CASES, autograd_step, manual_step, model, problem};

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
    for (name, dims, f64) in CASES {
        if f64 {
            bench_case::<f64>(c, name, dims);
        } else {
            bench_case::<f32>(c, name, dims);
        }
    }
}

criterion_group!(training, benches);
criterion_main!(training);
