//! The packed product: BLIS's loops around a micro-kernel, with rayon over blocks of `C`.
//!
//! ```text
//! rayon: one band of rows of C per thread (or, for few rows, one strip of columns)
//! LOOP 5: jc over n in steps of NC      B panel  KC x NC  (packed per band)
//!  LOOP 4: pc over k in steps of KC     (in order: the sum over k is never split or reordered)
//!   LOOP 3: ic over m in blocks <= MC   A block  MC x KC
//!    LOOP 2: jr over nc in steps of NR  B micro-panel stays in L1
//!     LOOP 1: ir over mc in steps of MR A micro-panel streams from L2
//!      micro-kernel: MR x NR tile of C += A micro-panel x B micro-panel
//! ```
//!
//! The threads split the product once, at the top: each runs the whole loop nest on its band
//! (packing its own copy of each `B` panel, `k x n` moves against `m/threads x k x n`
//! multiply-adds). That is one fork-join per product, and the calling thread computes one of the
//! bands itself (`fork.rs` says how and why). Splitting inside the loops (sharing the packed `B`
//! panel, a fork-join per `KC` block) measured slower on the 2-vCPU machine, where waking a
//! sleeping worker costs tens of microseconds (docs/performance.md); so did packing all of `B`
//! once, its micro-panels shared out among the threads, before the bands (two fork-joins per
//! product: two-thread 1024^3 f64 12.3-13.3 ms before, 13.2-15.3 after; f32 and the MNIST-sized
//! products within the noise).
//!
//! Determinism: each element of `C` is `(..((s_0) + s_1) + ..)` where `s_t` is the kernel's
//! in-order sum over the `t`-th of the `ceil(k / KC)` near-equal stretches of `k` (their length
//! depends on `k` and `KC` only). How `m` and `n` are cut (which depends on the thread count)
//! only decides which task computes an element, never how, so results are bitwise identical for
//! any number of threads.

use super::buffer::Aligned;
use super::kernel::{MAX_TILE, MicroKernel};
use super::{MatRef, fork};
use crate::float::Float;

/// Products with fewer multiply-adds than this run on the calling thread. Measured on the 2-vCPU
/// development machine (`benches/matmul.rs` group `threads`, and a training step in
/// `benches/training.rs`; docs/performance.md), calling from outside rayon's pool as a user's
/// program does: waking the workers and putting the caller to sleep costs tens of microseconds
/// in this VM, so two threads gained nothing at 128^3, 1.4-1.6x (best of 30) from 192^3 to
/// 320^3, and only broke even inside a training step whose products are about 2^24. Under Miri
/// it is tiny, so that the threaded split is checked on the small sizes Miri can afford.
pub const PAR_MIN_MULS: usize = if cfg!(miri) {
    4 * 4 * 4
} else {
    256 * 256 * 256
};

/// How many threads a product of `muls` multiply-adds may use: rayon's pool size (the pool this
/// call runs in, else the global one) from [`PAR_MIN_MULS`] up, else 1.
pub(crate) fn threads_for(muls: usize) -> usize {
    if muls < PAR_MIN_MULS {
        1
    } else {
        rayon::current_num_threads()
    }
}

/// `c = a b` (`c` is `m x n` row-major) with kernel `kern`; `m, n, k > 0`.
///
/// An output much narrower than the kernel's `NR` (the `256x128 @ 128x10` of a 10-class output
/// layer, with `NR` = 32) would fill a third of each tile; computed as `C^T = B^T A^T` its 10
/// rows fill `MR`-row tiles instead, and the transpose of `C^T` into `c` is `m x n` moves
/// against `m x n x k` multiply-adds. Element `(i, j)` is the same in-order sum either way (see
/// [`transposed_is_tighter`]), so the choice, which depends on the kernel's tile, changes no
/// bit of the result.
pub(crate) fn gemm_packed<T: Float, K: MicroKernel<T>>(
    kern: K,
    m: usize,
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    if transposed_is_tighter::<T, K>(m, n) {
        super::via_transpose(m, n, a, b, c, |bt, at, ct| {
            gemm_oriented(kern, n, k, m, bt, at, ct);
        });
    } else {
        gemm_oriented(kern, m, k, n, a, b, c);
    }
}

