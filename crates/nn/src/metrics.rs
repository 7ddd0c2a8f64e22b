//! Classification metrics: the predicted class of each row, accuracy, a confusion matrix.

use std::fmt;

use tensor::{Error, Float, Result, Tensor};

/// The index of the largest entry of each row of a `[n, classes]` tensor, NumPy's
/// `np.argmax(p, axis=1)` (the first one on ties).
///
/// # Errors
/// [`Error::Rank`] unless `scores` is 2-D, [`Error::Invalid`] if it has no columns.
///
/// ```
/// use tensor::Tensor;
/// let p = Tensor::<f64>::from_vec(vec![0.1, 0.7, 0.2, 0.5, 0.2, 0.3], &[2, 3])?;
/// assert_eq!(nn::metrics::argmax_rows(&p)?, vec![1, 0]);
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn argmax_rows<T: Float>(scores: &Tensor<T>) -> Result<Vec<usize>> {
    if scores.ndim() != 2 {
        return Err(Error::Rank {
            op: "argmax_rows",
            expected: "2-D [samples, classes]".into(),
            shape: scores.shape().to_vec(),
        });
    }
    Ok(scores
        .argmax_axis(1, false)?
        .to_vec()
        .into_iter()
        .map(|i| i.to_f64() as usize)
        .collect())
}

/// The fraction of rows whose largest score is at the target's class, with scores
/// (probabilities or logits) and one-hot targets both `[n, classes]`: the lesson's
/// `np.mean(np.argmax(a2, axis=1) == np.argmax(y, axis=1))`.
///
/// # Errors
/// [`Error::ShapeMismatch`] if the shapes differ, [`Error::Invalid`] for zero rows (an
/// accuracy of nothing is undefined), and [`argmax_rows`]' errors.
///
/// ```
/// use tensor::Tensor;
/// let p = Tensor::<f64>::from_vec(vec![0.9, 0.1, 0.4, 0.6, 0.3, 0.7], &[3, 2])?;
/// let y = Tensor::<f64>::from_vec(vec![1.0, 0.0, 1.0, 0.0, 0.0, 1.0], &[3, 2])?;
/// assert_eq!(nn::metrics::accuracy(&p, &y)?, 2.0 / 3.0);
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn accuracy<T: Float>(scores: &Tensor<T>, targets: &Tensor<T>) -> Result<f64> {
    if scores.shape() != targets.shape() {
        return Err(Error::ShapeMismatch {
            op: "accuracy",
            shapes: vec![scores.shape().to_vec(), targets.shape().to_vec()],
            reason: "scores and one-hot targets must have the same shape".into(),
        });
    }
    accuracy_labels(&argmax_rows(scores)?, &argmax_rows(targets)?)
}

/// The fraction of positions where `predicted[i] == truth[i]`.
///
/// # Errors
/// [`Error::ShapeMismatch`] if the lengths differ, [`Error::Invalid`] if they are empty.
pub fn accuracy_labels(predicted: &[usize], truth: &[usize]) -> Result<f64> {
    check_labels("accuracy", predicted, truth)?;
    let hits = predicted.iter().zip(truth).filter(|(p, t)| p == t).count();
    Ok(hits as f64 / truth.len() as f64)
}

fn check_labels(op: &'static str, predicted: &[usize], truth: &[usize]) -> Result<()> {
    if predicted.len() != truth.len() {
        return Err(Error::ShapeMismatch {
            op,
            shapes: vec![vec![predicted.len()], vec![truth.len()]],
            reason: "one prediction per target".into(),
        });
    }
    if truth.is_empty() {
        return Err(Error::Invalid {
            op,
            reason: "no samples".into(),
        });
    }
    Ok(())
}

/// Counts of (true class, predicted class) pairs: row `t`, column `p` counts the samples of
/// class `t` predicted as `p`, so the diagonal holds the correct predictions.
///
/// ```
/// use nn::metrics::ConfusionMatrix;
/// let cm = ConfusionMatrix::new(&[0, 1, 1, 2], &[0, 1, 2, 2], 3)?;
/// assert_eq!(cm.count(2, 1), 1); // one sample of class 2 predicted as 1
/// assert_eq!(cm.accuracy(), 0.75);
/// assert_eq!(cm.recall(2), Some(0.5));
/// # Ok::<(), tensor::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfusionMatrix {
    classes: usize,
    counts: Vec<usize>,
}

