//! Loss functions: each takes the model's output as a [`Var`] and the targets as a tensor, and
//! returns the scalar loss as a `Var`, ready for `backward()`.
//!
//! | loss | formula (mean over samples) | gradient w.r.t. the input |
//! | --- | --- | --- |
//! | [`mse`] | `mean((p - y)^2)` | `2 (p - y) / N` |
//! | [`cross_entropy`] | `-mean(sum(y * ln(p + 1e-8), axis=1))`, the lesson's | `-y / (p + 1e-8) / n` |
//! | [`cross_entropy_with_logits`] | `-mean(sum(y * log_softmax(z), axis=1))` | `(softmax(z) - y) / n` (rows of `y` summing to 1) |
//! | [`bce`] | `-mean(y ln p + (1 - y) ln(1 - p))` | `(p - y) / (p (1 - p)) / N` |
//! | [`bce_with_logits`] | `mean(softplus(z) - z y)` | `(sigmoid(z) - y) / N` |
//!
//! (`N` counts elements, `n` rows.) The `_with_logits` forms take the pre-activation, never
//! exponentiate anything large and stay finite for logits of any size; prefer them for
//! training. The lesson's sensors program differentiates `cross_entropy_with_logits` by hand
//! (its `delta2 = (a2 - y) / N`) while printing `cross_entropy`: see `docs/lesson.md`.

use autograd::Var;
use tensor::{Error, Float, Result, Tensor};

/// The lesson's `1e-8` inside `np.log(a2 + 1e-8)`.
pub const CROSS_ENTROPY_EPSILON: f64 = 1e-8;

/// PyTorch's floor for `ln` in [`bce`]: `ln 0` would be `-inf`.
pub const BCE_LOG_FLOOR: f64 = -100.0;

/// `Err` unless `input` and `target` have the same non-empty shape.
fn check_same(
    op: &'static str,
    input: &Var<impl Float>,
    target: &Tensor<impl Float>,
) -> Result<()> {
    if input.shape() != target.shape() {
        return Err(Error::ShapeMismatch {
            op,
            shapes: vec![input.shape().to_vec(), target.shape().to_vec()],
            reason: "the input and the target must have the same shape".into(),
        });
    }
    if target.is_empty() {
        return Err(Error::Invalid {
            op,
            reason: format!(
                "empty input of shape {:?}: the mean is undefined",
                input.shape()
            ),
        });
    }
    Ok(())
}

/// As [`check_same`], and both must be `[samples, classes]`.
fn check_rows(
    op: &'static str,
    input: &Var<impl Float>,
    target: &Tensor<impl Float>,
) -> Result<()> {
    if input.ndim() != 2 {
        return Err(Error::Rank {
            op,
            expected: "2-D [samples, classes]".into(),
            shape: input.shape().to_vec(),
        });
    }
    check_same(op, input, target)
}

/// `Err` naming `op` and `alternative` unless every element of `probs` is in `[0, 1]`.
fn check_probabilities<T: Float>(
    op: &'static str,
    probs: &Var<T>,
    alternative: &str,
) -> Result<()> {
    let values = probs.value().to_vec();
    match values.iter().position(|p| !(*p >= T::ZERO && *p <= T::ONE)) {
        None => Ok(()),
        Some(i) => Err(Error::Invalid {
            op,
            reason: format!(
                "probabilities must lie in [0, 1], got {} at flat index {i} of an input of shape \
                 {:?}; for logits (values before a softmax or sigmoid) use {alternative}",
                values[i],
                probs.shape()
            ),
        }),
    }
}

