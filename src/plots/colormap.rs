//! Two colour maps: matplotlib's "magma" (spectrograms) and "Blues" (confusion matrices).

use plotters::style::RGBColor;

/// matplotlib's magma sampled at 0, 1/8, ..., 1 (dark purple → pale yellow).
const MAGMA: [(u8, u8, u8); 9] = [
    (0, 0, 4),
    (28, 16, 68),
    (79, 18, 123),
    (129, 37, 129),
    (181, 54, 122),
    (229, 80, 100),
    (251, 135, 97),
    (254, 194, 135),
    (252, 253, 191),
];

/// matplotlib's Blues sampled at 0, 1/8, ..., 1 (near white → dark blue).
const BLUES: [(u8, u8, u8); 9] = [
    (247, 251, 255),
    (222, 235, 247),
    (198, 219, 239),
    (158, 202, 225),
    (107, 174, 214),
    (66, 146, 198),
    (33, 113, 181),
    (8, 81, 156),
    (8, 48, 107),
];

/// Linear interpolation between evenly spaced anchors; `t` is clamped to [0, 1], NaN maps to 0.
fn interpolate(anchors: &[(u8, u8, u8)], t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let last = anchors.len() - 1;
    let pos = t * last as f64;
    let i = (pos.floor() as usize).min(last - 1);
    let f = pos - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (anchors[i], anchors[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Magma colour for `t` in [0, 1].
pub(super) fn magma(t: f64) -> RGBColor {
    interpolate(&MAGMA, t)
}

/// Blues colour for `t` in [0, 1].
pub(super) fn blues(t: f64) -> RGBColor {
    interpolate(&BLUES, t)
}

/// Relative luminance in [0, 1], to pick dark or light text over a colour.
pub(super) fn luminance(c: RGBColor) -> f64 {
    (0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2)) / 255.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_and_midpoints_hit_the_anchors() {
        assert_eq!(magma(0.0), RGBColor(0, 0, 4));
        assert_eq!(magma(1.0), RGBColor(252, 253, 191));
        assert_eq!(magma(0.5), RGBColor(181, 54, 122));
        assert_eq!(blues(0.0), RGBColor(247, 251, 255));
        assert_eq!(blues(1.0), RGBColor(8, 48, 107));
    }

    #[test]
    fn interpolates_between_anchors_and_clamps() {
        // Halfway between anchors 0 and 1 of magma: (14, 8, 36).
        assert_eq!(magma(1.0 / 16.0), RGBColor(14, 8, 36));
        assert_eq!(magma(-3.0), magma(0.0));
        assert_eq!(magma(7.0), magma(1.0));
        assert_eq!(magma(f64::NAN), magma(0.0));
    }

    #[test]
    fn luminance_orders_dark_and_light() {
        assert!(luminance(blues(1.0)) < 0.3);
        assert!(luminance(blues(0.0)) > 0.9);
        assert!(luminance(magma(0.0)) < luminance(magma(1.0)));
    }
}
