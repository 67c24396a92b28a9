//! The feature vector of each file named, as a table: one row per file, in the order given.
//!
//! ```text
//! cargo run --release --example features -- [--features mfcc40|enriched|functionals]
//!     [--format jsonl|csv|parquet] [--out FILE] [FILE...]
//! ```
//!
//! Columns: `file`, `error`, then one per value of the feature set, named as
//! `FeatureSpec::names` names them (`mfcc_3_mean`, …). The default set is the robust preset's;
//! each set is loaded as the preset that computes it loads (functionals: the whole clip;
//! mfcc40 and enriched: the study's 0.5 s + 3 s at 22 050 Hz), as `train` and `evaluate` do.
//!
//! * `jsonl` (default): one object per line, `{"file", "error": null, "<name>": number, …}`;
//!   a file that failed has `"error": "<message naming the file>"` and every feature `null`.
//! * `csv`: a header row, then one row per file (RFC 4180 quoting); `error` and the features
//!   are empty cells where there is none.
//! * `parquet` (needs `--out`; cargo feature `parquet`, on by default): `file` (UTF-8),
//!   `error` (nullable UTF-8), the features as nullable float32; one row group, snappy.
//!
//! `file` is text: a name that is not UTF-8 has U+FFFD in place of what is not, and its exact
//! bytes are added as `file_bytes`: in JSONL a list of numbers 0–255 on that line only (as
//! `mfcc` and `predict` do); in CSV and Parquet a last column `file_bytes` (hex text in CSV,
//! binary in Parquet; empty or null for UTF-8 names), present only when some name needs it.
//!
//! Files are extracted in parallel (every core). A file that fails (missing, not audio, too
//! long, …) gets its row and the others go on; exit status 1 if any failed, if standard input
//! had a bad line, or if the output cannot be written (e.g. a full disk), 2 on a usage error.
//! A reader that closes standard output (`| head -1`) ends the output quietly (status 0).
//! With no FILE, paths are read from standard input, one per line, as `predict` reads them.

use std::fmt::{Display, Write as _};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, ValueEnum};
use rayon::prelude::*;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use ser::cli::{PathLines, PrintError, print_line};
use ser::data::corpus::non_utf8_bytes;
use ser::features::FeatureSpec;
use ser::models::FeatureConfig;
use ser::pipeline::{PipelineSpec, file_features};

/// The feature vector of each file as a table (JSON lines, CSV or Parquet), one row per file:
/// `file`, `error`, then one column per feature. A file that fails gets a row with `error` set
/// and no features, and the others go on (exit status 1).
#[derive(Parser)]
#[command(name = "features")]
struct Args {
    /// Audio files (none: read paths from standard input, one per line).
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Feature set: mfcc40 and enriched load the study's 0.5 s + 3 s, functionals the whole
    /// clip (default: the robust preset's).
    #[arg(
        long,
        value_name = "SET",
        default_value_t = PipelineSpec::default().features.spec,
        value_parser = PossibleValuesParser::new(FeatureSpec::ALL.map(|s| s.name()))
            .try_map(|s| s.parse::<FeatureSpec>()),
    )]
    features: FeatureSpec,
    /// Output format. Parquet needs --out, and a build with the cargo feature `parquet` (on by
    /// default; `--no-default-features` leaves it out).
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    format: Format,
    /// Write the table to this file instead of standard output (required for parquet).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One JSON object per line.
    Jsonl,
    /// A header row, then one row per file (RFC 4180).
    Csv,
    /// One Parquet file (needs --out).
    Parquet,
}

/// One row: the file and its features, or why there are none.
#[derive(Debug)]
struct Row {
    file: PathBuf,
    features: Result<Vec<f32>, String>,
}

impl Row {
    fn of(config: &FeatureConfig, file: &Path) -> Self {
        let features = file_features(config, file).map_err(|e| e.to_string());
        Self {
            file: file.to_owned(),
            features,
        }
    }

    fn error(&self) -> Option<&str> {
        self.features.as_ref().err().map(String::as_str)
    }

    /// The value of feature `i`, if the file has features.
    fn value(&self, i: usize) -> Option<f32> {
        self.features.as_ref().ok().and_then(|v| v.get(i).copied())
    }
}

/// What the rows are written under.
struct Table {
    names: Vec<String>,
    /// Whether some file name is not UTF-8 (then CSV and Parquet get a `file_bytes` column).
    bytes_column: bool,
}

/// One JSON line: keys in column order, `file_bytes` after `file` only for a non-UTF-8 name.
struct JsonRow<'a>(&'a Table, &'a Row);

impl Serialize for JsonRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let JsonRow(table, row) = self;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("file", &row.file.to_string_lossy())?;
        if let Some(bytes) = non_utf8_bytes(&row.file) {
            map.serialize_entry("file_bytes", &bytes)?;
        }
        map.serialize_entry("error", &row.error())?;
        for (i, name) in table.names.iter().enumerate() {
            map.serialize_entry(name, &row.value(i))?;
        }
        map.end()
    }
}

