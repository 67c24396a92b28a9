//! Waveform plot: amplitude over time, like `librosa.display.waveshow`.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    DrawResult, GRID, INK, PlotError, axis_style, bar::BAR, label_style, positive, render,
    title_style,
};

/// Image size of a waveplot.
const SIZE: (u32, u32) = (1000, 380);

/// Writes the waveform of mono `samples` at `sample_rate` Hz to the PNG at `path`: time in
/// seconds across, amplitude up. Each pixel column shows the minimum-to-maximum range of the
/// samples that fall in it, so long clips draw as fast as short ones.
///
/// # Errors
/// [`PlotError::EmptyInput`] for no samples; [`PlotError::InvalidInput`] for a zero sample rate
/// or a sample that is NaN or infinite; [`PlotError::Draw`] when the file cannot be written.
pub fn waveplot(
    path: &Path,
    title: &str,
    samples: &[f32],
    sample_rate: u32,
) -> Result<(), PlotError> {
    if samples.is_empty() {
        return Err(PlotError::EmptyInput {
            path: path.to_path_buf(),
            what: "the sample slice",
        });
    }
    positive(path, sample_rate, "the sample rate")?;
    if let Some(i) = samples.iter().position(|s| !s.is_finite()) {
        return Err(PlotError::InvalidInput {
            path: path.to_path_buf(),
            reason: format!("sample {i} is {}", samples[i]),
        });
    }
    render(path, SIZE, |root| {
        draw_wave(root, title, samples, sample_rate)
    })
}

/// Minimum and maximum of the samples falling in each of `columns` equal slices of time.
/// When there are fewer samples than columns, a column takes the sample under its centre.
fn envelope(samples: &[f32], columns: usize) -> Vec<(f32, f32)> {
    let n = samples.len();
    (0..columns)
        .map(|c| {
            let (start, end) = (c * n / columns, (c + 1) * n / columns);
            let slice = if end > start {
                &samples[start..end]
            } else {
                let centre = ((2 * c + 1) * n / (2 * columns)).min(n - 1);
                &samples[centre..=centre]
            };
            slice
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &s| {
                    (lo.min(s), hi.max(s))
                })
        })
        .collect()
}

fn draw_wave<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    samples: &[f32],
    sample_rate: u32,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let duration = samples.len() as f64 / f64::from(sample_rate);
    let peak = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    let limit = if peak > 0.0 {
        f64::from(peak) * 1.05
    } else {
        1.0
    };
    let mut chart = ChartBuilder::on(root)
        .caption(title, title_style())
        .margin(18)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..duration, -limit..limit)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(INK)
        .x_label_formatter(&|t| super::tick_label(*t, duration))
        .y_label_formatter(&|a| super::tick_label(*a, 2.0 * limit))
        .x_desc("time (s)")
        .y_desc("amplitude")
        .label_style(label_style())
        .axis_desc_style(axis_style())
        .draw()?;

    let area = chart.plotting_area().strip_coord_spec();
    let (width, height) = area.dim_in_pixel();
    let to_row = |v: f32| {
        let t = (limit - f64::from(v)) / (2.0 * limit);
        (t * f64::from(height.saturating_sub(1))).round() as i32
    };
    for (x, (lo, hi)) in envelope(samples, width as usize).into_iter().enumerate() {
        let x = x as i32;
        area.draw(&PathElement::new(
            vec![(x, to_row(hi)), (x, to_row(lo))],
            BAR.stroke_width(1),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::testing::{Canvas, draw_in_memory, png_size, temp_dir};

    #[test]
    fn envelope_takes_min_and_max_per_column() {
        let samples = [0.0, 1.0, -1.0, 0.5, 0.2, 0.3, -0.4, 0.0];
        assert_eq!(
            envelope(&samples, 4),
            vec![(0.0, 1.0), (-1.0, 0.5), (0.2, 0.3), (-0.4, 0.0)]
        );
        // Fewer samples than columns: every column still has a value.
        let env = envelope(&[0.1, -0.2], 5);
        assert_eq!(env.len(), 5);
        assert!(env.iter().all(|&(lo, hi)| lo <= hi && lo.is_finite()));
        assert_eq!(env[0], (0.1, 0.1));
        assert_eq!(env[4], (-0.2, -0.2));
    }

    /// Number of rows in column `x` drawn in the waveform colour.
    fn ink(canvas: &Canvas, x: u32) -> usize {
        (0..canvas.height)
            .filter(|&y| canvas.pixel(x, y) == (BAR.0, BAR.1, BAR.2))
            .count()
    }

    #[test]
    fn loud_half_draws_tall_and_silent_half_draws_flat() {
        let sr = 8000;
        // One second of a 440 Hz tone at amplitude 0.8, then one second of silence.
        let mut samples: Vec<f32> = (0..sr)
            .map(|i| 0.8 * (2.0 * std::f32::consts::PI * 440.0 * i as f32 / sr as f32).sin())
            .collect();
        samples.extend(std::iter::repeat_n(0.0, sr));
        let canvas = draw_in_memory(SIZE, |root| draw_wave(root, "tone", &samples, sr as u32));
        let columns: Vec<u32> = (0..canvas.width).filter(|&x| ink(&canvas, x) > 0).collect();
        let (first, last) = (columns[0], columns[columns.len() - 1]);
        let quarter = first + (last - first) / 4;
        let three_quarters = first + 3 * (last - first) / 4;
        // The tone fills ±0.8 of ±0.84 (1.05 × peak): nearly the whole plot height.
        assert!(
            ink(&canvas, quarter) > 200,
            "tone column {}",
            ink(&canvas, quarter)
        );
        // Silence is one row thick.
        assert!(
            ink(&canvas, three_quarters) <= 2,
            "silence {}",
            ink(&canvas, three_quarters)
        );
    }

    #[test]
    fn writes_png_and_rejects_bad_input() {
        let dir = temp_dir("wave");
        let path = dir.join("wave.png");
        let samples: Vec<f32> = (0..22050)
            .map(|i| ((i as f32) * 0.01).sin() * 0.3)
            .collect();
        waveplot(&path, "Waveplot", &samples, 22050).expect("plot");
        let bytes = std::fs::read(&path).expect("png written");
        assert_eq!(png_size(&bytes), SIZE);
        assert!(bytes.len() > 5_000, "{} bytes", bytes.len());

        assert!(matches!(
            waveplot(&path, "t", &[], 22050),
            Err(PlotError::EmptyInput { .. })
        ));
        assert!(matches!(
            waveplot(&path, "t", &[0.1], 0),
            Err(PlotError::InvalidInput { .. })
        ));
        match waveplot(&path, "t", &[0.1, f32::NAN], 100) {
            Err(PlotError::InvalidInput { path: p, reason }) => {
                assert_eq!(p, path);
                assert!(reason.contains("sample 1"), "{reason}");
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }
}
