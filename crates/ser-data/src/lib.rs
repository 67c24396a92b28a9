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
pub mod normalize;
pub mod rng;
pub mod scheme;
pub mod split;
pub mod synth;

pub use augment::{AugmentChain, Augmentation, parse_plan};
pub use cache::FeatureCache;
pub use corpus::{
    AudioSummary, Corpus, CorpusItem, FaultKind, FileReport, ScanOptions, scan, walk,
};
pub use dataset::{Dataset, Provenance, SpeakerKey};
pub use eda::{Balance, BalanceVerdict, Eda};
pub use emotion::Emotion;
pub use encoder::LabelEncoder;
pub use error::{DataError, Result};
pub use features::{
    CacheStats, Extractor, FeatureMatrix, FeatureOptions, FnExtractor, Progress, feature_matrix,
};
pub use rng::SeededRng;
pub use scheme::{
    Detection, LabelledFile, Labelling, NameWarning, Scheme, SchemeChoice, SchemeFields,
    UnparsedName, Utterance, detect_scheme, label_files,
};
pub use split::{
    Split, group_kfold, leave_one_group_out, stratified_kfold, stratified_split,
    stratified_split_with_rng,
};
