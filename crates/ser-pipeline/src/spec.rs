//! [`PipelineSpec`]: one serialisable description of a whole pipeline — loading, features,
//! per-speaker normalisation, scaling, model (with its candidate grid and how candidates are
//! used) and self-training — and the named presets every command line starts from.

use std::fmt;
use std::str::FromStr;

use ser_features::FeatureSpec;
use ser_models::{FeatureConfig, MultiClass};
use serde::{Deserialize, Serialize};

use crate::error::{PipelineError, Result};

/// Finds the option among `all` whose `name` equals `s` (trimmed, any case); otherwise a
/// [`PipelineError::InvalidChoice`] about `what` listing every name ("expected a, b or c").
pub(crate) fn parse_named<T: Copy>(
    s: &str,
    what: &'static str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<T> {
    if let Some(&found) = all
        .iter()
        .find(|&&c| name(c).eq_ignore_ascii_case(s.trim()))
    {
        return Ok(found);
    }
    let names: Vec<&str> = all.iter().map(|&c| name(c)).collect();
    let expected = match names.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    Err(PipelineError::InvalidChoice {
        what,
        value: s.to_string(),
        reason: format!("expected {expected}"),
    })
}

/// Implements `name()`-based `Display` and `FromStr` for a fieldless choice enum.
macro_rules! named_choice {
    ($ty:ty, $what:literal, [$($v:expr),+ $(,)?]) => {
        impl $ty {
            /// Every choice, in a stable order.
            pub const ALL: &'static [$ty] = &[$($v),+];
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
        impl FromStr for $ty {
            type Err = PipelineError;
            fn from_str(s: &str) -> Result<Self> {
                parse_named(s, $what, Self::ALL, |c: $ty| c.name())
            }
        }
    };
}

/// Which classifier family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModelChoice {
    /// Linear SVM over the (C, scheme) grid of [`ModelSpec`].
    #[serde(rename = "svm")]
    Svm,
    /// k nearest neighbours (Euclidean, uniform votes) over [`ModelSpec::k_grid`].
    #[serde(rename = "knn")]
    Knn,
    /// The study's LSTM reading the row as a sequence ([`ModelSpec::lstm_epochs`] epochs; no
    /// candidates, no self-training).
    #[serde(rename = "lstm")]
    Lstm,
    /// The SVM's and the KNN's candidates together.
    #[serde(rename = "svm+knn")]
    SvmKnn,
}

impl ModelChoice {
    /// The command-line and file name.
    pub fn name(self) -> &'static str {
        match self {
            ModelChoice::Svm => "svm",
            ModelChoice::Knn => "knn",
            ModelChoice::Lstm => "lstm",
            ModelChoice::SvmKnn => "svm+knn",
        }
    }
}

named_choice!(
    ModelChoice,
    "model",
    [
        ModelChoice::Svm,
        ModelChoice::Knn,
        ModelChoice::Lstm,
        ModelChoice::SvmKnn
    ]
);

/// Which frame-level model reads a feature set's frame sequence
/// ([`FeatureSpec::frame_layout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FrameModel {
    /// A 1-D convolutional network over time with attention pooling and SpecAugment-style
    /// masking ([`ser_models::frames`]).
    #[serde(rename = "cnn")]
    Cnn,
    /// An LSTM over the frame steps ([`ser_models::lstm::LstmParams::frames`], 64 units).
    #[serde(rename = "lstm")]
    Lstm,
}

impl FrameModel {
    /// The command-line and file name.
    pub fn name(self) -> &'static str {
        match self {
            FrameModel::Cnn => "cnn",
            FrameModel::Lstm => "lstm",
        }
    }
}

named_choice!(
    FrameModel,
    "frame model",
    [FrameModel::Cnn, FrameModel::Lstm]
);

