//! Line plot of per-epoch training curves (train/validation accuracy or loss).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{DrawResult, GRID, INK, PlotError, axis_style, label_style, render, title_style};

/// Image size of a history plot.
const SIZE: (u32, u32) = (900, 520);

/// matplotlib's first six default colours (tab:blue, orange, green, red, purple, brown).
pub(super) const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Writes one line per `(name, values)` series to the PNG at `path`: value `i` of a series is
/// epoch `i + 1` on the x axis, `y_label` names the y axis, and a legend names the lines.
/// Series may differ in length; a NaN or infinite value leaves a gap in its line.
///
/// # Errors
/// [`PlotError::EmptyInput`] when there is no series or every series is empty;
/// [`PlotError::InvalidInput`] when no value is finite; [`PlotError::Draw`] when the file cannot
/// be written.
pub fn line_history(
    path: &Path,
    title: &str,
    series: &[(&str, &[f32])],
    y_label: &str,
) -> Result<(), PlotError> {
    if series.iter().all(|(_, values)| values.is_empty()) {
        return Err(PlotError::EmptyInput {
            path: path.to_path_buf(),
            what: "every series",
        });
    }
    let Some(range) = value_range(series) else {
        return Err(PlotError::InvalidInput {
            path: path.to_path_buf(),
            reason: "no series holds a finite value".to_string(),
        });
    };
    render(path, SIZE, |root| {
        draw_history(root, title, series, y_label, range)
    })
}

/// Range of the finite values, padded by 5 % (or ±0.5 around a single value).
fn value_range(series: &[(&str, &[f32])]) -> Option<(f64, f64)> {
    let (lo, hi) = series
        .iter()
        .flat_map(|(_, v)| v.iter())
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(f64::from(v)), hi.max(f64::from(v)))
        });
    if lo > hi {
        return None;
    }
    let pad = if hi > lo { 0.05 * (hi - lo) } else { 0.5 };
    Some((lo - pad, hi + pad))
}

