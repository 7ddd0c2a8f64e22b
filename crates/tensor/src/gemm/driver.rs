//! The packed product: BLIS's loops around a micro-kernel, with rayon over blocks of `C`.
//!
//! ```text
//! LOOP 5: jc over n in steps of NC      B panel  KC x NC  (packed once per (jc, pc), shared)
//!  LOOP 4: pc over k in steps of KC     (in order: the sum over k is never split or reordered)
//!   LOOP 3: ic over m in blocks <= MC   A block  MC x KC  (packed per task)   <- rayon
//!    LOOP 2: jr over nc in steps of NR  B micro-panel stays in L1
//!     LOOP 1: ir over mc in steps of MR A micro-panel streams from L2
//!      micro-kernel: MR x NR tile of C += A micro-panel x B micro-panel
//! ```
//!
//! Determinism: each element of `C` is `(..((s_0) + s_1) + ..)` where `s_t` is the kernel's
//! in-order sum over the `t`-th `KC` stretch of `k`. How `m` and `n` are cut (which depends on
//! the thread count) only decides which task computes an element, never how, so results are
//! bitwise identical for any number of threads.

use rayon::prelude::*;

use super::MatRef;
use super::buffer::Aligned;
use super::kernel::{MAX_TILE, MicroKernel};
use crate::float::Float;

/// Products with fewer multiply-adds than this run on the calling thread: below it rayon's
/// fork-join (several microseconds) costs more than a second core saves. Measured with
/// `benches/matmul.rs` (docs/performance.md). Under Miri it is tiny, so that the threaded
/// split is checked on the small sizes Miri can afford.
pub(crate) const PAR_MIN_MULS: usize = if cfg!(miri) { 4 * 4 * 4 } else { 96 * 96 * 96 };

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
pub(crate) fn gemm_packed<T: Float, K: MicroKernel<T>>(
    kern: K,
    m: usize,
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    let threads = threads_for(m.saturating_mul(n).saturating_mul(k));
    blocked(kern, threads, m, k, n, a, b, c);
}

/// LOOPS 5 to 3, spread over up to `threads` threads.
#[allow(clippy::too_many_arguments)]
fn blocked<T: Float, K: MicroKernel<T>>(
    kern: K,
    threads: usize,
    m: usize,
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    let panels = m.div_ceil(K::MR);
    if threads > 1 && panels < threads && n >= 2 * threads * K::NR {
        return column_strips(kern, threads, m, k, n, a, b, c);
    }
    let blocks = row_blocks(panels, K::MR, K::MC, m, threads);
    let nc_max = K::NC.min(n.next_multiple_of(K::NR));
    let kc_max = K::KC.min(k);
    let mut bbuf = Aligned::<T>::new(kc_max * nc_max);
    let parallel = threads > 1 && blocks.len() > 1;
    // The calling thread's `A` buffer; parallel tasks make their own.
    let mut abuf = (!parallel).then(|| Aligned::<T>::new(kc_max * K::MC.min(panels * K::MR)));
    for jc in (0..n).step_by(K::NC) {
        let nc = K::NC.min(n - jc);
        for pc in (0..k).step_by(K::KC) {
            let kc = K::KC.min(k - pc);
            let bpack = bbuf.get(kc * nc.next_multiple_of(K::NR));
            pack_b_panel(kern, kc, nc, b.at(pc, jc), bpack, threads > 1);
            let bpack = &*bpack;
            let tile = Tile {
                kc,
                nc,
                jc,
                ldc: n,
                accumulate: pc > 0,
            };
            let mut parts = Vec::with_capacity(blocks.len());
            let mut rest = &mut c[..];
            for &(ic, mc) in &blocks {
                let (head, tail) = rest.split_at_mut(mc * n);
                parts.push((ic, mc, head));
                rest = tail;
            }
            let block = |abuf: &mut Aligned<T>, (ic, mc, cblock): (usize, usize, &mut [T])| {
                let apack = abuf.get(kc * mc.next_multiple_of(K::MR));
                kern.pack_a(mc, kc, a.at(ic, pc), apack);
                macro_kernel(kern, &tile, mc, apack, bpack, cblock);
            };
            if parallel {
                parts
                    .into_par_iter()
                    .for_each_init(|| Aligned::<T>::new(kc * K::MC), block);
            } else if let Some(abuf) = abuf.as_mut() {
                parts.into_iter().for_each(|part| block(abuf, part));
            }
        }
    }
}

