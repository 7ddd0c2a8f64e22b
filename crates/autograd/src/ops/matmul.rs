//! The matrix product, with NumPy's `matmul` rules (vector promotion, batch broadcasting).
//!
//! For `C = A B` with `A: [.., m, k]`, `B: [.., k, n]` and upstream `G: [.., m, n]`:
//! `dA = G B^T` and `dB = A^T G` (the lesson's `dW2 = a1.T @ delta2`, `delta2 @ W2.T`). A batch
//! axis that was broadcast comes back with the full batch and the tape sums it away.

use tensor::shape::broadcast_shapes;
use tensor::{Float, Result};

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
