//! Small delimited text tables (manifests, label maps): RFC 4180 records with line numbers,
//! every record bounded in length, read from files bounded in size.

use std::io::Read;
use std::path::Path;

use crate::error::{DataError, Result};

/// Reads a text file after checking that `path` is a regular file of at most `limit` bytes;
/// never reads more than `limit` bytes (as `ser_pipeline::read_limited` does for model files).
///
/// # Errors
/// [`DataError::Io`] when it cannot be opened or read; [`DataError::TextFile`] when it is not a
/// regular file, is larger than `limit` or is not UTF-8.
pub(crate) fn read_limited(path: &Path, limit: u64) -> Result<String> {
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let bad = |reason: String| DataError::TextFile {
        path: path.to_path_buf(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(bad("not a regular file".into()));
    }
    if meta.len() > limit {
        return Err(bad(format!("{} bytes; the limit is {limit}", meta.len())));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(bad(format!("more than {limit} bytes")));
    }
    String::from_utf8(bytes).map_err(|e| {
        bad(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The first line of a file (at most `limit` bytes of it, a UTF-8 byte order mark removed), or
/// `None` when it is not a readable regular file or that line is not UTF-8.
pub(crate) fn first_line(path: &Path, limit: usize) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(limit as u64 + 3)
        .read_to_end(&mut bytes)
        .ok()?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    std::str::from_utf8(bytes.get(..end)?)
        .ok()
        .map(str::to_string)
}

/// The text without a leading UTF-8 byte order mark.
pub(crate) fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The delimiter of a table: a tab when its first line holds one, else a comma.
pub(crate) fn delimiter_of(text: &str) -> u8 {
    let first = text.split('\n').next().unwrap_or("");
    if first.contains('\t') { b'\t' } else { b',' }
}

/// One field of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    /// The text, quotes removed (`""` inside quotes read as `"`).
    pub text: String,
    /// Whether it was written in quotes (its blanks are then part of it).
    pub quoted: bool,
}

impl Field {
    /// The value: a quoted field exactly, an unquoted one without blanks around it.
    pub fn value(&self) -> &str {
        if self.quoted {
            &self.text
        } else {
            self.text.trim()
        }
    }
}

/// Why a record could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordError {
    /// Longer than the limit (bytes); skipped to the end of the line where the limit was passed.
    TooLong(usize),
    /// A quoted field not closed before the end of the input.
    UnterminatedQuote,
    /// Text after a closing quote before the next delimiter (`"a"b`).
    TextAfterQuote,
}

/// One record: the line it starts on (from 1) and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub line: usize,
    pub fields: std::result::Result<Vec<Field>, RecordError>,
}

impl Record {
    /// A line with nothing on it (blank lines are skipped, not reported).
    pub fn is_blank(&self) -> bool {
        matches!(&self.fields, Ok(f) if f.len() == 1 && !f[0].quoted && f[0].text.trim().is_empty())
    }
}

/// Splits `text` into RFC 4180 records: fields separated by `delim`, records by `\n` or `\r\n`;
/// a field starting with `"` is quoted, may hold delimiters and line breaks, and writes a quote
/// as `""`. A quote inside an unquoted field is kept as it is. A record longer than `limit`
/// bytes is [`RecordError::TooLong`]; reading goes on at the next line.
pub(crate) fn records(text: &str, delim: u8, limit: usize) -> Vec<Record> {
    let b = text.as_bytes();
    let mut pos = 0;
    let mut line = 1;
    let mut out = Vec::new();
    while pos < b.len() {
        let start_line = line;
        let start = pos;
        let fields = record(b, &mut pos, &mut line, delim, limit, start);
        if fields.is_err() {
            // Resynchronise at the next line break.
            while pos < b.len() && b[pos] != b'\n' {
                pos += 1;
            }
            if pos < b.len() {
                pos += 1;
                line += 1;
            }
        }
        out.push(Record {
            line: start_line,
            fields,
        });
    }
    out
}

fn text_of(bytes: &[u8]) -> String {
    // Fields are cut at ASCII bytes only, so every slice of valid UTF-8 stays valid.
    String::from_utf8_lossy(bytes).into_owned()
}

fn record(
    b: &[u8],
    pos: &mut usize,
    line: &mut usize,
    delim: u8,
    limit: usize,
    start: usize,
) -> std::result::Result<Vec<Field>, RecordError> {
    let n = b.len();
    let mut fields = Vec::new();
    let too_long = |i: usize| i - start > limit;
    loop {
        if *pos < n && b[*pos] == b'"' {
            *pos += 1;
            let mut buf = Vec::new();
            loop {
                if *pos >= n {
                    return Err(RecordError::UnterminatedQuote);
                }
                if too_long(*pos) {
                    return Err(RecordError::TooLong(*pos - start));
                }
                match b[*pos] {
                    b'"' if b.get(*pos + 1) == Some(&b'"') => {
                        buf.push(b'"');
                        *pos += 2;
                    }
                    b'"' => {
                        *pos += 1;
                        break;
                    }
                    c => {
                        if c == b'\n' {
                            *line += 1;
                        }
                        buf.push(c);
                        *pos += 1;
                    }
                }
            }
            fields.push(Field {
                text: text_of(&buf),
                quoted: true,
            });
            match b.get(*pos) {
                Some(&c) if c == delim => *pos += 1,
                None => return Ok(fields),
                Some(b'\n') => {
                    *pos += 1;
                    *line += 1;
                    return Ok(fields);
                }
                Some(b'\r') if matches!(b.get(*pos + 1), None | Some(b'\n')) => {
                    *pos += 1;
                    if *pos < n {
                        *pos += 1;
                        *line += 1;
                    }
                    return Ok(fields);
                }
                Some(_) => return Err(RecordError::TextAfterQuote),
            }
        } else {
            let s = *pos;
            while *pos < n && b[*pos] != delim && b[*pos] != b'\n' {
                *pos += 1;
            }
            if too_long(*pos) {
                return Err(RecordError::TooLong(*pos - start));
            }
            if *pos < n && b[*pos] == delim {
                fields.push(Field {
                    text: text_of(&b[s..*pos]),
                    quoted: false,
                });
                *pos += 1;
                continue;
            }
            let mut e = *pos;
            if e > s && b[e - 1] == b'\r' {
                e -= 1;
            }
            fields.push(Field {
                text: text_of(&b[s..e]),
                quoted: false,
            });
            if *pos < n {
                *pos += 1;
                *line += 1;
            }
            return Ok(fields);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(r: &Record) -> Vec<String> {
        r.fields
            .as_ref()
            .unwrap()
            .iter()
            .map(|f| f.value().to_string())
            .collect()
    }

    #[test]
    fn rfc4180_quoting_crlf_and_line_numbers() {
        let text = "path,label\r\n\"a, b.wav\",x\r\n\"say \"\"hi\"\"\",y\r\n\"two\nlines.wav\",z\r\nlast.wav, w \r\n";
        let r = records(text, b',', 1000);
        assert_eq!(r.len(), 5);
        assert_eq!(values(&r[0]), ["path", "label"]);
        assert_eq!(values(&r[1]), ["a, b.wav", "x"]);
        assert_eq!(values(&r[2]), ["say \"hi\"", "y"]);
        assert_eq!(values(&r[3]), ["two\nlines.wav", "z"]);
        assert_eq!(values(&r[4]), ["last.wav", "w"]);
        let lines: Vec<usize> = r.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 2, 3, 4, 6]);
    }

    #[test]
    fn errors_resynchronise_at_the_next_line() {
        let text = "a,b\n\"x\"y,1\nok,2\n\"open,3\n";
        let r = records(text, b',', 1000);
        assert_eq!(r[1].fields, Err(RecordError::TextAfterQuote));
        assert_eq!(
            (r[2].line, values(&r[2])),
            (3, vec!["ok".into(), "2".into()])
        );
        assert_eq!(r[3].fields, Err(RecordError::UnterminatedQuote));
        let long = format!("a,b\n{},1\nok,2\n", "x".repeat(50));
        let r = records(&long, b',', 20);
        assert!(matches!(r[1].fields, Err(RecordError::TooLong(_))));
        assert_eq!(
            (r[2].line, values(&r[2])),
            (3, vec!["ok".into(), "2".into()])
        );
    }

    #[test]
    fn tabs_blank_lines_and_delimiter_detection() {
        let text = "path\tlabel\n\na.wav\thappy\n";
        assert_eq!(delimiter_of(text), b'\t');
        assert_eq!(delimiter_of("path,label\na\tb,c\n"), b',');
        let r = records(text, b'\t', 100);
        assert!(r[1].is_blank());
        assert_eq!(values(&r[2]), ["a.wav", "happy"]);
        assert_eq!(r[2].line, 3);
        // A quoted blank is a value, not a blank line.
        assert!(!records("\" \"\n", b',', 100)[0].is_blank());
    }
}
