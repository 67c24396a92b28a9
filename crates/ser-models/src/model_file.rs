//! One versioned JSON file holding everything needed to predict from a recording: how features
//! were computed, the scaler, the class names and the fitted model.
//!
//! Layout (`version` 1):
//! ```json
//! { "format": "ser-model", "version": 1,
//!   "features": { "spec": "mfcc40", "sample_rate": 22050, "offset": 0.5, "duration": 3.0 },
//!   "scaler": { "mean": …, "scale": … } | null,
//!   "classes": ["angry", …],
//!   "model": { "svm": { … } } | { "knn": { … } } | { "lstm": { … } } | { "frame_cnn": { … } } }
//! ```
//! Reading checks the format tag and version before anything else, then that the parts agree
//! (as many class names as the model has classes; the feature spec's length, the scaler's width
//! and the model's width equal), so a loaded file cannot make prediction panic.

use std::fs;
use std::path::Path;

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use ser_features::FeatureSpec;

use crate::frames::FrameCnnModel;
use crate::lstm::LstmModel;
use crate::{KnnModel, LinearSvmModel, ModelError, Predict, StandardScaler, check_width};

/// The `format` tag every model file carries.
pub const FORMAT_NAME: &str = "ser-model";
/// The newest format version this build writes and reads.
pub const FORMAT_VERSION: u64 = 1;
/// The largest model file [`ModelFile::load`] reads (1 GiB); larger files are refused unread.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// How the features a model expects are computed from a recording: the feature set plus the
/// loading options (as `ser_audio::LoadOptions`, in plain fields so the file stays readable).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// The feature set, serialised as `"mfcc40"` (40 mean MFCCs) or `"enriched"`.
    pub spec: FeatureSpec,
    /// Sample rate the audio is resampled to before features, in Hz (the study: 22 050).
    pub sample_rate: u32,
    /// Seconds skipped at the start of each recording (the study: 0.5).
    pub offset: f64,
    /// Seconds kept after the offset, `None` for all (the study: 3).
    pub duration: Option<f64>,
}

impl FeatureConfig {
    /// The study's loading (`ser_audio::LoadOptions::study()`: 22 050 Hz, offset 0.5 s, 3 s)
    /// with the given feature set.
    pub fn study(spec: FeatureSpec) -> Self {
        Self::with_loading(spec, &ser_audio::LoadOptions::study())
    }

    /// `spec` computed on audio loaded as `load` says (mono; a `None` rate keeps librosa's
    /// default, 22 050 Hz).
    pub fn with_loading(spec: FeatureSpec, load: &ser_audio::LoadOptions) -> Self {
        Self {
            spec,
            sample_rate: load
                .sample_rate
                .or(ser_audio::LoadOptions::default().sample_rate)
                .unwrap_or(22_050),
            offset: load.offset,
            duration: load.duration,
        }
    }
}

impl FeatureConfig {
    /// The loading these features expect, as `ser_audio` options (mono).
    pub fn load_options(&self) -> ser_audio::LoadOptions {
        ser_audio::LoadOptions {
            sample_rate: Some(self.sample_rate),
            mono: true,
            offset: self.offset,
            duration: self.duration,
        }
    }
}

/// Any fitted model a file can hold. New kinds (e.g. an LSTM) are added as variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AnyModel {
    /// A linear SVM.
    Svm(LinearSvmModel),
    /// A k-nearest-neighbour classifier.
    Knn(KnnModel),
    /// An LSTM network.
    Lstm(LstmModel),
    /// A frame-level CNN with attention pooling.
    FrameCnn(FrameCnnModel),
}

impl AnyModel {
    /// A short name of the kind of model: `"svm"`, `"knn"`, `"lstm"`, `"frame_cnn"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Svm(_) => "svm",
            Self::Knn(_) => "knn",
            Self::Lstm(_) => "lstm",
            Self::FrameCnn(_) => "frame_cnn",
        }
    }

    /// Checks the model's internal invariants (run on loading, so that a loaded model cannot
    /// make prediction panic). Errors: a sentence saying what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Self::Svm(m) => m.validate(),
            Self::Knn(m) => m.validate(),
            Self::Lstm(m) => m.validate(),
            Self::FrameCnn(m) => m.validate(),
        }
    }
}

