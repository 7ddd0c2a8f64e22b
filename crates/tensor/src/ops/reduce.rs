//! Reductions over all elements or along one axis, and `sum_to`, the inverse of broadcasting.
//!
//! Sums along the last axis (and over all elements) use NumPy's pairwise summation (8
//! accumulators, blocks of 128, halving above), so results agree with NumPy's to the last bit in
//! the common cases and the error grows as O(log n) rather than O(n). Along any other axis each
//! output accumulates its inputs in order, as NumPy does for C-ordered arrays. The order depends
//! on the logical shape alone, never on strides or the number of threads: a view and its
//! contiguous copy reduce to the same bits.

use rayon::prelude::*;

use crate::elementwise::PAR_MIN_ELEMS;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::iter::for_each_run_in;
use crate::shape::{Axis, Dims, Layout, copy_dims, resolve_axis};
use crate::tensor::{INLINE_ELEMS, Storage, Tensor, collect_storage};

/// Outputs per parallel task of a reduction along an axis.
const FOLD_CHUNK: usize = 1 << 12;

/// Outputs folded at once, in registers, along a leading axis of a contiguous tensor: 16 f32
/// (four SSE2 registers) or 16 f64 (eight).
const FOLD_COLS: usize = 16;

/// NumPy's block size for pairwise summation.
const PW_BLOCKSIZE: usize = 128;