/// How the frame-level model's class probabilities are fused with the feature-level
/// ensemble's: `(1 − w) · ensemble + w · frame model`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fusion {
    /// `w` chosen from [`Fusion::GRID`] by inner folds of the training set (whole speakers with
    /// at least three training speakers, else utterance texts, as [`InnerProtocol::Auto`]): the
    /// best mean inner UAR of the whole fused stage (self-training included), ties to the
    /// smaller weight. Nothing is chosen on test speakers.
    Inner,
    /// A fixed `w` in `[0, 1]` (1: the frame model alone).
    Weight(f32),
}

impl Fusion {
    /// The weights [`Fusion::Inner`] chooses from.
    pub const GRID: [f32; 6] = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
}

impl fmt::Display for Fusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fusion::Inner => f.write_str("inner"),
            Fusion::Weight(w) => write!(f, "{w}"),
        }
    }
}

impl FromStr for Fusion {
    type Err = PipelineError;
    /// `inner` or a weight in `[0, 1]`.
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("inner") {
            return Ok(Fusion::Inner);
        }
        match t.parse::<f32>() {
            Ok(w) if (0.0..=1.0).contains(&w) => Ok(Fusion::Weight(w)),
            _ => Err(PipelineError::InvalidChoice {
                what: "fusion",
                value: s.to_string(),
                reason: "expected inner or a weight in [0, 1]".into(),
            }),
        }
    }
}

/// A frame-level model fitted beside the feature-level ensemble on the feature set's frame
/// sequence, and how the two are fused (issue 18.2 and 18.5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrameStage {
    /// The model.
    pub model: FrameModel,
    /// Training epochs, ≥ 1.
    pub epochs: usize,
    /// How its probabilities are fused with the ensemble's.
    pub fusion: Fusion,
}

impl Default for FrameStage {
    /// The CNN, 30 epochs, fusion weight chosen by inner folds.
    fn default() -> Self {
        Self {
            model: FrameModel::Cnn,
            epochs: 30,
            fusion: Fusion::Inner,
        }
    }
}

/// How a per-speaker pipeline predicts a clip of no known speaker (cold: no clip of that
/// speaker to take statistics from).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ColdModel {
    /// The clip is normalised with a typical training speaker's statistics and predicted by
    /// the speaker-normalised models (model files written before issue 18 work this way).
    #[default]
    #[serde(rename = "fallback")]
    Fallback,
    /// A second model stage, fitted on the training rows without speaker normalisation,
    /// predicts such clips: it learns emotion cues that hold across voices instead of within
    /// one. The default of [`Preset::Robust`].
    #[serde(rename = "global")]
    Global,
}

impl ColdModel {
    /// The command-line and file name.
    pub fn name(self) -> &'static str {
        match self {
            ColdModel::Fallback => "fallback",
            ColdModel::Global => "global",
        }
    }
}

named_choice!(
    ColdModel,
    "cold model",
    [ColdModel::Fallback, ColdModel::Global]
);

/// How features are normalised per speaker before scaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Normalisation {
    /// None.
    #[serde(rename = "none")]
    None,
    /// Each speaker's rows standardised with that speaker's own mean and deviation (training
    /// speakers from their training rows, new speakers from their own unlabelled clips).
    #[serde(rename = "speaker")]
    Speaker,
    /// Each speaker's mean subtracted (no division).
    #[serde(rename = "speaker-center")]
    SpeakerCenter,
}

impl Normalisation {
    /// The command-line and file name.
    pub fn name(self) -> &'static str {
        match self {
            Normalisation::None => "none",
            Normalisation::Speaker => "speaker",
            Normalisation::SpeakerCenter => "speaker-center",
        }
    }

    /// Whether statistics are computed per speaker.
    pub fn per_speaker(self) -> bool {
        self != Normalisation::None
    }
}

named_choice!(
    Normalisation,
    "normalisation",
    [
        Normalisation::None,
        Normalisation::Speaker,
        Normalisation::SpeakerCenter
    ]
);

