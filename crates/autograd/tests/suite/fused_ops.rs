//! The fused ops a small model's training step records: `linear` (`x @ W + b` as one node) and
//! `softmax_cross_entropy` (one node with the `(softmax(z) s - y) / n` rule), and ReLU's masked
//! backward. Each is checked against an independent reference: the composed ops it replaces
//! (values bit for bit), central differences of the value (first order) and of the gradient
//! (second order, through `backward_with_graph`), and hand-derived numbers.

#![allow(clippy::unwrap_used)]

use autograd::{GradcheckOptions, Result, Tape, Tensor, Var, gradcheck};
use tensor::NumpyRng;

fn t(v: &[f64], s: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(v.to_vec(), s).unwrap()
}

fn randn(rng: &mut NumpyRng, shape: &[usize]) -> Tensor<f64> {
    rng.randn_tensor(shape).unwrap()
}

fn passes(f: impl Fn(&[Var<f64>]) -> Result<Var<f64>>, inputs: &[Tensor<f64>]) {
    let report = gradcheck(f, inputs, &GradcheckOptions::default()).unwrap();
    assert!(report.passed(), "{report}");
}

/// `x -> d/dx sum(f(x) * w)` for every input, flattened and joined: gradcheck of it checks the
/// Hessian-vector products of `f`, i.e. that its backward rule differentiates correctly.
fn gradient_of(
    f: impl Fn(&[Var<f64>]) -> Result<Var<f64>>,
    w: Tensor<f64>,
) -> impl Fn(&[Var<f64>]) -> Result<Var<f64>> {
    move |v| {
        let tape = v[0].tape().clone();
        let g = f(v)?
            .mul(&tape.constant(w.clone()))?
            .sum()?
            .backward_with_graph()?;
        let parts = v
            .iter()
            .map(|x| match g.get_var(x) {
                Some(gx) => gx.flatten(),
                None => Ok(tape.constant(Tensor::zeros(&[x.value().len()])?)),
            })
            .collect::<Result<Vec<_>>>()?;
        Var::concat(&parts.iter().collect::<Vec<_>>(), 0)
    }
}

#[test]
fn linear_is_one_node_with_the_values_and_gradients_of_matmul_plus_add() {
    let mut rng = NumpyRng::new(5);
    for bias_shape in [&[1, 4][..], &[4]] {
        let (x, w, b) = (
            randn(&mut rng, &[5, 3]),
            randn(&mut rng, &[3, 4]),
            randn(&mut rng, bias_shape),
        );
        let tape = Tape::new();
        let (xv, wv, bv) = (
            tape.var(x.clone()),
            tape.var(w.clone()),
            tape.var(b.clone()),
        );
        let before = tape.len();
        let fused = xv.linear(&wv, &bv).unwrap();
        assert_eq!(tape.len(), before + 1, "one node");
        let composed = xv.matmul(&wv).unwrap().add(&bv).unwrap();
        assert!(fused.value().bitwise_eq(composed.value()));
        // Weighted so that every gradient entry differs.
        let weights = tape.constant(randn(&mut rng, &[5, 4]));
        let gf = fused
            .mul(&weights)
            .unwrap()
            .sum()
            .unwrap()
            .backward()
            .unwrap();
        let gc = composed
            .mul(&weights)
            .unwrap()
            .sum()
            .unwrap()
            .backward()
            .unwrap();
        for v in [&xv, &wv, &bv] {
            assert_eq!(gf.get(v).unwrap().shape(), v.shape());
            assert!(gf.get(v).unwrap().bitwise_eq(gc.get(v).unwrap()));
        }
        let inputs = [x, w, b];
        passes(|v| v[0].linear(&v[1], &v[2])?.tanh(), &inputs);
        passes(
            gradient_of(
                |v| v[0].linear(&v[1], &v[2])?.tanh(),
                randn(&mut rng, &[5, 4]),
            ),
            &inputs,
        );
    }
}

#[test]
fn linear_falls_back_to_the_two_ops_for_vectors_and_batches() {
    let tape = Tape::<f64>::new();
    let w = tape.var(t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]));
    let b = tape.var(t(&[10.0, 20.0], &[2]));
    // [1, 1] @ W + b = [4, 6] + [10, 20]
    let v = tape.constant(t(&[1.0, 1.0], &[2])).linear(&w, &b).unwrap();
    assert_eq!(v.value().to_vec(), vec![14.0, 26.0]);
    let batch = tape.constant(Tensor::ones(&[3, 1, 2]).unwrap());
    assert_eq!(batch.linear(&w, &b).unwrap().shape(), &[3, 1, 2]);
    let e = tape
        .constant(Tensor::ones(&[2, 3]).unwrap())
        .linear(&w, &b)
        .unwrap_err()
        .to_string();
    assert!(e.contains("[2, 3]") && e.contains("[2, 2]"), "{e}");
}

/// `-mean(sum(y * log_softmax(z), axis=1))` composed of separate ops: the reference.
fn composed_cross_entropy(z: &Var<f64>, y: &Tensor<f64>) -> Result<Var<f64>> {
    let y = z.tape().constant(y.clone());
    y.mul(&z.log_softmax(1)?)?.sum_axis(1, false)?.mean()?.neg()
}

