//! [`fit`] a [`PipelineSpec`] on a labelled [`Dataset`] → a [`FittedPipeline`] that predicts
//! clips, with the statistics of their speaker when it has them.

use std::path::Path;

use ndarray::{Array1, Array2, ArrayView2};
use ser_data::normalize::{GroupStats, group_rows};
use ser_data::{Dataset, SpeakerKey, Utterance};
use serde::{Deserialize, Serialize};

use crate::error::{PipelineError, Result};
use crate::fold::{self, Combine, InnerScore, Member, StageInput};
use crate::spec::{ColdModel, Fusion, Normalisation, PipelineSpec};
use ser_models::FeatureConfig;

/// Rows kept by a self-training pipeline to refit on at prediction time: the normalised
/// training features and their labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RefitRows {
    x: Array2<f32>,
    y: Array1<usize>,
}

/// A fitted pipeline: the spec, every fitted part, and (when it self-trains) the training rows
/// it refits on. Save it with [`FittedPipeline::save`] (model file version 2); load any model
/// file with [`FittedPipeline::load`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedPipeline {
    spec: PipelineSpec,
    classes: Vec<String>,
    n_features: usize,
    /// What the training rows were normalised per (`"speaker"`, or `"corpus"` when the data
    /// set names no speakers); `None` without per-speaker normalisation.
    normalised_per: Option<String>,
    /// The statistics of a typical training speaker: used for clips of no known speaker.
    fallback: Option<GroupStats>,
    members: Vec<Member>,
    combine: Combine,
    refit: Option<RefitRows>,
    /// Predicts rows of no known speaker instead of the fallback statistics and `members`
    /// ([`ColdModel::Global`]); absent otherwise and in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cold: Option<ColdStage>,
    chosen: String,
    #[serde(skip)]
    inner_scores: Vec<InnerScore>,
}

/// Where a predicted row's normalisation statistics came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatsSource {
    /// The pipeline does not normalise per speaker.
    #[serde(rename = "none")]
    None,
    /// Unlabelled clips of the same speaker given apart from the clips predicted.
    #[serde(rename = "speaker-clips")]
    SpeakerClips,
    /// All clips predicted together, said to be one speaker.
    #[serde(rename = "same-speaker")]
    SameSpeaker,
    /// The clips in the same folder, each folder one speaker.
    #[serde(rename = "group-by-folder")]
    GroupByFolder,
    /// Rows grouped by speaker ids the caller gave.
    #[serde(rename = "speaker")]
    Speaker,
    /// No statistics of the speaker: the pipeline's cold model stage predicts the clip
    /// ([`ColdModel::Global`]), or a typical training speaker's statistics normalise it
    /// ([`ColdModel::Fallback`]).
    #[serde(rename = "training-fallback")]
    TrainingFallback,
}

impl StatsSource {
    /// The name printed on prediction lines.
    pub fn name(self) -> &'static str {
        match self {
            StatsSource::None => "none",
            StatsSource::SpeakerClips => "speaker-clips",
            StatsSource::SameSpeaker => "same-speaker",
            StatsSource::GroupByFolder => "group-by-folder",
            StatsSource::Speaker => "speaker",
            StatsSource::TrainingFallback => "training-fallback",
        }
    }
}

/// The model stage for clips of no known speaker ([`ColdModel::Global`]): fitted on the
/// training rows without speaker normalisation, never self-trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ColdStage {
    members: Vec<Member>,
    combine: Combine,
}

/// How the rows of one [`FittedPipeline::predict_rows`] call are normalised: each row names a
/// group (index into `stats`) or none (the training fallback).
#[derive(Debug, Clone, Default)]
pub struct SpeakerContext {
    /// Each group's statistics (see [`FittedPipeline::speaker_stats`]) and where they came from.
    pub stats: Vec<(GroupStats, StatsSource)>,
    /// Each row's group, `None` for the training fallback. Empty: every row falls back.
    pub row_group: Vec<Option<usize>>,
}

impl SpeakerContext {
    /// No speaker known: every row uses the training fallback.
    pub fn none() -> Self {
        Self::default()
    }
}

/// Class probabilities of predicted rows and where each row's normalisation came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictions {
    /// `rows × classes`; every row sums to 1.
    pub probabilities: Array2<f32>,
    /// Per row.
    pub normalisation: Vec<StatsSource>,
}

