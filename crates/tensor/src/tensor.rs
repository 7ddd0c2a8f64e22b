//! The [`Tensor`] type, its constructors and accessors.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::iter::for_each_run;
use crate::shape::{Layout, numel};

/// An n-dimensional array of `f32` (the default) or `f64`.
///
/// Storage is shared behind an `Arc` and described by a [`Layout`] (shape, strides, offset), so
/// `clone`, `transpose`, `broadcast_to`, `narrow` and `reshape` of contiguous data are O(1) views.
/// Compute ops return fresh, contiguous tensors. A tensor never changes once made; the few
/// `&mut self` methods (used by optimizers) copy the storage first if anyone else shares it.
///
/// ```
/// use tensor::Tensor;
/// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
/// let col_means = x.mean_axis(0, false)?;
/// assert_eq!(col_means.to_vec(), vec![2.5, 3.5, 4.5]);
/// assert_eq!(x.t()?.shape(), &[3, 2]);
/// # Ok::<(), tensor::Error>(())
/// ```
#[derive(Clone)]
pub struct Tensor<T: Float = f32> {
    pub(crate) data: Arc<Storage<T>>,
    pub(crate) layout: Layout,
}

pub(crate) use crate::storage::{
    INLINE_ELEMS, Storage, collect_exact, collect_storage, try_alloc, try_collect,
    try_overwritable, try_zeros,
};

impl<T: Float> Tensor<T> {
    /// Wraps a buffer already known to hold `numel(shape)` elements in row-major order.
    pub(crate) fn from_parts(data: Vec<T>, shape: &[usize]) -> Tensor<T> {
        Tensor::from_storage(Storage::from_vec(data), shape)
    }

    /// [`Tensor::from_parts`] for elements already in a [`Storage`].
    pub(crate) fn from_storage(data: Storage<T>, shape: &[usize]) -> Tensor<T> {
        debug_assert_eq!(data.len(), shape.iter().product::<usize>());
        Tensor {
            data: Arc::new(data),
            layout: Layout::contiguous(shape),
        }
    }

    /// A view of this tensor's storage with another layout.
    pub(crate) fn with_layout(&self, layout: Layout) -> Tensor<T> {
        debug_assert!(layout.storage_extent() <= self.data.len());
        Tensor {
            data: Arc::clone(&self.data),
            layout,
        }
    }

    /// A tensor with `shape` holding `data` in row-major order.
    ///
    /// # Errors
    /// [`Error::DataLength`] if `data.len()` is not the shape's element count,
    /// [`Error::SizeOverflow`] if that count does not fit in `usize`.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let t = Tensor::<f32>::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?;
    /// assert_eq!(t.get(&[1, 0])?, 3.0);
    /// assert!(Tensor::<f32>::from_vec(vec![1.0; 5], &[2, 3]).is_err());
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn from_vec(data: Vec<T>, shape: &[usize]) -> Result<Tensor<T>> {
        let n = numel("from_vec", shape)?;
        if data.len() != n {
            return Err(Error::DataLength {
                op: "from_vec",
                shape: shape.to_vec(),
                expected: n,
                got: data.len(),
            });
        }
        Ok(Tensor::from_parts(data, shape))
    }

    /// A tensor copied from a slice (see [`Tensor::from_vec`]).
    pub fn from_slice(data: &[T], shape: &[usize]) -> Result<Tensor<T>> {
        let n = numel("from_slice", shape)?;
        if data.len() != n {
            return Err(Error::DataLength {
                op: "from_slice",
                shape: shape.to_vec(),
                expected: n,
                got: data.len(),
            });
        }
        Ok(Tensor::from_parts(data.to_vec(), shape))
    }

    /// A tensor whose element at flat row-major index `i` is `f(i)`.
    pub fn from_fn(shape: &[usize], mut f: impl FnMut(usize) -> T) -> Result<Tensor<T>> {
        let n = numel("from_fn", shape)?;
        let v = try_collect("from_fn", n, (0..n).map(&mut f))?;
        Ok(Tensor::from_storage(v, shape))
    }

