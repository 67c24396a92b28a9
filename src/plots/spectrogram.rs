//! dB spectrogram with time and frequency axes and a colour bar, like
//! `librosa.display.specshow(S_db, x_axis="time", y_axis="hz")` with `colorbar(format="%+2.0f dB")`.

use std::path::Path;

use ndarray::Array2;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::colormap::magma;
use super::{DrawResult, INK, PlotError, axis_style, label_style, positive, render, title_style};

/// Image size of a spectrogram plot.
const SIZE: (u32, u32) = (1000, 500);
/// Width of the strip on the right holding the colour bar and its labels.
const BAR_STRIP: u32 = 120;

/// Writes the spectrogram `db` (frequency bins × frames, values in dB, row 0 = 0 Hz, the last row
/// = Nyquist) to the PNG at `path`. Time runs across in seconds (`frames × hop_length /
/// sample_rate` in all), frequency up in Hz from 0 to `sample_rate / 2`, colours on matplotlib's
/// "magma" scale from the smallest to the largest finite value, explained by a colour bar in dB.
/// Values that are NaN or −∞ are drawn as the smallest value, +∞ as the largest.
///
/// # Errors
/// [`PlotError::EmptyInput`] for a matrix without frames or bins; [`PlotError::InvalidInput`]
/// for fewer than 2 bins, a zero sample rate or hop length, or no finite value;
/// [`PlotError::Draw`] when the file cannot be written.
pub fn spectrogram_db(
    path: &Path,
    title: &str,
    db: &Array2<f32>,
    sample_rate: u32,
    hop_length: u32,
) -> Result<(), PlotError> {
    if db.is_empty() {
        return Err(PlotError::EmptyInput {
            path: path.to_path_buf(),
            what: "the spectrogram",
        });
    }
    if db.nrows() < 2 {
        return Err(PlotError::InvalidInput {
            path: path.to_path_buf(),
            reason: format!(
                "a spectrogram needs at least 2 frequency bins, got {}",
                db.nrows()
            ),
        });
    }
    positive(path, sample_rate, "the sample rate")?;
    positive(path, hop_length, "the hop length")?;
    let range = finite_range(db).ok_or_else(|| PlotError::InvalidInput {
        path: path.to_path_buf(),
        reason: "the spectrogram holds no finite value".to_string(),
    })?;
    let axes = Axes {
        seconds: db.ncols() as f64 * f64::from(hop_length) / f64::from(sample_rate),
        nyquist: f64::from(sample_rate) / 2.0,
        range,
    };
    render(path, SIZE, |root| draw_spectrogram(root, title, db, &axes))
}

/// What the axes and the colour bar span.
struct Axes {
    /// Duration covered by the frames.
    seconds: f64,
    /// Top of the frequency axis.
    nyquist: f64,
    /// Smallest and largest finite dB value (different from each other).
    range: (f32, f32),
}

/// Smallest and largest finite value, widened to 1 dB when all are equal; `None` when none is
/// finite.
fn finite_range(db: &Array2<f32>) -> Option<(f32, f32)> {
    let (lo, hi) = db
        .iter()
        .filter(|v| v.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return None;
    }
    Some(if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    })
}