/// `cell` as an RFC 4180 field: quoted (quotes doubled) when it holds a comma, a quote, a
/// carriage return or a newline.
fn csv_field(out: &mut String, cell: &str) {
    if cell.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(cell);
    }
}

fn csv_header(table: &Table) -> String {
    let mut line = String::from("file,error");
    for name in &table.names {
        line.push(',');
        csv_field(&mut line, name);
    }
    if table.bytes_column {
        line.push_str(",file_bytes");
    }
    line
}

fn csv_row(table: &Table, row: &Row) -> String {
    let mut line = String::new();
    csv_field(&mut line, &row.file.to_string_lossy());
    line.push(',');
    csv_field(&mut line, row.error().unwrap_or(""));
    for i in 0..table.names.len() {
        line.push(',');
        if let Some(v) = row.value(i) {
            // `{}` is the shortest text that reads back as the same f32.
            let _ = write!(line, "{v}");
        }
    }
    if table.bytes_column {
        line.push(',');
        for b in non_utf8_bytes(&row.file).unwrap_or_default() {
            let _ = write!(line, "{b:02x}");
        }
    }
    line
}

/// Where text lines go: standard output (a closed reader ends quietly) or a file.
enum Sink {
    Stdout,
    File(PathBuf, BufWriter<File>),
}

/// Why the output stopped.
enum SinkError {
    Stdout(PrintError),
    File(PathBuf, std::io::Error),
}

impl SinkError {
    fn exit_code(&self) -> ExitCode {
        match self {
            SinkError::Stdout(e) => e.exit_code("features"),
            SinkError::File(path, e) => fail(format_args!("cannot write {}: {e}", path.display())),
        }
    }
}

impl Sink {
    fn line(&mut self, text: &str) -> Result<(), SinkError> {
        match self {
            Sink::Stdout => print_line(text).map_err(SinkError::Stdout),
            Sink::File(path, w) => {
                writeln!(w, "{text}").map_err(|e| SinkError::File(path.clone(), e))
            }
        }
    }

    fn finish(self) -> Result<(), SinkError> {
        match self {
            Sink::Stdout => Ok(()),
            Sink::File(path, w) => w
                .into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| f.sync_all())
                .map_err(|e| SinkError::File(path, e)),
        }
    }
}

fn fail(message: impl Display) -> ExitCode {
    eprintln!("features: {message}");
    ExitCode::FAILURE
}

fn create(path: &Path) -> Result<File, ExitCode> {
    File::create(path).map_err(|e| fail(format_args!("cannot create {}: {e}", path.display())))
}

/// Ends the program as clap ends it on a usage error (message, usage line, status 2).
fn usage(kind: ErrorKind, message: &str) -> ! {
    Args::command().error(kind, message).exit()
}

fn main() -> ExitCode {
    let args = Args::parse();
    // Checked before standard input is read.
    let parquet_out = match (args.format, &args.out) {
        (Format::Parquet, None) => usage(
            ErrorKind::MissingRequiredArgument,
            "--format parquet writes a file, not a stream: give --out FILE",
        ),
        (Format::Parquet, Some(_)) if !cfg!(feature = "parquet") => usage(
            ErrorKind::InvalidValue,
            "this build has no Parquet writer: build with the cargo feature `parquet`",
        ),
        (Format::Parquet, Some(path)) => Some(path.clone()),
        _ => None,
    };
    let mut all_ok = true;
    let files = if args.files.is_empty() {
        let (files, ok) = read_paths();
        all_ok &= ok;
        files
    } else {
        args.files
    };
    let config = PipelineSpec::features_for(args.features);
    let table = Table {
        names: config.spec.names(),
        bytes_column: files.iter().any(|f| non_utf8_bytes(f).is_some()),
    };
    let status = if let Some(path) = parquet_out {
        write_parquet_file(&config, &table, &files, &path)
    } else {
        let sink = match args.out {
            None => Sink::Stdout,
            Some(path) => match create(&path) {
                Ok(f) => Sink::File(path, BufWriter::new(f)),
                Err(code) => return code,
            },
        };
        write_text(&config, &table, &files, args.format, sink)
    };
    match status {
        Ok(ok) if ok && all_ok => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(code) => code,
    }
}

/// JSONL or CSV rows, extracted a few files per core at a time so that output streams in
/// input order. `Ok(false)` when some file failed.
fn write_text(
    config: &FeatureConfig,
    table: &Table,
    files: &[PathBuf],
    format: Format,
    mut sink: Sink,
) -> Result<bool, ExitCode> {
    let run = |sink: &mut Sink| -> Result<bool, SinkError> {
        if format == Format::Csv {
            sink.line(&csv_header(table))?;
        }
        let mut ok = true;
        // Groups of 32 files per core: long enough that a slow file rarely idles the others.
        for chunk in files.chunks(32 * rayon::current_num_threads().max(1)) {
            let rows: Vec<Row> = chunk.par_iter().map(|f| Row::of(config, f)).collect();
            for row in &rows {
                ok &= row.features.is_ok();
                let text = match format {
                    Format::Csv => csv_row(table, row),
                    _ => serde_json::to_string(&JsonRow(table, row)).unwrap_or_else(|e| {
                        format!("{{\"error\":\"cannot write the line: {e}\"}}")
                    }),
                };
                sink.line(&text)?;
            }
        }
        Ok(ok)
    };
    let ok = run(&mut sink).map_err(|e| e.exit_code())?;
    sink.finish().map_err(|e| e.exit_code())?;
    Ok(ok)
}

