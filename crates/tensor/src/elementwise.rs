//! The two loops every elementwise op is built from: [`Tensor::map`] (one operand) and
//! [`Tensor::zip_with`] (two operands with NumPy broadcasting). A new elementwise op is a closure
//! handed to one of them.
//!
//! Both have a contiguous fast path over slices (which LLVM vectorises for simple closures), walk
//! strided operands run by run otherwise, and split the work across rayon's pool only above a
//! size that depends on what one element costs ([`Cost`]), so the lesson's 4x2 tensors never pay
//! for threads.

use rayon::prelude::*;

use crate::error::Result;
use crate::float::Float;
use crate::iter::for_each_run_in;
use crate::shape::broadcast_shapes;
use crate::storage::pooled_vec;
use crate::tensor::{INLINE_ELEMS, Storage, Tensor, collect_exact, try_zeros};

/// Outputs of cheap ops (add, mul, compare: a few cycles per element, bound by memory) with at
/// least this many elements are computed on rayon's pool.
///
/// Measured with `benches/elementwise.rs` on the 2-core development machine (docs/performance.md):
/// handing work to the pool and back costs about 10 microseconds from a thread outside it, which
/// is what a serial `add` of ~2^15 f32 elements takes; below about 2^18 elements splitting a
/// memory-bound loop across 2 cores does not win that back.
pub const PAR_MIN_ELEMS: usize = 1 << 18;

/// The same threshold for ops that cost tens of cycles per element (`exp`, `ln`, `tanh`,
/// `sigmoid`, `pow`). Measured (docs/performance.md): a parallel `exp` of 2^14 to 2^16 elements
/// was no faster than the serial loop (waking the second worker in this VM costs tens of
/// microseconds), from 2^17 it was about 1.5x faster.
pub const PAR_MIN_ELEMS_HEAVY: usize = 1 << 17;

/// Elements per parallel task: large enough to amortise a task, small enough to balance.
const PAR_CHUNK: usize = 1 << 13;

/// What one element of an elementwise op costs, which decides when threads pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cost {
    /// A few cycles: arithmetic, comparisons, selection.
    Cheap,
    /// Tens of cycles: transcendental functions.
    Heavy,
}

impl Cost {
    fn parallel(self, n: usize) -> bool {
        n >= match self {
            Cost::Cheap => PAR_MIN_ELEMS,
            Cost::Heavy => PAR_MIN_ELEMS_HEAVY,
        }
    }
}

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

/// How a contiguous operand of a broadcast covers the (contiguous) output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cover {
    /// The operand has the output's shape.
    Full,
    /// The operand is the output's trailing `r` elements, repeated: a bias row `[1, n]` or `[n]`
    /// against `[m, n]` (`r = n`).
    Repeat(usize),
    /// Each operand element is stretched over `c` consecutive output elements: a column
    /// `[m, 1]` against `[m, n]` (`c = n`), as softmax's row maxima and sums.
    Stretch(usize),
}

/// How `shape` broadcasts to `out` (already known to broadcast), if it is one of [`Cover`]'s
/// patterns.
fn cover(shape: &[usize], out: &[usize]) -> Option<Cover> {
    let (len, out_len): (usize, usize) = (shape.iter().product(), out.iter().product());
    if len == out_len {
        return Some(Cover::Full); // only size-1 dimensions differ
    }
    if len == 1 {
        return Some(Cover::Stretch(out_len));
    }
    let lead = out.len() - shape.len();
    let dim = |i: usize| if i < lead { 1 } else { shape[i - lead] };
    let first = (0..out.len()).find(|&i| dim(i) != 1).unwrap_or(out.len());
    let last = (0..out.len())
        .rev()
        .find(|&i| dim(i) != 1)
        .map_or(0, |i| i + 1);
    let tail: usize = out[first..].iter().product();
    if (first..out.len()).all(|i| dim(i) == out[i]) {
        return Some(Cover::Repeat(tail));
    }
    ((0..last).all(|i| dim(i) == out[i])).then(|| Cover::Stretch(out[last..].iter().product()))
}