/// How a training set is split into the inner folds that choose hyper-parameters
/// ([`Selection::Inner`] only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InnerProtocol {
    /// Speaker groups when the training set has at least three speakers; otherwise groups of
    /// the same utterance text ([`Self::Text`]) when the file names carry at least as many
    /// texts as inner folds; otherwise stratified rows.
    #[serde(rename = "auto")]
    Auto,
    /// Stratified k-fold over rows (the same voice and the same words on both sides).
    #[serde(rename = "rows")]
    Rows,
    /// Group k-fold over the utterance text read from the file name (TESS word, EmoDB text,
    /// CREMA-D sentence, RAVDESS statement, SAVEE sentence): no word on both sides of an inner
    /// fold. Falls back to rows when fewer texts than folds are found.
    #[serde(rename = "text")]
    Text,
    /// With fewer than three real training speakers and augmented copies present: each inner
    /// fold validates on one augmented voice's clips of one group of utterance texts and trains
    /// on every other row of the other texts — a voice (and words) the inner model has not
    /// seen. Otherwise as [`Self::Auto`].
    #[serde(rename = "voices")]
    Voices,
    /// Reverse validation (Zhong et al., 2010), a model-selection method for unsupervised
    /// domain adaptation: each candidate is fitted on the training set and labels the
    /// unlabelled rows given to the fit (self-training included); a second model with the same
    /// hyper-parameters is fitted on those *predicted* labels and scored by UAR on the labelled
    /// training rows. Candidates whose predictions miss a class score 0; ties go to the
    /// simpler one. Without unlabelled rows it falls back to [`Self::Auto`].
    #[serde(rename = "reverse")]
    Reverse,
}

impl InnerProtocol {
    /// The command-line and file name.
    pub fn name(self) -> &'static str {
        match self {
            InnerProtocol::Auto => "auto",
            InnerProtocol::Rows => "rows",
            InnerProtocol::Text => "text",
            InnerProtocol::Voices => "voices",
            InnerProtocol::Reverse => "reverse",
        }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            InnerProtocol::Auto => {
                "speaker groups with at least 3 training speakers, else utterance-text groups, \
                 else stratified rows"
            }
            InnerProtocol::Rows => "stratified rows",
            InnerProtocol::Text => "utterance-text groups",
            InnerProtocol::Voices => {
                "held-out augmented pseudo-voice x held-out utterance texts with fewer than 3 \
                 real training speakers, else as auto"
            }
            InnerProtocol::Reverse => {
                "reverse validation: fit, label the unlabelled test rows, refit on those \
                 predictions, score on the labelled training rows"
            }
        }
    }
}

named_choice!(
    InnerProtocol,
    "inner protocol",
    [
        InnerProtocol::Auto,
        InnerProtocol::Rows,
        InnerProtocol::Text,
        InnerProtocol::Voices,
        InnerProtocol::Reverse
    ]
);

/// What is done with the candidate hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Selection {
    /// Pick one candidate per family by the inner protocol ([`InnerProtocol`]).
    #[serde(rename = "inner")]
    Inner,
    /// Pick none: every candidate of the grid is fitted and their class probabilities are
    /// averaged (see [`crate::softmax_mean`]); self-training uses the ensemble. No inner CV.
    #[serde(rename = "ensemble")]
    Ensemble,
}

impl Selection {
    /// The command-line and file name.
    pub fn name(self) -> &'static str {
        match self {
            Selection::Inner => "inner",
            Selection::Ensemble => "ensemble",
        }
    }
}

named_choice!(
    Selection,
    "selection",
    [Selection::Inner, Selection::Ensemble]
);

/// Short name of an SVM multi-class scheme (`ovr`, `ovo`).
pub fn scheme_name(m: MultiClass) -> &'static str {
    match m {
        MultiClass::OneVsOne => "ovo",
        _ => "ovr",
    }
}

/// Parses `ovr` / `ovo`.
///
/// # Errors
/// [`PipelineError::InvalidChoice`] for anything else.
pub fn parse_scheme(s: &str) -> Result<MultiClass> {
    parse_named(
        s,
        "multi-class scheme",
        &[MultiClass::OneVsRest, MultiClass::OneVsOne],
        scheme_name,
    )
}

