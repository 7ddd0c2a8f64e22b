//! Softmax, log-softmax and log-sum-exp along an axis, all shifted by the maximum so that large
//! inputs never overflow `exp`.

use crate::elementwise::PAR_MIN_ELEMS_HEAVY;
use crate::error::Result;
use crate::float::Float;
use crate::ops::reduce::pairwise_sum;
use crate::shape::{Axis, resolve_axis};
use crate::tensor::{Storage, Tensor};

/// Softmax and log-softmax of contiguous rows of length `n` (> 0), one row at a time, with the
/// arithmetic of the composed tensor ops (the maximum as [`Tensor::max_axis`] folds it, the
/// shifted values, `exp`, the row sum as `sum_axis` adds, then `e / sum` and `shifted - ln(sum)`),
/// so that the results are bit for bit those of the general path, without its five passes and
/// intermediate tensors. Only the outputs asked for are written.
fn softmax_rows<T: Float>(
    x: &[T],
    n: usize,
    mut softmax: Option<&mut [T]>,
    mut log_softmax: Option<&mut [T]>,
) {
    let mut e = vec![T::ZERO; n];
    for (r, row) in x.chunks_exact(n).enumerate() {
        let m = row.iter().fold(
            T::NEG_INFINITY,
            |m, &v| {
                if m.is_nan() { m } else { v.max(m) }
            },
        );
        let shift = if m.is_finite() { m } else { T::ZERO };
        for (e, &v) in e.iter_mut().zip(row) {
            *e = (v - shift).exp();
        }
        let sum = pairwise_sum(&e);
        if let Some(out) = softmax.as_deref_mut() {
            for (o, &e) in out[r * n..(r + 1) * n].iter_mut().zip(&e) {
                *o = e / sum;
            }
        }
        if let Some(out) = log_softmax.as_deref_mut() {
            let lse = sum.ln();
            for (o, &v) in out[r * n..(r + 1) * n].iter_mut().zip(row) {
                *o = (v - shift) - lse;
            }
        }
    }
}

impl<T: Float> Tensor<T> {
    /// The elements and row length when softmax along `ax` can take [`softmax_rows`]: a
    /// contiguous tensor reduced along its last, non-empty axis, too small for threads.
    fn softmax_row_data(&self, ax: usize) -> Option<(&[T], usize)> {
        let n = self.shape()[ax];
        (ax + 1 == self.ndim() && n > 0 && self.len() < PAR_MIN_ELEMS_HEAVY)
            .then(|| self.as_slice())
            .flatten()
            .map(|x| (x, n))
    }

    /// `(softmax, log_softmax)` along `axis` from one pass over the exponentials: what a
    /// softmax cross-entropy needs for its value (the log) and its gradient (the probabilities).
    /// Each is bit for bit what [`Tensor::softmax`] and [`Tensor::log_softmax`] return.
    ///
    /// # Errors
    /// As [`Tensor::softmax`].
    ///
    /// ```
    /// use tensor::Tensor;
    /// let z = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 0.0, 0.0, 0.0], &[2, 3])?;
    /// let (p, l) = z.softmax_and_log_softmax(1)?;
    /// assert_eq!(p.to_vec(), z.softmax(1)?.to_vec());
    /// assert_eq!(l.to_vec(), z.log_softmax(1)?.to_vec());
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn softmax_and_log_softmax(&self, axis: impl Axis) -> Result<(Tensor<T>, Tensor<T>)> {
        let ax = resolve_axis("softmax", axis.as_isize(), self.shape())?;
        if let Some((x, n)) = self.softmax_row_data(ax) {
            let mut p = Storage::from_elem(T::ZERO, x.len());
            let mut l = Storage::from_elem(T::ZERO, x.len());
            softmax_rows(x, n, Some(&mut p[..]), Some(&mut l[..]));
            return Ok((
                Tensor::from_storage(p, self.shape()),
                Tensor::from_storage(l, self.shape()),
            ));
        }
        Ok((self.softmax(ax)?, self.log_softmax(ax)?))
    }

    /// The row maximum used as the shift, with infinite maxima replaced by 0 so that rows of
    /// `-inf` (or `+inf`) do not turn into `inf - inf = NaN` before they need to.
    fn softmax_shift(&self, ax: usize) -> Result<Tensor<T>> {
        Ok(self
            .max_axis(ax, true)?
            .map(|m| if m.is_finite() { m } else { T::ZERO }))
    }