/// Mean squared error `mean((input - target)^2)` over all elements: the lesson's XOR loss
/// `np.mean((y - a2) ** 2)`.
///
/// # Errors
/// [`Error::ShapeMismatch`] unless the shapes are equal (no broadcasting: a `[4]` against a
/// `[4, 1]` would silently make a `[4, 4]`), [`Error::Invalid`] if empty.
///
/// ```
/// use autograd::Tape;
/// use tensor::Tensor;
/// let tape = Tape::<f64>::new();
/// let p = tape.var(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3])?);
/// let loss = nn::loss::mse(&p, &Tensor::from_vec(vec![1.0, 0.0, 0.0], &[3])?)?;
/// assert_eq!(loss.value().item()?, 13.0 / 3.0); // (0 + 4 + 9) / 3
/// // d/dp = 2 (p - y) / 3
/// assert_eq!(loss.backward()?.get(&p).unwrap().to_vec(), vec![0.0, 4.0 / 3.0, 2.0]);
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn mse<T: Float>(input: &Var<T>, target: &Tensor<T>) -> Result<Var<T>> {
    check_same("mse", input, target)?;
    let y = input.tape().constant(target.clone());
    input.sub(&y)?.square()?.mean()
}

/// Cross-entropy of probabilities in the lesson's form:
/// `-mean(sum(y * ln(p + 1e-8), axis=1))` for `p`, `y` of shape `[samples, classes]`.
///
/// The `1e-8` keeps `ln` finite at `p = 0`, and makes the gradient with respect to the logits
/// under a softmax `(p - y) / n * p_c / (p_c + 1e-8)`, not exactly `(p - y) / n`.
///
/// # Errors
/// [`Error::Rank`] unless 2-D, [`Error::ShapeMismatch`] unless the shapes are equal,
/// [`Error::Invalid`] if empty or if a probability is outside `[0, 1]` (or NaN): logits given
/// here by mistake would train silently towards nonsense, so the error says to use
/// [`cross_entropy_with_logits`].
///
/// ```
/// use autograd::Tape;
/// use tensor::Tensor;
/// let tape = Tape::<f64>::new();
/// let logits = tape.var(Tensor::from_vec(vec![2.0, -1.0], &[1, 2])?);
/// let y = Tensor::from_vec(vec![1.0, 0.0], &[1, 2])?;
/// let e = nn::loss::cross_entropy(&logits, &y).unwrap_err().to_string();
/// assert!(e.contains("cross_entropy_with_logits"), "{e}");
/// let p = tape.var(Tensor::from_vec(vec![0.25, 0.75, 0.5, 0.5], &[2, 2])?);
/// let y = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[2, 2])?;
/// let loss = nn::loss::cross_entropy(&p, &y)?;
/// let want = -((0.75f64 + 1e-8).ln() + (0.5f64 + 1e-8).ln()) / 2.0;
/// assert!((loss.value().item()? - want).abs() < 1e-15);
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn cross_entropy<T: Float>(probs: &Var<T>, target: &Tensor<T>) -> Result<Var<T>> {
    check_rows("cross_entropy", probs, target)?;
    check_probabilities("cross_entropy", probs, "cross_entropy_with_logits")?;
    let y = probs.tape().constant(target.clone());
    let log_p = probs.add_scalar(T::from_f64(CROSS_ENTROPY_EPSILON))?.ln()?;
    y.mul(&log_p)?.sum_axis(1, false)?.mean()?.neg()
}