#[test]
fn softmax_cross_entropy_matches_the_composed_loss_and_its_derivatives() {
    let mut rng = NumpyRng::new(11);
    let z = randn(&mut rng, &[6, 4]).mul_scalar(3.0);
    let one_hot = Tensor::from_fn(&[6, 4], |k| f64::from(u8::from(k / 4 % 4 == k % 4))).unwrap();
    // Rows that do not sum to 1 (label smoothing gone wrong, weights): the rule scales the
    // softmax by each row's sum.
    let soft = Tensor::from_fn(&[6, 4], |k| 0.1 + 0.2 * (k % 5) as f64).unwrap();
    for y in [one_hot, soft] {
        let tape = Tape::new();
        let zv = tape.var(z.clone());
        let before = tape.len();
        let fused = zv.softmax_cross_entropy(&y).unwrap();
        assert_eq!(tape.len(), before + 1, "one node");
        let composed = composed_cross_entropy(&zv, &y).unwrap();
        assert!(fused.value().bitwise_eq(composed.value()));
        let gf = fused.backward().unwrap();
        let gc = composed.backward().unwrap();
        let diff = gf
            .get(&zv)
            .unwrap()
            .max_abs_diff(gc.get(&zv).unwrap())
            .unwrap();
        // Two formulas for one gradient of size ~0.1: a few ulp apart at most.
        assert!(diff <= 1e-15, "{diff}");
        let target = y.clone();
        passes(
            |v| v[0].softmax_cross_entropy(&target),
            std::slice::from_ref(&z),
        );
        let target = y.clone();
        passes(
            gradient_of(|v| v[0].softmax_cross_entropy(&target), Tensor::scalar(1.0)),
            std::slice::from_ref(&z),
        );
    }
}

#[test]
fn softmax_cross_entropy_gradient_is_the_lessons_delta2() {
    // z = [[0, ln 3], [0, 0]], one-hot y = [[1, 0], [0, 1]]: softmax rows [1/4, 3/4] and
    // [1/2, 1/2], so (p - y) / 2 = [[-3/8, 3/8], [1/4, -1/4]]; with an upstream 2 (loss * 2),
    // twice that. The loss is -(ln(1/4) + ln(1/2)) / 2 = ln(8) / 2.
    let tape = Tape::<f64>::new();
    let z = tape.var(t(&[0.0, 3f64.ln(), 0.0, 0.0], &[2, 2]));
    let y = t(&[1.0, 0.0, 0.0, 1.0], &[2, 2]);
    let loss = z.softmax_cross_entropy(&y).unwrap();
    assert!((loss.value().item().unwrap() - 8f64.ln() / 2.0).abs() < 1e-15);
    let g = loss.mul_scalar(2.0).unwrap().backward().unwrap();
    let want = [-0.75, 0.75, 0.5, -0.5];
    for (a, b) in g.get(&z).unwrap().to_vec().iter().zip(want) {
        assert!((a - b).abs() < 1e-15, "{a} vs {b}");
    }
}

#[test]
fn softmax_cross_entropy_rejects_bad_shapes_naming_the_op() {
    let tape = Tape::<f64>::new();
    let z = tape.var(Tensor::zeros(&[2, 3]).unwrap());
    for y in [
        Tensor::zeros(&[2, 2]).unwrap(),
        Tensor::zeros(&[1, 3]).unwrap(),
    ] {
        let e = z.softmax_cross_entropy(&y).unwrap_err().to_string();
        assert!(
            e.contains("softmax_cross_entropy") && e.contains("[2, 3]"),
            "{e}"
        );
    }
    let v = tape.var(Tensor::zeros(&[3]).unwrap());
    let e = v
        .softmax_cross_entropy(&Tensor::zeros(&[3]).unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("2-D"), "{e}");
    let empty = tape.var(Tensor::zeros(&[0, 3]).unwrap());
    assert!(
        empty
            .softmax_cross_entropy(&Tensor::zeros(&[0, 3]).unwrap())
            .is_err()
    );
}

#[test]
fn relu_backward_is_the_lessons_mask_including_signed_zeros_and_second_order() {
    // d/dx sum(relu(x) * w) = w * (x > 0); the lesson multiplies by the mask, so a negative
    // upstream value at a dead unit gives -0, which the masked copy must keep.
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[-1.0, 0.0, 2.0, 3.0], &[4]));
    let w = tape.constant(t(&[-5.0, 7.0, -2.0, 0.5], &[4]));
    let g = x
        .relu()
        .unwrap()
        .mul(&w)
        .unwrap()
        .sum()
        .unwrap()
        .backward()
        .unwrap();
    let got = g.get(&x).unwrap().to_vec();
    let want: [f64; 4] = [-0.0, 0.0, -2.0, 0.5];
    for (a, b) in got.iter().zip(want) {
        assert_eq!(a.to_bits(), b.to_bits(), "{got:?}");
    }
    // Recorded, the rule is a product with a constant mask: its own derivative is 0 (relu is
    // piecewise linear), and the gradient is still differentiable.
    let gg = x
        .relu()
        .unwrap()
        .square()
        .unwrap()
        .sum()
        .unwrap()
        .backward_with_graph()
        .unwrap();
    let dx = gg.get_var(&x).unwrap(); // 2 relu(x) (x > 0)
    assert_eq!(dx.value().to_vec(), vec![0.0, 0.0, 4.0, 6.0]);
    let d2 = dx.sum().unwrap().backward().unwrap(); // 2 (x > 0)
    assert_eq!(d2.get(&x).unwrap().to_vec(), vec![0.0, 0.0, 2.0, 2.0]);
}