impl From<LinearSvmModel> for AnyModel {
    fn from(m: LinearSvmModel) -> Self {
        Self::Svm(m)
    }
}

impl From<KnnModel> for AnyModel {
    fn from(m: KnnModel) -> Self {
        Self::Knn(m)
    }
}

impl From<LstmModel> for AnyModel {
    fn from(m: LstmModel) -> Self {
        Self::Lstm(m)
    }
}

impl From<FrameCnnModel> for AnyModel {
    fn from(m: FrameCnnModel) -> Self {
        Self::FrameCnn(m)
    }
}

impl Predict for AnyModel {
    fn n_classes(&self) -> usize {
        match self {
            Self::Svm(m) => m.n_classes(),
            Self::Knn(m) => m.n_classes(),
            Self::Lstm(m) => m.n_classes(),
            Self::FrameCnn(m) => m.n_classes(),
        }
    }

    fn n_features(&self) -> usize {
        match self {
            Self::Svm(m) => m.n_features(),
            Self::Knn(m) => m.n_features(),
            Self::Lstm(m) => m.n_features(),
            Self::FrameCnn(m) => m.n_features(),
        }
    }

    fn predict_scores(&self, x: ArrayView2<'_, f32>) -> Result<Array2<f32>, ModelError> {
        match self {
            Self::Svm(m) => m.predict_scores(x),
            Self::Knn(m) => m.predict_scores(x),
            Self::Lstm(m) => m.predict_scores(x),
            Self::FrameCnn(m) => m.predict_scores(x),
        }
    }
}

/// Everything needed to predict from a recording. Implements [`Predict`] on raw (unscaled)
/// feature rows: the scaler, if any, is applied first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// How features are computed.
    pub features: FeatureConfig,
    /// The scaler fitted on the training rows, applied before the model; `None` for none.
    pub scaler: Option<StandardScaler>,
    /// Class names, indexed by class.
    pub classes: Vec<String>,
    /// The fitted model.
    pub model: AnyModel,
}

#[derive(Serialize)]
struct Envelope<'a> {
    format: &'static str,
    version: u64,
    #[serde(flatten)]
    file: &'a ModelFile,
}

impl ModelFile {
    /// Bundles the parts, checking that they agree: one class name per model class, and the
    /// feature spec's length and the scaler's width equal to the model's
    /// ([`ModelError::ShapeMismatch`] otherwise).
    pub fn new(
        features: FeatureConfig,
        scaler: Option<StandardScaler>,
        classes: Vec<String>,
        model: AnyModel,
    ) -> Result<Self, ModelError> {
        let file = Self {
            features,
            scaler,
            classes,
            model,
        };
        file.check_parts()?;
        Ok(file)
    }

    fn check_parts(&self) -> Result<(), ModelError> {
        if self.classes.len() != self.model.n_classes() {
            return Err(ModelError::ShapeMismatch {
                what: "class names",
                expected: self.model.n_classes(),
                got: self.classes.len(),
            });
        }
        if self.features.spec.dim() != self.model.n_features() {
            return Err(ModelError::ShapeMismatch {
                what: "feature spec length",
                expected: self.model.n_features(),
                got: self.features.spec.dim(),
            });
        }
        if let Some(s) = &self.scaler
            && s.n_features() != self.model.n_features()
        {
            return Err(ModelError::ShapeMismatch {
                what: "scaler width",
                expected: self.model.n_features(),
                got: s.n_features(),
            });
        }
        Ok(())
    }

    /// The file's JSON text (pretty-printed). Errors: [`ModelError::Serialize`] if a value
    /// cannot be written as JSON (not expected for these plain structs).
    pub fn to_json(&self) -> Result<String, ModelError> {
        let env = Envelope {
            format: FORMAT_NAME,
            version: FORMAT_VERSION,
            file: self,
        };
        serde_json::to_string_pretty(&env).map_err(|e| ModelError::Serialize {
            detail: e.to_string(),
        })
    }

