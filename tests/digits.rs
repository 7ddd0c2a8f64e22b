//! The digits example: its data file, its flags, and a short training run that must generalise
//! to the held-out images.

#[allow(dead_code)]
#[path = "../examples/digits.rs"]
mod digits;

use digits::{Config, parse_digits};

fn parse(args: &[&str]) -> Result<Option<Config>, String> {
    Config::from_args(args.iter().map(|s| s.to_string()))
}

#[test]
fn the_data_file_holds_scikit_learns_1797_digits() {
    let d = parse_digits(include_str!("../examples/data/digits.csv")).unwrap();
    assert_eq!(d.x.shape(), &[1797, 64]);
    // sklearn.datasets.load_digits(): np.bincount(y)
    let mut counts = [0; 10];
    for &l in &d.labels {
        counts[l] += 1;
    }
    assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    // The first image (a 0): row 0 of load_digits().data is 0, 0, 5, 13, 9, 1, 0, 0, ...
    let first: Vec<f32> = d.x.narrow(0, 0, 1).unwrap().to_vec();
    assert_eq!(
        &first[..6],
        &[0.0, 0.0, 5.0 / 16.0, 13.0 / 16.0, 9.0 / 16.0, 1.0 / 16.0]
    );
    assert!(d.x.to_vec().iter().all(|&p| (0.0..=1.0).contains(&p)));
}

#[test]
fn malformed_rows_are_errors_naming_the_line() {
    let header = "label,".to_string()
        + &(0..64)
            .map(|i| format!("p{i}"))
            .collect::<Vec<_>>()
            .join(",");
    let row = |label: &str, pixel: &str| format!("{label},{pixel}{}", ",0".repeat(63));
    let cases = [
        (
            format!("{header}\n{}\n1,2,3", row("1", "0")),
            "line 3: 3 fields, expected 65",
        ),
        (
            format!("{header}\n{}", row("10", "0")),
            "line 2: label 10 is not a digit",
        ),
        (
            format!("{header}\n{}", row("1", "17")),
            "line 2: pixel 17 is outside 0..16",
        ),
        (
            format!("{header}\n{}", row("1", "x")),
            "line 2: field 1 is not a small integer",
        ),
    ];
    for (csv, want) in cases {
        let e = parse_digits(&csv).unwrap_err().to_string();
        assert!(e.contains("digits.csv") && e.contains(want), "{e}");
    }
}

#[test]
fn flags_set_the_config_and_bad_ones_say_why() {
    let c = parse(&[]).unwrap().unwrap();
    assert_eq!(c, Config::default());
    assert_eq!((c.seed, c.quiet, c.plot), (0, false, None));
    let c = parse(&[
        "--seed=3",
        "--epochs",
        "2",
        "--hidden",
        "16",
        "--lr",
        "0.01",
        "--batch-size",
        "8",
        "--quiet",
        "--no-nudge",
        "--plot",
        "p",
    ])
    .unwrap()
    .unwrap();
    assert_eq!((c.seed, c.epochs, c.hidden, c.batch_size), (3, 2, 16, 8));
    assert_eq!((c.lr, c.quiet, c.nudge), (0.01, true, false));
    assert_eq!(c.plot.as_deref(), Some(std::path::Path::new("p")));
    assert_eq!(parse(&["-h"]).unwrap(), None);
    for (args, want) in [
        (
            &["--epochs", "0"][..],
            "--epochs expects a positive integer, got '0'",
        ),
        (&["--lr", "-1"], "--lr expects a positive number"),
        (&["--seed"], "--seed needs a value"),
        (&["--bogus"], "unknown argument '--bogus'"),
    ] {
        let e = parse(args).unwrap_err();
        assert!(
            e.starts_with("digits: ") && e.contains(want),
            "{args:?}: {e}"
        );
    }
}

#[test]
fn a_short_run_generalises_to_the_held_out_digits() {
    // A smaller configuration than the example's (64 hidden units, 4 epochs, no shifted
    // copies): scikit-learn's MLPClassifier(64,) reaches 96.7-97.5% when trained to
    // convergence; four epochs of Adam get most of the way there.
    let config = Config {
        epochs: 4,
        hidden: 64,
        nudge: false,
        seed: 5,
        ..Config::default()
    };
    let mut out = Vec::new();
    let report = digits::run(&config, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(report.test_accuracy >= 0.93, "{text}");
    // Stratified 80/20: 360 test images, each class in proportion (36 or 37, 35 for the 8s:
    // see nn's stratified-split test for the arithmetic).
    let rows: Vec<usize> = (0..10)
        .map(|t| (0..10).map(|p| report.confusion.count(t, p)).sum())
        .collect();
    assert_eq!(rows, vec![36, 37, 35, 37, 36, 36, 36, 36, 35, 36]);
    // The printout: one line per epoch (not a terminal), the accuracy, the matrix.
    let epochs = text.lines().filter(|l| l.starts_with("Epoch ")).count();
    assert_eq!(epochs, 4, "{text}");
    let want = format!("Test accuracy: {:.2}%", 100.0 * report.test_accuracy);
    assert!(text.lines().any(|l| l == want), "{text}");
    assert!(text.contains(&format!("{}", report.confusion)));
    assert_eq!(report.history.series("val_accuracy").len(), 4);
    // --quiet drops the epoch lines, not the results.
    let mut out = Vec::new();
    digits::run(
        &Config {
            quiet: true,
            epochs: 1,
            ..config
        },
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        !text.contains("Epoch ") && text.contains("Test accuracy: "),
        "{text}"
    );
}

#[test]
fn plot_writes_the_three_pictures() {
    let dir = std::env::temp_dir().join(format!("tapegrad-digits-{}", std::process::id()));
    let config = Config {
        epochs: 1,
        hidden: 16,
        nudge: false,
        quiet: true,
        plot: Some(dir.clone()),
        ..Config::default()
    };
    digits::run(&config, &mut Vec::new()).unwrap();
    for name in ["training.svg", "confusion.svg", "misclassified.svg"] {
        let svg = std::fs::read_to_string(dir.join(name)).unwrap();
        roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn saved_weights_load_back_and_give_the_same_test_accuracy_without_training() {
    let dir = std::env::temp_dir().join(format!("tapegrad-digits-io-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("digits.safetensors");
    let base = Config {
        epochs: 2,
        hidden: 32,
        nudge: false,
        quiet: true,
        seed: 4,
        ..Config::default()
    };
    let mut out = Vec::new();
    let trained = digits::run(
        &Config {
            save: Some(file.clone()),
            ..base.clone()
        },
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("Saved the weights to "), "{text}");
    let mut out = Vec::new();
    let loaded = digits::run(
        &Config {
            load: Some(file.clone()),
            ..base.clone()
        },
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        loaded.history.is_empty() && !text.contains("Trained"),
        "{text}"
    );
    assert_eq!(loaded.test_accuracy, trained.test_accuracy);
    assert_eq!(loaded.confusion, trained.confusion);
    // Weights of another shape, or no file, are errors naming the file.
    let e = digits::run(
        &Config {
            load: Some(file.clone()),
            hidden: 8,
            ..base.clone()
        },
        &mut Vec::new(),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("digits.safetensors"), "{e}");
    let missing = dir.join("missing.safetensors");
    let e = digits::run(
        &Config {
            load: Some(missing),
            ..base
        },
        &mut Vec::new(),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("missing.safetensors"), "{e}");
}
