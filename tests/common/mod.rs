//! Reading the NumPy reference traces in `tests/golden/` and comparing runs against them.

#![allow(dead_code)] // each test file uses its own subset

use std::path::PathBuf;

use serde_json::Value;
use tensor::Tensor;

/// The repository's `tests/golden/` folder.
pub fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// A reference trace: `{"meta": {...}, "arrays": {"name": {"shape": [..], "data": [..]}}}`.
pub struct Golden {
    /// The run's settings.
    pub meta: Value,
    arrays: serde_json::Map<String, Value>,
}

impl Golden {
    /// Loads `tests/golden/{name}`.
    pub fn load(name: &str) -> Golden {
        Golden::load_path(&golden_dir().join(name))
    }

    /// Loads a trace from `path`.
    pub fn load_path(path: &std::path::Path) -> Golden {
        let name = path.display();
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
        let mut v: Value = serde_json::from_str(&text).expect("golden trace is valid JSON");
        let arrays = match v["arrays"].take() {
            Value::Object(m) => m,
            _ => panic!("{name}: no \"arrays\" object"),
        };
        Golden {
            meta: v["meta"].take(),
            arrays,
        }
    }

    /// The array `name` as a tensor.
    pub fn array(&self, name: &str) -> Tensor<f64> {
        let a = self
            .arrays
            .get(name)
            .unwrap_or_else(|| panic!("golden trace has no array {name}"));
        let shape: Vec<usize> = a["shape"]
            .as_array()
            .expect("shape is a list")
            .iter()
            .map(|d| d.as_u64().expect("dimension is an integer") as usize)
            .collect();
        let data: Vec<f64> = a["data"]
            .as_array()
            .expect("data is a list")
            .iter()
            .map(|x| x.as_f64().expect("data holds numbers"))
            .collect();
        Tensor::from_vec(data, &shape).expect("data fits the shape")
    }

    /// The array names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.arrays.keys().map(String::as_str)
    }

    /// `meta.grad_epochs`.
    pub fn grad_epochs(&self) -> Vec<usize> {
        self.meta["grad_epochs"]
            .as_array()
            .expect("grad_epochs is a list")
            .iter()
            .map(|e| e.as_u64().expect("an epoch is an integer") as usize)
            .collect()
    }

    /// `meta.key` as a number.
    pub fn meta_f64(&self, key: &str) -> f64 {
        self.meta[key].as_f64().expect("meta value is a number")
    }
}

/// The largest `|a - b|` between a run's array and NumPy's, asserting equal shapes.
pub fn max_diff(name: &str, ours: &Tensor<f64>, numpy: &Tensor<f64>) -> f64 {
    assert_eq!(ours.shape(), numpy.shape(), "{name}: shapes differ");
    let d = ours.max_abs_diff(numpy).expect("same shapes");
    assert!(!d.is_nan(), "{name}: NaN");
    d
}

/// Asserts that every array of the golden trace `name` is in a run's trace (looked up with
/// `ours`) and within 1e-12 of NumPy's.
pub fn assert_trace_matches<'a>(name: &str, ours: impl Fn(&str) -> Option<&'a Tensor<f64>>) {
    let golden = Golden::load(name);
    let mut worst = (0.0, String::new());
    for array in golden.names() {
        let mine = ours(array).unwrap_or_else(|| panic!("the run's trace has no {array}"));
        let d = max_diff(array, mine, &golden.array(array));
        if d > worst.0 {
            worst = (d, array.to_string());
        }
    }
    assert!(
        worst.0 <= 1e-12,
        "{name}: {} differs by {:e}",
        worst.1,
        worst.0
    );
}

/// Reads `tests/golden/{name}`'s lines.
pub fn golden_lines(name: &str) -> Vec<String> {
    let path = golden_dir().join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
        .lines()
        .map(str::to_string)
        .collect()
}

/// Asserts that `expected`'s lines appear in `output` in order, each matching a whole line
/// character for character (other lines may come between and after them).
pub fn assert_lines_in_order(output: &str, expected: &[String]) {
    let mut lines = output.lines().enumerate();
    for want in expected {
        let found = lines.by_ref().find(|(_, l)| l == want);
        assert!(
            found.is_some(),
            "line {want:?} not found in order in the output:\n{output}"
        );
    }
}