    /// A tensor filled with `value`.
    pub fn full(shape: &[usize], value: T) -> Result<Tensor<T>> {
        let n = numel("full", shape)?;
        let v = try_collect("full", n, std::iter::repeat_n(value, n))?;
        Ok(Tensor::from_storage(v, shape))
    }

    /// A tensor of zeros.
    ///
    /// ```
    /// use tensor::Tensor;
    /// assert_eq!(Tensor::<f64>::zeros(&[2, 2])?.to_vec(), vec![0.0; 4]);
    /// assert!(Tensor::<f64>::zeros(&[1 << 32, 1 << 32]).is_err()); // overflows usize
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn zeros(shape: &[usize]) -> Result<Tensor<T>> {
        Tensor::full(shape, T::ZERO)
    }

    /// A tensor of ones.
    pub fn ones(shape: &[usize]) -> Result<Tensor<T>> {
        Tensor::full(shape, T::ONE)
    }

    /// A tensor of zeros with `other`'s shape.
    pub fn zeros_like(other: &Tensor<T>) -> Tensor<T> {
        Tensor::from_storage(Storage::from_elem(T::ZERO, other.len()), other.shape())
    }

    /// A tensor of ones with `other`'s shape.
    pub fn ones_like(other: &Tensor<T>) -> Tensor<T> {
        Tensor::from_storage(Storage::from_elem(T::ONE, other.len()), other.shape())
    }

    /// The `n x n` identity matrix.
    pub fn eye(n: usize) -> Result<Tensor<T>> {
        Tensor::from_fn(&[n, n], |i| if i / n == i % n { T::ONE } else { T::ZERO })
    }

    /// A rank-0 tensor holding `value`.
    pub fn scalar(value: T) -> Tensor<T> {
        Tensor::from_storage(Storage::inline([value; INLINE_ELEMS], 1), &[])
    }

