//! "Emotion over time": per-class probabilities of the segments of a recording, with a band on
//! top coloured by the winning class of each segment.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::history::PALETTE;
use super::{GRID, INK, PlotError, axis_style, label_style, render, text_width, title_style};

/// Image size of a timeline plot.
const SIZE: (u32, u32) = (1000, 520);
/// Height of the winning-class band, in pixels.
const BAND: i32 = 14;
/// Space above and below the winning-class band, in pixels.
const BAND_GAP: i32 = 8;

/// One stretch of a recording and the model's class probabilities for it.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineSegment {
    /// Start of the segment, in seconds from the beginning of the recording.
    pub start: f64,
    /// End of the segment, in seconds; not before `start`.
    pub end: f64,
    /// One probability per class, in the order of the class names.
    pub probabilities: Vec<f32>,
}

/// Writes the "emotion over time" plot of a recording lasting `duration` seconds to the PNG at
/// `path`: for each of `classes` a step line of its probability, flat over each segment (gaps
/// between segments stay empty), a legend naming the classes, and above the lines a band
/// coloured by the most probable class of each segment. Probabilities are drawn clamped to 0..1.
///
/// # Errors
/// [`PlotError::EmptyInput`] for no segments or no classes; [`PlotError::InvalidInput`] for a
/// duration that is not positive and finite, a segment that ends before it starts or lies outside
/// `0..=duration`, or probabilities that are not finite or do not match the classes one to one;
/// [`PlotError::Draw`] when the file cannot be written.
pub fn emotion_timeline(
    path: &Path,
    title: &str,
    classes: &[String],
    segments: &[TimelineSegment],
    duration: f64,
) -> Result<(), PlotError> {
    validate(path, classes, segments, duration)?;
    render(path, SIZE, |root| {
        draw_timeline(root, title, classes, segments, duration).map(|_| ())
    })
}

/// Float slack allowed on segment bounds (and for two segments to count as touching).
fn slack(duration: f64) -> f64 {
    1e-6 * duration.max(1.0)
}

fn validate(
    path: &Path,
    classes: &[String],
    segments: &[TimelineSegment],
    duration: f64,
) -> Result<(), PlotError> {
    let path = path.to_path_buf();
    if segments.is_empty() || classes.is_empty() {
        let what = ["the class list", "the segment list"][usize::from(segments.is_empty())];
        return Err(PlotError::EmptyInput { path, what });
    }
    let (slack, n) = (slack(duration), classes.len());
    let reason = if !(duration.is_finite() && duration > 0.0) {
        Some(format!("duration {duration} s is not positive and finite"))
    } else {
        segments.iter().enumerate().find_map(|(i, s)| {
            let (start, end, p) = (s.start, s.end, &s.probabilities);
            if !(start.is_finite() && end.is_finite() && start <= end) {
                Some(format!(
                    "segment {i} ({start}..{end} s) does not run forward"
                ))
            } else if start < -slack || end > duration + slack {
                Some(format!(
                    "segment {i} ({start}..{end} s) is outside 0..{duration} s"
                ))
            } else if p.len() != n {
                let len = p.len();
                Some(format!(
                    "segment {i} has {len} probabilities for {n} classes"
                ))
            } else {
                let k = p.iter().position(|v| !v.is_finite())?;
                let (name, v) = (&classes[k], p[k]);
                Some(format!("segment {i}: the probability of {name:?} is {v}"))
            }
        })
    };
    reason.map_or(Ok(()), |reason| {
        Err(PlotError::InvalidInput { path, reason })
    })
}

/// Colour of class `k`: [`PALETTE`], then hues a golden angle apart (starting between pink and
/// magenta, away from the palette's six).
fn class_colour(k: usize) -> RGBColor {
    match k {
        0..6 => PALETTE[k],
        _ => {
            let hue = ((k - 6) as f64 * 0.381_966 + 0.88).fract();
            let (r, g, b) = HSLColor(hue, 0.65, 0.42).to_backend_color().rgb;
            RGBColor(r, g, b)
        }
    }
}

