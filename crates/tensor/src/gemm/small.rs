//! The direct path for small products: no packing, no threads, no buffers.
//!
//! For the lesson's tiny matrices (the XOR net's `4x2 @ 2x4`) packing, scratch buffers and the
//! kernel's fixed `MR x NR` tiles would cost many times the arithmetic. Instead `C` is walked in
//! blocks of `RB` rows by up to `W` columns whose sums stay in registers while `p` runs: per
//! step, one strip of a row of `B` (contiguous when `B` is row-major, so LLVM loads it as
//! vectors) is multiplied by `RB` broadcast elements of `A`, giving `RB` independent chains to
//! overlap. The kernel module compiles both loops a second time with AVX2 enabled
//! (`kernel::direct_gemm`): the arithmetic is the same (Rust never fuses a
//! multiply and an add), only the vectors are wider.

use super::MatRef;
use crate::float::Float;

/// Columns of `C` per block. (8 for `f64`, keeping 4 rows' sums in 8 of AVX2's 16 registers
/// instead of all 16, measured slower: more strips per block, docs/performance.md.)
const W: usize = 16;
/// Rows of `C` per block.
pub(crate) const RB: usize = 4;

/// `c = a b` (`c` is `m x n` row-major, `n > 0`, `k > 0`) by the textbook triple loop, for the
/// tiniest products and for narrow outputs (see `TINY_MAX_MULS`).
///
/// At this size the loop's bookkeeping (bounds checks, trip counts) costs more than the
/// arithmetic, so when the rows of `B` are contiguous and `n` is one of the common small widths
/// the loop is compiled for that exact width ([`rows_of_width`]): the rows of `B` and `C` are then
/// `[T; N]` arrays, indexed without checks and kept in vector registers, `RB` rows of `C` at a
/// time so that their sums overlap.
#[inline(always)] // into `kernel::direct_gemm`'s `#[target_feature]` wrapper
pub(crate) fn gemm_tiny<T: Float>(
    m: usize,
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    // With one row, `B`'s row stride is never used (`[4, 1]` transposed has `rs = 1`).
    if b.cs == 1 && (b.rs == n || k == 1) {
        let bmat = &b.data[b.offset..][..k * n];
        match n {
            1 => return rows_of_width::<T, 1>(a, bmat, c),
            2 => return rows_of_width::<T, 2>(a, bmat, c),
            3 => return rows_of_width::<T, 3>(a, bmat, c),
            4 => return rows_of_width::<T, 4>(a, bmat, c),
            8 => return rows_of_width::<T, 8>(a, bmat, c),
            16 => return rows_of_width::<T, 16>(a, bmat, c),
            _ => {}
        }
    }
    for i in 0..m {
        let crow = &mut c[i * n..(i + 1) * n];
        for (j, cij) in crow.iter_mut().enumerate() {
            let mut s = T::ZERO;
            for p in 0..k {
                s +=
                    a.data[a.offset + i * a.rs + p * a.cs] * b.data[b.offset + p * b.rs + j * b.cs];
            }
            *cij = s;
        }
    }
}

/// [`gemm_tiny`] for `n == N` and a dense row-major `B` (`bmat`, `k x N`): each row of `C` is
/// `sum_p a[i, p] * b[p, ..]` accumulated in a `[T; N]` from 0 in increasing `p`, exactly the
/// triple loop's order.
#[inline(always)]
fn rows_of_width<T: Float, const N: usize>(a: MatRef<'_, T>, bmat: &[T], c: &mut [T]) {
    let (brows, _) = bmat.as_chunks::<N>();
    let (crows, _) = c.as_chunks_mut::<N>();
    let done = crows.len() / RB * RB;
    let mut blocks = crows.chunks_exact_mut(RB);
    for (r, block) in (&mut blocks).enumerate() {
        rows::<T, N, RB>(a, brows, r * RB, block);
    }
    for (i, row) in blocks.into_remainder().chunks_exact_mut(1).enumerate() {
        rows::<T, N, 1>(a, brows, done + i, row);
    }
}

/// Rows `i0..i0 + R` of `C` (`out`) for [`rows_of_width`]: `R` independent sums per column to
/// overlap, one load of each row of `B` for all of them.
#[inline(always)]
fn rows<T: Float, const N: usize, const R: usize>(
    a: MatRef<'_, T>,
    brows: &[[T; N]],
    i0: usize,
    out: &mut [[T; N]],
) {
    let mut acc = [[T::ZERO; N]; R];
    for (p, brow) in brows.iter().enumerate() {
        for (ii, sums) in acc.iter_mut().enumerate() {
            let aip = a.data[a.offset + (i0 + ii) * a.rs + p * a.cs];
            for (x, &y) in sums.iter_mut().zip(brow) {
                *x += aip * y;
            }
        }
    }
    out.copy_from_slice(&acc);
}