/// Cross-entropy of logits: `-mean(sum(y * log_softmax(z), axis=1))` for `z` of shape
/// `[samples, classes]` and targets `y` either of the same shape (one-hot, or any rows of
/// probabilities) or one class index per sample (`&[usize]`, as PyTorch's `CrossEntropyLoss`
/// takes them; see [`ClassTargets`]). Computed through the max-shifted log-softmax, so it is
/// finite and exact for logits of any size; with rows of `y` summing to 1 its gradient is
/// `(softmax(z) - y) / n`.
///
/// # Errors
/// [`Error::Rank`] unless the logits are 2-D; for a tensor target, as [`cross_entropy`] (without
/// the range check); for class indices, [`Error::ShapeMismatch`] unless there is one per row and
/// [`Error::Invalid`] naming the sample, the label and the class count for a label out of range.
///
/// ```
/// use autograd::Tape;
/// use tensor::Tensor;
/// let tape = Tape::<f64>::new();
/// // Equal logits over 4 classes: the loss is ln 4 whatever the label.
/// let z = tape.var(Tensor::zeros(&[2, 4])?);
/// let loss = nn::loss::cross_entropy_with_logits(&z, &[3, 0])?;
/// assert!((loss.value().item()? - 4f64.ln()).abs() < 1e-15);
/// let e = nn::loss::cross_entropy_with_logits(&z, &[4, 0]).unwrap_err().to_string();
/// assert!(e.contains("label 4") && e.contains("4 classes"), "{e}");
/// # Ok::<(), tensor::Error>(())
/// ```
///
/// ```
/// use autograd::Tape;
/// use tensor::Tensor;
/// let tape = Tape::<f64>::new();
/// let z = tape.var(Tensor::from_vec(vec![1e4, -1e4], &[1, 2])?);
/// let loss = nn::loss::cross_entropy_with_logits(&z, &Tensor::from_vec(vec![0.0, 1.0], &[1, 2])?)?;
/// assert_eq!(loss.value().item()?, 2e4); // -log_softmax = 1e4 - (-1e4)
/// assert_eq!(loss.backward()?.get(&z).unwrap().to_vec(), vec![1.0, -1.0]); // softmax - y
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn cross_entropy_with_logits<T: Float, Y: ClassTargets<T> + ?Sized>(
    logits: &Var<T>,
    target: &Y,
) -> Result<Var<T>> {
    let target = target.probabilities("cross_entropy_with_logits", logits.shape())?;
    check_rows("cross_entropy_with_logits", logits, &target)?;
    let y = logits.tape().constant(target);
    y.mul(&logits.log_softmax(1)?)?
        .sum_axis(1, false)?
        .mean()?
        .neg()
}

/// Binary cross-entropy of probabilities: `-mean(y ln p + (1 - y) ln(1 - p))`, each `ln`
/// floored at -100 as PyTorch's `BCELoss` does (so `p = 0` or `1` gives a large finite loss).
///
/// # Errors
/// [`Error::ShapeMismatch`] unless the shapes are equal, [`Error::Invalid`] if empty or if a
/// probability is outside `[0, 1]` (or NaN).
///
/// ```
/// use autograd::Tape;
/// use tensor::Tensor;
/// let tape = Tape::<f64>::new();
/// let p = tape.var(Tensor::from_vec(vec![0.5, 0.8], &[2])?);
/// let loss = nn::loss::bce(&p, &Tensor::from_vec(vec![1.0, 0.0], &[2])?)?;
/// // -(ln 0.5 + ln 0.2) / 2; d/dp = (p - y) / (p (1 - p)) / 2 = [-1, 2.5]
/// assert!((loss.value().item()? + (0.5f64.ln() + 0.2f64.ln()) / 2.0).abs() < 1e-15);
/// let g = loss.backward()?.get(&p).unwrap().to_vec();
/// assert!((g[0] + 1.0).abs() < 1e-14 && (g[1] - 2.5).abs() < 1e-14);
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn bce<T: Float>(probs: &Var<T>, target: &Tensor<T>) -> Result<Var<T>> {
    check_same("bce", probs, target)?;
    check_probabilities("bce", probs, "bce_with_logits")?;
    let tape = probs.tape();
    let floor = T::from_f64(BCE_LOG_FLOOR);
    let y = tape.constant(target.clone());
    let one_minus_y = tape.constant(target.rsub_scalar(T::ONE));
    let log_p = probs.ln()?.maximum_scalar(floor)?;
    let log_q = probs.rsub_scalar(T::ONE)?.ln()?.maximum_scalar(floor)?;
    y.mul(&log_p)?.add(&one_minus_y.mul(&log_q)?)?.mean()?.neg()
}