    /// `[start, start + step, ...]` up to but excluding `end`, as NumPy's `arange`: the length is
    /// `ceil((end - start) / step)` and element `i` is `start + i * step`.
    ///
    /// ```
    /// use tensor::Tensor;
    /// assert_eq!(Tensor::<f64>::arange(0.0, 1.0, 0.25)?.to_vec(), vec![0.0, 0.25, 0.5, 0.75]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn arange(start: T, end: T, step: T) -> Result<Tensor<T>> {
        let span = ((end - start) / step).to_f64().ceil();
        if step == T::ZERO || !span.is_finite() && !span.is_nan() {
            return Err(Error::Invalid {
                op: "arange",
                reason: format!("cannot step from {start} to {end} by {step}"),
            });
        }
        // NaN (e.g. from a NaN bound) or a negative span gives an empty range, as in NumPy.
        let n = if span > 0.0 { span } else { 0.0 };
        if n >= usize::MAX as f64 {
            return Err(Error::SizeOverflow {
                op: "arange",
                shape: vec![usize::MAX],
            });
        }
        Tensor::from_fn(&[n as usize], |i| start + T::from_usize(i) * step)
    }

    /// `num` evenly spaced values from `start` to `end` inclusive, as NumPy's `linspace`
    /// (element `i` is `start + i * step`, and the last is exactly `end`).
    pub fn linspace(start: T, end: T, num: usize) -> Result<Tensor<T>> {
        let div = if num > 1 {
            T::from_usize(num - 1)
        } else {
            T::ONE
        };
        let step = (end - start) / div;
        Tensor::from_fn(&[num], |i| {
            if i + 1 == num && num > 1 {
                end
            } else {
                start + T::from_usize(i) * step
            }
        })
    }

    /// The dimensions.
    pub fn shape(&self) -> &[usize] {
        &self.layout.shape
    }

    /// The number of dimensions (0 for a scalar).
    pub fn ndim(&self) -> usize {
        self.layout.shape.len()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.layout.numel()
    }

    /// `true` if some dimension is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The layout: shape, strides and storage offset.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// `true` if the elements are dense and row-major (no copy needed to read them as a slice).
    pub fn is_contiguous(&self) -> bool {
        self.layout.is_contiguous()
    }

    /// `true` if both tensors share the same storage buffer.
    pub fn shares_storage(&self, other: &Tensor<T>) -> bool {
        Arc::ptr_eq(&self.data, &other.data)
    }

    /// The elements as a slice, if the tensor is contiguous.
    pub fn as_slice(&self) -> Option<&[T]> {
        if self.is_empty() {
            // An empty view's offset may point past the end of its (possibly empty) storage.
            return Some(&[]);
        }
        self.is_contiguous()
            .then(|| &self.data[self.layout.offset..self.layout.offset + self.len()])
    }

    /// The elements in logical row-major order.
    pub fn to_vec(&self) -> Vec<T> {
        if let Some(s) = self.as_slice() {
            return s.to_vec();
        }
        let mut out = Vec::with_capacity(self.len());
        for_each_run(
            self.shape(),
            [self.layout.strides()],
            [self.layout.offset],
            |[o], len, [s]| {
                out.extend((0..len).map(|j| self.data[o + j * s]));
            },
        );
        out
    }

    /// The only element of a tensor with one element (any rank).
    ///
    /// # Errors
    /// [`Error::Invalid`] if the tensor does not have exactly one element.
    pub fn item(&self) -> Result<T> {
        if self.len() != 1 {
            return Err(Error::Invalid {
                op: "item",
                reason: format!(
                    "a tensor of shape {:?} has {} elements, not 1",
                    self.shape(),
                    self.len()
                ),
            });
        }
        Ok(self.data[self.layout.offset])
    }

    /// The element at a multi-index.
    ///
    /// # Errors
    /// [`Error::Index`] if the index has the wrong length or is out of range.
    pub fn get(&self, index: &[usize]) -> Result<T> {
        let ok = index.len() == self.ndim() && index.iter().zip(self.shape()).all(|(&i, &d)| i < d);
        if !ok {
            return Err(Error::Index {
                op: "get",
                index: index.to_vec(),
                shape: self.shape().to_vec(),
            });
        }
        let off = self.layout.offset
            + index
                .iter()
                .zip(self.layout.strides())
                .map(|(&i, &s)| i * s)
                .sum::<usize>();
        Ok(self.data[off])
    }

    /// A contiguous tensor with the same elements: `self` (shared) if already contiguous,
    /// otherwise a copy.
    pub fn contiguous(&self) -> Tensor<T> {
        if self.spans_its_storage() {
            return self.clone();
        }
        Tensor::from_parts(self.to_vec(), self.shape())
    }

    /// [`Tensor::contiguous`] by value: `self` itself, without a clone, if already contiguous.
    pub fn into_contiguous(self) -> Tensor<T> {
        if self.spans_its_storage() {
            self
        } else {
            self.contiguous()
        }
    }

    /// `true` if the elements are the whole storage, in row-major order.
    fn spans_its_storage(&self) -> bool {
        self.is_contiguous() && self.layout.offset == 0 && self.data.len() == self.len()
    }

    /// The elements converted to another float type.
    pub fn cast<U: Float>(&self) -> Tensor<U> {
        Tensor::from_parts(
            self.to_vec()
                .into_iter()
                .map(|x| U::from_f64(x.to_f64()))
                .collect(),
            self.shape(),
        )
    }

    /// Mutable access to the elements in row-major order, copying the storage first if it is
    /// shared or if this tensor is a view (copy-on-write: tensors saved elsewhere never change).
    pub fn make_mut(&mut self) -> &mut [T] {
        if !self.spans_its_storage() {
            *self = Tensor::from_parts(self.to_vec(), self.shape());
        }
        &mut Arc::make_mut(&mut self.data)[..]
    }

    /// Bitwise equality of shapes and elements (NaNs with equal bits compare equal).
    pub fn bitwise_eq(&self, other: &Tensor<T>) -> bool {
        self.shape() == other.shape()
            && self
                .to_vec()
                .iter()
                .zip(other.to_vec())
                .all(|(a, b)| a.to_bits_u64() == b.to_bits_u64())
    }

    /// `true` when shapes are equal and every pair of elements satisfies
    /// `|a - b| <= atol + rtol * |b|` (NumPy's `allclose`; NaNs are never close).
    pub fn allclose(&self, other: &Tensor<T>, rtol: f64, atol: f64) -> bool {
        self.shape() == other.shape()
            && self.to_vec().iter().zip(other.to_vec()).all(|(a, b)| {
                let (a, b) = (a.to_f64(), b.to_f64());
                (a - b).abs() <= atol + rtol * b.abs() || (a == b)
            })
    }

    /// The largest `|a - b|` over all elements (NaN if any difference is NaN).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the shapes differ.
    pub fn max_abs_diff(&self, other: &Tensor<T>) -> Result<f64> {
        if self.shape() != other.shape() {
            return Err(Error::ShapeMismatch {
                op: "max_abs_diff",
                shapes: vec![self.shape().to_vec(), other.shape().to_vec()],
                reason: "shapes must be equal".into(),
            });
        }
        Ok(self
            .to_vec()
            .iter()
            .zip(other.to_vec())
            .fold(0.0, |m: f64, (a, b)| {
                let d = (a.to_f64() - b.to_f64()).abs();
                if d.is_nan() || m.is_nan() {
                    f64::NAN
                } else {
                    m.max(d)
                }
            }))
    }
}

