//! Helpers of the hostile-file tests (`io_hostile.rs`, `io_model_fit.rs`): files built by hand
//! and the checks every refusal must pass.
#![allow(dead_code)] // each test file uses its own subset

use std::path::PathBuf;

use nn::io::{load_tensors, load_weights};
use nn::{Linear, Module, Sequential, sequential};
use tensor::{Error, FileErrorKind as K, Tensor};

/// A file from header text and data bytes.
pub fn file(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

/// `{"<name>": {"dtype": .., "shape": .., "data_offsets": [..]}}` for each entry.
pub fn header(entries: &[(&str, &str, &str, [u64; 2])]) -> String {
    let body: Vec<String> = entries
        .iter()
        .map(|(n, d, s, [a, b])| {
            format!(r#""{n}":{{"dtype":"{d}","shape":{s},"data_offsets":[{a},{b}]}}"#)
        })
        .collect();
    format!("{{{}}}", body.join(","))
}

/// A model with parameters `0.weight` [2, 3] and `0.bias` [1, 3], all 7.0.
pub fn model() -> Sequential<f32> {
    sequential![
        Linear::from_tensors(
            Tensor::full(&[2, 3], 7.0).unwrap(),
            Tensor::full(&[3], 7.0).unwrap()
        )
        .unwrap()
    ]
}

pub fn unchanged(m: &Sequential<f32>) -> bool {
    m.parameter_values()
        .iter()
        .all(|v| v.to_vec().iter().all(|&x| x == 7.0))
}

pub fn path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("io_hostile");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}.safetensors"))
}

/// Writes `bytes` as `<name>.safetensors` and checks that both `load_tensors` and a strict
/// `load_weights` fail with `kind`, naming the file and `tensor` and saying `words`, and that
/// the model is unchanged. Returns the message.
pub fn refused(name: &str, bytes: &[u8], kind: K, tensor: Option<&str>, words: &str) -> String {
    let p = path(name);
    std::fs::write(&p, bytes).unwrap();
    let e = load_tensors(&p).unwrap_err();
    check(&e, &p.display().to_string(), kind, tensor, words);
    let mut m = model();
    let e2 = load_weights(&mut m, &p).unwrap_err();
    assert_eq!(e2, e, "load_weights and load_tensors disagree");
    assert!(unchanged(&m), "a failed load changed the model");
    e.to_string()
}

pub fn check(e: &Error, file: &str, kind: K, tensor: Option<&str>, words: &str) {
    let msg = e.to_string();
    match e {
        Error::File {
            file: f,
            tensor: t,
            kind: k,
            ..
        } => {
            assert_eq!(*k, kind, "{msg}");
            assert_eq!(f, file, "{msg}");
            assert_eq!(t.as_deref(), tensor, "{msg}");
        }
        other => panic!("not a file error: {other:?}"),
    }
    assert!(
        msg.contains(file),
        "the message does not name the file: {msg}"
    );
    if let Some(t) = tensor {
        assert!(
            msg.contains(&format!("tensor '{t}'")),
            "no tensor name: {msg}"
        );
    }
    assert!(msg.contains(words), "'{words}' not in: {msg}");
}

/// A valid file of the model's two parameters (f32, 24 + 12 bytes).
pub fn valid() -> Vec<u8> {
    let h = header(&[
        ("0.weight", "F32", "[2,3]", [0, 24]),
        ("0.bias", "F32", "[1,3]", [24, 36]),
    ]);
    file(&h, &[0u8; 36])
}
