//! Hostile safetensors files: one test per way a file's bytes can be wrong. Each builds the
//! file by hand (the 8-byte little-endian header length, the JSON header, the data), writes
//! it, and checks that reading it is an `Error::File` of the right kind whose message names the
//! file and the tensor at fault, and that loading it into a model leaves the model unchanged.
//! `io_model_fit.rs` has the files that are valid but do not fit the model.

mod io_common;

use io_common::{check, file, header, model, path, refused, unchanged, valid};
use nn::Module;
use nn::io::{LoadOptions, load_tensors, load_weights, load_weights_with};
use tensor::FileErrorKind as K;

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
fn a_file_that_cannot_be_read_is_named() {
    let p = path("does-not-exist");
    let e = load_tensors(&p).unwrap_err();
    check(&e, &p.display().to_string(), K::Io, None, "cannot read it");
}
