//! A tensor's elements ([`Storage`]) and the ways ops fill a new one.
//!
//! Small tensors keep their elements inline; larger ones in a heap buffer that, when the last
//! tensor sharing it is dropped, goes back to the element type's [`crate::pool`] for the next op
//! of that size instead of to the allocator.

use std::ops::{Deref, DerefMut};

use smallvec::SmallVec;

use crate::error::{Error, Result};
use crate::float::Float;

/// Tensors of at most this many elements keep them inside the `Arc`'s own allocation.
///
/// A `4 x 4` result (the XOR net's hidden layer) then costs one `malloc` and one `free`
/// instead of two of each, which was a third of the time of the lesson's `4x2 @ 2x4` product
/// (docs/performance.md). Larger tensors keep their elements in a separate heap buffer, taken
/// over from the `Vec` an op filled, without a copy.
pub(crate) const INLINE_ELEMS: usize = 16;

/// A tensor's elements: inline up to [`INLINE_ELEMS`], else in a heap buffer that returns to
/// the buffer pool when dropped.
pub(crate) struct Storage<T: Float>(SmallVec<[T; INLINE_ELEMS]>);

impl<T: Float> Storage<T> {
    /// No elements.
    pub(crate) fn new() -> Storage<T> {
        Storage(SmallVec::new())
    }

    /// The elements of `v` (moved inline if its buffer is small enough, else kept as it is).
    pub(crate) fn from_vec(v: Vec<T>) -> Storage<T> {
        Storage(SmallVec::from_vec(v))
    }

    /// The first `len` elements of `buf`, inline.
    pub(crate) fn inline(buf: [T; INLINE_ELEMS], len: usize) -> Storage<T> {
        Storage(SmallVec::from_buf_and_len(buf, len))
    }

    /// `n` copies of `value`.
    pub(crate) fn from_elem(value: T, n: usize) -> Storage<T> {
        if n <= INLINE_ELEMS {
            return Storage::inline([value; INLINE_ELEMS], n);
        }
        let mut v = pooled_vec(n);
        fill(&mut v, n, value);
        Storage::from_vec(v)
    }
}

impl<T: Float> Deref for Storage<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: Float> DerefMut for Storage<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

impl<T: Float> Extend<T> for Storage<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        self.0.extend(items);
    }
}

impl<T: Float> Clone for Storage<T> {
    /// A copy in a buffer from the pool (`Arc::make_mut` of shared storage).
    fn clone(&self) -> Storage<T> {
        collect_exact(self.iter().copied())
    }
}

impl<T: Float> Drop for Storage<T> {
    fn drop(&mut self) {
        if self.0.spilled() {
            T::pool().give(std::mem::take(&mut self.0).into_vec());
        }
    }
}

/// An empty vector with room for `n` elements: a pooled buffer if there is one, else a fresh
/// allocation (which aborts, as `Vec::with_capacity` does, if it fails: callers use it for
/// sizes known to be allocatable, an op's output as large as its input).
pub(crate) fn pooled_vec<T: Float>(n: usize) -> Vec<T> {
    T::pool().take(n).unwrap_or_else(|| Vec::with_capacity(n))
}

/// The first `n` items of `items` as storage: inline when they fit, else in a heap buffer
/// allocated as [`try_alloc`] does (so a bad size is an `Err`, not an abort).
pub(crate) fn try_collect<T: Float>(
    op: &'static str,
    n: usize,
    items: impl Iterator<Item = T>,
) -> Result<Storage<T>> {
    if n <= INLINE_ELEMS {
        return Ok(collect_storage(n, items));
    }
    let mut v = try_alloc(op, n)?;
    v.extend(items.take(n));
    Ok(Storage::from_vec(v))
}

