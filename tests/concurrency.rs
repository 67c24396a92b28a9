//! Feature extraction, loading and prediction called from many threads at once give exactly the
//! single-threaded results; plans and fitted models are `Send + Sync` (checked at compile time).

use std::path::PathBuf;

use ndarray::{Array1, Array2};
use ser::audio::{LoadOptions, Resampler, load};
use ser::features::{FeatureExtractor, FeatureSpec, Mfcc, MfccParams, MfccScratch};
use ser::models::{
    AnyModel, FeatureConfig, Fit, Knn, KnnModel, LinearSvm, LinearSvmModel, ModelFile, MultiClass,
    Predict, StandardScaler, TrainSet,
};

const THREADS: usize = 4;

fn assert_send_sync<T: Send + Sync>() {}

// Compile-time: this does not build if a plan or fitted model stops being `Send + Sync`.
const _: fn() = || {
    assert_send_sync::<Mfcc>();
    assert_send_sync::<MfccParams>();
    assert_send_sync::<MfccScratch>();
    assert_send_sync::<FeatureExtractor>();
    assert_send_sync::<FeatureSpec>();
    assert_send_sync::<Resampler>();
    assert_send_sync::<LinearSvmModel>();
    assert_send_sync::<KnnModel>();
    assert_send_sync::<AnyModel>();
    assert_send_sync::<StandardScaler>();
    assert_send_sync::<ModelFile>();
};

/// Clips of different lengths and content: tones, a chirp, seeded noise, silence.
fn clips() -> Vec<Vec<f32>> {
    let sr = 22_050.0f32;
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    (0..8)
        .map(|k| {
            let n = 2_000 + 3_000 * k;
            (0..n)
                .map(|i| {
                    let t = i as f32 / sr;
                    match k % 4 {
                        0 => 0.5 * (std::f32::consts::TAU * (200.0 + 50.0 * k as f32) * t).sin(),
                        1 => 0.3 * (std::f32::consts::TAU * (100.0 + 2_000.0 * t) * t).sin(),
                        2 => noise(),
                        _ => 0.0,
                    }
                })
                .collect()
        })
        .collect()
}

#[test]
fn one_shared_mfcc_plan_and_extractor_from_many_threads() {
    let plan = Mfcc::new(&MfccParams::study()).expect("plan");
    let extractor = FeatureSpec::Mfcc40Mean
        .extractor(22_050)
        .expect("extractor");
    let clips = clips();
    let expected: Vec<(Array2<f32>, Array1<f32>, Vec<f32>)> = clips
        .iter()
        .map(|c| {
            (
                plan.process(c).expect("mfcc"),
                plan.mean(c).expect("mean"),
                extractor.extract(c).expect("extract"),
            )
        })
        .collect();
    // The cached path (`FeatureSpec::extract`) gives the same vectors as the extractor.
    for (c, (_, _, v)) in clips.iter().zip(&expected) {
        assert_eq!(
            &FeatureSpec::Mfcc40Mean.extract(c, 22_050).expect("cached"),
            v
        );
    }
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (plan, extractor, clips, expected) = (&plan, &extractor, &clips, &expected);
            s.spawn(move || {
                let mut scratch = plan.make_scratch();
                // Each thread walks the clips from another start, twice over.
                for round in 0..2 {
                    for k in 0..clips.len() {
                        let i = (k + t * 5 + round) % clips.len();
                        let (m, mean, v) = &expected[i];
                        let c = &clips[i];
                        assert_eq!(
                            &plan.process_with_scratch(c, &mut scratch).expect("mfcc"),
                            m
                        );
                        assert_eq!(
                            &plan.mean_with_scratch(c, &mut scratch).expect("mean"),
                            mean
                        );
                        assert_eq!(&extractor.extract(c).expect("extract"), v);
                        assert_eq!(
                            &FeatureSpec::Mfcc40Mean.extract(c, 22_050).expect("cached"),
                            v
                        );
                    }
                }
            });
        }
    });
}

