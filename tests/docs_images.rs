//! The committed pictures in `docs/images/` that are drawn from the code stay true to it:
//! `xor-tape.dot` (rendered to `xor-tape.svg` with Graphviz for docs/autograd.md) is what
//! `tape.to_dot()` prints for the lesson's XOR forward pass.
//!
//! After changing the tape or its DOT export, regenerate both with
//! `UPDATE_DOCS=1 cargo test --test docs_images` and `dot -Tsvg docs/images/xor-tape.dot -o docs/images/xor-tape.svg`.

use autograd::Tape;
use tensor::Tensor;

/// The forward pass of docs/autograd.md: the lesson's 2-4-1 network and its MSE loss.
fn xor_tape_dot() -> tensor::Result<String> {
    let tape = Tape::<f64>::new();
    let w1 = tape.var(Tensor::zeros(&[2, 4])?);
    let b1 = tape.var(Tensor::zeros(&[1, 4])?);
    let w2 = tape.var(Tensor::zeros(&[4, 1])?);
    let b2 = tape.var(Tensor::zeros(&[1, 1])?);
    let x = tape.constant(Tensor::zeros(&[4, 2])?);
    let y = tape.constant(Tensor::zeros(&[4, 1])?);
    let z1 = x.matmul(&w1)?.add(&b1)?;
    let a1 = z1.relu()?;
    let z2 = a1.matmul(&w2)?.add(&b2)?;
    let a2 = z2.sigmoid()?;
    let _loss = y.sub(&a2)?.square()?.mean()?;
    Ok(tape.to_dot())
}

#[test]
fn the_xor_tape_picture_is_what_to_dot_prints() {
    let dot = xor_tape_dot().unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/images/xor-tape.dot");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &dot).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        committed, dot,
        "regenerate docs/images/xor-tape.{{dot,svg}} (see this file)"
    );
    // Thirteen nodes: four parameters, the ops of the forward pass, the loss.
    assert!(dot.contains("n12 [label=\"mean []\"]"), "{dot}");
    let svg = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/images/xor-tape.svg"
    ))
    .unwrap();
    assert!(svg.contains("matmul [4, 4]") && svg.contains("sigmoid [4, 1]"));
}
