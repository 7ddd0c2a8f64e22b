//! The examples' pictures, drawn with `plotters` to SVG: training curves, decision regions,
//! a confusion-matrix heatmap and a grid of digit images. Plain data in, one file out; the
//! examples decide what to draw.

use std::error::Error;
use std::path::Path;

use nn::metrics::ConfusionMatrix;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// What a plot function returns.
pub type PlotResult = Result<(), Box<dyn Error>>;

/// Class colours (matplotlib's "tab10").
pub const COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// A series drawn with at most this many points (every k-th epoch beyond it), so a
/// 10,000-epoch run stays a small file.
const MAX_POINTS: usize = 500;

/// `(epoch, value)` points of a per-epoch series (epochs from 1), thinned to [`MAX_POINTS`].
fn points(values: &[f64]) -> Vec<(f64, f64)> {
    let step = values.len().div_ceil(MAX_POINTS).max(1);
    let mut pts: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0 || i + 1 == values.len())
        .map(|(i, &v)| ((i + 1) as f64, v))
        .collect();
    pts.dedup_by_key(|p| p.0.to_bits());
    pts
}

/// A loss for an axis label: three decimals without trailing zeros (`0.25`, `1`), or
/// scientific notation below 0.01 (`3.2e-4`).
pub fn loss_label(v: f64) -> String {
    if v >= 0.01 {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.1e}")
    }
}

