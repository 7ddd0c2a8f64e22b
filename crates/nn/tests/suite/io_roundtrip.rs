//! Writing and reading back: named tensors (property-tested over ranks 0-4, size-0 dims, f32
//! and f64, any bit pattern), views, model weights in both layouts, and files with random
//! bytes corrupted (an error or what the bytes say, never a panic).

use std::collections::BTreeMap;
use std::path::PathBuf;

use nn::io::{
    AnyTensor, LoadOptions, SaveOptions, load_tensors, load_weights, load_weights_with,
    read_tensors, save_tensors, save_weights, save_weights_with,
};
use nn::{Linear, Module, ReLU, Sequential, sequential};
use proptest::prelude::*;
use tensor::{Error, FileErrorKind as K, NumpyRng, Tensor};

fn path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("io_roundtrip");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}.safetensors"))
}

/// A tensor of any f32/f64 bit patterns (NaN payloads, infinities, subnormals, -0.0).
fn any_tensor() -> impl Strategy<Value = AnyTensor> {
    let shape = prop::collection::vec(0usize..4, 0..=4);
    (shape, any::<bool>()).prop_flat_map(|(shape, f64s)| {
        let n: usize = shape.iter().product();
        if f64s {
            prop::collection::vec(any::<u64>(), n)
                .prop_map(move |bits| {
                    let v = bits.into_iter().map(f64::from_bits).collect();
                    AnyTensor::F64(Tensor::from_vec(v, &shape).unwrap())
                })
                .boxed()
        } else {
            prop::collection::vec(any::<u32>(), n)
                .prop_map(move |bits| {
                    let v = bits.into_iter().map(f32::from_bits).collect();
                    AnyTensor::F32(Tensor::from_vec(v, &shape).unwrap())
                })
                .boxed()
        }
    })
}

fn named_tensors() -> impl Strategy<Value = BTreeMap<String, AnyTensor>> {
    prop::collection::btree_map("[a-z0-9._]{1,12}", any_tensor(), 0..6)
}

fn written(tensors: &BTreeMap<String, AnyTensor>, name: &str) -> Vec<u8> {
    let p = path(name);
    let list: Vec<(&str, &AnyTensor)> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
    save_tensors(&p, &list).unwrap();
    std::fs::read(&p).unwrap()
}

/// An independent reader for the corruption property: serde_json's own map (no duplicate
/// or layout checks of ours) and `from_le_bytes` at the stated offsets.
fn naive_read(bytes: &[u8]) -> BTreeMap<String, (String, Vec<usize>, Vec<u64>)> {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let data = &bytes[8 + n..];
    let mut out = BTreeMap::new();
    for (name, e) in header.as_object().unwrap() {
        if name == "__metadata__" {
            continue;
        }
        let dtype = e["dtype"].as_str().unwrap().to_string();
        let shape: Vec<usize> = e["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        let (a, b) = (
            e["data_offsets"][0].as_u64().unwrap() as usize,
            e["data_offsets"][1].as_u64().unwrap() as usize,
        );
        let width = if dtype == "F32" { 4 } else { 8 };
        let bits = data[a..b]
            .chunks(width)
            .map(|c| {
                let mut w = [0u8; 8];
                w[..width].copy_from_slice(c);
                u64::from_le_bytes(w)
            })
            .collect();
        out.insert(name.clone(), (dtype, shape, bits));
    }
    out
}

