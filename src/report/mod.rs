//! One self-contained, offline HTML page: headings, paragraphs, tables, PNG images and WAV
//! audio players (both embedded as base64 `data:` URIs), preformatted text and a small
//! stylesheet. The page needs nothing but itself: it can be mailed, archived or opened from disk.
//!
//! All text is HTML-escaped. A short script in the page records, once the page has loaded, what
//! the browser could show, as attributes of `<body>` that a headless browser's DOM dump reveals
//! (`scripts/check_report.sh` reads them):
//! - `data-images-ok="N/M"`: N of the M images decoded (`complete && naturalWidth > 0`);
//! - `data-audio-ok="N/M"`: N of the M audio players loaded their clip's metadata
//!   (`readyState >= 1`);
//! - `data-audio-playable="N/M"`: N of the M players' browsers say they can play WAV
//!   (`canPlayType('audio/wav')`);
//! - `data-tables="T"`: the number of tables;
//! - `data-page-height="H"`: the page's height in CSS pixels (for a full-page screenshot);
//! - `data-checked="yes"` once the counts above have been written.
//!
//! ```
//! use ser::report::{Report, wav_bytes};
//! # fn main() -> Result<(), ser::report::ReportError> {
//! let mut report = Report::new("Speech emotion recognition");
//! report
//!     .heading("Results")
//!     .paragraph("Accuracy on the held-out 20 % of the clips.")
//!     .table(&["model", "accuracy"], &[vec!["SVM", "98.3 %"], vec!["KNN", "94.2 %"]])?;
//! let tone: Vec<f32> = (0..800).map(|i| (i as f32 * 0.3).sin() * 0.5).collect();
//! report.audio_wav(&wav_bytes(&tone, 8000)?, "a 0.1 s tone");
//! let html = report.to_html();
//! assert!(html.contains("<table>") && html.contains("data:audio/wav;base64,"));
//! # Ok(()) }
//! ```

mod wav;

pub use wav::wav_bytes;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// Why a report could not be assembled or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Reading an image or writing the page failed.
    #[error("{path}: {source}")]
    Io {
        /// The file that could not be read or written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Bytes given as a PNG image do not start with the PNG signature.
    #[error("{what} is not a PNG image (no PNG signature)")]
    NotPng {
        /// The image's file name, or its alt text for bytes given directly.
        what: String,
    },
    /// A table row has a different number of cells than the header.
    #[error("table row {row} has {got} cells but the header has {expected}")]
    RaggedTable {
        /// Index of the offending row (0 = first row after the header).
        row: usize,
        /// Number of header cells.
        expected: usize,
        /// Number of cells in the row.
        got: usize,
    },
    /// Audio samples that cannot be encoded as a WAV clip.
    #[error("cannot encode audio as WAV: {reason}")]
    InvalidAudio {
        /// What is wrong with the samples.
        reason: String,
    },
}

/// One piece of the page, in order.
#[derive(Debug, Clone)]
enum Block {
    Heading {
        level: u8,
        text: String,
    },
    Paragraph(String),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Image {
        base64: String,
        alt: String,
        caption: Option<String>,
    },
    Audio {
        base64: String,
        label: String,
    },
    Preformatted(String),
}

/// A self-contained HTML report, built block by block.
///
/// Methods append in order and return `&mut Self` (or `Result<&mut Self, _>` where the input
/// can be bad) so calls chain. [`Report::to_html`] renders the page; [`Report::write`] saves it.
#[derive(Debug, Clone)]
pub struct Report {
    title: String,
    blocks: Vec<Block>,
}

impl Report {
    /// An empty report whose page title and top heading are `title`.
    pub fn new(title: &str) -> Self {
        Report {
            title: title.to_string(),
            blocks: Vec::new(),
        }
    }

