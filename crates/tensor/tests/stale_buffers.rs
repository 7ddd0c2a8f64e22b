//! A matrix product takes its output buffer from the pool with whatever the tensor that last used
//! it held (`storage::try_overwritable`), so every GEMM path must write each element of `C`, never
//! add to it. Each case here first frees a buffer of exactly the output's size full of NaN (the
//! pool hands out the most recently freed buffer that fits), then checks the product against a
//! triple loop: a path that accumulated into `C`, or skipped an element, would show NaN.
//!
//! Its own test binary, so no other test's tensors take the poisoned buffers in between.

use tensor::Tensor;

/// Small integers in `-2..=2`: every product below sums exactly in f32, so the comparison with
/// the f64 triple loop is `==`.
fn value(i: usize, seed: usize) -> f32 {
    ((i * 7 + seed * 3) % 5) as f32 - 2.0
}

/// An `r x c` matrix, stored transposed (and viewed back) if `transposed`.
fn matrix(r: usize, c: usize, transposed: bool, seed: usize) -> Tensor<f32> {
    if transposed {
        let stored = Tensor::from_fn(&[c, r], |i| value(i, seed)).unwrap();
        stored.t().unwrap()
    } else {
        Tensor::from_fn(&[r, c], |i| value(i, seed)).unwrap()
    }
}

fn triple_loop(a: &Tensor<f32>, b: &Tensor<f32>) -> Vec<f32> {
    let (m, k, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
    let (a, b) = (a.to_vec(), b.to_vec());
    let mut c = vec![0.0f64; m * n];
    for i in 0..m {
        for j in 0..n {
            for p in 0..k {
                c[i * n + j] += f64::from(a[i * k + p]) * f64::from(b[p * n + j]);
            }
        }
    }
    c.into_iter().map(|x| x as f32).collect()
}

/// Frees a NaN buffer of the product's output size, then multiplies (on `threads` threads).
fn check(m: usize, k: usize, n: usize, a_transposed: bool, threads: usize) {
    let a = matrix(m, k, a_transposed, 1);
    let b = matrix(k, n, false, 2);
    let want = triple_loop(&a, &b);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let got = pool.install(|| {
        drop(Tensor::<f32>::full(&[m * n], f32::NAN).unwrap());
        a.matmul(&b).unwrap()
    });
    assert_eq!(
        got.to_vec(),
        want,
        "{m}x{k} @ {k}x{n} (A transposed: {a_transposed}) on {threads} thread(s)"
    );
}

#[test]
fn every_gemm_path_overwrites_a_stale_output_buffer() {
    // (m, k, n, A transposed, threads), one for each path of `gemm::gemm_with` and the driver.
    // Outputs of at least 256 elements: smaller buffers are not pooled.
    let cases = if cfg!(miri) {
        // The GEMM's size thresholds are tiny under Miri: these take the packed path, threaded
        // (the plain cases below take minutes there; Miri is here for the unsafe, which the
        // pool's stale buffers do not touch).
        vec![
            (16, 1, 16, false, 1),
            (16, 2, 16, true, 2),
            (32, 0, 32, false, 1),
        ]
    } else {
        vec![
            (256, 8, 4, false, 1),     // a narrow B: the tiny loops
            (256, 8, 4, true, 1),      // a narrow B and a transposed A: `narrow_transposed`
            (64, 3, 16, false, 1),     // a small product: the unpacked SIMD path
            (32, 0, 32, false, 1),     // an empty inner dimension: zeros
            (96, 64, 80, false, 1),    // the packed path, edge tiles included
            (96, 64, 80, true, 1),     // the same with a transposed A
            (256, 300, 256, false, 2), // bands of rows, one per thread
            (8, 4096, 1024, false, 2), // few rows: column strips
        ]
    };
    for (m, k, n, at, threads) in cases {
        check(m, k, n, at, threads);
    }
}

#[test]
fn a_batch_of_products_overwrites_a_stale_output_buffer() {
    let (s, m, k, n) = if cfg!(miri) {
        (2, 16, 2, 8)
    } else {
        (3, 16, 24, 8)
    };
    let a = Tensor::from_fn(&[s, m, k], |i| value(i, 3)).unwrap();
    let b = Tensor::from_fn(&[s, k, n], |i| value(i, 4)).unwrap();
    let want: Vec<f32> = (0..s)
        .flat_map(|i| {
            let ai = a.select(0, i).unwrap();
            let bi = b.select(0, i).unwrap();
            triple_loop(&ai, &bi)
        })
        .collect();
    drop(Tensor::<f32>::full(&[s * m * n], f32::NAN).unwrap());
    assert_eq!(a.matmul(&b).unwrap().to_vec(), want);
}