/// Normalises `x` per group of `keys` as `norm` says.
pub(crate) fn normalise_by_keys(
    x: ArrayView2<'_, f32>,
    keys: &[SpeakerKey],
    norm: Normalisation,
) -> Result<Array2<f32>> {
    Ok(match norm {
        Normalisation::None => x.to_owned(),
        Normalisation::Speaker => ser_data::normalize::standardize_by_group(x, keys)?,
        Normalisation::SpeakerCenter => ser_data::normalize::center_by_group(x, keys)?,
    })
}

/// Fits `spec` on every row of `data`; each row's speaker is its [`SpeakerKey`] with augmented
/// copies as voices of their own (`data.speaker_keys(true)`).
///
/// # Errors
/// [`PipelineError::InvalidSetting`] for a bad spec; [`PipelineError::Unusable`] for fewer than
/// two classes with rows, a class without rows, no rows, or empty or repeated class names;
/// model errors. (Rows of another width than the feature set's fit, but such a pipeline can
/// only predict rows, not files, and its model file does not load.)
pub fn fit(spec: &PipelineSpec, data: &Dataset) -> Result<FittedPipeline> {
    fit_with(spec, data, &data.speaker_keys(true), None)
}

/// As [`fit`], with the normalisation groups given, and unlabelled rows (already normalised)
/// for reverse validation.
pub(crate) fn fit_with(
    spec: &PipelineSpec,
    data: &Dataset,
    keys: &[SpeakerKey],
    unlabelled: Option<ArrayView2<'_, f32>>,
) -> Result<FittedPipeline> {
    spec.check()?;
    check_classes(&data.classes)?;
    let with_rows = data.class_counts().iter().filter(|&&c| c > 0).count();
    if with_rows < 2 {
        return Err(PipelineError::Unusable {
            reason: format!(
                "training needs at least two emotions with clips; found {with_rows} ({})",
                data.classes.join(", ")
            ),
        });
    }
    if let Some((i, _)) = data
        .class_counts()
        .iter()
        .enumerate()
        .find(|&(_, &c)| c == 0)
    {
        return Err(PipelineError::Unusable {
            reason: format!("emotion {:?} has no training clip", data.classes[i]),
        });
    }
    if data.is_empty() || data.n_features() == 0 {
        return Err(PipelineError::Unusable {
            reason: "no training rows or no features".into(),
        });
    }
    let d = data.n_features();
    let norm = spec.normalisation;
    let x = normalise_by_keys(data.records.view(), keys, norm)?;
    let (fallback, normalised_per) = if norm.per_speaker() {
        let scale = norm == Normalisation::Speaker;
        let stats = group_rows(keys)
            .values()
            .map(|rows| GroupStats::fit(data.records.view(), rows, scale))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let per = if keys.iter().all(|k| k.speaker.is_empty()) {
            "corpus (the data set names no speakers)"
        } else {
            "speaker"
        };
        (Some(GroupStats::pooled(&stats)?), Some(per.to_owned()))
    } else {
        (None, None)
    };
    let texts: Vec<Option<Utterance>> = data.paths.iter().map(|p| Utterance::of(p)).collect();
    let stage = fold::fit_stage(
        spec,
        &StageInput {
            x: x.view(),
            y: data.targets.view(),
            n_classes: data.classes.len(),
            speakers: keys,
            texts: &texts,
            unlabelled,
        },
    )?;
    let cold = if norm.per_speaker() && spec.cold == ColdModel::Global {
        let mut plain = spec.clone();
        plain.normalisation = Normalisation::None;
        plain.self_training.rounds = 0;
        // The fusion weight the speaker-normalised stage chose (no second selection).
        if let (Some(fr), Combine::Fused { frame_weight }) =
            (plain.model.frames.as_mut(), stage.combine)
        {
            fr.fusion = Fusion::Weight(frame_weight);
        }
        let stage = fold::fit_stage(
            &plain,
            &StageInput {
                x: data.records.view(),
                y: data.targets.view(),
                n_classes: data.classes.len(),
                speakers: keys,
                texts: &texts,
                unlabelled: None,
            },
        )?;
        Some(ColdStage {
            members: stage.members,
            combine: stage.combine,
        })
    } else {
        None
    };
    let refit = spec.self_trains().then(|| RefitRows {
        x,
        y: data.targets.clone(),
    });
    Ok(FittedPipeline {
        spec: spec.clone(),
        classes: data.classes.clone(),
        n_features: d,
        normalised_per,
        fallback,
        members: stage.members,
        combine: stage.combine,
        refit,
        cold,
        chosen: stage.chosen,
        inner_scores: stage.inner_scores,
    })
}

