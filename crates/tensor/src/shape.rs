//! Shapes, strides and layouts: everything about where elements live, nothing about values.
//!
//! A [`Layout`] is candle's `Layout { shape, stride, start_offset }`: element `[i0, i1, ..]` of a
//! tensor lives at `offset + i0 * strides[0] + i1 * strides[1] + ..` in its storage. A stride of 0
//! repeats an element (broadcasting); views (transpose, narrow, broadcast_to) only change the
//! layout, never the storage.

use smallvec::SmallVec;

use crate::error::{Error, Result};

/// Dimensions or strides: up to four live inline, more spill to the heap.
pub type Dims = SmallVec<[usize; 4]>;

/// The element count of `shape`, or [`Error::SizeOverflow`] if it does not fit in `usize`.
///
/// ```
/// use tensor::shape::numel;
/// assert_eq!(numel("zeros", &[2, 3, 4]).unwrap(), 24);
/// assert!(numel("zeros", &[1 << 32, 1 << 32]).is_err());
/// ```
#[inline]
pub fn numel(op: &'static str, shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| Error::SizeOverflow {
            op,
            shape: shape.to_vec(),
        })
}

/// NumPy's broadcasting rule: align shapes on the right; each pair of dimensions must be equal
/// or one of them 1, and the result takes the larger.
///
/// ```
/// use tensor::shape::broadcast_shapes;
/// assert_eq!(broadcast_shapes("add", &[240, 16], &[1, 16]).unwrap().as_slice(), &[240, 16]);
/// assert_eq!(broadcast_shapes("add", &[3, 1, 5], &[4, 1]).unwrap().as_slice(), &[3, 4, 5]);
/// assert!(broadcast_shapes("add", &[2, 3], &[4]).is_err());
/// ```
pub fn broadcast_shapes(op: &'static str, lhs: &[usize], rhs: &[usize]) -> Result<Dims> {
    let n = lhs.len().max(rhs.len());
    let mut out: Dims = SmallVec::with_capacity(n);
    for i in 0..n {
        // Dimension i counted from the left of the longer shape; missing dims count as 1.
        let l = if i + lhs.len() >= n {
            lhs[i + lhs.len() - n]
        } else {
            1
        };
        let r = if i + rhs.len() >= n {
            rhs[i + rhs.len() - n]
        } else {
            1
        };
        out.push(match (l, r) {
            (l, r) if l == r => l,
            (1, r) => r,
            (l, 1) => l,
            _ => {
                return Err(Error::Broadcast {
                    op,
                    lhs: lhs.to_vec(),
                    rhs: rhs.to_vec(),
                });
            }
        });
    }
    // The broadcast shape's size is bounded by the operands' sizes times each other, which can
    // overflow only if one operand is itself a broadcast view of a huge shape.
    numel(op, &out)?;
    Ok(out)
}

/// Row-major (C-order) strides for `shape`.
pub(crate) fn contiguous_strides(shape: &[usize]) -> Dims {
    let mut strides: Dims = SmallVec::from_elem(0, shape.len());
    let mut acc = 1usize;
    for (s, &d) in strides.iter_mut().zip(shape).rev() {
        *s = acc;
        // Saturating: an element count that fits `usize` keeps every partial product in range;
        // a size-0 dimension makes later strides meaningless but never read.
        acc = acc.saturating_mul(d);
    }
    strides
}

/// Resolves a NumPy-style axis (negative counts from the end) against a rank.
pub(crate) fn resolve_axis(op: &'static str, axis: isize, shape: &[usize]) -> Result<usize> {
    let ndim = shape.len() as isize;
    let a = if axis < 0 { axis + ndim } else { axis };
    if (0..ndim).contains(&a) {
        Ok(a as usize)
    } else {
        Err(Error::Axis {
            op,
            axis,
            shape: shape.to_vec(),
        })
    }
}

/// An axis argument: `usize`, `isize`, `i32` or `i64`; negative values count from the end as
/// in NumPy (`-1` is the last axis).
pub trait Axis: Copy {
    /// The axis as a signed number.
    fn as_isize(self) -> isize;
}

macro_rules! impl_axis {
    ($($t:ty),*) => {$(
        impl Axis for $t {
            #[inline]
            fn as_isize(self) -> isize {
                // An out-of-range conversion becomes an axis no tensor has, so it is reported.
                isize::try_from(self).unwrap_or(isize::MAX)
            }
        }
    )*};
}
impl_axis!(usize, isize, i32, i64);

/// Where a tensor's elements live in its storage.
#[derive(Debug, PartialEq, Eq)]
pub struct Layout {
    pub(crate) shape: Dims,
    pub(crate) strides: Dims,
    pub(crate) offset: usize,
}

/// `d` as [`Dims`]. For up to four dimensions this fills the inline buffer as a whole:
/// `SmallVec`'s own `clone` pushes element by element, which was the largest single cost of
/// cloning a tensor (and the autograd tape clones many small ones).
#[inline]
pub(crate) fn copy_dims(d: &[usize]) -> Dims {
    if d.len() > 4 {
        return SmallVec::from_slice(d);
    }
    let buf: [usize; 4] = std::array::from_fn(|i| d.get(i).copied().unwrap_or(0));
    SmallVec::from_buf_and_len(buf, d.len())
}