    /// `exp(x - max) / sum(exp(x - max))` along `axis`: the lesson's `softmax`, stable for any
    /// finite input (`softmax([1000, 0])` is `[1, 0]`, not NaN).
    ///
    /// # Errors
    /// [`crate::Error::Axis`] for a bad axis, [`crate::Error::Invalid`] if the axis is empty.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let z = Tensor::<f64>::from_vec(vec![1000.0, 0.0, 1.0, 1.0], &[2, 2])?;
    /// assert_eq!(z.softmax(-1)?.to_vec(), vec![1.0, 0.0, 0.5, 0.5]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn softmax(&self, axis: impl Axis) -> Result<Tensor<T>> {
        let ax = resolve_axis("softmax", axis.as_isize(), self.shape())?;
        if let Some((x, n)) = self.softmax_row_data(ax) {
            let mut p = Storage::from_elem(T::ZERO, x.len());
            softmax_rows(x, n, Some(&mut p[..]), None);
            return Ok(Tensor::from_storage(p, self.shape()));
        }
        let e = self.sub(&self.softmax_shift(ax)?)?.exp();
        e.div(&e.sum_axis(ax, true)?)
    }

    /// `x - max - ln(sum(exp(x - max)))` along `axis`: the logarithm of [`Tensor::softmax`],
    /// finite even where the softmax underflows to 0.
    ///
    /// # Errors
    /// [`crate::Error::Axis`] for a bad axis, [`crate::Error::Invalid`] if the axis is empty.
    pub fn log_softmax(&self, axis: impl Axis) -> Result<Tensor<T>> {
        let ax = resolve_axis("log_softmax", axis.as_isize(), self.shape())?;
        if let Some((x, n)) = self.softmax_row_data(ax) {
            let mut l = Storage::from_elem(T::ZERO, x.len());
            softmax_rows(x, n, None, Some(&mut l[..]));
            return Ok(Tensor::from_storage(l, self.shape()));
        }
        let shifted = self.sub(&self.softmax_shift(ax)?)?;
        shifted.sub(&shifted.exp().sum_axis(ax, true)?.ln())
    }

    /// `ln(sum(exp(x)))` along `axis`, computed as `max + ln(sum(exp(x - max)))`.
    ///
    /// # Errors
    /// [`crate::Error::Axis`] for a bad axis, [`crate::Error::Invalid`] if the axis is empty.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let z = Tensor::<f64>::from_vec(vec![1e4, 1e4], &[2])?;
    /// let lse = z.logsumexp(0, false)?.item()?;
    /// assert!((lse - (1e4 + 2f64.ln())).abs() < 1e-9);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn logsumexp(&self, axis: impl Axis, keepdims: bool) -> Result<Tensor<T>> {
        let ax = resolve_axis("logsumexp", axis.as_isize(), self.shape())?;
        let m = self.softmax_shift(ax)?;
        let lse = self.sub(&m)?.exp().sum_axis(ax, true)?.ln().add(&m)?;
        if keepdims { Ok(lse) } else { lse.squeeze(ax) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_rows_sum_to_one_and_match_the_definition() {
        let z = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, -1.0, 0.0, 1.0], &[2, 3]).unwrap();
        let p = z.softmax(1).unwrap();
        // Shift invariance: both rows are [a, a e, a e^2] with a = 1 / (1 + e + e^2).
        let a = 1.0 / (1.0 + 1f64.exp() + 2f64.exp());
        for row in p.to_vec().chunks(3) {
            assert!((row[0] - a).abs() < 1e-15);
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        }
    }

    #[test]
    fn the_row_pass_gives_the_bits_of_the_composed_ops() {
        // The transposed copy is not contiguous, so it takes the general path (max, shift,
        // exp, sum, divide as separate tensor ops); rows of 3 (plain sums) and 11 (pairwise),
        // a row with -inf and one far out.
        for n in [3, 11] {
            let mut v: Vec<f64> = (0..4 * n)
                .map(|i| ((i * 37 % 17) as f64 - 8.0) * 0.7)
                .collect();
            v[0] = f64::NEG_INFINITY;
            v[n] = 1e4;
            let z = Tensor::from_vec(v, &[4, n]).unwrap();
            let strided = z.t().unwrap().contiguous().t().unwrap();
            assert!(!strided.is_contiguous());
            let (p, l) = z.softmax_and_log_softmax(1).unwrap();
            assert!(p.bitwise_eq(&strided.softmax(1).unwrap()));
            assert!(l.bitwise_eq(&strided.log_softmax(1).unwrap()));
            assert!(z.softmax(-1).unwrap().bitwise_eq(&p));
            assert!(z.log_softmax(-1).unwrap().bitwise_eq(&l));
        }
    }

    #[test]
    fn log_softmax_is_finite_where_softmax_underflows() {
        let z = Tensor::<f32>::from_vec(vec![1e4, -1e4], &[1, 2]).unwrap();
        let l = z.log_softmax(1).unwrap().to_vec();
        assert_eq!(l, vec![0.0, -2e4]);
        let lse = Tensor::<f64>::from_vec(vec![f64::NEG_INFINITY; 2], &[2])
            .unwrap()
            .logsumexp(0, false)
            .unwrap();
        assert_eq!(lse.item().unwrap(), f64::NEG_INFINITY);
    }
}