/// Scaling after normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scaling {
    /// None: the model sees the (normalised) features as they are.
    #[serde(rename = "none")]
    None,
    /// A [`ser_models::StandardScaler`] fitted on each model's training rows.
    #[serde(rename = "standard")]
    Standard,
}

/// The model stage: the family, its candidate hyper-parameters and how they are used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// Classifier family.
    pub kind: ModelChoice,
    /// SVM `C` candidates.
    pub c_grid: Vec<f32>,
    /// SVM multi-class schemes (each combined with every `C`).
    pub schemes: Vec<MultiClass>,
    /// KNN `k` candidates.
    pub k_grid: Vec<usize>,
    /// Average every candidate ([`Selection::Ensemble`]) or pick one per family by inner CV.
    pub selection: Selection,
    /// How inner folds are made ([`Selection::Inner`] only).
    pub inner: InnerProtocol,
    /// Inner folds ([`Selection::Inner`] only).
    pub inner_folds: usize,
    /// LSTM training epochs (best validation-loss weights kept).
    pub lstm_epochs: usize,
    /// Fraction of the LSTM's training rows held out to pick the best epoch's weights, in
    /// `[0, 1)` (default, and for specs written before the field existed: the study network's
    /// 0.2); 0 trains on every row and the training loss picks the epoch.
    #[serde(default = "crate::fold::study_validation")]
    pub lstm_validation: f64,
    /// A frame-level model beside the ensemble (needs a feature set with a frame sequence,
    /// e.g. `paralinguistic+frames`, and [`Selection::Ensemble`]); absent: none, as in files
    /// written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames: Option<FrameStage>,
}

/// Self-training on unlabelled clips: each round refits every model on the training rows plus
/// the unlabelled rows the current model is surest of, labelled with its own predictions. At
/// evaluation the unlabelled rows are a fold's test rows; at prediction, the clips predicted
/// together (the fitted pipeline keeps its training rows to refit on).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SelfTraining {
    /// Rounds (0: off).
    pub rounds: usize,
    /// Fraction of the unlabelled rows taken in each round (by score margin), in `(0, 1]`.
    pub fraction: f32,
}

/// A whole pipeline: loading → features → normalisation → scaling → model → self-training.
/// Serialisable (it is the first part of every model file); build one from a [`Preset`] and
/// replace the stages you want.
///
/// ```
/// use ser_pipeline::{ModelChoice, PipelineSpec, Preset};
///
/// let mut spec = PipelineSpec::preset(Preset::Robust);
/// spec.model.kind = ModelChoice::Knn; // only the model stage changes
/// spec.check().unwrap();
/// assert_eq!(spec.features.spec.name(), "paralinguistic");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineSpec {
    /// Loading (rate, offset, duration) and the clip vector.
    pub features: FeatureConfig,
    /// Per-speaker normalisation.
    pub normalisation: Normalisation,
    /// Scaling after normalisation.
    pub scaler: Scaling,
    /// The model stage.
    pub model: ModelSpec,
    /// Self-training on unlabelled clips.
    pub self_training: SelfTraining,
    /// How clips of no known speaker are predicted when [`Self::normalisation`] is per
    /// speaker (absent in older files: [`ColdModel::Fallback`]).
    #[serde(default)]
    pub cold: ColdModel,
    /// Seed of every split and model.
    pub seed: u64,
}

/// The named starting points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Preset {
    /// Today's best speaker-independent pipeline: paralinguistic functionals of the whole clip
    /// (the 128 functionals and the eGeMAPS-style set), per-speaker standardisation, a
    /// standard scaler, an ensemble of ten linear SVMs (C 0.001–10 × one-vs-rest /
    /// one-vs-one), one round of self-training on half the unlabelled clips, and for clips of
    /// no known speaker the same ensemble fitted without speaker normalisation.
    #[serde(rename = "robust")]
    Robust,
    /// The seed study's: 40 mean MFCCs of 0.5 s + 3 s at 22 050 Hz, one global scaler, the
    /// LSTM trained 50 epochs (its SVM: C 1 one-vs-one; its KNN: k 5).
    #[serde(rename = "study")]
    Study,
    /// [`Preset::Robust`] on the ComParE-scale functional set ([`FeatureSpec::Compare`], 4224
    /// values of the whole clip) instead of the paralinguistic set: the large brute-force set
    /// openSMILE's ComParE 2016 stands for, as a second starting point.
    #[serde(rename = "compare")]
    Compare,
}

