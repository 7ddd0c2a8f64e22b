//! The examples' plots, parsed back as XML: each SVG has the series, axes, labels and marks a
//! reader would look for, drawn from data whose picture is known in advance.

#[allow(dead_code)]
#[path = "../examples/common/plot.rs"]
mod plot;

use std::path::PathBuf;

use nn::metrics::ConfusionMatrix;
use roxmltree::{Document, Node};

fn temp_svg(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tapegrad-plots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn texts(doc: &Document<'_>) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

fn has_text(doc: &Document<'_>, want: &str) -> bool {
    texts(doc).iter().any(|t| t == want)
}

fn tagged<'a>(doc: &'a Document<'a>, tag: &str) -> Vec<Node<'a, 'a>> {
    doc.descendants().filter(|n| n.has_tag_name(tag)).collect()
}

/// The `(x, y)` points of a polyline.
fn points(n: &Node<'_, '_>) -> Vec<(f64, f64)> {
    n.attribute("points")
        .unwrap_or("")
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

#[test]
fn training_curves_have_a_log_loss_panel_and_an_accuracy_panel() {
    let path = temp_svg("training.svg");
    // A loss falling by 10x per 10 epochs: a straight line on a log axis.
    let loss: Vec<f64> = (0..31).map(|e| 10f64.powf(-(e as f64) / 10.0)).collect();
    let val: Vec<f64> = loss.iter().map(|l| 2.0 * l).collect();
    let acc: Vec<f64> = (0..31).map(|e| 0.5 + e as f64 / 62.0).collect();
    plot::training_curves(
        &path,
        "a known run",
        &[("train", &loss), ("test", &val)],
        &[("train", &acc)],
    )
    .unwrap();
    let svg = read(&path);
    let doc = Document::parse(&svg).unwrap();
    for want in [
        "a known run",
        "loss (log scale)",
        "accuracy",
        "epoch",
        "loss",
        "accuracy (%)",
        "train",
        "test",
    ] {
        assert!(
            has_text(&doc, want),
            "no text '{want}' in {:?}",
            texts(&doc)
        );
    }
    // The series are the 2-pixel-wide polylines with more than 2 points (legend samples
    // have 2): two losses and one accuracy, 31 epochs each.
    let series: Vec<Vec<(f64, f64)>> = tagged(&doc, "polyline")
        .iter()
        .filter(|n| n.attribute("stroke-width") == Some("2"))
        .map(points)
        .filter(|p| p.len() > 2)
        .collect();
    assert_eq!(series.len(), 3);
    assert!(series.iter().all(|s| s.len() == 31));
    // Log scale: equal ratios are equal steps, so the train loss is a straight line (SVG's
    // y grows downwards, so a falling loss has growing y).
    let ys: Vec<f64> = series[0].iter().map(|p| p.1).collect();
    let steps: Vec<f64> = ys.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(steps.iter().all(|&d| d > 0.0), "{ys:?}");
    let (lo, hi) = steps
        .iter()
        .fold((f64::MAX, 0.0f64), |(a, b), &d| (a.min(d), b.max(d)));
    assert!(hi - lo <= 1.0, "not straight on a log axis: {steps:?}"); // pixel rounding only
    // The y labels are losses: 1 and 0.001 at the ends of the range (below 0.01 in scientific
    // notation), 0.1 a third of the way down.
    assert!(
        has_text(&doc, "1") && has_text(&doc, "0.1") && has_text(&doc, "1.0e-3"),
        "{:?}",
        texts(&doc)
    );
}

#[test]
fn decision_regions_paint_each_class_and_draw_every_training_point() {
    let path = temp_svg("regions.svg");
    // Class 1 right of x = 0.5: two regions split by a vertical line.
    let points = [
        (0.0, 0.0, 0),
        (0.2, 1.0, 0),
        (1.0, 0.0, 1),
        (0.9, 0.8, 1),
        (1.0, 1.0, 1),
    ];
    plot::decision_regions(
        &path,
        "half and half",
        &plot::Plane {
            x: (-0.5, 1.5),
            y: (-0.5, 1.5),
            x_name: "x1",
            y_name: "x2",
        },
        |pts| Ok(pts.iter().map(|p| usize::from(p[0] > 0.5)).collect()),
        &points,
        &["left", "right"],
    )
    .unwrap();
    let svg = read(&path);
    let doc = Document::parse(&svg).unwrap();
    for want in ["half and half", "x1", "x2", "left", "right"] {
        assert!(has_text(&doc, want), "no text '{want}'");
    }
    // One rectangle per class per grid row (the runs are merged): both colours, 160 each.
    let fill = |c: &plotters::style::RGBColor| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2);
    let rects = tagged(&doc, "rect");
    let cells = |class: usize| {
        rects
            .iter()
            .filter(|r| r.attribute("fill") == Some(fill(&plot::COLORS[class]).as_str()))
            .count()
    };
    assert_eq!((cells(0), cells(1)), (160, 160));
    // Each point is a filled disc of its class's colour (and a black ring); plus the legend's.
    let discs = |class: usize| {
        tagged(&doc, "circle")
            .iter()
            .filter(|c| c.attribute("fill") == Some(fill(&plot::COLORS[class]).as_str()))
            .count()
    };
    assert_eq!((discs(0), discs(1)), (2 + 1, 3 + 1));
    std::fs::remove_file(&path).unwrap();
    // A classifier that answers for the wrong number of points is an error, not a picture.
    let e = plot::decision_regions(
        &path,
        "t",
        &plot::Plane {
            x: (0.0, 1.0),
            y: (0.0, 1.0),
            x_name: "a",
            y_name: "b",
        },
        |_| Ok(vec![0]),
        &[],
        &["c"],
    )
    .unwrap_err();
    assert!(e.to_string().contains("decision_regions"), "{e}");
}

#[test]
fn the_confusion_heatmap_has_a_cell_and_a_count_per_pair() {
    let path = temp_svg("confusion.svg");
    // 3 classes: class 0 all right (4), class 1 one of 2 wrong, class 2 three right.
    let truth = [0, 0, 0, 0, 1, 1, 2, 2, 2];
    let pred = [0, 0, 0, 0, 1, 2, 2, 2, 2];
    let cm = ConfusionMatrix::new(&pred, &truth, 3).unwrap();
    plot::confusion_heatmap(&path, &cm).unwrap();
    let svg = read(&path);
    let doc = Document::parse(&svg).unwrap();
    let t = texts(&doc);
    for want in [
        "predicted",
        "true",
        "Confusion matrix (test accuracy 88.89%)",
    ] {
        assert!(t.iter().any(|s| s == want), "no '{want}' in {t:?}");
    }
    // Cells: 4 and 3 once, 1 twice (class 1 as 1 and as 2), five zeros; and the class labels
    // 0, 1, 2 on both axes.
    let n = |s: &str| t.iter().filter(|x| *x == s).count();
    assert_eq!(
        (n("4"), n("3"), n("1"), n("0"), n("2")),
        (1, 1, 2 + 2, 5 + 2, 2)
    );
    // 9 filled cells: full share (class 0's diagonal, class 2's) darkest; a zero share white.
    let fills: Vec<&str> = tagged(&doc, "rect")
        .iter()
        .filter_map(|r| r.attribute("fill"))
        .collect();
    assert_eq!(
        fills.iter().filter(|f| **f == "#08306B").count(),
        2,
        "{fills:?}"
    );
    assert!(fills.iter().filter(|f| **f == "#FFFFFF").count() >= 5);
}

#[test]
fn the_digit_grid_titles_each_image_and_draws_its_64_pixels() {
    let path = temp_svg("digits.svg");
    let digit = |k: usize, predicted, truth| plot::Digit {
        pixels: (0..64).map(|i| ((i + k) % 17) as f64 / 16.0).collect(),
        predicted,
        truth,
    };
    let digits = [digit(0, 3, 8), digit(1, 1, 7), digit(2, 9, 4)];
    plot::digit_grid(&path, &digits).unwrap();
    let svg = read(&path);
    let doc = Document::parse(&svg).unwrap();
    for want in [
        "Misclassified test images: 3 (showing 3)",
        "predicted 3, true 8",
        "predicted 1, true 7",
        "predicted 9, true 4",
    ] {
        assert!(has_text(&doc, want), "no '{want}' in {:?}", texts(&doc));
    }
    // Pixel 16 of 16 is black ink, 0 is white paper.
    let rects = tagged(&doc, "rect");
    let black = rects
        .iter()
        .filter(|r| r.attribute("fill") == Some("#000000"))
        .count();
    assert!(black >= 3, "each image has a full-ink pixel");
    assert!(rects.len() >= 3 * 64);
    let bad = [plot::Digit {
        pixels: vec![0.0; 10],
        predicted: 0,
        truth: 1,
    }];
    assert!(plot::digit_grid(&path, &bad).is_err());
}
