//! The matrix product, with NumPy's `matmul` rules (vector promotion, batch broadcasting).
//!
//! For `C = A B` with `A: [.., m, k]`, `B: [.., k, n]` and upstream `G: [.., m, n]`:
//! `dA = G B^T` and `dB = A^T G` (the lesson's `dW2 = a1.T @ delta2`, `delta2 @ W2.T`). A batch
//! axis that was broadcast comes back with the full batch and the tape sums it away.

use tensor::shape::broadcast_shapes;
use tensor::{Float, Result};

use crate::tape::same_tape;

use crate::var::Var;

impl<T: Float> Var<T> {
    /// The matrix product (see [`tensor::Tensor::matmul`]). `dA = G B^T`, `dB = A^T G`.
    ///
    /// # Errors
    /// [`tensor::Error::Matmul`] naming both shapes if they do not fit; operands on different
    /// tapes.
    pub fn matmul(&self, rhs: &Var<T>) -> Result<Var<T>> {
        Var::apply(
            "matmul",
            [self, rhs],
            |[a, b]| a.matmul(b),
            |c, g, i| {
                // Promote vectors as the forward did, so the rule sees stacks of matrices, and give
                // `g` back the axes that promotion removed.
                let (a, b) = (c.input(0), c.input(1));
                let (a_vec, b_vec) = (a.ndim() == 1, b.ndim() == 1);
                let a = if a_vec { a.unsqueeze(0)? } else { a };
                let b = if b_vec { b.unsqueeze(1)? } else { b };
                let (ra, rb) = (a.ndim(), b.ndim());
                let mut full =
                    broadcast_shapes("matmul", &a.shape()[..ra - 2], &b.shape()[..rb - 2])?
                        .to_vec();
                full.extend([a.shape()[ra - 2], b.shape()[rb - 1]]);
                let g = g.reshape(&full)?;
                if i == 0 {
                    let da = g.matmul(&b.transpose(-1, -2)?)?;
                    if a_vec { da.squeeze(-2) } else { Ok(da) }
                } else {
                    let db = a.transpose(-1, -2)?.matmul(&g)?;
                    if b_vec { db.squeeze(-1) } else { Ok(db) }
                }
            },
        )
    }
}

impl<T: Float> Var<T> {
    /// `x @ W + b`, a fully connected layer, recorded as one node: `dx = G W^T`, `dW = x^T G`,
    /// `db = G` (which the tape sums down to the bias's shape, `sum(G, axis=0)` for a `[1, out]`
    /// or `[out]` bias). The value is exactly `x.matmul(W)?.add(b)`'s; one node instead of two
    /// is what a training step of a small model saves. Inputs other than matrices (a batch of
    /// matrices, a vector) are recorded as the two ops.
    ///
    /// ```
    /// use autograd::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.constant(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?);
    /// let w = tape.var(Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], &[2, 2])?);
    /// let b = tape.var(Tensor::from_vec(vec![0.5, -0.5], &[1, 2])?);
    /// let y = x.linear(&w, &b)?;
    /// assert_eq!(y.value().to_vec(), vec![1.5, 1.5, 3.5, 3.5]);
    /// assert_eq!(tape.len(), 3); // w, b and one node for the layer
    /// let grads = y.sum()?.backward()?;
    /// assert_eq!(grads.get(&w).unwrap().to_vec(), vec![4.0, 4.0, 6.0, 6.0]); // x^T @ ones
    /// assert_eq!(grads.get(&b).unwrap().to_vec(), vec![2.0, 2.0]); // column sums of ones
    /// # Ok::<(), tensor::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Var::matmul`] and [`Var::add`] (shapes that do not fit, operands on several tapes).
    pub fn linear(&self, weight: &Var<T>, bias: &Var<T>) -> Result<Var<T>> {
        if self.ndim() != 2 || weight.ndim() != 2 {
            return self.matmul(weight)?.add(bias);
        }
        let inputs = [self, weight, bias];
        let tape = same_tape("linear", &inputs)?;
        let value = self.value.linear(&weight.value, &bias.value)?;
        tape.finish("linear", &inputs, value, |c, g, i| {
            if !c.recording() {
                // A plain backward: the products of the tensors themselves, without a `Var` for
                // each operand and each transposed view (this rule runs for every layer of
                // every training step).
                let (g, x, w) = (g.value(), c.value(0), c.value(1));
                return Ok(c.constant(match i {
                    0 => g.matmul(&w.t()?)?,
                    1 => x.t()?.matmul(g)?,
                    _ => g.clone(),
                }));
            }
            match i {
                0 => g.matmul(&c.input(1).t()?),
                1 => c.input(0).t()?.matmul(g),
                _ => Ok(g.clone()),
            }
        })
    }
}
