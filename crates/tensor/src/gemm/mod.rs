//! The matrix-multiply engine. (Placeholder: a plain loop until the packed GEMM lands.)

use crate::float::Float;

/// A strided matrix operand: element `(i, j)` is `data[offset + i * rs + j * cs]`.
#[derive(Clone, Copy)]
pub(crate) struct MatRef<'a, T> {
    pub data: &'a [T],
    pub offset: usize,
    pub rs: usize,
    pub cs: usize,
}

mod sealed {
    /// Element types the GEMM has kernels for. Sealed: only `f32` and `f64`.
    pub trait GemmElement: Copy + Send + Sync + 'static {}
    impl GemmElement for f32 {}
    impl GemmElement for f64 {}
}
pub use sealed::GemmElement;

/// `c = a * b` for an `m x k` by `k x n` product; `c` is `m x n`, row-major, overwritten.
pub(crate) fn gemm<T: Float>(
    m: usize,
    k: usize,
    n: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
) {
    for i in 0..m {
        for j in 0..n {
            let mut acc = T::ZERO;
            for p in 0..k {
                acc +=
                    a.data[a.offset + i * a.rs + p * a.cs] * b.data[b.offset + p * b.rs + j * b.cs];
            }
            c[i * n + j] = acc;
        }
    }
}
