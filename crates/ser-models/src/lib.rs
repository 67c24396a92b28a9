#![doc = include_str!("../README.md")]

pub mod error;
pub mod frames;
pub mod knn;
pub mod lstm;
pub mod metrics;
pub mod model_file;
pub mod scaler;
pub mod svm;
pub mod traits;

pub use error::ModelError;
pub use frames::{FrameCnn, FrameCnnModel, FrameCnnParams, SpecAugment};
pub use knn::{Distance, Knn, KnnModel, Weighting};
pub use metrics::{ClassMetrics, ConfusionMatrix, MetricsSummary};
pub use model_file::{AnyModel, FORMAT_VERSION, FeatureConfig, ModelFile};
pub use scaler::StandardScaler;
pub use ser_features::FeatureSpec;
pub use svm::{ClassWeight, LinearSvm, LinearSvmModel, MultiClass, SvmLoss};
pub use traits::{Fit, Predict, TrainSet, argmax, argmax_rows, check_width};
