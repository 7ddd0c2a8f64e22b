//! Softmax, log-softmax and log-sum-exp along an axis.
//!
//! With `y = softmax(x)`, the Jacobian is `dy_i/dx_j = y_i (δ_ij - y_j)`, so the vector-Jacobian
//! product needs no matrix: `dx = y * (g - sum(g * y))`. For `l = log_softmax(x)`,
//! `dl_i/dx_j = δ_ij - y_j`, so `dx = g - exp(l) * sum(g)`. And `d logsumexp(x) / dx = softmax(x)`.
//!
//! The softmax cross-entropy of logits `z` against targets `y` (rows of `n` samples),
//! `L = -mean_r(sum_j y_rj log_softmax(z)_rj)`, is one node: `dL/dz = (p s - y) / n` with
//! `p = softmax(z)` and `s` the row sums of `y`; for one-hot or probability rows (`s = 1`) that is
//! the lesson's `delta2 = (a2 - y) / N`.

use tensor::{Axis, Error, Float, Result, Tensor};

use crate::ops::resolve_axis;
use crate::var::Var;

impl<T: Float> Var<T> {
    /// `exp(x - max) / sum(exp(x - max))` along `axis`. `dx = y (g - sum(g y))`.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis, [`tensor::Error::Invalid`] if the axis is empty.
    pub fn softmax(&self, axis: impl Axis) -> Result<Var<T>> {
        let ax = resolve_axis("softmax", axis, self.shape())?;
        self.unary(
            "softmax",
            |x| x.softmax(ax),
            move |c, g, _| {
                let y = c.output();
                y.mul(&g.sub(&g.mul(&y)?.sum_axis(ax, true)?)?)
            },
        )
    }

    /// `x - logsumexp(x)` along `axis`, finite where softmax underflows.
    /// `dx = g - exp(l) sum(g)`.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis, [`tensor::Error::Invalid`] if the axis is empty.
    pub fn log_softmax(&self, axis: impl Axis) -> Result<Var<T>> {
        let ax = resolve_axis("log_softmax", axis, self.shape())?;
        self.unary(
            "log_softmax",
            |x| x.log_softmax(ax),
            move |c, g, _| g.sub(&c.output().exp()?.mul(&g.sum_axis(ax, true)?)?),
        )
    }

    /// `ln(sum(exp(x)))` along `axis` (max-shifted). `dx = g exp(x - lse) = g softmax(x)`.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis, [`tensor::Error::Invalid`] if the axis is empty.
    pub fn logsumexp(&self, axis: impl Axis, keepdims: bool) -> Result<Var<T>> {
        let ax = resolve_axis("logsumexp", axis, self.shape())?;
        self.unary(
            "logsumexp",
            |x| x.logsumexp(ax, keepdims),
            move |c, g, _| {
                let (lse, g) = if keepdims {
                    (c.output(), g.clone())
                } else {
                    (c.output().unsqueeze(ax)?, g.unsqueeze(ax)?)
                };
                g.mul(&c.input(0).sub(&lse)?.exp()?)
            },
        )
    }
}

impl<T: Float> Var<T> {
    /// The softmax cross-entropy of logits `[samples, classes]` against `target` of the same
    /// shape (one-hot rows, or any non-negative weights): `-mean(sum(y * log_softmax(z), axis=1))`,
    /// recorded as one node whose rule is `g (softmax(z) * sum(y, axis=1) - y) / samples`, the
    /// lesson's `(a2 - y) / N` for rows of `y` that sum to 1. The value is bit for bit that of the
    /// composed ops; the softmax comes from the same exponentials as the log-softmax and is kept
    /// for the rule, which under [`Var::backward_with_graph`] is built from [`Var::softmax`]
    /// instead, so that it can be differentiated again.
    ///
    /// ```
    /// use autograd::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let z = tape.var(Tensor::from_vec(vec![0.0, 0.0, 1e4, -1e4], &[2, 2])?);
    /// let y = Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], &[2, 2])?;
    /// let loss = z.softmax_cross_entropy(&y)?;
    /// // Row 1: -ln(1/2); row 2: -log_softmax = 2e4. The mean of the two:
    /// assert_eq!(loss.value().item()?, (2f64.ln() + 2e4) / 2.0);
    /// // (softmax - y) / 2 = [[-0.25, 0.25], [0.5, -0.5]]
    /// let g = loss.backward()?.get(&z).unwrap().to_vec();
    /// assert_eq!(g, vec![-0.25, 0.25, 0.5, -0.5]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Rank`] unless 2-D, [`Error::ShapeMismatch`] unless `target` has the logits'
    /// shape, [`Error::Invalid`] if there are no samples or classes.
    pub fn softmax_cross_entropy(&self, target: &Tensor<T>) -> Result<Var<T>> {
        const OP: &str = "softmax_cross_entropy";
        let &[rows, classes] = self.shape() else {
            return Err(Error::Rank {
                op: OP,
                expected: "2-D [samples, classes]".into(),
                shape: self.shape().to_vec(),
            });
        };
        if target.shape() != self.shape() {
            return Err(Error::ShapeMismatch {
                op: OP,
                shapes: vec![self.shape().to_vec(), target.shape().to_vec()],
                reason: "the logits and the target must have the same shape".into(),
            });
        }
        if rows == 0 || classes == 0 {
            return Err(Error::Invalid {
                op: OP,
                reason: format!("empty logits of shape {:?}", self.shape()),
            });
        }
        let (probs, log_probs) = self.value.softmax_and_log_softmax(1)?;
        // As `y.mul(&z.log_softmax(1)?)?.sum_axis(1, false)?.mean()?.neg()` computes it.
        let value = Tensor::scalar(-target.mul(&log_probs)?.mean_of_row_sums()?);
        // One-hot rows (the common case) sum to exactly 1 in any order, and then `p * 1 - y`
        // is `p - y`: the row sums are needed only for other targets.
        let one_hot = target.as_slice().is_some_and(|t| {
            t.chunks_exact(classes).all(|row| {
                row.iter().all(|&v| v == T::ZERO || v == T::ONE)
                    && row.iter().filter(|&&v| v == T::ONE).count() == 1
            })
        });
        // `None` when every row sums to 1.
        let row_sums = if one_hot {
            None
        } else {
            let s = target.sum_axis(1, true)?;
            (!s.to_vec().iter().all(|&s| s == T::ONE)).then_some(s)
        };
        let y = target.clone();
        let n = T::from_usize(rows);
        self.tape.finish(OP, &[self], value, move |c, g, _| {
            if c.recording() {
                let (p, y) = (c.input(0).softmax(1)?, c.constant(y.clone()));
                let ps = match &row_sums {
                    None => p,
                    Some(s) => p.mul(&c.constant(s.clone()))?,
                };
                return g.mul(&ps.sub(&y)?.div_scalar(n)?);
            }
            let ps = match &row_sums {
                None => probs.sub(&y)?,
                Some(s) => probs.mul(s)?.sub(&y)?,
            };
            let d = ps.div_scalar(n);
            // `g` is the scalar seed (1 for a plain backward of the loss): `1 * d` is `d`.
            let scale = g.value().item()?;
            Ok(c.constant(if scale == T::ONE {
                d
            } else {
                d.mul_scalar(scale)
            }))
        })
    }
}