impl Preset {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Robust => "robust",
            Preset::Study => "study",
            Preset::Compare => "compare",
        }
    }
}

named_choice!(
    Preset,
    "preset",
    [Preset::Robust, Preset::Study, Preset::Compare]
);

impl Default for PipelineSpec {
    /// [`Preset::Robust`].
    fn default() -> Self {
        Self::preset(Preset::Robust)
    }
}

impl PipelineSpec {
    /// The feature set `spec` with the loading it is meant for, from the preset that computes
    /// it: the clip-level sets (functionals, egemaps, paralinguistic, frames,
    /// paralinguistic+frames, compare) take the whole clip
    /// ([`Preset::Robust`]'s loading), the study's sets an excerpt ([`Preset::Study`]'s: 3 s
    /// from 0.5 s). What `--features` sets on every command line.
    pub fn features_for(spec: FeatureSpec) -> FeatureConfig {
        // Clip-level sets find the active frames themselves: the whole clip, as Robust loads it.
        let base = match spec {
            FeatureSpec::Functionals
            | FeatureSpec::Egemaps
            | FeatureSpec::Paralinguistic
            | FeatureSpec::Frames
            | FeatureSpec::ParalinguisticFrames
            | FeatureSpec::Compare => Preset::Robust,
            _ => Preset::Study,
        };
        FeatureConfig {
            spec,
            ..Self::preset(base).features
        }
    }

    /// The spec of a preset.
    pub fn preset(preset: Preset) -> Self {
        match preset {
            Preset::Compare => Self {
                features: FeatureConfig::with_loading(
                    FeatureSpec::Compare,
                    &ser_audio::LoadOptions::default(),
                ),
                ..Self::preset(Preset::Robust)
            },
            Preset::Robust => Self {
                // librosa.load's defaults: the whole clip at 22 050 Hz.
                features: FeatureConfig::with_loading(
                    FeatureSpec::Paralinguistic,
                    &ser_audio::LoadOptions::default(),
                ),
                normalisation: Normalisation::Speaker,
                scaler: Scaling::Standard,
                model: ModelSpec {
                    kind: ModelChoice::Svm,
                    c_grid: vec![0.001, 0.01, 0.1, 1.0, 10.0],
                    schemes: vec![MultiClass::OneVsRest, MultiClass::OneVsOne],
                    k_grid: vec![1, 5, 11, 21],
                    selection: Selection::Ensemble,
                    inner: InnerProtocol::Auto,
                    inner_folds: 4,
                    lstm_epochs: 50,
                    lstm_validation: crate::fold::study_validation(),
                    frames: None,
                },
                self_training: SelfTraining {
                    rounds: 1,
                    fraction: 0.5,
                },
                cold: ColdModel::Global,
                seed: 42,
            },
            Preset::Study => Self {
                features: FeatureConfig::study(FeatureSpec::Mfcc40Mean),
                normalisation: Normalisation::None,
                scaler: Scaling::Standard,
                model: ModelSpec {
                    kind: ModelChoice::Lstm,
                    c_grid: vec![1.0],
                    schemes: vec![MultiClass::OneVsOne],
                    k_grid: vec![5],
                    selection: Selection::Inner,
                    inner: InnerProtocol::Auto,
                    inner_folds: 4,
                    lstm_epochs: 50,
                    lstm_validation: crate::fold::study_validation(),
                    frames: None,
                },
                self_training: SelfTraining {
                    rounds: 0,
                    fraction: 0.5,
                },
                cold: ColdModel::Fallback,
                seed: 42,
            },
        }
    }

