#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod augment;
pub mod cache;
pub mod corpus;
pub mod dataset;
pub mod eda;
pub mod emotion;
pub mod encoder;
pub mod error;
pub mod features;
pub mod labels;
pub mod manifest;
pub mod normalize;
pub mod rng;
pub mod scheme;
pub mod split;
pub mod synth;
mod table;

pub use augment::{AugmentChain, Augmentation, parse_plan};
pub use cache::FeatureCache;
pub use corpus::{
    AudioSummary, Corpus, CorpusItem, CorpusOptions, CorpusSource, FaultKind, FileReport,
    ScanOptions, open_corpus, read_manifest_corpus, scan, scan_with, walk,
};
pub use dataset::{Dataset, Provenance, SpeakerKey};
pub use eda::{Balance, BalanceVerdict, Eda};
pub use emotion::Emotion;
pub use encoder::LabelEncoder;
pub use error::{DataError, Result};
pub use features::{
    CacheStats, Extractor, FeatureMatrix, FeatureOptions, FnExtractor, Progress, feature_matrix,
};
pub use labels::{LabelMap, LabelRule, NO_SPEAKER, SpeakerPattern, class_order};
pub use manifest::{Delimiter, Manifest, ManifestRow, RowFault, RowReport, SplitSide, is_manifest};
pub use rng::SeededRng;
pub use scheme::{
    Detection, LabelledFile, Labelling, NameWarning, Scheme, SchemeChoice, SchemeFields,
    UnparsedName, Utterance, detect_scheme, label_files,
};
pub use split::{
    Split, group_kfold, leave_one_group_out, stratified_kfold, stratified_split,
    stratified_split_with_rng,
};
