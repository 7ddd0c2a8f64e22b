//! Preparing a data set as the lesson does: standardise the features, shuffle rows by a
//! permutation, split into train and test, cut minibatches, one-hot encode labels.
//!
//! Samples are rows: `x` is `[n, features]`, `y` is `[n, ...]` with the same `n`.

use tensor::{Error, Float, Result, Tensor};

/// Per-feature mean and population standard deviation, fitted on one data set and applicable
/// to another (fit on the training set, then transform the test set with the same numbers).
///
/// ```
/// use nn::data::Standardizer;
/// use tensor::Tensor;
///
/// let x = Tensor::<f64>::from_vec(vec![1.0, 10.0, 3.0, 30.0], &[2, 2])?;
/// let s = Standardizer::fit(&x)?;
/// assert_eq!(s.mean.to_vec(), vec![2.0, 20.0]);
/// assert_eq!(s.std.to_vec(), vec![1.0, 10.0]); // population std (NumPy's default, ddof = 0)
/// assert_eq!(s.transform(&x)?.to_vec(), vec![-1.0, -1.0, 1.0, 1.0]);
/// # Ok::<(), tensor::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Standardizer<T: Float = f32> {
    /// `x.mean(axis=0)`, shape `[features]`.
    pub mean: Tensor<T>,
    /// `x.std(axis=0)` (population, `ddof = 0`), shape `[features]`.
    pub std: Tensor<T>,
}

/// `Err` unless `x` is `[n, features]`.
fn check_matrix<T: Float>(op: &'static str, x: &Tensor<T>) -> Result<(usize, usize)> {
    match *x.shape() {
        [n, d] => Ok((n, d)),
        _ => Err(Error::Rank {
            op,
            expected: "2-D [samples, features]".into(),
            shape: x.shape().to_vec(),
        }),
    }
}

impl<T: Float> Standardizer<T> {
    /// The column means and population standard deviations of `x` (`[n, features]`), computed
    /// as NumPy's `x.mean(axis=0)` and `x.std(axis=0)` are.
    ///
    /// # Errors
    /// [`Error::Rank`] unless `x` is 2-D; [`Error::Invalid`] if `x` has no rows, or a column's
    /// standard deviation is zero or not finite (dividing by it would give inf or NaN).
    pub fn fit(x: &Tensor<T>) -> Result<Standardizer<T>> {
        let (n, _) = check_matrix("standardize", x)?;
        if n == 0 {
            return Err(Error::Invalid {
                op: "standardize",
                reason: format!("no samples to fit (shape {:?})", x.shape()),
            });
        }
        let mean = x.mean_axis(0, false)?;
        let std = x.std_axis(0, false)?;
        if let Some((j, s)) = std
            .to_vec()
            .into_iter()
            .enumerate()
            .find(|&(_, s)| !(s > T::ZERO && s.is_finite()))
        {
            return Err(Error::Invalid {
                op: "standardize",
                reason: format!("feature {j} has standard deviation {s}; cannot divide by it"),
            });
        }
        Ok(Standardizer { mean, std })
    }

    /// `(x - mean) / std`, the lesson's `(X - X_mean) / X_std`.
    ///
    /// # Errors
    /// [`Error::Rank`] unless `x` is 2-D, [`Error::ShapeMismatch`] if its feature count differs
    /// from the fitted one.
    pub fn transform(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let (_, d) = check_matrix("standardize", x)?;
        if d != self.mean.len() {
            return Err(Error::ShapeMismatch {
                op: "standardize",
                shapes: vec![x.shape().to_vec(), self.mean.shape().to_vec()],
                reason: format!("fitted on {} features, given {d}", self.mean.len()),
            });
        }
        x.sub(&self.mean)?.div(&self.std)
    }
}

/// Standardises `x` by its own statistics and returns them too: `(x_norm, stats)`.
///
/// # Errors
/// As [`Standardizer::fit`].
pub fn standardize<T: Float>(x: &Tensor<T>) -> Result<(Tensor<T>, Standardizer<T>)> {
    let s = Standardizer::fit(x)?;
    Ok((s.transform(x)?, s))
}

