//! Behaviour of the LSTM classifier: it learns, it is reproducible, masks work, it saves and
//! loads, and bad input gets typed errors.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use ndarray::{Array1, Array2, Array3, Axis, array};
use ser_data::SeededRng;
use ser_models::lstm::{
    EarlyStopping, LayerSpec, Lstm, LstmModel, LstmParams, Network, SeqBatch, SequenceSet,
    TrainOptions, Workspace, pad_sequences, train,
};
use ser_models::{Fit, ModelError, Predict, TrainSet};

/// Three classes of 8-step scalar sequences: rising, falling, or a bump in the middle, with
/// noise and a random offset — only the shape over time tells them apart.
fn toy(n: usize, seed: u64) -> (Array2<f32>, Array1<usize>) {
    let mut rng = SeededRng::splitmix64(seed);
    let steps = 8;
    let mut x = Array2::zeros((n, steps));
    let y: Array1<usize> = (0..n).map(|i| i % 3).collect();
    for i in 0..n {
        let offset = rng.uniform(-1.0, 1.0);
        for t in 0..steps {
            let u = t as f64 / (steps - 1) as f64;
            let shape = match y[i] {
                0 => u,
                1 => 1.0 - u,
                _ => 1.0 - (2.0 * u - 1.0).abs(),
            };
            x[[i, t]] = (offset + 2.0 * shape + rng.uniform(-0.15, 0.15)) as f32;
        }
    }
    (x, y)
}

/// Every epoch runs (no early stopping), so histories have a known length.
fn small() -> LstmParams {
    Lstm::params()
        .early_stopping(None)
        .hidden(12)
        .dense_layers(&[12])
        .dropout(0.1)
        .epochs(40)
        .batch_size(16)
        .learning_rate(1e-2)
        .validation_split(0.2)
        .seed(7)
}

#[test]
fn training_drives_the_loss_down_and_generalises() {
    let (x, y) = toy(150, 1);
    let model = small()
        .fit(&TrainSet::new(x.view(), y.view(), 3).unwrap())
        .unwrap();
    let h = model.history();
    assert_eq!(h.epochs(), 40);
    assert_eq!(h.val_loss.len(), 40);
    // Chance level is ln 3 ≈ 1.10.
    assert!(
        h.train_loss[0] > 0.9,
        "first epoch loss {}",
        h.train_loss[0]
    );
    let last = *h.val_loss.last().unwrap();
    assert!(
        last < 0.3 * h.val_loss[0],
        "val loss {} → {last}",
        h.val_loss[0]
    );
    let (xt, yt) = toy(90, 2);
    let pred = model.predict(xt.view()).unwrap();
    let acc = pred.iter().zip(&yt).filter(|(p, t)| p == t).count() as f64 / 90.0;
    assert!(acc > 0.9, "held-out accuracy {acc}");
    let scores = model.predict_scores(xt.view()).unwrap();
    assert_eq!(scores.dim(), (90, 3));
    for row in scores.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-5);
    }
}

#[test]
fn same_seed_same_weights_on_any_thread_count() {
    let (x, y) = toy(60, 3);
    let train_set = TrainSet::new(x.view(), y.view(), 3).unwrap();
    let params = small().epochs(3);
    let fit_on = |threads: usize, p: &LstmParams| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| p.fit(&train_set).unwrap())
    };
    let a = fit_on(1, &params);
    let b = fit_on(2, &params);
    assert_eq!(a, b, "weights depend on the thread count");
    assert_eq!(a.history(), b.history());
    let c = fit_on(2, &params.clone().seed(8));
    assert_ne!(a.network(), c.network());
}

