//! Views: new layouts over the same storage (no element is copied), and `reshape`.

use crate::error::{Error, Result};
use crate::float::Float;
use crate::shape::{Axis, numel, resolve_axis};
use crate::tensor::Tensor;

impl<T: Float> Tensor<T> {
    /// The same elements (in row-major order) with another shape of the same element count.
    /// A view when the tensor is contiguous; otherwise a copy (as NumPy and PyTorch do).
    ///
    /// # Errors
    /// [`Error::Reshape`] if the element counts differ, [`Error::SizeOverflow`] if the new shape's
    /// count overflows.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let x = Tensor::<f32>::arange(0.0, 6.0, 1.0)?;
    /// let m = x.reshape(&[2, 3])?;
    /// assert!(m.shares_storage(&x));
    /// assert_eq!(m.get(&[1, 0])?, 3.0);
    /// assert!(x.reshape(&[4, 2]).is_err());
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn reshape(&self, shape: &[usize]) -> Result<Tensor<T>> {
        let n = numel("reshape", shape)?;
        if n != self.len() {
            return Err(Error::Reshape {
                from: self.shape().to_vec(),
                to: shape.to_vec(),
            });
        }
        match self.layout.reshape(shape) {
            Some(l) => Ok(self.with_layout(l)),
            None => Ok(Tensor::from_parts(self.to_vec(), shape)),
        }
    }

    /// The elements as a 1-D tensor.
    pub fn flatten(&self) -> Tensor<T> {
        self.reshape(&[self.len()])
            .expect("invariant: same element count")
    }

    /// Axes reordered: axis `i` of the result is axis `perm[i]` of `self` (a view).
    ///
    /// # Errors
    /// [`Error::Invalid`] if `perm` is not a permutation of `0..ndim`.
    pub fn permute(&self, perm: &[usize]) -> Result<Tensor<T>> {
        Ok(self.with_layout(self.layout.permute(perm)?))
    }

    /// Axes `a` and `b` swapped (a view).
    ///
    /// # Errors
    /// [`Error::Axis`] if either axis is out of range.
    pub fn transpose(&self, a: impl Axis, b: impl Axis) -> Result<Tensor<T>> {
        let a = resolve_axis("transpose", a.as_isize(), self.shape())?;
        let b = resolve_axis("transpose", b.as_isize(), self.shape())?;
        let mut perm: Vec<usize> = (0..self.ndim()).collect();
        perm.swap(a, b);
        self.permute(&perm)
    }