/// `Err` unless `perm` holds each of `0..n` exactly once.
fn check_permutation(perm: &[usize], n: usize) -> Result<()> {
    let mut seen = vec![false; n];
    let ok = perm.len() == n
        && perm
            .iter()
            .all(|&i| i < n && !std::mem::replace(&mut seen[i], true));
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid {
            op: "shuffle",
            reason: format!("the indices are not a permutation of 0..{n}"),
        })
    }
}

/// The rows of `x` and of `y` reordered by the same permutation: NumPy's
/// `idx = np.random.permutation(n); x[idx], y[idx]`.
///
/// # Errors
/// [`Error::ShapeMismatch`] if `x` and `y` have different row counts (or are rank 0),
/// [`Error::Invalid`] unless `perm` is a permutation of `0..n`.
///
/// ```
/// use tensor::{NumpyRng, Tensor};
/// let x = Tensor::<f64>::arange(0.0, 6.0, 1.0)?.reshape(&[3, 2])?;
/// let y = Tensor::<f64>::arange(0.0, 3.0, 1.0)?;
/// let perm = NumpyRng::new(0).permutation(3); // np.random.seed(0); np.random.permutation(3)
/// let (xs, ys) = nn::data::shuffle(&x, &y, &perm)?;
/// assert_eq!(ys.to_vec(), perm.iter().map(|&i| i as f64).collect::<Vec<_>>());
/// assert_eq!(xs.get(&[0, 1])?, 2.0 * perm[0] as f64 + 1.0);
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn shuffle<T: Float>(
    x: &Tensor<T>,
    y: &Tensor<T>,
    perm: &[usize],
) -> Result<(Tensor<T>, Tensor<T>)> {
    let n = same_rows("shuffle", x, y)?;
    check_permutation(perm, n)?;
    Ok((x.index_select(0, perm)?, y.index_select(0, perm)?))
}

/// The common row count of `x` and `y`.
fn same_rows<T: Float>(op: &'static str, x: &Tensor<T>, y: &Tensor<T>) -> Result<usize> {
    match (x.shape().first(), y.shape().first()) {
        (Some(&a), Some(&b)) if a == b => Ok(a),
        _ => Err(Error::ShapeMismatch {
            op,
            shapes: vec![x.shape().to_vec(), y.shape().to_vec()],
            reason: "inputs and targets must have the same number of rows".into(),
        }),
    }
}

/// A train/test split: the first rows for training, the rest for testing.
#[derive(Clone, Debug)]
pub struct Split<T: Float = f32> {
    /// Training inputs.
    pub x_train: Tensor<T>,
    /// Training targets.
    pub y_train: Tensor<T>,
    /// Test inputs.
    pub x_test: Tensor<T>,
    /// Test targets.
    pub y_test: Tensor<T>,
}

/// Splits after row `floor(train_fraction * n)`, the lesson's `split = int(0.8 * n)`;
/// `x[:split]` trains, `x[split:]` tests (views, no copy). Shuffle first.
///
/// # Errors
/// [`Error::ShapeMismatch`] if `x` and `y` have different row counts, [`Error::Invalid`]
/// unless `0 <= train_fraction <= 1`.
///
/// ```
/// use tensor::Tensor;
/// let x = Tensor::<f64>::zeros(&[300, 2])?;
/// let y = Tensor::<f64>::zeros(&[300, 3])?;
/// let s = nn::data::train_test_split(&x, &y, 0.8)?;
/// assert_eq!((s.x_train.shape(), s.y_test.shape()), (&[240, 2][..], &[60, 3][..]));
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn train_test_split<T: Float>(
    x: &Tensor<T>,
    y: &Tensor<T>,
    train_fraction: f64,
) -> Result<Split<T>> {
    let n = same_rows("train_test_split", x, y)?;
    if !(0.0..=1.0).contains(&train_fraction) {
        return Err(Error::Invalid {
            op: "train_test_split",
            reason: format!("train_fraction must be in [0, 1], got {train_fraction}"),
        });
    }
    // Python's int() truncates; the product is non-negative, so that is floor.
    let split = ((train_fraction * n as f64) as usize).min(n);
    Ok(Split {
        x_train: x.slice(0, 0..split)?,
        y_train: y.slice(0, 0..split)?,
        x_test: x.slice(0, split..n)?,
        y_test: y.slice(0, split..n)?,
    })
}