fn bits(t: &AnyTensor) -> Vec<u64> {
    match t {
        AnyTensor::F32(t) => t.to_vec().iter().map(|x| u64::from(x.to_bits())).collect(),
        AnyTensor::F64(t) => t.to_vec().iter().map(|x| x.to_bits()).collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn named_tensors_read_back_bitwise(tensors in named_tensors()) {
        let bytes = written(&tensors, "prop-roundtrip");
        let back = read_tensors(&bytes, "prop").unwrap().tensors;
        prop_assert_eq!(back.len(), tensors.len());
        for (name, t) in &tensors {
            prop_assert!(back[name].bitwise_eq(t), "{name}: {:?} vs {:?}", back[name], t);
        }
    }

    #[test]
    fn corrupted_bytes_give_an_error_or_what_the_bytes_say(
        tensors in named_tensors(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = written(&tensors, "prop-corrupt");
        let header_end = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let mut header_touched = false;
        for (at, x) in &flips {
            let i = at.index(bytes.len());
            header_touched |= i < header_end && x != &0;
            bytes[i] ^= x;
        }
        if let Some(c) = cut {
            bytes.truncate(c.index(bytes.len() + 1));
        }
        match read_tensors(&bytes, "corrupt.safetensors") {
            Ok(file) => {
                // Whatever we accept, a reader without our checks sees the same tensors.
                let naive = naive_read(&bytes);
                prop_assert_eq!(naive.len(), file.tensors.len());
                for (name, t) in &file.tensors {
                    let (dtype, shape, b) = &naive[name];
                    prop_assert_eq!(dtype.as_str(), t.dtype());
                    prop_assert_eq!(&shape[..], t.shape());
                    prop_assert_eq!(b, &bits(t));
                }
            }
            Err(e) => {
                prop_assert!(matches!(e, Error::File { .. }), "{e:?}");
                prop_assert!(e.to_string().contains("corrupt.safetensors"));
                // Flipping data bytes alone never makes a file invalid.
                prop_assert!(header_touched || cut.is_some(), "data flips refused: {e}");
            }
        }
    }
}

#[test]
fn views_are_written_in_their_logical_order() {
    let base = Tensor::<f64>::from_vec((0..12).map(f64::from).collect(), &[3, 4]).unwrap();
    let transposed = base.t().unwrap(); // [4, 3], strides (1, 4)
    let narrowed = base.narrow(1, 1, 2).unwrap(); // [3, 2], offset 1
    let broadcast = Tensor::<f64>::from_vec(vec![1.0, 2.0], &[2])
        .unwrap()
        .broadcast_to(&[3, 2])
        .unwrap(); // stride 0
    assert!(!transposed.is_contiguous() && !narrowed.is_contiguous());
    let p = path("views");
    save_tensors(
        &p,
        &[("t", &transposed), ("n", &narrowed), ("b", &broadcast)],
    )
    .unwrap();
    let back = load_tensors(&p).unwrap();
    let t = back["t"].to::<f64>();
    assert_eq!(t.shape(), &[4, 3]);
    assert_eq!(
        t.to_vec(),
        vec![0., 4., 8., 1., 5., 9., 2., 6., 10., 3., 7., 11.]
    );
    assert_eq!(
        back["n"].to::<f64>().to_vec(),
        vec![1., 2., 5., 6., 9., 10.]
    );
    assert_eq!(back["b"].to::<f64>().to_vec(), vec![1., 2., 1., 2., 1., 2.]);
}

#[test]
fn a_scalar_and_an_empty_tensor_round_trip() {
    let scalar = Tensor::<f32>::scalar(-0.0);
    let empty = Tensor::<f32>::zeros(&[0, 3]).unwrap();
    let p = path("edge");
    save_tensors(&p, &[("s", &scalar), ("e", &empty)]).unwrap();
    let back = load_tensors(&p).unwrap();
    assert_eq!(back["s"].shape(), &[] as &[usize]);
    assert_eq!(
        back["s"].to::<f32>().item().unwrap().to_bits(),
        (-0.0f32).to_bits()
    );
    assert_eq!(back["e"].shape(), &[0, 3]);
}

#[test]
fn saving_refuses_a_repeated_or_reserved_name() {
    let t = Tensor::<f32>::ones(&[2]).unwrap();
    let e = save_tensors(path("dup"), &[("a", &t), ("a", &t)]).unwrap_err();
    assert!(matches!(&e, Error::File { kind: K::DuplicateName, tensor: Some(n), .. } if n == "a"));
    let e = save_tensors(path("reserved"), &[("__metadata__", &t)]).unwrap_err();
    assert!(e.to_string().contains("reserved"), "{e}");
}

fn mlp(seed: u32) -> Sequential<f64> {
    let mut rng = NumpyRng::new(seed);
    sequential![
        Linear::new(5, 4, &mut rng).unwrap(),
        ReLU,
        Linear::new(4, 2, &mut rng).unwrap()
    ]
}

#[test]
fn weights_round_trip_in_both_layouts() {
    let x = Tensor::<f64>::from_fn(&[3, 5], |i| i as f64 / 7.0 - 1.0).unwrap();
    let model = mlp(1);
    for (name, save, load) in [
        ("tapegrad", SaveOptions::default(), LoadOptions::default()),
        ("pytorch", SaveOptions::pytorch(), LoadOptions::pytorch()),
    ] {
        let p = path(&format!("weights-{name}"));
        save_weights_with(&model, &p, &save).unwrap();
        let mut fresh = mlp(2);
        let r = load_weights_with(&mut fresh, &p, &load).unwrap();
        assert_eq!(r.loaded, ["0.weight", "0.bias", "2.weight", "2.bias"]);
        for (a, b) in fresh
            .parameter_values()
            .iter()
            .zip(model.parameter_values())
        {
            assert!(a.bitwise_eq(&b));
        }
        assert!(
            fresh
                .predict(&x)
                .unwrap()
                .bitwise_eq(&model.predict(&x).unwrap())
        );
    }
    // In PyTorch's layout the file holds W.T ([out, in]) and a 1-D bias.
    let file = load_tensors(path("weights-pytorch")).unwrap();
    assert_eq!(file["0.weight"].shape(), &[4, 5]);
    assert_eq!(file["0.bias"].shape(), &[4]);
    let w = model.parameter_values()[0].clone();
    assert!(
        file["0.weight"]
            .to::<f64>()
            .bitwise_eq(&w.t().unwrap().contiguous())
    );
    // And tapegrad's layout loaded as PyTorch's is refused, with a hint.
    let mut fresh = mlp(2);
    let e = load_weights_with(
        &mut fresh,
        path("weights-tapegrad"),
        &LoadOptions::pytorch(),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("looks like tapegrad's layout"),
        "{e}"
    );
}

#[test]
fn a_failed_load_after_good_tensors_leaves_every_parameter_as_it_was() {
    // The file's first three tensors fit; the last ("2.bias") has the wrong shape.
    let model = mlp(1);
    let vals = model.parameter_values();
    let bad = Tensor::<f64>::zeros(&[1, 3]).unwrap();
    let p = path("late-failure");
    save_tensors(
        &p,
        &[
            ("0.weight", &vals[0]),
            ("0.bias", &vals[1]),
            ("2.weight", &vals[2]),
            ("2.bias", &bad),
        ],
    )
    .unwrap();
    let mut target = mlp(2);
    let before = target.parameter_values();
    assert!(load_weights(&mut target, &p).is_err());
    for (a, b) in target.parameter_values().iter().zip(&before) {
        assert!(a.bitwise_eq(b));
    }
    save_weights(&model, &p).unwrap();
    assert!(load_weights(&mut target, &p).is_ok());
}
