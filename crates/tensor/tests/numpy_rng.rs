//! `NumpyRng` against streams NumPy itself produced (`np.random.RandomState(seed)`, NumPy 2.4;
//! see tests/data/README.md). Every value must be equal: integers exactly, floats bitwise.

use serde_json::Value;
use tensor::{NumpyRng, Tensor};

fn load(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn array(v: &Value, key: &str) -> Vec<f64> {
    v["arrays"][key]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn assert_bitwise(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(
            g.to_bits(),
            w.to_bits(),
            "{what}[{i}]: got {g:?}, NumPy {w:?}"
        );
    }
}

fn check_seed(seed: u32, file: &str) {
    let golden = load(file);

    let mut r = NumpyRng::new(seed);
    // randint(0, 2**32, dtype=uint64) is the raw 32-bit stream.
    let raw: Vec<f64> = (0..16).map(|_| f64::from(r.next_u32())).collect();
    assert_bitwise(&raw, &array(&golden, "uint32"), "uint32");
    let mut r = NumpyRng::new(seed);
    let ints: Vec<f64> = (0..16)
        .map(|_| r.randint(0, 1 << 32).unwrap() as f64)
        .collect();
    assert_bitwise(&ints, &array(&golden, "uint32"), "randint(0, 2**32)");

    let mut r = NumpyRng::new(seed);
    let u: Vec<f64> = (0..16).map(|_| r.random_sample()).collect();
    assert_bitwise(&u, &array(&golden, "random_sample"), "random_sample");

    // 17 normals: odd on purpose, so the cached second value of the polar method is exercised.
    let mut r = NumpyRng::new(seed);
    let n: Vec<f64> = (0..17).map(|_| r.randn()).collect();
    assert_bitwise(&n, &array(&golden, "randn"), "randn");
    let mut r = NumpyRng::new(seed);
    let nt = r.randn_tensor::<f64>(&[17]).unwrap();
    assert_bitwise(&nt.to_vec(), &array(&golden, "randn"), "randn_tensor");

    let mut r = NumpyRng::new(seed);
    let ut = r.uniform_tensor::<f64>(&[4, 4], 20.0, 40.0).unwrap();
    assert_bitwise(
        &ut.to_vec(),
        &array(&golden, "uniform_20_40"),
        "uniform(20, 40)",
    );

    for n in [10, 300] {
        let mut r = NumpyRng::new(seed);
        let p: Vec<f64> = r.permutation(n).into_iter().map(|i| i as f64).collect();
        assert_bitwise(
            &p,
            &array(&golden, &format!("permutation_{n}")),
            &format!("permutation({n})"),
        );
    }
}

#[test]
fn seed_42_streams_match_numpy_bit_for_bit() {
    check_seed(42, "numpy_rng_seed42.json");
}

#[test]
fn seed_0_streams_match_numpy_bit_for_bit() {
    check_seed(0, "numpy_rng_seed0.json");
}

#[test]
fn tensors_fill_in_numpy_row_major_order() {
    // np.random.seed(42); np.random.randn(2, 4) draws the same 8 values as randn(8).
    let mut a = NumpyRng::new(42);
    let mut b = NumpyRng::new(42);
    let t = Tensor::<f64>::randn(&[2, 4], &mut a).unwrap();
    let flat: Vec<f64> = (0..8).map(|_| b.randn()).collect();
    assert_eq!(t.to_vec(), flat);
    assert_eq!(t.get(&[1, 0]).unwrap(), flat[4]);
}
