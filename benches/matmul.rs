//! Matrix-multiply throughput (GFLOP/s, counting `2 m n k` flops): tapegrad's GEMM against the
//! `matrixmultiply` crate and a textbook triple loop, measured in the same run so the ratios
//! quoted in docs/performance.md do not depend on the machine's load at the time.
//!
//! Run with `cargo bench --bench matmul` (about 8 minutes on the 2-core development machine);
//! `cargo bench --bench matmul -- f32/` and similar filters select groups.
//!
//! - `tapegrad`: `Tensor::matmul` on one thread, output allocation included; `tapegrad_avx2`:
//!   the same forced onto the AVX2+FMA kernels (where the CPU also has AVX-512, the kernels
//!   `matmul` would pick by default). Products large enough to be split (`PAR_MIN_MULS`) run on
//!   a 1-thread rayon pool; smaller ones, which never touch rayon, run on the bench's own
//!   thread like the other contestants. This matters: `matrixmultiply` allocates its packing
//!   buffers on every call, and on a pool's worker thread glibc serves them from a per-thread
//!   arena, where its `4x2 @ 2x4` took 260-280 ns instead of 150 and its 1024^3 ~30% longer.
//!   Every contestant of a small product therefore runs on the same (main) thread.
//! - `matrixmultiply`: `sgemm`/`dgemm` (single-threaded, its default features) into a freshly
//!   allocated output `Vec`, as the issue specifies.
//! - `naive`: `c[i][j] = sum_p a[i][p] b[p][j]` on slices (only up to 512, it is slow).
//! - group `threads`: f32 `matmul` on one thread and on rayon's global 2-thread pool, for sizes
//!   from 128^3 to 1024^3 (where threads start to pay).
//!
//! The only `unsafe` outside the library's kernel module is here: `matrixmultiply`'s API takes
//! raw pointers.

#![allow(unsafe_code)]
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tensor::gemm::{Isa, PAR_MIN_MULS};
use tensor::{Float, Tensor};

/// `(m, k, n)`: the XOR net's `4x2 @ 2x4`, the square sizes the issue asks for, then the shapes
/// of the lesson's examples.
const SHAPES: [(usize, usize, usize); 10] = [
    (4, 2, 4),
    (4, 4, 4),
    (16, 16, 16),
    (64, 64, 64),
    (256, 256, 256),
    (512, 512, 512),
    (1024, 1024, 1024),
    (240, 2, 16),
    (240, 16, 3),
    (256, 784, 128),
];

/// `matrixmultiply`'s entry points behind one generic, safe signature.
trait Reference: Float {
    fn mm(m: usize, k: usize, n: usize, a: &[Self], b: &[Self]) -> Vec<Self>;
}

macro_rules! reference {
    ($t:ty, $f:path) => {
        impl Reference for $t {
            fn mm(m: usize, k: usize, n: usize, a: &[$t], b: &[$t]) -> Vec<$t> {
                assert!(a.len() >= m * k && b.len() >= k * n);
                let mut c = vec![0.0; m * n];
                // SAFETY: the slices hold row-major m x k, k x n and m x n matrices (asserted
                // above; `c` was just allocated), which are exactly the extents the strides
                // (k, 1), (n, 1), (n, 1) make `matrixmultiply` read and write; `c` is unaliased.
                unsafe {
                    $f(
                        m,
                        k,
                        n,
                        1.0,
                        a.as_ptr(),
                        k as isize,
                        1,
                        b.as_ptr(),
                        n as isize,
                        1,
                        0.0,
                        c.as_mut_ptr(),
                        n as isize,
                        1,
                    )
                };
                c
            }
        }
    };
}
reference!(f32, matrixmultiply::sgemm);
reference!(f64, matrixmultiply::dgemm);

fn naive<T: Float>(m: usize, k: usize, n: usize, a: &[T], b: &[T]) -> Vec<T> {
    let mut c = vec![T::ZERO; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut s = T::ZERO;
            for p in 0..k {
                s += a[i * k + p] * b[p * n + j];
            }
            c[i * n + j] = s;
        }
    }
    c
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool")
}

fn inputs<T: Float>(m: usize, k: usize, n: usize) -> (Tensor<T>, Tensor<T>) {
    (matrix(m, k), matrix(k, n))
}

/// A row-major `rows x cols` matrix of the bench's values (also `blas_reference.py`'s).
fn matrix<T: Float>(rows: usize, cols: usize) -> Tensor<T> {
    let f = |i: usize| T::from_f64(((i * 37) % 101) as f64 / 50.0 - 1.0);
    Tensor::from_fn(&[rows, cols], f).expect("shape")
}