/// A fused combination needs a weight in `[0, 1]` and a frame-level member; frame-level members
/// need a fused combination. Errors: the part (`what`) and what is wrong.
fn check_combine(
    combine: Combine,
    members: &[Member],
    what: &str,
) -> std::result::Result<(), (String, String)> {
    let frames = members.iter().filter(|m| m.candidate.is_frame()).count();
    match combine {
        Combine::Fused { frame_weight } if !(0.0..=1.0).contains(&frame_weight) => Err((
            what.to_owned(),
            format!("frame weight {frame_weight} outside [0, 1]"),
        )),
        Combine::Fused { .. } if frames == 0 => {
            Err((what.to_owned(), "fused without a frame-level member".into()))
        }
        Combine::Sum | Combine::SoftmaxMean if frames > 0 => Err((
            what.to_owned(),
            "a frame-level member outside a fused combination".into(),
        )),
        _ => Ok(()),
    }
}

/// Class names must be non-empty and distinct.
pub(crate) fn check_classes(classes: &[String]) -> Result<()> {
    if let Some(i) = classes.iter().position(|c| c.trim().is_empty()) {
        return Err(PipelineError::Unusable {
            reason: format!("class {i} has an empty name"),
        });
    }
    for (i, c) in classes.iter().enumerate() {
        if classes[..i].contains(c) {
            return Err(PipelineError::Unusable {
                reason: format!("class name {c:?} appears twice"),
            });
        }
    }
    Ok(())
}

impl FittedPipeline {
    /// The spec it was fitted from.
    pub fn spec(&self) -> &PipelineSpec {
        &self.spec
    }

    /// Class names, in score order.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// Length of the raw feature rows it takes.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The fitted model(s) in words (e.g. `"ensemble of 10: C=0.001 ovr, …"`).
    pub fn chosen(&self) -> &str {
        &self.chosen
    }

    /// Every candidate's inner cross-validation score when one was chosen (not saved).
    pub fn inner_scores(&self) -> &[InnerScore] {
        &self.inner_scores
    }

    /// What training rows were normalised per (`"speaker"`, or `"corpus (…)"` when the data
    /// set names no speakers); `None` without per-speaker normalisation.
    pub fn normalised_per(&self) -> Option<&str> {
        self.normalised_per.as_deref()
    }

    /// Whether predicting refits on the clips predicted together (self-training).
    pub fn self_trains(&self) -> bool {
        self.refit.is_some()
    }

    /// This pipeline with self-training off: the fitted members predict as they are, with no
    /// refit on the rows predicted together (for live use, where a refit per prediction would
    /// cost a whole fit). Its spec says so (`self_training.rounds` 0), so it saves and loads
    /// as such.
    pub fn without_self_training(&self) -> FittedPipeline {
        let mut plain = self.clone();
        plain.refit = None;
        plain.spec.self_training.rounds = 0;
        plain
    }

    /// Whether rows are normalised with their speaker's statistics.
    pub fn per_speaker(&self) -> bool {
        self.fallback.is_some()
    }

    /// The raw feature row of the recording at `path`, loaded and computed as the spec says.
    ///
    /// # Errors
    /// [`PipelineError::Audio`] naming the file when it cannot be loaded;
    /// [`PipelineError::FileFeatures`] when its features cannot be computed.
    pub fn features_of(&self, path: &Path) -> Result<Vec<f32>> {
        file_features(&self.spec.features, path)
    }

    /// The raw feature row of samples already loaded at `sample_rate`; `path` names them in
    /// errors.
    ///
    /// # Errors
    /// [`PipelineError::FileFeatures`].
    pub fn features_of_samples(
        &self,
        samples: &[f32],
        sample_rate: u32,
        path: &Path,
    ) -> Result<Vec<f32>> {
        samples_features(&self.spec.features, samples, sample_rate, path)
    }