    /// Applies the command lines' frame-stage flags (`--frame-model`, `--frame-epochs`,
    /// `--fusion`): `model` `"none"` removes the stage; a model name, epochs or a fusion add one
    /// (with [`FrameStage::default`]'s other settings) or replace those settings of the
    /// spec's. A stage added to the paralinguistic set switches it to
    /// `paralinguistic+frames`, which holds the frame sequence the model reads.
    ///
    /// # Errors
    /// [`PipelineError::InvalidChoice`] for a model name other than `none`, `cnn`, `lstm`.
    pub fn apply_frame_flags(
        &mut self,
        model: Option<&str>,
        epochs: Option<usize>,
        fusion: Option<Fusion>,
    ) -> Result<()> {
        if model.is_some_and(|m| m.trim().eq_ignore_ascii_case("none")) {
            self.model.frames = None;
            return Ok(());
        }
        let model = model.map(str::parse::<FrameModel>).transpose()?;
        if model.is_none() && epochs.is_none() && fusion.is_none() {
            return Ok(());
        }
        let stage = self.model.frames.get_or_insert_with(FrameStage::default);
        if let Some(m) = model {
            stage.model = m;
        }
        if let Some(e) = epochs {
            stage.epochs = e;
        }
        if let Some(f) = fusion {
            stage.fusion = f;
        }
        if self.features.spec == FeatureSpec::Paralinguistic {
            self.features.spec = FeatureSpec::ParalinguisticFrames;
        }
        Ok(())
    }

