//! The frame CNN through its public API: it learns temporal patterns that clip means cannot
//! show, per-clip centring removes constant offsets, masks never touch prediction, fits are
//! reproducible, bad input gives typed errors, and fitted models survive serde.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use ndarray::{Array1, Array2, Axis};
use ser_data::SeededRng;
use ser_models::frames::{FrameCnn, FrameCnnModel, FrameCnnParams, SpecAugment};
use ser_models::{AnyModel, Fit, Knn, ModelError, Predict, StandardScaler, TrainSet};

const STEPS: usize = 16;
const DIM: usize = 6;

/// Three classes of the same four-band pattern at a random onset: rising (bands 1, 2, 3, 4
/// at steps t, t+1, t+2, t+3), falling (bands 4, 3, 2, 1) or all four at once at step t+1.
/// Every band lights up exactly once in every clip, so the clip means of the classes have
/// the same distribution: only the order in time tells them apart.
fn chirps(n: usize, seed: u64) -> (Array2<f32>, Array1<usize>) {
    let mut rng = SeededRng::splitmix64(seed);
    let mut x = Array2::<f32>::zeros((n, STEPS * DIM));
    let mut y = Array1::<usize>::zeros(n);
    for i in 0..n {
        let class = i % 3;
        y[i] = class;
        for v in x.row_mut(i).iter_mut() {
            *v = rng.normal() as f32 * 0.3;
        }
        let onset = rng.index(STEPS - 3);
        for k in 0..4 {
            let (t, band) = match class {
                0 => (onset + k, 1 + k),
                1 => (onset + k, 4 - k),
                _ => (onset + 1, 1 + k),
            };
            x[[i, t * DIM + band]] += 2.0;
        }
    }
    (x, y)
}

fn accuracy(pred: &Array1<usize>, y: &Array1<usize>) -> f64 {
    pred.iter().zip(y).filter(|(p, t)| p == t).count() as f64 / y.len() as f64
}

fn small() -> FrameCnnParams {
    FrameCnn::params()
        .step_dim(DIM)
        .channels(16)
        .kernel(3)
        .attention_dim(8)
        .epochs(40)
        .batch_size(16)
        .learning_rate(3e-3)
}

/// Per-step (clip-mean) features of `steps × dim` rows.
fn clip_means(x: &Array2<f32>) -> Array2<f32> {
    Array2::from_shape_fn((x.nrows(), DIM), |(i, d)| {
        (0..STEPS).map(|t| x[[i, t * DIM + d]]).sum::<f32>() / STEPS as f32
    })
}

#[test]
fn learns_temporal_order_that_clip_means_cannot_reveal() {
    let (x, y) = chirps(360, 1);
    let (xt, yt) = chirps(150, 2);
    let train = TrainSet::new(x.view(), y.view(), 3).unwrap();
    let model = small().fit(&train).unwrap();
    let acc = accuracy(&model.predict(xt.view()).unwrap(), &yt);
    assert!(acc >= 0.9, "frame CNN held-out accuracy {acc}");
    // The loss went down.
    let h = model.loss_history();
    assert_eq!(h.len(), 40);
    assert!(h[39] < 0.5 * h[0], "{h:?}");

    // A classifier on the clip means is near chance (1/3).
    let (m, mt) = (clip_means(&x), clip_means(&xt));
    let scaler = StandardScaler::fit(m.view()).unwrap();
    let (ms, mts) = (
        scaler.transform(m.view()).unwrap(),
        scaler.transform(mt.view()).unwrap(),
    );
    let knn = Knn::params()
        .k(15)
        .fit(&TrainSet::new(ms.view(), y.view(), 3).unwrap())
        .unwrap();
    let mean_acc = accuracy(&knn.predict(mts.view()).unwrap(), &yt);
    assert!(mean_acc < 0.6, "clip-mean KNN accuracy {mean_acc}");
}