impl Clone for Layout {
    #[inline]
    fn clone(&self) -> Layout {
        Layout {
            shape: copy_dims(&self.shape),
            strides: copy_dims(&self.strides),
            offset: self.offset,
        }
    }
}

impl Layout {
    /// A dense row-major layout starting at offset 0. The caller has checked the element count.
    pub(crate) fn contiguous(shape: &[usize]) -> Layout {
        Layout {
            shape: copy_dims(shape),
            strides: contiguous_strides(shape),
            offset: 0,
        }
    }

    /// The dimensions.
    #[inline]
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The strides, in elements (0 for a broadcast dimension).
    #[inline]
    pub fn strides(&self) -> &[usize] {
        &self.strides
    }

    /// The storage index of element `[0, 0, ..]`.
    #[inline]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Number of elements. Every layout is built from a checked shape, so this cannot overflow.
    #[inline]
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// `true` when the elements are dense and in row-major order, so they are
    /// `storage[offset..offset + numel]`. Dimensions of size 1 may have any stride.
    pub fn is_contiguous(&self) -> bool {
        // One pass that also looks for an empty dimension (which makes any strides dense),
        // rather than the element count first and the strides after: every op asks this of
        // every operand, so for the lesson's 4x4 tensors it was a visible share of a step.
        let mut expected = 1usize;
        let mut dense = true;
        for (&d, &s) in self.shape.iter().zip(&self.strides).rev() {
            if d == 0 {
                return true;
            }
            if d != 1 {
                dense &= s == expected;
                expected = expected.saturating_mul(d);
            }
        }
        dense
    }

    /// One past the largest storage index this layout reads (0 for an empty layout).
    pub(crate) fn storage_extent(&self) -> usize {
        if self.numel() == 0 {
            return 0;
        }
        self.offset
            + self
                .shape
                .iter()
                .zip(&self.strides)
                .map(|(&d, &s)| (d - 1) * s)
                .sum::<usize>()
            + 1
    }

    /// The layout seen with `shape` through NumPy broadcasting (new or size-1 dims get stride 0).
    pub(crate) fn broadcast_to(&self, op: &'static str, shape: &[usize]) -> Result<Layout> {
        let err = || Error::BroadcastTo {
            op,
            from: self.shape.to_vec(),
            to: shape.to_vec(),
        };
        if shape.len() < self.shape.len() {
            return Err(err());
        }
        numel(op, shape)?;
        let lead = shape.len() - self.shape.len();
        let mut strides: Dims = SmallVec::from_elem(0, shape.len());
        for (i, (&d, &s)) in self.shape.iter().zip(&self.strides).enumerate() {
            let target = shape[lead + i];
            if d == target {
                strides[lead + i] = if d == 1 { 0 } else { s };
            } else if d != 1 {
                return Err(err());
            }
        }
        Ok(Layout {
            shape: copy_dims(shape),
            strides,
            offset: self.offset,
        })
    }

    /// The layout with axes reordered: new axis `i` is old axis `perm[i]`.
    pub(crate) fn permute(&self, perm: &[usize]) -> Result<Layout> {
        let n = self.shape.len();
        let mut seen: SmallVec<[bool; 4]> = SmallVec::from_elem(false, n);
        if perm.len() != n
            || perm
                .iter()
                .any(|&p| p >= n || std::mem::replace(&mut seen[p], true))
        {
            return Err(Error::Invalid {
                op: "permute",
                reason: format!(
                    "{perm:?} is not a permutation of the axes of shape {:?}",
                    &self.shape[..]
                ),
            });
        }
        Ok(Layout {
            shape: perm.iter().map(|&p| self.shape[p]).collect(),
            strides: perm.iter().map(|&p| self.strides[p]).collect(),
            offset: self.offset,
        })
    }

    /// The 2-D transpose (`permute(&[1, 0])` of a matrix): shape and strides swapped, written
    /// out whole. The general `permute` checks the permutation and collects the dims one by one,
    /// which made a transposed view cost more than the lesson's `4x2 @ 2x4` product it feeds.
    pub(crate) fn transposed_2d(&self) -> Layout {
        debug_assert_eq!(self.shape.len(), 2);
        let (d, s) = (&self.shape, &self.strides);
        Layout {
            shape: SmallVec::from_buf_and_len([d[1], d[0], 0, 0], 2),
            strides: SmallVec::from_buf_and_len([s[1], s[0], 0, 0], 2),
            offset: self.offset,
        }
    }

