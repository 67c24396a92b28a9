//! PNG plots for the study: counts per emotion, waveforms, dB spectrograms, training curves and
//! confusion-matrix heat maps.
//!
//! Every function takes plain data (slices, [`ndarray::Array2`]), writes one PNG file and returns
//! a [`PlotError`] naming that file when the input is unusable or the file cannot be written.
//! Text is drawn with DejaVu Sans, embedded in the binary, so no system font library is needed
//! and the pictures look the same on every machine.
//!
//! ```no_run
//! # fn main() -> Result<(), ser::plots::PlotError> {
//! let counts = vec![("angry".to_string(), 200), ("happy".to_string(), 180)];
//! ser::plots::bar_counts("counts.png".as_ref(), "Clips per emotion", &counts)?;
//! # Ok(()) }
//! ```

mod bar;
mod colormap;
mod confusion;
mod font;
mod history;
mod spectrogram;
mod timeline;
mod wave;

pub use bar::bar_counts;
pub use confusion::{CellValue, confusion_heatmap};
pub use history::line_history;
pub use spectrogram::spectrogram_db;
pub use timeline::{TimelineSegment, emotion_timeline};
pub use wave::waveplot;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea, DrawingAreaErrorKind, IntoDrawingArea};
use plotters::style::{FontFamily, IntoFont, RGBColor, TextStyle};

/// Why a plot could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// The data to plot is empty (no bars, no samples, no epochs, an empty matrix).
    #[error("{path}: nothing to plot: {what} is empty")]
    EmptyInput {
        /// The PNG that was to be written.
        path: PathBuf,
        /// Which input was empty.
        what: &'static str,
    },
    /// The data cannot be plotted as given (a NaN sample, a zero sample rate, shapes that do not
    /// agree, ...).
    #[error("{path}: cannot plot: {reason}")]
    InvalidInput {
        /// The PNG that was to be written.
        path: PathBuf,
        /// What is wrong with the input.
        reason: String,
    },
    /// The embedded font could not be registered with plotters.
    #[error("{path}: the embedded DejaVu Sans font could not be loaded")]
    Font {
        /// The PNG that was to be written.
        path: PathBuf,
    },
    /// Drawing or writing the PNG failed (for example the directory does not exist).
    #[error("{path}: drawing or writing the PNG failed: {message}")]
    Draw {
        /// The PNG that was to be written.
        path: PathBuf,
        /// The backend's message.
        message: String,
    },
}

/// The family name the embedded font is registered under.
const FONT: FontFamily<'static> = FontFamily::SansSerif;

/// Text colour used for titles, labels and ticks.
const INK: RGBColor = RGBColor(34, 34, 34);
/// Colour of grid lines.
const GRID: RGBColor = RGBColor(225, 225, 225);

/// Title style: the same on every plot.
fn title_style() -> TextStyle<'static> {
    TextStyle::from((FONT, 24).into_font()).color(&INK)
}

/// Tick label style.
fn label_style() -> TextStyle<'static> {
    TextStyle::from((FONT, 15).into_font()).color(&INK)
}

/// Axis description style.
fn axis_style() -> TextStyle<'static> {
    TextStyle::from((FONT, 17).into_font()).color(&INK)
}

/// Drawing result of the private `draw_*` functions, generic over the backend so tests can draw
/// into memory.
type DrawResult<DB> =
    Result<(), DrawingAreaErrorKind<<DB as plotters::prelude::DrawingBackend>::ErrorType>>;

