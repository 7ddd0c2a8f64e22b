//! Packing: copying a block of a strided operand into the order the micro-kernel reads it.
//!
//! Both operands are packed the same way. A block is seen as `w` "lanes" (rows of `A`, columns
//! of `B`) by `kc` steps of the sum (columns of `A`, rows of `B`), with lane `i`, step `p` at
//! `data[base + i * si + p * sp]`. It is cut into micro-panels of `R` lanes (`R = MR` for `A`,
//! `NR` for `B`); micro-panel `q` holds lanes `q * R..` as `kc` consecutive groups of `R` values,
//! so the kernel reads one group per step. Lanes past `w` are zero, which makes edge tiles plain
//! full tiles whose extra results are thrown away.
//!
//! Strides are read as they are: a transposed view (`a.t()`) or a column slice is packed straight
//! from the original storage. The two unit-stride cases get their own loops: `si == 1` (a group
//! is a contiguous run: row-major `B`, transposed `A`) and `sp == 1` (each lane is a contiguous
//! run: row-major `A`, transposed `B`). The kernels compile this module with their own vector
//! width (`#[inline(always)]` into their `#[target_feature]` wrappers), and the x86 ones pack
//! the whole micro-panels of a row-major `A` with their own register transpose
//! (`kernel/x86.rs`); the edge panel and every other layout come here.

use crate::float::Float;
use crate::gemm::MatRef;

/// How many micro-panels a contiguous-group operand fills per pass over its steps. All of them at
/// once made each step's stores land in every panel (for a transposed `A`, 11 stores 8 KiB
/// apart, each to a line not in L1): the stores took two thirds of that packing, 14% of a
/// `784x256x128` product. A few at a time keep a few write streams, and each step still reads
/// `PANELS_PER_PASS * R` contiguous values.
const PANELS_PER_PASS: usize = 4;

/// Packs `w` lanes by `kc` steps into `dst` (`ceil(w / R)` micro-panels of `kc * R` values).
/// Lane `i`, step `p` is `src[base + i * si + p * sp]`.
#[inline(always)] // into the kernels' `#[target_feature]` wrappers, to be compiled with them
pub(crate) fn pack<T: Float, const R: usize>(
    w: usize,
    kc: usize,
    src: &[T],
    base: usize,
    si: usize,
    sp: usize,
    dst: &mut [T],
) {
    let panels = w.div_ceil(R);
    // Each step a contiguous run (a row-major `B`): the full panels step by step, copying each
    // run into all of them, so the source is read in order rather than down its columns (at
    // `n` = 1024 f32 each row is a page apart); only the edge panel is left to the loop below.
    let done = if si == 1 { w / R } else { 0 };
    if done > 0 {
        let (groups, _) = dst[..done * kc * R].as_chunks_mut::<R>();
        for q0 in (0..done).step_by(PANELS_PER_PASS) {
            let count = PANELS_PER_PASS.min(done - q0);
            for p in 0..kc {
                let run = &src[base + p * sp + q0 * R..][..count * R];
                // (Fixed-length groups: a few vector moves each, where a length known only at
                // run time would become a call to `memcpy` per group.)
                for (q, &group) in run.as_chunks::<R>().0.iter().enumerate() {
                    groups[(q0 + q) * kc + p] = group;
                }
            }
        }
    }
    let rest = dst[done * kc * R..panels * kc * R].chunks_exact_mut(kc * R);
    for (q, panel) in rest.enumerate().map(|(q, panel)| (q + done, panel)) {
        let (groups, _) = panel.as_chunks_mut::<R>();
        let lanes = R.min(w - q * R);
        let base = base + q * R * si;
        if si == 1 {
            // Lane by lane over the fixed-length group (a copy and a fill of run-time lengths
            // were a `memcpy` and a `memset` call per step: for the 10-row `A` of a narrow
            // product computed transposed, a tenth of its time).
            for (p, g) in groups.iter_mut().enumerate() {
                let run = &src[base + p * sp..][..lanes];
                for (i, x) in g.iter_mut().enumerate() {
                    *x = run.get(i).copied().unwrap_or(T::ZERO);
                }
            }
        } else if sp == 1 && lanes == R && kc >= 8 {
            pack_lanes_contiguous(kc, src, base, si, groups);
        } else if sp == 1 {
            // Each lane a contiguous run (the edge panel of a row-major `A`): lane by lane, with
            // no per-value bounds check or branch; the lanes past `w` are zeroed.
            for i in 0..R {
                if i < lanes {
                    let lane = &src[base + i * si..][..kc];
                    for (g, &v) in groups.iter_mut().zip(lane) {
                        g[i] = v;
                    }
                } else {
                    groups.iter_mut().for_each(|g| g[i] = T::ZERO);
                }
            }
        } else {
            for (p, g) in groups.iter_mut().enumerate() {
                for (i, x) in g.iter_mut().enumerate() {
                    *x = if i < lanes {
                        src[base + i * si + p * sp]
                    } else {
                        T::ZERO
                    };
                }
            }
        }
    }
}