    /// The sub-range `start..start + len` of axis `axis`.
    pub(crate) fn narrow(&self, axis: usize, start: usize, len: usize) -> Result<Layout> {
        let d = self.shape[axis];
        match start.checked_add(len) {
            Some(end) if end <= d => {}
            _ => {
                return Err(Error::Invalid {
                    op: "narrow",
                    reason: format!(
                        "range {start}..{start}+{len} is out of bounds for axis {axis} of length {d} in shape {:?}",
                        &self.shape[..]
                    ),
                });
            }
        }
        let mut out = self.clone();
        out.shape[axis] = len;
        // Only a view with elements moves its offset: an empty one (this axis or another is 0)
        // reads nothing, and its offset must stay inside the storage.
        if out.numel() > 0 {
            out.offset += start * self.strides[axis];
        }
        Ok(out)
    }

    /// A view of the same elements with `shape`, if one exists without copying: for a contiguous
    /// layout always; otherwise `None`.
    pub(crate) fn reshape(&self, shape: &[usize]) -> Option<Layout> {
        self.is_contiguous().then(|| Layout {
            shape: copy_dims(shape),
            strides: contiguous_strides(shape),
            offset: self.offset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_rule_matches_numpy_examples() {
        // From NumPy's broadcasting documentation.
        type Case<'a> = (&'a [usize], &'a [usize], Option<&'a [usize]>);
        let cases: &[Case<'_>] = &[
            (&[256, 256, 3], &[3], Some(&[256, 256, 3])),
            (&[8, 1, 6, 1], &[7, 1, 5], Some(&[8, 7, 6, 5])),
            (&[5, 4], &[1], Some(&[5, 4])),
            (&[15, 3, 5], &[15, 1, 5], Some(&[15, 3, 5])),
            (&[3], &[4], None),
            (&[2, 1], &[8, 4, 3], None),
            (&[], &[2, 0], Some(&[2, 0])),
            (&[1, 0], &[3, 1], Some(&[3, 0])),
        ];
        for &(a, b, want) in cases {
            let got = broadcast_shapes("add", a, b).ok();
            assert_eq!(got.as_deref(), want, "{a:?} with {b:?}");
        }
    }

    #[test]
    fn contiguous_strides_are_row_major() {
        assert_eq!(contiguous_strides(&[2, 3, 4]).as_slice(), &[12, 4, 1]);
        assert_eq!(contiguous_strides(&[]).as_slice(), &[] as &[usize]);
    }

    #[test]
    fn transposed_layout_is_not_contiguous_but_size_one_dims_do_not_matter() {
        let l = Layout::contiguous(&[2, 3]);
        assert!(l.is_contiguous());
        assert!(!l.permute(&[1, 0]).unwrap().is_contiguous());
        let col = Layout {
            shape: [3, 1].into_iter().collect(),
            strides: [1, 99].into_iter().collect(),
            offset: 0,
        };
        assert!(col.is_contiguous());
    }

    /// The definition: every element's storage index is the row-major position after the first.
    fn naive_contiguous(l: &Layout) -> bool {
        let n = l.numel();
        let mut idx = vec![0usize; l.shape.len()];
        for k in 0..n {
            let at: usize = idx.iter().zip(&l.strides).map(|(i, s)| i * s).sum();
            if at != k {
                return false;
            }
            // Next row-major index.
            for ax in (0..idx.len()).rev() {
                idx[ax] += 1;
                if idx[ax] < l.shape[ax] {
                    break;
                }
                idx[ax] = 0;
            }
        }
        true
    }

    #[test]
    fn contiguity_is_the_definition_for_every_small_layout() {
        // All shapes with dims in 0..3 and strides in 0..7 up to rank 3 (size-1 and empty dims,
        // broadcast strides of 0, permuted strides included).
        // Rank 3 is 9,261 layouts: under Miri rank 2 is enough.
        let max_rank = if cfg!(miri) { 2 } else { 3 };
        let mut checked = 0;
        for rank in 0..=max_rank {
            for code in 0..(3 * 7usize).pow(rank) {
                let (mut shape, mut strides, mut c) = (Dims::new(), Dims::new(), code);
                for _ in 0..rank {
                    shape.push(c % 3);
                    strides.push(c / 3 % 7);
                    c /= 21;
                }
                let l = Layout {
                    shape,
                    strides,
                    offset: 0,
                };
                assert_eq!(l.is_contiguous(), naive_contiguous(&l), "{l:?}");
                checked += 1;
            }
        }
        assert!(checked > if cfg!(miri) { 400 } else { 9000 });
    }

    #[test]
    fn the_matrix_transpose_is_the_permutation() {
        let l = Layout {
            shape: [3, 5].into_iter().collect(),
            strides: [7, 2].into_iter().collect(),
            offset: 4,
        };
        assert_eq!(l.transposed_2d(), l.permute(&[1, 0]).unwrap());
        let c = Layout::contiguous(&[2, 6]);
        assert_eq!(c.transposed_2d(), c.permute(&[1, 0]).unwrap());
    }

    #[test]
    fn negative_axes_count_from_the_end() {
        assert_eq!(resolve_axis("sum", -1, &[2, 3]).unwrap(), 1);
        assert_eq!(resolve_axis("sum", -2, &[2, 3]).unwrap(), 0);
        assert!(resolve_axis("sum", 2, &[2, 3]).is_err());
        assert!(resolve_axis("sum", -3, &[2, 3]).is_err());
    }
}