/// Consecutive minibatches of rows `(x[i..i + b], y[i..i + b])`, as views; the last one is
/// smaller when `batch_size` does not divide `n`. Made by [`minibatches`].
#[derive(Clone, Debug)]
pub struct Minibatches<T: Float = f32> {
    x: Tensor<T>,
    y: Tensor<T>,
    batch_size: usize,
    start: usize,
}

/// An iterator over minibatches of `batch_size` rows; shuffle first for SGD.
///
/// # Errors
/// [`Error::ShapeMismatch`] if `x` and `y` have different row counts, [`Error::Invalid`] if
/// `batch_size` is 0.
///
/// ```
/// use tensor::Tensor;
/// let x = Tensor::<f64>::arange(0.0, 5.0, 1.0)?.reshape(&[5, 1])?;
/// let batches: Vec<_> = nn::data::minibatches(&x, &x, 2)?.collect();
/// let sizes: Vec<usize> = batches.iter().map(|(xb, _)| xb.shape()[0]).collect();
/// assert_eq!(sizes, vec![2, 2, 1]);
/// assert_eq!(batches[2].0.to_vec(), vec![4.0]);
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn minibatches<T: Float>(
    x: &Tensor<T>,
    y: &Tensor<T>,
    batch_size: usize,
) -> Result<Minibatches<T>> {
    same_rows("minibatches", x, y)?;
    if batch_size == 0 {
        return Err(Error::Invalid {
            op: "minibatches",
            reason: "batch_size must be at least 1".into(),
        });
    }
    Ok(Minibatches {
        x: x.clone(),
        y: y.clone(),
        batch_size,
        start: 0,
    })
}

impl<T: Float> Iterator for Minibatches<T> {
    type Item = (Tensor<T>, Tensor<T>);

    fn next(&mut self) -> Option<Self::Item> {
        let n = self.x.shape()[0];
        if self.start >= n {
            return None;
        }
        let len = self.batch_size.min(n - self.start);
        let batch = (
            self.x
                .narrow(0, self.start, len)
                .expect("invariant: start + len <= n rows"),
            self.y
                .narrow(0, self.start, len)
                .expect("invariant: x and y have n rows"),
        );
        self.start += len;
        Some(batch)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.x.shape()[0].saturating_sub(self.start);
        let k = left.div_ceil(self.batch_size);
        (k, Some(k))
    }
}

impl<T: Float> ExactSizeIterator for Minibatches<T> {}