/// The first `n` items of `items` as storage, for sizes that are known to be allocatable (an
/// op's output as large as its input). Small outputs are written into an inline buffer
/// directly: `SmallVec`'s own `collect` checks the capacity at every element.
pub(crate) fn collect_storage<T: Float>(n: usize, items: impl Iterator<Item = T>) -> Storage<T> {
    if n <= INLINE_ELEMS {
        let mut buf = [T::ZERO; INLINE_ELEMS];
        for (b, x) in buf.iter_mut().zip(items) {
            *b = x;
        }
        return Storage::inline(buf, n);
    }
    let mut v = pooled_vec(n);
    v.extend(items.take(n));
    Storage::from_vec(v)
}

/// All of `items` as storage. For an iterator over slices (`a.iter().map(f)`, a `zip` of two)
/// `extend` knows the exact length and LLVM vectorises the loop, which it does not through
/// [`collect_storage`]'s `take(n)`.
pub(crate) fn collect_exact<T: Float>(items: impl ExactSizeIterator<Item = T>) -> Storage<T> {
    let n = items.len();
    if n <= INLINE_ELEMS {
        return collect_storage(n, items);
    }
    let mut v = pooled_vec(n);
    v.extend(items);
    Storage::from_vec(v)
}

/// `n` zeros as storage: inline without any allocation when they fit, else a heap buffer
/// allocated as [`try_alloc`] does.
pub(crate) fn try_zeros<T: Float>(op: &'static str, n: usize) -> Result<Storage<T>> {
    if n <= INLINE_ELEMS {
        // Already zeros: no element-by-element copy from an iterator.
        return Ok(Storage::inline([T::ZERO; INLINE_ELEMS], n));
    }
    let mut v = try_alloc(op, n)?;
    fill(&mut v, n, T::ZERO);
    Ok(Storage::from_vec(v))
}

/// Storage for `n` elements that the caller overwrites, every one, before anything reads them
/// (the matrix product, which writes each element of `C` on its first pass over `k`). A pooled
/// buffer comes with what its last tensor left in it, so no time goes into zeroing it: that
/// `memset` was 1-2% of a one-thread MNIST-sized product and 8% of the calling thread's time in
/// a two-thread one (docs/performance.md). Anything else is zeros, as from [`try_zeros`].
pub(crate) fn try_overwritable<T: Float>(op: &'static str, n: usize) -> Result<Storage<T>> {
    if n > INLINE_ELEMS
        && let Some(mut v) = T::pool().take_as_left(n)
    {
        v.truncate(n);
        let missing = n - v.len();
        fill(&mut v, missing, T::ZERO);
        return Ok(Storage::from_vec(v));
    }
    try_zeros(op, n)
}

/// An empty vector with room for `n` elements (from the pool if it has one) without aborting
/// the process if `n` is too large: an element count whose byte size overflows or that the
/// allocator refuses is an `Err`.
pub(crate) fn try_alloc<T: Float>(op: &'static str, n: usize) -> Result<Vec<T>> {
    let bytes = n.checked_mul(std::mem::size_of::<T>());
    if bytes.is_none_or(|b| b > isize::MAX as usize) {
        return Err(Error::SizeOverflow { op, shape: vec![n] });
    }
    if let Some(v) = T::pool().take(n) {
        return Ok(v);
    }
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| Error::Alloc { op, elements: n })?;
    Ok(v)
}

/// Appends `n` copies of `value` to `v`, 2 KiB at a time. For zeros each piece is a `memset`
/// that glibc writes with vector stores (a buffer from the pool is not zeroed memory, as a fresh
/// `calloc` is). Above 2 KiB glibc switches to `rep stosb`, which is as fast but which callgrind
/// counts as one instruction per byte: pieces keep the instruction counts of
/// docs/performance.md about the work done.
fn fill<T: Float>(v: &mut Vec<T>, n: usize, value: T) {
    let piece = 2048 / size_of::<T>();
    let end = v.len() + n;
    while v.len() < end {
        let len = (v.len() + piece).min(end);
        v.resize(len, value);
    }
}
