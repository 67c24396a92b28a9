#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod emotion;
pub mod error;
pub mod scheme;

pub use emotion::Emotion;
pub use error::{DataError, Result};
pub use scheme::{
    Detection, LabelledFile, Labelling, NameWarning, Scheme, SchemeChoice, SchemeFields,
    UnparsedName, detect_scheme, label_files,
};
pub mod dataset;
pub mod encoder;
pub mod rng;
pub mod split;

pub use dataset::Dataset;
pub use encoder::LabelEncoder;
pub use rng::SeededRng;
pub use split::{Split, group_kfold, leave_one_group_out, stratified_kfold, stratified_split};
pub mod corpus;
pub mod synth;
pub use corpus::{
    AudioSummary, Corpus, CorpusItem, FaultKind, FileReport, ScanOptions, scan, walk,
};
pub mod eda;
pub use eda::{Balance, BalanceVerdict, Eda};
pub mod cache;
pub mod features;
pub use cache::FeatureCache;
pub use features::{
    CacheStats, Extractor, FeatureMatrix, FeatureOptions, FnExtractor, Progress, feature_matrix,
};