    /// Writes the file. Errors: [`ModelError::Serialize`], or [`ModelError::Io`] with the path.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelError> {
        let path = path.as_ref();
        fs::write(path, self.to_json()?).map_err(|source| ModelError::Io {
            path: path.to_owned(),
            source,
        })
    }

    /// Reads a file written by [`save`](Self::save).
    ///
    /// Errors: [`ModelError::Io`] if it cannot be read; [`ModelError::CorruptModelFile`] if it
    /// is not a regular file or is larger than [`MAX_FILE_BYTES`] (checked before reading);
    /// [`ModelError::UnsupportedVersion`] for a
    /// version above [`FORMAT_VERSION`]; [`ModelError::CorruptModelFile`] for anything else
    /// wrong (truncated or invalid JSON, another format, missing or mistyped fields, parts that
    /// disagree, impossible model contents).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ModelError> {
        let path = path.as_ref();
        let corrupt = |detail: String| ModelError::CorruptModelFile {
            path: path.to_owned(),
            detail,
        };
        let io = |source| ModelError::Io {
            path: path.to_owned(),
            source,
        };
        // A FIFO or device would block or never end, and a huge file would fill memory:
        // only a regular file of at most MAX_FILE_BYTES is read, and never more than that.
        let meta = fs::metadata(path).map_err(io)?;
        if !meta.is_file() {
            return Err(corrupt("not a regular file".to_owned()));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(corrupt(format!(
                "{} bytes; the limit is {MAX_FILE_BYTES}",
                meta.len()
            )));
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(fs::File::open(path).map_err(io)?, MAX_FILE_BYTES + 1),
            &mut bytes,
        )
        .map_err(io)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(corrupt(format!("more than {MAX_FILE_BYTES} bytes")));
        }
        let text = String::from_utf8(bytes).map_err(|_| corrupt("not UTF-8 text".to_owned()))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| corrupt(format!("not valid JSON: {e}")))?;
        let format = value.get("format").and_then(|v| v.as_str());
        if format != Some(FORMAT_NAME) {
            return Err(corrupt(format!(
                "no \"format\": \"{FORMAT_NAME}\" tag (found {})",
                value
                    .get("format")
                    .map_or("none".to_owned(), |v| v.to_string())
            )));
        }
        let version = value
            .get("version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| corrupt("missing or non-integer \"version\"".to_owned()))?;
        if version > FORMAT_VERSION {
            return Err(ModelError::UnsupportedVersion {
                path: path.to_owned(),
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        if version == 0 {
            return Err(corrupt("version 0 does not exist".to_owned()));
        }
        let file: Self = serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))?;
        file.model.validate().map_err(&corrupt)?;
        if let Some(s) = &file.scaler {
            s.validate().map_err(&corrupt)?;
        }
        file.check_parts().map_err(|e| corrupt(e.to_string()))?;
        Ok(file)
    }

    /// The name of class `class`, if it exists.
    pub fn class_name(&self, class: usize) -> Option<&str> {
        self.classes.get(class).map(String::as_str)
    }

    /// Class scores of one clip already loaded at `sample_rate`: its features as
    /// [`FeatureConfig::spec`] computes them, scaled, through the model. `path` only names the
    /// clip in errors ([`ModelError::Features`]).
    pub fn scores_of_samples(
        &self,
        samples: &[f32],
        sample_rate: u32,
        path: &Path,
    ) -> Result<Array1<f32>, ModelError> {
        let row = self
            .features
            .spec
            .extract(samples, sample_rate)
            .map_err(|source| ModelError::Features {
                path: path.to_owned(),
                source,
            })?;
        let x = Array2::from_shape_vec((1, row.len()), row).map_err(|_| ModelError::EmptyInput)?;
        Ok(self.predict_scores(x.view())?.row(0).to_owned())
    }

    /// Class scores of the recording at `path`, loaded as [`FeatureConfig::load_options`] says.
    /// Errors: [`ModelError::Audio`] when it cannot be loaded, [`ModelError::Features`] when its
    /// features cannot be computed.
    pub fn predict_file(&self, path: impl AsRef<Path>) -> Result<Array1<f32>, ModelError> {
        let path = path.as_ref();
        let audio = ser_audio::load(path, &self.features.load_options())?;
        self.scores_of_samples(&audio.samples, audio.sample_rate, path)
    }
}

