//! x86-64 SIMD kernels: AVX2+FMA (`ymm`, 16 registers) and AVX-512F (`zmm`, 32 registers).
//!
//! Shapes, chosen to fill the register file with independent accumulators (an FMA has a latency
//! of 4 cycles and two issue ports, so at least 8 chains are needed to keep both busy) while
//! leaving registers for the `B` row and one broadcast of `A`:
//! - AVX2 f32 `6 x 16` and f64 `6 x 8`: 6 rows x 2 vectors = 12 accumulators + 2 `B` vectors +
//!   1 broadcast = 15 of 16 `ymm`. Per step of `k`: 12 FMAs for 8 loads (2 + 6 broadcasts).
//! - AVX-512 f32 `12 x 32` and f64 `12 x 16`: 12 x 2 = 24 accumulators + 2 + 1 = 27 of 32 `zmm`.
//!   Per step: 24 FMAs for 14 loads, a better ratio than a `6 x 32` tile's 12 for 8.
//!
//! Each kernel is one generic body (the macro below) instantiated with the intrinsics of its
//! vector type; the loops over rows and vectors have constant trip counts, so LLVM unrolls them
//! and keeps `ab` in registers.

use std::arch::x86_64::*;

use super::{MicroKernel, check_lengths};
use crate::gemm::{MatRef, blocking, pack};