fn wav16(samples: &[f32], rate: u32) -> Vec<u8> {
    let data: Vec<u8> = samples
        .iter()
        .flat_map(|s| ((s * 32767.0) as i16).to_le_bytes())
        .collect();
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00");
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(b"\x02\x00\x10\x00data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    out
}

#[test]
fn loading_and_resampling_from_many_threads() {
    // Twelve rates: more rate pairs than the resampler's plan cache holds (8), so threads
    // build, share and evict plans while others use them.
    let dir = std::env::temp_dir().join(format!("ser-concurrency-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let rates = [
        8_000u32, 11_025, 12_000, 16_000, 22_050, 24_000, 24_414, 32_000, 44_100, 48_000, 96_000,
        7_350,
    ];
    let paths: Vec<PathBuf> = rates
        .iter()
        .map(|&rate| {
            let n = (rate as f32 * 0.2) as usize;
            let s: Vec<f32> = (0..n)
                .map(|i| 0.4 * (std::f32::consts::TAU * 330.0 * i as f32 / rate as f32).sin())
                .collect();
            let path = dir.join(format!("tone-{rate}.wav"));
            std::fs::write(&path, wav16(&s, rate)).expect("write");
            path
        })
        .collect();
    let expected: Vec<Vec<f32>> = paths
        .iter()
        .map(|p| load(p, &LoadOptions::default()).expect("load").samples)
        .collect();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (paths, expected) = (&paths, &expected);
            s.spawn(move || {
                for k in 0..paths.len() {
                    let i = (k * 7 + t) % paths.len();
                    let got = load(&paths[i], &LoadOptions::default()).expect("load");
                    assert_eq!(got.samples, expected[i], "{}", paths[i].display());
                }
            });
        }
    });
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn fitted_models_predict_from_many_threads() {
    let x = Array2::from_shape_fn((90, 40), |(i, j)| {
        (i % 3) as f32 * 1.5 + ((i * 31 + j * 17) as f32 * 0.37).sin()
    });
    let y: Array1<usize> = (0..90).map(|i| i % 3).collect();
    let scaler = StandardScaler::fit(x.view()).expect("scaler");
    let xs = scaler.transform(x.view()).expect("scale");
    let train = TrainSet::new(xs.view(), y.view(), 3).expect("train");
    let ovo = LinearSvm::params().fit(&train).expect("svm");
    let ovr = LinearSvm::params()
        .multi_class(MultiClass::OneVsRest)
        .fit(&train)
        .expect("svm ovr");
    let knn = Knn::params().k(5).fit(&train).expect("knn");
    let file = ModelFile::new(
        FeatureConfig::study(FeatureSpec::Mfcc40Mean),
        Some(scaler),
        ["a", "b", "c"].map(String::from).to_vec(),
        AnyModel::from(knn.clone()),
    )
    .expect("file");
    let models: Vec<(&str, &dyn Predict, Array2<f32>)> = vec![
        ("svm ovo", &ovo, xs.clone()),
        ("svm ovr", &ovr, xs.clone()),
        ("knn", &knn, xs.clone()),
        ("model file", &file, x.clone()),
    ];
    // Queries off the training rows too.
    let queries: Vec<Array2<f32>> = models
        .iter()
        .map(|(_, _, q)| q.mapv(|v| v * 0.97 + 0.05))
        .collect();
    let expected: Vec<(Array2<f32>, Array2<f32>)> = models
        .iter()
        .zip(&queries)
        .map(|((_, m, q0), q1)| {
            (
                m.predict_scores(q0.view()).expect("scores"),
                m.predict_scores(q1.view()).expect("scores"),
            )
        })
        .collect();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (models, queries, expected) = (&models, &queries, &expected);
            s.spawn(move || {
                for round in 0..4 {
                    let i = (t + round) % models.len();
                    let (name, m, q0) = &models[i];
                    assert_eq!(
                        m.predict_scores(q0.view()).expect("scores"),
                        expected[i].0,
                        "{name}"
                    );
                    assert_eq!(
                        m.predict_scores(queries[i].view()).expect("scores"),
                        expected[i].1,
                        "{name}"
                    );
                    // Row by row gives the rows of the batch.
                    let row = q0.slice_axis(ndarray::Axis(0), ndarray::Slice::from(t..t + 1));
                    let one = m.predict_scores(row).expect("one row");
                    assert_eq!(one.row(0), expected[i].0.row(t), "{name} row {t}");
                }
            });
        }
    });
}
