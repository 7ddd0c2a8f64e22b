//! The matrix product with NumPy's `matmul` shape rules. The arithmetic is the GEMM in
//! [`crate::gemm`]; this file only sorts out shapes, batches and strides.

use crate::error::{Error, Result};
use crate::float::Float;
use std::sync::Arc;

use rayon::prelude::*;
use smallvec::SmallVec;

use crate::gemm::{Isa, MatRef, PAR_MIN_MULS, gemm_with, threads_for};
use crate::shape::{Dims, Layout, broadcast_shapes, numel};
use crate::tensor::{Tensor, try_overwritable};

impl<T: Float> Tensor<T> {
    /// The matrix product, following NumPy's `matmul`:
    /// - 2-D by 2-D: `[m, k] @ [k, n] -> [m, n]`;
    /// - higher ranks: a stack of matrices in the last two axes, the leading (batch) axes
    ///   broadcast, e.g. `[b, m, k] @ [k, n] -> [b, m, n]`;
    /// - a 1-D operand is a row (left) or column (right) vector whose axis is then removed.
    ///
    /// Operands may be any strided view (a transposed matrix is read in place, not copied).
    ///
    /// # Errors
    /// [`Error::Matmul`] naming both shapes if the inner dimensions differ, the batch axes do not
    /// broadcast, or an operand is 0-D.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let a = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?;
    /// let b = Tensor::<f64>::from_vec(vec![5.0, 6.0, 7.0, 8.0], &[2, 2])?;
    /// assert_eq!(a.matmul(&b)?.to_vec(), vec![19.0, 22.0, 43.0, 50.0]);
    /// assert_eq!(a.t()?.matmul(&b)?.to_vec(), vec![26.0, 30.0, 38.0, 44.0]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn matmul(&self, rhs: &Tensor<T>) -> Result<Tensor<T>> {
        self.matmul_using(rhs, None)
    }

    /// [`matmul`](Tensor::matmul) computed with the micro-kernels of `isa` rather than the
    /// fastest available, for comparing kernels in tests and benchmarks. Results of different
    /// kernels may differ in the last bits (fused or separate multiply-add); products small
    /// enough for the direct loop use no micro-kernel at all.
    ///
    /// # Errors
    /// As [`matmul`](Tensor::matmul), and [`Error::Invalid`] if this CPU cannot run `isa`.
    ///
    /// ```
    /// use tensor::{Tensor, gemm::Isa};
    /// let a = Tensor::<f32>::ones(&[40, 30])?;
    /// let b = Tensor::<f32>::ones(&[30, 20])?;
    /// for isa in Isa::available() {
    ///     assert_eq!(a.matmul_isa(&b, isa)?.to_vec(), vec![30.0; 800]);
    /// }
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn matmul_isa(&self, rhs: &Tensor<T>, isa: Isa) -> Result<Tensor<T>> {
        if !isa.is_available() {
            return Err(Error::Invalid {
                op: "matmul",
                reason: format!("this CPU cannot run the {isa:?} kernels"),
            });
        }
        self.matmul_using(rhs, Some(isa))
    }

    fn matmul_using(&self, rhs: &Tensor<T>, isa: Option<Isa>) -> Result<Tensor<T>> {
        let err = |reason: String| Error::Matmul {
            lhs: self.shape().to_vec(),
            rhs: rhs.shape().to_vec(),
            reason,
        };
        if self.ndim() == 0 || rhs.ndim() == 0 {
            return Err(err("0-D operands have no matrix product; use mul".into()));
        }
        let (la, lb) = (&self.layout, &rhs.layout);
        if let ([m, k], [k2, n], &[ars, acs], &[brs, bcs]) =
            (la.shape(), lb.shape(), la.strides(), lb.strides())
        {
            // The common case, kept free of broadcasting bookkeeping: the lesson's 4x2 @ 2x4
            // products cost little more than the output allocation.
            let (m, k, n) = (*m, *k, *n);
            if k != *k2 {
                return Err(err(format!("inner dimensions {k} and {k2} differ")));
            }
            let total = numel("matmul", &[m, n])?;
            let mut out = try_overwritable::<T>("matmul", total)?;
            let a = MatRef {
                data: &self.data,
                offset: la.offset,
                rs: ars,
                cs: acs,
            };
            let b = MatRef {
                data: &rhs.data,
                offset: lb.offset,
                rs: brs,
                cs: bcs,
            };
            gemm_with(isa, m, k, n, a, b, &mut out);
            // `from_storage` with the row-major layout written out, which is measurably
            // cheaper for a 4x4 result than computing it for a general shape.
            return Ok(Tensor {
                data: Arc::new(out),
                layout: Layout {
                    shape: SmallVec::from_buf_and_len([m, n, 0, 0], 2),
                    strides: SmallVec::from_buf_and_len([n, 1, 0, 0], 2),
                    offset: 0,
                },
            });
        }
        // Promote vectors to matrices: [k] -> [1, k] on the left, [k] -> [k, 1] on the right.
        let a = if self.ndim() == 1 {
            self.unsqueeze(0)?
        } else {
            self.clone()
        };
        let b = if rhs.ndim() == 1 {
            rhs.unsqueeze(1)?
        } else {
            rhs.clone()
        };
        let (ra, rb) = (a.ndim(), b.ndim());
        let (m, k) = (a.shape()[ra - 2], a.shape()[ra - 1]);
        let (k2, n) = (b.shape()[rb - 2], b.shape()[rb - 1]);
        if k != k2 {
            return Err(err(format!("inner dimensions {k} and {k2} differ")));
        }
        let batch = broadcast_shapes("matmul", &a.shape()[..ra - 2], &b.shape()[..rb - 2])
            .map_err(|_| {
                err(format!(
                    "batch dimensions {:?} and {:?} do not broadcast",
                    &a.shape()[..ra - 2],
                    &b.shape()[..rb - 2]
                ))
            })?;
        let mut out_shape: Dims = batch.clone();
        out_shape.extend([m, n]);
        let total = numel("matmul", &out_shape)?;

        // Each operand seen with the full batch shape (stride 0 where broadcast).
        let mut a_shape = batch.clone();
        a_shape.extend([m, k]);
        let mut b_shape = batch.clone();
        b_shape.extend([k, n]);
        let a = a.broadcast_to(&a_shape)?;
        let b = b.broadcast_to(&b_shape)?;

        let mut out = try_overwritable::<T>("matmul", total)?;
        if let Some(batches) = total.checked_div(m * n) {
            let one = |(bi, c): (usize, &mut [T])| {
                gemm_with(isa, m, k, n, a.mat(bi), b.mat(bi), c);
            };
            // Many small products: one per task. A large one is parallel inside the GEMM.
            // Either way each product is computed the same way, whatever the thread count.
            let muls = m.saturating_mul(n).saturating_mul(k);
            if muls < PAR_MIN_MULS && threads_for(muls.saturating_mul(batches)) > 1 {
                out.par_chunks_exact_mut(m * n).enumerate().for_each(one);
            } else {
                out.chunks_exact_mut(m * n).enumerate().for_each(one);
            }
        }
        // Drop the axes that vector promotion added.
        if rhs.ndim() == 1 {
            out_shape.remove(out_shape.len() - 1);
        }
        if self.ndim() == 1 {
            out_shape.remove(out_shape.len() - if rhs.ndim() == 1 { 1 } else { 2 });
        }
        Ok(Tensor::from_storage(out, &out_shape))
    }

    /// `self @ weight + bias`, a fully connected layer: exactly
    /// `self.matmul(weight)?.add(bias)`, with a row bias (`[n]` or `[1, n]` against the
    /// `[m, n]` product) added into the product's own buffer instead of a second one; each
    /// element is the same `sum + b`. Other shapes take the two ops.
    ///
    /// # Errors
    /// As [`Tensor::matmul`] and [`Tensor::add`].
    ///
    /// ```
    /// use tensor::Tensor;
    /// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?;
    /// let w = Tensor::<f64>::from_vec(vec![1.0, 0.0, 0.0, 1.0], &[2, 2])?;
    /// let b = Tensor::<f64>::from_vec(vec![0.5, -0.5], &[1, 2])?;
    /// assert_eq!(x.linear(&w, &b)?.to_vec(), vec![1.5, 1.5, 3.5, 3.5]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn linear(&self, weight: &Tensor<T>, bias: &Tensor<T>) -> Result<Tensor<T>> {
        let mut out = self.matmul(weight)?;
        let n = *out.shape().last().unwrap_or(&0);
        let row_bias = out.ndim() == 2 && bias.shape().iter().rev().skip(1).all(|&d| d == 1);
        match bias.as_slice() {
            Some(b) if row_bias && bias.ndim() <= 2 && b.len() == n && n > 0 => {
                for row in out.make_mut().chunks_exact_mut(n) {
                    for (o, &b) in row.iter_mut().zip(b) {
                        *o += b;
                    }
                }
                Ok(out)
            }
            _ => out.add(bias),
        }
    }

    /// The `bi`-th matrix (row-major over the leading axes) as a GEMM operand.
    fn mat(&self, bi: usize) -> MatRef<'_, T> {
        let l = self.layout();
        let nb = l.shape().len() - 2;
        let mut offset = l.offset();
        let mut rem = bi;
        for ax in (0..nb).rev() {
            offset += rem % l.shape()[ax] * l.strides()[ax];
            rem /= l.shape()[ax];
        }
        MatRef {
            data: &self.data,
            offset,
            rs: l.strides()[nb],
            cs: l.strides()[nb + 1],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iota(shape: &[usize]) -> Tensor<f64> {
        Tensor::from_fn(shape, |i| (i % 7) as f64 - 3.0).unwrap()
    }

    /// The definition: c[i, j] = sum_p a[i, p] b[p, j].
    fn naive(a: &Tensor<f64>, b: &Tensor<f64>) -> Vec<f64> {
        let (m, k, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                for p in 0..k {
                    c[i * n + j] += a.get(&[i, p]).unwrap() * b.get(&[p, j]).unwrap();
                }
            }
        }
        c
    }

    #[test]
    fn vectors_follow_numpy_promotion() {
        let v = iota(&[3]);
        let m = iota(&[3, 2]);
        assert_eq!(v.matmul(&m).unwrap().shape(), &[2]);
        assert_eq!(m.t().unwrap().matmul(&v).unwrap().shape(), &[2]);
        assert_eq!(v.matmul(&v).unwrap().shape(), &[] as &[usize]);
        assert_eq!(v.matmul(&v).unwrap().item().unwrap(), 9.0 + 4.0 + 1.0);
    }

    #[test]
    fn batched_product_broadcasts_the_batch_axis() {
        let a = iota(&[3, 2, 4]);
        let b = iota(&[1, 4, 5]);
        let c = a.matmul(&b).unwrap();
        assert_eq!(c.shape(), &[3, 2, 5]);
        for i in 0..3 {
            let want = naive(&a.select(0, i).unwrap(), &b.select(0, 0).unwrap());
            assert_eq!(c.select(0, i).unwrap().to_vec(), want);
        }
        let e = a.matmul(&iota(&[2, 4, 5])).unwrap_err();
        assert!(
            e.to_string().contains("batch dimensions [3] and [2]"),
            "{e}"
        );
    }

    #[test]
    fn linear_is_the_product_plus_the_broadcast_bias() {
        // Row biases ([n], [1, n]) take the in-place add; a column and a full bias the add op.
        let (x, w) = (iota(&[5, 3]), iota(&[3, 4]));
        let xw = naive(&x, &w);
        for bias_shape in [&[4][..], &[1, 4], &[5, 1], &[5, 4], &[1, 1]] {
            let b = Tensor::from_fn(bias_shape, |i| 0.25 * i as f64 - 1.0).unwrap();
            let bv = b.to_vec();
            let want: Vec<f64> = (0..20)
                .map(|k| {
                    let (i, j) = (k / 4, k % 4);
                    let bij = match bias_shape {
                        [4] | [1, 4] => bv[j],
                        [5, 1] => bv[i],
                        [1, 1] => bv[0],
                        _ => bv[k],
                    };
                    xw[k] + bij
                })
                .collect();
            let got = x.linear(&w, &b).unwrap();
            assert_eq!(
                (got.shape(), got.to_vec()),
                (&[5, 4][..], want),
                "{bias_shape:?}"
            );
        }
        assert!(x.linear(&w, &iota(&[3])).is_err());
    }

    #[test]
    fn empty_inner_dimension_gives_zeros() {
        let c = iota(&[2, 0]).matmul(&iota(&[0, 3])).unwrap();
        assert_eq!(c.to_vec(), vec![0.0; 6]);
    }
}