    /// A speaker's statistics from raw feature rows of that speaker's clips (no labels).
    ///
    /// # Errors
    /// [`PipelineError::Unusable`] for no rows or the wrong width.
    pub fn speaker_stats(&self, rows: ArrayView2<'_, f32>) -> Result<GroupStats> {
        self.check_rows(rows)?;
        let all: Vec<usize> = (0..rows.nrows()).collect();
        Ok(GroupStats::fit(
            rows,
            &all,
            self.spec.normalisation == Normalisation::Speaker,
        )?)
    }

    fn check_rows(&self, rows: ArrayView2<'_, f32>) -> Result<()> {
        if rows.nrows() == 0 {
            return Err(PipelineError::Unusable {
                reason: "no feature rows".into(),
            });
        }
        if rows.ncols() != self.n_features {
            return Err(PipelineError::Unusable {
                reason: format!(
                    "feature rows of width {}; the pipeline takes {}",
                    rows.ncols(),
                    self.n_features
                ),
            });
        }
        Ok(())
    }

    /// Predicts raw feature rows predicted together: each row normalised with its group's
    /// statistics, then the fitted models; a self-training pipeline first refits on its
    /// training rows plus the surest of these rows (so rows predicted together inform each
    /// other, as a fold's test rows do in evaluation). Rows of no known group go to the cold
    /// model stage when the pipeline has one ([`ColdModel::Global`]: each predicted as it is
    /// alone, no refit); otherwise they are normalised with the training fallback
    /// statistics and join the others.
    ///
    /// # Errors
    /// [`PipelineError::Unusable`] for no rows, the wrong width, or a context whose groups do
    /// not match the rows; model errors.
    pub fn predict_rows(
        &self,
        rows: ArrayView2<'_, f32>,
        context: &SpeakerContext,
    ) -> Result<Predictions> {
        self.check_rows(rows)?;
        if !context.row_group.is_empty() && context.row_group.len() != rows.nrows() {
            return Err(PipelineError::Unusable {
                reason: format!(
                    "{} rows but {} row groups",
                    rows.nrows(),
                    context.row_group.len()
                ),
            });
        }
        let mut x = rows.to_owned();
        let mut source = vec![StatsSource::None; rows.nrows()];
        if let Some(fallback) = &self.fallback {
            for (i, src_i) in source.iter_mut().enumerate() {
                let g = context.row_group.get(i).copied().flatten();
                let (stats, src) = match g {
                    Some(g) => {
                        let (s, src) =
                            context
                                .stats
                                .get(g)
                                .ok_or_else(|| PipelineError::Unusable {
                                    reason: format!(
                                        "row {i} names group {g}, which has no statistics"
                                    ),
                                })?;
                        if s.n_features() != self.n_features {
                            return Err(PipelineError::Unusable {
                                reason: format!(
                                    "speaker statistics of width {}; the pipeline takes {}",
                                    s.n_features(),
                                    self.n_features
                                ),
                            });
                        }
                        (s, *src)
                    }
                    None => (fallback, StatsSource::TrainingFallback),
                };
                stats.apply_into(rows.row(i), x.row_mut(i));
                *src_i = src;
            }
        }
        let n_classes = self.classes.len();
        // Rows of no known speaker go to the cold stage when there is one; the others (all
        // rows without one) to the speaker-normalised members, self-trained on together.
        let (cold_rows, warm_rows): (Vec<usize>, Vec<usize>) = match &self.cold {
            Some(_) => (0..rows.nrows()).partition(|&i| source[i] == StatsSource::TrainingFallback),
            None => (Vec::new(), (0..rows.nrows()).collect()),
        };
        let mut probabilities = Array2::<f32>::zeros((rows.nrows(), n_classes));
        if !warm_rows.is_empty() {
            let warm = if cold_rows.is_empty() {
                x
            } else {
                x.select(ndarray::Axis(0), &warm_rows)
            };
            let scores = match &self.refit {
                Some(r) => {
                    fold::self_train(
                        self.members.clone(),
                        self.combine,
                        r.x.view(),
                        r.y.view(),
                        warm.view(),
                        n_classes,
                        &self.spec,
                    )?
                    .0
                }
                None => fold::combined_scores(&self.members, self.combine, warm.view(), n_classes)?,
            };
            let p = to_probabilities(scores);
            for (k, &i) in warm_rows.iter().enumerate() {
                probabilities.row_mut(i).assign(&p.row(k));
            }
        }
        if let Some(cold) = &self.cold {
            // One row at a time: an ensemble's score scale is taken over the rows scored
            // together, and a clip of an unknown speaker is predicted as it is alone.
            for &i in &cold_rows {
                let raw = rows.select(ndarray::Axis(0), &[i]);
                let p = to_probabilities(fold::combined_scores(
                    &cold.members,
                    cold.combine,
                    raw.view(),
                    n_classes,
                )?);
                probabilities.row_mut(i).assign(&p.row(0));
            }
        }
        Ok(Predictions {
            probabilities,
            normalisation: source,
        })
    }