impl ConfusionMatrix {
    /// Tallies `predicted` against `truth`, labels in `0..classes`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the lengths differ, [`Error::Invalid`] if they are empty,
    /// [`Error::Index`] for a label `>= classes`.
    pub fn new(predicted: &[usize], truth: &[usize], classes: usize) -> Result<ConfusionMatrix> {
        check_labels("confusion_matrix", predicted, truth)?;
        let size = classes.checked_mul(classes).ok_or(Error::SizeOverflow {
            op: "confusion_matrix",
            shape: vec![classes, classes],
        })?;
        let mut counts = vec![0; size];
        for (i, (&p, &t)) in predicted.iter().zip(truth).enumerate() {
            if p >= classes || t >= classes {
                return Err(Error::Index {
                    op: "confusion_matrix",
                    index: vec![i, p.max(t)],
                    shape: vec![truth.len(), classes],
                });
            }
            counts[t * classes + p] += 1;
        }
        Ok(ConfusionMatrix { classes, counts })
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Samples of class `truth` predicted as `predicted` (0 for labels out of range).
    pub fn count(&self, truth: usize, predicted: usize) -> usize {
        if truth < self.classes && predicted < self.classes {
            self.counts[truth * self.classes + predicted]
        } else {
            0
        }
    }

    /// The fraction on the diagonal.
    pub fn accuracy(&self) -> f64 {
        let hits: usize = (0..self.classes).map(|c| self.count(c, c)).sum();
        hits as f64 / self.counts.iter().sum::<usize>() as f64
    }

    /// Of the samples of class `c`, the fraction predicted as `c` (`None` if there are none).
    pub fn recall(&self, c: usize) -> Option<f64> {
        let row: usize = (0..self.classes).map(|p| self.count(c, p)).sum();
        (row > 0).then(|| self.count(c, c) as f64 / row as f64)
    }

    /// Of the samples predicted as `c`, the fraction that are `c` (`None` if there are none).
    pub fn precision(&self, c: usize) -> Option<f64> {
        let col: usize = (0..self.classes).map(|t| self.count(t, c)).sum();
        (col > 0).then(|| self.count(c, c) as f64 / col as f64)
    }
}

/// One line per true class, the predicted classes as columns.
impl fmt::Display for ConfusionMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .counts
            .iter()
            .map(|c| c.to_string().len())
            .max()
            .unwrap_or(1);
        for t in 0..self.classes {
            let row: Vec<String> = (0..self.classes)
                .map(|p| format!("{:>width$}", self.count(t, p)))
                .collect();
            writeln!(f, "[{}]", row.join(" "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_the_first_of_equal_maxima_like_numpy() {
        let p = Tensor::<f64>::from_vec(vec![0.5, 0.5, 0.0, 0.0, 0.0, 0.0], &[2, 3]).unwrap();
        assert_eq!(argmax_rows(&p).unwrap(), vec![0, 0]);
        assert!(argmax_rows(&Tensor::<f64>::zeros(&[3]).unwrap()).is_err());
    }

    #[test]
    fn accuracy_counts_matching_argmaxes_and_rejects_bad_shapes() {
        // Rows: predicted [1, 0, 2, 2], true [1, 1, 2, 0] -> 2 of 4.
        let p = Tensor::<f64>::from_vec(
            vec![0., 1., 0., 5., 1., 1., 0., 0., 9., 1., 2., 3.],
            &[4, 3],
        )
        .unwrap();
        let y = crate::data::one_hot::<f64>(&[1, 1, 2, 0], 3).unwrap();
        assert_eq!(accuracy(&p, &y).unwrap(), 0.5);
        assert!(accuracy(&p, &y.narrow(0, 0, 3).unwrap()).is_err());
        assert!(accuracy_labels(&[], &[]).is_err());
        assert!(accuracy_labels(&[1], &[1, 2]).is_err());
    }

    #[test]
    fn confusion_matrix_tallies_truth_by_prediction() {
        // truth     [0, 0, 1, 1, 1, 2]
        // predicted [0, 1, 1, 1, 2, 2]: class 0 -> {0, 1}, class 1 -> {1, 1, 2}, class 2 -> {2}.
        let cm = ConfusionMatrix::new(&[0, 1, 1, 1, 2, 2], &[0, 0, 1, 1, 1, 2], 3).unwrap();
        let rows: Vec<Vec<usize>> = (0..3)
            .map(|t| (0..3).map(|p| cm.count(t, p)).collect())
            .collect();
        assert_eq!(rows, vec![vec![1, 1, 0], vec![0, 2, 1], vec![0, 0, 1]]);
        assert_eq!(cm.accuracy(), 4.0 / 6.0);
        assert_eq!(cm.precision(1), Some(2.0 / 3.0));
        assert_eq!(cm.recall(0), Some(0.5));
        assert_eq!(cm.to_string(), "[1 1 0]\n[0 2 1]\n[0 0 1]\n");
        assert!(ConfusionMatrix::new(&[0, 3], &[0, 1], 3).is_err());
        let empty = ConfusionMatrix::new(&[0], &[0], 2).unwrap();
        assert_eq!(empty.recall(1), None);
    }
}