#[cfg(feature = "parquet")]
fn write_parquet_file(
    config: &FeatureConfig,
    table: &Table,
    files: &[PathBuf],
    path: &Path,
) -> Result<bool, ExitCode> {
    let file = create(path)?;
    let rows: Vec<Row> = files.par_iter().map(|f| Row::of(config, f)).collect();
    if let Err(e) = parquet_table::write(file, table, &rows) {
        let _ = std::fs::remove_file(path);
        return Err(fail(format_args!("cannot write {}: {e}", path.display())));
    }
    Ok(rows.iter().all(|r| r.features.is_ok()))
}

/// Refused in `main` before this is reached.
#[cfg(not(feature = "parquet"))]
fn write_parquet_file(
    _: &FeatureConfig,
    _: &Table,
    _: &[PathBuf],
    _: &Path,
) -> Result<bool, ExitCode> {
    Err(fail("this build has no Parquet writer"))
}

/// The Parquet file: one row group, snappy pages, columns in table order.
#[cfg(feature = "parquet")]
mod parquet_table {
    use std::fs::File;
    use std::sync::Arc;

    use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
    use parquet::data_type::{ByteArray, ByteArrayType, DataType, FloatType};
    use parquet::errors::{ParquetError, Result};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
    use parquet::schema::types::Type;

    use super::{Row, Table, non_utf8_bytes};

    fn column(name: &str, physical: Physical, nullable: bool, text: bool) -> Result<Arc<Type>> {
        let repetition = if nullable {
            Repetition::OPTIONAL
        } else {
            Repetition::REQUIRED
        };
        Ok(Arc::new(
            Type::primitive_type_builder(name, physical)
                .with_repetition(repetition)
                .with_logical_type(text.then_some(LogicalType::String))
                .build()?,
        ))
    }

    /// Writes the next column: the present values and, for a nullable column, a definition
    /// level per row (1 present, 0 null).
    fn next<T: DataType>(
        group: &mut SerializedRowGroupWriter<'_, File>,
        cells: impl Iterator<Item = Option<T::T>>,
        nullable: bool,
    ) -> Result<()> {
        let mut values = Vec::new();
        let mut levels = Vec::new();
        for cell in cells {
            levels.push(i16::from(cell.is_some()));
            values.extend(cell);
        }
        let mut column = group
            .next_column()?
            .ok_or_else(|| ParquetError::General("fewer columns than the schema".into()))?;
        column
            .typed::<T>()
            .write_batch(&values, nullable.then_some(&levels[..]), None)?;
        column.close()
    }

    pub(super) fn write(file: File, table: &Table, rows: &[Row]) -> Result<()> {
        let mut fields = vec![
            column("file", Physical::BYTE_ARRAY, false, true)?,
            column("error", Physical::BYTE_ARRAY, true, true)?,
        ];
        for name in &table.names {
            fields.push(column(name, Physical::FLOAT, true, false)?);
        }
        if table.bytes_column {
            fields.push(column("file_bytes", Physical::BYTE_ARRAY, true, false)?);
        }
        let schema = Arc::new(
            Type::group_type_builder("features")
                .with_fields(fields)
                .build()?,
        );
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let mut writer = SerializedFileWriter::new(file, schema, Arc::new(properties))?;
        let mut group = writer.next_row_group()?;
        let text = |s: &str| ByteArray::from(s.as_bytes().to_vec());
        next::<ByteArrayType>(
            &mut group,
            rows.iter().map(|r| Some(text(&r.file.to_string_lossy()))),
            false,
        )?;
        next::<ByteArrayType>(&mut group, rows.iter().map(|r| r.error().map(text)), true)?;
        for i in 0..table.names.len() {
            next::<FloatType>(&mut group, rows.iter().map(|r| r.value(i)), true)?;
        }
        if table.bytes_column {
            let bytes = rows
                .iter()
                .map(|r| non_utf8_bytes(&r.file).map(ByteArray::from));
            next::<ByteArrayType>(&mut group, bytes, true)?;
        }
        group.close()?;
        writer.close()?;
        Ok(())
    }
}

/// Paths from standard input, one per line, until an empty line (as `predict` reads them; the
/// prompt only when it is a terminal). A bad line is reported and skipped (the `false`).
fn read_paths() -> (Vec<PathBuf>, bool) {
    let stdin = std::io::stdin();
    let prompt = stdin.is_terminal();
    let mut paths = Vec::new();
    let mut ok = true;
    let mut lines = PathLines::new(stdin.lock());
    loop {
        if prompt {
            eprint!("path to a recording (empty line to stop): ");
            let _ = std::io::stderr().flush();
        }
        match lines.next() {
            None => break,
            Some(Ok(path)) => paths.push(path),
            Some(Err(e)) => {
                eprintln!("features: standard input {e}");
                ok = false;
            }
        }
    }
    (paths, ok)
}
