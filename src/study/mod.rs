//! The seed study end to end: recordings (or the synthetic default) → EDA → example plots and
//! transcripts → 40 mean MFCCs → LSTM, linear SVM and KNN → confusion matrices, a
//! speaker-independent check, the best model saved and used → `results.json` and `report.html`.
//!
//! [`run`] does it all and returns the [`StudyResults`] it also writes; each stage lives in its
//! own module and prints what it does as it goes (unless [`StudyConfig::quiet`]).

mod corpus_stage;
mod error;
mod examples_stage;
mod models_stage;
mod page;
mod results;
mod timeline_stage;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

pub use error::StudyError;
pub use results::{
    ExampleClip, ModelResult, PUBLISHED, PredictionResult, SpeakerFold, SpeakerIndependent,
    StudyResults, TimelinePoint, TimelineResult,
};
pub use timeline_stage::TIMELINE_MIN_S;

use ser_data::synth::SynthParams;

use crate::cli::{PrintError, print_line};

/// What the study runs on and where it writes.
#[derive(Debug, Clone)]
pub struct StudyConfig {
    /// A corpus folder (TESS-style or any layout `ser-data` reads) or a manifest; `None`
    /// generates the synthetic corpus into `out/synthetic-corpus`.
    pub data: Option<PathBuf>,
    /// Output folder (plots, model, `results.json`, `report.html`).
    pub out: PathBuf,
    /// Seed of the split, the models and the synthetic corpus.
    pub seed: u64,
    /// LSTM epochs (the `study` preset's: 50, as the seed trained).
    pub lstm_epochs: usize,
    /// The synthetic corpus generated when `data` is `None`.
    pub synth: SynthParams,
    /// Cache extracted features under `out/.feature-cache`.
    pub cache: bool,
    /// Print nothing.
    pub quiet: bool,
    /// How `data` is opened: scheme, speaker pattern, label map.
    pub corpus: ser_data::CorpusOptions,
    /// Recordings longer than [`TIMELINE_MIN_S`] to show as emotion over time (segment by
    /// segment, with the saved best model).
    pub timelines: Vec<PathBuf>,
}

impl Default for StudyConfig {
    /// Seed and LSTM epochs from the `study` preset (`ser_pipeline::Preset::Study`).
    fn default() -> Self {
        let study = ser_pipeline::PipelineSpec::preset(ser_pipeline::Preset::Study);
        Self {
            data: None,
            out: PathBuf::from("study-out"),
            seed: study.seed,
            lstm_epochs: study.model.lstm_epochs,
            synth: SynthParams::default(),
            cache: true,
            quiet: false,
            corpus: ser_data::CorpusOptions::default(),
            timelines: Vec::new(),
        }
    }
}

/// Prints a stage heading and times it.
///
/// Standard output is only for progress: once it fails the study prints no more and goes on
/// (the results are the work); a reader that went away ends the printing quietly, any other
/// failure is kept in `stdout` and reported when everything is written.
pub(crate) struct Stages {
    quiet: bool,
    timings: Vec<(String, f64)>,
    current: Option<(String, Instant)>,
    stdout: OnceLock<PrintError>,
}

impl Stages {
    fn new(quiet: bool) -> Self {
        Self {
            quiet,
            timings: Vec::new(),
            current: None,
            stdout: OnceLock::new(),
        }
    }

    /// Starts a stage (ending the previous one).
    pub(crate) fn start(&mut self, name: &str) {
        self.finish();
        self.print(format_args!("\n== {name}"));
        self.current = Some((name.to_string(), Instant::now()));
    }

    /// Prints a line inside the stage.
    pub(crate) fn say(&self, line: impl AsRef<str>) {
        self.print(format_args!("   {}", line.as_ref()));
    }

    /// Prints `line` unless quiet or standard output has failed already.
    fn print(&self, line: std::fmt::Arguments<'_>) {
        if self.quiet || self.stdout.get().is_some() {
            return;
        }
        if let Err(e) = print_line(line) {
            let _ = self.stdout.set(e);
        }
    }

    fn finish(&mut self) {
        if let Some((name, t0)) = self.current.take() {
            self.timings.push((name, t0.elapsed().as_secs_f64()));
        }
    }
}

/// Runs the whole study and writes everything under `config.out`.
///
/// # Errors
/// [`StudyError`] when the corpus cannot be read at all, no class has enough clips to split,
/// or an output file cannot be written. Faulty files inside a corpus are reported in the
/// results, not errors. A standard output that fails (other than by its reader going away)
/// is [`StudyError::Stdout`], returned once every file is written.
pub fn run(config: &StudyConfig) -> Result<StudyResults, StudyError> {
    let total = Instant::now();
    let out = &config.out;
    std::fs::create_dir_all(out).map_err(|source| StudyError::Io {
        path: out.clone(),
        source,
    })?;
    let mut stages = Stages::new(config.quiet);

    stages.start("1. Loading the data set");
    let loaded = corpus_stage::load(config, &mut stages)?;

    stages.start("2. Exploratory data analysis");
    let eda_plot = corpus_stage::eda_plot(&loaded, out, &stages)?;

    stages.start("3. Waveplot and spectrogram of one clip per emotion");
    let mut examples = examples_stage::plots(&loaded.corpus, out, &stages)?;

    stages.start("4. Speech recognition of the example clips");
    let asr_status = examples_stage::transcribe(&mut examples, &stages);

    let models = models_stage::run(config, &loaded, out, &mut stages)?;
    let mut timelines = Vec::new();
    if !config.timelines.is_empty() {
        stages.start("Emotion over time (--timeline)");
        timelines = timeline_stage::run(
            &config.timelines,
            models.best_model.as_deref(),
            out,
            &stages,
        );
    }
    stages.finish();

    let mut results = StudyResults {
        corpus: loaded.description.clone(),
        eda: loaded.eda.clone(),
        eda_plot,
        examples,
        asr: asr_status,
        features: models.features,
        lstm: models.lstm,
        lstm_history_plots: models.history_plots,
        models: models.results,
        speaker_independent: models.speaker_independent,
        best_model: models.best_model,
        prediction: models.prediction,
        timelines,
        published: PUBLISHED.iter().map(|(m, a)| (m.to_string(), *a)).collect(),
        timings_s: stages.timings.iter().cloned().collect(),
        total_seconds: 0.0,
    };
    results.total_seconds = total.elapsed().as_secs_f64();
    results::write_json(&results, &out.join("results.json"))?;
    page::write(&results, &out.join("report.html"))?;
    stages.print(format_args!(
        "\nDone in {:.1} s: {}/results.json and {}/report.html",
        results.total_seconds,
        out.display(),
        out.display()
    ));
    match stages.stdout.into_inner() {
        Some(PrintError::Failed(source)) => Err(StudyError::Stdout {
            source,
            out: out.clone(),
        }),
        _ => Ok(results),
    }
}
