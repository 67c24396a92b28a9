//! Stages 5–10: features, split, the three models, the speaker-independent check, the best
//! model saved and used on one clip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ser_data::{Dataset, FeatureMatrix, FeatureOptions, LabelEncoder, feature_matrix};
use ser_features::FeatureSpec;
use ser_models::lstm::LstmParams;
use ser_models::{
    AnyModel, ConfusionMatrix, FeatureConfig, Fit, Knn, LinearSvm, ModelFile, Predict,
    StandardScaler, TrainSet,
};
use serde_json::json;

use super::corpus_stage::Loaded;
use super::{
    ModelResult, PredictionResult, SpeakerFold, SpeakerIndependent, Stages, StudyConfig, StudyError,
};
use crate::evaluate::{EvalOptions, Protocol, evaluate_dataset};
use crate::plots::{confusion_heatmap, line_history};
use ser_pipeline::{ModelChoice, PipelineSpec, Preset};

/// What stages 5–10 produce.
pub(crate) struct ModelsOutcome {
    pub features: BTreeMap<String, serde_json::Value>,
    pub lstm: Option<ModelResult>,
    pub history_plots: Vec<String>,
    pub results: Vec<ModelResult>,
    pub speaker_independent: SpeakerIndependent,
    pub best_model: Option<PathBuf>,
    pub prediction: Option<PredictionResult>,
}

/// A fitted candidate for "best model": what the model file needs.
struct Candidate {
    name: String,
    accuracy: f64,
    spec: FeatureSpec,
    scaler: Option<StandardScaler>,
    model: AnyModel,
}

fn extract(
    config: &StudyConfig,
    loaded: &Loaded,
    spec: FeatureSpec,
    out: &Path,
    stages: &Stages,
) -> Result<FeatureMatrix, StudyError> {
    let opts = FeatureOptions {
        cache_dir: config.cache.then(|| out.join(".feature-cache")),
        progress: if config.quiet {
            ser_data::Progress::Hidden
        } else {
            ser_data::Progress::Auto
        },
        ..FeatureOptions::default()
    };
    let m = feature_matrix(&loaded.corpus.items, &spec, &opts)?;
    stages.say(format!(
        "{}: {} clips × {} values ({} from the cache, {} computed)",
        spec.name(),
        m.dataset.len(),
        m.dataset.n_features(),
        m.cache.hits,
        m.cache.computed
    ));
    for f in &m.failed {
        stages.say(format!("left out: {}: {}", f.file.display(), f.reason));
    }
    Ok(m)
}

fn feature_summary(m: &FeatureMatrix) -> serde_json::Value {
    json!({
        "clips": m.dataset.len(),
        "dimension": m.dataset.n_features(),
        "failed": m.failed,
        "cache_hits": m.cache.hits,
        "computed": m.cache.computed,
    })
}

/// Evaluates a fitted model on `test` (rows already scaled as the model expects).
#[allow(clippy::too_many_arguments)]
fn evaluate(
    name: &str,
    description: &str,
    spec: FeatureSpec,
    model: &dyn Predict,
    test_x: ndarray::ArrayView2<'_, f32>,
    test: &Dataset,
    fit_seconds: f64,
    out: &Path,
) -> Result<ModelResult, StudyError> {
    let pred = model.predict(test_x)?;
    let cm = ConfusionMatrix::new(test.targets.view(), pred.view(), test.classes.len())?;
    let plot = format!("confusion_{name}.png");
    confusion_heatmap(
        &out.join(&plot),
        &format!("Confusion matrix: {description}"),
        cm.counts(),
        &test.classes,
    )?;
    Ok(ModelResult {
        name: name.to_string(),
        description: description.to_string(),
        features: spec.name().to_string(),
        metrics: cm.summary(),
        confusion: cm.counts().rows().into_iter().map(|r| r.to_vec()).collect(),
        table: cm.to_table(&test.classes)?,
        confusion_plot: plot,
        fit_seconds,
    })
}

fn say_result(stages: &Stages, r: &ModelResult) {
    stages.say(format!(
        "{}: accuracy {:.2} %, UAR {:.2} %, macro-F1 {:.2} % (fit {:.3} s)",
        r.description,
        100.0 * r.metrics.accuracy,
        100.0 * r.metrics.uar,
        100.0 * r.metrics.macro_f1,
        r.fit_seconds
    ));
    for line in r.table.lines() {
        stages.say(format!("  {line}"));
    }
}

