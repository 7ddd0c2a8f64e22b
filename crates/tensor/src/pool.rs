//! A pool of freed tensor buffers, handed to the next op that needs as many elements.
//!
//! Why: a training step frees the same buffers at its end that the next step allocates again.
//! glibc serves the large ones (128 KiB and up: the digits model's `256 x 128` activations) with
//! `mmap` or from the top of a heap it trims on `free`, so each step gave them back to the kernel
//! and faulted them in again, page by page (20-160 minor faults per digits step, see
//! docs/performance.md). Kept here instead, a steady-state step calls neither the allocator nor
//! the kernel for them.
//!
//! A pooled buffer keeps the elements its last tensor held. [`BufferPool::take`] hands it out
//! empty (length 0), for the ops that fill their output by pushing or extending; only an op that
//! overwrites every element before anything reads one (the matrix product) takes it with its old
//! contents ([`BufferPool::take_as_left`]), to skip zeroing it. Either way a result is the same
//! whether its buffer came from the pool or from the allocator (`tests/stale_buffers.rs`).
//!
//! One pool per element type, shared by all threads behind a `Mutex` (a buffer freed on a rayon
//! worker goes back to the same pool); the lock is held only to push or pop a `Vec`.

use std::sync::{Mutex, PoisonError};

/// Buffers smaller than this many bytes are left to the allocator: its per-thread caches serve
/// them as fast as the pool and they never reach the kernel.
const MIN_POOLED_BYTES: usize = 1 << 10;

/// Buffers larger than this are not kept: one of them would take a large part of
/// [`MAX_HELD_BYTES`], and at that size the arithmetic on the buffer dwarfs its page faults.
const MAX_POOLED_BYTES: usize = 16 << 20;

/// What the pool of one element type holds at most, in bytes. The bound: a program that once
/// worked on large tensors keeps at most this much memory away from the allocator, while the
/// largest step in `benches/training.rs` (the mnist-sized one, whose step frees a few MiB)
/// finds all its buffers here.
const MAX_HELD_BYTES: usize = 64 << 20;

/// Buffers kept per size class (a power of two of capacities): a step frees at most a few
/// dozen buffers of one size at once, when its tape is dropped.
const MAX_PER_CLASS: usize = 32;

/// Size classes: capacity `c` is in class `floor(log2(c))`.
const CLASSES: usize = usize::BITS as usize;

/// Free buffers of one element type, by size class.
pub struct BufferPool<T> {
    inner: Mutex<Classes<T>>,
}

/// The pool's contents: empty `Vec`s whose capacities are in `[2^k, 2^(k+1))` in `free[k]`.
struct Classes<T> {
    free: [Vec<Vec<T>>; CLASSES],
    held_bytes: usize,
}

/// The element types that have a pool (sealed with [`crate::Float`]: `f32` and `f64`).
pub trait Pooled: Sized + 'static {
    /// This type's pool.
    #[doc(hidden)]
    #[allow(private_interfaces)] // sealed: nothing outside the crate can name `BufferPool`
    fn pool() -> &'static BufferPool<Self>;
}

static F32_POOL: BufferPool<f32> = BufferPool::new();
static F64_POOL: BufferPool<f64> = BufferPool::new();

impl Pooled for f32 {
    #[allow(private_interfaces)]
    fn pool() -> &'static BufferPool<f32> {
        &F32_POOL
    }
}

impl Pooled for f64 {
    #[allow(private_interfaces)]
    fn pool() -> &'static BufferPool<f64> {
        &F64_POOL
    }
}

/// The size class of a capacity (`c > 0`).
fn class(c: usize) -> usize {
    (usize::BITS - 1 - c.leading_zeros()) as usize
}

impl<T> BufferPool<T> {
    const fn new() -> BufferPool<T> {
        BufferPool {
            inner: Mutex::new(Classes {
                free: [const { Vec::new() }; CLASSES],
                held_bytes: 0,
            }),
        }
    }

    /// Whether buffers of `n` elements are pooled at all.
    fn pools(n: usize) -> bool {
        let bytes = n.saturating_mul(size_of::<T>());
        (MIN_POOLED_BYTES..=MAX_POOLED_BYTES).contains(&bytes)
    }

