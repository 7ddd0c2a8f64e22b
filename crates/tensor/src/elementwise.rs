//! The two loops every elementwise op is built from: [`Tensor::map`] (one operand) and
//! [`Tensor::zip_with`] (two operands with NumPy broadcasting). A new elementwise op is a closure
//! handed to one of them.
//!
//! Both have a contiguous fast path over slices (which LLVM vectorises for simple closures), walk
//! strided operands run by run otherwise, and split the output across rayon's pool only above
//! [`PAR_MIN_ELEMS`], so the lesson's 4x2 tensors never pay for threads.

use rayon::prelude::*;

use crate::error::Result;
use crate::float::Float;
use crate::iter::for_each_run_in;
use crate::shape::broadcast_shapes;
use crate::tensor::{Tensor, try_alloc};

/// Outputs with at least this many elements are computed in parallel chunks.
///
/// Measured with `benches/elementwise.rs` on the 2-core development machine (see
/// docs/performance.md): below about 2^15 elements rayon's fork-join (a few microseconds) costs more
/// than the cheapest ops (add: ~0.3 ns per element) save; `exp` breaks even earlier, but one
/// threshold keeps the rule simple and no op loses more than a few microseconds by it.
pub const PAR_MIN_ELEMS: usize = 1 << 15;

/// Elements per parallel chunk: large enough to amortise a task, small enough to balance.
const PAR_CHUNK: usize = 1 << 14;

/// Fills `out` (flat elements `start..start + out.len()` of the result) by walking one operand.
fn fill_map<T: Float>(x: &Tensor<T>, start: usize, out: &mut [T], f: &(impl Fn(T) -> T + Sync)) {
    let data = &x.data[..];
    let mut i = 0;
    let l = &x.layout;
    for_each_run_in(
        l.shape(),
        [l.strides()],
        [l.offset],
        start..start + out.len(),
        |[o], len, [s]| {
            let dst = &mut out[i..i + len];
            if s == 1 {
                for (d, &v) in dst.iter_mut().zip(&data[o..o + len]) {
                    *d = f(v);
                }
            } else {
                for (j, d) in dst.iter_mut().enumerate() {
                    *d = f(data[o + j * s]);
                }
            }
            i += len;
        },
    );
}

/// Fills `out` by walking two operands already broadcast to the output's shape.
fn fill_zip<T: Float>(
    a: &Tensor<T>,
    b: &Tensor<T>,
    start: usize,
    out: &mut [T],
    f: &(impl Fn(T, T) -> T + Sync),
) {
    let (da, db) = (&a.data[..], &b.data[..]);
    let (la, lb) = (&a.layout, &b.layout);
    let mut i = 0;
    for_each_run_in(
        la.shape(),
        [la.strides(), lb.strides()],
        [la.offset, lb.offset],
        start..start + out.len(),
        |[oa, ob], len, [sa, sb]| {
            let dst = &mut out[i..i + len];
            // The common inner-loop shapes get their own loops so LLVM can vectorise them.
            match (sa, sb) {
                (1, 1) => {
                    for ((d, &x), &y) in
                        dst.iter_mut().zip(&da[oa..oa + len]).zip(&db[ob..ob + len])
                    {
                        *d = f(x, y);
                    }
                }
                (1, 0) => {
                    let y = db[ob];
                    for (d, &x) in dst.iter_mut().zip(&da[oa..oa + len]) {
                        *d = f(x, y);
                    }
                }
                (0, 1) => {
                    let x = da[oa];
                    for (d, &y) in dst.iter_mut().zip(&db[ob..ob + len]) {
                        *d = f(x, y);
                    }
                }
                _ => {
                    for (j, d) in dst.iter_mut().enumerate() {
                        *d = f(da[oa + j * sa], db[ob + j * sb]);
                    }
                }
            }
            i += len;
        },
    );
}

/// Runs `fill(start, chunk)` over the whole output, in parallel chunks when it is large.
fn build<T: Float>(
    op: &'static str,
    shape: &[usize],
    fill: impl Fn(usize, &mut [T]) + Sync,
) -> Result<Tensor<T>> {
    let n: usize = shape.iter().product();
    let mut out = try_alloc::<T>(op, n)?;
    out.resize(n, T::ZERO);
    if n >= PAR_MIN_ELEMS {
        out.par_chunks_mut(PAR_CHUNK)
            .enumerate()
            .for_each(|(c, chunk)| fill(c * PAR_CHUNK, chunk));
    } else {
        fill(0, &mut out);
    }
    Ok(Tensor::from_parts(out, shape))
}

impl<T: Float> Tensor<T> {
    /// A new tensor with `f` applied to every element.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let t = Tensor::<f64>::from_vec(vec![1.0, -2.0], &[2])?;
    /// assert_eq!(t.map(|x| 2.0 * x).to_vec(), vec![2.0, -4.0]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn map(&self, f: impl Fn(T) -> T + Sync) -> Tensor<T> {
        let n = self.len();
        if let Some(src) = self.as_slice().filter(|_| n < PAR_MIN_ELEMS) {
            return Tensor::from_parts(src.iter().map(|&x| f(x)).collect(), self.shape());
        }
        build("map", self.shape(), |start, out| {
            fill_map(self, start, out, &f)
        })
        .expect("invariant: the input already holds this many elements")
    }

    /// A new tensor `f(a, b)` over the NumPy broadcast of `self` and `rhs`; `op` names the
    /// operation in errors.
    ///
    /// # Errors
    /// [`crate::Error::Broadcast`] if the shapes cannot be broadcast together.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let a = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?;
    /// let b = Tensor::<f64>::from_vec(vec![10.0, 20.0], &[2])?;
    /// assert_eq!(a.zip_with(&b, "hypot", |x, y| x.hypot(y))?.shape(), &[2, 2]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn zip_with(
        &self,
        rhs: &Tensor<T>,
        op: &'static str,
        f: impl Fn(T, T) -> T + Sync,
    ) -> Result<Tensor<T>> {
        if self.shape() == rhs.shape()
            && self.len() < PAR_MIN_ELEMS
            && let (Some(a), Some(b)) = (self.as_slice(), rhs.as_slice())
        {
            return Ok(Tensor::from_parts(
                a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect(),
                self.shape(),
            ));
        }
        let shape = broadcast_shapes(op, self.shape(), rhs.shape())?;
        let a = self.with_layout(self.layout.broadcast_to(op, &shape)?);
        let b = rhs.with_layout(rhs.layout.broadcast_to(op, &shape)?);
        build(op, &shape, |start, out| fill_zip(&a, &b, start, out, &f))
    }
}
