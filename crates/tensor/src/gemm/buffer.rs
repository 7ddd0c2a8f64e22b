//! Packing buffers: cache-line aligned, and reused from one product to the next.
//!
//! A packed panel is at most `KC x NC` elements (4 MiB) and an `A` block `MC x KC` (192 KiB at
//! most). Allocating them afresh for every product costs more than it seems: above glibc's
//! `mmap` threshold each allocation is fresh pages, so every call pays page faults and zeroing
//! (measured: a third of the time of a 256^3 product). So each thread keeps the buffers of its
//! last product and hands them to its next one.

use std::any::Any;
use std::cell::RefCell;

use crate::float::Float;

/// Buffers a thread may keep: the `B` panel, an `A` block and a transposed product's output
/// (`via_transpose`), per element type.
const KEEP: usize = 6;

thread_local! {
    /// Each is a `Vec<f32>` or a `Vec<f64>`, boxed so one list holds both.
    static SPARE: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// A buffer whose usable part starts on a 64-byte cache line, so a kernel's vector loads of a
/// packed group never straddle two lines. Its contents are whatever the last user left: packing
/// writes every element before the kernel reads it.
pub(crate) struct Aligned<T: Float> {
    buf: Vec<T>,
    start: usize,
}

impl<T: Float> Aligned<T> {
    /// At least `len` usable elements, from this thread's spares if it has one of type `T`.
    pub(crate) fn new(len: usize) -> Aligned<T> {
        let mut buf: Vec<T> = SPARE
            .with(|s| {
                let mut s = s.borrow_mut();
                let i = s.iter().position(|b| b.is::<Vec<T>>())?;
                s.swap_remove(i).downcast::<Vec<T>>().ok()
            })
            .map_or_else(Vec::new, |b| *b);
        let slack = 64 / size_of::<T>();
        if buf.len() < len + slack {
            buf.resize(len + slack, T::ZERO);
        }
        let start = buf.as_ptr().align_offset(64);
        Aligned {
            start: if start <= slack { start } else { 0 },
            buf,
        }
    }

    /// The first `len` usable elements.
    pub(crate) fn get(&mut self, len: usize) -> &mut [T] {
        &mut self.buf[self.start..self.start + len]
    }
}

impl<T: Float> Drop for Aligned<T> {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        if buf.capacity() > 0 {
            // `try_with`: during thread teardown the list may already be gone; then just free.
            let _ = SPARE.try_with(|s| {
                let mut s = s.borrow_mut();
                if s.len() < KEEP {
                    s.push(Box::new(buf));
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_aligned_and_reused_by_the_same_thread() {
        SPARE.with(|s| s.borrow_mut().clear());
        let mut a = Aligned::<f32>::new(1000);
        assert_eq!(a.get(1000).as_ptr().align_offset(64), 0);
        a.get(1000)[999] = 7.0;
        let ptr = a.get(1).as_ptr();
        drop(a);
        // A smaller request reuses the same allocation, contents and all.
        let mut b = Aligned::<f32>::new(500);
        assert_eq!(b.get(1).as_ptr(), ptr);
        assert_eq!(b.get(1000)[999], 7.0);
        // Another element type does not take it.
        let mut c = Aligned::<f64>::new(10);
        assert_eq!(c.get(10).as_ptr().align_offset(64), 0);
    }
}
