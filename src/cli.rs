//! What the command-line examples share at their edges: printing to standard output so that a
//! reader that goes away (`| head -1`) ends the output quietly and a failing one
//! (`> /dev/full`) is an error, and reading file names from standard input as bytes.

use std::fmt::Display;
use std::io::{BufRead, ErrorKind, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Why standard output could not take a line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrintError {
    /// The reader has gone (a broken pipe, e.g. `| head -1`): the end of the output, not a
    /// failure.
    #[error("standard output was closed by its reader")]
    Closed,
    /// Writing failed otherwise (e.g. `> /dev/full`: no space left on device).
    #[error("cannot write to standard output: {0}")]
    Failed(#[source] std::io::Error),
}

impl PrintError {
    /// The exit status after this failure: success, quietly, for [`PrintError::Closed`];
    /// failure for [`PrintError::Failed`], reported on standard error as `program: message`.
    pub fn exit_code(&self, program: &str) -> ExitCode {
        match self {
            PrintError::Closed => ExitCode::SUCCESS,
            PrintError::Failed(_) => {
                eprintln!("{program}: {self}");
                ExitCode::FAILURE
            }
        }
    }
}

impl From<std::io::Error> for PrintError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == ErrorKind::BrokenPipe {
            PrintError::Closed
        } else {
            PrintError::Failed(e)
        }
    }
}

/// Writes `line` and a newline to standard output (locked) and flushes it, so that a failure
/// shows here rather than being lost when the program exits.
///
/// # Errors
/// [`PrintError::Closed`] when the reader has gone, [`PrintError::Failed`] otherwise.
pub fn print_line(line: impl Display) -> Result<(), PrintError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

/// Longest line [`PathLines`] accepts by default: 64 KiB (far beyond any real path).
pub const MAX_PATH_LINE: usize = 64 * 1024;

/// A line [`PathLines`] could not take as a path (reading goes on after it, except after
/// [`BadLine::Io`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BadLine {
    /// Longer than the limit; skipped up to its end.
    #[error("line {line}: longer than {limit} bytes ({length} bytes); skipped")]
    TooLong {
        /// Line number (from 1).
        line: usize,
        /// The limit.
        limit: usize,
        /// The line's length in bytes, without its newline.
        length: u64,
    },
    /// Not UTF-8 where paths must be text (not on Unix, where a path is any bytes).
    #[error("line {line}: not UTF-8 text; skipped")]
    NotUnicode {
        /// Line number (from 1).
        line: usize,
    },
    /// The input could not be read; nothing more is read after it.
    #[error("line {line}: cannot read standard input: {source}")]
    Io {
        /// Line number (from 1).
        line: usize,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Paths read one per line, as bytes, until an empty line or the end of the input. Blanks
/// around a line and quotes (`"`, `'`) around the path are removed; a carriage return before
/// the newline too. On Unix a line that is not UTF-8 is a path of those bytes. A line longer
/// than the limit is a [`BadLine::TooLong`] (its bytes are read and dropped, never held), and
/// reading goes on.
#[derive(Debug)]
pub struct PathLines<R> {
    reader: R,
    limit: usize,
    line: usize,
    done: bool,
}

impl<R: BufRead> PathLines<R> {
    /// Paths from `reader`, lines longer than [`MAX_PATH_LINE`] refused.
    pub fn new(reader: R) -> Self {
        Self::with_limit(reader, MAX_PATH_LINE)
    }

    /// Paths from `reader`, lines longer than `limit` bytes refused.
    pub fn with_limit(reader: R, limit: usize) -> Self {
        Self {
            reader,
            limit,
            line: 0,
            done: false,
        }
    }

    /// Reads one line of at most `limit` bytes into `buf` (newline removed); returns the whole
    /// line's length and whether a line was there at all.
    fn read_line(&mut self, buf: &mut Vec<u8>) -> std::io::Result<Option<u64>> {
        let mut length = 0u64;
        let mut any = false;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                return Ok(any.then_some(length));
            }
            any = true;
            let (part, used, end) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (&chunk[..i], i + 1, true),
                None => (chunk, chunk.len(), false),
            };
            let room = (self.limit + 1).saturating_sub(buf.len());
            buf.extend_from_slice(&part[..part.len().min(room)]);
            length += part.len() as u64;
            self.reader.consume(used);
            if end {
                return Ok(Some(length));
            }
        }
    }
}

impl<R: BufRead> Iterator for PathLines<R> {
    type Item = Result<PathBuf, BadLine>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.line += 1;
        let mut buf = Vec::new();
        let length = match self.read_line(&mut buf) {
            Ok(Some(n)) => n,
            Ok(None) => {
                self.done = true;
                return None;
            }
            Err(source) => {
                self.done = true;
                return Some(Err(BadLine::Io {
                    line: self.line,
                    source,
                }));
            }
        };
        if buf.len() > self.limit {
            return Some(Err(BadLine::TooLong {
                line: self.line,
                limit: self.limit,
                length,
            }));
        }
        let path = trim_quotes(buf.trim_ascii());
        if path.is_empty() {
            self.done = true;
            return None;
        }
        Some(path_of_bytes(path).ok_or(BadLine::NotUnicode { line: self.line }))
    }
}

/// `bytes` without the quotes around them (any number of `"` and `'` at either end).
fn trim_quotes(mut bytes: &[u8]) -> &[u8] {
    while let [b'"' | b'\'', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b'"' | b'\''] = bytes {
        bytes = rest;
    }
    bytes
}

/// The path whose name is `bytes` (any bytes on Unix; UTF-8 text elsewhere).
fn path_of_bytes(bytes: &[u8]) -> Option<PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(bytes).ok().map(PathBuf::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(input: &[u8], limit: usize) -> Vec<Result<PathBuf, String>> {
        PathLines::with_limit(input, limit)
            .map(|r| r.map_err(|e| e.to_string()))
            .collect()
    }

    #[test]
    fn lines_are_trimmed_unquoted_and_end_at_an_empty_line() {
        let got = paths(b" a.wav \r\n\"b c.wav\"\n'd.wav'\n\nnever.wav\n", 100);
        let want: Vec<Result<PathBuf, String>> = ["a.wav", "b c.wav", "d.wav"]
            .into_iter()
            .map(|p| Ok(PathBuf::from(p)))
            .collect();
        assert_eq!(got, want);
        assert_eq!(paths(b"last.wav", 100), [Ok(PathBuf::from("last.wav"))]);
        assert!(paths(b"", 100).is_empty());
    }

    #[test]
    fn a_long_line_is_skipped_and_reading_goes_on() {
        let mut input = vec![b'x'; 50];
        input.extend_from_slice(b"\nok.wav\n");
        let got = paths(&input, 10);
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0],
            Err("line 1: longer than 10 bytes (50 bytes); skipped".to_string())
        );
        assert_eq!(got[1], Ok(PathBuf::from("ok.wav")));
        // Exactly at the limit is fine.
        assert_eq!(
            paths(b"0123456789\n", 10),
            [Ok(PathBuf::from("0123456789"))]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_line_that_is_not_utf8_is_a_path_of_those_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let got = paths(b"caf\xe9.wav\nnext.wav\n", 100);
        assert_eq!(
            got,
            [
                Ok(PathBuf::from(std::ffi::OsStr::from_bytes(b"caf\xe9.wav"))),
                Ok(PathBuf::from("next.wav")),
            ]
        );
    }
}
