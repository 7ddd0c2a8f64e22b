//! The packed path run directly with every kernel this CPU has, at sizes chosen from each
//! kernel's own `MR`, `NR`, `MC`, `KC`, `NC` (the public API picks one kernel and sends small
//! products down the direct loop, so it cannot reach all of these).

use super::driver::{gemm_oriented, gemm_packed, transposed_is_tighter};
use super::kernel::{MicroKernel, for_each_kernel};
use super::{MatRef, small};
use crate::float::Float;

/// The textbook triple loop in f64.
fn naive(m: usize, k: usize, n: usize, a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut c = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            for p in 0..k {
                c[i * n + j] += a[i * k + p] * b[p * n + j];
            }
        }
    }
    c
}

/// Small integers in -4..=4: every product and partial sum below is exact in f32.
fn ints(len: usize, seed: usize) -> Vec<f64> {
    (0..len)
        .map(|i| ((i * 7 + seed * 3) % 9) as f64 - 4.0)
        .collect()
}

fn row_major<T>(data: &[T], cols: usize) -> MatRef<'_, T> {
    MatRef {
        data,
        offset: 0,
        rs: cols,
        cs: 1,
    }
}

/// The `rows x cols` row-major matrix `data` stored column by column.
fn transposed(data: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    (0..rows * cols)
        .map(|x| data[(x % rows) * cols + x / rows])
        .collect()
}

/// A matrix stored column by column (`rows` values per column), as `A^T` of a row-major one.
fn col_major<T>(data: &[T], rows: usize) -> MatRef<'_, T> {
    MatRef {
        data,
        offset: 0,
        rs: 1,
        cs: rows,
    }
}

/// Packed product with kernel `kern` of row-major integer matrices, compared exactly.
fn exact<T: Float, K: MicroKernel<T>>(kern: K, m: usize, k: usize, n: usize) {
    let (a, b) = (ints(m * k, m + n), ints(k * n, k));
    let cast = |v: &[f64]| v.iter().map(|&x| T::from_f64(x)).collect::<Vec<T>>();
    let (at, bt) = (cast(&a), cast(&b));
    let mut c = vec![T::NAN; m * n];
    gemm_packed(kern, m, k, n, row_major(&at, k), row_major(&bt, n), &mut c);
    let got: Vec<f64> = c.iter().map(|x| x.to_f64()).collect();
    assert_eq!(
        got,
        naive(m, k, n, &a, &b),
        "{m}x{k}x{n} MR={} NR={}",
        K::MR,
        K::NR
    );
}

/// Sizes for a kernel: all of `1..=max` (every edge-tile shape for these kernels), then one
/// step either side of each blocking constant with the other two dimensions kept small.
fn sweep<T: Float, K: MicroKernel<T>>(kern: K) {
    let max = if cfg!(miri) { 2 } else { 17 };
    for m in 1..=max {
        for n in 1..=max {
            for k in 1..=max {
                exact(kern, m, k, n);
            }
        }
    }
    let near = |x: usize| [x - 1, x, x + 1];
    let (s, t) = if cfg!(miri) { (2, 3) } else { (5, 9) };
    for x in near(K::MR) {
        exact(kern, x, t, s);
    }
    for x in near(K::NR) {
        exact(kern, s, t, x);
    }
    // A second `KC` stretch (accumulating into C) and a second `MC` block, cheaply.
    exact(kern, 2, K::KC + 1, 3);
    exact(kern, K::MC + 1, 2, 3);
    if !cfg!(miri) {
        for x in near(K::MC) {
            exact(kern, x, t, s);
        }
        for x in near(K::KC) {
            exact(kern, s, x, t);
        }
        for x in near(K::NC) {
            exact(kern, s, t, x);
        }
        // Several blocks in every direction at once.
        exact(kern, K::MC + K::MR + 1, K::KC + 3, K::NR * 3 + 1);
    }
}

#[test]
fn every_kernels_packed_path_is_exact_at_every_edge() {
    for_each_kernel!(sweep);
}

