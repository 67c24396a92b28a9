//! Gradient checks in f64: every layer and the whole network against central finite
//! differences of the real loss code, on tiny sizes.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use ndarray::Array2;
use ser_data::SeededRng;
use ser_models::lstm::{LayerSpec, Network, SeqBatch};

/// Step of the five-point stencil: truncation error O(H⁴), rounding error ~1e-16 / H.
const H: f64 = 1e-4;
const TOL: f64 = 1e-5;

/// A random time-major batch `(steps · batch) × dim` and labels.
fn data(
    steps: usize,
    batch: usize,
    dim: usize,
    classes: usize,
    seed: u64,
) -> (Array2<f64>, Vec<usize>) {
    let mut rng = SeededRng::splitmix64(seed);
    let x = Array2::from_shape_simple_fn((steps * batch, dim), || rng.uniform(-1.5, 1.5));
    let y = (0..batch).map(|_| rng.index(classes)).collect();
    (x, y)
}

/// Compares analytic gradients with central differences for every parameter. Dropout masks
/// are the same in every evaluation (the generator is cloned each time).
fn check(specs: &[LayerSpec], dim: usize, steps: usize, lengths: Option<&[usize]>, dropout: bool) {
    let batch = lengths.map_or(3, <[usize]>::len);
    let classes = 3;
    let mut net = Network::<f64>::new(dim, specs, &mut SeededRng::splitmix64(11)).unwrap();
    assert_eq!(
        net.output_dim(),
        classes,
        "specs must end in {classes} outputs"
    );
    let (x, y) = data(steps, batch, dim, classes, 5);
    let mask_rng = SeededRng::splitmix64(99);
    let scale = 1.0 / batch as f64;
    let loss_of = |net: &Network<f64>| {
        let b = SeqBatch::new(x.view(), steps, lengths).unwrap();
        let mut r = mask_rng.clone();
        let (l, _) = net
            .loss_and_grads(&b, &y, dropout.then_some(&mut r), scale)
            .unwrap();
        l.loss_sum * scale
    };
    let b = SeqBatch::new(x.view(), steps, lengths).unwrap();
    let mut r = mask_rng.clone();
    let (_, grads) = net
        .loss_and_grads(&b, &y, dropout.then_some(&mut r), scale)
        .unwrap();
    let shapes: Vec<Vec<usize>> = net.params().iter().map(|p| p.shape().to_vec()).collect();
    assert_eq!(grads.tensors.len(), shapes.len());
    for (k, shape) in shapes.iter().enumerate() {
        assert_eq!(grads.tensors[k].shape(), &shape[..], "tensor {k}");
        let n = grads.tensors[k].len();
        let mut diff2 = 0.0;
        let mut norm2 = 0.0;
        for i in 0..n {
            let orig = net.params()[k].iter().nth(i).copied().unwrap();
            let set = |net: &mut Network<f64>, v: f64| {
                *net.params_mut()[k].iter_mut().nth(i).unwrap() = v;
            };
            let mut at = |d: f64| {
                set(&mut net, orig + d);
                loss_of(&net)
            };
            let (p2, p1, m1, m2) = (at(2.0 * H), at(H), at(-H), at(-2.0 * H));
            set(&mut net, orig);
            let numeric = (-p2 + 8.0 * p1 - 8.0 * m1 + m2) / (12.0 * H);
            let analytic = *grads.tensors[k].iter().nth(i).unwrap();
            let denom = analytic.abs().max(numeric.abs());
            // Below 1e-6 the stencil's rounding noise (~1e-12) dominates: compare absolutely.
            if denom > 1e-6 {
                let rel = (analytic - numeric).abs() / denom;
                assert!(
                    rel < TOL,
                    "tensor {k} elem {i}: analytic {analytic:e} numeric {numeric:e} rel {rel:e}"
                );
            } else {
                assert!(
                    (analytic - numeric).abs() < 1e-11,
                    "tensor {k} elem {i}: {analytic:e} vs {numeric:e}"
                );
            }
            diff2 += (analytic - numeric).powi(2);
            norm2 += analytic.powi(2) + numeric.powi(2);
        }
        assert!(
            norm2 > 0.0,
            "tensor {k} has an all-zero gradient: the check would be empty"
        );
        assert!(
            (diff2 / norm2).sqrt() < TOL,
            "tensor {k}: relative norm error too large"
        );
    }
}

#[test]
fn dense_layer() {
    check(&[LayerSpec::Dense { units: 3 }], 4, 1, None, false);
}

#[test]
fn dense_relu_dense() {
    check(
        &[
            LayerSpec::Dense { units: 6 },
            LayerSpec::Relu,
            LayerSpec::Dense { units: 3 },
        ],
        4,
        1,
        None,
        false,
    );
}

#[test]
fn dropout_between_dense_layers() {
    check(
        &[
            LayerSpec::Dense { units: 6 },
            LayerSpec::Dropout { rate: 0.4 },
            LayerSpec::Dense { units: 3 },
        ],
        4,
        1,
        None,
        true,
    );
}

#[test]
fn lstm_many_to_one_scalar_input() {
    // Input width 1 takes the rank-1 input projection path.
    check(
        &[
            LayerSpec::Lstm {
                units: 4,
                return_sequences: false,
            },
            LayerSpec::Dense { units: 3 },
        ],
        1,
        6,
        None,
        false,
    );
}

#[test]
fn lstm_many_to_one_vector_input() {
    check(
        &[
            LayerSpec::Lstm {
                units: 5,
                return_sequences: false,
            },
            LayerSpec::Dense { units: 3 },
        ],
        3,
        5,
        None,
        false,
    );
}

#[test]
fn stacked_lstm_with_sequence_output() {
    check(
        &[
            LayerSpec::Lstm {
                units: 4,
                return_sequences: true,
            },
            LayerSpec::Lstm {
                units: 3,
                return_sequences: false,
            },
            LayerSpec::Dense { units: 3 },
        ],
        2,
        5,
        None,
        false,
    );
}

#[test]
fn time_distributed_dense_between_lstms() {
    check(
        &[
            LayerSpec::Lstm {
                units: 4,
                return_sequences: true,
            },
            LayerSpec::Dense { units: 3 },
            LayerSpec::Relu,
            LayerSpec::Lstm {
                units: 3,
                return_sequences: false,
            },
            LayerSpec::Dense { units: 3 },
        ],
        2,
        4,
        None,
        false,
    );
}

#[test]
fn masked_padded_sequences() {
    check(
        &[
            LayerSpec::Lstm {
                units: 4,
                return_sequences: true,
            },
            LayerSpec::Lstm {
                units: 3,
                return_sequences: false,
            },
            LayerSpec::Dense { units: 3 },
        ],
        2,
        6,
        Some(&[6, 2, 4, 1]),
        false,
    );
}

#[test]
fn whole_study_network_in_miniature() {
    // The study's architecture with tiny widths, dropout on, sequences of scalars.
    check(
        &[
            LayerSpec::Lstm {
                units: 6,
                return_sequences: false,
            },
            LayerSpec::Dropout { rate: 0.2 },
            LayerSpec::Dense { units: 5 },
            LayerSpec::Relu,
            LayerSpec::Dropout { rate: 0.2 },
            LayerSpec::Dense { units: 4 },
            LayerSpec::Relu,
            LayerSpec::Dropout { rate: 0.2 },
            LayerSpec::Dense { units: 3 },
        ],
        1,
        7,
        Some(&[7, 7, 5, 3]),
        true,
    );
}
