//! `Display` for tensors against NumPy's `str(a)`.
//!
//! `data/display_cases.json` holds NumPy 2.4's output for about a thousand arrays (written by
//! `data/make_display_cases.py`: random magnitudes and signs, integers, tiny and huge values,
//! NaN and infinities, ranks 0 to 5 with empty dimensions, wrapped rows, summarised tensors,
//! f32 and f64, precisions 0 to 10 and other print options). Every case must match exactly.

use serde_json::Value;
use tensor::{PrintOptions, Tensor};

const CASES: &str = include_str!("data/display_cases.json");

/// The case's elements in row-major order, as raw bit patterns.
fn case_bits(case: &Value, n: usize) -> Vec<u64> {
    let hex = |v: &Value| {
        let s = v.as_str().expect("fixture: bits are strings");
        u64::from_str_radix(s, 16).expect("fixture: bits are hex")
    };
    if let Some(data) = case.get("data") {
        let bits: Vec<u64> = data
            .as_array()
            .expect("fixture: data is a list")
            .iter()
            .map(hex)
            .collect();
        assert_eq!(bits.len(), n, "{}", case["name"]);
        bits
    } else {
        // np.resize(cycle, shape): the pattern repeated in row-major order.
        let cycle: Vec<u64> = case["cycle"]
            .as_array()
            .expect("fixture: data or cycle")
            .iter()
            .map(hex)
            .collect();
        (0..n).map(|i| cycle[i % cycle.len()]).collect()
    }
}

