//! A model declared with `sequential!` and the same model written by hand give identical
//! outputs and gradients, and a builder-made one is the same again.

use autograd::{Tape, Var};
use nn::loss::mse;
use nn::{Linear, Module, ReLU, Sequential, Sigmoid, sequential};
use tensor::{NumpyRng, Result, Tensor};

/// The lesson's XOR network written out: `sigmoid(relu(x @ W1 + b1) @ W2 + b2)`.
struct HandWritten {
    w1: Tensor<f64>,
    b1: Tensor<f64>,
    w2: Tensor<f64>,
    b2: Tensor<f64>,
}

impl HandWritten {
    /// The output and the four leaves it was computed from.
    fn forward(&self, tape: &Tape<f64>, x: &Var<f64>) -> Result<(Var<f64>, [Var<f64>; 4])> {
        let leaves = [&self.w1, &self.b1, &self.w2, &self.b2].map(|t| tape.var(t.clone()));
        let [w1, b1, w2, b2] = &leaves;
        let a1 = x.matmul(w1)?.add(b1)?.relu()?;
        let out = a1.matmul(w2)?.add(b2)?.sigmoid()?;
        Ok((out, leaves))
    }
}

#[test]
fn sequential_macro_builder_and_hand_written_models_agree_bit_for_bit() {
    let mut rng = NumpyRng::new(42);
    let w = HandWritten {
        w1: rng.randn_tensor(&[2, 4]).unwrap(),
        b1: rng.randn_tensor(&[1, 4]).unwrap(),
        w2: rng.randn_tensor(&[4, 1]).unwrap(),
        b2: rng.randn_tensor(&[1, 1]).unwrap(),
    };
    let values = [w.w1.clone(), w.b1.clone(), w.w2.clone(), w.b2.clone()];
    let mut by_macro = sequential![
        Linear::<f64>::new(2, 4, &mut rng).unwrap(),
        ReLU,
        Linear::new(4, 1, &mut rng).unwrap(),
        Sigmoid
    ];
    by_macro.set_parameters(&values).unwrap();
    let mut by_builder = Sequential::new()
        .add(Linear::<f64>::new(2, 4, &mut rng).unwrap())
        .add(ReLU)
        .add(Linear::new(4, 1, &mut rng).unwrap())
        .add(Sigmoid);
    by_builder.set_parameters(&values).unwrap();

    let x = rng.randn_tensor::<f64>(&[6, 2]).unwrap();
    let y = rng.uniform_tensor::<f64>(&[6, 1], 0.0, 1.0).unwrap();

    let tape = Tape::new();
    let (out, leaves) = w.forward(&tape, &tape.constant(x.clone())).unwrap();
    let grads = mse(&out, &y).unwrap().backward().unwrap();
    let hand_grads: Vec<&Tensor<f64>> = leaves.iter().map(|v| grads.get(v).unwrap()).collect();

    for model in [&by_macro, &by_builder] {
        let tape = Tape::new();
        let out_m = model.forward(&tape.constant(x.clone())).unwrap();
        assert!(out_m.value().bitwise_eq(out.value()));
        let grads_m = mse(&out_m, &y).unwrap().backward().unwrap();
        for (p, g) in model.parameters().iter().zip(&hand_grads) {
            assert!(grads_m.param(p.id()).unwrap().bitwise_eq(g), "{}", p.name());
        }
    }
}