macro_rules! simd_kernel {
    (
        $(#[$doc:meta])*
        $name:ident: $t:ty, $vec:ty, features = $features:literal, detect = [$($feat:tt),+],
        mr = $mr:literal, vectors = $nv:literal, lanes = $lanes:literal, blocking = $blk:path,
        fn $inner:ident(zero = $zero:ident, load = $load:ident, splat = $splat:ident,
            fma = $fma:ident, add = $add:ident, store = $store:ident)
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub(crate) struct $name {
            /// Private: the only way to get a value is [`Self::new`], which checks the CPU.
            _detected: (),
        }

        impl $name {
            /// `Some` if this CPU has the kernel's features (never under Miri, which does not
            /// emulate these instructions).
            pub(crate) fn new() -> Option<Self> {
                if cfg!(miri) {
                    return None;
                }
                ($(is_x86_feature_detected!($feat))&&+).then_some(Self { _detected: () })
            }
        }

        impl MicroKernel<$t> for $name {
            const MR: usize = $mr;
            const NR: usize = $nv * $lanes;
            const MC: usize = $blk.mc;
            const KC: usize = $blk.kc;
            const NC: usize = $blk.nc;

            #[inline]
            fn run(self, kc: usize, a: &[$t], b: &[$t], c: &mut [$t], rsc: usize, acc: bool) {
                // SAFETY: `$inner` only requires the target features it is compiled with; a
                // value of `$name` exists only if `new` detected them on this CPU.
                unsafe { $inner(kc, a, b, c, rsc, acc) }
            }

            fn pack_a(self, mc: usize, kc: usize, a: MatRef<'_, $t>, dst: &mut [$t]) {
                // The safe packing code, compiled with the kernel's vector width.
                #[target_feature(enable = $features)]
                fn pack_a(mc: usize, kc: usize, a: MatRef<'_, $t>, dst: &mut [$t]) {
                    pack::pack_a::<$t, $mr>(mc, kc, a, dst)
                }
                // SAFETY: as in `run`, `self` proves the CPU has the features.
                unsafe { pack_a(mc, kc, a, dst) }
            }

            fn pack_b(self, kc: usize, nc: usize, b: MatRef<'_, $t>, dst: &mut [$t]) {
                #[target_feature(enable = $features)]
                fn pack_b(kc: usize, nc: usize, b: MatRef<'_, $t>, dst: &mut [$t]) {
                    pack::pack_b::<$t, { $nv * $lanes }>(kc, nc, b, dst)
                }
                // SAFETY: as in `run`, `self` proves the CPU has the features.
                unsafe { pack_b(kc, nc, b, dst) }
            }
        }

        #[target_feature(enable = $features)]
        fn $inner(kc: usize, a: &[$t], b: &[$t], c: &mut [$t], rsc: usize, accumulate: bool) {
            const MR: usize = $mr;
            const NR: usize = $nv * $lanes;
            check_lengths(MR, NR, kc, a, b, c, rsc);
            let cp = c.as_mut_ptr();
            // Start fetching the C tile now, so it has arrived by the time the sums are added to
            // it (a long sum hides the misses; a short one would only pay for the hints).
            if kc >= 32 {
                // SAFETY: as for the stores below, every address is inside `c`.
                unsafe {
                    for i in 0..MR {
                        for v in 0..$nv {
                            let p = cp.add(i * rsc + v * $lanes).cast::<i8>();
                            _mm_prefetch::<_MM_HINT_T0>(p);
                        }
                    }
                }
            }
            let mut ab = [[$zero(); $nv]; MR];
            let (mut ap, mut bp) = (a.as_ptr(), b.as_ptr());
            // SAFETY: `check_lengths` proved `a.len() >= kc * MR` and `b.len() >= kc * NR`.
            // Step `p < kc` reads `a[p * MR..(p + 1) * MR]` and `b[p * NR..(p + 1) * NR]`
            // (`ap`, `bp` point at their starts), all in bounds; after the last step the
            // pointers are at most one past the end, which `add` allows. Loads are unaligned.
            unsafe {
                for _ in 0..kc {
                    let mut bv = [$zero(); $nv];
                    for (v, x) in bv.iter_mut().enumerate() {
                        *x = $load(bp.add(v * $lanes));
                    }
                    for (i, row) in ab.iter_mut().enumerate() {
                        let ai = $splat(*ap.add(i));
                        for (x, &bj) in row.iter_mut().zip(&bv) {
                            *x = $fma(ai, bj, *x);
                        }
                    }
                    ap = ap.add(MR);
                    bp = bp.add(NR);
                }
            }
            // SAFETY: `check_lengths` proved `c.len() >= (MR - 1) * rsc + NR`, so row `i < MR`,
            // lanes `v * $lanes..(v + 1) * $lanes` with `v < $nv` (so below `NR`) lie at
            // `i * rsc + v * $lanes..` inside `c`, which we borrow mutably.
            unsafe {
                for (i, row) in ab.iter().enumerate() {
                    for (v, &x) in row.iter().enumerate() {
                        let p = cp.add(i * rsc + v * $lanes);
                        let y = if accumulate { $add($load(p), x) } else { x };
                        $store(p, y);
                    }
                }
            }
        }
    };
}

simd_kernel! {
    /// AVX2+FMA f32 kernel, `6 x 16`.
    Avx2F32: f32, __m256, features = "avx2,fma", detect = ["avx2", "fma"],
    mr = 6, vectors = 2, lanes = 8, blocking = blocking::AVX2_F32,
    fn f32_avx2(zero = _mm256_setzero_ps, load = _mm256_loadu_ps, splat = _mm256_set1_ps,
        fma = _mm256_fmadd_ps, add = _mm256_add_ps, store = _mm256_storeu_ps)
}

simd_kernel! {
    /// AVX2+FMA f64 kernel, `6 x 8`.
    Avx2F64: f64, __m256d, features = "avx2,fma", detect = ["avx2", "fma"],
    mr = 6, vectors = 2, lanes = 4, blocking = blocking::AVX2_F64,
    fn f64_avx2(zero = _mm256_setzero_pd, load = _mm256_loadu_pd, splat = _mm256_set1_pd,
        fma = _mm256_fmadd_pd, add = _mm256_add_pd, store = _mm256_storeu_pd)
}

simd_kernel! {
    /// AVX-512F f32 kernel, `12 x 32`.
    Avx512F32: f32, __m512, features = "avx512f", detect = ["avx512f"],
    mr = 12, vectors = 2, lanes = 16, blocking = blocking::AVX512_F32,
    fn f32_avx512(zero = _mm512_setzero_ps, load = _mm512_loadu_ps, splat = _mm512_set1_ps,
        fma = _mm512_fmadd_ps, add = _mm512_add_ps, store = _mm512_storeu_ps)
}

simd_kernel! {
    /// AVX-512F f64 kernel, `12 x 16`.
    Avx512F64: f64, __m512d, features = "avx512f", detect = ["avx512f"],
    mr = 12, vectors = 2, lanes = 8, blocking = blocking::AVX512_F64,
    fn f64_avx512(zero = _mm512_setzero_pd, load = _mm512_loadu_pd, splat = _mm512_set1_pd,
        fma = _mm512_fmadd_pd, add = _mm512_add_pd, store = _mm512_storeu_pd)
}