impl Predict for ModelFile {
    fn n_classes(&self) -> usize {
        self.model.n_classes()
    }

    fn n_features(&self) -> usize {
        self.model.n_features()
    }

    /// Scales `x` (raw feature rows) with the stored scaler, then asks the model.
    fn predict_scores(&self, x: ArrayView2<'_, f32>) -> Result<Array2<f32>, ModelError> {
        check_width(x, self.n_features())?;
        match &self.scaler {
            Some(s) => self.model.predict_scores(s.transform(x)?.view()),
            None => self.model.predict_scores(x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Fit, Knn, LinearSvm, TrainSet};
    use ndarray::{Array1, array};
    use std::path::PathBuf;

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("ser-models-{}-{name}.json", std::process::id()))
    }

    fn data() -> (Array2<f32>, Array1<usize>) {
        // Three classes in 40 features (as mfcc40) with very different column scales.
        let x = Array2::from_shape_fn((60, 40), |(i, j)| {
            let c = (i % 3) as f32;
            let wobble = ((i * 31 + j * 17) as f32 * 0.37).sin();
            match j % 4 {
                0 => -400.0 + 60.0 * c + 20.0 * wobble,
                1 => 0.01 * c + 0.004 * wobble,
                2 => 5.0 * wobble,
                _ => 30.0 * c + 8.0 * wobble,
            }
        });
        let y: Array1<usize> = (0..60).map(|i| i % 3).collect();
        (x, y)
    }

    fn feature_config() -> FeatureConfig {
        FeatureConfig::study(FeatureSpec::Mfcc40Mean)
    }

    fn fitted(kind: &str) -> (ModelFile, Array2<f32>) {
        let (x, y) = data();
        let scaler = StandardScaler::fit(x.view()).unwrap();
        let xs = scaler.transform(x.view()).unwrap();
        let train = TrainSet::new(xs.view(), y.view(), 3).unwrap();
        let model: AnyModel = match kind {
            "svm" => LinearSvm::params().fit(&train).unwrap().into(),
            _ => Knn::params().k(3).fit(&train).unwrap().into(),
        };
        let classes = ["angry", "happy", "sad"].map(String::from).to_vec();
        let file = ModelFile::new(feature_config(), Some(scaler), classes, model).unwrap();
        (file, x)
    }

    #[test]
    fn loaded_models_predict_exactly_as_before() {
        for kind in ["svm", "knn"] {
            let (file, x) = fitted(kind);
            let before = file.predict_scores(x.view()).unwrap();
            // Queries off the training rows too.
            let q = x.mapv(|v| v * 1.013 + 0.21);
            let before_q = file.predict_scores(q.view()).unwrap();
            let path = temp(&format!("roundtrip-{kind}"));
            file.save(&path).unwrap();
            let loaded = ModelFile::load(&path).unwrap();
            fs::remove_file(&path).unwrap();
            assert_eq!(loaded, file);
            assert_eq!(loaded.model.kind(), kind);
            let after = loaded.predict_scores(x.view()).unwrap();
            assert_eq!(before, after, "{kind}: scores changed bit for bit");
            assert_eq!(before_q, loaded.predict_scores(q.view()).unwrap());
            // The model is good on its training data, so the check is meaningful.
            let (_, y) = data();
            let hits = (loaded.predict(x.view()).unwrap() - &y)
                .iter()
                .filter(|&&d| d == 0)
                .count();
            assert!(hits >= 57, "{kind}: {hits}/60");
        }
    }

