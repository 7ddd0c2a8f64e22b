//! A chain of 150,000 ops builds, backpropagates and drops on a thread with a 2 MiB stack (the
//! default for spawned test threads, set explicitly here so the claim is what is tested): neither
//! backward nor drop recurses over the graph.

#![allow(clippy::unwrap_used)]

use autograd::{Tape, Tensor};

const OPS: usize = 150_000;

#[test]
fn a_150k_op_chain_builds_backpropagates_and_drops_on_a_2_mib_stack() {
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let tape = Tape::<f64>::new();
            let x = tape.var(Tensor::from_vec(vec![0.5, -0.5], &[2]).unwrap());
            let a = tape.var(Tensor::scalar(1.0));
            // y_0 = x, then OPS ops alternating y = y * a and y = y + 1. With a = 1 each product
            // is exact, so y_k before the k-th product is x + k.
            let mut y = x.clone();
            for i in 0..OPS {
                y = if i % 2 == 0 {
                    y.mul(&a).unwrap()
                } else {
                    y.add_scalar(1.0).unwrap()
                };
            }
            assert_eq!(tape.len(), 2 + OPS);
            let loss = y.sum().unwrap();
            // dL/dx = a^(OPS/2) = 1 for each element. dL/da = sum over products of the value
            // multiplied, summed over both elements: sum_k ((0.5 + k) + (-0.5 + k)) = 2 sum_k k
            // = (n - 1) n for n = OPS/2 products; every partial sum is an integer below 2^53, so
            // exact in any order.
            let n = (OPS / 2) as f64;
            let g = loss.backward().unwrap();
            assert_eq!(g.get(&x).unwrap().to_vec(), vec![1.0, 1.0]);
            assert_eq!(g.get(&a).unwrap().item().unwrap(), (n - 1.0) * n);
            // The recorded backward walks the same chain and appends the rules' own nodes (one
            // product per step for each of x and a, and an add to accumulate a's gradient).
            let before = tape.len();
            let gg = loss.backward_with_graph().unwrap();
            assert_eq!(gg.get(&a).unwrap().item().unwrap(), (n - 1.0) * n);
            assert!(gg.get_var(&a).unwrap().is_tracked());
            assert!(tape.len() >= before + 3 * OPS / 2);
            // Dropping everything here (the tape's node list last) must not recurse either.
            drop((g, gg, loss, y, x, a));
            drop(tape);
        })
        .unwrap();
    worker
        .join()
        .expect("the chain thread overflowed its stack or failed");
}
