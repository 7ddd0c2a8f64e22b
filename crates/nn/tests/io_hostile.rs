//! Hostile safetensors files: one test per way a file can be wrong. Each builds the file by
//! hand (the 8-byte little-endian header length, the JSON header, the data), writes it, and
//! checks that reading it is an `Error::File` of the right kind whose message names the file
//! and the tensor at fault, and that loading it into a model leaves the model unchanged.

use std::path::PathBuf;

use nn::io::{LoadOptions, load_tensors, load_weights, load_weights_with, read_tensors};
use nn::{Linear, Module, Sequential, sequential};
use tensor::{Error, FileErrorKind as K, Tensor};

/// A file from header text and data bytes.
fn file(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

/// `{"<name>": {"dtype": .., "shape": .., "data_offsets": [..]}}` for each entry.
fn header(entries: &[(&str, &str, &str, [u64; 2])]) -> String {
    let body: Vec<String> = entries
        .iter()
        .map(|(n, d, s, [a, b])| {
            format!(r#""{n}":{{"dtype":"{d}","shape":{s},"data_offsets":[{a},{b}]}}"#)
        })
        .collect();
    format!("{{{}}}", body.join(","))
}

/// A model with parameters `0.weight` [2, 3] and `0.bias` [1, 3], all 7.0.
fn model() -> Sequential<f32> {
    sequential![
        Linear::from_tensors(
            Tensor::full(&[2, 3], 7.0).unwrap(),
            Tensor::full(&[3], 7.0).unwrap()
        )
        .unwrap()
    ]
}

fn unchanged(m: &Sequential<f32>) -> bool {
    m.parameter_values()
        .iter()
        .all(|v| v.to_vec().iter().all(|&x| x == 7.0))
}

fn path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("io_hostile");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}.safetensors"))
}