#[test]
fn split_products_give_bit_identical_gradients() {
    // Big enough that the layers split GEMMs by columns and the cell updates by rows.
    let specs = [
        LayerSpec::Lstm {
            units: 64,
            return_sequences: true,
        },
        LayerSpec::Lstm {
            units: 64,
            return_sequences: false,
        },
        LayerSpec::Dense { units: 3 },
    ];
    let net = Network::<f32>::new(4, &specs, &mut SeededRng::splitmix64(2)).unwrap();
    let mut rng = SeededRng::splitmix64(3);
    let (steps, batch) = (6, 40);
    let x = Array2::from_shape_simple_fn((steps * batch, 4), || rng.uniform(-1.0, 1.0) as f32);
    let y: Vec<usize> = (0..batch).map(|i| i % 3).collect();
    let lengths: Vec<usize> = (0..batch).map(|i| 1 + i % steps).collect();
    let grads_on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let b = SeqBatch::new(x.view(), steps, Some(&lengths)).unwrap();
                net.loss_and_grads(&b, &y, None, 1.0 / batch as f32)
                    .unwrap()
            })
    };
    let (l1, g1) = grads_on(1);
    let (l2, g2) = grads_on(2);
    // Our own kernels split the work without changing any element's summation order: bit for
    // bit. With the `blas` feature the split sub-products go to OpenBLAS, whose kernel choice
    // (and so its rounding) depends on each product's shape; there the check is to 1e-6.
    #[cfg(not(feature = "blas"))]
    {
        assert_eq!(l1, l2);
        assert_eq!(g1, g2);
    }
    #[cfg(feature = "blas")]
    {
        assert_eq!(l1.correct, l2.correct);
        assert!((l1.loss_sum - l2.loss_sum).abs() <= 1e-6 * l1.loss_sum.abs());
        for (a, b) in g1.tensors.iter().zip(&g2.tensors) {
            let scale = a.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
            let diff = a
                .iter()
                .zip(b.iter())
                .fold(0f32, |m, (x, y)| m.max((x - y).abs()));
            assert!(diff <= 1e-5 * scale, "{diff} vs {scale}");
        }
    }
    assert!(g1.global_norm() > 0.0);
}

/// LSTM(5, sequences) → LSTM(4) → Dense(`classes`): the small stacked network of the masking
/// and workspace tests.
fn two_lstms_then_dense(classes: usize) -> [LayerSpec; 3] {
    [
        LayerSpec::Lstm {
            units: 5,
            return_sequences: true,
        },
        LayerSpec::Lstm {
            units: 4,
            return_sequences: false,
        },
        LayerSpec::Dense { units: classes },
    ]
}

#[test]
fn padded_steps_do_not_change_the_state() {
    let specs = two_lstms_then_dense(2);
    let net = Network::<f64>::new(2, &specs, &mut SeededRng::splitmix64(3)).unwrap();
    let mut rng = SeededRng::splitmix64(4);
    // One sample of 3 real steps, alone (3 steps) and padded with garbage to 6 steps beside a
    // full-length sample.
    let real = Array2::from_shape_simple_fn((3, 2), || rng.uniform(-1.0, 1.0));
    let other = Array2::from_shape_simple_fn((6, 2), || rng.uniform(-1.0, 1.0));
    let alone = net
        .logits(&SeqBatch::new(real.view(), 3, None).unwrap())
        .unwrap();
    let mut padded = Array2::<f64>::zeros((12, 2));
    for t in 0..6 {
        let row = if t < 3 {
            real.row(t).to_owned()
        } else {
            array![7.0, -9.0]
        };
        padded.row_mut(2 * t).assign(&row);
        padded.row_mut(2 * t + 1).assign(&other.row(t));
    }
    let lengths = [3, 6];
    let both = net
        .logits(&SeqBatch::new(padded.view(), 6, Some(&lengths)).unwrap())
        .unwrap();
    for (a, b) in alone.row(0).iter().zip(both.row(0)) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    let other_alone = net
        .logits(&SeqBatch::new(other.view(), 6, None).unwrap())
        .unwrap();
    for (a, b) in other_alone.row(0).iter().zip(both.row(1)) {
        assert!((a - b).abs() < 1e-12);
    }
}

