//! The micro-kernels: an `MR x NR` block of `C` updated with the product of one packed `MR x kc`
//! micro-panel of `A` and one packed `kc x NR` micro-panel of `B`, summed in registers.
//!
//! This module (with its submodules) is the only place in the crate allowed `unsafe`: the SIMD
//! kernels use `core::arch` intrinsics behind `#[target_feature]` and raw-pointer loads. Each
//! kernel is a zero-sized token type that can only be constructed after the CPU feature was
//! detected, so holding one proves its `unsafe` preconditions; every kernel checks its slice
//! lengths once per call, before the loop that reads through pointers.
//!
//! Under Miri the SIMD tokens are never constructed (`cfg(miri)`), so the portable kernel runs
//! while the same selection code paths execute.

#![allow(unsafe_code)]

use crate::float::Float;
use crate::gemm::MatRef;

mod portable;
#[cfg(target_arch = "x86_64")]
mod x86;

pub(crate) use portable::Portable;
#[cfg(target_arch = "x86_64")]
pub(crate) use x86::{Avx2F32, Avx2F64, Avx512F32, Avx512F64};

/// The largest `MR * NR` of any kernel: the size of the scratch tile used for edge blocks.
pub(crate) const MAX_TILE: usize = 8 * 32;

/// An `MR x NR` micro-kernel and the cache blocking that suits it (see `gemm/blocking.rs` for
/// what each constant cuts and how the values were chosen).
pub(crate) trait MicroKernel<T: Float>: Copy + Send + Sync + 'static {
    /// Rows of `C` per micro-tile (the height of an `A` micro-panel).
    const MR: usize;
    /// Columns of `C` per micro-tile (the width of a `B` micro-panel).
    const NR: usize;
    /// Rows of `A` per packed block (a multiple of `MR`).
    const MC: usize;
    /// Depth of one packed panel: the stretch of `k` summed per kernel call.
    const KC: usize;
    /// Columns of `B` per packed panel (a multiple of `NR`).
    const NC: usize;

    /// For `i < rows` (`1 <= rows <= MR`), `j < NR` and `kc >= 1`:
    /// `c[i * rsc + j] = s + sum_{p < kc} a[p * MR + i] * b[p * NR + j]`, with
    /// `s = c[i * rsc + j]` if `accumulate` else `0`; rows from `rows` on are not written. The
    /// sum over `p` runs in increasing order in one accumulator per element, so the result
    /// depends only on the packed values, not on `rows`. A tile of fewer rows (the last
    /// micro-panel of `A`) costs the SIMD kernels that many rows' work, not `MR`'s: they run it
    /// as pieces of 4, 2 and 1 rows.
    ///
    /// # Panics
    /// If `kc` is 0, `rows` is 0 or above `MR`, `a` is shorter than `kc * MR`, `b` than `kc * NR`, or `c`
    /// than `(rows - 1) * rsc + NR`, or if `rsc < NR` (rows would overlap).
    #[allow(clippy::too_many_arguments)]
    fn run(
        self,
        rows: usize,
        kc: usize,
        a: &[T],
        b: &[T],
        c: &mut [T],
        rsc: usize,
        accumulate: bool,
    );

    /// Packs rows `0..mc`, columns `0..kc` of `a` into `MR`-tall micro-panels
    /// ([`crate::gemm::pack`], with `MR` as a constant so the copies unroll).
    fn pack_a(self, mc: usize, kc: usize, a: MatRef<'_, T>, dst: &mut [T]);

    /// Packs rows `0..kc`, columns `0..nc` of `b` into `NR`-wide micro-panels.
    fn pack_b(self, kc: usize, nc: usize, b: MatRef<'_, T>, dst: &mut [T]);
}

/// Which of the direct loops of `gemm/small.rs` a small product takes.
#[derive(Clone, Copy)]
pub(crate) enum Direct {
    /// `small::gemm_tiny`: the textbook loop, specialised for the common narrow widths.
    Tiny,
    /// `small::gemm_small`: blocks of rows by strips of columns.
    Small,
}

/// `c = a b` (`c` is `m x n`) by the direct loop `path`, compiled with AVX2 where the CPU has
/// it. The results are the same either way: the loops' arithmetic is fixed by their source (no
/// fused multiply-add), only the vector width changes. (An AVX-512 build measured 1.2-1.8x
/// slower on most small shapes, faster only for square f64 ones, so there is none.)
pub(crate) fn direct_gemm<T: Float>(
    path: Direct,
    m: usize,
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    #[inline(always)] // into the `#[target_feature]` wrapper below, to be compiled with it
    fn run<T: Float>(
        path: Direct,
        m: usize,
        k: usize,
        n: usize,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        c: &mut [T],
    ) {
        match path {
            Direct::Tiny => crate::gemm::small::gemm_tiny(m, k, n, a, b, c),
            Direct::Small => crate::gemm::small::gemm_small(k, n, a, b, c),
        }
    }
    #[cfg(target_arch = "x86_64")]
    if Avx2F32::new().is_some() {
        #[target_feature(enable = "avx2")]
        fn avx2<T: Float>(
            path: Direct,
            m: usize,
            k: usize,
            n: usize,
            a: MatRef<'_, T>,
            b: MatRef<'_, T>,
            c: &mut [T],
        ) {
            run(path, m, k, n, a, b, c);
        }
        // SAFETY: the token's constructor detected AVX2, the only feature `avx2` is built for.
        return unsafe { avx2(path, m, k, n, a, b, c) };
    }
    run(path, m, k, n, a, b, c);
}

/// The checks every kernel makes before reading through pointers (see [`MicroKernel::run`]):
/// `rows` rows of an `mr x nr` tile, over `kc` steps.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn check_lengths<T>(
    rows: usize,
    mr: usize,
    nr: usize,
    kc: usize,
    a: &[T],
    b: &[T],
    c: &[T],
    rsc: usize,
) {
    assert!(
        kc >= 1
            && (1..=mr).contains(&rows)
            && a.len() >= kc * mr
            && b.len() >= kc * nr
            && rsc >= nr
            && c.len() >= (rows - 1) * rsc + nr,
        "invariant: micro-kernel operands cover {rows} rows of an {mr}x{nr}x{kc} tile"
    );
}