/// Labels as one-hot rows: `[n, classes]` with a 1 at `(i, labels[i])`.
///
/// # Errors
/// [`Error::Index`] for a label `>= classes`.
///
/// ```
/// let y = nn::data::one_hot::<f64>(&[2, 0], 3)?;
/// assert_eq!(y.to_vec(), vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn one_hot<T: Float>(labels: &[usize], classes: usize) -> Result<Tensor<T>> {
    if let Some((i, &l)) = labels.iter().enumerate().find(|&(_, &l)| l >= classes) {
        return Err(Error::Index {
            op: "one_hot",
            index: vec![i, l],
            shape: vec![labels.len(), classes],
        });
    }
    Tensor::from_fn(&[labels.len(), classes], |k| {
        if labels[k / classes] == k % classes {
            T::ONE
        } else {
            T::ZERO
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f64], s: &[usize]) -> Tensor<f64> {
        Tensor::from_vec(v.to_vec(), s).unwrap()
    }

    #[test]
    fn standardize_uses_the_population_std_and_returns_the_statistics() {
        // Column 0: [1, 2, 3, 6], mean 3, deviations [-2, -1, 0, 3], population variance
        // (4 + 1 + 0 + 9) / 4 = 3.5 (the sample variance would be 14 / 3).
        // Column 1: [0, 0, 0, 4], mean 1, deviations [-1, -1, -1, 3], variance 12 / 4 = 3.
        let x = t(&[1.0, 0.0, 2.0, 0.0, 3.0, 0.0, 6.0, 4.0], &[4, 2]);
        let (xn, s) = standardize(&x).unwrap();
        assert_eq!(s.mean.to_vec(), vec![3.0, 1.0]);
        assert_eq!(s.std.to_vec(), vec![3.5f64.sqrt(), 3f64.sqrt()]);
        assert_eq!(xn.get(&[3, 0]).unwrap(), 3.0 / 3.5f64.sqrt());
        assert_eq!(xn.get(&[0, 1]).unwrap(), -1.0 / 3f64.sqrt());
    }

    #[test]
    fn standardize_rejects_constant_columns_empty_data_and_wrong_widths() {
        let x = t(&[1.0, 5.0, 2.0, 5.0], &[2, 2]);
        let e = standardize(&x).unwrap_err().to_string();
        assert!(e.contains("feature 1"), "{e}");
        assert!(standardize(&Tensor::<f64>::zeros(&[0, 2]).unwrap()).is_err());
        assert!(standardize(&Tensor::<f64>::zeros(&[4]).unwrap()).is_err());
        let s = Standardizer::fit(&t(&[1.0, 2.0, 3.0, 5.0], &[2, 2])).unwrap();
        assert!(s.transform(&t(&[1.0, 2.0, 3.0], &[1, 3])).is_err());
    }

    #[test]
    fn shuffle_moves_rows_of_x_and_y_together_and_checks_the_permutation() {
        let x = t(&[0.0, 1.0, 10.0, 11.0, 20.0, 21.0], &[3, 2]);
        let y = t(&[0.0, 1.0, 2.0], &[3]);
        let (xs, ys) = shuffle(&x, &y, &[2, 0, 1]).unwrap();
        assert_eq!(xs.to_vec(), vec![20.0, 21.0, 0.0, 1.0, 10.0, 11.0]);
        assert_eq!(ys.to_vec(), vec![2.0, 0.0, 1.0]);
        assert!(shuffle(&x, &y, &[0, 0, 1]).is_err()); // a repeat
        assert!(shuffle(&x, &y, &[0, 1]).is_err()); // too short
        assert!(shuffle(&x, &y, &[0, 1, 3]).is_err()); // out of range
        assert!(shuffle(&x, &t(&[0.0, 1.0], &[2]), &[0, 1, 2]).is_err());
    }

    #[test]
    fn split_truncates_like_python_int() {
        // int(0.8 * 5) = int(4.0) = 4; int(0.7 * 3) = int(2.0999999999999996) = 2.
        let x = t(&[0.0, 1.0, 2.0, 3.0, 4.0], &[5, 1]);
        let s = train_test_split(&x, &x, 0.8).unwrap();
        assert_eq!(s.x_train.to_vec(), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(s.y_test.to_vec(), vec![4.0]);
        let x3 = t(&[0.0, 1.0, 2.0], &[3, 1]);
        assert_eq!(train_test_split(&x3, &x3, 0.7).unwrap().x_train.len(), 2);
        assert_eq!(train_test_split(&x3, &x3, 1.0).unwrap().x_test.len(), 0);
        assert!(train_test_split(&x3, &x3, 1.5).is_err());
        assert!(train_test_split(&x3, &x3, f64::NAN).is_err());
    }

    #[test]
    fn minibatches_cover_every_row_once_in_order() {
        let x = t(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[7, 1]);
        let y = x.mul_scalar(10.0);
        let it = minibatches(&x, &y, 3).unwrap();
        assert_eq!(it.len(), 3);
        let got: Vec<(Vec<f64>, Vec<f64>)> = it.map(|(a, b)| (a.to_vec(), b.to_vec())).collect();
        assert_eq!(got[0], (vec![0.0, 1.0, 2.0], vec![0.0, 10.0, 20.0]));
        assert_eq!(got[2], (vec![6.0], vec![60.0]));
        assert!(minibatches(&x, &y, 0).is_err());
        assert_eq!(minibatches(&x, &y, 100).unwrap().count(), 1);
    }

    #[test]
    fn one_hot_marks_each_label_and_rejects_out_of_range() {
        let y = one_hot::<f32>(&[1, 0, 1], 2).unwrap();
        assert_eq!(y.shape(), &[3, 2]);
        assert_eq!(y.to_vec(), vec![0.0, 1.0, 1.0, 0.0, 0.0, 1.0]);
        let e = one_hot::<f32>(&[0, 3], 3).unwrap_err();
        assert!(e.to_string().contains("one_hot"), "{e}");
        assert_eq!(one_hot::<f32>(&[], 4).unwrap().shape(), &[0, 4]);
    }
}
