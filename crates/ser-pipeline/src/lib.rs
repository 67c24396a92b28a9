#![doc = include_str!("../README.md")]
//!
//! [`PipelineSpec`]: crate::PipelineSpec
//! [`fit`]: crate::fit
//! [`FittedPipeline`]: crate::FittedPipeline
//! [`FittedPipeline::predict_rows`]: crate::FittedPipeline::predict_rows
//! [`predict_files`]: crate::predict_files
//! [`Grouping`]: crate::Grouping
//! [`StatsSource`]: crate::StatsSource
//! [`evaluate`]: crate::evaluate
//! [`Preset::Robust`]: crate::Preset::Robust
//! [`Preset::Study`]: crate::Preset::Study
#![forbid(unsafe_code)]

mod error;
pub mod evaluate;
mod fitted;
mod fold;
mod model_file;
mod predict;
mod segments;
mod spec;
mod stream;
mod train;

pub use error::{PipelineError, Result};
pub use fitted::{
    FittedPipeline, Predictions, SpeakerContext, StatsSource, file_features, fit, samples_features,
};
pub use fold::{InnerScore, softmax_mean};
pub use model_file::{FORMAT_NAME, FORMAT_VERSION, MAX_MODEL_FILE_BYTES, read_limited};
pub use predict::{
    FilePrediction, Grouping, SPEECH_FLOOR_DBFS, WindowPrediction, peak_level_dbfs, predict_files,
    predict_windows, windows_of,
};
pub use segments::{SegmentPrediction, SegmentedRecording, predict_segments};
pub use ser_data::normalize::GroupStats;
pub use spec::{
    ColdModel, FrameModel, FrameStage, Fusion, InnerProtocol, ModelChoice, ModelSpec,
    Normalisation, PipelineSpec, Preset, Scaling, Selection, SelfTraining, parse_scheme,
    scheme_name,
};
pub use stream::{
    MAX_NORMALISER_ROWS, MAX_WINDOW_S, Prediction, STREAM_NAME, StreamOptions, StreamRecognizer,
    predict_stream_offline,
};
pub use train::{TrainReport, train_dir};