/// Writes `bytes` as `<name>.safetensors` and checks that both `load_tensors` and a strict
/// `load_weights` fail with `kind`, naming the file and `tensor` and saying `words`, and that
/// the model is unchanged. Returns the message.
fn refused(name: &str, bytes: &[u8], kind: K, tensor: Option<&str>, words: &str) -> String {
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

fn check(e: &Error, file: &str, kind: K, tensor: Option<&str>, words: &str) {
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
fn valid() -> Vec<u8> {
    let h = header(&[
        ("0.weight", "F32", "[2,3]", [0, 24]),
        ("0.bias", "F32", "[1,3]", [24, 36]),
    ]);
    file(&h, &[0u8; 36])
}

#[test]
fn the_valid_file_of_these_tests_loads() {
    let mut m = model();
    let p = path("valid");
    std::fs::write(&p, valid()).unwrap();
    let report = load_weights(&mut m, &p).unwrap();
    assert_eq!(report.loaded, ["0.weight", "0.bias"]);
    assert!(
        m.parameter_values()
            .iter()
            .all(|v| v.to_vec().iter().all(|&x| x == 0.0))
    );
}

#[test]
fn a_file_shorter_than_the_length_prefix_is_truncated() {
    refused("short", &[1, 0, 0], K::Truncated, None, "3 bytes");
    refused("empty", &[], K::Truncated, None, "0 bytes");
}

#[test]
fn a_header_length_beyond_the_file_is_truncated() {
    let mut bytes = valid();
    bytes.truncate(20); // inside the header
    refused("cut-header", &bytes, K::Truncated, None, "only 12 follow");
}

#[test]
fn a_file_cut_inside_the_data_names_the_tensor_that_runs_past_the_end() {
    let mut bytes = valid();
    bytes.truncate(bytes.len() - 5); // the bias loses 5 of its 12 bytes
    refused(
        "cut-data",
        &bytes,
        K::OffsetsOutOfRange,
        Some("0.bias"),
        "truncated",
    );
}

#[test]
fn a_header_length_above_the_cap_is_refused_before_reading_on() {
    let mut bytes = u64::MAX.to_le_bytes().to_vec();
    bytes.extend_from_slice(b"{}");
    refused(
        "huge-header",
        &bytes,
        K::HeaderTooLarge,
        None,
        "above the cap of 100000000",
    );
    // A cap of our own, below a valid file's header.
    let p = path("capped");
    std::fs::write(&p, valid()).unwrap();
    let mut m = model();
    let e =
        load_weights_with(&mut m, &p, &LoadOptions::default().max_header_bytes(16)).unwrap_err();
    check(
        &e,
        &p.display().to_string(),
        K::HeaderTooLarge,
        None,
        "cap of 16",
    );
    assert!(unchanged(&m));
}

#[test]
fn a_header_that_is_not_utf8_is_refused() {
    let mut bytes = valid();
    bytes[10] = 0xff;
    refused("not-utf8", &bytes, K::HeaderNotUtf8, None, "not UTF-8");
}

#[test]
fn a_header_that_is_not_json_is_refused() {
    refused(
        "not-json",
        &file("{nope", &[]),
        K::HeaderNotJson,
        None,
        "key must be a string",
    );
    refused(
        "array",
        &file("[1, 2]", &[]),
        K::HeaderNotJson,
        None,
        "JSON object",
    );
}

#[test]
fn an_entry_that_is_not_what_safetensors_describes_is_named() {
    let h = r#"{"0.weight":{"dtype":"F32","shape":[2,3]}}"#;
    refused(
        "no-offsets",
        &file(h, &[]),
        K::HeaderNotJson,
        Some("0.weight"),
        "no 'data_offsets'",
    );
    let h = r#"{"0.weight":{"dtype":"F32","shape":[-2,3],"data_offsets":[0,24]}}"#;
    refused(
        "negative",
        &file(h, &[0; 24]),
        K::HeaderNotJson,
        Some("0.weight"),
        "-2",
    );
    let dims = vec!["1"; 65].join(",");
    let h = header(&[("0.weight", "F32", &format!("[{dims}]"), [0, 4])]);
    refused(
        "rank-65",
        &file(&h, &[0; 4]),
        K::HeaderNotJson,
        Some("0.weight"),
        "more than 64",
    );
}

#[test]
fn a_name_given_twice_is_refused() {
    // serde_json and the safetensors crate would keep the last entry silently.
    let h = header(&[
        ("0.weight", "F32", "[2,3]", [0, 24]),
        ("0.bias", "F32", "[1,3]", [24, 36]),
        ("0.weight", "F32", "[2,3]", [0, 24]),
    ]);
    refused(
        "duplicate",
        &file(&h, &[0; 36]),
        K::DuplicateName,
        Some("0.weight"),
        "appears twice",
    );
}

#[test]
fn overlapping_offsets_are_refused_naming_both_tensors() {
    let h = header(&[
        ("0.weight", "F32", "[2,3]", [0, 24]),
        ("0.bias", "F32", "[1,3]", [20, 32]),
    ]);
    let msg = refused(
        "overlap",
        &file(&h, &[0; 32]),
        K::OffsetsOverlap,
        Some("0.bias"),
        "20..32",
    );
    assert!(msg.contains("'0.weight' (bytes 0..24)"), "{msg}");
}

#[test]
fn offsets_beyond_the_data_are_out_of_range() {
    let h = header(&[
        ("0.weight", "F32", "[2,3]", [0, 24]),
        ("0.bias", "F32", "[1,3]", [u64::MAX - 11, u64::MAX]),
    ]);
    refused(
        "out-of-range",
        &file(&h, &[0; 36]),
        K::OffsetsOutOfRange,
        Some("0.bias"),
        "36 bytes",
    );
}

#[test]
fn offsets_that_end_before_they_start_are_misordered() {
    let h = header(&[
        ("0.weight", "F32", "[2,3]", [0, 24]),
        ("0.bias", "F32", "[1,3]", [36, 24]),
    ]);
    refused(
        "misordered",
        &file(&h, &[0; 36]),
        K::OffsetsMisordered,
        Some("0.bias"),
        "[36, 24]",
    );
}

#[test]
fn bytes_outside_every_tensor_are_refused() {
    // A gap before the bias, then trailing bytes: the format forbids both (hidden data).
    let h = header(&[
        ("0.weight", "F32", "[2,3]", [0, 24]),
        ("0.bias", "F32", "[1,3]", [28, 40]),
    ]);
    refused(
        "gap",
        &file(&h, &[0; 40]),
        K::Uncovered,
        Some("0.bias"),
        "bytes 24..28",
    );
    let mut bytes = valid();
    bytes.extend_from_slice(b"hidden");
    refused("trailing", &bytes, K::Uncovered, None, "bytes 36..42");
}

#[test]
fn a_dtype_or_shape_that_disagrees_with_the_byte_length_is_refused() {
    let h = header(&[
        ("0.weight", "F64", "[2,3]", [0, 24]),
        ("0.bias", "F32", "[1,3]", [24, 36]),
    ]);
    refused(
        "dtype-length",
        &file(&h, &[0; 36]),
        K::ByteLength,
        Some("0.weight"),
        "needs 48 bytes",
    );
    let h = header(&[
        ("0.weight", "F32", "[3,3]", [0, 24]),
        ("0.bias", "F32", "[1,3]", [24, 36]),
    ]);
    refused(
        "shape-length",
        &file(&h, &[0; 36]),
        K::ByteLength,
        Some("0.weight"),
        "hold 24",
    );
}

#[test]
fn a_shape_whose_element_count_overflows_is_refused() {
    let big = format!("[{}, {}, 2]", 1u64 << 32, 1u64 << 32);
    let h = header(&[("0.weight", "F32", &big, [0, 8])]);
    refused(
        "overflow-count",
        &file(&h, &[0; 8]),
        K::SizeOverflow,
        Some("0.weight"),
        "usize",
    );
    // The count fits, its size in bits does not.
    let h = header(&[("0.weight", "F64", &format!("[{}]", 1u64 << 60), [0, 8])]);
    refused(
        "overflow-bits",
        &file(&h, &[0; 8]),
        K::SizeOverflow,
        Some("0.weight"),
        "bits",
    );
}

#[test]
fn an_unknown_dtype_is_refused() {
    let h = header(&[("0.weight", "F7", "[2,3]", [0, 24])]);
    refused(
        "unknown-dtype",
        &file(&h, &[0; 24]),
        K::UnknownDtype,
        Some("0.weight"),
        "'F7'",
    );
}

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

#[test]
fn a_file_that_cannot_be_read_is_named() {
    let p = path("does-not-exist");
    let e = load_tensors(&p).unwrap_err();
    check(&e, &p.display().to_string(), K::Io, None, "cannot read it");
}