/// NumPy's `pairwise_sum`, element for element: below 8 a plain loop; up to 128 eight
/// interleaved accumulators combined as a tree; above, split in two (at a multiple of 8) and
/// recurse. Large halves run on rayon's pool; the grouping, and so the result, is the same.
pub(crate) fn pairwise_sum<T: Float>(a: &[T]) -> T {
    let n = a.len();
    if n < 8 {
        let mut res = T::ZERO;
        for &x in a {
            res += x;
        }
        res
    } else if n <= PW_BLOCKSIZE {
        let mut r = [T::ZERO; 8];
        r.copy_from_slice(&a[..8]);
        let body = n - n % 8;
        for chunk in a[8..body].chunks_exact(8) {
            for j in 0..8 {
                r[j] += chunk[j];
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &a[body..] {
            res += x;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        let (lo, hi) = a.split_at(n2);
        if n >= PAR_MIN_ELEMS {
            let (x, y) = rayon::join(|| pairwise_sum(lo), || pairwise_sum(hi));
            x + y
        } else {
            pairwise_sum(lo) + pairwise_sum(hi)
        }
    }
}

/// The layout of the remaining axes once `axis` is taken out, and the taken axis' length and stride.
fn split_axis(layout: &Layout, axis: usize) -> (Layout, usize, usize) {
    let mut rest = layout.clone();
    let n = rest.shape.remove(axis);
    let s = rest.strides.remove(axis);
    (rest, n, s)
}

/// Output shape of a reduction along `axis`.
fn reduced_shape(shape: &[usize], axis: usize, keepdims: bool) -> Dims {
    let mut out: Dims = copy_dims(shape);
    if keepdims {
        out[axis] = 1;
    } else {
        out.remove(axis);
    }
    out
}

impl<T: Float> Tensor<T> {
    /// Folds along `axis`: for every output position, `acc = step(acc, x_i, i)` for
    /// `i = 0, 1, ..` in order, starting from `init`, then `finish(acc, n)`.
    fn fold_axis<S: Copy + Send + Sync>(
        &self,
        axis: usize,
        keepdims: bool,
        init: S,
        step: impl Fn(S, T, usize) -> S + Sync,
        finish: impl Fn(S, usize) -> T + Sync,
    ) -> Tensor<T> {
        let (rest, n, stride) = split_axis(&self.layout, axis);
        let out_n = rest.numel();
        let parallel = out_n.saturating_mul(n.max(1)) >= PAR_MIN_ELEMS && out_n > FOLD_CHUNK;
        if !parallel && let Some(data) = self.as_slice() {
            // Contiguous: the input is `[outer, n, inner]` and each output row `inner` long
            // folds `n` input rows in order, with no strided walk per step.
            let inner: usize = self.shape()[axis + 1..].iter().product();
            // On the stack for a small output (a bias's gradient): no allocation to fold into.
            let (mut small, mut large) = ([init; INLINE_ELEMS], Vec::new());
            let acc: &mut [S] = if out_n <= INLINE_ELEMS {
                &mut small[..out_n]
            } else {
                large.resize(out_n, init);
                &mut large
            };
            if inner == 1 && n > 0 {
                // Along the last axis: each output folds one contiguous row.
                for (a, row) in acc.iter_mut().zip(data.chunks_exact(n)) {
                    for (i, &x) in row.iter().enumerate() {
                        *a = step(*a, x, i);
                    }
                }
            } else if inner > 0 && n > 0 {
                for (acc, block) in acc
                    .chunks_exact_mut(inner)
                    .zip(data.chunks_exact(n * inner))
                {
                    // `FOLD_COLS` outputs at a time stay in registers while the `n` rows stream
                    // past, instead of loading and storing every output once per row (a bias
                    // gradient's `sum(axis=0)` over 256 rows). Each output still folds its
                    // inputs in row order.
                    let (cols, rest) = acc.as_chunks_mut::<FOLD_COLS>();
                    for (c, sums) in cols.iter_mut().enumerate() {
                        let mut regs = *sums;
                        for (i, row) in block.chunks_exact(inner).enumerate() {
                            let xs = &row[c * FOLD_COLS..][..FOLD_COLS];
                            for (a, &x) in regs.iter_mut().zip(xs) {
                                *a = step(*a, x, i);
                            }
                        }
                        *sums = regs;
                    }
                    let done = inner - rest.len();
                    for (i, row) in block.chunks_exact(inner).enumerate() {
                        for (a, &x) in rest.iter_mut().zip(&row[done..]) {
                            *a = step(*a, x, i);
                        }
                    }
                }
            }
            let out = collect_storage(out_n, acc.iter().map(|&a| finish(a, n)));
            return Tensor::from_storage(out, &reduced_shape(self.shape(), axis, keepdims));
        }
        let data = &self.data[..];
        // Accumulate outputs `start..start + acc.len()` over the whole axis, one axis step at a
        // time, so the inner loop runs along the remaining (often contiguous) dimensions.
        let fill = |start: usize, out: &mut [T]| {
            let mut acc = vec![init; out.len()];
            for i in 0..n {
                let mut k = 0;
                let base = rest.offset + i * stride;
                for_each_run_in(
                    rest.shape(),
                    [rest.strides()],
                    [base],
                    start..start + out.len(),
                    |[o], len, [s]| {
                        for (j, a) in acc[k..k + len].iter_mut().enumerate() {
                            *a = step(*a, data[o + j * s], i);
                        }
                        k += len;
                    },
                );
            }
            for (o, a) in out.iter_mut().zip(acc) {
                *o = finish(a, n);
            }
        };
        let mut out = Storage::from_elem(T::ZERO, out_n);
        if parallel {
            out.par_chunks_mut(FOLD_CHUNK)
                .enumerate()
                .for_each(|(c, o)| fill(c * FOLD_CHUNK, o));
        } else {
            fill(0, &mut out);
        }
        Tensor::from_storage(out, &reduced_shape(self.shape(), axis, keepdims))
    }

    /// Sum of all elements, as a rank-0 tensor.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?;
    /// assert_eq!(x.sum().item()?, 10.0);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn sum(&self) -> Tensor<T> {
        Tensor::scalar(self.sum_value())
    }

    /// The sum of all elements, pairwise in row-major order.
    fn sum_value(&self) -> T {
        match self.as_slice() {
            Some(s) => pairwise_sum(s),
            None => pairwise_sum(&self.to_vec()),
        }
    }

    /// Sum along `axis` (negative counts from the end); `keepdims` keeps it with length 1.
    ///
    /// # Errors
    /// [`Error::Axis`] if the axis is out of range.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
    /// assert_eq!(x.sum_axis(0, false)?.to_vec(), vec![5.0, 7.0, 9.0]);
    /// assert_eq!(x.sum_axis(-1, true)?.shape(), &[2, 1]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn sum_axis(&self, axis: impl Axis, keepdims: bool) -> Result<Tensor<T>> {
        let ax = resolve_axis("sum", axis.as_isize(), self.shape())?;
        if ax + 1 == self.ndim() && self.shape()[ax] >= 8 {
            // Along the last axis NumPy sums each row pairwise. Rows are read in logical order
            // (copied first if strided), so a view and its contiguous copy give the same bits.
            let rows = self.contiguous();
            let n = self.shape()[ax];
            let data = rows
                .as_slice()
                .expect("invariant: contiguous() is contiguous");
            // `n >= 8` here, so the division is safe.
            let out = collect_storage(data.len() / n, data.chunks_exact(n).map(pairwise_sum));
            return Ok(Tensor::from_storage(
                out,
                &reduced_shape(self.shape(), ax, keepdims),
            ));
        }
        Ok(self.fold_axis(ax, keepdims, T::ZERO, |acc, x, _| acc + x, |acc, _| acc))
    }

    /// Sum over several axes at once (each listed at most once).
    ///
    /// # Errors
    /// [`Error::Axis`] if an axis is out of range or repeated.
    pub fn sum_axes(&self, axes: &[isize], keepdims: bool) -> Result<Tensor<T>> {
        let mut resolved: Vec<usize> = axes
            .iter()
            .map(|&a| resolve_axis("sum", a, self.shape()))
            .collect::<Result<_>>()?;
        resolved.sort_unstable();
        if let Some(w) = resolved.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::Axis {
                op: "sum (repeated axis)",
                axis: w[0] as isize,
                shape: self.shape().to_vec(),
            });
        }
        let mut out = self.clone();
        // Highest axis first so the remaining indices stay valid when dims are dropped.
        for &ax in resolved.iter().rev() {
            out = out.sum_axis(ax, keepdims)?;
        }
        Ok(out)
    }

    /// Mean of all elements (NaN for an empty tensor, as NumPy).
    pub fn mean(&self) -> Tensor<T> {
        Tensor::scalar(self.sum_value() / T::from_usize(self.len()))
    }

    /// `self.sum_axis(1, false)?.mean()` of a matrix as a number: the mean over rows of each
    /// row's sum, bit for bit as those two ops compute it, without the tensor of row sums and the
    /// scalar (a loss's last step, run once per training step).
    ///
    /// # Errors
    /// [`Error::Rank`] unless 2-D.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
    /// assert_eq!(x.mean_of_row_sums()?, 10.5); // (6 + 15) / 2
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn mean_of_row_sums(&self) -> Result<T> {
        let &[rows, cols] = self.shape() else {
            return Err(Error::Rank {
                op: "mean_of_row_sums",
                expected: "2-D".into(),
                shape: self.shape().to_vec(),
            });
        };
        let Some(data) = self.as_slice() else {
            return Ok(self.sum_axis(1, false)?.mean().data[0]);
        };
        // `sum_axis` sums each contiguous row pairwise (in order below 8 elements, which is what
        // `pairwise_sum` does there too), and `mean` sums the row sums pairwise.
        let row_sums: Vec<T> = (0..rows)
            .map(|r| pairwise_sum(&data[r * cols..(r + 1) * cols]))
            .collect();
        Ok(pairwise_sum(&row_sums) / T::from_usize(rows))
    }

    /// Mean along `axis`.
    ///
    /// # Errors
    /// [`Error::Axis`] if the axis is out of range.
    pub fn mean_axis(&self, axis: impl Axis, keepdims: bool) -> Result<Tensor<T>> {
        let ax = resolve_axis("mean", axis.as_isize(), self.shape())?;
        let n = T::from_usize(self.shape()[ax]);
        Ok(self.sum_axis(ax, keepdims)?.div_scalar(n))
    }

    /// Population variance of all elements (`ddof = 0`, NumPy's default):
    /// `mean(|x - mean(x)|^2)`.
    pub fn var(&self) -> Tensor<T> {
        let m = self.mean().data[0];
        self.sub_scalar(m).square().mean()
    }

    /// Population variance along `axis` (`ddof = 0`).
    ///
    /// # Errors
    /// [`Error::Axis`] if the axis is out of range.
    pub fn var_axis(&self, axis: impl Axis, keepdims: bool) -> Result<Tensor<T>> {
        let ax = resolve_axis("var", axis.as_isize(), self.shape())?;
        let m = self.mean_axis(ax, true)?;
        self.sub(&m)?.square().mean_axis(ax, keepdims)
    }

    /// Population standard deviation of all elements: `sqrt(var)`.
    pub fn std(&self) -> Tensor<T> {
        self.var().sqrt()
    }

    /// Population standard deviation along `axis` (NumPy's `x.std(axis=...)`).
    ///
    /// # Errors
    /// [`Error::Axis`] if the axis is out of range.
    pub fn std_axis(&self, axis: impl Axis, keepdims: bool) -> Result<Tensor<T>> {
        Ok(self.var_axis(axis, keepdims)?.sqrt())
    }

    fn nonempty(&self, op: &'static str) -> Result<()> {
        if self.is_empty() {
            return Err(Error::Invalid {
                op,
                reason: format!("empty tensor of shape {:?} has no {op}", self.shape()),
            });
        }
        Ok(())
    }

    fn nonempty_axis(&self, op: &'static str, axis: impl Axis) -> Result<usize> {
        let ax = resolve_axis(op, axis.as_isize(), self.shape())?;
        if self.shape()[ax] == 0 {
            return Err(Error::Invalid {
                op,
                reason: format!("axis {ax} of shape {:?} is empty", self.shape()),
            });
        }
        Ok(ax)
    }

    /// The largest element (NaN if any element is NaN), as a rank-0 tensor.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an empty tensor.
    pub fn max(&self) -> Result<Tensor<T>> {
        self.nonempty("max")?;
        Ok(Tensor::scalar(
            self.to_vec().into_iter().fold(
                T::NEG_INFINITY,
                |m, x| if m.is_nan() { m } else { x.max(m) },
            ),
        ))
    }

    /// The smallest element (NaN if any element is NaN), as a rank-0 tensor.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an empty tensor.
    pub fn min(&self) -> Result<Tensor<T>> {
        self.nonempty("min")?;
        Ok(Tensor::scalar(self.to_vec().into_iter().fold(
            T::INFINITY,
            |m, x| if m.is_nan() { m } else { x.min(m) },
        )))
    }

    /// Largest element along `axis` (NaN-propagating).
    ///
    /// # Errors
    /// [`Error::Axis`] for a bad axis, [`Error::Invalid`] if the axis is empty.
    pub fn max_axis(&self, axis: impl Axis, keepdims: bool) -> Result<Tensor<T>> {
        let ax = self.nonempty_axis("max", axis)?;
        Ok(self.fold_axis(
            ax,
            keepdims,
            T::NEG_INFINITY,
            |m, x, _| if m.is_nan() { m } else { x.max(m) },
            |m, _| m,
        ))
    }

    /// Smallest element along `axis` (NaN-propagating).
    ///
    /// # Errors
    /// [`Error::Axis`] for a bad axis, [`Error::Invalid`] if the axis is empty.
    pub fn min_axis(&self, axis: impl Axis, keepdims: bool) -> Result<Tensor<T>> {
        let ax = self.nonempty_axis("min", axis)?;
        Ok(self.fold_axis(
            ax,
            keepdims,
            T::INFINITY,
            |m, x, _| if m.is_nan() { m } else { x.min(m) },
            |m, _| m,
        ))
    }

    /// Flat (row-major) index of the largest element; the first one on ties, the first NaN if
    /// any (NumPy's `argmax`).
    ///
    /// # Errors
    /// [`Error::Invalid`] for an empty tensor.
    pub fn argmax(&self) -> Result<usize> {
        self.nonempty("argmax")?;
        Ok(arg_best(self.to_vec().into_iter(), |x, best| x > best))
    }

    /// Flat index of the smallest element (first on ties, first NaN if any).
    ///
    /// # Errors
    /// [`Error::Invalid`] for an empty tensor.
    pub fn argmin(&self) -> Result<usize> {
        self.nonempty("argmin")?;
        Ok(arg_best(self.to_vec().into_iter(), |x, best| x < best))
    }

    /// Index of the largest element along `axis`, as values of `T` (exact below 2^24 for f32).
    ///
    /// ```
    /// use tensor::Tensor;
    /// let p = Tensor::<f64>::from_vec(vec![0.1, 0.7, 0.2, 0.5, 0.2, 0.3], &[2, 3])?;
    /// assert_eq!(p.argmax_axis(1, false)?.to_vec(), vec![1.0, 0.0]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Axis`] for a bad axis, [`Error::Invalid`] if the axis is empty.
    pub fn argmax_axis(&self, axis: impl Axis, keepdims: bool) -> Result<Tensor<T>> {
        let ax = self.nonempty_axis("argmax", axis)?;
        Ok(self.fold_axis(
            ax,
            keepdims,
            (T::NEG_INFINITY, usize::MAX),
            |b, x, i| arg_step(b, x, i, |x, best| x > best),
            |b, _| T::from_usize(b.1),
        ))
    }

    /// Index of the smallest element along `axis`, as values of `T`.
    ///
    /// # Errors
    /// [`Error::Axis`] for a bad axis, [`Error::Invalid`] if the axis is empty.
    pub fn argmin_axis(&self, axis: impl Axis, keepdims: bool) -> Result<Tensor<T>> {
        let ax = self.nonempty_axis("argmin", axis)?;
        Ok(self.fold_axis(
            ax,
            keepdims,
            (T::INFINITY, usize::MAX),
            |b, x, i| arg_step(b, x, i, |x, best| x < best),
            |b, _| T::from_usize(b.1),
        ))
    }

    /// Sums this tensor down to `shape`, undoing a broadcast from `shape` to `self.shape()`:
    /// leading dimensions are summed away and dimensions that are 1 in `shape` are summed with
    /// `keepdims`. This is how a gradient reaches a broadcast input.
    ///
    /// # Errors
    /// [`Error::BroadcastTo`] if `shape` does not broadcast to `self.shape()`.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let g = Tensor::<f64>::ones(&[4, 3])?;
    /// assert_eq!(g.sum_to(&[1, 3])?.to_vec(), vec![4.0, 4.0, 4.0]);
    /// assert_eq!(g.sum_to(&[])?.item()?, 12.0);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn sum_to(&self, shape: &[usize]) -> Result<Tensor<T>> {
        if self.shape() == shape {
            return Ok(self.clone());
        }
        // A matrix summed to a row (`[r, c]` -> `[1, c]` or `[c]`, a bias's gradient in every
        // backward pass): the one `sum_axis` the general walk below would run, without its checks.
        if let [_, c] = *self.shape()
            && (shape == [1, c] || shape == [c])
        {
            return self.sum_axis(0, shape.len() == 2);
        }
        // `shape` must broadcast to ours; that check also rejects e.g. [3] -> [4].
        let err = || Error::BroadcastTo {
            op: "sum_to",
            from: self.shape().to_vec(),
            to: shape.to_vec(),
        };
        Layout::contiguous(shape)
            .broadcast_to("sum_to", self.shape())
            .map_err(|_| err())?;
        // Sum (keeping dims) over the leading axes `shape` lacks and the axes it has as 1, highest
        // first as `sum_axes` does, then drop the leading ones. No list of axes is built: this
        // runs once per broadcast operand in every backward pass (a bias's gradient).
        let lead = self.ndim() - shape.len();
        let mut out = self.clone();
        for i in (0..self.ndim()).rev() {
            if i < lead || (shape[i - lead] == 1 && self.shape()[i] != 1) {
                out = out.sum_axis(i, true)?;
            }
        }
        if lead == 0 {
            Ok(out)
        } else {
            out.reshape(shape)
        }
    }
}