/// Scaled linear SVM (C = 1) and KNN (k = 5) on one split of one feature set.
fn classical(
    spec: FeatureSpec,
    train: &Dataset,
    test: &Dataset,
    with_knn: bool,
    out: &Path,
    stages: &Stages,
) -> Result<Vec<(ModelResult, Candidate)>, StudyError> {
    let (scaler, train_x) = StandardScaler::fit_transform(train.records.view())?;
    let test_x = scaler.transform(test.records.view())?;
    let n_classes = train.classes.len();
    let set = TrainSet::new(train_x.view(), train.targets.view(), n_classes)?;
    let mut found = Vec::new();
    let mut record = |kind: &str, label: &str, model: AnyModel, seconds: f64| {
        let name = format!("{kind}_{}", spec.name());
        let description = format!("{label} on {} (standardised)", spec.name());
        let r = evaluate(
            &name,
            &description,
            spec,
            &model,
            test_x.view(),
            test,
            seconds,
            out,
        )?;
        say_result(stages, &r);
        let candidate = Candidate {
            name,
            accuracy: r.metrics.accuracy,
            spec,
            scaler: Some(scaler.clone()),
            model,
        };
        found.push((r, candidate));
        Ok::<(), StudyError>(())
    };
    let t0 = Instant::now();
    let svm = LinearSvm::params().fit(&set)?;
    record("svm", "linear SVM", svm.into(), t0.elapsed().as_secs_f64())?;
    if with_knn {
        let t0 = Instant::now();
        let knn = Knn::params().k(5).fit(&set)?;
        record("knn", "KNN (k = 5)", knn.into(), t0.elapsed().as_secs_f64())?;
    }
    Ok(found)
}

fn history_plots(
    model: &ser_models::lstm::LstmModel,
    out: &Path,
) -> Result<Vec<String>, StudyError> {
    let h = model.history();
    let f = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
    let (ta, va, tl, vl) = (
        f(&h.train_accuracy),
        f(&h.val_accuracy),
        f(&h.train_loss),
        f(&h.val_loss),
    );
    let acc = "lstm_accuracy.png".to_string();
    let loss = "lstm_loss.png".to_string();
    let mut acc_series: Vec<(&str, &[f32])> = vec![("train", &ta)];
    let mut loss_series: Vec<(&str, &[f32])> = vec![("train", &tl)];
    if !va.is_empty() {
        acc_series.push(("validation", &va));
        loss_series.push(("validation", &vl));
    }
    line_history(&out.join(&acc), "LSTM accuracy", &acc_series, "accuracy")?;
    line_history(&out.join(&loss), "LSTM loss", &loss_series, "cross-entropy")?;
    Ok(vec![acc, loss])
}

/// Stage 9: leave-one-speaker-out with the scaled linear SVM on 40 mean MFCCs.
fn speaker_independent(data: &Dataset, stages: &Stages) -> Result<SpeakerIndependent, StudyError> {
    let model = "linear SVM on mfcc40 (standardised on the training speakers)".to_string();
    let mut speakers = data.speakers.clone();
    speakers.sort();
    speakers.dedup();
    if speakers.len() < 2 {
        let why = format!("only {} speaker(s): nothing to hold out", speakers.len());
        stages.say(&why);
        return Ok(SpeakerIndependent {
            model,
            folds: Vec::new(),
            accuracy: f64::NAN,
            uar: f64::NAN,
            skipped: Some(why),
        });
    }
    // The evaluate module's leave-one-speaker-out with the study's plain pipeline: standard
    // scaling on the training speakers, linear SVM (C = 1, one-vs-one, default seed), no
    // speaker normalisation or adaptation.
    // The study preset's pipeline with its SVM (C 1, one-vs-one) as the model.
    let mut spec = PipelineSpec::preset(Preset::Study);
    spec.model.kind = ModelChoice::Svm;
    spec.seed = 0;
    let opts = EvalOptions {
        protocol: Some(Protocol::Loso),
        spec,
        ..EvalOptions::default()
    };
    let folds: Vec<SpeakerFold> = evaluate_dataset(data, &opts)?
        .folds
        .into_iter()
        .map(|f| SpeakerFold {
            test_speakers: f.test_speakers,
            accuracy: f.accuracy,
            uar: f.uar,
        })
        .collect();
    for f in &folds {
        stages.say(format!(
            "test on {} (train on the others): accuracy {:.2} %, UAR {:.2} %",
            f.test_speakers.join(", "),
            100.0 * f.accuracy,
            100.0 * f.uar
        ));
    }
    let n = folds.len() as f64;
    let accuracy = folds.iter().map(|f| f.accuracy).sum::<f64>() / n;
    let uar = folds.iter().map(|f| f.uar).sum::<f64>() / n;
    stages.say(format!(
        "speaker-independent mean: accuracy {:.2} %, UAR {:.2} % (the random split shares speakers between train and test)",
        100.0 * accuracy,
        100.0 * uar
    ));
    Ok(SpeakerIndependent {
        model,
        folds,
        accuracy,
        uar,
        skipped: None,
    })
}

