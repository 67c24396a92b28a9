//! Confusion-matrix heat map: true classes down, predicted classes across, the value in each
//! cell and a colour scale beside it.

use std::path::Path;

use ndarray::Array2;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::colormap::{blues, luminance};
use super::{DrawResult, FONT, INK, PlotError, axis_style, label_style, render, title_style};

/// A number that can fill a confusion-matrix cell: counts (`usize`, `u32`, `u64`) or rates
/// (`f32`, `f64`).
pub trait CellValue: Copy {
    /// The value on the colour scale.
    fn value(self) -> f64;
    /// The text written in the cell.
    fn label(self) -> String;
}

macro_rules! count_cell {
    ($($t:ty),*) => {$(
        impl CellValue for $t {
            fn value(self) -> f64 {
                self as f64
            }
            fn label(self) -> String {
                self.to_string()
            }
        }
    )*};
}
count_cell!(usize, u32, u64);

impl CellValue for f32 {
    fn value(self) -> f64 {
        f64::from(self)
    }
    fn label(self) -> String {
        format!("{self:.2}")
    }
}

impl CellValue for f64 {
    fn value(self) -> f64 {
        self
    }
    fn label(self) -> String {
        format!("{self:.2}")
    }
}

/// Font size of class names and cell values.
const LABEL_SIZE: u32 = 15;

/// Pixel layout of the heat map, worked out before drawing.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Layout {
    /// Image size.
    size: (u32, u32),
    /// Top-left pixel of the grid of cells.
    origin: (i32, i32),
    /// Side of a cell in pixels.
    cell: i32,
    /// Number of classes.
    n: i32,
    /// Left edge of the rotated "true" axis label.
    axis_x: i32,
}

impl Layout {
    fn new(class_names: &[String], title: &str) -> Self {
        let widest = class_names
            .iter()
            .map(|name| super::text_width(name, LABEL_SIZE))
            .max()
            .unwrap_or(0);
        let n = class_names.len() as u32;
        let cell = (widest + 16).clamp(64, 150);
        let left = 18 + 30 + widest + 12;
        let top = 60;
        let grid = cell * n;
        let right = 30 + 20 + 90;
        let bottom = 30 + 30 + 20;
        let natural = left + grid + right;
        let width = natural.max(super::text_width(title, 24) + 40);
        // A title wider than the plot: centre the plot under it.
        let pad = (width - natural) / 2;
        let left = left + pad;
        Layout {
            axis_x: (18 + pad) as i32,
            size: (width, top + grid + bottom),
            origin: (left as i32, top as i32),
            cell: cell as i32,
            n: n as i32,
        }
    }

    /// Top-left pixel of the cell at (row, column).
    fn cell_corner(&self, row: usize, col: usize) -> (i32, i32) {
        (
            self.origin.0 + col as i32 * self.cell,
            self.origin.1 + row as i32 * self.cell,
        )
    }

    /// Bottom edge of the grid.
    fn grid_bottom(&self) -> i32 {
        self.origin.1 + self.n * self.cell
    }

    /// Right edge of the grid.
    fn grid_right(&self) -> i32 {
        self.origin.0 + self.n * self.cell
    }
}

/// Writes the confusion matrix `matrix` (row = true class, column = predicted class, both in
/// the order of `class_names`) as a heat map to the PNG at `path`. Cells are coloured on
/// matplotlib's "Blues" scale from 0 (or the smallest value, if negative) to the largest value
/// and show their value: counts as integers, rates with two decimals.
///
/// # Errors
/// [`PlotError::EmptyInput`] for a 0 × 0 matrix; [`PlotError::InvalidInput`] for a matrix that
/// is not square, whose side differs from the number of class names, or that holds a NaN or
/// infinite value; [`PlotError::Draw`] when the file cannot be written.
pub fn confusion_heatmap<T: CellValue>(
    path: &Path,
    title: &str,
    matrix: &Array2<T>,
    class_names: &[String],
) -> Result<(), PlotError> {
    let invalid = |reason: String| PlotError::InvalidInput {
        path: path.to_path_buf(),
        reason,
    };
    let (rows, cols) = matrix.dim();
    if rows == 0 && cols == 0 {
        return Err(PlotError::EmptyInput {
            path: path.to_path_buf(),
            what: "the confusion matrix",
        });
    }
    if rows != cols {
        return Err(invalid(format!(
            "a confusion matrix must be square, got {rows} × {cols}"
        )));
    }
    if rows != class_names.len() {
        return Err(invalid(format!(
            "{rows} × {rows} matrix but {} class names",
            class_names.len()
        )));
    }
    if let Some(((r, c), v)) = matrix.indexed_iter().find(|(_, v)| !v.value().is_finite()) {
        return Err(invalid(format!("cell ({r}, {c}) is {}", v.value())));
    }
    let layout = Layout::new(class_names, title);
    render(path, layout.size, |root| {
        draw_heatmap(root, title, matrix, class_names, &layout)
    })
}