    /// Checks every part agrees with the others and holds usable numbers, so that no loaded
    /// pipeline can make prediction panic. Returns the part at fault and what is wrong.
    pub(crate) fn validate(&self) -> std::result::Result<(), (String, String)> {
        let part = |p: &str, d: String| Err((p.to_owned(), d));
        if let Err(e) = self.spec.check() {
            return part("spec", e.to_string());
        }
        if let Err(e) = check_classes(&self.classes) {
            return part("classes", e.to_string());
        }
        if self.classes.len() < 2 {
            return part(
                "classes",
                format!("{} class(es); at least 2", self.classes.len()),
            );
        }
        if self.n_features != self.spec.features.spec.dim() {
            return part(
                "n_features",
                format!(
                    "{} but the feature set {} gives {}",
                    self.n_features,
                    self.spec.features.spec,
                    self.spec.features.spec.dim()
                ),
            );
        }
        if self.members.is_empty() {
            return part("members", "no fitted model".into());
        }
        self.check_members(&self.members, "member")?;
        check_combine(self.combine, &self.members, "combine")?;
        match (
            &self.cold,
            self.spec.normalisation.per_speaker(),
            self.spec.cold,
        ) {
            (Some(c), true, ColdModel::Global) => {
                if c.members.is_empty() {
                    return part("cold members", "no fitted model".into());
                }
                self.check_members(&c.members, "cold member")?;
                check_combine(c.combine, &c.members, "cold combine")?;
            }
            (None, _, ColdModel::Fallback) | (None, false, _) => {}
            _ => {
                return part(
                    "cold members",
                    "present without a per-speaker pipeline whose spec asks for them, or \
                     missing with one"
                        .into(),
                );
            }
        }
        match (&self.fallback, self.spec.normalisation.per_speaker()) {
            (Some(f), true) => {
                if let Err(e) = f.validate() {
                    return part("normaliser", e);
                }
                if f.n_features() != self.n_features {
                    return part("normaliser", format!("width {}", f.n_features()));
                }
            }
            (None, false) => {}
            _ => {
                return part(
                    "normaliser",
                    "present without per-speaker normalisation, or missing with it".into(),
                );
            }
        }
        match (&self.refit, self.spec.self_trains()) {
            (Some(r), true) => {
                if r.x.nrows() != r.y.len() || r.x.nrows() == 0 {
                    return part(
                        "training rows",
                        format!("{} rows but {} labels", r.x.nrows(), r.y.len()),
                    );
                }
                if r.x.ncols() != self.n_features {
                    return part("training rows", format!("width {}", r.x.ncols()));
                }
                if r.x.iter().any(|v| !v.is_finite()) {
                    return part("training rows", "a non-finite value".into());
                }
                if let Some(&bad) = r.y.iter().find(|&&t| t >= self.classes.len()) {
                    return part("training rows", format!("label {bad} out of range"));
                }
                if self.members.iter().any(|m| !m.candidate.refittable()) {
                    return part("members", "a member that cannot be refitted".into());
                }
            }
            (None, false) => {}
            _ => {
                return part(
                    "training rows",
                    "present without self-training, or missing with it".into(),
                );
            }
        }
        Ok(())
    }