#[test]
fn centring_per_clip_makes_scores_invariant_to_constant_offsets() {
    // Values on a 1/256 grid and 16 steps: the clip means and the centred values are exact,
    // so the scores must be identical bit for bit.
    let (x, y) = chirps(60, 3);
    let x = x.mapv(|v| (v * 256.0).round() / 256.0);
    let train = TrainSet::new(x.view(), y.view(), 3).unwrap();
    let model = small().epochs(3).fit(&train).unwrap();
    assert!(model.centers_per_clip());
    let mut rng = SeededRng::splitmix64(4);
    let mut shifted = x.clone();
    for mut row in shifted.rows_mut() {
        let offsets: Vec<f32> = (0..DIM).map(|_| rng.index(41) as f32 - 20.0).collect();
        for (j, v) in row.iter_mut().enumerate() {
            *v += offsets[j % DIM];
        }
    }
    let before = model.predict_scores(x.view()).unwrap();
    let after = model.predict_scores(shifted.view()).unwrap();
    assert_eq!(before, after);

    // Without centring the offsets do change the scores.
    let plain = small()
        .epochs(3)
        .center_per_clip(false)
        .fit(&train)
        .unwrap();
    assert!(!plain.centers_per_clip());
    let diff = (&plain.predict_scores(x.view()).unwrap()
        - &plain.predict_scores(shifted.view()).unwrap())
        .mapv(f32::abs)
        .sum();
    assert!(diff > 1e-3, "{diff}");
}

#[test]
fn prediction_is_never_masked() {
    let (x, y) = chirps(48, 5);
    let train = TrainSet::new(x.view(), y.view(), 3).unwrap();
    let heavy = SpecAugment {
        time_masks: 4,
        max_time: 0.5,
        freq_masks: 3,
        max_freq: 0.5,
    };
    let model = small().epochs(2).spec_augment(heavy).fit(&train).unwrap();
    assert_eq!(model.params().spec_augment_settings(), heavy);
    let all = model.predict_scores(x.view()).unwrap();
    assert_eq!(all, model.predict_scores(x.view()).unwrap());
    for i in [0, 17, 47] {
        let one = model
            .predict_scores(x.select(Axis(0), &[i]).view())
            .unwrap();
        // Alone or in a batch: the same scores (to float rounding: a BLAS backend may sum a
        // one-row product in another order); a mask would move them by far more.
        let gap = (&one.row(0) - &all.row(i)).mapv(f32::abs).sum();
        assert!(gap < 1e-5, "row {i}: {one} vs {}", all.row(i));
    }
    for row in all.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-5 && row.iter().all(|&p| p >= 0.0));
    }
    // The masks did act in training: a fit without them gives other weights.
    let unmasked = small()
        .epochs(2)
        .spec_augment(SpecAugment::NONE)
        .fit(&train)
        .unwrap();
    assert_ne!(unmasked, model);
}

