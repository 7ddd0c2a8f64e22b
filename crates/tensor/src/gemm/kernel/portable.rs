//! The portable kernel: plain safe Rust shaped so LLVM keeps the `MR x NR` accumulator in
//! vector registers (fixed-size arrays, loops over constants, no bounds checks in the loop).
//! It runs wherever no SIMD kernel applies, and under Miri.

use super::{MicroKernel, check_lengths};
use crate::float::Float;
use crate::gemm::{MatRef, pack};

/// The portable `MR x NR` kernel. With SSE2 (the x86-64 baseline) `4 x 8` f32 keeps the 32
/// accumulators in 8 of the 16 `xmm` registers, leaving room for the `B` row and the broadcast.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Portable<const MR: usize, const NR: usize>;

macro_rules! portable_blocking {
    ($t:ty, $mr:literal, $nr:literal) => {
        impl MicroKernel<$t> for Portable<$mr, $nr> {
            const MR: usize = $mr;
            const NR: usize = $nr;
            const MC: usize = crate::gemm::blocking::PORTABLE.mc;
            const KC: usize = crate::gemm::blocking::PORTABLE.kc;
            const NC: usize = crate::gemm::blocking::PORTABLE.nc;

            #[inline]
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
                run::<$t, $mr, $nr>(rows, kc, a, b, c, rsc, acc)
            }

            #[inline]
            fn pack_a(self, mc: usize, kc: usize, a: MatRef<'_, $t>, dst: &mut [$t]) {
                pack::pack_a::<$t, $mr>(mc, kc, a, dst)
            }

            #[inline]
            fn pack_b(self, kc: usize, nc: usize, b: MatRef<'_, $t>, dst: &mut [$t]) {
                pack::pack_b::<$t, $nr>(kc, nc, b, dst)
            }
        }
    };
}
portable_blocking!(f32, 4, 8);
portable_blocking!(f64, 4, 4);

/// The whole tile, of which the first `rows` rows are written (the portable kernel is the
/// fallback and Miri's; it does not need the SIMD kernels' short tiles).
#[inline]
fn run<T: Float, const MR: usize, const NR: usize>(
    rows: usize,
    kc: usize,
    a: &[T],
    b: &[T],
    c: &mut [T],
    rsc: usize,
    accumulate: bool,
) {
    check_lengths(rows, MR, NR, kc, a, b, c, rsc);
    let (a, _) = a[..kc * MR].as_chunks::<MR>();
    let (b, _) = b[..kc * NR].as_chunks::<NR>();
    let mut ab = [[T::ZERO; NR]; MR];
    for (ap, bp) in a.iter().zip(b) {
        for (row, &ai) in ab.iter_mut().zip(ap) {
            for (x, &bj) in row.iter_mut().zip(bp) {
                *x += ai * bj;
            }
        }
    }
    for (row, crow) in ab.iter().take(rows).zip(c.chunks_mut(rsc)) {
        for (x, cj) in row.iter().zip(&mut crow[..NR]) {
            *cj = if accumulate { *cj + *x } else { *x };
        }
    }
}