/// A tick step of 1, 2 or 5 × 10^k giving at most `max_ticks` ticks over `span`.
pub(super) fn tick_step(span: f64, max_ticks: usize) -> f64 {
    let raw = span / max_ticks.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&step| step >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// Tick values: the multiples of the step within [lo, hi].
pub(super) fn ticks(lo: f64, hi: f64, max_ticks: usize) -> Vec<f64> {
    let step = tick_step(hi - lo, max_ticks);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Cells covered by pixel `i` of `pixels` when `cells` cells span the axis, cell `k` covering
/// `[k - offset, k + 1 - offset)` in cell units; never empty, always within `0..=cells`
/// (`offset` 0.5 centres cell `k` on `k`, so `cells + 1` cells fit, as frequency bins do).
fn covered(i: u32, pixels: u32, cells: usize, offset: f64) -> std::ops::Range<usize> {
    let last = if offset > 0.0 { cells } else { cells - 1 };
    let start = f64::from(i) / f64::from(pixels) * cells as f64 + offset;
    let end = f64::from(i + 1) / f64::from(pixels) * cells as f64 + offset;
    let first = (start.floor() as usize).min(last);
    let stop = (end.ceil() as usize).clamp(first + 1, last + 1);
    first..stop
}

fn draw_spectrogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    db: &Array2<f32>,
    axes: &Axes,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let titled = root.titled(title, title_style())?;
    let (width, _) = titled.dim_in_pixel();
    let (left, right) = titled.split_horizontally(width.saturating_sub(BAR_STRIP));
    let mut chart = ChartBuilder::on(&left)
        .margin(18)
        .margin_right(8)
        .x_label_area_size(50)
        .y_label_area_size(85)
        .build_cartesian_2d(0.0..axes.seconds, 0.0..axes.nyquist)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .axis_style(INK)
        .x_desc("time (s)")
        .y_desc("frequency (Hz)")
        .x_label_formatter(&|t| super::tick_label(*t, axes.seconds))
        .y_label_formatter(&|f| format!("{f:.0}"))
        .label_style(label_style())
        .axis_desc_style(axis_style())
        .draw()?;

    // The image: each pixel shows the loudest cell it covers, so narrow harmonics survive
    // when there are more bins or frames than pixels.
    let (lo, hi) = axes.range;
    let colour = |v: f32| magma(f64::from((v - lo) / (hi - lo)));
    let area = chart.plotting_area().strip_coord_spec();
    let (w, h) = area.dim_in_pixel();
    let (bins, frames) = db.dim();
    let frame_spans: Vec<_> = (0..w).map(|x| covered(x, w, frames, 0.0)).collect();
    for y in 0..h {
        // Row 0 is the top of the image: the highest frequencies. Bin k is centred on
        // k / (bins - 1) of the Nyquist frequency.
        let bin_span = covered(h - 1 - y, h, bins - 1, 0.5);
        for (x, frame_span) in frame_spans.iter().enumerate() {
            let loudest = bin_span
                .clone()
                .flat_map(|b| frame_span.clone().filter_map(move |f| db.get([b, f])))
                .map(|&v| if v.is_nan() { f32::NEG_INFINITY } else { v })
                .fold(f32::NEG_INFINITY, f32::max);
            area.draw_pixel((x as i32, y as i32), &colour(loudest))?;
        }
    }

    // The colour bar, as tall as the image and level with it.
    let (_, image_rows) = chart.plotting_area().get_pixel_range();
    let (strip_x, _) = right.get_pixel_range();
    let bar_left = strip_x.start + 6;
    let bar_right = bar_left + 20;
    let (top, bottom) = (image_rows.start, image_rows.end - 1);
    let rows = (bottom - top).max(1);
    for y in top..=bottom {
        let t = f64::from(bottom - y) / f64::from(rows);
        root.draw(&PathElement::new(
            vec![(bar_left, y), (bar_right, y)],
            magma(t).stroke_width(1),
        ))?;
    }
    root.draw(&Rectangle::new(
        [(bar_left, top), (bar_right, bottom)],
        INK.stroke_width(1),
    ))?;
    let label = label_style().pos(Pos::new(HPos::Left, VPos::Center));
    for tick in ticks(f64::from(lo), f64::from(hi), 8) {
        let t = (tick - f64::from(lo)) / f64::from(hi - lo);
        let y = bottom - (t * f64::from(rows)).round() as i32;
        root.draw(&PathElement::new(
            vec![(bar_right, y), (bar_right + 4, y)],
            INK.stroke_width(1),
        ))?;
        root.draw(&Text::new(
            format!("{tick:+.0} dB"),
            (bar_right + 7, y),
            label.clone(),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::testing::{Canvas, draw_in_memory, png_size, temp_dir};

    fn is(canvas: &Canvas, x: u32, y: u32, c: RGBColor) -> bool {
        canvas.pixel(x, y) == (c.0, c.1, c.2)
    }

    /// Bounding box (x0, y0, x1, y1) of the pixels of colour `c` left of the colour bar strip.
    fn bounding_box(canvas: &Canvas, c: RGBColor) -> (u32, u32, u32, u32) {
        let mut b = (u32::MAX, u32::MAX, 0, 0);
        for y in 0..canvas.height {
            for x in 0..canvas.width - BAR_STRIP {
                if is(canvas, x, y, c) {
                    b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
                }
            }
        }
        b
    }

    #[test]
    fn a_loud_band_shows_at_its_frequency_and_time() {
        // 257 bins (n_fft 512) × 100 frames at -80 dB; bin 128 (half of Nyquist) at 0 dB during
        // the first 50 frames.
        let mut db = Array2::from_elem((257, 100), -80.0f32);
        for f in 0..50 {
            db[[128, f]] = 0.0;
        }
        let axes = Axes {
            seconds: 100.0 * 256.0 / 16000.0,
            nyquist: 8000.0,
            range: (-80.0, 0.0),
        };
        let canvas = draw_in_memory(SIZE, |root| draw_spectrogram(root, "band", &db, &axes));
        let dark = magma(0.0);
        let bright = magma(1.0);
        let (x0, y0, x1, y1) = bounding_box(&canvas, dark);
        assert!(
            x1 - x0 > 600 && y1 - y0 > 300,
            "image area {:?}",
            (x0, y0, x1, y1)
        );
        let (bx0, by0, bx1, by1) = bounding_box(&canvas, bright);
        // The band sits at half height, over the first half of the time axis.
        let middle = (y0 + y1) / 2;
        assert!(
            by0.abs_diff(middle) <= 3 && by1.abs_diff(middle) <= 3,
            "band rows {by0}..{by1}"
        );
        assert!(
            bx0.abs_diff(x0) <= 1,
            "band starts at the left edge: {bx0} vs {x0}"
        );
        let half = (x0 + x1) / 2;
        assert!(
            bx1.abs_diff(half) <= 2,
            "band ends half way: {bx1} vs {half}"
        );

        // The colour bar: the column of the right strip with the most colours, a smooth
        // gradient from magma(1) under its top border to magma(0) above its bottom border.
        let strip = canvas.width - BAR_STRIP;
        let column = |x: u32| -> Vec<(u8, u8, u8)> {
            (0..canvas.height).map(|y| canvas.pixel(x, y)).collect()
        };
        let distinct = |col: &[(u8, u8, u8)]| {
            let mut c = col.to_vec();
            c.sort_unstable();
            c.dedup();
            c.len()
        };
        let bar_x = (strip..canvas.width)
            .max_by_key(|&x| distinct(&column(x)))
            .expect("strip");
        let col = column(bar_x);
        assert!(
            distinct(&col) > 100,
            "a smooth gradient: {} colours",
            distinct(&col)
        );
        let ink = (INK.0, INK.1, INK.2);
        let border_top = col.iter().position(|&p| p == ink).expect("top border");
        let border_bottom = col.iter().rposition(|&p| p == ink).expect("bottom border");
        assert!(
            border_bottom - border_top > 300,
            "bar rows {border_top}..{border_bottom}"
        );
        let close = |p: (u8, u8, u8), c: RGBColor| {
            p.0.abs_diff(c.0) <= 4 && p.1.abs_diff(c.1) <= 4 && p.2.abs_diff(c.2) <= 4
        };
        assert!(
            close(col[border_top + 1], bright),
            "top {:?}",
            col[border_top + 1]
        );
        assert!(
            close(col[border_bottom - 1], dark),
            "bottom {:?}",
            col[border_bottom - 1]
        );
    }

    #[test]
    fn pixels_cover_every_cell_once_or_more() {
        // More frames than pixels: spans tile the frames.
        let spans: Vec<_> = (0..4).map(|x| covered(x, 4, 10, 0.0)).collect();
        assert_eq!(spans, vec![0..3, 2..5, 5..8, 7..10]);
        // Fewer frames than pixels: each pixel gets the frame under it.
        let spans: Vec<_> = (0..4).map(|x| covered(x, 4, 2, 0.0)).collect();
        assert_eq!(spans, vec![0..1, 0..1, 1..2, 1..2]);
        // Bins centred on their frequency: 5 bins (0..=4) over 2 rows, the top row reaching
        // the Nyquist bin.
        assert_eq!(covered(0, 2, 4, 0.5), 0..3);
        assert_eq!(covered(1, 2, 4, 0.5), 2..5);
    }

    #[test]
    fn range_and_ticks() {
        let mut db = Array2::from_elem((3, 2), -40.0f32);
        db[[0, 0]] = f32::NEG_INFINITY;
        db[[1, 1]] = f32::NAN;
        db[[2, 1]] = 3.0;
        assert_eq!(finite_range(&db), Some((-40.0, 3.0)));
        assert_eq!(
            finite_range(&Array2::from_elem((2, 2), 5.0)),
            Some((4.5, 5.5))
        );
        assert_eq!(finite_range(&Array2::from_elem((2, 2), f32::NAN)), None);
        assert_eq!(
            ticks(-80.0, 0.0, 8),
            vec![-80.0, -70.0, -60.0, -50.0, -40.0, -30.0, -20.0, -10.0, 0.0]
        );
        assert_eq!(ticks(-43.0, 3.0, 8), vec![-40.0, -30.0, -20.0, -10.0, 0.0]);
        let tenths: Vec<i64> = ticks(0.2, 1.3, 8)
            .iter()
            .map(|t| (t * 10.0).round() as i64)
            .collect();
        assert_eq!(tenths, vec![2, 4, 6, 8, 10, 12]);
    }

    #[test]
    fn writes_png_and_rejects_bad_input() {
        let dir = temp_dir("spec");
        let path = dir.join("spec.png");
        let db = Array2::from_shape_fn((1025, 130), |(b, f)| -80.0 + ((b + f) % 80) as f32);
        spectrogram_db(&path, "Spectrogram", &db, 22050, 512).expect("plot");
        let bytes = std::fs::read(&path).expect("png written");
        assert_eq!(png_size(&bytes), SIZE);
        assert!(bytes.len() > 10_000, "{} bytes", bytes.len());

        let err = |m: &Array2<f32>, sr, hop| spectrogram_db(&path, "t", m, sr, hop);
        assert!(matches!(
            err(&Array2::zeros((0, 5)), 1, 1),
            Err(PlotError::EmptyInput { .. })
        ));
        assert!(matches!(
            err(&Array2::zeros((1, 5)), 1, 1),
            Err(PlotError::InvalidInput { .. })
        ));
        assert!(matches!(
            err(&db, 0, 512),
            Err(PlotError::InvalidInput { .. })
        ));
        assert!(matches!(
            err(&db, 22050, 0),
            Err(PlotError::InvalidInput { .. })
        ));
        let nan = Array2::from_elem((4, 4), f32::NAN);
        assert!(matches!(
            err(&nan, 22050, 512),
            Err(PlotError::InvalidInput { .. })
        ));
    }
}
