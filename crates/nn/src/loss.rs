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
/// [`Error::Invalid`] if empty.
///
/// ```
/// use autograd::Tape;
/// use tensor::Tensor;
/// let tape = Tape::<f64>::new();
/// let p = tape.var(Tensor::from_vec(vec![0.25, 0.75, 0.5, 0.5], &[2, 2])?);
/// let y = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[2, 2])?;
/// let loss = nn::loss::cross_entropy(&p, &y)?;
/// let want = -((0.75f64 + 1e-8).ln() + (0.5f64 + 1e-8).ln()) / 2.0;
/// assert!((loss.value().item()? - want).abs() < 1e-15);
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn cross_entropy<T: Float>(probs: &Var<T>, target: &Tensor<T>) -> Result<Var<T>> {
    check_rows("cross_entropy", probs, target)?;
    let y = probs.tape().constant(target.clone());
    let log_p = probs.add_scalar(T::from_f64(CROSS_ENTROPY_EPSILON))?.ln()?;
    y.mul(&log_p)?.sum_axis(1, false)?.mean()?.neg()
}

/// Cross-entropy of logits: `-mean(sum(y * log_softmax(z), axis=1))` for `z`, `y` of shape
/// `[samples, classes]` (`y` one-hot, or any rows of probabilities). Computed through the
/// max-shifted log-softmax, so it is finite and exact for logits of any size; with rows of `y`
/// summing to 1 its gradient is `(softmax(z) - y) / n`.
///
/// # Errors
/// As [`cross_entropy`].
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
pub fn cross_entropy_with_logits<T: Float>(logits: &Var<T>, target: &Tensor<T>) -> Result<Var<T>> {
    check_rows("cross_entropy_with_logits", logits, target)?;
    // One node, with the `(softmax(z) - y) / n` rule (see `Var::softmax_cross_entropy`).
    logits.softmax_cross_entropy(target)
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
    if let Some(p) = probs
        .value()
        .to_vec()
        .into_iter()
        .find(|p| !(*p >= T::ZERO && *p <= T::ONE))
    {
        return Err(Error::Invalid {
            op: "bce",
            reason: format!(
                "probabilities must lie in [0, 1], got {p}; use bce_with_logits for logits"
            ),
        });
    }
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