/// Buffers kept in a workspace carry values from the batch before; a padded batch after a
/// batch of other shapes and values must give exactly what a fresh workspace gives.
/// The ready constructor keeps the best validation-loss weights: the fitted network equals
/// the one refitted for exactly `best_epoch + 1` epochs without early stopping.
#[test]
fn study_defaults_keep_the_best_validation_epoch() {
    let rule = Lstm::params().train_options().early_stopping;
    assert_eq!(rule, Some(LstmParams::STUDY_EARLY_STOPPING));
    assert!(rule.is_some_and(|r| r.restore_best));
    let (x, y) = toy(90, 5);
    let set = TrainSet::new(x.view(), y.view(), 3).unwrap();
    let params = small()
        .early_stopping(Lstm::params().train_options().early_stopping)
        .learning_rate(5e-2)
        .epochs(25);
    let model = params.fit(&set).unwrap();
    let h = model.history();
    let best = h.best_epoch;
    assert!(
        best + 1 < h.epochs(),
        "the best epoch {best} is the last: nothing restored"
    );
    let min = h.val_loss.iter().cloned().fold(f64::INFINITY, f64::min);
    assert_eq!(h.val_loss[best], min);
    let again = params
        .clone()
        .early_stopping(None)
        .epochs(best + 1)
        .fit(&set)
        .unwrap();
    assert_eq!(model.network(), again.network());
}

#[test]
fn reused_workspace_changes_nothing() {
    let specs = two_lstms_then_dense(3);
    let net = Network::<f32>::new(2, &specs, &mut SeededRng::splitmix64(5)).unwrap();
    let mut rng = SeededRng::splitmix64(6);
    let big = Array2::from_shape_simple_fn((8 * 9, 2), || rng.uniform(-3.0, 3.0) as f32);
    let big_labels: Vec<usize> = (0..9).map(|i| i % 3).collect();
    let x = Array2::from_shape_simple_fn((6 * 4, 2), || rng.uniform(-1.0, 1.0) as f32);
    let lengths = [2, 6, 1, 4];
    let labels = [0, 1, 2, 1];
    let batch = SeqBatch::new(x.view(), 6, Some(&lengths)).unwrap();
    let fresh = net.loss_and_grads(&batch, &labels, None, 0.25).unwrap();
    let mut ws = Workspace::default();
    for _ in 0..2 {
        let warm = SeqBatch::new(big.view(), 8, None).unwrap();
        net.loss_and_grads_in(&warm, &big_labels, None, 1.0, &mut ws)
            .unwrap();
        let reused = net
            .loss_and_grads_in(&batch, &labels, None, 0.25, &mut ws)
            .unwrap();
        assert_eq!(fresh, reused);
    }
}

#[test]
fn f32_forward_agrees_with_f64() {
    let specs = Lstm::params().hidden(16).dense_layers(&[8]).layer_specs(4);
    let n32 = Network::<f32>::new(1, &specs, &mut SeededRng::splitmix64(5)).unwrap();
    let n64 = Network::<f64>::new(1, &specs, &mut SeededRng::splitmix64(5)).unwrap();
    let mut rng = SeededRng::splitmix64(6);
    let x64 = Array2::from_shape_simple_fn((40 * 5, 1), || rng.uniform(-2.0, 2.0));
    let x32 = x64.mapv(|v| v as f32);
    let p32 = n32
        .predict_proba(&SeqBatch::new(x32.view(), 40, None).unwrap())
        .unwrap();
    let p64 = n64
        .predict_proba(&SeqBatch::new(x64.view(), 40, None).unwrap())
        .unwrap();
    for (a, b) in p32.iter().zip(&p64) {
        assert!((f64::from(*a) - b).abs() < 1e-5, "{a} vs {b}");
    }
}

#[test]
fn study_network_shape_and_init() {
    let specs = Lstm::params().layer_specs(7);
    let net = Network::<f32>::new(1, &specs, &mut SeededRng::splitmix64(42)).unwrap();
    // LSTM(256): 4·256·(1 + 256 + 1); Dense 256→128, 128→64, 64→7.
    let want = 4 * 256 * 258 + (256 * 128 + 128) + (128 * 64 + 64) + (64 * 7 + 7);
    assert_eq!(net.param_count(), want);
    assert_eq!(net.output_dim(), 7);
    let params = net.params();
    // Forget-gate bias 1, others 0.
    let b = &params[2];
    assert!(
        b.iter()
            .enumerate()
            .all(|(i, &v)| v == if (256..512).contains(&i) { 1.0 } else { 0.0 })
    );
    // Recurrent weights have orthonormal rows.
    let w_h = params[1]
        .clone()
        .into_dimensionality::<ndarray::Ix2>()
        .unwrap();
    let g = w_h.dot(&w_h.t());
    for ((i, j), &v) in g.indexed_iter() {
        let want = if i == j { 1.0 } else { 0.0 };
        assert!((v - want).abs() < 1e-4);
    }
}

