//! Walking strided layouts in row-major order.
//!
//! Every elementwise op, reduction and copy goes through [`for_each_run`]: it visits the elements
//! of a shape in logical (row-major) order for `K` operands at once, handing out *runs* along the
//! innermost dimension so the caller's inner loop is a tight strided (often unit-stride) loop.
//! Adjacent dimensions that are laid out as one (for every operand) are merged first, so a
//! contiguous tensor is a single run whatever its rank.

use smallvec::SmallVec;

use crate::shape::Dims;

/// A shape with `K` stride vectors after merging dimensions that can be walked as one.
struct Merged<const K: usize> {
    shape: Dims,
    strides: [Dims; K],
}

fn merge<const K: usize>(shape: &[usize], strides: [&[usize]; K]) -> Merged<K> {
    let mut out_shape: Dims = SmallVec::new();
    let mut out_strides: [Dims; K] = std::array::from_fn(|_| SmallVec::new());
    for (i, &d) in shape.iter().enumerate() {
        if d == 1 {
            continue; // a size-1 dim contributes nothing to any offset
        }
        let can_merge = !out_shape.is_empty()
            && (0..K).all(|k| out_strides[k].last() == Some(&(strides[k][i] * d)));
        if can_merge {
            *out_shape.last_mut().expect("invariant: checked non-empty") *= d;
            for k in 0..K {
                *out_strides[k]
                    .last_mut()
                    .expect("invariant: same length as shape") = strides[k][i];
            }
        } else {
            out_shape.push(d);
            for k in 0..K {
                out_strides[k].push(strides[k][i]);
            }
        }
    }
    if out_shape.is_empty() {
        // Rank 0 or all ones: one element.
        out_shape.push(1);
        for s in &mut out_strides {
            s.push(0);
        }
    }
    Merged {
        shape: out_shape,
        strides: out_strides,
    }
}

/// Visits flat (row-major) elements `range` of `shape` for `K` operands, each with its own strides
/// and starting offset. Calls `f(offsets, len, inner_strides)` once per run: the run's elements are
/// at `offsets[k] + j * inner_strides[k]` for `j in 0..len`, in order.
pub(crate) fn for_each_run_in<const K: usize>(
    shape: &[usize],
    strides: [&[usize]; K],
    offsets: [usize; K],
    range: std::ops::Range<usize>,
    mut f: impl FnMut([usize; K], usize, [usize; K]),
) {
    if range.is_empty() {
        return;
    }
    let m = merge(shape, strides);
    let nd = m.shape.len();
    let inner = m.shape[nd - 1];
    let inner_strides: [usize; K] = std::array::from_fn(|k| m.strides[k][nd - 1]);

    // Multi-index of range.start.
    let mut index: Dims = SmallVec::from_elem(0, nd);
    let mut rem = range.start;
    for ax in (0..nd).rev() {
        index[ax] = rem % m.shape[ax];
        rem /= m.shape[ax];
    }
    let mut pos = range.start;
    while pos < range.end {
        let len = (inner - index[nd - 1]).min(range.end - pos);
        let offs: [usize; K] = std::array::from_fn(|k| {
            offsets[k]
                + index
                    .iter()
                    .zip(&m.strides[k])
                    .map(|(&i, &s)| i * s)
                    .sum::<usize>()
        });
        f(offs, len, inner_strides);
        pos += len;
        // Advance the multi-index by `len` (which only ever finishes the current run).
        index[nd - 1] += len;
        let mut ax = nd - 1;
        while ax > 0 && index[ax] == m.shape[ax] {
            index[ax] = 0;
            ax -= 1;
            index[ax] += 1;
        }
    }
}

/// [`for_each_run_in`] over all elements.
pub(crate) fn for_each_run<const K: usize>(
    shape: &[usize],
    strides: [&[usize]; K],
    offsets: [usize; K],
    f: impl FnMut([usize; K], usize, [usize; K]),
) {
    let n = shape.iter().product();
    for_each_run_in(shape, strides, offsets, 0..n, f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::contiguous_strides;

    fn offsets_of(
        shape: &[usize],
        strides: &[usize],
        offset: usize,
        range: std::ops::Range<usize>,
    ) -> Vec<usize> {
        let mut out = vec![];
        for_each_run_in(shape, [strides], [offset], range, |[o], len, [s]| {
            out.extend((0..len).map(|j| o + j * s));
        });
        out
    }

    /// The offsets the naive definition gives: odometer over the multi-index.
    fn naive(shape: &[usize], strides: &[usize], offset: usize) -> Vec<usize> {
        let n: usize = shape.iter().product();
        (0..n)
            .map(|mut flat| {
                let mut off = offset;
                for ax in (0..shape.len()).rev() {
                    off += (flat % shape[ax]) * strides[ax];
                    flat /= shape[ax];
                }
                off
            })
            .collect()
    }

    #[test]
    fn contiguous_walk_is_one_run() {
        let shape = [2, 3, 4];
        let mut runs = 0;
        for_each_run(
            &shape,
            [&contiguous_strides(&shape)],
            [5],
            |[o], len, [s]| {
                runs += 1;
                assert_eq!((o, len, s), (5, 24, 1));
            },
        );
        assert_eq!(runs, 1);
    }

    #[test]
    fn strided_walks_match_the_odometer_for_every_subrange() {
        let cases: &[(&[usize], &[usize])] = &[
            (&[3, 4], &[1, 3]),        // transpose
            (&[2, 3, 4], &[0, 4, 1]),  // broadcast leading
            (&[2, 1, 5], &[10, 7, 2]), // gaps and a size-1 dim
            (&[], &[]),                // scalar
            (&[4], &[0]),              // broadcast scalar
        ];
        for &(shape, strides) in cases {
            let n: usize = shape.iter().product();
            let want = naive(shape, strides, 3);
            for a in 0..=n {
                for b in a..=n {
                    assert_eq!(
                        offsets_of(shape, strides, 3, a..b),
                        want[a..b],
                        "{shape:?} {strides:?} {a}..{b}"
                    );
                }
            }
        }
    }

    #[test]
    fn empty_shapes_visit_nothing() {
        let mut called = false;
        for_each_run(&[2, 0, 3], [&[0, 0, 0][..]], [0], |_, _, _| called = true);
        assert!(!called);
    }
}
