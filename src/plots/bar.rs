//! Bar chart of counts per category (the EDA plot: clips per emotion).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{DrawResult, GRID, INK, PlotError, axis_style, label_style, render, title_style};

/// Bar colour (matplotlib's default blue).
pub(super) const BAR: RGBColor = RGBColor(31, 119, 180);

/// Writes a bar chart of `counts` (category name, count) to the PNG at `path`, one bar per
/// entry in the given order, each labelled with its count.
///
/// # Errors
/// [`PlotError::EmptyInput`] for no categories; [`PlotError::Draw`] when the file cannot be
/// written.
pub fn bar_counts(path: &Path, title: &str, counts: &[(String, usize)]) -> Result<(), PlotError> {
    if counts.is_empty() {
        return Err(PlotError::EmptyInput {
            path: path.to_path_buf(),
            what: "the list of counts",
        });
    }
    render(path, bar_size(counts), |root| {
        draw_bars(root, title, counts)
    })
}

/// Image size: wide enough that every category name fits under its bar.
fn bar_size(counts: &[(String, usize)]) -> (u32, u32) {
    let widest = counts
        .iter()
        .map(|(name, _)| super::text_width(name, 15))
        .max()
        .unwrap_or(0);
    let slot = (widest + 20).max(90);
    let width = (slot * counts.len() as u32 + 130).max(640);
    (width, 520)
}

fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    counts: &[(String, usize)],
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let n = counts.len() as f64;
    let top = counts.iter().map(|&(_, c)| c).max().unwrap_or(0).max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(title, title_style())
        .margin(18)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..n, 0.0..top * 1.12)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(INK)
        .y_labels(((top * 1.12).floor() as usize + 1).clamp(2, 10))
        .y_label_formatter(&|y| {
            // Counts are whole: leave fractional ticks unlabelled.
            if y.fract().abs() < 1e-9 {
                format!("{y:.0}")
            } else {
                String::new()
            }
        })
        .y_desc("count")
        .label_style(label_style())
        .axis_desc_style(axis_style())
        .draw()?;
    chart.draw_series(counts.iter().enumerate().map(|(i, &(_, c))| {
        let i = i as f64;
        Rectangle::new([(i + 0.12, 0.0), (i + 0.88, c as f64)], BAR.filled())
    }))?;
    let above = label_style().pos(Pos::new(HPos::Center, VPos::Bottom));
    let below = label_style().pos(Pos::new(HPos::Center, VPos::Top));
    for (i, (name, c)) in counts.iter().enumerate() {
        let centre = i as f64 + 0.5;
        let (x, y) = chart.backend_coord(&(centre, *c as f64));
        root.draw(&Text::new(c.to_string(), (x, y - 4), above.clone()))?;
        let (x, y) = chart.backend_coord(&(centre, 0.0));
        root.draw(&Text::new(name.clone(), (x, y + 8), below.clone()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::testing::{draw_in_memory, png_size, temp_dir};

    fn counts(values: &[usize]) -> Vec<(String, usize)> {
        let names = [
            "angry",
            "disgust",
            "fear",
            "happy",
            "neutral",
            "pleasant_surprise",
            "sad",
        ];
        values
            .iter()
            .zip(names)
            .map(|(&c, n)| (n.to_string(), c))
            .collect()
    }

    /// Height in pixels of the bar-coloured run in column `x`.
    fn bar_height(canvas: &crate::plots::testing::Canvas, x: u32) -> u32 {
        (0..canvas.height)
            .filter(|&y| canvas.pixel(x, y) == (BAR.0, BAR.1, BAR.2))
            .count() as u32
    }

    /// Columns holding bar colour, grouped into runs (one per bar), as (first, last) pixels.
    fn bar_runs(canvas: &crate::plots::testing::Canvas) -> Vec<(u32, u32)> {
        let mut runs = Vec::new();
        let mut start = None;
        for x in 0..canvas.width {
            match (bar_height(canvas, x) > 0, start) {
                (true, None) => start = Some(x),
                (false, Some(s)) => {
                    runs.push((s, x - 1));
                    start = None;
                }
                _ => {}
            }
        }
        runs
    }

    #[test]
    fn bar_heights_are_proportional_to_counts() {
        let data = counts(&[100, 50, 25, 75]);
        let size = bar_size(&data);
        let canvas = draw_in_memory(size, |root| draw_bars(root, "Counts", &data));
        let runs = bar_runs(&canvas);
        assert_eq!(runs.len(), 4, "one run of bar colour per bar: {runs:?}");
        let heights: Vec<f64> = runs
            .iter()
            .map(|&(a, b)| f64::from(bar_height(&canvas, (a + b) / 2)))
            .collect();
        for (h, c) in heights.iter().zip([100.0, 50.0, 25.0, 75.0]) {
            let expected = heights[0] * c / 100.0;
            assert!((h - expected).abs() <= 2.0, "{heights:?}");
        }
        // Bars are in the given order, left to right, and equally wide.
        let widths: Vec<u32> = runs.iter().map(|&(a, b)| b - a).collect();
        assert!(
            widths.iter().all(|&w| w.abs_diff(widths[0]) <= 1),
            "{widths:?}"
        );
    }

    #[test]
    fn writes_a_png_of_the_planned_size() {
        let dir = temp_dir("bar");
        let data = counts(&[200, 200, 200, 200, 200, 200, 200]);
        let path = dir.join("counts.png");
        bar_counts(&path, "Clips per emotion", &data).expect("plot");
        let bytes = std::fs::read(&path).expect("png written");
        assert_eq!(png_size(&bytes), bar_size(&data));
        assert!(
            bytes.len() > 5_000,
            "a real chart, not a blank: {} bytes",
            bytes.len()
        );

        let other = dir.join("other.png");
        bar_counts(
            &other,
            "Clips per emotion",
            &counts(&[10, 200, 30, 200, 50, 200, 70]),
        )
        .expect("plot");
        assert_ne!(bytes, std::fs::read(&other).expect("png written"));
    }

    #[test]
    fn long_names_widen_the_image() {
        let short = bar_size(&counts(&[1, 2]));
        let long_name = ("a very long category name indeed".to_string(), 1);
        let long = bar_size(&vec![long_name; 4]);
        assert!(long.0 > short.0);
    }

    #[test]
    fn empty_input_and_missing_directory_are_errors() {
        let dir = temp_dir("bar-err");
        let path = dir.join("empty.png");
        match bar_counts(&path, "t", &[]) {
            Err(PlotError::EmptyInput { path: p, .. }) => assert_eq!(p, path),
            other => panic!("expected EmptyInput, got {other:?}"),
        }
        let missing = dir.join("no-such-dir").join("x.png");
        match bar_counts(&missing, "t", &counts(&[1])) {
            Err(PlotError::Draw { path: p, .. }) => assert_eq!(p, missing),
            other => panic!("expected Draw error, got {other:?}"),
        }
    }
}
