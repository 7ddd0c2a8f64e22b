//! Fuzzes the safetensors loader: any bytes, read as tensors and loaded into a small model in
//! both layouts, must give `Ok` or an `Error::File`, never a panic, an abort or (with
//! `-malloc_limit_mb`) an allocation far beyond the input's size. What is accepted must be
//! consistent: every tensor's bytes lie inside the input, and a failed model load leaves the
//! model as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nn::io::{LoadOptions, load_weights_from_bytes, read_tensors};
use nn::{Linear, Module, ReLU, Sequential, sequential};
use tensor::{Error, Tensor};

fn model() -> Sequential<f32> {
    // Parameters 0.weight [2, 3], 0.bias [1, 3], 2.weight [3, 1], 2.bias [1, 1], all 0.5.
    let lin = |i, o| {
        Linear::from_tensors(
            Tensor::full(&[i, o], 0.5).unwrap(),
            Tensor::full(&[o], 0.5).unwrap(),
        )
        .unwrap()
    };
    sequential![lin(2, 3), ReLU, lin(3, 1)]
}

fuzz_target!(|data: &[u8]| {
    match read_tensors(data, "fuzz") {
        Ok(file) => {
            let bytes: usize = file
                .tensors
                .values()
                .map(|t| {
                    let n: usize = t.shape().iter().product();
                    n * if t.dtype() == "F32" { 4 } else { 8 }
                })
                .sum();
            assert!(bytes <= data.len(), "accepted more elements than the input holds");
        }
        Err(e) => assert!(matches!(e, Error::File { .. }), "{e:?}"),
    }
    for opts in [
        LoadOptions::default(),
        LoadOptions::pytorch().strict(false).convert_dtype(true),
    ] {
        let mut m = model();
        if load_weights_from_bytes(&mut m, data, "fuzz", &opts).is_err() {
            let untouched = m
                .parameter_values()
                .iter()
                .all(|v| v.to_vec().iter().all(|&x| x == 0.5));
            assert!(untouched, "a failed load changed the model");
        }
    }
});