    #[test]
    fn file_is_tagged_and_readable() {
        let (file, _) = fitted("svm");
        let v: serde_json::Value = serde_json::from_str(&file.to_json().unwrap()).unwrap();
        assert_eq!(v["format"], FORMAT_NAME);
        assert_eq!(v["version"], FORMAT_VERSION);
        assert_eq!(v["features"]["spec"], "mfcc40");
        assert_eq!(v["features"]["sample_rate"], 22_050);
        assert_eq!(v["features"]["offset"], 0.5);
        assert_eq!(v["classes"][2], "sad");
        assert!(v["model"]["svm"].is_object());
    }

    fn load_text(name: &str, text: &str) -> Result<ModelFile, ModelError> {
        let path = temp(name);
        fs::write(&path, text).unwrap();
        let r = ModelFile::load(&path);
        fs::remove_file(&path).unwrap();
        r
    }

    #[test]
    fn truncated_and_corrupt_files_are_typed_errors() {
        let (file, _) = fitted("knn");
        let json = file.to_json().unwrap();
        for cut in [0, 1, json.len() / 3, json.len() - 2] {
            let r = load_text("truncated", &json[..cut]);
            assert!(
                matches!(r, Err(ModelError::CorruptModelFile { .. })),
                "cut at {cut}: {r:?}"
            );
        }
        let cases = [
            ("garbage", "\u{1}\u{2}not json".to_owned()),
            ("other-format", json.replace(FORMAT_NAME, "pickle")),
            (
                "no-version",
                json.replacen("\"version\": 1", "\"version\": \"one\"", 1),
            ),
            (
                "zero-version",
                json.replacen("\"version\": 1", "\"version\": 0", 1),
            ),
            (
                "renamed-field",
                json.replacen("\"classes\"", "\"labels\"", 1),
            ),
            ("unknown-model", json.replacen("\"knn\"", "\"forest\"", 1)),
            ("unknown-spec", json.replacen("\"mfcc40\"", "\"mfcc13\"", 1)),
            ("other-spec", json.replacen("\"mfcc40\"", "\"enriched\"", 1)),
            ("bad-k", json.replacen("\"k\": 3", "\"k\": 0", 1)),
        ];
        for (name, text) in cases {
            let r = load_text(name, &text);
            assert!(
                matches!(r, Err(ModelError::CorruptModelFile { .. })),
                "{name}: {r:?}"
            );
        }
        // A label beyond the classes would index out of range when predicting.
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["model"]["knn"]["y"]["data"][0] = serde_json::json!(7);
        let r = load_text("bad-label", &v.to_string());
        assert!(
            matches!(r, Err(ModelError::CorruptModelFile { .. })),
            "{r:?}"
        );
        // A zero scale would divide by zero; a null where a number belongs is a type error.
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["scaler"]["scale"]["data"][1] = serde_json::json!(0.0);
        let r = load_text("zero-scale", &v.to_string());
        assert!(
            matches!(r, Err(ModelError::CorruptModelFile { .. })),
            "{r:?}"
        );
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["scaler"]["mean"]["data"][0] = serde_json::Value::Null;
        let r = load_text("null-mean", &v.to_string());
        assert!(
            matches!(r, Err(ModelError::CorruptModelFile { .. })),
            "{r:?}"
        );
        // Class names that disagree with the model.
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["classes"] = serde_json::json!(["a", "b"]);
        let r = load_text("two-names", &v.to_string());
        assert!(
            matches!(r, Err(ModelError::CorruptModelFile { .. })),
            "{r:?}"
        );
        // Invalid UTF-8.
        let path = temp("binary");
        fs::write(&path, [0xff, 0xfe, 0x00, 0x7b]).unwrap();
        let r = ModelFile::load(&path);
        fs::remove_file(&path).unwrap();
        assert!(
            matches!(r, Err(ModelError::CorruptModelFile { .. })),
            "{r:?}"
        );
    }