/// Whether `C^T = B^T A^T` needs at least a quarter fewer tile elements than `C = A B`, counting
/// each row at `NR` columns and the rows as they are (a tile cut short by the last columns is
/// computed whole and its padding thrown away; one cut short by the last rows costs only its
/// rows). Measured (docs/performance.md): the digits step's `256x128 @ 128x10` f32 on AVX-512
/// (`8 x 32` tiles: 256 x 32 elements against 10 x 256) went from 22.9 to 11.5-11.9 us, its
/// `(256x128)^T @ 256x10` from 23.7 to 9.8-9.9. Counting the rows padded to `MR` too kept the
/// f64 `256x10` outputs as they stand (`8 x 16` tiles), at 26.4 us against 19.3 transposed.
///
/// Swapping the operands swaps each product `a[i, p] * b[p, j]` into `b[p, j] * a[i, p]`, which
/// rounds the same, and keeps the order of the sum over `p`: the result is bitwise that of the
/// other orientation.
pub(super) fn transposed_is_tighter<T: Float, K: MicroKernel<T>>(m: usize, n: usize) -> bool {
    let padded = |rows: usize, cols: usize| rows.saturating_mul(cols.next_multiple_of(K::NR));
    padded(n, m).saturating_mul(4) <= padded(m, n).saturating_mul(3)
}

/// [`gemm_packed`] in the orientation given.
pub(super) fn gemm_oriented<T: Float, K: MicroKernel<T>>(
    kern: K,
    m: usize,
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    let threads = threads_for(m.saturating_mul(n).saturating_mul(k));
    let panels = m.div_ceil(K::MR);
    if threads == 1 {
        blocked(kern, m, k, n, a, b, c);
    } else if panels >= threads {
        row_bands(kern, threads, panels, m, k, n, a, b, c);
    } else if n >= 2 * threads * K::NR {
        column_strips(kern, threads, m, k, n, a, b, c);
    } else {
        blocked(kern, m, k, n, a, b, c);
    }
}

/// The parallel split: `threads` bands of whole `MR`-row micro-panels, as even as they allow,
/// each a contiguous run of rows of `C` computed by [`blocked`] on one thread.
#[allow(clippy::too_many_arguments)]
fn row_bands<T: Float, K: MicroKernel<T>>(
    kern: K,
    threads: usize,
    panels: usize,
    m: usize,
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    let mut bands = Vec::with_capacity(threads);
    let mut rest = c;
    for (start, rows) in even_split(panels, K::MR, m, threads) {
        let (band, tail) = rest.split_at_mut(rows * n);
        bands.push((start, rows, band));
        rest = tail;
    }
    let tasks = bands
        .into_iter()
        .filter(|&(_, rows, _)| rows > 0)
        .map(|(i0, rows, band)| move || blocked(kern, rows, k, n, a.at(i0, 0), b, band))
        .collect();
    fork::run_all(tasks);
}

/// LOOPS 5 to 3 on the calling thread.
fn blocked<T: Float, K: MicroKernel<T>>(
    kern: K,
    m: usize,
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    let panels = m.div_ceil(K::MR);
    let blocks = row_blocks(panels, K::MR, K::MC, m);
    let nc_max = K::NC.min(n.next_multiple_of(K::NR));
    // `k` in the fewest stretches of at most `KC`, as even as multiples of 8 allow (the register
    // transposes pack 8 steps at a time): 784 = 3 x 200 + 184, not 3 x 256 + 16, whose last
    // stretch paid a whole pass of packing and `C` updates for 2% of the work. A function of `k`
    // and `KC` alone, so it does not depend on the kernel (all share `KC`) or the thread count.
    let kc_max = k.div_ceil(k.div_ceil(K::KC)).next_multiple_of(8).min(K::KC);
    let mut bbuf = Aligned::<T>::new(kc_max * nc_max);
    let mut abuf = Aligned::<T>::new(kc_max * K::MC.min(panels * K::MR));
    for jc in (0..n).step_by(K::NC) {
        let nc = K::NC.min(n - jc);
        for pc in (0..k).step_by(kc_max) {
            let kc = kc_max.min(k - pc);
            let bpack = bbuf.get(kc * nc.next_multiple_of(K::NR));
            kern.pack_b(kc, nc, b.at(pc, jc), bpack);
            let tile = Tile {
                kc,
                nc,
                jc,
                ldc: n,
                accumulate: pc > 0,
            };
            for &(ic, mc) in &blocks {
                let apack = abuf.get(kc * mc.next_multiple_of(K::MR));
                kern.pack_a(mc, kc, a.at(ic, pc), apack);
                macro_kernel(kern, &tile, mc, apack, bpack, &mut c[ic * n..(ic + mc) * n]);
            }
        }
    }
}