    /// Starts a section: a second-level heading, listed in the page's table of contents.
    pub fn heading(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Heading {
            level: 2,
            text: text.to_string(),
        });
        self
    }

    /// A third-level heading inside the current section.
    pub fn subheading(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Heading {
            level: 3,
            text: text.to_string(),
        });
        self
    }

    /// A paragraph of plain text (escaped; line breaks are kept as spaces).
    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.to_string()));
        self
    }

    /// A table with one header row and `rows` of plain-text cells.
    ///
    /// # Errors
    /// [`ReportError::RaggedTable`] when a row's length differs from the header's.
    pub fn table<H: AsRef<str>, C: AsRef<str>>(
        &mut self,
        header: &[H],
        rows: &[Vec<C>],
    ) -> Result<&mut Self, ReportError> {
        if let Some((row, cells)) = rows
            .iter()
            .enumerate()
            .find(|(_, cells)| cells.len() != header.len())
        {
            return Err(ReportError::RaggedTable {
                row,
                expected: header.len(),
                got: cells.len(),
            });
        }
        let strings = |cells: &[C]| cells.iter().map(|c| c.as_ref().to_string()).collect();
        self.blocks.push(Block::Table {
            header: header.iter().map(|h| h.as_ref().to_string()).collect(),
            rows: rows.iter().map(|r| strings(r)).collect(),
        });
        Ok(self)
    }

    /// A PNG image given as bytes, embedded as a `data:image/png;base64` URI, with `alt` text
    /// and an optional caption under it.
    ///
    /// # Errors
    /// [`ReportError::NotPng`] when the bytes lack the PNG signature.
    pub fn image_png(
        &mut self,
        png: &[u8],
        alt: &str,
        caption: Option<&str>,
    ) -> Result<&mut Self, ReportError> {
        if !png.starts_with(PNG_SIGNATURE) {
            return Err(ReportError::NotPng {
                what: format!("image \"{alt}\""),
            });
        }
        self.blocks.push(Block::Image {
            base64: BASE64.encode(png),
            alt: alt.to_string(),
            caption: caption.map(str::to_string),
        });
        Ok(self)
    }

    /// A PNG image read from `path` (for example one written by [`crate::plots`]), embedded
    /// like [`Report::image_png`].
    ///
    /// # Errors
    /// [`ReportError::Io`] when the file cannot be read; [`ReportError::NotPng`] when it is not
    /// a PNG.
    pub fn image_png_file(
        &mut self,
        path: &Path,
        alt: &str,
        caption: Option<&str>,
    ) -> Result<&mut Self, ReportError> {
        let png = std::fs::read(path).map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if !png.starts_with(PNG_SIGNATURE) {
            return Err(ReportError::NotPng {
                what: path.display().to_string(),
            });
        }
        self.image_png(&png, alt, caption)
    }

    /// An audio player for a WAV file given as bytes (see [`wav_bytes`]), embedded as a
    /// `data:audio/wav;base64` URI, under a `label`.
    pub fn audio_wav(&mut self, wav: &[u8], label: &str) -> &mut Self {
        self.blocks.push(Block::Audio {
            base64: BASE64.encode(wav),
            label: label.to_string(),
        });
        self
    }

    /// An audio player for mono `samples` at `sample_rate` Hz, encoded as 16-bit WAV.
    ///
    /// # Errors
    /// [`ReportError::InvalidAudio`] as for [`wav_bytes`].
    pub fn audio_samples(
        &mut self,
        samples: &[f32],
        sample_rate: u32,
        label: &str,
    ) -> Result<&mut Self, ReportError> {
        let wav = wav_bytes(samples, sample_rate)?;
        Ok(self.audio_wav(&wav, label))
    }

    /// A block of preformatted text (console output, a transcript), shown in a fixed-width
    /// font with its line breaks.
    pub fn preformatted(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Preformatted(text.to_string()));
        self
    }

    /// Renders the whole page.
    pub fn to_html(&self) -> String {
        let mut html = String::with_capacity(
            4096 + self
                .blocks
                .iter()
                .map(|b| match b {
                    Block::Image { base64, .. } | Block::Audio { base64, .. } => base64.len(),
                    _ => 256,
                })
                .sum::<usize>(),
        );
        let title = escape(&self.title);
        html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        let _ = writeln!(html, "<title>{title}</title>");
        let _ = writeln!(html, "<style>{CSS}</style>");
        let _ = writeln!(html, "<script>{CHECK_SCRIPT}</script>");
        html.push_str("</head>\n<body>\n<main>\n");
        let _ = writeln!(html, "<h1>{title}</h1>");
        self.push_contents(&mut html);
        let mut section = 0;
        for block in &self.blocks {
            push_block(&mut html, block, &mut section);
        }
        html.push_str("</main>\n</body>\n</html>\n");
        html
    }

    /// Renders the page and writes it to `path`.
    ///
    /// # Errors
    /// [`ReportError::Io`] when the file cannot be written.
    pub fn write(&self, path: &Path) -> Result<(), ReportError> {
        std::fs::write(path, self.to_html()).map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// A table of contents linking the section headings, when there are two or more.
    fn push_contents(&self, html: &mut String) {
        let sections: Vec<&str> = self
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level: 2, text } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        if sections.len() < 2 {
            return;
        }
        html.push_str("<nav><h2>Contents</h2>\n<ol>\n");
        for (i, text) in sections.iter().enumerate() {
            let _ = writeln!(
                html,
                "<li><a href=\"#section-{}\">{}</a></li>",
                i + 1,
                escape(text)
            );
        }
        html.push_str("</ol>\n</nav>\n");
    }
}

