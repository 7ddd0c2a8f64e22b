//! `Tensor::matmul` against independent references: the textbook triple loop (exact for small
//! integers), an f64 reference with a derived rounding bound, every operand layout, every thread
//! count, every kernel family this CPU has. Sizes shrink under Miri, which runs the portable
//! kernel through the same dispatch, packing and edge-tile code, on one thread (see
//! `gemm::driver::threads_for`).

use proptest::prelude::*;
use tensor::gemm::Isa;
use tensor::{Float, Tensor};

/// `c[i][j] = sum_p a[i][p] b[p][j]`, in f64, from any views (read element by element).
fn naive<T: Float>(a: &Tensor<T>, b: &Tensor<T>) -> Vec<f64> {
    let (m, k, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
    let (av, bv) = (a.to_vec(), b.to_vec());
    let mut c = vec![0.0; m * n];
    for i in 0..m {
        for p in 0..k {
            let aip = av[i * k + p].to_f64();
            for j in 0..n {
                c[i * n + j] += aip * bv[p * n + j].to_f64();
            }
        }
    }
    c
}

/// `sum_p |a[i][p]| |b[p][j]|`, the scale of the rounding error of element `(i, j)`.
fn abs_products<T: Float>(a: &Tensor<T>, b: &Tensor<T>) -> Vec<f64> {
    naive(&a.abs(), &b.abs())
}

/// Asserts `|c - exact| <= k (eps_T + eps_f64) sum_p |a_ip| |b_pj|` elementwise.
///
/// Derivation: a sum of `k` products computed in any order (sequential, blocked by `KC`, with or
/// without fused multiply-adds) satisfies `|fl(s) - s| <= gamma_k sum |a_ip b_pj|` with
/// `gamma_k = k u / (1 - k u)` and unit roundoff `u = eps / 2` (Higham, *Accuracy and Stability
/// of Numerical Algorithms*, sec. 3.1). Here `k u < 0.01`, so `gamma_k < 1.01 k u < k eps`. The f64
/// reference has the same kind of error with `eps_f64`; the two add.
fn assert_within_rounding<T: Float>(c: &Tensor<T>, a: &Tensor<T>, b: &Tensor<T>, what: &str) {
    let k = a.shape()[1] as f64;
    let want = naive(a, b);
    let scale = abs_products(a, b);
    let eps = T::EPSILON.to_f64() + f64::EPSILON;
    assert_eq!(c.shape(), &[a.shape()[0], b.shape()[1]], "{what}");
    for (idx, ((got, w), s)) in c.to_vec().iter().zip(&want).zip(&scale).enumerate() {
        let err = (got.to_f64() - w).abs();
        assert!(
            err <= k * eps * s,
            "{what}: element {idx}: {got} vs {w} (bound {})",
            k * eps * s
        );
    }
}

/// Pseudo-random values in [-1, 1) from a hash of the index (no RNG state to thread around).
fn noise(i: usize, seed: u64) -> f64 {
    let mut x = (i as u64 ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)).wrapping_add(0x2545_F491);
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    (x >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// Small integers in -4..=4: products and sums of up to 70 * 16 terms are exact in f32.
fn small_int(i: usize, seed: u64) -> f64 {
    ((noise(i, seed) + 1.0) * 4.5).floor() - 4.0
}

/// How an operand is laid out in memory; every variant shows the same `rows x cols` values.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Layout {
    RowMajor,
    /// `t()` of a row-major `cols x rows` tensor (column-major).
    Transposed,
    /// Columns `2..2 + cols` of a wider row-major tensor (gaps between rows).
    RowGaps,
    /// Every other element of each row (column stride 2), via `select` on a trailing axis.
    ElementGaps,
    /// The transpose of an `ElementGaps` matrix (row stride 2, large column stride).
    TransposedGaps,
}

const LAYOUTS: [Layout; 5] = [
    Layout::RowMajor,
    Layout::Transposed,
    Layout::RowGaps,
    Layout::ElementGaps,
    Layout::TransposedGaps,
];

/// A `rows x cols` view with layout `layout` whose element `(i, j)` is `val(i * cols + j)`.
fn matrix<T: Float>(
    rows: usize,
    cols: usize,
    layout: Layout,
    val: impl Fn(usize) -> f64,
) -> Tensor<T> {
    let v = |i: usize, j: usize| T::from_f64(val(i * cols + j));
    let t = match layout {
        Layout::RowMajor => Tensor::from_fn(&[rows, cols], |x| v(x / cols.max(1), x % cols.max(1))),
        Layout::Transposed => {
            let base = Tensor::from_fn(&[cols, rows], |x| v(x % rows.max(1), x / rows.max(1)));
            base.unwrap().t()
        }
        Layout::RowGaps => {
            let w = cols + 5;
            let wide = Tensor::from_fn(&[rows, w], |x| {
                let (i, j) = (x / w, x % w);
                if (2..2 + cols).contains(&j) {
                    v(i, j - 2)
                } else {
                    T::NAN
                }
            });
            wide.unwrap().narrow(1, 2, cols)
        }
        Layout::ElementGaps => {
            let pairs = Tensor::from_fn(&[rows, cols, 2], |x| {
                let (i, j, s) = (x / (2 * cols.max(1)), x / 2 % cols.max(1), x % 2);
                if s == 1 { v(i, j) } else { T::NAN }
            });
            pairs.unwrap().select(2, 1)
        }
        Layout::TransposedGaps => {
            let pairs = Tensor::from_fn(&[cols, rows, 2], |x| {
                let (j, i, s) = (x / (2 * rows.max(1)), x / 2 % rows.max(1), x % 2);
                if s == 0 { v(i, j) } else { T::NAN }
            });
            pairs.unwrap().select(2, 0).and_then(|t| t.t())
        }
    }
    .unwrap();
    // The construction itself is checked, so a wrong view cannot make a test pass vacuously.
    let want: Vec<f64> = (0..rows * cols)
        .map(|x| T::from_f64(val(x)).to_f64())
        .collect();
    let got: Vec<f64> = t.to_vec().iter().map(|x| x.to_f64()).collect();
    assert_eq!(got, want, "{layout:?} view");
    if rows > 1 && cols > 1 {
        assert_eq!(layout == Layout::RowMajor, t.is_contiguous(), "{layout:?}");
    }
    t
}

fn exact_case<T: Float>(m: usize, k: usize, n: usize, la: Layout, lb: Layout, isa: Isa) {
    let a = matrix::<T>(m, k, la, |i| small_int(i, 1));
    let b = matrix::<T>(k, n, lb, |i| small_int(i, 2));
    let c = a.matmul_isa(&b, isa).unwrap();
    assert_eq!(c.shape(), &[m, n]);
    let got: Vec<f64> = c.to_vec().iter().map(|x| x.to_f64()).collect();
    assert_eq!(got, naive(&a, &b), "{m}x{k}x{n} {la:?} {lb:?} {isa:?}");
}

#[test]
fn equals_the_triple_loop_for_every_size_to_17() {
    let max = if cfg!(miri) { 3 } else { 17 };
    for isa in Isa::available() {
        for m in 0..=max {
            for k in 0..=max {
                for n in 0..=max {
                    exact_case::<f32>(m, k, n, Layout::RowMajor, Layout::RowMajor, isa);
                }
            }
        }
    }
}

#[test]
fn every_layout_pair_equals_the_triple_loop() {
    // One product small enough for the direct loop, one through the packed kernels, one with a
    // narrow output (the loop compiled per width when `B` is row-major), and one packed product
    // with two `KC` stretches and full and edge `B` micro-panels for every kernel's `NR` (a
    // transposed `B` packs its whole micro-panels by a register transpose, `gemm/kernel/x86.rs`).
    let sizes: &[(usize, usize, usize)] = if cfg!(miri) {
        &[(2, 2, 3), (5, 3, 9)]
    } else {
        &[(3, 2, 4), (37, 41, 43), (37, 41, 3), (9, 300, 70)]
    };
    for isa in Isa::available() {
        for &(m, k, n) in sizes {
            for la in LAYOUTS {
                for lb in LAYOUTS {
                    exact_case::<f64>(m, k, n, la, lb, isa);
                    if !cfg!(miri) {
                        exact_case::<f32>(m, k, n, la, lb, isa);
                    }
                }
            }
        }
    }
}

/// Sizes one either side of every kernel's blocking constants (`gemm/blocking.rs` and the
/// kernels' `MR x NR`: MR 4, 6, 8; NR 4, 8, 16, 32; MC 96, 128, 192; KC 256; NC 2048, 4096),
/// with the other two dimensions large enough to take the packed path (except where a dimension
/// of at most 4 sends the product to the direct or per-width loop). The unit tests in
/// `gemm/tests.rs` derive the same kind of sizes from the constants themselves and call the
/// packed path with every kernel.
fn boundary_shapes() -> Vec<(usize, usize, usize)> {
    if cfg!(miri) {
        return vec![(5, 3, 9), (3, 9, 17), (9, 5, 4)];
    }
    let near = |x: usize| [x - 1, x, x + 1];
    let mut shapes = Vec::new();
    for x in [4, 6, 8].into_iter().flat_map(near) {
        shapes.push((x, 131, 97));
    }
    for x in [4, 8, 16, 32].into_iter().flat_map(near) {
        shapes.push((61, 131, x));
    }
    for x in [96, 128, 192].into_iter().flat_map(near) {
        shapes.push((x, 40, 40));
    }
    for x in [256, 512].into_iter().flat_map(near) {
        shapes.push((30, x, 30));
    }
    for x in [2048, 4096].into_iter().flat_map(near) {
        shapes.push((13, 20, x));
    }
    shapes.extend([(127, 129, 131), (2048, 255, 255), (200, 300, 100)]);
    // Narrow outputs, long sums: the per-width loop, in blocks of 4 rows and a remainder.
    shapes.extend([(1030, 700, 3), (4999, 20, 4), (3, 2000, 1)]);
    shapes
}

#[test]
fn block_boundaries_stay_within_the_rounding_bound() {
    for (m, k, n) in boundary_shapes() {
        let a32 = matrix::<f32>(m, k, Layout::RowMajor, |i| noise(i, 3));
        let b32 = matrix::<f32>(k, n, Layout::RowMajor, |i| noise(i, 4));
        let (a64, b64) = (a32.cast::<f64>(), b32.cast::<f64>());
        for isa in Isa::available() {
            let what = format!("{m}x{k}x{n} {isa:?}");
            assert_within_rounding(&a32.matmul_isa(&b32, isa).unwrap(), &a32, &b32, &what);
            assert_within_rounding(&a64.matmul_isa(&b64, isa).unwrap(), &a64, &b64, &what);
        }
    }
}

#[test]
fn avx2_and_avx512_kernels_give_the_same_bits() {
    // Both sum each element with fused multiply-adds in the same order, split at the same `KC`,
    // so which SIMD family a CPU has does not change a result.
    if !(Isa::Avx2Fma.is_available() && Isa::Avx512.is_available()) {
        return; // nothing to compare on this CPU (or under Miri)
    }
    // The last two have outputs narrow enough that the AVX-512 f32 kernel computes them as
    // `C^T = B^T A^T`; the AVX2 one does so for the first of them and computes (100, 300, 12)
    // as it stands.
    for (m, k, n) in [
        (127, 600, 131),
        (40, 33, 1000),
        (300, 257, 45),
        (256, 128, 10),
        (100, 300, 12),
    ] {
        let a = matrix::<f32>(m, k, Layout::RowMajor, |i| noise(i, 20));
        let b = matrix::<f32>(k, n, Layout::Transposed, |i| noise(i, 21));
        let c2 = a.matmul_isa(&b, Isa::Avx2Fma).unwrap();
        assert!(
            c2.bitwise_eq(&a.matmul_isa(&b, Isa::Avx512).unwrap()),
            "{m}x{k}x{n} f32"
        );
        let (a, b) = (a.cast::<f64>(), b.cast::<f64>());
        let c2 = a.matmul_isa(&b, Isa::Avx2Fma).unwrap();
        assert!(
            c2.bitwise_eq(&a.matmul_isa(&b, Isa::Avx512).unwrap()),
            "{m}x{k}x{n} f64"
        );
    }
}

#[test]
fn stride_zero_operands_match_their_materialised_copies() {
    // A broadcast row (row stride 0) and a broadcast column (column stride 0).
    let (m, k, n) = if cfg!(miri) { (5, 3, 9) } else { (40, 33, 50) };
    let row = matrix::<f64>(1, k, Layout::RowMajor, |i| small_int(i, 5));
    let col = matrix::<f64>(k, 1, Layout::RowMajor, |i| small_int(i, 6));
    let a = row.broadcast_to(&[m, k]).unwrap();
    let b = col.broadcast_to(&[k, n]).unwrap();
    assert_eq!(a.layout().strides(), &[0, 1]);
    for isa in Isa::available() {
        let c = a.matmul_isa(&b, isa).unwrap();
        let want = a.contiguous().matmul_isa(&b.contiguous(), isa).unwrap();
        assert!(c.bitwise_eq(&want), "{isa:?}");
        let got: Vec<f64> = c.to_vec();
        assert_eq!(got, naive(&a, &b));
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

/// The same product on pools of 1, 2 and 4 threads, and called from this thread (outside any
/// pool: the caller and the GEMM's helper threads share it), gives the same bits (and the right
/// values).
fn same_bits_on_every_pool<T: Float>(pools: &[rayon::ThreadPool], a: &Tensor<T>, b: &Tensor<T>) {
    let one = pools[0].install(|| a.matmul(b)).unwrap();
    if a.ndim() == 2 && b.ndim() == 2 {
        assert_within_rounding(&one, a, b, "1 thread");
    }
    assert!(rayon::current_thread_index().is_none());
    let outside = a.matmul(b).unwrap();
    assert!(
        outside.bitwise_eq(&one),
        "outside any pool vs 1 thread: {:?} @ {:?}",
        a.shape(),
        b.shape()
    );
    for p in &pools[1..] {
        let c = p.install(|| a.matmul(b)).unwrap();
        let threads = p.current_num_threads();
        assert!(
            c.bitwise_eq(&one),
            "{threads} threads vs 1: {:?} @ {:?}",
            a.shape(),
            b.shape()
        );
    }
}

#[test]
fn results_are_bitwise_identical_for_1_2_and_4_threads() {
    let pools = [pool(1), pool(2), pool(4)];
    if cfg!(miri) {
        // Miri runs the threaded split (its threshold is tiny there) on sizes it can afford.
        let a = matrix::<f32>(9, 5, Layout::RowMajor, |i| noise(i, 7));
        let b = matrix::<f32>(5, 7, Layout::Transposed, |i| noise(i, 8));
        same_bits_on_every_pool(&pools, &a, &b);
        // Fewer rows than a micro-panel: column strips.
        let a = matrix::<f32>(3, 4, Layout::RowMajor, |i| noise(i, 9));
        let b = matrix::<f32>(4, 70, Layout::RowMajor, |i| noise(i, 10));
        same_bits_on_every_pool(&pools, &a, &b);
        return;
    }
    // Each case is at least `PAR_MIN_MULS` multiply-adds, so the pools of 2 and 4 really split
    // it: bands of rows of a large product (with a transposed operand, in f32 and f64), column
    // strips of a wide one with fewer rows than a micro-panel, and a batch of products each too
    // small to split.
    let threaded = |muls: usize| {
        assert!(
            muls >= tensor::gemm::PAR_MIN_MULS,
            "{muls} multiply-adds run on one thread"
        );
    };
    let (m, k, n) = (300, 200, 300);
    threaded(m * k * n);
    let a = matrix::<f32>(m, k, Layout::RowMajor, |i| noise(i, 7));
    let b = matrix::<f32>(k, n, Layout::Transposed, |i| noise(i, 8));
    same_bits_on_every_pool(&pools, &a, &b);
    same_bits_on_every_pool(&pools, &a.cast::<f64>(), &b.cast::<f64>());
    let (m, k, n) = (5, 1200, 3000);
    threaded(m * k * n);
    let a = matrix::<f32>(m, k, Layout::RowMajor, |i| noise(i, 9));
    let b = matrix::<f32>(k, n, Layout::RowMajor, |i| noise(i, 10));
    same_bits_on_every_pool(&pools, &a, &b);
    let (s, m, k, n) = (6000, 12, 16, 16);
    threaded(s * m * k * n);
    let a = Tensor::<f32>::from_fn(&[s, m, k], |i| noise(i, 11) as f32).unwrap();
    let b = Tensor::<f32>::from_fn(&[s, k, n], |i| noise(i, 12) as f32).unwrap();
    same_bits_on_every_pool(&pools, &a, &b);
}

#[test]
fn batched_products_broadcast_and_match_each_matrix() {
    let (m, k, n) = if cfg!(miri) { (5, 3, 9) } else { (40, 50, 30) };
    // [3, m, k] @ [k, n], and a permuted (strided) batch [2, 1, k, m]^T-ish @ [3, k, n].
    let a = Tensor::<f64>::from_fn(&[3, m, k], |i| small_int(i, 13)).unwrap();
    let b = matrix::<f64>(k, n, Layout::Transposed, |i| small_int(i, 14));
    let c = a.matmul(&b).unwrap();
    assert_eq!(c.shape(), &[3, m, n]);
    for s in 0..3 {
        let ai = a.select(0, s).unwrap();
        assert_eq!(
            c.select(0, s).unwrap().to_vec(),
            naive(&ai, &b),
            "batch {s}"
        );
    }
    let a = Tensor::<f64>::from_fn(&[2, 1, k, m], |i| small_int(i, 15))
        .unwrap()
        .permute(&[0, 1, 3, 2])
        .unwrap();
    let b = Tensor::<f64>::from_fn(&[3, k, n], |i| small_int(i, 16)).unwrap();
    let c = a.matmul(&b).unwrap();
    assert_eq!(c.shape(), &[2, 3, m, n]);
    for s in 0..2 {
        for t in 0..3 {
            let ai = a.select(0, s).unwrap().select(0, 0).unwrap();
            let bi = b.select(0, t).unwrap();
            let ci = c.select(0, s).unwrap().select(0, t).unwrap();
            assert_eq!(ci.to_vec(), naive(&ai, &bi), "batch {s}, {t}");
        }
    }
}

#[test]
fn unavailable_kernel_families_are_an_error_not_a_fallback() {
    let n = if cfg!(miri) { 6 } else { 20 };
    let a = Tensor::<f32>::ones(&[n, n]).unwrap();
    for isa in [Isa::Portable, Isa::Avx2Fma, Isa::Avx512] {
        let r = a.matmul_isa(&a, isa);
        if isa.is_available() {
            assert_eq!(r.unwrap().to_vec(), vec![n as f32; n * n]);
        } else {
            let e = r.unwrap_err().to_string();
            assert!(
                e.contains("matmul") && e.contains(&format!("{isa:?}")),
                "{e}"
            );
        }
    }
    assert_eq!(Isa::available()[0], Isa::Portable);
    assert!(Isa::available().contains(&Isa::detect()));
}

#[test]
fn two_d_shape_errors_name_both_shapes() {
    let a = Tensor::<f32>::zeros(&[4, 2]).unwrap();
    let b = Tensor::<f32>::zeros(&[3, 4]).unwrap();
    assert_eq!(
        a.matmul(&b).unwrap_err().to_string(),
        "matmul: cannot multiply [4, 2] by [3, 4] (inner dimensions 2 and 3 differ)"
    );
}

/// Proptest's size range (smaller under Miri).
const MAX_DIM: usize = if cfg!(miri) { 6 } else { 70 };

fn layout() -> impl Strategy<Value = Layout> {
    prop::sample::select(LAYOUTS.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 6 } else { 128 },
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_sizes_and_layouts_equal_the_triple_loop(
        m in 0..=MAX_DIM,
        k in 0..=MAX_DIM,
        n in 0..=MAX_DIM,
        la in layout(),
        lb in layout(),
        seed in any::<u64>(),
    ) {
        let a = matrix::<f32>(m, k, la, |i| small_int(i, seed));
        let b = matrix::<f32>(k, n, lb, |i| small_int(i, seed ^ 1));
        let got: Vec<f64> = a.matmul(&b).unwrap().to_vec().iter().map(|x| x.to_f64()).collect();
        prop_assert_eq!(got, naive(&a, &b));
    }
}