#[test]
fn same_seed_gives_the_same_model() {
    let (x, y) = chirps(50, 6);
    let train = TrainSet::new(x.view(), y.view(), 3).unwrap();
    let a = small().epochs(3).seed(9).fit(&train).unwrap();
    let b = small().epochs(3).seed(9).fit(&train).unwrap();
    let c = small().epochs(3).seed(10).fit(&train).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn bad_input_gives_typed_errors() {
    let (x, y) = chirps(12, 7);
    let train = TrainSet::new(x.view(), y.view(), 3).unwrap();
    // 96 values per row are not a multiple of 5 features per step.
    assert!(matches!(
        small().step_dim(5).fit(&train),
        Err(ModelError::ShapeMismatch {
            expected: 100,
            got: 96,
            ..
        })
    ));
    let invalid = |p: FrameCnnParams| match p.fit(&train) {
        Err(ModelError::InvalidParam { name, .. }) => name,
        other => panic!("expected InvalidParam, got {other:?}"),
    };
    assert_eq!(invalid(small().epochs(0)), "epochs");
    assert_eq!(invalid(small().kernel(4)), "kernel");
    assert_eq!(invalid(small().kernel(0)), "kernel");
    assert_eq!(invalid(small().channels(0)), "channels");
    assert_eq!(invalid(small().layers(0)), "layers");
    assert_eq!(invalid(small().attention_dim(0)), "attention_dim");
    assert_eq!(invalid(small().batch_size(0)), "batch_size");
    assert_eq!(invalid(small().step_dim(0)), "step_dim");
    assert_eq!(invalid(small().dropout(1.0)), "dropout");
    assert_eq!(invalid(small().dropout(f64::NAN)), "dropout");
    assert_eq!(invalid(small().learning_rate(0.0)), "learning_rate");
    assert_eq!(
        invalid(small().learning_rate(f64::INFINITY)),
        "learning_rate"
    );
    assert_eq!(invalid(small().weight_decay(-1e-3)), "weight_decay");
    assert_eq!(invalid(small().weight_decay(1.0)), "weight_decay");
    let bad_masks = SpecAugment {
        max_freq: 2.0,
        ..SpecAugment::default()
    };
    assert_eq!(
        invalid(small().spec_augment(bad_masks)),
        "spec_augment.max_freq"
    );
    assert!(FrameCnn::params().check().is_ok());

    // NaN in a set built without `TrainSet::new`.
    let mut xn = x.clone();
    xn[[3, 10]] = f32::NAN;
    let raw = TrainSet {
        x: xn.view(),
        y: y.view(),
        n_classes: 3,
    };
    assert!(matches!(small().fit(&raw), Err(ModelError::NonFinite)));
    let wrong_labels = TrainSet {
        x: x.view(),
        y: y.view(),
        n_classes: 2,
    };
    assert!(matches!(
        small().fit(&wrong_labels),
        Err(ModelError::LabelOutOfRange { .. })
    ));

    // Prediction: NaN, wrong width; no rows is an empty answer.
    let model = small().epochs(1).fit(&train).unwrap();
    assert!(matches!(
        model.predict_scores(xn.view()),
        Err(ModelError::NonFinite)
    ));
    let narrow = Array2::<f32>::zeros((2, 90));
    assert!(matches!(
        model.predict_scores(narrow.view()),
        Err(ModelError::ShapeMismatch {
            expected: 96,
            got: 90,
            ..
        })
    ));
    let none = Array2::<f32>::zeros((0, 96));
    assert_eq!(model.predict_scores(none.view()).unwrap().dim(), (0, 3));
}

#[test]
fn serde_round_trip_keeps_every_score() {
    let (x, y) = chirps(40, 8);
    let train = TrainSet::new(x.view(), y.view(), 3).unwrap();
    let model = small().epochs(3).fit(&train).unwrap();
    let json = serde_json::to_string(&model).unwrap();
    let back: FrameCnnModel = serde_json::from_str(&json).unwrap();
    assert_eq!(back, model);
    back.validate().unwrap();
    let (q, _) = chirps(20, 9);
    assert_eq!(
        back.predict_scores(q.view()).unwrap(),
        model.predict_scores(q.view()).unwrap()
    );
    // The accessors.
    assert_eq!(
        (back.steps(), back.step_dim(), back.n_features()),
        (16, 6, 96)
    );
    assert_eq!(
        (back.channels(), back.layers(), back.n_classes()),
        (16, 2, 3)
    );
    assert_eq!(back.history().epochs(), 3);
    // Conv 6·3×16 + 16, 16·3×16 + 16, attention 16×8 + 8 + 8, output 16×3 + 3.
    assert_eq!(back.param_count(), 304 + 784 + 144 + 51);

    // As an `AnyModel`.
    let any: AnyModel = model.clone().into();
    assert_eq!(any.kind(), "frame_cnn");
    any.validate().unwrap();
    let json = serde_json::to_string(&any).unwrap();
    assert!(json.starts_with("{\"frame_cnn\":"), "{}", &json[..40]);
    let back: AnyModel = serde_json::from_str(&json).unwrap();
    assert_eq!(
        back.predict_scores(q.view()).unwrap(),
        model.predict_scores(q.view()).unwrap()
    );
}

#[test]
fn validate_rejects_corrupted_models() {
    let (x, y) = chirps(30, 10);
    let train = TrainSet::new(x.view(), y.view(), 3).unwrap();
    let model = small().epochs(1).fit(&train).unwrap();
    let v = serde_json::to_value(&model).unwrap();
    let load = |v: &serde_json::Value| serde_json::from_value::<FrameCnnModel>(v.clone());

    // The output layer claims 4 classes but its bias has 3.
    let mut bad = v.clone();
    bad["net"]["out_w"]["dim"] = serde_json::json!([8, 6]);
    let m = load(&bad).unwrap();
    assert!(m.validate().is_err());
    // A second convolution whose weights are shaped for another kernel.
    let mut bad = v.clone();
    bad["net"]["conv"][1]["w"]["dim"] = serde_json::json!([16, 48]);
    let m = load(&bad).unwrap();
    assert!(m.validate().is_err());
    // Standardisation statistics of the wrong width.
    let mut bad = v.clone();
    bad["scaler"]["mean"]["dim"] = serde_json::json!([5]);
    bad["scaler"]["mean"]["data"] = serde_json::json!([0.0, 0.0, 0.0, 0.0, 0.0]);
    let m = load(&bad).unwrap();
    assert!(m.validate().is_err());
    // An even kernel, zero steps.
    let mut bad = v.clone();
    bad["net"]["kernel"] = serde_json::json!(4);
    assert!(load(&bad).unwrap().validate().is_err());
    let mut bad = v.clone();
    bad["steps"] = serde_json::json!(0);
    assert!(load(&bad).unwrap().validate().is_err());
    // An infinite weight (JSON has no NaN; 1e39 overflows f32).
    let mut bad = v.clone();
    bad["net"]["att_v"]["data"][0] = serde_json::json!(1e39);
    if let Ok(m) = load(&bad) {
        assert!(m.validate().is_err());
    }
    assert!(load(&v).unwrap().validate().is_ok());
}

#[test]
fn models_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<FrameCnnModel>();
    check::<FrameCnnParams>();
    check::<SpecAugment>();
}

