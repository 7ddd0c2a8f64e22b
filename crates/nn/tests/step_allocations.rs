//! Heap allocations of a steady-state training step: the lesson's sensors network (240 samples,
//! 2-16-3, ReLU, softmax cross-entropy, plain SGD) through `nn` and the tape. Counted with a
//! counting global allocator; this file is its own test binary and holds one test, so nothing
//! else allocates while it counts.
//!
//! The bound (see docs/performance.md): a step records 7 nodes (two parameters per layer, two
//! `linear` nodes, `relu`, the fused cross-entropy) and computes some 25 tensors. Each tensor is
//! one allocation (its `Arc`, which holds up to 16 elements inline) plus one for a buffer of more
//! than 16 elements; the tape is two (its `Rc` and its node list), its parameter list one, each
//! `linear` node's three inputs one, the gradient store two, the optimizer two per parameter
//! (its copy of the gradient, and the copy-on-write of the parameter, which the tape still
//! holds when `step` runs). That was 69 on 2026-12-01. Since then buffers of 1 KiB and more come
//! back from the tensor buffer pool (`crates/tensor/src/pool.rs`) instead of the allocator: the
//! sensors step's 240-row buffers, a dozen of them, so 57 are left (docs/performance.md), the
//! `Arc`s and the small buffers. Later on 2026-12-02, 44: the optimizer no longer copies
//! gradients nor the parameters the tape holds (SGD writes `w - lr d` into a new buffer), the
//! tape's parameter list is inline, `sum_to` and small folds build no `Vec`, the loss value makes
//! three tensors fewer, and each op node's inputs and rule share one box. The bound leaves room
//! for a few more, and fails if a change
//! brings back per-row or per-node allocations (a `Vec` per strided run, an `Rc` per rule, a
//! hash map per step), which cost tens to hundreds, or stops the pool from serving the step's
//! large buffers (70 without it).

#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use autograd::Tape;
use nn::loss::cross_entropy_with_logits;
use nn::optim::{Optimizer, Sgd};
use nn::{Linear, Module, ReLU, Sequential, sequential};
use tensor::{NumpyRng, Tensor};

/// The system allocator, counting calls to `alloc` (and `realloc`, which may move a buffer).
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// The workspace forbids `unsafe` outside the GEMM kernels, but a `GlobalAlloc` impl is `unsafe`
// by definition. It only forwards to `System` and counts.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout, which GlobalAlloc's contract makes valid.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as `alloc` and `dealloc`: the caller's pointer, layout and size, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// At most this many heap allocations per sensors training step after warm-up (see the module
/// comment for where they come from): 44 measured; 52 leaves room for a few (an extra tensor in
/// a rule) without letting a per-node or per-row allocation back in.
const MAX_ALLOCATIONS_PER_STEP: usize = 52;

/// The lesson's manual backprop for the same network, formula by formula on tensors: the
/// reference the tape's steps must agree with.
fn manual_step(p: &mut [Tensor<f64>; 4], x: &Tensor<f64>, y: &Tensor<f64>, lr: f64) {
    let [w1, b1, w2, b2] = p.clone();
    let n = x.shape()[0] as f64;
    let z1 = x.matmul(&w1).unwrap().add(&b1).unwrap();
    let a1 = z1.relu();
    let a2 = a1
        .matmul(&w2)
        .unwrap()
        .add(&b2)
        .unwrap()
        .softmax(1)
        .unwrap();
    let delta2 = a2.sub(y).unwrap().div_scalar(n);
    let dw2 = a1.t().unwrap().matmul(&delta2).unwrap();
    let db2 = delta2.sum_axis(0, true).unwrap();
    let delta1 = delta2
        .matmul(&w2.t().unwrap())
        .unwrap()
        .mul(&z1.gt_scalar(0.0))
        .unwrap();
    let dw1 = x.t().unwrap().matmul(&delta1).unwrap();
    let db1 = delta1.sum_axis(0, true).unwrap();
    for (w, d) in p.iter_mut().zip([dw1, db1, dw2, db2]) {
        *w = w.sub(&d.mul_scalar(lr)).unwrap();
    }
}

fn step(model: &mut Sequential<f64>, opt: &mut Sgd<f64>, x: &Tensor<f64>, y: &Tensor<f64>) {
    let tape = Tape::new();
    let logits = model.forward(&tape.constant(x.clone())).unwrap();
    let grads = cross_entropy_with_logits(&logits, y)
        .unwrap()
        .backward()
        .unwrap();
    opt.step(model, &grads).unwrap();
}

#[test]
fn a_steady_state_sensors_step_allocates_a_bounded_handful() {
    let mut rng = NumpyRng::new(42);
    let x = rng.randn_tensor::<f64>(&[240, 2]).unwrap();
    let y = Tensor::from_fn(&[240, 3], |k| f64::from(u8::from((k / 3) % 3 == k % 3))).unwrap();
    let mut params = [
        rng.randn_tensor::<f64>(&[2, 16]).unwrap().mul_scalar(0.5),
        Tensor::zeros(&[1, 16]).unwrap(),
        rng.randn_tensor::<f64>(&[16, 3]).unwrap().mul_scalar(0.5),
        Tensor::zeros(&[1, 3]).unwrap(),
    ];
    let mut model = sequential![
        Linear::from_tensors(params[0].clone(), params[1].clone()).unwrap(),
        ReLU,
        Linear::from_tensors(params[2].clone(), params[3].clone()).unwrap(),
    ];
    let mut opt = Sgd::new(0.1);

    for _ in 0..10 {
        step(&mut model, &mut opt, &x, &y);
        manual_step(&mut params, &x, &y, 0.1);
    }
    let steps = 100;
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..steps {
        step(&mut model, &mut opt, &x, &y);
    }
    let per_step = (ALLOCATIONS.load(Ordering::Relaxed) - before) / steps;
    println!("heap allocations per sensors step: {per_step}");
    assert!(
        per_step <= MAX_ALLOCATIONS_PER_STEP,
        "{per_step} allocations per step, more than {MAX_ALLOCATIONS_PER_STEP}"
    );

    // The counted steps were real ones: 110 of them agree with 110 steps of the lesson's manual
    // backprop (the same formulas, in another order of operations for the bias sums, hence a
    // tolerance rather than bitwise equality; one step moves the weights by about 1e-2).
    for _ in 0..steps {
        manual_step(&mut params, &x, &y, 0.1);
    }
    for (p, want) in model.parameters().iter().zip(&params) {
        let diff = p.value().max_abs_diff(want).unwrap();
        assert!(
            diff <= 1e-12,
            "{}: {diff} from the manual backprop",
            p.name()
        );
    }
}