/// Cuts `m` rows (`panels` micro-panels of `MR`) into the fewest blocks of at most `MC` rows,
/// as even as whole micro-panels allow.
fn row_blocks(panels: usize, mr: usize, mc: usize, m: usize) -> Vec<(usize, usize)> {
    even_split(panels, mr, m, panels.div_ceil(mc / mr)).collect()
}

/// Cuts `total` items, grouped in `units` units of `unit` items (the last unit may be short),
/// into `parts` runs of whole units as even as they allow: `(start, len)` for each run.
fn even_split(
    units: usize,
    unit: usize,
    total: usize,
    parts: usize,
) -> impl Iterator<Item = (usize, usize)> {
    (0..parts).map(move |i| {
        let start = (i * units / parts * unit).min(total);
        let end = ((i + 1) * units / parts * unit).min(total);
        (start, end - start)
    })
}

/// Where the current `KC x NC` panel sits and how its tiles are written.
struct Tile {
    kc: usize,
    nc: usize,
    jc: usize,
    ldc: usize,
    accumulate: bool,
}

/// LOOPS 2 and 1 over one packed `A` block (`mc` rows) and the packed `B` panel, writing the
/// rows of `C` in `cblock` (row stride `tile.ldc`, columns from `tile.jc`).
fn macro_kernel<T: Float, K: MicroKernel<T>>(
    kern: K,
    tile: &Tile,
    mc: usize,
    apack: &[T],
    bpack: &[T],
    cblock: &mut [T],
) {
    let (kc, ldc) = (tile.kc, tile.ldc);
    // Tiles cut short by the last columns go through this scratch tile (the kernel writes
    // whole rows of `NR`); tiles cut short by the last rows are written in place, as fewer rows.
    let mut scratch = [T::ZERO; MAX_TILE];
    for (q, bpanel) in bpack.chunks_exact(kc * K::NR).enumerate() {
        let j0 = tile.jc + q * K::NR;
        let nr = K::NR.min(tile.nc - q * K::NR);
        for (r, apanel) in apack.chunks_exact(kc * K::MR).enumerate() {
            let i0 = r * K::MR;
            let mr = K::MR.min(mc - i0);
            if nr == K::NR {
                kern.run(
                    mr,
                    kc,
                    apanel,
                    bpanel,
                    &mut cblock[i0 * ldc + j0..],
                    ldc,
                    tile.accumulate,
                );
            } else {
                kern.run(mr, kc, apanel, bpanel, &mut scratch, K::NR, false);
                for (i, srow) in scratch.chunks_exact(K::NR).take(mr).enumerate() {
                    let crow = &mut cblock[(i0 + i) * ldc + j0..][..nr];
                    for (cj, &s) in crow.iter_mut().zip(srow) {
                        *cj = if tile.accumulate { *cj + s } else { s };
                    }
                }
            }
        }
    }
}

/// The parallel split for few rows and many columns: each thread computes a strip of whole
/// `NR`-multiples of columns into its own buffer (a strided column strip of `C` cannot be
/// lent to two threads), then the strips are copied into `C`. The copy is `m x n` moves against
/// `m x n x k` multiply-adds.
#[allow(clippy::too_many_arguments)]
fn column_strips<T: Float, K: MicroKernel<T>>(
    kern: K,
    threads: usize,
    m: usize,
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    let groups = n.div_ceil(K::NR);
    let strips: Vec<(usize, usize)> = even_split(groups, K::NR, n, threads).collect();
    let mut results: Vec<Vec<T>> = strips.iter().map(|&(_, w)| vec![T::ZERO; m * w]).collect();
    let tasks = strips
        .iter()
        .zip(&mut results)
        .filter(|((_, w), _)| *w > 0)
        .map(|(&(j0, w), out)| move || blocked(kern, m, k, w, a, b.at(0, j0), out))
        .collect();
    fork::run_all(tasks);
    for (&(j0, w), strip) in strips.iter().zip(&results) {
        if w == 0 {
            continue;
        }
        for (crow, srow) in c.chunks_exact_mut(n).zip(strip.chunks_exact(w)) {
            crow[j0..j0 + w].copy_from_slice(srow);
        }
    }
}