/// The eight bytes every PNG file starts with.
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Appends one block's HTML; `section` counts the second-level headings for their anchors.
fn push_block(html: &mut String, block: &Block, section: &mut usize) {
    match block {
        Block::Heading { level: 2, text } => {
            *section += 1;
            let _ = writeln!(html, "<h2 id=\"section-{section}\">{}</h2>", escape(text));
        }
        Block::Heading { level, text } => {
            let _ = writeln!(html, "<h{level}>{}</h{level}>", escape(text));
        }
        Block::Paragraph(text) => {
            let _ = writeln!(html, "<p>{}</p>", escape(text));
        }
        Block::Table { header, rows } => {
            html.push_str("<div class=\"table\"><table>\n<thead><tr>");
            for h in header {
                let _ = write!(html, "<th>{}</th>", escape(h));
            }
            html.push_str("</tr></thead>\n<tbody>\n");
            for row in rows {
                html.push_str("<tr>");
                for cell in row {
                    let _ = write!(html, "<td>{}</td>", escape(cell));
                }
                html.push_str("</tr>\n");
            }
            html.push_str("</tbody>\n</table></div>\n");
        }
        Block::Image {
            base64,
            alt,
            caption,
        } => {
            let _ = write!(
                html,
                "<figure><img src=\"data:image/png;base64,{base64}\" alt=\"{}\">",
                escape(alt)
            );
            if let Some(caption) = caption {
                let _ = write!(html, "<figcaption>{}</figcaption>", escape(caption));
            }
            html.push_str("</figure>\n");
        }
        Block::Audio { base64, label } => {
            let _ = writeln!(
                html,
                "<figure class=\"audio\"><figcaption>{}</figcaption>\
                 <audio controls preload=\"auto\" src=\"data:audio/wav;base64,{base64}\"></audio>\
                 </figure>",
                escape(label)
            );
        }
        Block::Preformatted(text) => {
            let _ = writeln!(html, "<pre>{}</pre>", escape(text));
        }
    }
}

/// Escapes text for HTML element content and quoted attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The page's stylesheet: readable type, zebra tables, images that fit the column.
const CSS: &str = "
:root { color-scheme: light; }
body { margin: 0; background: #f6f7f9; color: #222; font: 16px/1.5 system-ui, -apple-system,
  'Segoe UI', Roboto, 'DejaVu Sans', sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; background: #fff;
  box-shadow: 0 0 12px rgba(0,0,0,.06); }
