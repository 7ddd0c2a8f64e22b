//! The adjoints of the gathering views: `pad_axis` (of `narrow`) and `index_add` (of
//! `index_select`). Autograd's backward rules use them to put a gradient back where the forward
//! took its elements from.

use crate::error::{Error, Result};
use crate::float::Float;
use crate::shape::{Axis, numel, resolve_axis};
use crate::tensor::{Tensor, try_alloc};

impl<T: Float> Tensor<T> {
    /// `before` zeros, then this tensor, then `after` zeros along `axis`: the tensor that
    /// [`Tensor::narrow`]`(axis, before, len)` turns back into this one.
    ///
    /// # Errors
    /// [`Error::Axis`] for a bad axis, [`Error::SizeOverflow`] if the padded shape is too large.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?;
    /// let p = x.pad_axis(1, 1, 2)?;
    /// assert_eq!(p.shape(), &[2, 5]);
    /// assert_eq!(p.to_vec(), vec![0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 3.0, 4.0, 0.0, 0.0]);
    /// assert_eq!(p.narrow(1, 1, 2)?.to_vec(), x.to_vec());
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn pad_axis(&self, axis: impl Axis, before: usize, after: usize) -> Result<Tensor<T>> {
        let ax = resolve_axis("pad_axis", axis.as_isize(), self.shape())?;
        let d = self.shape()[ax];
        let mut shape = self.shape().to_vec();
        shape[ax] = d
            .checked_add(before)
            .and_then(|s| s.checked_add(after))
            .ok_or_else(|| Error::SizeOverflow {
                op: "pad_axis",
                shape: self.shape().to_vec(),
            })?;
        let n = numel("pad_axis", &shape)?;
        let mut out = try_alloc("pad_axis", n)?;
        out.resize(n, T::ZERO);
        let inner: usize = shape[ax + 1..].iter().product();
        let (block, padded) = (d * inner, shape[ax] * inner);
        if block > 0 {
            for (o, chunk) in self.to_vec().chunks_exact(block).enumerate() {
                let start = o * padded + before * inner;
                out[start..start + block].copy_from_slice(chunk);
            }
        }
        Ok(Tensor::from_parts(out, &shape))
    }