fn group<T: Reference>(c: &mut Criterion, name: &str) {
    let one = pool(1);
    let mut g = c.benchmark_group(name);
    g.warm_up_time(Duration::from_millis(500));
    for (m, k, n) in SHAPES {
        let flops = 2 * m * k * n;
        g.throughput(Throughput::Elements(flops as u64));
        g.sample_size(if flops > 100_000_000 { 10 } else { 30 });
        g.measurement_time(Duration::from_secs(2));
        let id = format!("{m}x{k}x{n}");
        let (a, b) = inputs::<T>(m, k, n);
        let (av, bv) = (a.to_vec(), b.to_vec());
        // On one thread: the 1-thread pool where a product could be split, else this thread.
        let serial = m * k * n < PAR_MIN_MULS;
        let on_one = |f: &mut (dyn FnMut() + Send)| if serial { f() } else { one.install(f) };
        g.bench_function(BenchmarkId::new("tapegrad", &id), |bch| {
            on_one(&mut || bch.iter(|| black_box(&a).matmul(black_box(&b))))
        });
        if Isa::Avx2Fma.is_available() && Isa::detect() != Isa::Avx2Fma {
            g.bench_function(BenchmarkId::new("tapegrad_avx2", &id), |bch| {
                on_one(&mut || bch.iter(|| black_box(&a).matmul_isa(black_box(&b), Isa::Avx2Fma)))
            });
        }
        g.bench_function(BenchmarkId::new("matrixmultiply", &id), |bch| {
            bch.iter(|| T::mm(m, k, n, black_box(&av), black_box(&bv)))
        });
        if flops <= 2 * 512 * 512 * 512 {
            g.bench_function(BenchmarkId::new("naive", &id), |bch| {
                bch.iter(|| naive(m, k, n, black_box(&av), black_box(&bv)))
            });
        }
    }
    g.finish();
}

fn f32s(c: &mut Criterion) {
    group::<f32>(c, "f32");
}

fn f64s(c: &mut Criterion) {
    group::<f64>(c, "f64");
}

/// One thread against two, for the sizes around the threading threshold (`PAR_MIN_MULS`) and up.
/// `1`: the product on a 1-thread pool (the whole timing loop runs inside it, so no thread is
/// woken per product); `2`: called from the bench's own thread, as a user's program calls it:
/// the caller computes one band and a helper thread the other (`gemm/driver.rs`), paying for
/// waking the helper on every product.
fn threads(c: &mut Criterion) {
    let mut g = c.benchmark_group("threads");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    let one = pool(1);
    for (m, k, n) in [
        (128, 128, 128),
        (192, 192, 192),
        (256, 256, 256),
        (256, 784, 128),
        (384, 384, 384),
        (512, 512, 512),
        (1024, 1024, 1024),
    ] {
        let (a, b) = inputs::<f32>(m, k, n);
        g.throughput(Throughput::Elements(2 * (m * k * n) as u64));
        let id = format!("{m}x{k}x{n}");
        g.bench_function(BenchmarkId::new("f32_1_thread", &id), |bch| {
            one.install(|| bch.iter(|| black_box(&a).matmul(black_box(&b))))
        });
        g.bench_function(BenchmarkId::new("f32_2_threads", &id), |bch| {
            bch.iter(|| black_box(&a).matmul(black_box(&b)))
        });
    }
    g.finish();
}

/// The products `benches/blas_reference.py` times in NumPy (OpenBLAS) and PyTorch (MKL), under
/// the same names: `blas/{f32,f64}/{shape}/{1_thread,2_threads}`. The squares, the MNIST-sized
/// layer, and its backward products with a transposed operand (`x^T @ delta`: `A` stored
/// `k x m`; `delta @ W^T`: `B` stored `n x k`), read through `t()` views as a training step does.
/// Threads as in group `threads`: one = the timing loop inside a 1-thread pool; two = called from
/// the bench's own thread with rayon's global pool of two (this machine's two cores), as a
/// program calls it.
fn blas_shapes(c: &mut Criterion) {
    blas_group::<f32>(c, "blas/f32");
    blas_group::<f64>(c, "blas/f64");
}

fn blas_group<T: Float>(c: &mut Criterion, name: &str) {
    const SHAPES: [(&str, usize, usize, usize, bool, bool); 5] = [
        ("1024x1024x1024", 1024, 1024, 1024, false, false),
        ("512x512x512", 512, 512, 512, false, false),
        ("256x784x128", 256, 784, 128, false, false),
        ("784x256x128_at_b", 784, 256, 128, true, false),
        ("256x128x784_a_bt", 256, 128, 784, false, true),
    ];
    let one = pool(1);
    let mut g = c.benchmark_group(name);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    g.sample_size(15);
    for (id, m, k, n, at, bt) in SHAPES {
        g.throughput(Throughput::Elements(2 * (m * k * n) as u64));
        let a = if at {
            matrix::<T>(k, m).t().expect("2-d")
        } else {
            matrix(m, k)
        };
        let b = if bt {
            matrix::<T>(n, k).t().expect("2-d")
        } else {
            matrix(k, n)
        };
        assert_eq!((a.shape(), b.shape()), (&[m, k][..], &[k, n][..]));
        g.bench_function(BenchmarkId::new(id, "1_thread"), |bch| {
            one.install(|| bch.iter(|| black_box(&a).matmul(black_box(&b))))
        });
        g.bench_function(BenchmarkId::new(id, "2_threads"), |bch| {
            bch.iter(|| black_box(&a).matmul(black_box(&b)))
        });
    }
    g.finish();
}

criterion_group!(benches, f32s, f64s, threads, blas_shapes);
criterion_main!(benches);