#[test]
fn model_round_trips_through_json() {
    let (x, y) = toy(30, 4);
    let model = small()
        .epochs(2)
        .fit(&TrainSet::new(x.view(), y.view(), 3).unwrap())
        .unwrap();
    let json = serde_json::to_string(&model).unwrap();
    let back: LstmModel = serde_json::from_str(&json).unwrap();
    assert_eq!(
        back.predict_scores(x.view()).unwrap(),
        model.predict_scores(x.view()).unwrap()
    );
    assert_eq!(back.n_features(), 8);
    assert_eq!(back.n_classes(), 3);
}

#[test]
fn frame_sequences_with_padding() {
    // Two classes of 2-feature frame sequences of varying length: the class is which feature
    // rises.
    let mut rng = SeededRng::splitmix64(9);
    let mut seqs = Vec::new();
    let mut y = Vec::new();
    for i in 0..60 {
        let len = 3 + rng.index(6);
        let c = i % 2;
        let s = Array2::from_shape_fn((len, 2), |(t, d)| {
            let rise = t as f32 / 4.0;
            (if d == c { rise } else { 0.0 }) + 0.1 * rng.uniform(-1.0, 1.0) as f32
        });
        seqs.push(s);
        y.push(c);
    }
    let views: Vec<_> = seqs.iter().map(|s| s.view()).collect();
    let (x, lengths) = pad_sequences(&views, 6).unwrap();
    assert_eq!(x.dim(), (60, 6, 2));
    assert!(
        lengths
            .iter()
            .zip(&seqs)
            .all(|(&l, s)| l == s.nrows().min(6))
    );
    let y = Array1::from(y);
    let set = SequenceSet::new(x.view(), Some(lengths.view()), y.view(), 2).unwrap();
    let model = LstmParams::frames(2)
        .hidden(8)
        .dense_layers(&[8])
        .epochs(30)
        .batch_size(12)
        .learning_rate(1e-2)
        .validation_split(0.0)
        .fit_sequences(&set)
        .unwrap();
    let scores = model
        .predict_sequence_scores(x.view(), Some(lengths.view()))
        .unwrap();
    let right = scores
        .axis_iter(Axis(0))
        .zip(&y)
        .filter(|(s, c)| (s[1] > s[0]) == (**c == 1))
        .count();
    assert!(right >= 57, "{right} of 60");
    assert!(model.history().val_loss.is_empty());
}

#[test]
fn early_stopping_stops_and_restores_the_best_epoch() {
    let (x, y) = toy(60, 5);
    let x3 = x.clone().into_shape_with_order((60, 8, 1)).unwrap();
    let set = SequenceSet::new(x3.view(), None, y.view(), 3).unwrap();
    let specs = Lstm::params().hidden(6).dense_layers(&[]).layer_specs(3);
    let options = TrainOptions {
        epochs: 200,
        batch_size: 8,
        // A huge learning rate makes validation loss bounce, so patience runs out.
        adam: ser_models::lstm::AdamConfig {
            learning_rate: 0.5,
            ..Default::default()
        },
        early_stopping: Some(EarlyStopping {
            patience: 3,
            min_delta: 0.0,
            restore_best: true,
        }),
        ..TrainOptions::default()
    };
    let mut net = Network::<f32>::new(1, &specs, &mut SeededRng::splitmix64(1)).unwrap();
    let h = train(&mut net, &set, &options).unwrap();
    assert!(h.stopped_early && h.epochs() < 200);
    assert_eq!(h.epochs(), h.best_epoch + 4);
    let best = h.val_loss[h.best_epoch];
    assert!(h.val_loss.iter().all(|&l| l >= best));
}