/// Index of the most probable class (the first one on ties).
fn winner(p: &[f32]) -> usize {
    (0..p.len()).fold(0, |best, k| if p[k] > p[best] { k } else { best })
}

/// Segments in time order, grouped into runs of touching segments; a gap starts a new run.
fn runs(segments: &[TimelineSegment], slack: f64) -> Vec<Vec<&TimelineSegment>> {
    let mut order: Vec<&TimelineSegment> = segments.iter().collect();
    order.sort_by(|a, b| a.start.total_cmp(&b.start));
    let mut runs: Vec<Vec<&TimelineSegment>> = Vec::new();
    for s in order {
        match runs.last_mut() {
            Some(run) if (s.start - run[run.len() - 1].end).abs() <= slack => run.push(s),
            _ => runs.push(vec![s]),
        }
    }
    runs
}

/// Band rectangle of one segment as drawn: top-left and bottom-right pixel of `root`.
type Corners = [(i32, i32); 2];

/// Draws the plot and returns the band rectangles, one per segment in input order.
fn draw_timeline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    classes: &[String],
    segments: &[TimelineSegment],
    duration: f64,
) -> Result<Vec<Corners>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let body = root.margin(18, 18, 18, 18).titled(title, title_style())?;
    let (width, height) = body.dim_in_pixel();
    let widest = classes.iter().map(|c| text_width(c, 15)).max().unwrap_or(0);
    let (left, legend) = body.split_horizontally(width - (widest + 40).min(width / 3));
    let mut chart = ChartBuilder::on(&left)
        .margin_top(BAND + 2 * BAND_GAP)
        .margin_right(16)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..duration, 0.0..1.0)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(INK)
        .x_label_formatter(&|t| super::tick_label(*t, duration))
        .y_label_formatter(&|p| super::tick_label(*p, 1.0))
        .x_desc("time (s)")
        .y_desc("probability")
        .label_style(label_style())
        .axis_desc_style(axis_style())
        .draw()?;
    let runs = runs(segments, slack(duration));
    for k in 0..classes.len() {
        let style = class_colour(k).stroke_width(2);
        for run in &runs {
            let points: Vec<(f64, f64)> = run
                .iter()
                .flat_map(|s| {
                    let p = f64::from(s.probabilities[k]).clamp(0.0, 1.0);
                    [(s.start, p), (s.end, p)]
                })
                .collect();
            chart.draw_series(std::iter::once(PathElement::new(points, style)))?;
        }
    }

    let (bx, by) = root.get_base_pixel();
    let (x0, y0) = chart.backend_coord(&(0.0, 1.0));
    let top = y0 - by - BAND_GAP - BAND;
    let style = label_style().pos(Pos::new(HPos::Right, VPos::Center));
    root.draw_text("top class", &style, (x0 - bx - 8, top + BAND / 2))?;
    let mut corners = Vec::with_capacity(segments.len());
    for s in segments {
        let x = |t: f64| chart.backend_coord(&(t, 1.0)).0 - bx;
        let rect = [(x(s.start), top), (x(s.end), top + BAND - 1)];
        let colour = class_colour(winner(&s.probabilities));
        root.draw(&Rectangle::new(rect, colour.filled()))?;
        corners.push(rect);
    }

    let mut y = y0 - legend.get_base_pixel().1;
    let step = ((height as i32 - y) / classes.len() as i32).clamp(8, 22);
    for (k, name) in classes.iter().enumerate() {
        let swatch = [(0, y + 2), (14, y + 12)];
        legend.draw(&Rectangle::new(swatch, class_colour(k).filled()))?;
        legend.draw_text(name, &label_style(), (22, y))?;
        y += step;
    }
    Ok(corners)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::testing::{draw_in_memory, png_size, temp_dir};

    fn seg(start: f64, end: f64, probabilities: &[f32]) -> TimelineSegment {
        let probabilities = probabilities.to_vec();
        TimelineSegment {
            start,
            end,
            probabilities,
        }
    }

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|k| format!("class {k}")).collect()
    }

    fn example() -> Vec<TimelineSegment> {
        vec![
            seg(0.5, 2.0, &[0.1, 0.7, 0.2]),
            seg(2.0, 3.0, &[0.2, 0.2, 0.6]),
            seg(4.0, 5.5, &[0.8, 0.1, 0.1]),
        ]
    }

    #[test]
    fn writes_png_of_the_expected_size() {
        let path = temp_dir("timeline").join("timeline.png");
        let segments = [seg(0.0, 1.0, &[0.125; 8])];
        emotion_timeline(&path, "Timeline", &names(8), &segments, 1.0).expect("plot");
        let bytes = std::fs::read(&path).expect("png written");
        assert_eq!(png_size(&bytes), SIZE);
    }

    #[test]
    fn band_shows_the_winner_and_gaps_stay_empty() {
        let (classes, segments) = (names(3), example());
        let mut corners = Vec::new();
        let canvas = draw_in_memory(SIZE, |root| {
            corners = draw_timeline(root, "t", &classes, &segments, 6.0)?;
            Ok(())
        });
        let rgb = |c: RGBColor| (c.0, c.1, c.2);
        let mid_y = (corners[0][0].1 + corners[0][1].1) as u32 / 2;
        for (rect, winner) in corners.iter().zip([1, 2, 0]) {
            let mid_x = (rect[0].0 + rect[1].0) as u32 / 2;
            assert_eq!(canvas.pixel(mid_x, mid_y), rgb(class_colour(winner)));
        }
        // Between 3 s and 4 s: no band and no line of any class.
        let gap_x = (corners[1][1].0 + corners[2][0].0) as u32 / 2;
        assert_eq!(canvas.pixel(gap_x, mid_y), (255, 255, 255));
        let colours: Vec<_> = (0..3).map(|k| rgb(class_colour(k))).collect();
        assert!((0..SIZE.1).all(|y| !colours.contains(&canvas.pixel(gap_x, y))));
    }

    #[test]
    fn colours_extend_the_palette_deterministically() {
        assert_eq!(class_colour(0), PALETTE[0]);
        assert_eq!(class_colour(5), PALETTE[5]);
        let colours: Vec<RGBColor> = (0..16).map(class_colour).collect();
        for (i, a) in colours.iter().enumerate() {
            assert!(colours[..i].iter().all(|b| b != a), "colour {i} repeats");
        }
        assert_eq!(colours, (0..16).map(class_colour).collect::<Vec<_>>());
    }

    #[test]
    fn rejects_bad_input_with_the_right_variant() {
        let path = Path::new("unused.png");
        let c = names(3);
        let check = |segments: &[TimelineSegment], duration| validate(path, &c, segments, duration);
        let no_segments = emotion_timeline(path, "t", &c, &[], 6.0);
        assert!(matches!(no_segments, Err(PlotError::EmptyInput { .. })));
        let no_classes = validate(path, &[], &example(), 6.0);
        assert!(matches!(no_classes, Err(PlotError::EmptyInput { .. })));
        check(&example(), 6.0).expect("valid");
        check(&[seg(-1e-9, 6.0 + 1e-9, &[0.0; 3])], 6.0).expect("tiny slack is fine");
        let p = [0.3, 0.3, 0.4];
        let bad = [
            (vec![seg(0.0, 1.0, &p)], f64::NAN),
            (vec![seg(0.0, 1.0, &p)], 0.0),
            (vec![seg(2.0, 1.0, &p)], 6.0),
            (vec![seg(-0.5, 1.0, &p)], 6.0),
            (vec![seg(5.0, 6.5, &p)], 6.0),
            (vec![seg(f64::NAN, 1.0, &p)], 6.0),
            (vec![seg(0.0, 1.0, &[0.5, 0.5])], 6.0),
            (vec![seg(0.0, 1.0, &[0.5, f32::NAN, 0.5])], 6.0),
        ];
        for (segments, duration) in bad {
            let err = check(&segments, duration).expect_err("rejected");
            assert!(matches!(err, PlotError::InvalidInput { .. }), "{err}");
        }
    }
}
