//! Losses that cannot be misused silently, and `Linear` on vectors: hand-computed values and
//! every error path.

#![allow(clippy::unwrap_used)]

use autograd::Tape;
use nn::loss::{cross_entropy, cross_entropy_with_logits};
use nn::{Linear, Module};
use tensor::{Error, Tensor};

fn t(v: &[f64], s: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(v.to_vec(), s).unwrap()
}

#[test]
fn cross_entropy_refuses_values_outside_0_1_and_points_to_the_logits_form() {
    let tape = Tape::<f64>::new();
    let y = t(&[0.0, 1.0, 1.0, 0.0], &[2, 2]);
    for (bad, at) in [(2.5, 1), (-0.25, 2), (f64::NAN, 3)] {
        let mut v = vec![0.5, 0.5, 0.5, 0.5];
        v[at] = bad;
        let p = tape.var(t(&v, &[2, 2]));
        let e = cross_entropy(&p, &y).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Invalid {
                    op: "cross_entropy",
                    ..
                }
            ),
            "{e:?}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("got {bad} at flat index {at}"))
                && msg.contains("[2, 2]")
                && msg.contains("use cross_entropy_with_logits"),
            "{msg}"
        );
    }
    // The bounds themselves are probabilities: ln(0 + 1e-8) keeps the loss finite.
    let p = tape.var(t(&[0.0, 1.0, 1.0, 0.0], &[2, 2]));
    let loss = cross_entropy(&p, &y).unwrap().value().item().unwrap();
    assert!((loss + (1.0f64 + 1e-8).ln()).abs() < 1e-15, "{loss}");
}

#[test]
fn bce_keeps_its_range_check_and_names_its_logits_form() {
    let tape = Tape::<f64>::new();
    let e = nn::loss::bce(&tape.var(t(&[1.5], &[1])), &t(&[1.0], &[1]))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("bce: ") && e.contains("use bce_with_logits"),
        "{e}"
    );
}

#[test]
fn class_index_targets_give_the_hand_computed_loss_and_gradient() {
    let z = [1.0, 2.0, 3.0, 1.0, 0.0, -1.0];
    let labels = [2usize, 0];
    let tape = Tape::<f64>::new();
    let logits = tape.var(t(&z, &[2, 3]));
    let loss = cross_entropy_with_logits(&logits, &labels).unwrap();
    // Per row: -log_softmax(z)[label] = ln(sum e^z) - z[label]; the loss is their mean and the
    // gradient (softmax(z) - onehot) / 2.
    let mut want_loss = 0.0;
    let mut want_grad = vec![0.0; 6];
    for r in 0..2 {
        let row = &z[r * 3..r * 3 + 3];
        let sum: f64 = row.iter().map(|v| v.exp()).sum();
        want_loss += (sum.ln() - row[labels[r]]) / 2.0;
        for c in 0..3 {
            let onehot = if c == labels[r] { 1.0 } else { 0.0 };
            want_grad[r * 3 + c] = (row[c].exp() / sum - onehot) / 2.0;
        }
    }
    assert!((loss.value().item().unwrap() - want_loss).abs() < 1e-15);
    let g = loss.backward().unwrap().get(&logits).unwrap().to_vec();
    for (a, b) in g.iter().zip(&want_grad) {
        assert!((a - b).abs() < 1e-15, "{g:?} vs {want_grad:?}");
    }
    // The same as the one-hot form, from a slice and from a Vec.
    let onehot = t(&[0.0, 0.0, 1.0, 1.0, 0.0, 0.0], &[2, 3]);
    let dense = cross_entropy_with_logits(&logits, &onehot).unwrap();
    let from_slice = cross_entropy_with_logits(&logits, &labels[..]).unwrap();
    let from_vec = cross_entropy_with_logits(&logits, &labels.to_vec()).unwrap();
    for l in [from_slice, from_vec] {
        assert_eq!(l.value().item().unwrap(), dense.value().item().unwrap());
    }
}

#[test]
fn class_index_targets_are_checked_against_the_logits() {
    let tape = Tape::<f64>::new();
    let logits = tape.var(Tensor::zeros(&[2, 3]).unwrap());
    let e = cross_entropy_with_logits(&logits, &[0, 3]).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Invalid {
                op: "cross_entropy_with_logits",
                ..
            }
        ),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("label 3 of sample 1 is out of range for 3 classes") && msg.contains("[2, 3]"),
        "{msg}"
    );
    let e = cross_entropy_with_logits(&logits, &[0]).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("1 class labels were given for 2 rows"),
        "{e}"
    );
    let flat = tape.var(Tensor::zeros(&[3]).unwrap());
    let e = cross_entropy_with_logits(&flat, &[0, 1, 2]).unwrap_err();
    assert!(matches!(e, Error::Rank { .. }), "{e:?}");
    assert!(e.to_string().contains("[3]"), "{e}");
    let empty = tape.var(Tensor::zeros(&[0, 3]).unwrap());
    let e = cross_entropy_with_logits(&empty, &[]).unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
}

fn layer() -> Linear<f64> {
    Linear::from_tensors(
        t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]),
        t(&[0.5, 0.5, 0.5], &[3]),
    )
    .unwrap()
}

#[test]
fn linear_on_a_vector_returns_a_vector_as_pytorch_does() {
    let lin = layer();
    let tape = Tape::new();
    let x = tape.var(t(&[1.0, -1.0], &[2]));
    let y = lin.forward(&x).unwrap();
    // [1, -1] @ [[1, 2, 3], [4, 5, 6]] + 0.5 = [-2.5, -2.5, -2.5]
    assert_eq!(y.shape(), &[3]);
    assert_eq!(y.value().to_vec(), vec![-2.5, -2.5, -2.5]);
    // d sum(y) / dx = W @ ones = [6, 15]; d/dW = x (outer) ones; d/db = ones.
    let g = y.sum().unwrap().backward().unwrap();
    assert_eq!(g.get(&x).unwrap().to_vec(), vec![6.0, 15.0]);
    let dw = g.param(lin.weight().id()).unwrap().to_vec();
    assert_eq!(dw, vec![1.0, 1.0, 1.0, -1.0, -1.0, -1.0]);
    assert_eq!(g.param(lin.bias().id()).unwrap().to_vec(), vec![1.0; 3]);
    // Batched and stacked inputs keep their leading axes.
    let xb = tape.constant(Tensor::ones(&[4, 1, 2]).unwrap());
    assert_eq!(lin.forward(&xb).unwrap().shape(), &[4, 1, 3]);
    // A vector of the wrong length, or a scalar, is still an error naming the layer.
    let e = lin
        .forward(&tape.constant(Tensor::zeros(&[3]).unwrap()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("Linear(2 -> 3)") && e.contains("[3]"), "{e}");
    let e = lin
        .forward(&tape.constant(Tensor::scalar(1.0)))
        .unwrap_err();
    assert!(e.to_string().contains("Linear(2 -> 3)"), "{e}");
}
