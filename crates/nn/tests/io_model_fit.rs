//! Valid safetensors files that do not fit the model they are loaded into: a dtype tapegrad
//! does not hold, names the model lacks or the file lacks, other shapes, another dtype. Strict
//! loads refuse them naming the file and the tensor; nothing changes until all is checked.

mod io_common;

use io_common::{check, file, header, model, path, unchanged};
use nn::Module;
use nn::io::{LoadOptions, load_weights, load_weights_with, read_tensors};
use tensor::{Error, FileErrorKind as K};

#[test]
fn a_dtype_tapegrad_does_not_hold_is_refused_by_load_tensors_and_skipped_when_not_needed() {
    let h = header(&[
        ("0.weight", "F32", "[2,3]", [0, 24]),
        ("0.bias", "F32", "[1,3]", [24, 36]),
        ("steps", "I64", "[]", [36, 44]),
    ]);
    let bytes = file(&h, &[0; 44]);
    let e = read_tensors(&bytes, "mixed.safetensors").unwrap_err();
    check(
        &e,
        "mixed.safetensors",
        K::UnsupportedDtype,
        Some("steps"),
        "I64",
    );
    // A PyTorch state_dict may carry integer buffers (num_batches_tracked): non-strict skips.
    let p = path("int-buffer");
    std::fs::write(&p, &bytes).unwrap();
    let mut m = model();
    let r = load_weights_with(&mut m, &p, &LoadOptions::default().strict(false)).unwrap();
    assert_eq!(
        (r.loaded.len(), r.unexpected),
        (2, vec!["steps".to_string()])
    );
}

#[test]
fn a_name_the_model_lacks_is_refused_when_strict_and_reported_otherwise() {
    let h = header(&[
        ("0.weight", "F32", "[2,3]", [0, 24]),
        ("0.bias", "F32", "[1,3]", [24, 36]),
        ("1.weight", "F32", "[]", [36, 40]),
    ]);
    let bytes = file(&h, &[0; 40]);
    let p = path("unexpected");
    std::fs::write(&p, &bytes).unwrap();
    let mut m = model();
    let e = load_weights(&mut m, &p).unwrap_err();
    check(
        &e,
        &p.display().to_string(),
        K::UnexpectedName,
        Some("1.weight"),
        "strict(false)",
    );
    assert!(unchanged(&m));
    let r = load_weights_with(&mut m, &p, &LoadOptions::default().strict(false)).unwrap();
    assert_eq!(r.unexpected, ["1.weight"]);
    assert_eq!(r.loaded, ["0.weight", "0.bias"]);
}

#[test]
fn a_parameter_the_file_lacks_is_refused_when_strict_and_reported_otherwise() {
    let h = header(&[("0.weight", "F32", "[2,3]", [0, 24])]);
    let p = path("missing");
    std::fs::write(&p, file(&h, &[0; 24])).unwrap();
    let mut m = model();
    let e = load_weights(&mut m, &p).unwrap_err();
    check(
        &e,
        &p.display().to_string(),
        K::MissingName,
        Some("0.bias"),
        "no tensor of its name",
    );
    assert!(unchanged(&m));
    let r = load_weights_with(&mut m, &p, &LoadOptions::default().strict(false)).unwrap();
    assert_eq!(
        (r.loaded, r.missing),
        (vec!["0.weight".to_string()], vec!["0.bias".to_string()])
    );
    // The missing one is left as it was, the loaded one set.
    assert_eq!(m.parameter_values()[0].to_vec(), vec![0.0; 6]);
    assert_eq!(m.parameter_values()[1].to_vec(), vec![7.0; 3]);
}

#[test]
fn a_shape_that_differs_from_the_models_is_refused_before_anything_changes() {
    // The weight is fine and comes first; the bias is [3] where tapegrad's layout has [1, 3].
    let h = header(&[
        ("0.weight", "F32", "[2,3]", [0, 24]),
        ("0.bias", "F32", "[3]", [24, 36]),
    ]);
    let p = path("shape");
    std::fs::write(&p, file(&h, &[0; 36])).unwrap();
    let mut m = model();
    let e = load_weights(&mut m, &p).unwrap_err();
    check(
        &e,
        &p.display().to_string(),
        K::ShapeMismatch,
        Some("0.bias"),
        "[3], the model needs [1, 3]",
    );
    assert!(
        e.to_string().contains("PyTorch's layout"),
        "no layout hint: {e}"
    );
    assert!(unchanged(&m), "the weight was set before the bias failed");
    // Non-strict loading checks shapes too.
    let e = load_weights_with(&mut m, &p, &LoadOptions::default().strict(false)).unwrap_err();
    assert!(matches!(
        e,
        Error::File {
            kind: K::ShapeMismatch,
            ..
        }
    ));
    assert!(unchanged(&m));
}

#[test]
fn a_dtype_that_differs_from_the_models_is_refused_unless_conversion_is_asked_for() {
    let h = header(&[
        ("0.weight", "F64", "[2,3]", [0, 48]),
        ("0.bias", "F64", "[1,3]", [48, 72]),
    ]);
    let data: Vec<u8> = (0..9)
        .flat_map(|i| (f64::from(i) + 0.1).to_le_bytes())
        .collect();
    let p = path("dtype");
    std::fs::write(&p, file(&h, &data)).unwrap();
    let mut m = model();
    let e = load_weights(&mut m, &p).unwrap_err();
    check(
        &e,
        &p.display().to_string(),
        K::DtypeMismatch,
        Some("0.weight"),
        "F64 and the model F32",
    );
    assert!(unchanged(&m));
    let r = load_weights_with(&mut m, &p, &LoadOptions::default().convert_dtype(true)).unwrap();
    assert_eq!(r.converted, ["0.weight", "0.bias"]);
    // f64 -> f32 rounds to nearest, as `as f32` does.
    assert_eq!(
        m.parameter_values()[1].to_vec(),
        vec![6.1f64 as f32, 7.1f64 as f32, 8.1f64 as f32]
    );
}