    /// Checks fitted members against the pipeline's classes and width; the part at fault is
    /// named `"{what} {index}"`.
    fn check_members(
        &self,
        members: &[Member],
        what: &str,
    ) -> std::result::Result<(), (String, String)> {
        use ser_models::Predict;
        for (i, m) in members.iter().enumerate() {
            let name = format!("{what} {i}");
            if let Err(e) = m.model.validate() {
                return Err((name, e));
            }
            if m.model.n_classes() != self.classes.len() {
                return Err((
                    name,
                    format!(
                        "{} classes; the file names {}",
                        m.model.n_classes(),
                        self.classes.len()
                    ),
                ));
            }
            let width = match m.columns {
                None => self.n_features,
                Some(c) if c.start < c.end && c.end <= self.n_features => c.end - c.start,
                Some(c) => {
                    return Err((
                        name,
                        format!(
                            "reads values {}..{} of rows of {}",
                            c.start, c.end, self.n_features
                        ),
                    ));
                }
            };
            if m.model.n_features() != width {
                return Err((
                    name,
                    format!(
                        "{} features; the pipeline gives it {width}",
                        m.model.n_features(),
                    ),
                ));
            }
            if let Some(s) = &m.scaler {
                if let Err(e) = s.validate() {
                    return Err((name, e));
                }
                if s.n_features() != width {
                    return Err((name, format!("scaler of width {}", s.n_features())));
                }
            }
        }
        Ok(())
    }

    /// A pipeline around a version-1 model file: its features and loading, its scaler and its
    /// one model; no per-speaker normalisation, no self-training.
    pub(crate) fn from_v1(file: ser_models::ModelFile) -> Result<Self> {
        use crate::spec::{ModelChoice, Preset, Scaling};
        let mut spec = PipelineSpec::preset(Preset::Study);
        spec.features = file.features.clone();
        spec.scaler = if file.scaler.is_some() {
            Scaling::Standard
        } else {
            Scaling::None
        };
        spec.model.kind = match file.model.kind() {
            "knn" => ModelChoice::Knn,
            "lstm" => ModelChoice::Lstm,
            _ => ModelChoice::Svm,
        };
        let n_features = file.features.spec.dim();
        Ok(Self {
            spec,
            n_features,
            normalised_per: None,
            fallback: None,
            members: vec![Member {
                candidate: fold::Candidate::Imported,
                columns: None,
                scaler: file.scaler,
                model: file.model,
            }],
            combine: Combine::Sum,
            refit: None,
            cold: None,
            chosen: "one model from a version-1 model file".into(),
            inner_scores: Vec::new(),
            classes: file.classes,
        })
    }
}

/// Scores → probabilities: rows of non-negative scores divided by their sum (one model's
/// probabilities stay as they are; several summed come back to 1); any other row through a
/// softmax.
fn to_probabilities(mut s: Array2<f32>) -> Array2<f32> {
    for mut row in s.rows_mut() {
        let total: f32 = row.sum();
        if row.iter().all(|v| v.is_finite() && *v >= 0.0) && total > 0.0 {
            row.mapv_inplace(|v| v / total);
        } else {
            let top = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            row.mapv_inplace(|v| {
                if top.is_finite() {
                    (v - top).exp()
                } else {
                    1.0
                }
            });
            let total: f32 = row.sum();
            row.mapv_inplace(|v| v / total);
        }
    }
    s
}

/// The raw feature row of the file `path`, loaded and computed as `config` says (what a
/// pipeline with these features reads from the file; the `features` example's rows).
///
/// # Errors
/// [`PipelineError::Audio`] naming the file when it cannot be loaded;
/// [`PipelineError::FileFeatures`] when its features cannot be computed.
pub fn file_features(config: &FeatureConfig, path: &Path) -> Result<Vec<f32>> {
    let audio = ser_audio::load(path, &config.load_options())?;
    samples_features(config, &audio.samples, audio.sample_rate, path)
}

/// The raw feature row of samples already loaded at `sample_rate` as `config` says; `path`
/// names them in errors.
///
/// # Errors
/// [`PipelineError::FileFeatures`].
pub fn samples_features(
    config: &FeatureConfig,
    samples: &[f32],
    sample_rate: u32,
    path: &Path,
) -> Result<Vec<f32>> {
    config
        .spec
        .extract(samples, sample_rate)
        .map_err(|source| PipelineError::FileFeatures {
            path: path.to_owned(),
            source,
        })
}