/// Runs of consecutive finite values as (epoch, value) points, epochs counted from 1.
fn finite_runs(values: &[f32]) -> Vec<Vec<(f64, f64)>> {
    let mut runs = Vec::new();
    let mut current = Vec::new();
    for (i, &v) in values.iter().enumerate() {
        if v.is_finite() {
            current.push((i as f64 + 1.0, f64::from(v)));
        } else if !current.is_empty() {
            runs.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// Puts the legend where the lines are not: lower right when the last third of the epochs
/// sits mostly in the upper half of the plot, upper right otherwise.
fn legend_position(series: &[(&str, &[f32])], (lo, hi): (f64, f64)) -> SeriesLabelPosition {
    let mid = (lo + hi) / 2.0;
    let (mut upper, mut lower) = (0usize, 0usize);
    for (_, values) in series {
        let tail = &values[values.len() * 2 / 3..];
        for &v in tail.iter().filter(|v| v.is_finite()) {
            if f64::from(v) > mid {
                upper += 1
            } else {
                lower += 1
            }
        }
    }
    if upper > lower {
        SeriesLabelPosition::LowerRight
    } else {
        SeriesLabelPosition::UpperRight
    }
}

fn draw_history<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    series: &[(&str, &[f32])],
    y_label: &str,
    (lo, hi): (f64, f64),
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let epochs = series.iter().map(|(_, v)| v.len()).max().unwrap_or(1);
    let mut chart = ChartBuilder::on(root)
        .caption(title, title_style())
        .margin(18)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0.5..epochs as f64 + 0.5, lo..hi)?;
    let epoch_label = |x: &f64| {
        if (x - x.round()).abs() < 1e-9 {
            format!("{x:.0}")
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(INK)
        .x_labels(epochs.min(12))
        .x_label_formatter(&epoch_label)
        .x_desc("epoch")
        .y_desc(y_label)
        .label_style(label_style())
        .axis_desc_style(axis_style())
        .draw()?;
    for (k, (name, values)) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let style = colour.stroke_width(2);
        let mut labelled = false;
        for run in finite_runs(values) {
            let markers = epochs <= 40;
            let points = run.clone();
            let drawn = chart.draw_series(std::iter::once(PathElement::new(run, style)))?;
            if !labelled {
                drawn.label(*name).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(2))
                });
                labelled = true;
            }
            if markers {
                chart.draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 3, colour.filled())),
                )?;
            }
        }
    }
    chart
        .configure_series_labels()
        .position(legend_position(series, (lo, hi)))
        .margin(12)
        .label_font(label_style())
        .background_style(WHITE.mix(0.9))
        .border_style(INK.mix(0.4))
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::testing::{Canvas, draw_in_memory, png_size, temp_dir};

    /// Mean row of the pixels of colour `c` in columns `xs`, or None.
    fn mean_row(canvas: &Canvas, c: RGBColor, xs: std::ops::Range<u32>) -> Option<f64> {
        let rows: Vec<u32> = xs
            .flat_map(|x| (0..canvas.height).map(move |y| (x, y)))
            .filter(|&(x, y)| canvas.pixel(x, y) == (c.0, c.1, c.2))
            .map(|(_, y)| y)
            .collect();
        (!rows.is_empty())
            .then(|| rows.iter().map(|&y| f64::from(y)).sum::<f64>() / rows.len() as f64)
    }

    #[test]
    fn rising_and_falling_lines_go_the_right_way() {
        let rising: Vec<f32> = (0..30).map(|i| 0.3 + 0.02 * i as f32).collect();
        let falling: Vec<f32> = (0..30).map(|i| 0.9 - 0.02 * i as f32).collect();
        let series = [
            ("train", rising.as_slice()),
            ("validation", falling.as_slice()),
        ];
        let range = value_range(&series).expect("finite");
        let canvas = draw_in_memory(SIZE, |root| {
            draw_history(root, "acc", &series, "accuracy", range)
        });
        // Left and right quarters of the image (the legend sits at the right edge, so stop short).
        let left = 150..300;
        let right = 550..700;
        let (blue, orange) = (PALETTE[0], PALETTE[1]);
        let blue_left = mean_row(&canvas, blue, left.clone()).expect("blue line on the left");
        let blue_right = mean_row(&canvas, blue, right.clone()).expect("blue line on the right");
        let orange_left = mean_row(&canvas, orange, left).expect("orange line on the left");
        let orange_right = mean_row(&canvas, orange, right).expect("orange line on the right");
        // Screen rows grow downwards: a rising series moves up (smaller rows).
        assert!(blue_right < blue_left - 50.0, "{blue_left} → {blue_right}");
        assert!(
            orange_right > orange_left + 50.0,
            "{orange_left} → {orange_right}"
        );
    }

    #[test]
    fn runs_split_at_non_finite_values() {
        assert_eq!(
            finite_runs(&[1.0, f32::NAN, 2.0, 3.0, f32::INFINITY]),
            vec![vec![(1.0, 1.0)], vec![(3.0, 2.0), (4.0, 3.0)]]
        );
        assert!(finite_runs(&[f32::NAN]).is_empty());
        assert_eq!(value_range(&[("a", &[1.0, 3.0])]), Some((0.9, 3.1)));
        assert_eq!(value_range(&[("a", &[2.0])]), Some((1.5, 2.5)));
    }

    #[test]
    fn legend_avoids_the_lines() {
        let high = [0.1f32, 0.9, 0.95, 0.97];
        let low = [0.9f32, 0.2, 0.1, 0.05];
        assert_eq!(
            legend_position(&[("a", &high)], (0.0, 1.0)),
            SeriesLabelPosition::LowerRight
        );
        assert_eq!(
            legend_position(&[("a", &low)], (0.0, 1.0)),
            SeriesLabelPosition::UpperRight
        );
    }

    #[test]
    fn writes_png_and_rejects_bad_input() {
        let dir = temp_dir("history");
        let path = dir.join("loss.png");
        let train: Vec<f32> = (0..50).map(|i| 2.0 / (1.0 + i as f32)).collect();
        let val: Vec<f32> = (0..50).map(|i| 2.2 / (1.0 + 0.8 * i as f32)).collect();
        line_history(
            &path,
            "Loss",
            &[("train", &train), ("validation", &val)],
            "loss",
        )
        .expect("plot");
        let bytes = std::fs::read(&path).expect("png written");
        assert_eq!(png_size(&bytes), SIZE);
        assert!(bytes.len() > 5_000, "{} bytes", bytes.len());

        assert!(matches!(
            line_history(&path, "t", &[], "y"),
            Err(PlotError::EmptyInput { .. })
        ));
        assert!(matches!(
            line_history(&path, "t", &[("a", &[])], "y"),
            Err(PlotError::EmptyInput { .. })
        ));
        assert!(matches!(
            line_history(&path, "t", &[("a", &[f32::NAN])], "y"),
            Err(PlotError::InvalidInput { .. })
        ));
    }
}
