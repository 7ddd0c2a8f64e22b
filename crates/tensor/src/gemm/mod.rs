//! The matrix-multiply engine: `C = A B` for strided `f32`/`f64` operands.
//!
//! A BLIS-style GEMM: the operands are packed block by block into the order a register-blocked
//! micro-kernel reads them (`pack.rs`), the loops around the kernel cut the product to fit the
//! caches (`blocking.rs`, `driver.rs`), and rayon spreads blocks of `C` over threads without ever
//! splitting the sum over `k`, so results do not depend on the thread count. Small products take
//! a direct loop with no packing and no threads (`small.rs`).
//!
//! Micro-kernels (`kernel/`, the crate's only `unsafe` code) are chosen at run time: AVX-512F,
//! else AVX2+FMA, else a portable one written for LLVM's vectoriser (also the one Miri runs).
//! [`Isa`] names them; [`Tensor::matmul_isa`](crate::Tensor::matmul_isa) runs a chosen one.

mod blocking;
mod buffer;
mod driver;
mod fork;
mod kernel;
mod pack;
mod small;
#[cfg(test)]
mod tests;

use kernel::Direct;

use crate::float::Float;
pub use driver::PAR_MIN_MULS;
pub(crate) use driver::threads_for;

/// A strided matrix operand: element `(i, j)` is `data[offset + i * rs + j * cs]`.
#[derive(Clone, Copy)]
pub(crate) struct MatRef<'a, T> {
    pub data: &'a [T],
    pub offset: usize,
    pub rs: usize,
    pub cs: usize,
}

impl<T> MatRef<'_, T> {
    /// The transpose, as a view of the same data.
    #[inline]
    pub(crate) fn transposed(self) -> Self {
        MatRef {
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }

    /// The same matrix with element `(i, j)` as its origin.
    #[inline]
    pub(crate) fn at(self, i: usize, j: usize) -> Self {
        MatRef {
            offset: self.offset + i * self.rs + j * self.cs,
            ..self
        }
    }
}

/// Products with at most this many multiply-adds (`m * n * k`) take the direct loops
/// (`small.rs`): below it packing, buffers and the kernels' fixed `MR x NR` tiles cost more
/// than they save (32^3 is where the two paths measured even). So do products with at most
/// `small::RB` rows, or a depth of at most 4, that are still too small to thread: packing cannot
/// pay for itself there (the lesson's `240x2 @ 2x16` ran 2x faster direct). Measured with
/// `benches/matmul.rs`, see docs/performance.md.
/// Under Miri the threshold is lower, so that the packed path is reached by the small sizes
/// Miri can afford.
pub(crate) const SMALL_MAX_MULS: usize = if cfg!(miri) { 32 } else { 32 * 32 * 32 };

/// Products with at most this many multiply-adds take the plain triple loop: for the XOR net's
/// `4x2 @ 2x4` even the register-blocked loops' setup costs more than the arithmetic.
/// So do products whose output has at most [`NARROW_MAX_COLS`] columns and whose `B` is
/// row-major, if they are small (at most [`SMALL_MAX_MULS`]) or too small to thread with a
/// row-major `A`: the loop compiled for that width beat both the direct strips (which take
/// such an output one scalar column at a time) and the packed kernels (whose 16- or 32-wide
/// tiles are mostly padding): the lesson's `240x16 @ 16x3` went from 3.9-6.3 us to 3.0 us,
/// `1024x1024 @ 1024x4` f32 from 0.99-1.0 ms to 0.57-0.86 ms. With a large transposed `A` the
/// loop reads `A` down its columns and was 1.4-2.8x slower than the packed kernels, hence the
/// `a.cs == 1` condition.
pub(crate) const TINY_MAX_MULS: usize = 64;

/// See [`TINY_MAX_MULS`].
pub(crate) const NARROW_MAX_COLS: usize = 4;

/// Small products with at most [`NARROW_MAX_COLS`] columns, at least this many rows and a
/// column-major `A` (a transposed view: `a1^T` in the lesson's `dW2 = a1^T @ delta2`) are
/// computed transposed, `C^T = B^T A^T` ([`narrow_transposed`]), where `A^T` is row-major.
pub(crate) const NARROW_TRANSPOSE_MIN_ROWS: usize = 8;

/// `c = a b` for a small product with a narrow output (`n <= NARROW_MAX_COLS`) and a
/// column-major `A`, computed as `C^T = B^T A^T` by the direct loops, whose `W`-wide strips then
/// run along the `m` rows of a row-major operand instead of over a 1- to 4-wide output, which
/// no vector register fits, and transposed into `c`. Element `(i, j)` is still
/// `sum_p a[i, p] * b[p, j]` from 0 in increasing `p` (a product of two floats does not depend
/// on their order), so the result is that of the untransposed loops. The lesson's
/// `(240x16)^T @ 240x3` took about 4 instructions per multiply-add in the narrow loop
/// (callgrind). With a row-major `A` (`240x16 @ 16x3`) `A^T` would have to be copied first,
/// which measured slower than the narrow loop: see docs/performance.md.
fn narrow_transposed<T: Float>(
    m: usize,
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    via_transpose(m, n, a, b, c, |bt, at, ct| {
        kernel::direct_gemm(Direct::Small, n, k, m, bt, at, ct);
    });
}

