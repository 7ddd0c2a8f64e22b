//! x86-64 SIMD kernels: AVX2+FMA (`ymm`, 16 registers) and AVX-512F (`zmm`, 32 registers).
//!
//! Shapes, chosen to fill the register file with independent accumulators (an FMA has a latency
//! of 4 cycles and two issue ports, so at least 8 chains are needed to keep both busy) while
//! leaving registers for the `B` row and one broadcast of `A`:
//! - AVX2 f32 `6 x 16` and f64 `6 x 8`: 6 rows x 2 vectors = 12 accumulators + 2 `B` vectors +
//!   1 broadcast = 15 of 16 `ymm`. Per step of `k`: 12 FMAs for 8 loads (2 + 6 broadcasts).
//! - AVX-512 f32 `8 x 32` and f64 `8 x 16`: 8 x 2 = 16 accumulators + 2 + 1 = 19 of 32 `zmm`.
//!   Per step: 16 FMAs for 10 loads. A `12 x 32` tile (24 accumulators, 24 FMAs for 14 loads)
//!   fills more of the register file but measured no faster from 256^3 to 1024^3 (interleaved
//!   min-of-10 runs, within 0.5%), and its 12 rows fit the sizes small models use badly: a
//!   32- or 64-row product computes 36 or 72 rows. With 8 rows, 64^3 ran 16% faster (f32 and
//!   f64) and `64x64 @ 64x10` 15-20% (docs/performance.md).
//!
//! Each kernel is one generic body (the macro below) instantiated with the intrinsics of its
//! vector type; the loops over rows and vectors have constant trip counts, so LLVM unrolls them
//! and keeps `ab` in registers.
//!
//! Packing a row-major `A` is a transpose (each micro-panel stores a column of `MR` values per
//! step), and the generic packing loop does it one value at a time. The kernels here pack whole
//! micro-panels of a row-major `A` with a register transpose instead ([`pack_rows_f32`],
//! [`pack_rows_f64`]): a 256 x 784 f32 `A` packs in 41 us instead of 74-80 (AVX-512), and the
//! `256 x 784 @ 784 x 32..128` products gained 14-31% with it and the 8-row tiles together
//! (docs/performance.md). A transposed `B` (`delta @ W^T` in a backward pass) is the same
//! transpose with `NR` lanes, and packs the same way: `256x128 @ (784x128)^T` f32 went from
//! 290-320 to 285-290 us on one thread and from 190-220 to 170-175 us on two.

use std::arch::x86_64::*;

use super::{MicroKernel, check_lengths};
use crate::gemm::{MatRef, blocking, pack};