/// `R` lanes that are each a contiguous run of `kc` values: a transpose into the groups. Done
/// in runs of 8 steps so each lane's slice is bounds-checked once per run, not per value.
#[inline(always)]
fn pack_lanes_contiguous<T: Float, const R: usize>(
    kc: usize,
    src: &[T],
    base: usize,
    si: usize,
    groups: &mut [[T; R]],
) {
    const RUN: usize = 8;
    let lanes: [&[T]; R] = std::array::from_fn(|i| &src[base + i * si..base + i * si + kc]);
    let (runs, tail) = groups.as_chunks_mut::<RUN>();
    for (r, run) in runs.iter_mut().enumerate() {
        for (i, lane) in lanes.iter().enumerate() {
            let vals: &[T; RUN] = lane[r * RUN..]
                .first_chunk()
                .expect("invariant: each lane holds kc values");
            for (g, &v) in run.iter_mut().zip(vals) {
                g[i] = v;
            }
        }
    }
    let done = runs.len() * RUN;
    for (p, g) in tail.iter_mut().enumerate() {
        for (x, lane) in g.iter_mut().zip(&lanes) {
            *x = lane[done + p];
        }
    }
}

/// Packs rows `0..mc`, columns `0..kc` of `a` into `MR`-tall micro-panels.
#[inline(always)]
pub(crate) fn pack_a<T: Float, const MR: usize>(
    mc: usize,
    kc: usize,
    a: MatRef<'_, T>,
    dst: &mut [T],
) {
    pack::<T, MR>(mc, kc, a.data, a.offset, a.rs, a.cs, dst);
}

/// Packs rows `0..kc`, columns `0..nc` of `b` into `NR`-wide micro-panels.
#[inline(always)]
pub(crate) fn pack_b<T: Float, const NR: usize>(
    kc: usize,
    nc: usize,
    b: MatRef<'_, T>,
    dst: &mut [T],
) {
    pack::<T, NR>(nc, kc, b.data, b.offset, b.cs, b.rs, dst);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every layout and edge: the packed value at (panel q, step p, lane i) is the source element
    /// (q * R + i, p), or 0 past the last lane.
    #[test]
    fn packing_places_every_element_and_zero_pads() {
        const R: usize = 4;
        let (w, kc): (usize, usize) = (10, 11); // two full panels and a 2-lane edge; 8-step runs plus a tail of 3
        let layouts = [(kc, 1), (1, w), (2 * kc + 1, 2), (3, 3 * w)]; // (si, sp)
        for (si, sp) in layouts {
            let base = 5;
            let len = base + (w - 1) * si + (kc - 1) * sp + 1;
            let src: Vec<f64> = (0..len).map(|x| x as f64).collect();
            let mut dst = vec![-1.0; w.div_ceil(R) * kc * R];
            pack::<f64, R>(w, kc, &src, base, si, sp, &mut dst);
            for q in 0..w.div_ceil(R) {
                for p in 0..kc {
                    for i in 0..R {
                        let lane = q * R + i;
                        let want = if lane < w {
                            src[base + lane * si + p * sp]
                        } else {
                            0.0
                        };
                        assert_eq!(
                            dst[q * kc * R + p * R + i],
                            want,
                            "si={si} sp={sp} {q} {p} {i}"
                        );
                    }
                }
            }
        }
    }
}
