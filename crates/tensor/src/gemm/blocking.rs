//! Cache blocking: how the three outer loops cut the product so each packed piece stays in the
//! cache level that feeds the next loop in.
//!
//! For `C (m x n) += A (m x k) B (k x n)` the driver (`driver.rs`) runs BLIS's loops:
//!
//! | constant | cuts | packed piece | must fit in | why |
//! | --- | --- | --- | --- | --- |
//! | `KC` | `k` | `A` micro-panel `MR x KC` and `B` micro-panel `KC x NR` | L1 | the kernel streams both once per call; the `B` micro-panel is reused for every `A` micro-panel of the block, so it must survive in L1 |
//! | `MC` | `m` | `A` block `MC x KC` | L2 | reused for every `B` micro-panel of the `KC x NC` panel |
//! | `NC` | `n` | `B` panel `KC x NC` | L3 | shared by all threads, reused for every `A` block |
//!
//! `KC` also sets how often the kernel must load and store its `C` tile (once per `KC` steps), so it
//! should not be small; `MC` and `NC` bound the packing buffers (and with them the memory a
//! product allocates). Values were tuned with `benches/matmul.rs` (docs/performance.md) on a
//! Xeon of the Sapphire Rapids class (48 KiB L1d and 2 MiB L2 per core, a large shared L3) and
//! are also sane on older cores with 32 KiB L1d / 256 KiB-1 MiB L2. On an AMD EPYC (Zen 5:
//! 48 KiB L1d, 1 MiB L2) the AVX-512 f32 `MC` at 48, 96 or 192 measured the same within the
//! VM's noise, and so did the f64 `KC` at 128 against 256. On a Zen 4 EPYC (32 KiB L1d, which
//! the AVX-512 `B` micro-panel at `KC` 256 fills alone) `KC` 128 and 192 measured 2-10% slower
//! than 256 in f32 and f64 alike: the kernel keeps up with `B` streaming from L2.
//! Results do not depend on `MC` or `NC`: only `KC` fixes where the sum over `k` is split. All
//! kernels use the same `KC`, so the AVX2 and AVX-512 kernels (both fused multiply-adds, summed
//! in the same order) give bitwise-identical products.

/// The three blocking sizes for one kernel; `mc` is a multiple of its `MR`, `nc` of its `NR`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Blocking {
    /// Rows of `A` per packed block.
    pub mc: usize,
    /// Depth of a packed panel.
    pub kc: usize,
    /// Columns of `B` per packed panel.
    pub nc: usize,
}

/// AVX2 f32, `6 x 16`: `B` micro-panel `256 x 16 x 4 B` = 16 KiB and `A` micro-panel 6 KiB fit
/// L1 together; the `A` block `192 x 256 x 4 B` = 192 KiB sits in L2 with ample room for the `B`
/// micro-panels streaming through; the `B` panel `256 x 4096 x 4 B` = 4 MiB lives in L3. (`MC`
/// 96 to 384 measured the same here.)
pub(crate) const AVX2_F32: Blocking = Blocking {
    mc: 192,
    kc: 256,
    nc: 4096,
};

/// AVX2 f64, `6 x 8`: the same shapes in bytes (16 KiB + 12 KiB in L1, a 384 KiB `A` block).
pub(crate) const AVX2_F64: Blocking = Blocking {
    mc: 192,
    kc: 256,
    nc: 2048,
};

/// AVX-512 f32, `8 x 32`: the `B` micro-panel is 32 KiB and the `A` one 8 KiB, most of the
/// 48 KiB L1; the hardware prefetcher streams `A` from L2 well enough that a smaller `KC`
/// (128, 192) measured slower, not faster (with the earlier `12 x 32` tile). `MC` 96 (a 96 KiB
/// `A` block) measured 3-5% faster than 192: the `B` panel (1 MiB at `n` = 1024) and the `C`
/// tiles then share L2 with less of `A`.
pub(crate) const AVX512_F32: Blocking = Blocking {
    mc: 96,
    kc: 256,
    nc: 4096,
};

/// AVX-512 f64, `8 x 16`: the `B` micro-panel is 32 KiB as for f32 and the `A` one 16 KiB, which
/// together fill the 48 KiB L1. With the earlier `12 x 16` tile (a 24 KiB `A` micro-panel that
/// overflowed L1) `KC` 128 measured no faster (32.4 against 31.9 ms for 1024^3), so `KC` stays
/// the one all kernels share. `MC` 96 measured ~6% faster than 192.
pub(crate) const AVX512_F64: Blocking = Blocking {
    mc: 96,
    kc: 256,
    nc: 2048,
};

/// The portable kernels (`4 x 8` f32, `4 x 4` f64): small tiles, so the same budgets hold.
pub(crate) const PORTABLE: Blocking = Blocking {
    mc: 128,
    kc: 256,
    nc: 2048,
};