    /// Checks every setting.
    ///
    /// # Errors
    /// [`PipelineError::InvalidSetting`] naming the setting and the range it must lie in.
    pub fn check(&self) -> Result<()> {
        let bad = |setting: &'static str, reason: String| {
            Err(PipelineError::InvalidSetting { setting, reason })
        };
        let f = &self.features;
        if !(1_000..=384_000).contains(&f.sample_rate) {
            return bad(
                "sample rate",
                format!("{} Hz is outside 1000–384000 Hz", f.sample_rate),
            );
        }
        if !(f.offset.is_finite() && f.offset >= 0.0) {
            return bad("offset", format!("{} s must be finite and ≥ 0", f.offset));
        }
        if let Some(d) = f.duration
            && !(d.is_finite() && d > 0.0)
        {
            return bad("duration", format!("{d} s must be finite and > 0"));
        }
        let m = &self.model;
        let svm = matches!(m.kind, ModelChoice::Svm | ModelChoice::SvmKnn);
        let knn = matches!(m.kind, ModelChoice::Knn | ModelChoice::SvmKnn);
        if svm && m.c_grid.is_empty() {
            return bad("C", "at least one value is needed".into());
        }
        if let Some(c) = m.c_grid.iter().find(|c| !(c.is_finite() && **c > 0.0)) {
            return bad("C", format!("{c} must be finite and > 0"));
        }
        if svm && m.schemes.is_empty() {
            return bad("multi-class", "at least one scheme is needed".into());
        }
        if knn && m.k_grid.is_empty() {
            return bad("k", "at least one value is needed".into());
        }
        if m.k_grid.contains(&0) {
            return bad("k", "every k must be ≥ 1".into());
        }
        if m.inner_folds < 2 {
            return bad("inner folds", format!("{} must be ≥ 2", m.inner_folds));
        }
        if m.kind == ModelChoice::Lstm && m.lstm_epochs == 0 {
            return bad("epochs", "must be ≥ 1".into());
        }
        if !(0.0..1.0).contains(&m.lstm_validation) {
            return bad(
                "validation",
                format!("{} must be in [0, 1)", m.lstm_validation),
            );
        }
        if let Some(fr) = &m.frames {
            let Some(layout) = f.spec.frame_layout() else {
                return bad(
                    "frame model",
                    format!(
                        "the feature set {} has no frame sequence (use paralinguistic+frames \
                         or frames)",
                        f.spec
                    ),
                );
            };
            if m.selection != Selection::Ensemble || m.kind == ModelChoice::Lstm {
                return bad(
                    "frame model",
                    "fusion needs the ensemble selection and an SVM or KNN model".into(),
                );
            }
            if fr.epochs == 0 {
                return bad("frame epochs", "must be ≥ 1".into());
            }
            if let Fusion::Weight(w) = fr.fusion {
                if !(0.0..=1.0).contains(&w) {
                    return bad("fusion", format!("{w} must lie in [0, 1]"));
                }
                if w < 1.0 && layout.start == 0 {
                    return bad(
                        "fusion",
                        format!(
                            "the feature set {} holds only frames: the ensemble has no features \
                             (weight 1, or paralinguistic+frames)",
                            f.spec
                        ),
                    );
                }
            } else if layout.start == 0 {
                return bad(
                    "fusion",
                    format!(
                        "the feature set {} holds only frames: nothing to fuse (weight 1)",
                        f.spec
                    ),
                );
            }
        }
        let st = self.self_training;
        if !(st.fraction.is_finite() && st.fraction > 0.0 && st.fraction <= 1.0) {
            return bad(
                "self-training fraction",
                format!("{} must lie in (0, 1]", st.fraction),
            );
        }
        if st.rounds > 10 {
            return bad(
                "self-training rounds",
                format!("{} must lie in 0–10", st.rounds),
            );
        }
        Ok(())
    }

    /// Whether the fitted pipeline refits on the clips it predicts (and so keeps its training
    /// rows): self-training rounds above zero, for a model that self-trains (not the LSTM).
    pub fn self_trains(&self) -> bool {
        self.self_training.rounds > 0 && self.model.kind != ModelChoice::Lstm
    }

    /// How hyper-parameters are chosen, in words (for reports).
    pub fn selection_text(&self) -> String {
        let m = &self.model;
        match m.kind {
            ModelChoice::Lstm => format!("fixed: LSTM study network, {} epochs", m.lstm_epochs),
            _ if m.selection == Selection::Ensemble => format!(
                "none chosen: ensemble of every candidate (C from {:?}, SVM scheme from {}, k \
                 from {:?} as the model has them), each candidate's test scores divided by \
                 their standard deviation over test rows and classes, softmax over classes, \
                 probabilities averaged; no inner CV",
                m.c_grid,
                self.scheme_text(),
                m.k_grid
            ),
            _ if m.inner == InnerProtocol::Reverse => format!(
                "{} (no test label read); the best reverse UAR, ties to the simpler model; \
                 C from {:?}, SVM scheme from {}, k from {:?}",
                m.inner.describe(),
                m.c_grid,
                self.scheme_text(),
                m.k_grid
            ),
            _ => format!(
                "inner {}-fold CV on the training fold only ({}), scored by UAR of the whole \
                 fold pipeline (self-training on the inner validation rows included); the best \
                 candidate's family, then the one-standard-error rule toward the simpler model; \
                 C from {:?}, SVM scheme from {}, k from {:?}",
                m.inner_folds,
                m.inner.describe(),
                m.c_grid,
                self.scheme_text(),
                m.k_grid
            ),
        }
    }

    fn scheme_text(&self) -> String {
        let names: Vec<&str> = self.model.schemes.iter().map(|&m| scheme_name(m)).collect();
        if names.len() == 1 {
            format!("[{}] (fixed)", names[0])
        } else {
            format!("{names:?}")
        }
    }

    /// The unsupervised adaptation, in words (for reports).
    pub fn adaptation_text(&self) -> String {
        if !self.self_trains() {
            "none".into()
        } else {
            format!(
                "self-training: {} round(s), the {:.0} % of test rows with the widest score \
                 margin pseudo-labelled and added to the training rows (no test labels read)",
                self.self_training.rounds,
                100.0 * self.self_training.fraction
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_check_and_round_trip_through_json() {
        for &p in Preset::ALL {
            let spec = PipelineSpec::preset(p);
            spec.check().unwrap();
            let text = serde_json::to_string(&spec).unwrap();
            let back: PipelineSpec = serde_json::from_str(&text).unwrap();
            assert_eq!(back, spec);
            assert_eq!(p.name().parse::<Preset>().unwrap(), p);
        }
        let v: serde_json::Value =
            serde_json::to_value(PipelineSpec::preset(Preset::Robust)).unwrap();
        assert_eq!(v["model"]["kind"], "svm");
        assert_eq!(v["model"]["selection"], "ensemble");
        assert_eq!(v["normalisation"], "speaker");
        assert_eq!(v["features"]["spec"], "paralinguistic");
        assert_eq!(v["self_training"]["rounds"], 1);
    }

    #[test]
    fn bad_settings_name_the_setting() {
        let setting = |f: &dyn Fn(&mut PipelineSpec)| {
            let mut s = PipelineSpec::default();
            f(&mut s);
            match s.check() {
                Err(PipelineError::InvalidSetting { setting, .. }) => setting,
                other => panic!("expected InvalidSetting, got {other:?}"),
            }
        };
        assert_eq!(
            setting(&|s| s.self_training.fraction = 2.0),
            "self-training fraction"
        );
        assert_eq!(
            setting(&|s| s.self_training.fraction = -1.0),
            "self-training fraction"
        );
        assert_eq!(
            setting(&|s| s.self_training.fraction = f32::NAN),
            "self-training fraction"
        );
        assert_eq!(setting(&|s| s.model.c_grid = vec![0.0]), "C");
        assert_eq!(setting(&|s| s.model.c_grid.clear()), "C");
        assert_eq!(setting(&|s| s.model.schemes.clear()), "multi-class");
        assert_eq!(setting(&|s| s.features.offset = f64::NAN), "offset");
        assert_eq!(setting(&|s| s.features.sample_rate = 1), "sample rate");
        assert_eq!(setting(&|s| s.model.inner_folds = 1), "inner folds");
        assert_eq!(setting(&|s| s.model.lstm_validation = 1.0), "validation");
        assert_eq!(
            setting(&|s| s.model.lstm_validation = f64::NAN),
            "validation"
        );
    }

    #[test]
    fn specs_written_before_the_validation_fraction_read_the_study_value() {
        let mut spec = PipelineSpec::preset(Preset::Study);
        spec.model.lstm_validation = 0.0;
        let mut json = serde_json::to_value(&spec).unwrap();
        let model = json["model"].as_object_mut().unwrap();
        assert_eq!(
            model.remove("lstm_validation"),
            Some(serde_json::json!(0.0))
        );
        let old: PipelineSpec = serde_json::from_value(json).unwrap();
        assert_eq!(old.model.lstm_validation, 0.2);
        assert_eq!(
            old.model.lstm_validation,
            ser_models::lstm::LstmParams::study().validation_fraction()
        );
    }

    #[test]
    fn names_parse_any_case_and_list_every_name_when_unknown() {
        assert_eq!(
            " Ensemble ".parse::<Selection>().unwrap(),
            Selection::Ensemble
        );
        assert_eq!(parse_scheme("OVO").unwrap(), MultiClass::OneVsOne);
        let reason = |e: PipelineError| match e {
            PipelineError::InvalidChoice { what, reason, .. } => format!("{what}: {reason}"),
            other => panic!("unexpected error {other}"),
        };
        let cases = [
            (
                reason("x".parse::<ModelChoice>().unwrap_err()),
                "model: expected svm, knn, lstm or svm+knn",
            ),
            (
                reason("x".parse::<Normalisation>().unwrap_err()),
                "normalisation: expected none, speaker or speaker-center",
            ),
            (
                reason("x".parse::<InnerProtocol>().unwrap_err()),
                "inner protocol: expected auto, rows, text, voices or reverse",
            ),
            (
                reason("x".parse::<Selection>().unwrap_err()),
                "selection: expected inner or ensemble",
            ),
            (
                reason(parse_scheme("x").unwrap_err()),
                "multi-class scheme: expected ovr or ovo",
            ),
            (
                reason("x".parse::<Preset>().unwrap_err()),
                "preset: expected robust, study or compare",
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }
}