/// Binary cross-entropy of logits: `mean(softplus(z) - z y)`, which equals
/// `bce(sigmoid(z), y)` but never overflows: `softplus(z) = ln(1 + e^z)` is computed as
/// `logsumexp([0, z])`, whose derivative `sigmoid(z)` is exact everywhere (the textbook
/// `max(z, 0) + ln(1 + e^-|z|)` has kinks at 0 where a tape would take one-sided slopes).
///
/// # Errors
/// [`Error::ShapeMismatch`] unless the shapes are equal, [`Error::Invalid`] if empty.
///
/// ```
/// use autograd::Tape;
/// use tensor::Tensor;
/// let tape = Tape::<f64>::new();
/// let z = tape.var(Tensor::from_vec(vec![1e4, -1e4], &[2])?);
/// let y = Tensor::from_vec(vec![0.0, 1.0], &[2])?; // both confidently wrong
/// let loss = nn::loss::bce_with_logits(&z, &y)?;
/// assert_eq!(loss.value().item()?, 1e4); // (1e4 + 1e4) / 2
/// assert_eq!(loss.backward()?.get(&z).unwrap().to_vec(), vec![0.5, -0.5]); // (sigmoid - y) / 2
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn bce_with_logits<T: Float>(logits: &Var<T>, target: &Tensor<T>) -> Result<Var<T>> {
    check_same("bce_with_logits", logits, target)?;
    let tape = logits.tape();
    let zeros = tape.constant(Tensor::zeros_like(logits.value()));
    let softplus = Var::stack(&[&zeros, logits], logits.ndim())?.logsumexp(-1, false)?;
    let y = tape.constant(target.clone());
    softplus.sub(&logits.mul(&y)?)?.mean()
}

/// The targets [`cross_entropy_with_logits`] takes: a `[samples, classes]` tensor of
/// probabilities (one-hot or soft), or one class index per sample (`[usize]`, `Vec<usize>`,
/// `[usize; N]`), as PyTorch's `CrossEntropyLoss` takes either.
pub trait ClassTargets<T: Float> {
    /// The targets as a `[samples, classes]` tensor for logits of shape `logits`.
    ///
    /// # Errors
    /// For class indices: [`Error::Rank`] unless the logits are 2-D, [`Error::ShapeMismatch`]
    /// unless there is one label per row, [`Error::Invalid`] naming the sample, the label and the
    /// class count for a label out of range.
    fn probabilities(&self, op: &'static str, logits: &[usize]) -> Result<Tensor<T>>;
}

impl<T: Float> ClassTargets<T> for Tensor<T> {
    fn probabilities(&self, _op: &'static str, _logits: &[usize]) -> Result<Tensor<T>> {
        Ok(self.clone())
    }
}

impl<T: Float> ClassTargets<T> for [usize] {
    fn probabilities(&self, op: &'static str, logits: &[usize]) -> Result<Tensor<T>> {
        let &[n, classes] = logits else {
            return Err(Error::Rank {
                op,
                expected: "2-D [samples, classes] logits".into(),
                shape: logits.to_vec(),
            });
        };
        if self.len() != n {
            return Err(Error::ShapeMismatch {
                op,
                shapes: vec![logits.to_vec(), vec![self.len()]],
                reason: format!(
                    "{} class labels were given for {n} rows of logits: one label per row",
                    self.len()
                ),
            });
        }
        if let Some((sample, &label)) = self.iter().enumerate().find(|(_, l)| **l >= classes) {
            return Err(Error::Invalid {
                op,
                reason: format!(
                    "label {label} of sample {sample} is out of range for {classes} classes \
                     (logits of shape {logits:?}; labels are 0..{classes})"
                ),
            });
        }
        Tensor::from_fn(logits, |i| {
            if self[i / classes] == i % classes {
                T::ONE
            } else {
                T::ZERO
            }
        })
    }
}

impl<T: Float> ClassTargets<T> for Vec<usize> {
    fn probabilities(&self, op: &'static str, logits: &[usize]) -> Result<Tensor<T>> {
        self.as_slice().probabilities(op, logits)
    }
}

impl<T: Float, const N: usize> ClassTargets<T> for [usize; N] {
    fn probabilities(&self, op: &'static str, logits: &[usize]) -> Result<Tensor<T>> {
        self.as_slice().probabilities(op, logits)
    }
}
