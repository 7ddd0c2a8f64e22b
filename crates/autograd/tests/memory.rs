//! Memory: dropping a tape frees every node, and a training loop that builds a fresh tape per
//! step holds steady. Measured with a counting global allocator (this file is its own test binary
//! and holds one test): the live heap bytes after step 10,000 must equal those after step 100.
//! Only the test's own thread is counted: the test harness's threads allocate when they please
//! (its "has been running for over 60 seconds" notice, on a loaded machine), and these products
//! are far too small to reach rayon's workers.

#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};

use autograd::{ParamId, Tape, Tensor};
use tensor::NumpyRng;

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    /// Set on the test's thread only. A `const` initialiser, so reading it never allocates.
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

/// Adds `bytes` to the live count if the current thread is the counted one.
fn count(bytes: isize) {
    if COUNTED.try_with(Cell::get).unwrap_or(false) {
        LIVE.fetch_add(bytes, Ordering::Relaxed);
    }
}

// SAFETY is not ours to give here: the workspace forbids `unsafe` outside the GEMM kernels, but a
// `GlobalAlloc` impl is `unsafe` by definition. It only forwards to `System` and counts.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: forwarded with the caller's layout, which GlobalAlloc's contract makes valid.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: `ptr` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// The lesson's XOR network, one SGD step on a fresh tape: the parameters go in by id, the
/// gradients come out by id, and the tape is dropped at the end of the step.
fn step(params: &mut [Tensor<f64>; 4], ids: &[ParamId; 4], x: &Tensor<f64>, y: &Tensor<f64>) {
    let tape = Tape::<f64>::new();
    let [w1, b1, w2, b2] = std::array::from_fn(|i| tape.param(ids[i], &params[i]));
    let (x, y) = (tape.constant(x.clone()), tape.constant(y.clone()));
    let a1 = x.matmul(&w1).unwrap().add(&b1).unwrap().relu().unwrap();
    let a2 = a1.matmul(&w2).unwrap().add(&b2).unwrap().sigmoid().unwrap();
    let loss = y.sub(&a2).unwrap().square().unwrap().mean().unwrap();
    let grads = loss.backward().unwrap();
    for (p, id) in params.iter_mut().zip(ids) {
        *p = p.sub(&grads.param(*id).unwrap().mul_scalar(0.5)).unwrap();
    }
}

#[test]
fn a_dropped_tape_frees_its_nodes_and_training_holds_steady() {
    COUNTED.with(|c| c.set(true));
    let x = Tensor::<f64>::from_vec(vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0], &[4, 2]).unwrap();
    let y = Tensor::<f64>::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[4, 1]).unwrap();
    let mut rng = NumpyRng::new(42);
    let mut params = [
        rng.randn_tensor(&[2, 4]).unwrap().mul_scalar(0.5),
        Tensor::zeros(&[1, 4]).unwrap(),
        rng.randn_tensor(&[4, 1]).unwrap().mul_scalar(0.5),
        Tensor::zeros(&[1, 1]).unwrap(),
    ];
    let ids = [(); 4].map(|_| ParamId::fresh());

    // A tape with 1,000 nodes holds memory; dropping it (and its vars) gives all of it back.
    let before = live();
    {
        let tape = Tape::<f64>::new();
        let mut v = tape.var(Tensor::ones(&[8]).unwrap());
        for _ in 0..1000 {
            v = v.tanh().unwrap();
        }
        let g = v.sum().unwrap().backward().unwrap();
        assert!(live() > before + 1000 * 64, "the nodes are on the heap");
        drop((g, v, tape));
    }
    assert_eq!(live(), before, "dropping the tape freed every node");

    for _ in 0..100 {
        step(&mut params, &ids, &x, &y);
    }
    let after_100 = live();
    for _ in 100..10_000 {
        step(&mut params, &ids, &x, &y);
    }
    let after_10k = live();
    assert_eq!(
        after_10k, after_100,
        "live heap bytes after step 10,000 vs after step 100"
    );
    // And the steps were real ones: 10,000 of them reproduce the lesson's XOR run under NumPy
    // (lesson_xor.py, seed 42, lr 0.5; final weights from shared/golden/xor_seed42.json, which
    // NumPy 2.4 wrote in float64). The run stalls with three dead ReLUs, as the golden README
    // explains; a perturbation of one ulp moves its final weights by under 1e-15, so the tape's
    // different summation order must still agree to 1e-12.
    let golden: [&[f64]; 4] = [
        &[
            0.5383414010751647,
            -0.06913215058559233,
            1.3093131705364118,
            1.329494396195199,
            0.5241300636775297,
            -0.11706847847459027,
            1.299338501869904,
            1.3316353087984543,
        ],
        &[
            -0.5404757234883846,
            0.0,
            -1.335532838983522,
            -1.3507976831566988,
        ],
        &[
            -0.8936645151616626,
            0.27128002179298233,
            -2.0845357133459816,
            -2.1174252701015197,
        ],
        &[0.692943241714375],
    ];
    for (p, want) in params.iter().zip(golden) {
        for (a, b) in p.to_vec().iter().zip(want) {
            assert!((a - b).abs() <= 1e-12, "{a} vs NumPy's {b}");
        }
    }
}