impl<T: Float> std::fmt::Debug for Tensor<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tensor<{}>{:?} {}", T::DTYPE, self.shape(), self)
    }
}

/// Tensors compare equal when shapes and all elements are equal (`==` on floats: NaN != NaN).
impl<T: Float> PartialEq for Tensor<T> {
    fn eq(&self, other: &Tensor<T>) -> bool {
        self.shape() == other.shape() && self.to_vec() == other.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_vec_rejects_wrong_length_and_overflowing_shapes() {
        let e = Tensor::<f32>::from_vec(vec![0.0; 5], &[2, 3]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "from_vec: shape [2, 3] needs 6 elements but 5 were given"
        );
        let e = Tensor::<f32>::from_vec(vec![], &[1 << 32, 1 << 32]).unwrap_err();
        assert!(matches!(e, Error::SizeOverflow { .. }), "{e}");
        let e = Tensor::<f32>::zeros(&[2, usize::MAX / 2 + 1]).unwrap_err();
        assert!(matches!(e, Error::SizeOverflow { .. }), "{e}");
    }

    #[test]
    fn a_huge_but_representable_shape_is_an_error_not_an_abort() {
        // 2^61 f64 elements = 2^64 bytes: the byte size overflows even though the count fits.
        assert!(Tensor::<f64>::zeros(&[1 << 61]).is_err());
    }

    #[test]
    fn make_mut_copies_shared_storage_so_the_other_tensor_is_untouched() {
        let a = Tensor::<f64>::from_vec(vec![1.0, 2.0], &[2]).unwrap();
        let mut b = a.clone();
        b.make_mut()[0] = 9.0;
        assert_eq!(a.to_vec(), vec![1.0, 2.0]);
        assert_eq!(b.to_vec(), vec![9.0, 2.0]);
    }

    #[test]
    fn arange_and_linspace_follow_numpy() {
        // np.arange(1, 2.1, 0.5) -> [1. , 1.5, 2. ]; np.arange(3, 1, 1) -> []
        assert_eq!(
            Tensor::<f64>::arange(1.0, 2.1, 0.5).unwrap().to_vec(),
            vec![1.0, 1.5, 2.0]
        );
        assert_eq!(Tensor::<f64>::arange(3.0, 1.0, 1.0).unwrap().len(), 0);
        assert!(Tensor::<f64>::arange(0.0, 1.0, 0.0).is_err());
        // np.linspace(0, 1, 5) -> [0., 0.25, 0.5, 0.75, 1.]
        assert_eq!(
            Tensor::<f64>::linspace(0.0, 1.0, 5).unwrap().to_vec(),
            vec![0.0, 0.25, 0.5, 0.75, 1.0]
        );
        assert_eq!(
            Tensor::<f64>::linspace(2.0, 3.0, 1).unwrap().to_vec(),
            vec![2.0]
        );
    }

    #[test]
    fn item_and_get_check_their_arguments() {
        let t = Tensor::<f32>::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap();
        assert_eq!(t.get(&[1, 2]).unwrap(), 6.0);
        assert!(t.get(&[2, 0]).is_err());
        assert!(t.get(&[0]).is_err());
        assert!(t.item().is_err());
        assert_eq!(Tensor::scalar(7.0f32).item().unwrap(), 7.0);
    }
}
