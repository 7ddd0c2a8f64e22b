//! A stratified train/test split: every class keeps its share of the samples in both parts.

use tensor::{Error, NumpyRng, Result};

/// The row indices of the two parts of a split, each in a shuffled order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitIndices {
    /// The rows to train on.
    pub train: Vec<usize>,
    /// The held-out rows.
    pub test: Vec<usize>,
}

/// Splits the rows with `labels` so each class is in the test part in proportion to its size,
/// as scikit-learn's `train_test_split(..., stratify=y)` does: `ceil(test_fraction * n)` test
/// rows, class `k` with `c_k` rows gives `floor(c_k * n_test / n)` of them, and the rows left
/// over go to the classes with the largest remainders (the lower class first on ties). Which
/// rows of a class are held out, and the order of each part, come from `rng`.
///
/// # Errors
/// [`Error::Invalid`] unless `0 < test_fraction < 1` and both parts get at least one row.
///
/// ```
/// use nn::train::stratified_split;
/// use tensor::NumpyRng;
///
/// let labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]; // 80% class 0
/// let s = stratified_split(&labels, 0.5, &mut NumpyRng::new(0))?;
/// let test_ones = s.test.iter().filter(|&&i| labels[i] == 1).count();
/// assert_eq!((s.train.len(), s.test.len(), test_ones), (5, 5, 1));
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn stratified_split(
    labels: &[usize],
    test_fraction: f64,
    rng: &mut NumpyRng,
) -> Result<SplitIndices> {
    let invalid = |reason: String| Error::Invalid {
        op: "stratified_split",
        reason,
    };
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(invalid(format!(
            "test_fraction must be in (0, 1), got {test_fraction}"
        )));
    }
    let n = labels.len();
    let n_test = ((test_fraction * n as f64).ceil() as usize).min(n);
    if n_test == 0 || n_test == n {
        return Err(invalid(format!(
            "{n} samples cannot be split {:.0}/{:.0} with rows on both sides",
            100.0 * (1.0 - test_fraction),
            100.0 * test_fraction
        )));
    }
    // The rows of each class, in order (labels are small integers: one bucket per value).
    let classes = labels.iter().max().map_or(0, |&m| m + 1);
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for (i, &l) in labels.iter().enumerate() {
        rows[l].push(i);
    }
    // Largest-remainder allocation of the test rows to the classes.
    let mut take: Vec<usize> = rows.iter().map(|r| r.len() * n_test / n).collect();
    let mut by_remainder: Vec<usize> = (0..classes).collect();
    by_remainder.sort_by_key(|&k| std::cmp::Reverse((rows[k].len() * n_test) % n));
    let short = n_test - take.iter().sum::<usize>();
    for &k in by_remainder.iter().take(short) {
        take[k] += 1;
    }
    let (mut train, mut test) = (Vec::with_capacity(n - n_test), Vec::with_capacity(n_test));
    for (class_rows, t) in rows.iter().zip(take) {
        let perm = rng.permutation(class_rows.len());
        test.extend(perm[..t].iter().map(|&j| class_rows[j]));
        train.extend(perm[t..].iter().map(|&j| class_rows[j]));
    }
    let order = |v: Vec<usize>, rng: &mut NumpyRng| -> Vec<usize> {
        rng.permutation(v.len()).into_iter().map(|j| v[j]).collect()
    };
    let train = order(train, rng);
    let test = order(test, rng);
    Ok(SplitIndices { train, test })
}