/// `c = a b` (`c` is `m x n` row-major, `n > 0`). Element `(i, j)` is summed in increasing `p`
/// starting from 0, exactly like the textbook triple loop.
#[inline(always)] // into `kernel::direct_gemm`'s `#[target_feature]` wrapper
pub(crate) fn gemm_small<T: Float>(
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    // A `B` whose rows are strided (a transposed weight, `delta2 @ W2^T`) is copied row-major
    // first: `k x n` moves against `m x k x n` multiply-adds, and every strip then loads its row
    // of `B` as vectors instead of gathering it once per `p` and row block. The sums are the same.
    let packed: Vec<T>;
    let b = if b.cs == 1 {
        b
    } else {
        packed = (0..k)
            .flat_map(|p| (0..n).map(move |j| (p, j)))
            .map(|(p, j)| b.data[b.offset + p * b.rs + j * b.cs])
            .collect();
        MatRef {
            data: &packed,
            offset: 0,
            rs: n,
            cs: 1,
        }
    };
    // Separate copies for a row-major `A` (its rows as slices) and any other.
    if a.cs == 1 {
        row_blocks::<T, true>(k, n, a, b, c);
    } else {
        row_blocks::<T, false>(k, n, a, b, c);
    }
}

/// All rows of `C`: blocks of [`RB`], then the remaining one to `RB - 1` rows as one block, so
/// that `B` is read once for them too (the `2 x 240` of `X^T @ delta` is such a block: as two
/// single rows it took twice the loads).
#[inline(always)]
fn row_blocks<T: Float, const UNIT: bool>(
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    let full = c.len() / n / RB * RB;
    let (blocks, rest) = c.split_at_mut(full * n);
    for (r, cblock) in blocks.chunks_exact_mut(n * RB).enumerate() {
        row_block::<T, RB, UNIT>(k, n, a.at(r * RB, 0), b, cblock);
    }
    let a = a.at(full, 0);
    match rest.len() / n {
        0 => {}
        1 => row_block::<T, 1, UNIT>(k, n, a, b, rest),
        2 => row_block::<T, 2, UNIT>(k, n, a, b, rest),
        _ => row_block::<T, 3, UNIT>(k, n, a, b, rest),
    }
}

/// Rows `0..R` of `C` (`c` holds exactly those rows) from rows `0..R` of `a`: strips of `W`
/// columns, then one of `W / 2`, then single columns. `b` is row-major (`b.cs == 1`); `UNIT`
/// says that `a.cs == 1` too.
#[inline(always)]
fn row_block<T: Float, const R: usize, const UNIT: bool>(
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    let rows: [&[T]; R] = if UNIT {
        std::array::from_fn(|i| &a.data[a.offset + i * a.rs..][..k])
    } else {
        [&[]; R]
    };
    let mut j = 0;
    while j + W <= n {
        strip::<T, R, W, UNIT>(k, n, a, &rows, b.at(0, j), &mut c[j..]);
        j += W;
    }
    if j + W / 2 <= n {
        strip::<T, R, { W / 2 }, UNIT>(k, n, a, &rows, b.at(0, j), &mut c[j..]);
        j += W / 2;
    }
    while j < n {
        strip::<T, R, 1, UNIT>(k, n, a, &rows, b.at(0, j), &mut c[j..]);
        j += 1;
    }
}

/// Columns `0..S` of `R` rows of `C` (row stride `n`), with the sums in registers. `rows` holds
/// the `R` rows of `A` as slices when `UNIT`, else `a` is read through its strides; `b` is
/// row-major.
#[inline(always)]
fn strip<T: Float, const R: usize, const S: usize, const UNIT: bool>(
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    rows: &[&[T]; R],
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    let mut acc = [[T::ZERO; S]; R];
    for p in 0..k {
        let brow: &[T; S] = b.data[b.offset + p * b.rs..]
            .first_chunk()
            .expect("invariant: B holds k x n elements");
        for (i, (sums, row)) in acc.iter_mut().zip(rows).enumerate() {
            let aip = if UNIT {
                row[p]
            } else {
                a.data[a.offset + i * a.rs + p * a.cs]
            };
            for (x, &bj) in sums.iter_mut().zip(brow) {
                *x += aip * bj;
            }
        }
    }
    for (i, sums) in acc.iter().enumerate() {
        c[i * n..][..S].copy_from_slice(sums);
    }
}