/// The speed target: 30 epochs of the defaults on 1000 rows × (48 steps × 40 bands).
/// `RAYON_NUM_THREADS=1 cargo test -p ser-models --release --test frames_cnn -- --ignored
/// --nocapture fit_time`
#[test]
#[ignore = "timing; run in release"]
fn fit_time_of_the_defaults_on_1000_clips() {
    let (n, steps, dim, classes) = (1000, 48, 40, 4);
    let mut rng = SeededRng::splitmix64(11);
    let y: Array1<usize> = (0..n).map(|i| i % classes).collect();
    let x = Array2::from_shape_fn((n, steps * dim), |(i, j)| {
        let (t, d) = (j / dim, j % dim);
        let c = y[i] as f32;
        (rng.normal() as f32) + 0.5 * c * ((t as f32 * 0.3 + d as f32 * 0.1 * c).sin())
    });
    let train = TrainSet::new(x.view(), y.view(), classes).unwrap();
    let start = std::time::Instant::now();
    let model = FrameCnn::params().fit(&train).unwrap();
    let secs = start.elapsed().as_secs_f64();
    let acc = accuracy(&model.predict(x.view()).unwrap(), &y);
    println!(
        "frame CNN defaults, 1000 × (48 × 40), 30 epochs: {secs:.2} s ({:.3} s/epoch), \
         {} weights, loss {:.3} → {:.3}, training accuracy {acc:.3}, threads {}",
        secs / 30.0,
        model.param_count(),
        model.loss_history()[0],
        model.loss_history()[29],
        rayon::current_num_threads()
    );
}