/// Colour-scale range: from min(0, smallest) to the largest value, never empty.
fn scale<T: CellValue>(matrix: &Array2<T>) -> (f64, f64) {
    let lo = matrix.iter().map(|v| v.value()).fold(0.0, f64::min);
    let hi = matrix
        .iter()
        .map(|v| v.value())
        .fold(f64::NEG_INFINITY, f64::max);
    if hi > lo { (lo, hi) } else { (lo, lo + 1.0) }
}

fn draw_heatmap<DB: DrawingBackend, T: CellValue>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    matrix: &Array2<T>,
    class_names: &[String],
    layout: &Layout,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (width, _) = layout.size;
    root.draw(&Text::new(
        title.to_string(),
        (width as i32 / 2, 18),
        title_style().pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    let (lo, hi) = scale(matrix);
    let t_of = |v: f64| (v - lo) / (hi - lo);
    let cell = layout.cell;
    let cell_font = (FONT, LABEL_SIZE).into_font();
    for ((row, col), v) in matrix.indexed_iter() {
        let (x, y) = layout.cell_corner(row, col);
        let colour = blues(t_of(v.value()));
        root.draw(&Rectangle::new(
            [(x, y), (x + cell, y + cell)],
            colour.filled(),
        ))?;
        let ink = if luminance(colour) < 0.5 { WHITE } else { INK };
        let text = TextStyle::from(cell_font.clone())
            .color(&ink)
            .pos(Pos::new(HPos::Center, VPos::Center));
        root.draw(&Text::new(v.label(), (x + cell / 2, y + cell / 2), text))?;
    }
    let (gx, gy) = layout.origin;
    let (right, bottom) = (layout.grid_right(), layout.grid_bottom());
    root.draw(&Rectangle::new(
        [(gx, gy), (right, bottom)],
        INK.stroke_width(1),
    ))?;

    // Class names: predicted across the bottom, true down the left.
    let below = label_style().pos(Pos::new(HPos::Center, VPos::Top));
    let beside = label_style().pos(Pos::new(HPos::Right, VPos::Center));
    for (k, name) in class_names.iter().enumerate() {
        let centre = k as i32 * cell + cell / 2;
        root.draw(&Text::new(
            name.clone(),
            (gx + centre, bottom + 8),
            below.clone(),
        ))?;
        root.draw(&Text::new(
            name.clone(),
            (gx - 10, gy + centre),
            beside.clone(),
        ))?;
    }
    root.draw(&Text::new(
        "predicted",
        ((gx + right) / 2, bottom + 36),
        axis_style().pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    root.draw(&Text::new(
        "true",
        (layout.axis_x, (gy + bottom) / 2),
        axis_style()
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;

    // Colour scale beside the grid.
    let bar_left = right + 30;
    let bar_right = bar_left + 20;
    let rows = (bottom - gy).max(1);
    for y in gy..=bottom {
        let t = f64::from(bottom - y) / f64::from(rows);
        root.draw(&PathElement::new(
            vec![(bar_left, y), (bar_right, y)],
            blues(t).stroke_width(1),
        ))?;
    }
    root.draw(&Rectangle::new(
        [(bar_left, gy), (bar_right, bottom)],
        INK.stroke_width(1),
    ))?;
    let label = label_style().pos(Pos::new(HPos::Left, VPos::Center));
    let integral = matrix.iter().all(|v| v.value().fract() == 0.0);
    for tick in super::spectrogram::ticks(lo, hi, 6) {
        if integral && tick.fract() != 0.0 {
            continue;
        }
        let y = bottom - (t_of(tick) * f64::from(rows)).round() as i32;
        root.draw(&PathElement::new(
            vec![(bar_right, y), (bar_right + 4, y)],
            INK.stroke_width(1),
        ))?;
        let text = if integral {
            format!("{tick:.0}")
        } else {
            format!("{tick:.2}")
        };
        root.draw(&Text::new(text, (bar_right + 7, y), label.clone()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::testing::{draw_in_memory, png_size, temp_dir};
    use ndarray::array;

    fn names(n: usize) -> Vec<String> {
        ["angry", "happy", "sad", "pleasant_surprise"][..n]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn cells_take_their_colour_from_their_value() {
        let m = array![[50usize, 0, 0], [5, 40, 5], [0, 0, 25]];
        let classes = names(3);
        let layout = Layout::new(&classes, "cm");
        let canvas = draw_in_memory(layout.size, |root| {
            draw_heatmap(root, "cm", &m, &classes, &layout)
        });
        for ((r, c), &v) in m.indexed_iter() {
            let (x, y) = layout.cell_corner(r, c);
            // A few pixels in from the corner: away from the border and the centred text.
            let got = canvas.pixel(x as u32 + 4, y as u32 + 4);
            let want = blues(v as f64 / 50.0);
            assert_eq!(got, (want.0, want.1, want.2), "cell ({r}, {c}) = {v}");
        }
        // The value is written in the cell: the centre region holds text colour pixels.
        let (x, y) = layout.cell_corner(0, 0);
        let centre_has_white = (x + layout.cell / 2 - 10..x + layout.cell / 2 + 10).any(|px| {
            (y + layout.cell / 2 - 6..y + layout.cell / 2 + 6)
                .any(|py| canvas.pixel(px as u32, py as u32) == (255, 255, 255))
        });
        assert!(centre_has_white, "white digits on the darkest cell");
    }

    #[test]
    fn rates_and_counts_label_differently() {
        assert_eq!(7usize.label(), "7");
        assert_eq!(0.8333f32.label(), "0.83");
        assert_eq!(
            scale(&array![[0.2f32, 0.8], [0.5, 0.5]]),
            (0.0, 0.8f32 as f64)
        );
        assert_eq!(scale(&array![[0usize, 0], [0, 0]]), (0.0, 1.0));
    }

    #[test]
    fn layout_grows_with_class_names() {
        let short = Layout::new(&names(2), "t");
        let long = Layout::new(&names(4), "t");
        assert!(long.cell > short.cell, "a long name widens the cells");
        assert!(long.size.0 > short.size.0 && long.size.1 > short.size.1);
    }

    #[test]
    fn writes_png_and_rejects_bad_input() {
        let dir = temp_dir("confusion");
        let path = dir.join("cm.png");
        let m = array![
            [40usize, 2, 0, 1],
            [3, 35, 2, 0],
            [0, 1, 44, 0],
            [2, 0, 0, 38]
        ];
        confusion_heatmap(&path, "SVM on MFCCs", &m, &names(4)).expect("plot");
        let bytes = std::fs::read(&path).expect("png written");
        assert_eq!(
            png_size(&bytes),
            Layout::new(&names(4), "SVM on MFCCs").size
        );
        assert!(bytes.len() > 5_000, "{} bytes", bytes.len());

        let rates = m.mapv(|v| v as f32 / 43.0);
        confusion_heatmap(&dir.join("rates.png"), "rates", &rates, &names(4)).expect("plot");

        let bad = |m: &Array2<f32>, n| confusion_heatmap(&path, "t", m, &names(n));
        assert!(matches!(
            bad(&Array2::zeros((0, 0)), 0),
            Err(PlotError::EmptyInput { .. })
        ));
        assert!(matches!(
            bad(&Array2::zeros((2, 3)), 2),
            Err(PlotError::InvalidInput { .. })
        ));
        assert!(matches!(
            bad(&Array2::zeros((3, 3)), 2),
            Err(PlotError::InvalidInput { .. })
        ));
        let mut nan = Array2::zeros((2, 2));
        nan[[1, 0]] = f32::NAN;
        match bad(&nan, 2) {
            Err(PlotError::InvalidInput { reason, .. }) => {
                assert!(reason.contains("(1, 0)"), "{reason}")
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }
}