/// `f` over two contiguous operands broadcast to `out` with plain slice loops (which LLVM
/// vectorises), when one of them covers the output whole and the other as a [`Cover`] pattern;
/// `None` for other broadcasts (an outer sum `[m, 1] + [1, n]`, say), which take the strided walk.
/// Every element is `f(a, b)` of the same pair as in the walk, so the result is the same.
fn zip_contiguous<T: Float>(
    a: &[T],
    a_shape: &[usize],
    b: &[T],
    b_shape: &[usize],
    out_shape: &[usize],
    f: &impl Fn(T, T) -> T,
) -> Option<Storage<T>> {
    let n: usize = out_shape.iter().product();
    let (ca, cb) = (cover(a_shape, out_shape)?, cover(b_shape, out_shape)?);
    if n == 0 {
        return Some(Storage::new());
    }
    if !matches!((ca, cb), (Cover::Full, _) | (_, Cover::Full)) {
        return None;
    }
    if n <= INLINE_ELEMS {
        let mut out = Storage::new();
        extend_covered(&mut out, a, ca, b, cb, f);
        return Some(out);
    }
    let mut out = pooled_vec(n);
    extend_covered(&mut out, a, ca, b, cb, f);
    Some(Storage::from_vec(out))
}

/// Appends `f(a, b)` for every output element to `out` (a `Vec`, or the inline storage of a
/// small result), one chunk at a time from slice iterators of exact length (vector loops, no
/// zeroed buffer first). One of the covers is [`Cover::Full`].
fn extend_covered<T: Float>(
    out: &mut impl Extend<T>,
    a: &[T],
    ca: Cover,
    b: &[T],
    cb: Cover,
    f: &impl Fn(T, T) -> T,
) {
    match (ca, cb) {
        (Cover::Full, Cover::Full) => out.extend(a.iter().zip(b).map(|(&x, &y)| f(x, y))),
        (Cover::Full, Cover::Repeat(r)) => {
            for x in a.chunks_exact(r) {
                out.extend(x.iter().zip(b).map(|(&x, &y)| f(x, y)));
            }
        }
        (Cover::Repeat(r), Cover::Full) => {
            for y in b.chunks_exact(r) {
                out.extend(a.iter().zip(y).map(|(&x, &y)| f(x, y)));
            }
        }
        (Cover::Full, Cover::Stretch(c)) => {
            for (x, &y) in a.chunks_exact(c).zip(b) {
                out.extend(x.iter().map(|&x| f(x, y)));
            }
        }
        (Cover::Stretch(c), Cover::Full) => {
            for (y, &x) in b.chunks_exact(c).zip(a) {
                out.extend(y.iter().map(|&y| f(x, y)));
            }
        }
        _ => unreachable!("invariant: zip_contiguous passes one full operand"),
    }
}

/// Runs `fill(start, chunk)` over the whole output (a strided walk), in parallel chunks if asked.
fn build<T: Float>(
    op: &'static str,
    shape: &[usize],
    parallel: bool,
    fill: impl Fn(usize, &mut [T]) + Sync,
) -> Result<Tensor<T>> {
    let n: usize = shape.iter().product();
    let mut out = try_zeros::<T>(op, n)?;
    if parallel {
        out.par_chunks_mut(PAR_CHUNK)
            .enumerate()
            .for_each(|(c, chunk)| fill(c * PAR_CHUNK, chunk));
    } else {
        fill(0, &mut out);
    }
    Ok(Tensor::from_storage(out, shape))
}

