//! The embedded DejaVu Sans font, registered with plotters once per process.

use std::sync::OnceLock;

use plotters::style::FontStyle;

/// DejaVu Sans from Debian's `fonts-dejavu-core` (licence: `assets/LICENSE-DejaVuSans.txt`).
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Registers the font under "sans-serif" the first time it is called; later calls return the
/// first outcome.
pub(super) fn ensure_registered() -> Result<(), ()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, DEJAVU_SANS).is_ok()
    });
    if ok { Ok(()) } else { Err(()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::style::IntoFont;

    #[test]
    fn registered_font_measures_text() {
        ensure_registered().expect("embedded font registers");
        let font = ("sans-serif", 20).into_font();
        let (short, _) = font.box_size("ab").expect("measures");
        let (long, h) = font.box_size("abababab").expect("measures");
        assert!(short > 0 && h > 0);
        // Four times the text is about four times as wide.
        assert!(long >= 3 * short && long <= 5 * short, "{short} vs {long}");
    }
}