    /// An empty buffer with room for at least `n` elements, if the pool has one; the most
    /// recently freed fitting one (its memory is the likeliest to be in cache).
    pub(crate) fn take(&self, n: usize) -> Option<Vec<T>> {
        let mut v = self.take_as_left(n)?;
        v.clear();
        Some(v)
    }

    /// [`BufferPool::take`], but the buffer still holds what its last tensor left in it (any
    /// length up to its capacity).
    pub(crate) fn take_as_left(&self, n: usize) -> Option<Vec<T>> {
        if !Self::pools(n) {
            return None;
        }
        let mut pool = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let list = &mut pool.free[class(n)];
        let i = list.iter().rposition(|v| v.capacity() >= n)?;
        let v = list.swap_remove(i);
        pool.held_bytes -= v.capacity() * size_of::<T>();
        Some(v)
    }

    /// Keeps `v`'s buffer for a later [`BufferPool::take`], unless it is outside the pooled
    /// sizes or the pool is full (then it goes back to the allocator).
    pub(crate) fn give(&self, v: Vec<T>) {
        let cap = v.capacity();
        if !Self::pools(cap) {
            return;
        }
        let bytes = cap * size_of::<T>();
        let rejected = {
            let mut pool = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            let full = pool.held_bytes + bytes > MAX_HELD_BYTES;
            let list = &mut pool.free[class(cap)];
            if full || list.len() >= MAX_PER_CLASS {
                Some(v)
            } else {
                list.push(v);
                pool.held_bytes += bytes;
                None
            }
        };
        drop(rejected); // freed outside the lock
    }

    /// Bytes held now (for tests).
    #[cfg(test)]
    fn held_bytes(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .held_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freed_buffer_serves_the_next_request_that_fits_and_only_those() {
        let pool = BufferPool::<f64>::new();
        let mut v = Vec::with_capacity(300);
        v.extend((0..300).map(f64::from));
        let ptr = v.as_ptr();
        pool.give(v);
        assert_eq!(pool.held_bytes(), 300 * 8);
        assert!(pool.take(301).is_none(), "too small for 301");
        assert!(pool.take(200).is_none(), "another size class");
        let w = pool.take(260).expect("same class, large enough");
        assert_eq!((w.as_ptr(), w.len()), (ptr, 0), "the same buffer, empty");
        assert_eq!(pool.held_bytes(), 0);
    }

    #[test]
    fn take_as_left_hands_out_the_buffer_with_its_old_contents() {
        let pool = BufferPool::<f32>::new();
        let mut v = Vec::with_capacity(400);
        v.extend((0..300u16).map(f32::from));
        pool.give(v);
        let w = pool.take_as_left(350).expect("same class, large enough");
        assert_eq!(w.len(), 300);
        assert!(w.iter().zip(0..300u16).all(|(&x, i)| x == f32::from(i)));
    }

    #[test]
    fn small_and_huge_buffers_go_back_to_the_allocator() {
        let pool = BufferPool::<f32>::new();
        pool.give(Vec::with_capacity(100)); // 400 bytes
        pool.give(Vec::with_capacity(MAX_POOLED_BYTES / 4 + 1));
        assert_eq!(pool.held_bytes(), 0);
    }

    #[test]
    fn the_pool_holds_at_most_its_bound() {
        let pool = BufferPool::<f64>::new();
        let n = 1 << 20; // 8 MiB each
        for _ in 0..MAX_HELD_BYTES / (n * 8) + 3 {
            pool.give(Vec::with_capacity(n));
        }
        assert_eq!(pool.held_bytes(), MAX_HELD_BYTES);
        let m = 300; // a class of its own: limited by MAX_PER_CLASS, and the byte bound is full
        for _ in 0..MAX_PER_CLASS + 5 {
            pool.give(Vec::with_capacity(m));
        }
        assert_eq!(pool.held_bytes(), MAX_HELD_BYTES);
        let pool = BufferPool::<f64>::new();
        for _ in 0..MAX_PER_CLASS + 5 {
            pool.give(Vec::with_capacity(m));
        }
        assert_eq!(pool.held_bytes(), MAX_PER_CLASS * m * 8);
    }
}