/// One step of arg-max/arg-min: a NaN wins and stays, otherwise strictly `better` replaces.
fn arg_step<T: Float>(
    (best, at): (T, usize),
    x: T,
    i: usize,
    better: impl Fn(T, T) -> bool,
) -> (T, usize) {
    if at == usize::MAX || (!best.is_nan() && (x.is_nan() || better(x, best))) {
        (x, i)
    } else {
        (best, at)
    }
}

fn arg_best<T: Float>(it: impl Iterator<Item = T>, better: impl Fn(T, T) -> bool + Copy) -> usize {
    it.enumerate()
        .fold((T::ZERO, usize::MAX), |b, (i, x)| arg_step(b, x, i, better))
        .1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f64], s: &[usize]) -> Tensor<f64> {
        Tensor::from_vec(v.to_vec(), s).unwrap()
    }

    #[test]
    fn mean_of_row_sums_is_bitwise_the_composed_ops() {
        // Row lengths below, at and above the pairwise block of 8; a transposed (strided) view;
        // no rows (NaN) and empty rows (0).
        let mut rng = crate::NumpyRng::new(5);
        for &(rows, cols) in &[(4, 3), (5, 8), (7, 19), (300, 10), (0, 3), (3, 0)] {
            let x = crate::Tensor::<f64>::randn(&[rows, cols], &mut rng).unwrap();
            for t in [x.clone(), x.t().unwrap()] {
                let want = t.sum_axis(1, false).unwrap().mean().item().unwrap();
                let got = t.mean_of_row_sums().unwrap();
                assert_eq!(got.to_bits(), want.to_bits(), "{:?}", t.shape());
            }
        }
        assert!(
            crate::Tensor::<f32>::zeros(&[3])
                .unwrap()
                .mean_of_row_sums()
                .is_err()
        );
    }

    #[test]
    fn pairwise_sum_is_exact_on_integers_at_every_length_around_the_blocks() {
        // 300_000 crosses PAR_MIN_ELEMS, so the rayon-joined halves are covered (not under Miri: slow).
        let big = if cfg!(miri) { 300 } else { 300_000 };
        for n in [0, 1, 7, 8, 9, 127, 128, 129, 255, 256, 257, 1000, big] {
            let v: Vec<f64> = (0..n).map(|i| (i % 17) as f64).collect();
            let want: f64 = (0..n).map(|i| (i % 17) as f64).sum();
            assert_eq!(pairwise_sum(&v), want, "n = {n}");
        }
    }

    #[test]
    fn population_std_matches_the_definition() {
        // x = [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, squared deviations sum to 32, var 4, std 2.
        let x = t(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], &[8]);
        assert_eq!(x.var().item().unwrap(), 4.0);
        assert_eq!(x.std().item().unwrap(), 2.0);
        // Columns [2, 4, 5, 7] (mean 4.5, var 13/4) and [4, 4, 5, 9] (mean 5.5, var 17/4).
        let cols = x
            .reshape(&[4, 2])
            .unwrap()
            .std_axis(0, false)
            .unwrap()
            .to_vec();
        assert_eq!(cols, vec![3.25f64.sqrt(), 4.25f64.sqrt()]);
    }

    #[test]
    fn argmax_takes_the_first_maximum_and_the_first_nan() {
        assert_eq!(t(&[1.0, 3.0, 3.0, 2.0], &[4]).argmax().unwrap(), 1);
        assert_eq!(
            t(&[1.0, f64::NAN, 5.0, f64::NAN], &[4]).argmax().unwrap(),
            1
        );
        assert_eq!(t(&[1.0, f64::NAN, 5.0], &[3]).argmin().unwrap(), 1);
        assert!(t(&[], &[0]).argmax().is_err());
        let m = t(&[1.0, 9.0, 3.0, 7.0, 2.0, 8.0], &[2, 3]);
        assert_eq!(
            m.argmax_axis(0, false).unwrap().to_vec(),
            vec![1.0, 0.0, 1.0]
        );
        assert_eq!(m.argmin_axis(-1, true).unwrap().to_vec(), vec![0.0, 1.0]);
    }

    #[test]
    fn max_propagates_nan_and_empty_max_is_an_error() {
        assert!(
            t(&[1.0, f64::NAN, 2.0], &[3])
                .max()
                .unwrap()
                .item()
                .unwrap()
                .is_nan()
        );
        assert!(t(&[], &[0]).max().is_err());
        assert!(t(&[], &[2, 0]).max_axis(1, false).is_err());
        assert_eq!(t(&[], &[2, 0]).max_axis(0, false).unwrap().shape(), &[0]);
    }

    #[test]
    fn sum_to_rejects_shapes_that_do_not_broadcast() {
        let g = t(&[1.0; 12], &[4, 3]);
        assert!(g.sum_to(&[4]).is_err());
        assert!(g.sum_to(&[2, 4, 3]).is_err());
        assert_eq!(g.sum_to(&[4, 1]).unwrap().to_vec(), vec![3.0; 4]);
        assert_eq!(g.sum_to(&[3]).unwrap().to_vec(), vec![4.0; 3]);
    }

    #[test]
    fn a_matrix_summed_to_a_row_is_its_column_sums() {
        // The row fast path against column sums written out, for a contiguous matrix and a
        // transposed view (and its 1-column edge case).
        let g = Tensor::from_fn(&[5, 3], |i| (i * i % 11) as f64 - 4.5).unwrap();
        for m in [g.clone(), g.t().unwrap(), g.narrow(1, 0, 1).unwrap()] {
            let (r, c) = (m.shape()[0], m.shape()[1]);
            let want: Vec<f64> = (0..c)
                .map(|j| (0..r).map(|i| m.get(&[i, j]).unwrap()).sum())
                .collect();
            let row = m.sum_to(&[1, c]).unwrap();
            assert_eq!((row.shape(), row.to_vec()), (&[1, c][..], want.clone()));
            let flat = m.sum_to(&[c]).unwrap();
            assert_eq!((flat.shape(), flat.to_vec()), (&[c][..], want));
        }
    }
}