    #[test]
    fn newer_version_and_missing_file_are_typed_errors() {
        let (file, _) = fitted("svm");
        let json = file
            .to_json()
            .unwrap()
            .replacen("\"version\": 1", "\"version\": 2", 1);
        match load_text("newer", &json) {
            Err(ModelError::UnsupportedVersion {
                found, supported, ..
            }) => {
                assert_eq!((found, supported), (2, FORMAT_VERSION));
            }
            other => panic!("expected UnsupportedVersion, got {other:?}"),
        }
        // Not a regular file: refused before any read (a FIFO would block forever).
        let dir = std::env::temp_dir();
        assert!(matches!(
            ModelFile::load(&dir),
            Err(ModelError::CorruptModelFile { ref detail, .. }) if detail == "not a regular file"
        ));
        let missing = temp("does-not-exist");
        match ModelFile::load(&missing) {
            Err(ModelError::Io { path, .. }) => assert_eq!(path, missing),
            other => panic!("expected Io, got {other:?}"),
        }
        let dir = std::env::temp_dir().join(format!("ser-models-{}-no-dir", std::process::id()));
        assert!(matches!(
            file.save(dir.join("x").join("model.json")),
            Err(ModelError::Io { .. })
        ));
    }

    #[test]
    fn mismatched_parts_are_rejected_when_bundling() {
        let (file, _) = fitted("svm");
        let r = ModelFile::new(
            feature_config(),
            file.scaler.clone(),
            vec!["only".to_owned()],
            file.model.clone(),
        );
        assert!(matches!(r, Err(ModelError::ShapeMismatch { .. })));
        let r = ModelFile::new(
            FeatureConfig::study(FeatureSpec::Enriched),
            file.scaler.clone(),
            file.classes.clone(),
            file.model.clone(),
        );
        assert!(matches!(
            r,
            Err(ModelError::ShapeMismatch {
                what: "feature spec length",
                expected: 40,
                got: 189
            })
        ));
        let narrow = StandardScaler::fit(array![[1.0f32], [2.0]].view()).unwrap();
        let r = ModelFile::new(
            feature_config(),
            Some(narrow),
            file.classes.clone(),
            file.model.clone(),
        );
        assert!(matches!(
            r,
            Err(ModelError::ShapeMismatch {
                what: "scaler width",
                ..
            })
        ));
    }

    #[test]
    fn frame_cnn_files_round_trip_and_corrupt_weights_are_refused() {
        // The 40 features read as 8 steps × 5 values, to fit the mfcc40 spec's width.
        let (x, y) = data();
        let train = TrainSet::new(x.view(), y.view(), 3).unwrap();
        let model = crate::FrameCnn::params()
            .step_dim(5)
            .channels(6)
            .attention_dim(4)
            .epochs(2)
            .fit(&train)
            .unwrap();
        let classes = ["angry", "happy", "sad"].map(String::from).to_vec();
        let file = ModelFile::new(feature_config(), None, classes, model.into()).unwrap();
        assert_eq!(file.model.kind(), "frame_cnn");
        let before = file.predict_scores(x.view()).unwrap();
        let path = temp("roundtrip-frame-cnn");
        file.save(&path).unwrap();
        let loaded = ModelFile::load(&path).unwrap();
        fs::remove_file(&path).unwrap();
        assert_eq!(loaded, file);
        assert_eq!(loaded.predict_scores(x.view()).unwrap(), before);
        // A weight matrix of the wrong shape (same number of values) is caught on loading.
        let mut v: serde_json::Value = serde_json::from_str(&file.to_json().unwrap()).unwrap();
        v["model"]["frame_cnn"]["net"]["att_w"]["dim"] = serde_json::json!([4, 6]);
        let r = load_text("frame-cnn-bad-shape", &v.to_string());
        assert!(
            matches!(r, Err(ModelError::CorruptModelFile { .. })),
            "{r:?}"
        );
    }

    #[test]
    fn models_and_files_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<ModelFile>();
        check::<AnyModel>();
        check::<LinearSvmModel>();
        check::<KnnModel>();
        check::<FrameCnnModel>();
        check::<StandardScaler>();
    }
}
