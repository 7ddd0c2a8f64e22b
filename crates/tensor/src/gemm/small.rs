//! The direct path for small products: no packing, no threads, no buffers.
//!
//! For the lesson's tiny matrices (the XOR net's `4x2 @ 2x4`) packing, scratch buffers and the
//! kernel's fixed `MR x NR` tiles would cost many times the arithmetic. Each row of `C` is done in
//! strips of `W` columns whose sums live in registers while `p` runs; a strip of a row of `B` is
//! contiguous when `B` is row-major, which LLVM turns into vector loads. The kernel module
//! compiles this loop a second time with AVX2 enabled (`kernel::small_gemm`): the arithmetic is
//! the same (Rust never fuses a multiply and an add), only the vectors are wider.

use super::MatRef;
use crate::float::Float;

/// Columns of `C` summed together in registers.
const W: usize = 8;

/// `c = a b` (`c` is `m x n` row-major, `n > 0`). Element `(i, j)` is summed in increasing `p`
/// starting from 0, exactly like the textbook triple loop.
#[inline(always)] // into `kernel::small_gemm`'s `#[target_feature]` wrapper
pub(crate) fn gemm_small<T: Float>(
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    for (i, crow) in c.chunks_exact_mut(n).enumerate() {
        let a = a.at(i, 0);
        let (strips, tail) = crow.as_chunks_mut::<W>();
        for (s, strip) in strips.iter_mut().enumerate() {
            let b = b.at(0, s * W);
            let mut acc = [T::ZERO; W];
            for p in 0..k {
                let aip = a.data[a.offset + p * a.cs];
                let start = b.offset + p * b.rs;
                if b.cs == 1 {
                    let row: &[T; W] = b.data[start..]
                        .first_chunk()
                        .expect("invariant: B holds k x n elements");
                    for (x, &bj) in acc.iter_mut().zip(row) {
                        *x += aip * bj;
                    }
                } else {
                    for (j, x) in acc.iter_mut().enumerate() {
                        *x += aip * b.data[start + j * b.cs];
                    }
                }
            }
            *strip = acc;
        }
        let b = b.at(0, strips.len() * W);
        for (j, cj) in tail.iter_mut().enumerate() {
            let mut s = T::ZERO;
            for p in 0..k {
                s += a.data[a.offset + p * a.cs] * b.data[b.offset + p * b.rs + j * b.cs];
            }
            *cj = s;
        }
    }
}