h1 { font-size: 2em; margin: .4em 0 .6em; }
h2 { font-size: 1.45em; margin: 1.8em 0 .5em; padding-bottom: .2em; border-bottom: 2px solid #e3e6ea; }
h3 { font-size: 1.15em; margin: 1.4em 0 .4em; }
nav ol { margin: 0; }
nav h2 { border: 0; margin-top: .5em; }
p { margin: .6em 0; }
.table { overflow-x: auto; margin: .8em 0; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 12px; border-bottom: 1px solid #e3e6ea; text-align: left; }
th { background: #eef1f5; font-weight: 600; }
tbody tr:nth-child(even) { background: #fafbfc; }
figure { margin: 1em 0; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #e3e6ea; }
figcaption { color: #555; font-size: .92em; margin: .3em 0; }
figure.audio { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; }
figure.audio figcaption { min-width: 14em; margin: 0; }
pre { background: #f3f4f6; padding: 10px 14px; overflow-x: auto; border-radius: 4px;
  font: 14px/1.45 ui-monospace, 'DejaVu Sans Mono', monospace; }
";

/// Records on `<body>` what the browser could show (see the module documentation).
const CHECK_SCRIPT: &str = "
(function () {
  function check() {
    var body = document.body, images = document.images, ok = 0, i;
    for (i = 0; i < images.length; i++) {
      if (images[i].complete && images[i].naturalWidth > 0) { ok++; }
    }
    body.setAttribute('data-images-ok', ok + '/' + images.length);
    var audio = document.getElementsByTagName('audio'), loaded = 0, playable = 0;
    for (i = 0; i < audio.length; i++) {
      if (audio[i].readyState >= 1) { loaded++; }
      if (audio[i].canPlayType('audio/wav') !== '') { playable++; }
    }
    body.setAttribute('data-audio-ok', loaded + '/' + audio.length);
    body.setAttribute('data-audio-playable', playable + '/' + audio.length);
    body.setAttribute('data-tables', String(document.getElementsByTagName('table').length));
    body.setAttribute('data-page-height', String(document.documentElement.scrollHeight));
    body.setAttribute('data-checked', 'yes');
  }
  window.addEventListener('load', function () {
    var audio = document.getElementsByTagName('audio'), i;
    for (i = 0; i < audio.length; i++) {
      audio[i].addEventListener('loadedmetadata', check);
      audio[i].addEventListener('error', check);
    }
    check();
  });
})();
";

#[cfg(test)]
mod tests {
    use super::*;

    /// A real 1 × 1 PNG: signature, IHDR, IDAT, IEND.
    const TINY_PNG: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90,
        0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x08, 0xd7, 0x63, 0xf8,
        0xcf, 0xc0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xdd, 0x8d, 0xb0, 0x00, 0x00, 0x00,
        0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];

    fn sample_report() -> Report {
        let mut r = Report::new("Study <results> & \"more\"");
        r.heading("EDA")
            .paragraph("Counts per emotion: <b>not bold</b> & fine.");
        r.image_png(TINY_PNG, "counts", Some("Clips per emotion"))
            .expect("png");
        r.heading("Models")
            .table(
                &["model", "accuracy"],
                &[vec!["SVM", "98.3 %"], vec!["KNN <k=5>", "94.2 %"]],
            )
            .expect("table");
        r.image_png(TINY_PNG, "confusion", None).expect("png");
        r.subheading("Example clip")
            .audio_samples(&[0.0, 0.5, -0.5, 0.25], 8000, "angry: say the word back")
            .expect("audio");
        r.preformatted("line 1\n  line <2>");
        r
    }

    #[test]
    fn page_has_every_block_in_order() {
        let html = sample_report().to_html();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert_eq!(html.matches("<img src=\"data:image/png;base64,").count(), 2);
        assert_eq!(html.matches("<table>").count(), 1);
        assert_eq!(html.matches("<audio controls").count(), 1);
        assert_eq!(
            html.matches("<figcaption>Clips per emotion</figcaption>")
                .count(),
            1
        );
        assert!(html.contains("<th>model</th><th>accuracy</th>"));
        assert!(html.contains("<td>KNN &lt;k=5&gt;</td><td>94.2 %</td>"));
        assert!(html.contains("<pre>line 1\n  line &lt;2&gt;</pre>"));
        // Sections are numbered and listed in the contents.
        assert!(html.contains("<h2 id=\"section-1\">EDA</h2>"));
        assert!(html.contains("<h2 id=\"section-2\">Models</h2>"));
        assert!(html.contains("<a href=\"#section-2\">Models</a>"));
        assert!(html.contains("<h3>Example clip</h3>"));
        // Order: EDA text, first image, table, second image, audio, pre.
        let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("missing {s}"));
        let order = [
            at("Counts per emotion"),
            at("alt=\"counts\""),
            at("<table>"),
            at("alt=\"confusion\""),
            at("<audio"),
            at("<pre>"),
        ];
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        // The load-time check script and stylesheet are inline; nothing is fetched.
        assert!(html.contains("data-images-ok") && html.contains("naturalWidth > 0"));
        assert!(html.contains("<style>"));
        for external in ["http://", "https://", "src=\"/", "href=\"http"] {
            assert!(!html.contains(external), "page refers to {external}");
        }
    }

    #[test]
    fn text_is_escaped() {
        let html = sample_report().to_html();
        assert!(html.contains("<title>Study &lt;results&gt; &amp; &quot;more&quot;</title>"));
        assert!(html.contains("<h1>Study &lt;results&gt; &amp; &quot;more&quot;</h1>"));
        assert!(
            html.contains("<p>Counts per emotion: &lt;b&gt;not bold&lt;/b&gt; &amp; fine.</p>")
        );
        assert!(!html.contains("<b>"));
        assert_eq!(escape("a'b\"c<d>e&f"), "a&#39;b&quot;c&lt;d&gt;e&amp;f");
    }

    #[test]
    fn embedded_media_decode_back_to_the_input() {
        let html = sample_report().to_html();
        let payload = |prefix: &str| {
            let start = html.find(prefix).expect("data uri") + prefix.len();
            let end = start + html[start..].find('"').expect("closing quote");
            BASE64.decode(&html[start..end]).expect("valid base64")
        };
        assert_eq!(payload("data:image/png;base64,"), TINY_PNG);
        let wav = payload("data:audio/wav;base64,");
        assert_eq!(wav, wav_bytes(&[0.0, 0.5, -0.5, 0.25], 8000).expect("wav"));
    }

    #[test]
    fn bad_inputs_are_errors() {
        let mut r = Report::new("t");
        match r.table(&["a", "b"], &[vec!["1", "2"], vec!["3"]]) {
            Err(ReportError::RaggedTable { row, expected, got }) => {
                assert_eq!((row, expected, got), (1, 2, 1));
            }
            other => panic!("expected RaggedTable, got {other:?}"),
        }
        assert!(matches!(
            r.image_png(b"GIF89a....", "gif", None),
            Err(ReportError::NotPng { .. })
        ));
        let missing = std::env::temp_dir().join("ser-report-no-such-file.png");
        match r.image_png_file(&missing, "x", None) {
            Err(ReportError::Io { path, .. }) => assert_eq!(path, missing),
            other => panic!("expected Io, got {other:?}"),
        }
        assert!(matches!(
            r.audio_samples(&[f32::INFINITY], 8000, "x"),
            Err(ReportError::InvalidAudio { .. })
        ));
        // Nothing bad was added.
        assert!(!r.to_html().contains("<table>"));
    }

    #[test]
    fn writes_the_page_and_embeds_a_png_file() {
        let dir = std::env::temp_dir().join(format!("ser-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let png = dir.join("tiny.png");
        std::fs::write(&png, TINY_PNG).expect("png");
        let mut r = Report::new("file");
        r.image_png_file(&png, "tiny", None).expect("embeds");
        let page = dir.join("report.html");
        r.write(&page).expect("writes");
        let html = std::fs::read_to_string(&page).expect("reads");
        assert_eq!(html, r.to_html());
        assert!(html.contains(&BASE64.encode(TINY_PNG)));
        let not_png = dir.join("not.png");
        std::fs::write(&not_png, b"hello").expect("write");
        assert!(matches!(
            r.image_png_file(&not_png, "x", None),
            Err(ReportError::NotPng { what }) if what.contains("not.png")
        ));
        match r.write(&dir.join("missing-dir").join("r.html")) {
            Err(ReportError::Io { path, .. }) => assert!(path.ends_with("missing-dir/r.html")),
            other => panic!("expected Io, got {other:?}"),
        }
    }
}