/// Prints `t` the way the case asks: `{}` for NumPy's defaults, `{:.p}` for a precision alone,
/// `display_with` (and `{:.p}` on top of it) for other options.
fn print<T: tensor::Float>(t: &Tensor<T>, opts: &serde_json::Map<String, Value>) -> String {
    let get = |k: &str| {
        opts.get(k)
            .map(|v| v.as_u64().expect("fixture: option") as usize)
    };
    let precision = get("precision");
    let only_precision = opts.keys().all(|k| k == "precision");
    let defaults = PrintOptions::default();
    let with = PrintOptions {
        precision: defaults.precision,
        linewidth: get("linewidth").unwrap_or(defaults.linewidth),
        threshold: get("threshold").unwrap_or(defaults.threshold),
        edgeitems: get("edgeitems").unwrap_or(defaults.edgeitems),
        suppress: opts
            .get("suppress")
            .is_some_and(|v| v == &Value::Bool(true)),
    };
    match (only_precision, precision) {
        (true, None) => format!("{t}"),
        (true, Some(p)) => format!("{t:.p$}"),
        (false, None) => t.display_with(with).to_string(),
        (false, Some(p)) => format!("{:.p$}", t.display_with(with)),
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "parsing the 266 KB fixture takes five minutes under Miri; display has no unsafe"
)]
fn display_matches_numpy_str_for_every_generated_case() {
    let root: Value = serde_json::from_str(CASES).unwrap();
    let cases = root["cases"].as_array().unwrap();
    assert!(cases.len() > 900, "the fixture lost its cases");
    let mut failures = Vec::new();
    for case in cases {
        let shape: Vec<usize> = case["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        let bits = case_bits(case, shape.iter().product());
        let opts = case["opts"].as_object().unwrap();
        let got = match case["dtype"].as_str().unwrap() {
            "float64" => {
                let data = bits.into_iter().map(f64::from_bits).collect();
                print(&Tensor::<f64>::from_vec(data, &shape).unwrap(), opts)
            }
            "float32" => {
                let data = bits.into_iter().map(|b| f32::from_bits(b as u32)).collect();
                print(&Tensor::<f32>::from_vec(data, &shape).unwrap(), opts)
            }
            other => panic!("unknown dtype {other}"),
        };
        let want = case["str"].as_str().unwrap();
        if got != want {
            failures.push(format!(
                "{} ({}, shape {:?}, opts {:?}):\n numpy: {want:?}\n   ours: {got:?}",
                case["name"], case["dtype"], shape, opts
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from NumPy:\n{}",
        failures.len(),
        cases.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}

/// A tensor from the lesson's JSON traces (`{"shape": [..], "data": [row-major f64]}`); the
/// numbers are copied from /work/shared/golden/xor_seed42.json (Python's round-trip repr).
fn golden(shape: &[usize], data: &[f64]) -> Tensor<f64> {
    Tensor::from_slice(data, shape).expect("golden shapes match their data")
}

#[test]
fn rounded_xor_weights_print_as_in_the_lessons_stdout() {
    // xor_seed42.stdout prints `np.round(W, 4)` for the initial and final W1 and W2.
    let w1_init = golden(
        &[2, 4],
        &[
            0.24835707650561634,
            -0.06913215058559233,
            0.32384426905034625,
            0.7615149282040127,
            -0.11707668736166799,
            -0.11706847847459027,
            0.7896064077536957,
            0.3837173645764544,
        ],
    );
    let w2_init = golden(
        &[4, 1],
        &[
            -0.23473719296747605,
            0.27128002179298233,
            -0.23170884640623113,
            -0.23286487678512843,
        ],
    );
    let w1_final = golden(
        &[2, 4],
        &[
            0.5383414010751647,
            -0.06913215058559233,
            1.3093131705364118,
            1.329494396195199,
            0.5241300636775297,
            -0.11706847847459027,
            1.299338501869904,
            1.3316353087984543,
        ],
    );
    let w2_final = golden(
        &[4, 1],
        &[
            -0.8936645151616626,
            0.27128002179298233,
            -2.0845357133459816,
            -2.1174252701015197,
        ],
    );
    assert_eq!(
        w1_init.round(4).to_string(),
        "[[ 0.2484 -0.0691  0.3238  0.7615]\n [-0.1171 -0.1171  0.7896  0.3837]]"
    );
    assert_eq!(
        w2_init.round(4).to_string(),
        "[[-0.2347]\n [ 0.2713]\n [-0.2317]\n [-0.2329]]"
    );
    assert_eq!(
        w1_final.round(4).to_string(),
        "[[ 0.5383 -0.0691  1.3093  1.3295]\n [ 0.5241 -0.1171  1.2993  1.3316]]"
    );
    assert_eq!(
        w2_final.round(4).to_string(),
        "[[-0.8937]\n [ 0.2713]\n [-2.0845]\n [-2.1174]]"
    );
    // `{:.4}` is np.set_printoptions(precision=4): the same text without rounding the data.
    assert_eq!(format!("{w1_init:.4}"), w1_init.round(4).to_string());
}

#[test]
fn neuron_inputs_print_as_in_the_lessons_stdout() {
    // neuron.stdout: "Inputs: [0.5 0.8]" and "Weights: [ 0.3 -0.1]".
    let x = Tensor::<f64>::from_vec(vec![0.5, 0.8], &[2]).unwrap();
    let w = Tensor::<f64>::from_vec(vec![0.3, -0.1], &[2]).unwrap();
    assert_eq!(format!("Inputs: {x}"), "Inputs: [0.5 0.8]");
    assert_eq!(format!("Weights: {w}"), "Weights: [ 0.3 -0.1]");
    // The same values in f32 print the same: float32's shortest digits of 0.8 are "0.8".
    assert_eq!(x.cast::<f32>().to_string(), "[0.5 0.8]");
}

#[test]
fn views_print_their_logical_elements() {
    // a = np.arange(6.).reshape(2, 3) / 4
    let a = Tensor::<f64>::arange(0.0, 6.0, 1.0)
        .unwrap()
        .reshape(&[2, 3])
        .unwrap()
        .div_scalar(4.0);
    // str(a.T) == '[[0.   0.75]\n [0.25 1.  ]\n [0.5  1.25]]'
    assert_eq!(
        a.t().unwrap().to_string(),
        "[[0.   0.75]\n [0.25 1.  ]\n [0.5  1.25]]"
    );
    // str(a[:, 1:]) == '[[0.25 0.5 ]\n [1.   1.25]]'
    assert_eq!(
        a.narrow(1, 1, 2).unwrap().to_string(),
        "[[0.25 0.5 ]\n [1.   1.25]]"
    );
    // str(np.broadcast_to(a[0], (2, 3))) == '[[0.   0.25 0.5 ]\n [0.   0.25 0.5 ]]'
    assert_eq!(
        a.select(0, 0)
            .unwrap()
            .broadcast_to(&[2, 3])
            .unwrap()
            .to_string(),
        "[[0.   0.25 0.5 ]\n [0.   0.25 0.5 ]]"
    );
    // str(a[1, 2]) == '1.25' (a rank-0 view with an offset)
    assert_eq!(
        a.select(0, 1).unwrap().select(0, 2).unwrap().to_string(),
        "1.25"
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "a million elements take minutes under Miri; the display code has no unsafe"
)]
fn a_million_elements_print_only_their_corners() {
    // str(np.arange(1e6).reshape(1000, 1000)) under NumPy 2.4.
    let t = Tensor::<f64>::arange(0.0, 1e6, 1.0)
        .unwrap()
        .reshape(&[1000, 1000])
        .unwrap();
    let want = concat!(
        "[[0.00000e+00 1.00000e+00 2.00000e+00 ... 9.97000e+02 9.98000e+02\n",
        "  9.99000e+02]\n",
        " [1.00000e+03 1.00100e+03 1.00200e+03 ... 1.99700e+03 1.99800e+03\n",
        "  1.99900e+03]\n",
        " [2.00000e+03 2.00100e+03 2.00200e+03 ... 2.99700e+03 2.99800e+03\n",
        "  2.99900e+03]\n",
        " ...\n",
        " [9.97000e+05 9.97001e+05 9.97002e+05 ... 9.97997e+05 9.97998e+05\n",
        "  9.97999e+05]\n",
        " [9.98000e+05 9.98001e+05 9.98002e+05 ... 9.98997e+05 9.98998e+05\n",
        "  9.98999e+05]\n",
        " [9.99000e+05 9.99001e+05 9.99002e+05 ... 9.99997e+05 9.99998e+05\n",
        "  9.99999e+05]]",
    );
    assert_eq!(t.to_string(), want);
}

#[test]
fn debug_shows_dtype_and_shape_before_the_numpy_text() {
    let t = Tensor::<f32>::from_vec(vec![1.0, -2.5], &[2]).unwrap();
    assert_eq!(format!("{t:?}"), "Tensor<float32>[2] [ 1.  -2.5]");
}

#[test]
fn extreme_options_behave_like_numpy() {
    // Each expectation is NumPy 2.4's str(a) under np.printoptions with the same options.
    let a = Tensor::<f64>::from_vec(vec![0.1, 1.0 / 3.0, -2.0], &[3]).unwrap();
    let d = PrintOptions::default();
    // precision=100: no value needs more than its 17 shortest digits.
    assert_eq!(
        format!("{a:.100}"),
        "[ 0.1                 0.3333333333333333 -2.                ]"
    );
    // linewidth=0: one element per line.
    let narrow = PrintOptions { linewidth: 0, ..d };
    assert_eq!(
        a.display_with(narrow).to_string(),
        "[ 0.1\n  0.33333333\n -2.        ]"
    );
    // threshold=0, edgeitems=sys.maxsize: summarised, but no axis is long enough to cut.
    let all = PrintOptions {
        threshold: 0,
        edgeitems: usize::MAX,
        ..d
    };
    assert_eq!(
        a.display_with(all).to_string(),
        "[ 0.1         0.33333333 -2.        ]"
    );
    // threshold=0, edgeitems=0: NumPy keeps only "..." and the last item of each axis.
    let m = Tensor::<f64>::arange(0.0, 6.0, 1.0)
        .unwrap()
        .reshape(&[2, 3])
        .unwrap();
    let none = PrintOptions {
        threshold: 0,
        edgeitems: 0,
        ..d
    };
    assert_eq!(m.display_with(none).to_string(), "[...\n [... 5.]]");
    // precision=100, suppress=True: the smallest subnormal rounds to 0 at 100 places.
    let tiny = Tensor::<f64>::from_vec(vec![5e-324, 1.0], &[2]).unwrap();
    let suppress = PrintOptions {
        suppress: true,
        ..d
    };
    assert_eq!(format!("{:.100}", tiny.display_with(suppress)), "[0. 1.]");
}