#[test]
fn bad_inputs_get_typed_errors() {
    let (x, y) = toy(30, 6);
    let t = TrainSet::new(x.view(), y.view(), 3).unwrap();
    let err = |p: LstmParams| p.fit(&t).unwrap_err();
    assert!(matches!(
        err(small().epochs(0)),
        ModelError::InvalidParam { name: "epochs", .. }
    ));
    assert!(matches!(
        err(small().dropout(1.0)),
        ModelError::InvalidParam {
            name: "dropout",
            ..
        }
    ));
    assert!(matches!(
        err(small().hidden(0)),
        ModelError::InvalidParam { .. }
    ));
    assert!(matches!(
        err(small().learning_rate(-1.0)),
        ModelError::InvalidParam { .. }
    ));
    assert!(matches!(
        err(small().validation_split(1.0)),
        ModelError::InvalidParam { .. }
    ));
    // 8 features are not a whole number of 3-feature steps.
    assert!(matches!(
        err(small().step_dim(3)),
        ModelError::ShapeMismatch { .. }
    ));

    let model = small().epochs(1).fit(&t).unwrap();
    let wide = Array2::<f32>::zeros((2, 9));
    assert!(matches!(
        model.predict(wide.view()),
        Err(ModelError::ShapeMismatch { .. })
    ));
    let mut nan = Array2::<f32>::zeros((2, 8));
    nan[[1, 3]] = f32::NAN;
    assert!(matches!(
        model.predict(nan.view()),
        Err(ModelError::NonFinite)
    ));
    assert_eq!(
        model
            .predict(Array2::<f32>::zeros((0, 8)).view())
            .unwrap()
            .len(),
        0
    );

    let x3 = Array3::<f32>::zeros((2, 4, 1));
    let labels = array![0usize, 1];
    let zero_len = array![4usize, 0];
    assert!(matches!(
        SequenceSet::new(x3.view(), Some(zero_len.view()), labels.view(), 2),
        Err(ModelError::InvalidParam {
            name: "lengths",
            ..
        })
    ));
    assert!(matches!(
        SequenceSet::new(x3.view(), None, labels.view(), 1),
        Err(ModelError::LabelOutOfRange {
            label: 1,
            n_classes: 1
        })
    ));
    assert!(matches!(pad_sequences(&[], 4), Err(ModelError::EmptyInput)));
    let bad_stack = [LayerSpec::Lstm {
        units: 3,
        return_sequences: true,
    }];
    assert!(Network::<f32>::new(1, &bad_stack, &mut SeededRng::splitmix64(0)).is_err());
    let lstm_after_flat = [
        LayerSpec::Lstm {
            units: 3,
            return_sequences: false,
        },
        LayerSpec::Lstm {
            units: 3,
            return_sequences: false,
        },
    ];
    assert!(Network::<f32>::new(1, &lstm_after_flat, &mut SeededRng::splitmix64(0)).is_err());
}

#[test]
fn models_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<LstmModel>();
    check::<Network<f32>>();
}

#[test]
fn lstm_goes_into_a_model_file_and_back() {
    use ser_features::FeatureSpec;
    use ser_models::{AnyModel, FeatureConfig, ModelFile};
    // 40 values per row, like the study's mean MFCCs.
    let mut rng = SeededRng::splitmix64(12);
    let x = Array2::from_shape_simple_fn((24, 40), || rng.uniform(-1.0, 1.0) as f32);
    let y: Array1<usize> = (0..24).map(|i| i % 2).collect();
    let model = Lstm::params()
        .hidden(6)
        .dense_layers(&[4])
        .epochs(1)
        .batch_size(8)
        .fit(&TrainSet::new(x.view(), y.view(), 2).unwrap())
        .unwrap();
    let want = model.predict_scores(x.view()).unwrap();
    let file = ModelFile::new(
        FeatureConfig::study(FeatureSpec::Mfcc40Mean),
        None,
        vec!["calm".into(), "angry".into()],
        AnyModel::from(model),
    )
    .unwrap();
    assert_eq!(file.model.kind(), "lstm");
    let dir = std::env::temp_dir().join(format!("ser-lstm-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("lstm.json");
    file.save(&path).unwrap();
    let back = ModelFile::load(&path).unwrap();
    assert_eq!(back.model.predict_scores(x.view()).unwrap(), want);

    // A bias of the wrong length deserialises but must not reach prediction.
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let layer0 = &mut v["model"]["lstm"]["network"]["layers"][0]["Lstm"];
    assert!(layer0.is_object(), "unexpected layout: {}", v["model"]);
    layer0["b"] = serde_json::json!({"v": 1, "dim": [3], "data": [0.0, 0.0, 0.0]});
    std::fs::write(&path, v.to_string()).unwrap();
    assert!(matches!(
        ModelFile::load(&path),
        Err(ModelError::CorruptModelFile { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}