/// Draws with `draw` into a new PNG of `size` pixels at `path` and writes the file.
fn render<F>(path: &Path, size: (u32, u32), draw: F) -> Result<(), PlotError>
where
    F: for<'a> FnOnce(&DrawingArea<BitMapBackend<'a>, Shift>) -> DrawResult<BitMapBackend<'a>>,
{
    font::ensure_registered().map_err(|()| PlotError::Font {
        path: path.to_path_buf(),
    })?;
    let failed = |e: &dyn std::fmt::Display| PlotError::Draw {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let root = BitMapBackend::new(path, size).into_drawing_area();
    draw(&root).map_err(|e| failed(&e))?;
    root.present().map_err(|e| failed(&e))
}

/// Rejects a zero sample rate (or hop length) with an error naming the PNG.
fn positive(path: &Path, value: u32, name: &str) -> Result<(), PlotError> {
    if value == 0 {
        return Err(PlotError::InvalidInput {
            path: path.to_path_buf(),
            reason: format!("{name} must be positive, got 0"),
        });
    }
    Ok(())
}

/// Pixel width of `text` in `style`, or a rough estimate when the font cannot measure it.
fn text_width(text: &str, size: u32) -> u32 {
    let fallback = (text.chars().count() as u32) * size * 6 / 10;
    if font::ensure_registered().is_err() {
        return fallback;
    }
    (FONT, size)
        .into_font()
        .box_size(text)
        .map_or(fallback, |(w, _)| w)
}

/// Tick label for `value` on an axis spanning `span` with about ten ticks: as many decimals as
/// the tick step (1, 2 or 5 × 10^k) needs, and no "-0.0".
fn tick_label(value: f64, span: f64) -> String {
    let step = spectrogram::tick_step(span.abs(), 10);
    let mut decimals = if step > 0.0 && step.is_finite() {
        (-step.log10().floor()).max(0.0) as usize
    } else {
        1
    };
    // plotters may place more ticks than assumed (0.5 s apart where 1 s was expected): add
    // decimals until the label is exact (to 3 places), so 0.5 never prints as "0".
    while decimals < 3 {
        let scaled = value * 10f64.powi(decimals as i32);
        if (scaled - scaled.round()).abs() <= 1e-6 * scaled.abs().max(1.0) {
            break;
        }
        decimals += 1;
    }
    let value = if value.abs() < step * 1e-6 {
        0.0
    } else {
        value
    };
    let text = format!("{value:.decimals$}");
    if text.trim_start_matches(['-', '0', '.']).is_empty() {
        text.trim_start_matches('-').to_string()
    } else {
        text
    }
}

/// Test helpers: drawing into memory and reading PNG headers with std only.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use plotters::coord::Shift;
    use plotters::prelude::{BitMapBackend, DrawingArea, IntoDrawingArea};

    use super::DrawResult;

    /// An RGB image drawn in memory.
    pub struct Canvas {
        pub width: u32,
        pub height: u32,
        pub rgb: Vec<u8>,
    }

    impl Canvas {
        /// The pixel at (x, y).
        pub fn pixel(&self, x: u32, y: u32) -> (u8, u8, u8) {
            let i = 3 * (y * self.width + x) as usize;
            (self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
        }
    }

    /// Draws with `draw` into a canvas of `size` pixels.
    pub fn draw_in_memory<F>(size: (u32, u32), draw: F) -> Canvas
    where
        F: for<'a> FnOnce(&DrawingArea<BitMapBackend<'a>, Shift>) -> DrawResult<BitMapBackend<'a>>,
    {
        super::font::ensure_registered().expect("font registers");
        let mut rgb = vec![0u8; 3 * (size.0 * size.1) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
            draw(&root).expect("drawing succeeds");
            root.present().expect("present succeeds");
        }
        Canvas {
            width: size.0,
            height: size.1,
            rgb,
        }
    }

    /// A fresh, empty directory under the system temp dir.
    pub fn temp_dir(tag: &str) -> PathBuf {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("ser-plots-{}-{tag}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    /// Checks the PNG signature and returns (width, height) from the IHDR chunk.
    pub fn png_size(bytes: &[u8]) -> (u32, u32) {
        assert!(
            bytes.len() > 33,
            "too short for a PNG: {} bytes",
            bytes.len()
        );
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
        assert_eq!(&bytes[12..16], b"IHDR", "first chunk is IHDR");
        let be =
            |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        (be(16), be(20))
    }
}

#[cfg(test)]
mod tests {
    use super::tick_label;

    #[test]
    fn tick_labels_have_enough_decimals_and_no_negative_zero() {
        assert_eq!(tick_label(-1e-17, 1.26), "0.0");
        assert_eq!(tick_label(0.4, 1.26), "0.4");
        assert_eq!(tick_label(-0.002, 0.02), "-0.002");
        assert_eq!(tick_label(1000.0, 11025.0), "1000");
        assert_eq!(tick_label(-0.0, 2.0), "0.0");
        assert_eq!(tick_label(0.3, 0.6), "0.3");
        assert_eq!(tick_label(2.5, 5.0), "2.5");
        // A span just over 5 s where plotters still ticks every 0.5 s.
        assert_eq!(tick_label(0.5, 5.05), "0.5");
        assert_eq!(tick_label(2.0, 5.05), "2");
    }
}