/// Runs stages 5–10.
pub(crate) fn run(
    config: &StudyConfig,
    loaded: &Loaded,
    out: &Path,
    stages: &mut Stages,
) -> Result<ModelsOutcome, StudyError> {
    let mut features = BTreeMap::new();
    stages.start("5. 40 mean MFCCs of every clip");
    let mfcc = extract(config, loaded, FeatureSpec::Mfcc40Mean, out, stages)?;
    features.insert("mfcc40".to_string(), feature_summary(&mfcc));
    let data = mfcc.dataset;

    stages.start("6. One-hot labels and a seeded stratified 80/20 split");
    let encoder = LabelEncoder::with_classes(data.classes.iter())?;
    let targets: Vec<usize> = data.targets.to_vec();
    let one_hot = encoder.one_hot_indices(&targets)?;
    stages.say(format!(
        "classes {:?}; one-hot labels {} × {}",
        encoder.classes(),
        one_hot.nrows(),
        one_hot.ncols()
    ));
    let split = data.split_stratified(0.2, config.seed)?;
    let (train, test) = data.apply(&split)?;
    stages.say(format!(
        "train {} clips, test {} clips (seed {})",
        train.len(),
        test.len(),
        config.seed
    ));

    let mut candidates: Vec<Candidate> = Vec::new();
    let mut results = Vec::new();

    stages.start("7. LSTM as the seed built it");
    let params = LstmParams::study()
        .epochs(config.lstm_epochs)
        .seed(config.seed);
    let set = TrainSet::new(
        train.records.view(),
        train.targets.view(),
        data.classes.len(),
    )?;
    let t0 = Instant::now();
    let lstm_model = params.fit(&set)?;
    let lstm_s = t0.elapsed().as_secs_f64();
    let history = history_plots(&lstm_model, out)?;
    let lstm = evaluate(
        "lstm",
        "LSTM(256) → 128 → 64 on mfcc40",
        FeatureSpec::Mfcc40Mean,
        &lstm_model,
        test.records.view(),
        &test,
        lstm_s,
        out,
    )?;
    say_result(stages, &lstm);
    candidates.push(Candidate {
        name: "lstm".to_string(),
        accuracy: lstm.metrics.accuracy,
        spec: FeatureSpec::Mfcc40Mean,
        scaler: None,
        model: AnyModel::from(lstm_model),
    });

    stages.start("8. Enriched features; linear SVM and KNN");
    for (r, c) in classical(FeatureSpec::Mfcc40Mean, &train, &test, true, out, stages)? {
        results.push(r);
        candidates.push(c);
    }
    match extract(config, loaded, FeatureSpec::Enriched, out, stages) {
        Ok(enriched) => {
            features.insert("enriched".to_string(), feature_summary(&enriched));
            let e = enriched.dataset;
            let split = e.split_stratified(0.2, config.seed)?;
            let (etrain, etest) = e.apply(&split)?;
            for (r, c) in classical(FeatureSpec::Enriched, &etrain, &etest, false, out, stages)? {
                results.push(r);
                candidates.push(c);
            }
        }
        Err(err) => {
            stages.say(format!("enriched features unavailable: {err}"));
            features.insert("enriched".to_string(), json!({ "error": err.to_string() }));
        }
    }

    stages.start("9. Speaker-independent check");
    let speaker_independent = speaker_independent(&data, stages)?;

    stages.start("10. Every model beside the seed's numbers; the best saved and used");
    let mut all: Vec<&ModelResult> = std::iter::once(&lstm).chain(results.iter()).collect();
    all.sort_by(|a, b| b.metrics.accuracy.total_cmp(&a.metrics.accuracy));
    for r in &all {
        let seed = super::PUBLISHED
            .iter()
            .find(|(m, _)| r.name.starts_with(m))
            .map(|(_, a)| format!("{:.2} %", 100.0 * a))
            .unwrap_or_else(|| "—".into());
        stages.say(format!(
            "{:<14} {:>7.2} %   (seed: {seed})",
            r.name,
            100.0 * r.metrics.accuracy
        ));
    }
    let (best_model, prediction) = save_best(candidates, &data, &test, out, stages)?;
    Ok(ModelsOutcome {
        features,
        lstm: Some(lstm),
        history_plots: history,
        results,
        speaker_independent,
        best_model,
        prediction,
    })
}

/// Saves the most accurate candidate and predicts the first test clip with the saved file.
fn save_best(
    candidates: Vec<Candidate>,
    data: &Dataset,
    test: &Dataset,
    out: &Path,
    stages: &Stages,
) -> Result<(Option<PathBuf>, Option<PredictionResult>), StudyError> {
    let Some(best) = candidates
        .into_iter()
        .max_by(|a, b| a.accuracy.total_cmp(&b.accuracy))
    else {
        return Ok((None, None));
    };
    let path = out.join("best_model.json");
    let file = ModelFile::new(
        FeatureConfig::study(best.spec),
        best.scaler,
        data.classes.clone(),
        best.model,
    )?;
    file.save(&path)?;
    stages.say(format!("saved {} to {}", best.name, path.display()));
    let saved = ModelFile::load(&path)?;
    let Some(clip) = test.paths.first() else {
        return Ok((Some(path), None));
    };
    let scores = saved.predict_file(clip)?;
    let class = ser_models::argmax(&scores).0;
    let names = &data.classes;
    let prediction = PredictionResult {
        file: clip.clone(),
        truth: names[test.targets[0]].clone(),
        emotion: names[class].clone(),
        scores: names.iter().cloned().zip(scores.iter().copied()).collect(),
    };
    stages.say(format!(
        "{}: predicted {} (true {})",
        clip.display(),
        prediction.emotion,
        prediction.truth
    ));
    Ok((Some(path), Some(prediction)))
}