    /// The matrix transpose of a 2-D tensor (a view), NumPy's `.T` for matrices. A 1-D tensor is
    /// returned unchanged, as in NumPy.
    ///
    /// # Errors
    /// [`Error::Rank`] for rank above 2 (use [`Tensor::transpose`] or [`Tensor::permute`]).
    ///
    /// ```
    /// use tensor::Tensor;
    /// let a = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
    /// let at = a.t()?;
    /// assert_eq!(at.shape(), &[3, 2]);
    /// assert_eq!(at.to_vec(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn t(&self) -> Result<Tensor<T>> {
        match self.ndim() {
            0 | 1 => Ok(self.clone()),
            2 => Ok(self.with_layout(self.layout.transposed_2d())),
            _ => Err(Error::Rank {
                op: "t",
                expected: "0-D, 1-D or 2-D".into(),
                shape: self.shape().to_vec(),
            }),
        }
    }

    /// This tensor seen with `shape` by NumPy broadcasting (a view with stride 0 where repeated).
    ///
    /// # Errors
    /// [`Error::BroadcastTo`] if the shape is not a broadcast of this one.
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Tensor<T>> {
        Ok(self.with_layout(self.layout.broadcast_to("broadcast_to", shape)?))
    }

    /// Elements `start..start + len` along `axis` (a view).
    ///
    /// # Errors
    /// [`Error::Axis`] for a bad axis, [`Error::Invalid`] if the range is out of bounds.
    pub fn narrow(&self, axis: impl Axis, start: usize, len: usize) -> Result<Tensor<T>> {
        let ax = resolve_axis("narrow", axis.as_isize(), self.shape())?;
        Ok(self.with_layout(self.layout.narrow(ax, start, len)?))
    }

    /// Elements `range` along `axis` (a view): `x.slice(0, 0..240)` is NumPy's `x[:240]`.
    ///
    /// # Errors
    /// [`Error::Axis`] for a bad axis, [`Error::Invalid`] if the range is out of bounds or reversed.
    pub fn slice(&self, axis: impl Axis, range: std::ops::Range<usize>) -> Result<Tensor<T>> {
        if range.start > range.end {
            return Err(Error::Invalid {
                op: "slice",
                reason: format!("reversed range {range:?}"),
            });
        }
        self.narrow(axis, range.start, range.end - range.start)
    }

    /// Index `i` along `axis`, with that axis removed (a view): `x.select(0, 2)` is `x[2]`.
    ///
    /// # Errors
    /// [`Error::Axis`] for a bad axis, [`Error::Invalid`] if `i` is out of bounds.
    pub fn select(&self, axis: impl Axis, i: usize) -> Result<Tensor<T>> {
        let ax = resolve_axis("select", axis.as_isize(), self.shape())?;
        let mut l = self.layout.narrow(ax, i, 1)?;
        l.shape.remove(ax);
        l.strides.remove(ax);
        Ok(self.with_layout(l))
    }

    /// Removes axis `axis`, which must have length 1 (a view).
    ///
    /// # Errors
    /// [`Error::Axis`] for a bad axis, [`Error::Invalid`] if its length is not 1.
    pub fn squeeze(&self, axis: impl Axis) -> Result<Tensor<T>> {
        let ax = resolve_axis("squeeze", axis.as_isize(), self.shape())?;
        if self.shape()[ax] != 1 {
            return Err(Error::Invalid {
                op: "squeeze",
                reason: format!(
                    "axis {ax} of shape {:?} has length {}, not 1",
                    self.shape(),
                    self.shape()[ax]
                ),
            });
        }
        self.select(ax, 0)
    }

    /// Inserts an axis of length 1 at position `axis` (`0..=ndim`; negative counts from the end
    /// of the result, so `-1` appends).
    ///
    /// # Errors
    /// [`Error::Axis`] if the position is out of range.
    pub fn unsqueeze(&self, axis: impl Axis) -> Result<Tensor<T>> {
        let mut target: Vec<usize> = self.shape().to_vec();
        target.push(1);
        let ax = resolve_axis("unsqueeze", axis.as_isize(), &target)?;
        let mut l = self.layout.clone();
        l.shape.insert(ax, 1);
        l.strides.insert(ax, 0);
        Ok(self.with_layout(l))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m23() -> Tensor<f64> {
        Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap()
    }

    #[test]
    fn views_share_storage_and_read_the_right_elements() {
        let a = m23();
        let n = a.narrow(1, 1, 2).unwrap();
        assert!(n.shares_storage(&a));
        assert_eq!(n.to_vec(), vec![2.0, 3.0, 5.0, 6.0]);
        assert_eq!(a.select(0, 1).unwrap().to_vec(), vec![4.0, 5.0, 6.0]);
        assert_eq!(a.select(-1, 0).unwrap().to_vec(), vec![1.0, 4.0]);
        let b = a.unsqueeze(0).unwrap();
        assert_eq!(b.shape(), &[1, 2, 3]);
        assert_eq!(b.squeeze(0).unwrap().shape(), &[2, 3]);
        assert_eq!(a.unsqueeze(-1).unwrap().shape(), &[2, 3, 1]);
        assert!(a.squeeze(0).is_err());
    }

    #[test]
    fn reshape_of_a_transpose_copies_in_logical_order() {
        let at = m23().t().unwrap();
        let r = at.reshape(&[6]).unwrap();
        assert!(!r.shares_storage(&at));
        assert_eq!(r.to_vec(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    }

    #[test]
    fn broadcast_to_repeats_without_copying() {
        let row = Tensor::<f64>::from_vec(vec![1.0, 2.0], &[2]).unwrap();
        let b = row.broadcast_to(&[3, 2]).unwrap();
        assert!(b.shares_storage(&row));
        assert_eq!(b.to_vec(), vec![1.0, 2.0, 1.0, 2.0, 1.0, 2.0]);
        assert!(row.broadcast_to(&[3]).is_err());
    }

    #[test]
    fn an_empty_view_keeps_its_offset_inside_the_storage() {
        // [0, 3] has no storage; a view of columns 1..3 must not point at element 1.
        let e = Tensor::<f64>::zeros(&[0, 3]).unwrap();
        for v in [e.narrow(1, 1, 2).unwrap(), e.select(1, 2).unwrap()] {
            assert_eq!(v.layout().offset(), 0);
            assert!(v.to_vec().is_empty());
        }
    }

    #[test]
    fn narrow_out_of_bounds_is_an_error_naming_the_shape() {
        let e = m23().narrow(1, 2, 2).unwrap_err();
        assert!(e.to_string().contains("[2, 3]"), "{e}");
        assert!(m23().narrow(1, usize::MAX, 2).is_err());
        assert!(m23().slice(0, 1..3).is_err());
    }
}