/// Narrow outputs, which [`gemm_packed`] computes as `C^T = B^T A^T` where that fills the
/// kernel's tiles better: the bits are those of the product computed as it stands (non-integer
/// values, so any change in rounding or order would show), for a row-major and a transposed `A`
/// and sums over one and over two `KC` stretches.
fn check_transposed_orientation<T: Float, K: MicroKernel<T>>(kern: K) {
    let shapes: &[(usize, usize, usize)] = if cfg!(miri) {
        &[(9, 3, 2)]
    } else {
        &[
            (256, 128, 10),
            (100, 300, 10),
            (64, 7, 3),
            (33, 40, 1),
            (37, 600, 2),
        ]
    };
    let mut transposed_some = false;
    for &(m, k, n) in shapes {
        transposed_some |= transposed_is_tighter::<T, K>(m, n);
        let noise = |len: usize, seed: usize| -> Vec<T> {
            (0..len)
                .map(|i| T::from_f64(((i * 37 + seed * 11) % 101) as f64 / 29.0 - 1.7))
                .collect()
        };
        let (a, b) = (noise(m * k, 1), noise(k * n, 2));
        let at = transposed(&a.iter().map(|x| x.to_f64()).collect::<Vec<_>>(), m, k);
        let at: Vec<T> = at.into_iter().map(T::from_f64).collect();
        for a_ref in [row_major(&a, k), col_major(&at, m)] {
            let mut want = vec![T::NAN; m * n];
            gemm_oriented(kern, m, k, n, a_ref, row_major(&b, n), &mut want);
            let mut got = vec![T::NAN; m * n];
            gemm_packed(kern, m, k, n, a_ref, row_major(&b, n), &mut got);
            let bits = |v: &[T]| v.iter().map(|x| x.to_f64().to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&got),
                bits(&want),
                "{m}x{k}x{n} MR={} NR={}",
                K::MR,
                K::NR
            );
        }
    }
    // (A square tile never gains from the swap.)
    assert!(
        transposed_some || K::MR == K::NR,
        "no shape took the transposed orientation with MR={} NR={}",
        K::MR,
        K::NR
    );
}

#[test]
fn narrow_outputs_computed_transposed_have_the_bits_of_the_product_as_it_stands() {
    for_each_kernel!(check_transposed_orientation);
}

#[test]
fn direct_path_is_the_textbook_loop_for_strided_operands() {
    // A is a transposed 5x3 (rs = 1, cs = 5); B is every other column of a 3x8 (cs = 2).
    let (m, k, n) = (3, 5, 4);
    let at = ints(k * m, 1); // at[p * m + i] = A[i][p]
    let bw = ints(k * 2 * n, 2);
    let a: Vec<f64> = (0..m * k).map(|x| at[(x % k) * m + x / k]).collect();
    let b: Vec<f64> = (0..k * n)
        .map(|x| bw[(x / n) * 2 * n + (x % n) * 2])
        .collect();
    let mut c = vec![f64::NAN; m * n];
    let am = MatRef {
        data: &at,
        offset: 0,
        rs: 1,
        cs: m,
    };
    let bm = MatRef {
        data: &bw,
        offset: 0,
        rs: 2 * n,
        cs: 2,
    };
    small::gemm_small(k, n, am, bm, &mut c);
    assert_eq!(c, naive(m, k, n, &a, &b));
}

#[test]
fn tiny_path_is_the_textbook_loop_for_every_width() {
    // Every shape the tiny loop takes (m n k <= TINY_MAX_MULS), with A row-major and transposed:
    // the widths compiled separately (1, 2, 3, 4, 8, 16) and the generic loop for the others.
    for n in 1..=16 {
        for m in 1..=super::TINY_MAX_MULS / n {
            for k in 1..=super::TINY_MAX_MULS / (m * n) {
                let (a, b) = (ints(m * k, m + n), ints(k * n, k));
                let at = transposed(&a, m, k);
                for am in [row_major(&a, k), col_major(&at, m)] {
                    let mut c = vec![f64::NAN; m * n];
                    small::gemm_tiny(m, k, n, am, row_major(&b, n), &mut c);
                    assert_eq!(c, naive(m, k, n, &a, &b), "{m}x{k}x{n}");
                }
            }
        }
    }
}

#[test]
fn tiny_path_sums_from_positive_zero() {
    // Every product is -0.0; the textbook loop starts from +0.0, and 0.0 + -0.0 is +0.0.
    for n in [1, 4, 5, 16] {
        let (m, k) = (2, 2);
        let (a, b) = (vec![-1.0f32; m * k], vec![0.0f32; k * n]);
        let mut c = vec![f32::NAN; m * n];
        small::gemm_tiny(m, k, n, row_major(&a, k), row_major(&b, n), &mut c);
        assert!(c.iter().all(|x| x.to_bits() == 0), "{n}: {c:?}");
    }
}

#[test]
fn direct_path_blocks_of_rows_are_the_textbook_loop() {
    // Row counts around the block of `RB` (full blocks, then a remaining block of 1 to 3 rows),
    // widths around the strips (16, 8, single columns), A row-major and transposed.
    for m in 1..=2 * small::RB + 1 {
        for n in [1, 3, 8, 9, 16, 19, 24] {
            let k = 3;
            let (a, b) = (ints(m * k, m + n), ints(k * n, k));
            let at = transposed(&a, m, k);
            for am in [row_major(&a, k), col_major(&at, m)] {
                let mut c = vec![f64::NAN; m * n];
                small::gemm_small(k, n, am, row_major(&b, n), &mut c);
                assert_eq!(c, naive(m, k, n, &a, &b), "{m}x{k}x{n}");
            }
        }
    }
}