/// Two panels in one file: the loss per epoch on a log scale, and the accuracy per epoch
/// (in percent). Each series is `(name, one value per epoch)`; empty series are skipped.
pub fn training_curves(
    path: &Path,
    title: &str,
    losses: &[(&str, &[f64])],
    accuracies: &[(&str, &[f64])],
) -> PlotResult {
    let root = SVGBackend::new(path, (960, 400)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 22))?;
    let (left, right) = root.split_horizontally(480);
    let epochs = losses
        .iter()
        .chain(accuracies)
        .map(|(_, v)| v.len())
        .max()
        .unwrap_or(1)
        .max(2) as f64;

    // The loss, on a log scale: its range from the positive values.
    let positive = losses
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|v| *v > 0.0 && v.is_finite());
    let (lo, hi) = positive.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    // Plotted as log10(loss) on a linear axis labelled with the losses themselves: plotters'
    // own log axis labels only whole decades, which leaves a loss within one decade (XOR's)
    // with a single label.
    let (lo, hi) = if lo <= hi {
        (lo.log10(), hi.log10())
    } else {
        (-3.0, 0.0)
    };
    let pad = ((hi - lo) * 0.05).max(0.05);
    let mut chart = ChartBuilder::on(&left)
        .caption("loss (log scale)", ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(1.0..epochs, (lo - pad)..(hi + pad))?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .x_label_formatter(&|e| format!("{e:.0}"))
        .y_desc("loss")
        .y_label_formatter(&|v| loss_label(10f64.powf(*v)))
        .draw()?;
    for (k, (name, values)) in losses
        .iter()
        .enumerate()
        .filter(|(_, (_, v))| !v.is_empty())
    {
        let color = COLORS[k % COLORS.len()];
        let pts = points(values)
            .into_iter()
            .filter(|&(_, v)| v > 0.0)
            .map(|(e, v)| (e, v.log10()));
        chart
            .draw_series(LineSeries::new(pts, color.stroke_width(2)))?
            .label(*name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;

    // The accuracy axis from a round number below the lowest value to 100%.
    let lowest = accuracies
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(1.0f64, f64::min);
    let floor = (((100.0 * lowest - 5.0) / 10.0).floor() * 10.0).clamp(0.0, 90.0);
    let mut chart = ChartBuilder::on(&right)
        .caption("accuracy", ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(50)
        .build_cartesian_2d(1.0..epochs, floor..100.5)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .x_label_formatter(&|e| format!("{e:.0}"))
        .y_desc("accuracy (%)")
        .y_label_formatter(&|a| format!("{a:.0}"))
        .draw()?;
    for (k, (name, values)) in accuracies
        .iter()
        .enumerate()
        .filter(|(_, (_, v))| !v.is_empty())
    {
        let color = COLORS[k % COLORS.len()];
        let pts = points(values).into_iter().map(|(e, a)| (e, 100.0 * a));
        chart
            .draw_series(LineSeries::new(pts, color.stroke_width(2)))?
            .label(*name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// The plane a decision-region plot covers, and its axis names.
pub struct Plane<'a> {
    /// `(min, max)` of the first input.
    pub x: (f64, f64),
    /// `(min, max)` of the second input.
    pub y: (f64, f64),
    /// The first input's name.
    pub x_name: &'a str,
    /// The second input's name.
    pub y_name: &'a str,
}

/// Grid cells per side of a decision-region plot.
const GRID: usize = 160;

/// The class `classify` gives each point of a grid over `plane`, painted in its class's
/// colour, with the training `points` `(x, y, class)` on top and a legend of `classes`.
/// `classify` gets the grid's points as rows `[x, y]` and returns one class per row.
pub fn decision_regions(
    path: &Path,
    title: &str,
    plane: &Plane<'_>,
    classify: impl Fn(&[[f64; 2]]) -> Result<Vec<usize>, Box<dyn Error>>,
    points: &[(f64, f64, usize)],
    classes: &[&str],
) -> PlotResult {
    let (dx, dy) = (
        (plane.x.1 - plane.x.0) / GRID as f64,
        (plane.y.1 - plane.y.0) / GRID as f64,
    );
    let centres: Vec<[f64; 2]> = (0..GRID * GRID)
        .map(|k| {
            let (i, j) = (k / GRID, k % GRID);
            [
                plane.x.0 + (j as f64 + 0.5) * dx,
                plane.y.0 + (i as f64 + 0.5) * dy,
            ]
        })
        .collect();
    let class = classify(&centres)?;
    if class.len() != centres.len() {
        return Err(format!(
            "decision_regions: {} classes for {} points",
            class.len(),
            centres.len()
        )
        .into());
    }

    let root = SVGBackend::new(path, (640, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(plane.x.0..plane.x.1, plane.y.0..plane.y.1)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(plane.x_name)
        .y_desc(plane.y_name)
        // `+ 0.0` turns -0.0 into 0.0.
        .x_label_formatter(&|v| format!("{:.1}", v + 0.0))
        .y_label_formatter(&|v| format!("{:.1}", v + 0.0))
        .draw()?;
    // One rectangle per run of equal cells in a grid row keeps the file small.
    let mut cells = Vec::new();
    for i in 0..GRID {
        let row = &class[i * GRID..(i + 1) * GRID];
        let mut start = 0;
        for j in 1..=GRID {
            if j == GRID || row[j] != row[start] {
                let (x0, y0) = (plane.x.0 + start as f64 * dx, plane.y.0 + i as f64 * dy);
                let color = COLORS[row[start] % COLORS.len()].mix(0.3).filled();
                cells.push(Rectangle::new(
                    [(x0, y0), (plane.x.0 + j as f64 * dx, y0 + dy)],
                    color,
                ));
                start = j;
            }
        }
    }
    chart.draw_series(cells)?;
    for (c, name) in classes.iter().enumerate() {
        let color = COLORS[c % COLORS.len()];
        let mine = points.iter().filter(|p| p.2 == c);
        chart
            .draw_series(mine.map(|&(x, y, _)| {
                EmptyElement::at((x, y))
                    + Circle::new((0, 0), 5, color.filled())
                    + Circle::new((0, 0), 5, BLACK.stroke_width(1))
            }))?
            .label(*name)
            .legend(move |(x, y)| Circle::new((x + 10, y), 5, color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// The confusion matrix as a heatmap: true class down, predicted class across, each cell
/// shaded by its share of the true class's samples (on a square-root scale, so a single
/// mistake still shows) and labelled with its count.
pub fn confusion_heatmap(path: &Path, cm: &ConfusionMatrix) -> PlotResult {
    let k = cm.classes();
    let kf = k as f64;
    let root = SVGBackend::new(path, (600, 620)).into_drawing_area();
    root.fill(&WHITE)?;
    let caption = format!(
        "Confusion matrix (test accuracy {:.2}%)",
        100.0 * cm.accuracy()
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(50)
        // y runs from k at the bottom to 0 at the top, so true class 0 is the top row.
        .build_cartesian_2d(0.0..kf, kf..0.0)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc("predicted")
        .y_desc("true")
        .draw()?;
    let mut cells = Vec::new();
    for t in 0..k {
        let row: usize = (0..k).map(|p| cm.count(t, p)).sum();
        for p in 0..k {
            let n = cm.count(t, p);
            let share = if row > 0 { n as f64 / row as f64 } else { 0.0 };
            // White to dark blue as the share grows.
            let shade = |c: u8| (255.0 - share.sqrt() * (255.0 - f64::from(c))) as u8;
            let color = RGBColor(shade(8), shade(48), shade(107));
            let (x, y) = (p as f64, t as f64);
            cells.push(Rectangle::new([(x, y), (x + 1.0, y + 1.0)], color.filled()));
        }
    }
    chart.draw_series(cells)?;
    let centred = |size| {
        ("sans-serif", size)
            .into_font()
            .into_text_style(&root)
            .pos(Pos::new(HPos::Center, VPos::Center))
    };
    for t in 0..k {
        let row: usize = (0..k).map(|p| cm.count(t, p)).sum();
        for p in 0..k {
            let n = cm.count(t, p);
            let dark = row > 0 && n as f64 / row as f64 > 0.5;
            let style = centred(15).color(if dark { &WHITE } else { &BLACK });
            let at = (p as f64 + 0.5, t as f64 + 0.5);
            chart.draw_series([Text::new(n.to_string(), at, style)])?;
        }
    }
    // The class labels, beside the rows and under the columns.
    for c in 0..k {
        let mid = c as f64 + 0.5;
        let (x, _) = chart.backend_coord(&(mid, kf));
        let (_, y) = chart.backend_coord(&(0.0, mid));
        let (left, bottom) = chart.backend_coord(&(0.0, kf));
        root.draw(&Text::new(c.to_string(), (x, bottom + 12), centred(14)))?;
        root.draw(&Text::new(c.to_string(), (left - 14, y), centred(14)))?;
    }
    root.present()?;
    Ok(())
}

/// An 8x8 image with the network's answer and the truth.
pub struct Digit {
    /// 64 pixels in [0, 1], row-major.
    pub pixels: Vec<f64>,
    /// The predicted digit.
    pub predicted: usize,
    /// The true digit.
    pub truth: usize,
}

/// At most this many images in a grid.
const MAX_DIGITS: usize = 24;

/// A grid of 8x8 images (black ink on white), each titled `predicted 3, true 8`; the first
/// [`MAX_DIGITS`] of `digits`.
pub fn digit_grid(path: &Path, digits: &[Digit]) -> PlotResult {
    let shown = &digits[..digits.len().min(MAX_DIGITS)];
    let cols = 6;
    let rows = shown.len().div_ceil(cols).max(1);
    let root =
        SVGBackend::new(path, (cols as u32 * 120, 50 + rows as u32 * 140)).into_drawing_area();
    root.fill(&WHITE)?;
    let title = format!(
        "Misclassified test images: {} (showing {})",
        digits.len(),
        shown.len()
    );
    let root = root.titled(&title, ("sans-serif", 20))?;
    for (area, d) in root.split_evenly((rows, cols)).into_iter().zip(shown) {
        if d.pixels.len() != 64 {
            return Err(
                format!("digit_grid: an image has {} pixels, not 64", d.pixels.len()).into(),
            );
        }
        let area = area.titled(
            &format!("predicted {}, true {}", d.predicted, d.truth),
            ("sans-serif", 14),
        )?;
        let (w, h) = area.dim_in_pixel();
        let side = (w.min(h) as i32 - 8) / 8;
        let x0 = (w as i32 - 8 * side) / 2;
        for (k, &v) in d.pixels.iter().enumerate() {
            let (r, c) = ((k / 8) as i32, (k % 8) as i32);
            let ink = (255.0 * (1.0 - v.clamp(0.0, 1.0))) as u8;
            let (px, py) = (x0 + c * side, 2 + r * side);
            area.draw(&Rectangle::new(
                [(px, py), (px + side, py + side)],
                RGBColor(ink, ink, ink).filled(),
            ))?;
        }
        area.draw(&Rectangle::new(
            [(x0, 2), (x0 + 8 * side, 2 + 8 * side)],
            BLACK.stroke_width(1),
        ))?;
    }
    if shown.is_empty() {
        root.draw(&Text::new(
            "none: every test image was classified correctly",
            (20, 20),
            ("sans-serif", 16),
        ))?;
    }
    root.present()?;
    Ok(())
}