impl<T: Float> Tensor<T> {
    /// A new tensor with `f` applied to every element.
    ///
    /// Large tensors are split across rayon's pool (above [`PAR_MIN_ELEMS`] elements, the
    /// threshold for cheap closures).
    ///
    /// ```
    /// use tensor::Tensor;
    /// let t = Tensor::<f64>::from_vec(vec![1.0, -2.0], &[2])?;
    /// assert_eq!(t.map(|x| 2.0 * x).to_vec(), vec![2.0, -4.0]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn map(&self, f: impl Fn(T) -> T + Sync + Send) -> Tensor<T> {
        self.map_cost(Cost::Cheap, f)
    }

    /// [`Tensor::map`] for an op whose per-element cost is `cost`.
    pub(crate) fn map_cost(&self, cost: Cost, f: impl Fn(T) -> T + Sync + Send) -> Tensor<T> {
        let parallel = cost.parallel(self.len());
        if let Some(src) = self.as_slice() {
            let out: Storage<T> = if parallel {
                // Rayon writes the results in place: no zero-filled buffer first.
                let mut v = pooled_vec(src.len());
                src.par_iter()
                    .with_min_len(PAR_CHUNK)
                    .map(|&x| f(x))
                    .collect_into_vec(&mut v);
                Storage::from_vec(v)
            } else {
                collect_exact(src.iter().map(move |&x| f(x)))
            };
            return Tensor::from_storage(out, self.shape());
        }
        build("map", self.shape(), parallel, |start, out| {
            fill_map(self, start, out, &f)
        })
        .expect("invariant: the input already holds this many elements")
    }

    /// A new tensor `f(a, b)` over the NumPy broadcast of `self` and `rhs`; `op` names the
    /// operation in errors. Large outputs are split across rayon's pool as in [`Tensor::map`].
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
        f: impl Fn(T, T) -> T + Sync + Send,
    ) -> Result<Tensor<T>> {
        self.zip_cost(rhs, op, Cost::Cheap, f)
    }

    /// [`Tensor::zip_with`] for an op whose per-element cost is `cost`.
    pub(crate) fn zip_cost(
        &self,
        rhs: &Tensor<T>,
        op: &'static str,
        cost: Cost,
        f: impl Fn(T, T) -> T + Sync + Send,
    ) -> Result<Tensor<T>> {
        if self.shape() == rhs.shape()
            && let (Some(a), Some(b)) = (self.as_slice(), rhs.as_slice())
        {
            let out: Storage<T> = if cost.parallel(a.len()) {
                let mut v = pooled_vec(a.len());
                (a.par_iter().with_min_len(PAR_CHUNK), b.par_iter())
                    .into_par_iter()
                    .map(|(&x, &y)| f(x, y))
                    .collect_into_vec(&mut v);
                Storage::from_vec(v)
            } else {
                collect_exact(a.iter().zip(b).map(|(&x, &y)| f(x, y)))
            };
            return Ok(Tensor::from_storage(out, self.shape()));
        }
        let shape = broadcast_shapes(op, self.shape(), rhs.shape())?;
        let parallel = cost.parallel(shape.iter().product());
        if !parallel
            && let (Some(a), Some(b)) = (self.as_slice(), rhs.as_slice())
            && let Some(out) = zip_contiguous(a, self.shape(), b, rhs.shape(), &shape, &f)
        {
            return Ok(Tensor::from_storage(out, &shape));
        }
        let a = self.with_layout(self.layout.broadcast_to(op, &shape)?);
        let b = rhs.with_layout(rhs.layout.broadcast_to(op, &shape)?);
        build(op, &shape, parallel, |start, out| {
            fill_zip(&a, &b, start, out, &f)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sizes that take the parallel paths (not under Miri, where they would take minutes).
    fn big() -> usize {
        if cfg!(miri) { 1000 } else { PAR_MIN_ELEMS + 3 }
    }

    #[test]
    fn parallel_paths_give_the_serial_results_for_contiguous_and_strided_operands() {
        let n = big();
        let v: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        let a = Tensor::from_vec(v.clone(), &[n]).unwrap();
        let want: Vec<f64> = v.iter().map(|x| x.exp()).collect();
        assert_eq!(a.exp().to_vec(), want);
        assert_eq!(a.map_cost(Cost::Cheap, |x| x.exp()).to_vec(), want);
        let sum: Vec<f64> = v.iter().map(|x| x + x).collect();
        assert_eq!(a.add(&a).unwrap().to_vec(), sum);
        // A transposed (strided) operand and a broadcast one.
        let rows = n / 3;
        let m = Tensor::from_vec(v[..rows * 3].to_vec(), &[rows, 3]).unwrap();
        let mt = m.t().unwrap();
        let want_t: Vec<f64> = (0..3)
            .flat_map(|j| (0..rows).map(move |i| (i, j)))
            .map(|(i, j)| v[i * 3 + j] * 2.0)
            .collect();
        assert_eq!(mt.mul_scalar(2.0).to_vec(), want_t);
        let col = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3, 1]).unwrap();
        let want_b: Vec<f64> = (0..3)
            .flat_map(|j| (0..rows).map(move |i| (i, j)))
            .map(|(i, j)| v[i * 3 + j] + (j + 1) as f64)
            .collect();
        assert_eq!(mt.add(&col).unwrap().to_vec(), want_b);
    }
}