/// `c = a b` (`m x n`) as `C^T = B^T A^T`: `product(bt, at, ct)` computes the `n x m` product
/// of the swapped operands (views of the same data) into `ct`, which is then transposed into `c`.
/// `ct` is a spare buffer of this thread, not zeroed: every product path overwrites each
/// element of its output.
pub(crate) fn via_transpose<T: Float>(
    m: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
    product: impl FnOnce(MatRef<'_, T>, MatRef<'_, T>, &mut [T]),
) {
    let mut buf = buffer::Aligned::<T>::new(n * m);
    let ct = buf.get(n * m);
    product(b.transposed(), a.transposed(), ct);
    for (i, crow) in c[..m * n].chunks_exact_mut(n).enumerate() {
        for (x, col) in crow.iter_mut().zip(ct.chunks_exact(m)) {
            *x = col[i];
        }
    }
}

/// The instruction-set families the GEMM has micro-kernels for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Isa {
    /// Plain Rust that LLVM vectorises for the baseline target; runs everywhere, and under Miri.
    Portable,
    /// x86-64 AVX2 with FMA: `6 x 16` f32 and `6 x 8` f64 tiles in `ymm` registers.
    Avx2Fma,
    /// x86-64 AVX-512F: `8 x 32` f32 and `8 x 16` f64 tiles in `zmm` registers.
    Avx512,
}

impl Isa {
    /// The fastest family this CPU runs: what [`Tensor::matmul`](crate::Tensor::matmul) uses.
    ///
    /// ```
    /// use tensor::gemm::Isa;
    /// assert!(Isa::detect().is_available());
    /// ```
    pub fn detect() -> Isa {
        [Isa::Avx512, Isa::Avx2Fma]
            .into_iter()
            .find(|isa| isa.is_available())
            .unwrap_or(Isa::Portable)
    }

    /// Whether this CPU can run the family (the SIMD ones never under Miri).
    pub fn is_available(self) -> bool {
        match self {
            Isa::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => kernel::Avx2F32::new().is_some(),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => kernel::Avx512F32::new().is_some(),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// Every family this CPU can run, portable first.
    pub fn available() -> Vec<Isa> {
        [Isa::Portable, Isa::Avx2Fma, Isa::Avx512]
            .into_iter()
            .filter(|isa| isa.is_available())
            .collect()
    }
}

mod sealed {
    use super::{Isa, MatRef};

    /// Element types the GEMM has kernels for. Sealed: only `f32` and `f64`.
    pub trait GemmElement: Copy + Send + Sync + 'static {
        /// The packed product with the kernel of `isa` for this type (the portable one if
        /// `isa` is unavailable); `m, n, k > 0`, `c` is `m x n` row-major.
        #[doc(hidden)]
        #[allow(private_interfaces)] // sealed: nothing outside the crate can name `MatRef`
        fn gemm_packed(
            isa: Isa,
            m: usize,
            k: usize,
            n: usize,
            a: MatRef<'_, Self>,
            b: MatRef<'_, Self>,
            c: &mut [Self],
        );
    }
}
pub use sealed::GemmElement;

macro_rules! dispatch {
    ($t:ty, $avx512:ident, $avx2:ident, $portable:ty) => {
        impl GemmElement for $t {
            #[allow(private_interfaces)]
            fn gemm_packed(
                isa: Isa,
                m: usize,
                k: usize,
                n: usize,
                a: MatRef<'_, $t>,
                b: MatRef<'_, $t>,
                c: &mut [$t],
            ) {
                #[cfg(target_arch = "x86_64")]
                match isa {
                    Isa::Avx512 => {
                        if let Some(kern) = kernel::$avx512::new() {
                            return driver::gemm_packed(kern, m, k, n, a, b, c);
                        }
                    }
                    Isa::Avx2Fma => {
                        if let Some(kern) = kernel::$avx2::new() {
                            return driver::gemm_packed(kern, m, k, n, a, b, c);
                        }
                    }
                    Isa::Portable => {}
                }
                #[cfg(not(target_arch = "x86_64"))]
                let _ = isa;
                driver::gemm_packed(<$portable>::default(), m, k, n, a, b, c)
            }
        }
    };
}
dispatch!(f32, Avx512F32, Avx2F32, kernel::Portable<4, 8>);
dispatch!(f64, Avx512F64, Avx2F64, kernel::Portable<4, 4>);

/// `c = a b` for an `m x k` by `k x n` product; `c` is `m x n`, row-major, overwritten.
/// Uses the kernels of `isa` if given and available, else the best this CPU has.
pub(crate) fn gemm_with<T: Float>(
    isa: Option<Isa>,
    m: usize,
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    debug_assert_eq!(c.len(), m * n);
    if m == 0 || n == 0 {
        return;
    }
    let muls = m.saturating_mul(n).saturating_mul(k);
    if k == 0 {
        c.fill(T::ZERO);
    } else if n <= NARROW_MAX_COLS
        && m >= NARROW_TRANSPOSE_MIN_ROWS
        && muls <= SMALL_MAX_MULS
        && a.rs == 1
        && a.cs != 1
    {
        narrow_transposed(m, k, n, a, b, c);
    } else if muls <= TINY_MAX_MULS
        || (n <= NARROW_MAX_COLS
            && b.cs == 1
            && b.rs == n
            && (muls <= SMALL_MAX_MULS || a.cs == 1 && muls < PAR_MIN_MULS))
    {
        kernel::direct_gemm(Direct::Tiny, m, k, n, a, b, c);
    } else if muls <= SMALL_MAX_MULS || ((m <= small::RB || k <= 4) && muls < PAR_MIN_MULS) {
        kernel::direct_gemm(Direct::Small, m, k, n, a, b, c);
    } else {
        T::gemm_packed(isa.unwrap_or_else(Isa::detect), m, k, n, a, b, c);
    }
}