macro_rules! simd_kernel {
    (
        $(#[$doc:meta])*
        $name:ident: $t:ty, $vec:ty, features = $features:literal, detect = [$($feat:tt),+],
        mr = $mr:literal, vectors = $nv:literal, lanes = $lanes:literal, blocking = $blk:path,
        pack_rows = $pack_rows:ident,
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

            /// Packs whole micro-panels of `R` lanes whose lane `i` is the contiguous run of
            /// `kc` values at `data[offset + i * stride..]` (the rows of a row-major `A`, the
            /// columns of a transposed `B`) into `panels`, by the register transpose.
            #[target_feature(enable = $features)]
            #[inline]
            fn pack_runs<const R: usize>(
                kc: usize,
                data: &[$t],
                offset: usize,
                stride: usize,
                panels: &mut [$t],
            ) {
                for (q, panel) in panels.chunks_exact_mut(kc * R).enumerate() {
                    // (A loop, not `array::from_fn`: its closure would not be inlined across
                    // the target-feature boundary.)
                    let mut lanes: [&[$t]; R] = [&[]; R];
                    for (i, lane) in lanes.iter_mut().enumerate() {
                        let start = offset + (q * R + i) * stride;
                        *lane = &data[start..start + kc];
                    }
                    $pack_rows::<R>(&lanes, panel.as_chunks_mut::<R>().0);
                }
            }
        }

        impl MicroKernel<$t> for $name {
            const MR: usize = $mr;
            const NR: usize = $nv * $lanes;
            const MC: usize = $blk.mc;
            const KC: usize = $blk.kc;
            const NC: usize = $blk.nc;

            #[inline(always)]
            fn run(
                self,
                rows: usize,
                kc: usize,
                a: &[$t],
                b: &[$t],
                c: &mut [$t],
                rsc: usize,
                acc: bool,
            ) {
                check_lengths(rows, $mr, Self::NR, kc, a, b, c, rsc);
                // SAFETY: `$inner` only requires the target features it is compiled with; a
                // value of `$name` exists only if `new` detected them on this CPU.
                unsafe {
                    if rows == $mr {
                        return $inner::<$mr>(kc, 0, a, b, c, rsc, acc);
                    }
                    // Fewer rows (at most 7): pieces of 4, 2 and 1, each starting where the
                    // last ended, in `A`'s micro-panel (row `i0`) and in `C`.
                    let mut i0 = 0;
                    for piece in [4, 2, 1] {
                        if rows & piece != 0 {
                            let c = &mut c[i0 * rsc..];
                            match piece {
                                4 => $inner::<4>(kc, i0, a, b, c, rsc, acc),
                                2 => $inner::<2>(kc, i0, a, b, c, rsc, acc),
                                _ => $inner::<1>(kc, i0, a, b, c, rsc, acc),
                            }
                            i0 += piece;
                        }
                    }
                }
            }

            fn pack_a(self, mc: usize, kc: usize, a: MatRef<'_, $t>, dst: &mut [$t]) {
                // Row-major `A` (each row a contiguous run of `k`): whole micro-panels by the
                // register transpose below; anything else, and the edge panel, by the safe
                // packing code, compiled with the kernel's vector width.
                #[target_feature(enable = $features)]
                fn pack_a(mc: usize, kc: usize, a: MatRef<'_, $t>, dst: &mut [$t]) {
                    let full = if a.cs == 1 { mc / $mr } else { 0 };
                    let (panels, edge) = dst.split_at_mut(full * kc * $mr);
                    $name::pack_runs::<$mr>(kc, a.data, a.offset, a.rs, panels);
                    if full * $mr < mc {
                        pack::pack_a::<$t, $mr>(mc - full * $mr, kc, a.at(full * $mr, 0), edge);
                    }
                }
                // SAFETY: as in `run`, `self` proves the CPU has the features.
                unsafe { pack_a(mc, kc, a, dst) }
            }

            fn pack_b(self, kc: usize, nc: usize, b: MatRef<'_, $t>, dst: &mut [$t]) {
                // A transposed `B` (each column a contiguous run of `k`: `W^T` in `delta @ W^T`)
                // is what a row-major `A` is, with `NR` lanes: the same register transpose for
                // the whole micro-panels; a row-major `B`, and the edge panel, by the safe code.
                #[target_feature(enable = $features)]
                fn pack_b(kc: usize, nc: usize, b: MatRef<'_, $t>, dst: &mut [$t]) {
                    const NR: usize = $nv * $lanes;
                    let full = if b.rs == 1 { nc / NR } else { 0 };
                    let (panels, edge) = dst.split_at_mut(full * kc * NR);
                    $name::pack_runs::<NR>(kc, b.data, b.offset, b.cs, panels);
                    if full * NR < nc {
                        pack::pack_b::<$t, NR>(kc, nc - full * NR, b.at(0, full * NR), edge);
                    }
                }
                // SAFETY: as in `run`, `self` proves the CPU has the features.
                unsafe { pack_b(kc, nc, b, dst) }
            }
        }

        /// Rows `i0..i0 + R` of the tile ([`MicroKernel::run`]), into rows `0..R` of `c`.
        #[target_feature(enable = $features)]
        fn $inner<const R: usize>(
            kc: usize,
            i0: usize,
            a: &[$t],
            b: &[$t],
            c: &mut [$t],
            rsc: usize,
            accumulate: bool,
        ) {
            const MR: usize = $mr;
            const NR: usize = $nv * $lanes;
            assert!(i0 + R <= MR, "invariant: rows {i0}..{} of an {MR}-row tile", i0 + R);
            check_lengths(R, MR, NR, kc, a, b, c, rsc);
            let cp = c.as_mut_ptr();
            // Start fetching the C tile now, so it has arrived by the time the sums are added to
            // it (a long sum hides the misses; a short one would only pay for the hints).
            if kc >= 32 {
                // SAFETY: as for the stores below, every address is inside `c`.
                unsafe {
                    for i in 0..R {
                        for v in 0..$nv {
                            let p = cp.add(i * rsc + v * $lanes).cast::<i8>();
                            _mm_prefetch::<_MM_HINT_T0>(p);
                        }
                    }
                }
            }
            let mut ab = [[$zero(); $nv]; R];
            let (a, b) = (a.as_ptr(), b.as_ptr());
            // SAFETY: `i0 + R <= MR` and `check_lengths` proved `kc >= 1`, `a.len() >= kc * MR`
            // and `b.len() >= kc * NR`. Step `p < kc` reads `a[p * MR + i0..p * MR + i0 + R]`
            // and `b[p * NR..(p + 1) * NR]`, all in bounds (the pointers are formed per step, so
            // none goes past the end of its slice). Loads are unaligned.
            unsafe {
                // A loop tested at its end (`kc >= 1`): with a test at the start, LLVM kept a
                // copy of `ab` on the stack for the path that skips it, and stored and reloaded
                // the sums through it (53 more stack accesses in the 8-row kernel).
                let mut p = 0;
                loop {
                    let (ap, bp) = (a.add(p * MR + i0), b.add(p * NR));
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
                    p += 1;
                    if p >= kc {
                        break;
                    }
                }
            }
            // SAFETY: `check_lengths` proved `c.len() >= (R - 1) * rsc + NR`, so row `i < R`,
            // lanes `v * $lanes..(v + 1) * $lanes` with `v < $nv` (so below `NR`) lie at
            // `i * rsc + v * $lanes..` inside `c`, which we borrow mutably.
            unsafe {
                for i in 0..R {
                    for v in 0..$nv {
                        let p = cp.add(i * rsc + v * $lanes);
                        let y = if accumulate { $add($load(p), ab[i][v]) } else { ab[i][v] };
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
    pack_rows = pack_rows_f32,
    fn f32_avx2(zero = _mm256_setzero_ps, load = _mm256_loadu_ps, splat = _mm256_set1_ps,
        fma = _mm256_fmadd_ps, add = _mm256_add_ps, store = _mm256_storeu_ps)
}

simd_kernel! {
    /// AVX2+FMA f64 kernel, `6 x 8`.
    Avx2F64: f64, __m256d, features = "avx2,fma", detect = ["avx2", "fma"],
    mr = 6, vectors = 2, lanes = 4, blocking = blocking::AVX2_F64,
    pack_rows = pack_rows_f64,
    fn f64_avx2(zero = _mm256_setzero_pd, load = _mm256_loadu_pd, splat = _mm256_set1_pd,
        fma = _mm256_fmadd_pd, add = _mm256_add_pd, store = _mm256_storeu_pd)
}

simd_kernel! {
    /// AVX-512F f32 kernel, `8 x 32`.
    Avx512F32: f32, __m512, features = "avx512f", detect = ["avx512f"],
    mr = 8, vectors = 2, lanes = 16, blocking = blocking::AVX512_F32,
    pack_rows = pack_rows_f32,
    fn f32_avx512(zero = _mm512_setzero_ps, load = _mm512_loadu_ps, splat = _mm512_set1_ps,
        fma = _mm512_fmadd_ps, add = _mm512_add_ps, store = _mm512_storeu_ps)
}

simd_kernel! {
    /// AVX-512F f64 kernel, `8 x 16`.
    Avx512F64: f64, __m512d, features = "avx512f", detect = ["avx512f"],
    mr = 8, vectors = 2, lanes = 8, blocking = blocking::AVX512_F64,
    pack_rows = pack_rows_f64,
    fn f64_avx512(zero = _mm512_setzero_pd, load = _mm512_loadu_pd, splat = _mm512_set1_pd,
        fma = _mm512_fmadd_pd, add = _mm512_add_pd, store = _mm512_storeu_pd)
}

/// Packs `MR` rows of a row-major `A` block (`rows`, each `kc` contiguous values) into `kc`
/// groups of `MR` (`groups[p][i] = rows[i][p]`): a transpose. The generic loop does it one value
/// at a time, and with `MR` row cursors it runs out of registers; here each 8 rows by 8 steps
/// are loaded as 8 vectors, transposed in registers and stored as 8 whole groups (the rows left
/// over, 6 = 4 + 2 for the AVX2 tile, in fours and pairs). Steps past a multiple of 8 are
/// copied one by one.
#[target_feature(enable = "avx")]
#[inline]
fn pack_rows_f32<const MR: usize>(rows: &[&[f32]; MR], groups: &mut [[f32; MR]]) {
    const STEPS: usize = 8;
    let full = groups.len() / STEPS * STEPS;
    for p0 in (0..full).step_by(STEPS) {
        // Eight rows at a time: each vector holds 4 steps of row `i` in its low half and the same
        // 4 steps of row `i + 4` in its high half (a 16-byte load and a 16-byte insert from
        // memory), so one in-lane 4 x 4 transpose per half leaves whole groups of 8, stored
        // 32 bytes at a time. 16 in-lane shuffles per 64 values, against 32 shuffles and
        // extracts for the 4-row path below (which LLVM compiles with 128-bit shuffles): on a
        // Xeon whose vector shuffles mostly issue on one port, that path packed the MNIST-sized
        // `A` at under 2 values per cycle (11% of the product, docs/performance.md).
        for j in 0..MR / 8 {
            for h in 0..2 {
                let p = p0 + 4 * h;
                // (A loop, not `map`: a closure is not inlined across the target-feature
                // boundary.)
                let mut r = [_mm256_setzero_ps(); 4];
                for (i, x) in r.iter_mut().enumerate() {
                    *x = load_f32x4_pair(&rows[8 * j + i][p..], &rows[8 * j + i + 4][p..]);
                }
                let t0 = _mm256_unpacklo_ps(r[0], r[1]); // steps 0 1 of rows 0 1 | of rows 4 5
                let t1 = _mm256_unpackhi_ps(r[0], r[1]); // steps 2 3
                let t2 = _mm256_unpacklo_ps(r[2], r[3]); // steps 0 1 of rows 2 3 | of rows 6 7
                let t3 = _mm256_unpackhi_ps(r[2], r[3]);
                let s = [
                    _mm256_shuffle_ps::<0x44>(t0, t2), // step 0 of rows 0..4 | of rows 4..8
                    _mm256_shuffle_ps::<0xEE>(t0, t2), // step 1
                    _mm256_shuffle_ps::<0x44>(t1, t3), // step 2
                    _mm256_shuffle_ps::<0xEE>(t1, t3), // step 3
                ];
                for (q, &v) in s.iter().enumerate() {
                    store_f32x8(&mut groups[p + q][8 * j..], v);
                }
            }
        }
        // Rows left over in fours (the AVX2 tile's 6 rows): 4 rows by 8 steps.
        for j in MR / 8 * 2..MR / 4 {
            let r = [0, 1, 2, 3].map(|i| load_f32x8(&rows[4 * j + i][p0..]));
            let t0 = _mm256_unpacklo_ps(r[0], r[1]); // steps 0 1 | 4 5 of rows 0 and 1
            let t1 = _mm256_unpackhi_ps(r[0], r[1]); // steps 2 3 | 6 7
            let t2 = _mm256_unpacklo_ps(r[2], r[3]);
            let t3 = _mm256_unpackhi_ps(r[2], r[3]);
            // Each holds one step of the 4 rows in its low half and the step 4 later in its high.
            let s = [
                _mm256_shuffle_ps::<0x44>(t0, t2), // steps 0 and 4
                _mm256_shuffle_ps::<0xEE>(t0, t2), // steps 1 and 5
                _mm256_shuffle_ps::<0x44>(t1, t3), // steps 2 and 6
                _mm256_shuffle_ps::<0xEE>(t1, t3), // steps 3 and 7
            ];
            for (p, &v) in s.iter().enumerate() {
                store_f32x4(&mut groups[p0 + p][4 * j..], _mm256_castps256_ps128(v));
                store_f32x4(
                    &mut groups[p0 + p + 4][4 * j..],
                    _mm256_extractf128_ps::<1>(v),
                );
            }
        }
        if MR % 4 >= 2 {
            // Two more rows (`MR` = 6): pairs, steps 0 1 | 4 5 and 2 3 | 6 7.
            let i = MR / 4 * 4;
            let (r0, r1) = (load_f32x8(&rows[i][p0..]), load_f32x8(&rows[i + 1][p0..]));
            let pairs = [_mm256_unpacklo_ps(r0, r1), _mm256_unpackhi_ps(r0, r1)];
            for (h, &v) in pairs.iter().enumerate() {
                for (half, x) in [_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v)]
                    .into_iter()
                    .enumerate()
                {
                    let p = p0 + 2 * h + 4 * half;
                    store_f32x2(&mut groups[p][i..], x, false);
                    store_f32x2(&mut groups[p + 1][i..], x, true);
                }
            }
        }
    }
    pack_rows_rest(rows, groups, full);
}

/// [`pack_rows_f32`] for f64: 4 rows by 4 steps at a time.
#[target_feature(enable = "avx")]
#[inline]
fn pack_rows_f64<const MR: usize>(rows: &[&[f64]; MR], groups: &mut [[f64; MR]]) {
    const STEPS: usize = 4;
    let full = groups.len() / STEPS * STEPS;
    for p0 in (0..full).step_by(STEPS) {
        for j in 0..MR / 4 {
            // Each vector holds 2 steps of row `i` in its low half and of row `i + 2` in its
            // high half (a 16-byte load and a 16-byte insert from memory), so one in-lane
            // unpack gives a step of the 4 rows: 2 shuffles per 8 values, none crossing lanes
            // (the lane-crossing `vperm2f128` of a plain 4 x 4 transpose is the slow shuffle).
            for h in 0..2 {
                let p = p0 + 2 * h;
                let r0 = load_f64x2_pair(&rows[4 * j][p..], &rows[4 * j + 2][p..]);
                let r1 = load_f64x2_pair(&rows[4 * j + 1][p..], &rows[4 * j + 3][p..]);
                store_f64x4(&mut groups[p][4 * j..], _mm256_unpacklo_pd(r0, r1));
                store_f64x4(&mut groups[p + 1][4 * j..], _mm256_unpackhi_pd(r0, r1));
            }
        }
        if MR % 4 >= 2 {
            // Two more rows (`MR` = 6): pairs, steps 0 | 2 and 1 | 3.
            let i = MR / 4 * 4;
            let (r0, r1) = (load_f64x4(&rows[i][p0..]), load_f64x4(&rows[i + 1][p0..]));
            let pairs = [_mm256_unpacklo_pd(r0, r1), _mm256_unpackhi_pd(r0, r1)];
            for (h, &v) in pairs.iter().enumerate() {
                store_f64x2(&mut groups[p0 + h][i..], _mm256_castpd256_pd128(v));
                store_f64x2(&mut groups[p0 + h + 2][i..], _mm256_extractf128_pd::<1>(v));
            }
        }
    }
    pack_rows_rest(rows, groups, full);
}

/// What the vector loops of [`pack_rows_f32`] and [`pack_rows_f64`] leave: the steps from `full`
/// on, for every row (the vector loops cover all rows of the kernels' `MR` of 6 and 8).
#[inline(always)]
fn pack_rows_rest<T: Copy, const MR: usize>(
    rows: &[&[T]; MR],
    groups: &mut [[T; MR]],
    full: usize,
) {
    const {
        assert!(
            MR.is_multiple_of(2),
            "the vector loops cover rows in fours and a pair"
        )
    };
    for (p, g) in groups.iter_mut().enumerate().skip(full) {
        for (x, row) in g.iter_mut().zip(rows) {
            *x = row[p];
        }
    }
}

/// The first 8 values of `src` as a vector.
#[target_feature(enable = "avx")]
#[inline]
fn load_f32x8(src: &[f32]) -> __m256 {
    let src: &[f32; 8] = src.first_chunk().expect("invariant: 8 values to load");
    // SAFETY: `src` is a reference to 8 f32, exactly what the unaligned load reads.
    unsafe { _mm256_loadu_ps(src.as_ptr()) }
}

/// The first 4 values of `lo` in the low half of a vector, the first 4 of `hi` in the high.
#[target_feature(enable = "avx")]
#[inline]
fn load_f32x4_pair(lo: &[f32], hi: &[f32]) -> __m256 {
    let lo: &[f32; 4] = lo.first_chunk().expect("invariant: 4 values to load");
    let hi: &[f32; 4] = hi.first_chunk().expect("invariant: 4 values to load");
    // SAFETY: `lo` and `hi` are references to 4 f32 each, exactly what the unaligned loads read.
    unsafe { _mm256_loadu2_m128(hi.as_ptr(), lo.as_ptr()) }
}

/// The first 2 values of `lo` in the low half of a vector, the first 2 of `hi` in the high.
#[target_feature(enable = "avx")]
#[inline]
fn load_f64x2_pair(lo: &[f64], hi: &[f64]) -> __m256d {
    let lo: &[f64; 2] = lo.first_chunk().expect("invariant: 2 values to load");
    let hi: &[f64; 2] = hi.first_chunk().expect("invariant: 2 values to load");
    // SAFETY: `lo` and `hi` are references to 2 f64 each, exactly what the unaligned loads read.
    unsafe { _mm256_loadu2_m128d(hi.as_ptr(), lo.as_ptr()) }
}

/// The first 4 values of `src` as a vector.
#[target_feature(enable = "avx")]
#[inline]
fn load_f64x4(src: &[f64]) -> __m256d {
    let src: &[f64; 4] = src.first_chunk().expect("invariant: 4 values to load");
    // SAFETY: `src` is a reference to 4 f64, exactly what the unaligned load reads.
    unsafe { _mm256_loadu_pd(src.as_ptr()) }
}

/// Writes `v` over the first 8 values of `dst`.
#[target_feature(enable = "avx")]
#[inline]
fn store_f32x8(dst: &mut [f32], v: __m256) {
    let dst: &mut [f32; 8] = dst.first_chunk_mut().expect("invariant: room for 8 values");
    // SAFETY: `dst` is a unique reference to 8 f32, exactly what the unaligned store writes.
    unsafe { _mm256_storeu_ps(dst.as_mut_ptr(), v) }
}

/// Writes `v` over the first 4 values of `dst`.
#[target_feature(enable = "avx")]
#[inline]
fn store_f32x4(dst: &mut [f32], v: __m128) {
    let dst: &mut [f32; 4] = dst.first_chunk_mut().expect("invariant: room for 4 values");
    // SAFETY: `dst` is a unique reference to 4 f32, exactly what the unaligned store writes.
    unsafe { _mm_storeu_ps(dst.as_mut_ptr(), v) }
}

/// Writes `v` over the first 4 values of `dst`.
#[target_feature(enable = "avx")]
#[inline]
fn store_f64x4(dst: &mut [f64], v: __m256d) {
    let dst: &mut [f64; 4] = dst.first_chunk_mut().expect("invariant: room for 4 values");
    // SAFETY: `dst` is a unique reference to 4 f64, exactly what the unaligned store writes.
    unsafe { _mm256_storeu_pd(dst.as_mut_ptr(), v) }
}

/// Writes the low (or, if `high`, the high) two values of `v` over the first 2 values of `dst`.
#[target_feature(enable = "avx")]
#[inline]
fn store_f32x2(dst: &mut [f32], v: __m128, high: bool) {
    let dst: &mut [f32; 2] = dst.first_chunk_mut().expect("invariant: room for 2 values");
    let p = dst.as_mut_ptr().cast::<f64>();
    // SAFETY: `dst` is a unique reference to 2 f32 (8 bytes), exactly what `movlpd`/`movhpd`
    // write; they have no alignment requirement.
    unsafe {
        if high {
            _mm_storeh_pd(p, _mm_castps_pd(v));
        } else {
            _mm_storel_pd(p, _mm_castps_pd(v));
        }
    }
}

/// Writes `v` over the first 2 values of `dst`.
#[target_feature(enable = "avx")]
#[inline]
fn store_f64x2(dst: &mut [f64], v: __m128d) {
    let dst: &mut [f64; 2] = dst.first_chunk_mut().expect("invariant: room for 2 values");
    // SAFETY: `dst` is a unique reference to 2 f64, exactly what the unaligned store writes.
    unsafe { _mm_storeu_pd(dst.as_mut_ptr(), v) }
}
