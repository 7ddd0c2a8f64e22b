//! Elementwise ops and reductions across sizes, against a plain serial loop over `Vec`s in the
//! same run. This is the measurement behind `tensor::PAR_MIN_ELEMS`: below the threshold our ops
//! run serially and should cost about what the plain loop costs; above it they split across
//! rayon's pool and should beat it by up to the core count.
//!
//! Run: `cargo bench --bench elementwise` (reports in target/criterion).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tapegrad::tensor::Tensor;

const SIZES: [usize; 9] = [
    1 << 6,
    1 << 10,
    1 << 13,
    1 << 14,
    1 << 15,
    1 << 16,
    1 << 17,
    1 << 18,
    1 << 20,
];

fn data(n: usize, phase: f32) -> Vec<f32> {
    (0..n).map(|i| ((i as f32) * 0.001 + phase).sin()).collect()
}

fn bench_binary(c: &mut Criterion) {
    let mut g = c.benchmark_group("add");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for n in SIZES {
        let (va, vb) = (data(n, 0.0), data(n, 1.0));
        let a = Tensor::from_vec(va.clone(), &[n]).unwrap();
        let b = Tensor::from_vec(vb.clone(), &[n]).unwrap();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("tensor", n), &n, |bch, _| {
            bch.iter(|| black_box(a.add(&b).unwrap()))
        });
        g.bench_with_input(BenchmarkId::new("serial_loop", n), &n, |bch, _| {
            bch.iter(|| black_box(va.iter().zip(&vb).map(|(x, y)| x + y).collect::<Vec<f32>>()))
        });
    }
    g.finish();

    // A [rows, 64] matrix plus a [64] row: the bias add of a dense layer.
    let mut g = c.benchmark_group("add_row_broadcast");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for n in SIZES {
        let rows = (n / 64).max(1);
        let va = data(rows * 64, 0.0);
        let vb = data(64, 1.0);
        let a = Tensor::from_vec(va.clone(), &[rows, 64]).unwrap();
        let b = Tensor::from_vec(vb.clone(), &[64]).unwrap();
        g.throughput(Throughput::Elements((rows * 64) as u64));
        g.bench_with_input(BenchmarkId::new("tensor", n), &n, |bch, _| {
            bch.iter(|| black_box(a.add(&b).unwrap()))
        });
        g.bench_with_input(BenchmarkId::new("serial_loop", n), &n, |bch, _| {
            bch.iter(|| {
                let out: Vec<f32> = va
                    .chunks_exact(64)
                    .flat_map(|r| r.iter().zip(&vb).map(|(x, y)| x + y))
                    .collect();
                black_box(out)
            })
        });
    }
    g.finish();
}

fn bench_unary_and_sum(c: &mut Criterion) {
    let mut g = c.benchmark_group("exp");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for n in SIZES {
        let v = data(n, 0.0);
        let a = Tensor::from_vec(v.clone(), &[n]).unwrap();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("tensor", n), &n, |bch, _| {
            bch.iter(|| black_box(a.exp()))
        });
        g.bench_with_input(BenchmarkId::new("serial_loop", n), &n, |bch, _| {
            bch.iter(|| black_box(v.iter().map(|x| x.exp()).collect::<Vec<f32>>()))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("sum");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for n in SIZES {
        let v = data(n, 0.0);
        let a = Tensor::from_vec(v.clone(), &[n]).unwrap();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("tensor", n), &n, |bch, _| {
            bch.iter(|| black_box(a.sum()))
        });
        g.bench_with_input(BenchmarkId::new("serial_loop", n), &n, |bch, _| {
            bch.iter(|| black_box(v.iter().sum::<f32>()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench_binary, bench_unary_and_sum);
criterion_main!(benches);