/// For tests: runs `$check::<T, _>(kernel)` with every kernel this CPU has, the portable ones
/// first, then each SIMD kernel whose features it detects (none under Miri).
#[cfg(test)]
macro_rules! for_each_kernel {
    ($check:ident) => {{
        use $crate::gemm::kernel::Portable;
        $check::<f32, _>(Portable::<4, 8>);
        $check::<f64, _>(Portable::<4, 4>);
        #[cfg(target_arch = "x86_64")]
        {
            use $crate::gemm::kernel::{Avx2F32, Avx2F64, Avx512F32, Avx512F64};
            if let Some(k) = Avx2F32::new() {
                $check::<f32, _>(k);
            }
            if let Some(k) = Avx2F64::new() {
                $check::<f64, _>(k);
            }
            if let Some(k) = Avx512F32::new() {
                $check::<f32, _>(k);
            }
            if let Some(k) = Avx512F64::new() {
                $check::<f64, _>(k);
            }
        }
    }};
}
#[cfg(test)]
pub(crate) use for_each_kernel;

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, in f64: exact for the small integers used below.
    fn reference(mr: usize, nr: usize, kc: usize, a: &[f64], b: &[f64], c0: &[f64]) -> Vec<f64> {
        let mut c = c0.to_vec();
        for i in 0..mr {
            for j in 0..nr {
                for p in 0..kc {
                    c[i * (nr + 3) + j] += a[p * mr + i] * b[p * nr + j];
                }
            }
        }
        c
    }

    /// Runs kernel `k` on an `(MR x kc) (kc x NR)` product written into a `C` with 3 columns of
    /// padding per row (which must stay untouched), with and without accumulation, for every
    /// number of rows (the rows past it must stay untouched too).
    fn check<T: Float, K: MicroKernel<T>>(k: K) {
        let mr = K::MR;
        let depths: &[usize] = if cfg!(miri) { &[1, 5] } else { &[1, 2, 7, 33] };
        for rows in 1..=mr {
            for &kc in depths {
                check_rows(k, rows, kc);
            }
        }
    }

    fn check_rows<T: Float, K: MicroKernel<T>>(k: K, rows: usize, kc: usize) {
        let (mr, nr) = (K::MR, K::NR);
        let a: Vec<f64> = (0..kc * mr).map(|i| (i % 5) as f64 - 2.0).collect();
        let b: Vec<f64> = (0..kc * nr).map(|i| (i % 7) as f64 - 3.0).collect();
        let rsc = nr + 3;
        let c0: Vec<f64> = (0..mr * rsc).map(|i| (i % 3) as f64).collect();
        let cast = |v: &[f64]| v.iter().map(|&x| T::from_f64(x)).collect::<Vec<T>>();
        let (at, bt) = (cast(&a), cast(&b));
        for accumulate in [false, true] {
            let mut c = cast(&c0);
            k.run(rows, kc, &at, &bt, &mut c, rsc, accumulate);
            let start = if accumulate {
                c0.clone()
            } else {
                vec![0.0; c0.len()]
            };
            let mut want = reference(mr, nr, kc, &a, &b, &start);
            for i in 0..mr {
                for j in 0..rsc {
                    if i >= rows || j >= nr {
                        want[i * rsc + j] = c0[i * rsc + j];
                    }
                }
            }
            let got: Vec<f64> = c.iter().map(|x| x.to_f64()).collect();
            assert_eq!(got, want, "rows={rows} kc={kc} accumulate={accumulate}");
        }
    }

    #[test]
    fn every_kernel_matches_the_definition() {
        for_each_kernel!(check);
    }

    /// `pack_a` of kernel `k` against the definition: panel `q`, step `p`, lane `i` holds
    /// `A[q * MR + i, p]`, or 0 past the last row. Every value is distinct, so a misplaced one
    /// fails. `A` is a block of a wider matrix (an offset and a row stride past `kc`), row-major
    /// (the SIMD transpose, where the kernel has one) and column-major (the generic loop).
    fn check_pack_a<T: Float, K: MicroKernel<T>>(k: K) {
        let mr = K::MR;
        let heights = [1, 5, mr - 1, mr, mr + 1, 2 * mr + 3, 3 * mr];
        let depths: &[usize] = if cfg!(miri) {
            &[1, 9]
        } else {
            &[1, 3, 4, 7, 8, 9, 15, 16, 17, 33]
        };
        for &mc in &heights {
            for &kc in depths {
                let (offset, pad) = (7, 5);
                for row_major in [true, false] {
                    let (rs, cs) = if row_major {
                        (kc + pad, 1)
                    } else {
                        (1, mc + pad)
                    };
                    let len = offset + (mc - 1) * rs + (kc - 1) * cs + 1;
                    let mut data = vec![T::from_f64(-1.0); len];
                    for i in 0..mc {
                        for p in 0..kc {
                            data[offset + i * rs + p * cs] = T::from_f64((i * 1000 + p) as f64);
                        }
                    }
                    let a = MatRef {
                        data: &data,
                        offset,
                        rs,
                        cs,
                    };
                    let mut dst = vec![T::from_f64(-2.0); mc.div_ceil(mr) * kc * mr];
                    k.pack_a(mc, kc, a, &mut dst);
                    for (n, &got) in dst.iter().enumerate() {
                        let (q, p, i) = (n / (kc * mr), n % (kc * mr) / mr, n % mr);
                        let row = q * mr + i;
                        let want = if row < mc {
                            (row * 1000 + p) as f64
                        } else {
                            0.0
                        };
                        assert_eq!(
                            got.to_f64(),
                            want,
                            "MR={mr} mc={mc} kc={kc} row_major={row_major} at {n}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_kernel_packs_a_as_defined() {
        for_each_kernel!(check_pack_a);
    }

    #[test]
    #[should_panic(expected = "invariant: micro-kernel operands")]
    fn short_operands_panic_instead_of_reading_out_of_bounds() {
        let a = [1.0f32; 4 * 2];
        let b = [1.0f32; 8 * 2];
        let mut c = [0.0f32; 8 * 3];
        Portable::<4, 8>.run(4, 2, &a, &b, &mut c, 8, false);
    }
}