/// Cuts `m` rows (`panels` micro-panels of `MR`) into the fewest blocks of at most `MC` rows
/// (with several threads, a multiple of the thread count where there are enough panels), as even
/// as whole micro-panels allow, so no thread waits long for another.
fn row_blocks(
    panels: usize,
    mr: usize,
    mc: usize,
    m: usize,
    threads: usize,
) -> Vec<(usize, usize)> {
    let per_block = mc / mr;
    let count = if threads == 1 {
        panels.div_ceil(per_block)
    } else {
        panels
            .div_ceil(per_block)
            .next_multiple_of(threads)
            .min(panels)
    };
    (0..count)
        .map(|i| {
            let start = (i * panels / count * mr).min(m);
            let end = ((i + 1) * panels / count * mr).min(m);
            (start, end - start)
        })
        .collect()
}

/// Where the current `KC x NC` panel sits and how its tiles are written.
struct Tile {
    kc: usize,
    nc: usize,
    jc: usize,
    ldc: usize,
    accumulate: bool,
}

/// Packs the `kc x nc` panel of `b`, splitting its micro-panels across threads if `par`.
fn pack_b_panel<T: Float, K: MicroKernel<T>>(
    kern: K,
    kc: usize,
    nc: usize,
    b: MatRef<'_, T>,
    dst: &mut [T],
    par: bool,
) {
    if !par {
        return kern.pack_b(kc, nc, b, dst);
    }
    dst.par_chunks_mut(kc * K::NR)
        .enumerate()
        .for_each(|(q, panel)| {
            let w = K::NR.min(nc - q * K::NR);
            kern.pack_b(kc, w, b.at(0, q * K::NR), panel);
        });
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
    // Edge tiles go through this scratch tile (the kernel overwrites all of it).
    let mut scratch = [T::ZERO; MAX_TILE];
    for (q, bpanel) in bpack.chunks_exact(kc * K::NR).enumerate() {
        let j0 = tile.jc + q * K::NR;
        let nr = K::NR.min(tile.nc - q * K::NR);
        for (r, apanel) in apack.chunks_exact(kc * K::MR).enumerate() {
            let i0 = r * K::MR;
            let mr = K::MR.min(mc - i0);
            if mr == K::MR && nr == K::NR {
                kern.run(
                    kc,
                    apanel,
                    bpanel,
                    &mut cblock[i0 * ldc + j0..],
                    ldc,
                    tile.accumulate,
                );
            } else {
                // The masked path: a full tile into scratch, then only its live part into C.
                kern.run(kc, apanel, bpanel, &mut scratch, K::NR, false);
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
    let strips: Vec<(usize, usize)> = (0..threads)
        .map(|t| {
            let start = (t * groups / threads * K::NR).min(n);
            let end = ((t + 1) * groups / threads * K::NR).min(n);
            (start, end - start)
        })
        .collect();
    let results: Vec<Vec<T>> = strips
        .par_iter()
        .map(|&(j0, w)| {
            let mut out = vec![T::ZERO; m * w];
            if w > 0 {
                // The strips are the parallelism: each runs on one thread.
                blocked(kern, 1, m, k, w, a, b.at(0, j0), &mut out);
            }
            out
        })
        .collect();
    for (&(j0, w), strip) in strips.iter().zip(&results) {
        if w == 0 {
            continue;
        }
        for (crow, srow) in c.chunks_exact_mut(n).zip(strip.chunks_exact(w)) {
            crow[j0..j0 + w].copy_from_slice(srow);
        }
    }
}