    /// A copy of this tensor with slice `j` of `src` along `axis` added to slice `indices[j]`,
    /// for every `j` in order (repeated indices accumulate): PyTorch's `index_add`, the adjoint
    /// of [`Tensor::index_select`]. `src` has this tensor's shape except `indices.len()` along
    /// `axis`.
    ///
    /// # Errors
    /// [`Error::Axis`] for a bad axis, [`Error::Index`] for an index out of range,
    /// [`Error::ShapeMismatch`] if `src` has the wrong shape.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let base = Tensor::<f64>::zeros(&[3, 2])?;
    /// let src = Tensor::<f64>::from_vec(vec![1.0, 2.0, 10.0, 20.0, 5.0, 5.0], &[3, 2])?;
    /// let out = base.index_add(0, &[2, 0, 2], &src)?;
    /// assert_eq!(out.to_vec(), vec![10.0, 20.0, 0.0, 0.0, 6.0, 7.0]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn index_add(
        &self,
        axis: impl Axis,
        indices: &[usize],
        src: &Tensor<T>,
    ) -> Result<Tensor<T>> {
        let ax = resolve_axis("index_add", axis.as_isize(), self.shape())?;
        let d = self.shape()[ax];
        if let Some(&bad) = indices.iter().find(|&&i| i >= d) {
            let mut index = vec![0; self.ndim()];
            index[ax] = bad;
            return Err(Error::Index {
                op: "index_add",
                index,
                shape: self.shape().to_vec(),
            });
        }
        let mut want = self.shape().to_vec();
        want[ax] = indices.len();
        if src.shape() != want.as_slice() {
            return Err(Error::ShapeMismatch {
                op: "index_add",
                shapes: vec![self.shape().to_vec(), src.shape().to_vec()],
                reason: format!(
                    "src must have shape {want:?}: the base's with {} slices along axis {ax}",
                    indices.len()
                ),
            });
        }
        let mut out = self.clone();
        let dst = out.make_mut();
        let src = src.to_vec();
        let inner: usize = self.shape()[ax + 1..].iter().product();
        let outer: usize = self.shape()[..ax].iter().product();
        let k = indices.len();
        for o in 0..outer {
            for (j, &i) in indices.iter().enumerate() {
                let s = &src[(o * k + j) * inner..(o * k + j + 1) * inner];
                let t = &mut dst[(o * d + i) * inner..(o * d + i + 1) * inner];
                for (t, &s) in t.iter_mut().zip(s) {
                    *t += s;
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// x[i, j, k] = 100 i + 10 j + k, distinct and easy to read.
    fn iota(shape: &[usize]) -> Tensor<f64> {
        Tensor::from_fn(shape, |f| {
            let (i, j, k) = (
                f / (shape[1] * shape[2]),
                f / shape[2] % shape[1],
                f % shape[2],
            );
            (100 * i + 10 * j + k) as f64
        })
        .unwrap()
    }

    /// Naive multi-index reference: out[.., p, ..] = x[.., p - before, ..] inside, 0 outside.
    fn naive_pad(x: &Tensor<f64>, ax: usize, before: usize, after: usize) -> Vec<f64> {
        let mut shape = x.shape().to_vec();
        shape[ax] += before + after;
        let mut out = vec![];
        for i in 0..shape[0] {
            for j in 0..shape[1] {
                for k in 0..shape[2] {
                    let mut idx = [i, j, k];
                    let p = idx[ax];
                    out.push(if p < before || p >= before + x.shape()[ax] {
                        0.0
                    } else {
                        idx[ax] = p - before;
                        x.get(&idx).unwrap()
                    });
                }
            }
        }
        out
    }

    #[test]
    fn pad_axis_matches_the_naive_definition_on_every_axis_and_on_views() {
        let x = iota(&[2, 3, 4]);
        let xt = x.permute(&[2, 0, 1]).unwrap(); // a strided view, shape [4, 2, 3]
        for t in [&x, &xt] {
            for ax in 0..3 {
                for (before, after) in [(0, 0), (1, 0), (0, 2), (2, 3)] {
                    let p = t.pad_axis(ax, before, after).unwrap();
                    assert_eq!(
                        p.to_vec(),
                        naive_pad(t, ax, before, after),
                        "{ax} {before} {after}"
                    );
                }
            }
        }
        assert!(x.pad_axis(3, 1, 1).is_err());
        assert!(x.pad_axis(0, usize::MAX, 1).is_err());
        let empty = Tensor::<f64>::zeros(&[2, 0, 3]).unwrap();
        assert_eq!(empty.pad_axis(1, 1, 0).unwrap().to_vec(), vec![0.0; 6]);
    }

    #[test]
    fn index_add_matches_a_naive_scatter_with_repeats() {
        let base = iota(&[2, 3, 4]);
        for ax in 0..3 {
            let d = base.shape()[ax];
            let indices: Vec<usize> = vec![d - 1, 0, d - 1, d / 2];
            let mut sshape = base.shape().to_vec();
            sshape[ax] = indices.len();
            let src = Tensor::<f64>::from_fn(&sshape, |f| 0.5 + f as f64).unwrap();
            let got = base.index_add(ax, &indices, &src).unwrap();
            // Naive: walk every element of src and add it at its scattered position.
            let mut want = base.to_vec();
            let bs = base.shape();
            for (f, v) in src.to_vec().into_iter().enumerate() {
                let mut idx = [
                    f / (sshape[1] * sshape[2]),
                    f / sshape[2] % sshape[1],
                    f % sshape[2],
                ];
                idx[ax] = indices[idx[ax]];
                want[(idx[0] * bs[1] + idx[1]) * bs[2] + idx[2]] += v;
            }
            assert_eq!(got.to_vec(), want, "axis {ax}");
        }
    }

    #[test]
    fn empty_views_with_an_advanced_offset_are_not_read() {
        // narrow(1, 1, 2) of a [0, 3] tensor is empty but its offset (1) is past its storage (0).
        let v = Tensor::<f64>::zeros(&[0, 3])
            .unwrap()
            .narrow(1, 1, 2)
            .unwrap();
        assert_eq!(v.pad_axis(1, 1, 0).unwrap().shape(), &[0, 3]);
        let base = Tensor::<f64>::zeros(&[0, 2]).unwrap();
        assert_eq!(base.index_add(1, &[1, 0], &v).unwrap().shape(), &[0, 2]);
        assert_eq!(
            v.index_add(1, &[0], &base.narrow(1, 1, 1).unwrap())
                .unwrap()
                .shape(),
            &[0, 2]
        );
    }

    #[test]
    fn index_add_checks_indices_and_the_src_shape() {
        let base = Tensor::<f64>::zeros(&[3, 2]).unwrap();
        let src = Tensor::<f64>::ones(&[1, 2]).unwrap();
        let e = base.index_add(0, &[3], &src).unwrap_err();
        assert!(e.to_string().contains("index_add"), "{e}");
        let e = base.index_add(0, &[0, 1], &src).unwrap_err();
        assert!(e.to_string().contains("[3, 2], [1, 2]"), "{e}");
        assert!(base.index_add(2, &[0], &src).is_err());
        // The base is a value: adding into a copy leaves it unchanged.
        let out = base.index_add(0, &[1], &src).unwrap();
        assert_eq!(base.to_vec(), vec![0.0; 6]);
        assert_eq!(out.to_vec(), vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    }
}
