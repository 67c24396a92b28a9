//! A frame-level CNN classifier: 1-D convolutions over time on frame sequences (e.g. log-mel
//! frames), attention pooling over time, dropout and a softmax output, trained with Adam
//! and SpecAugment-style masks, written on ndarray with a hand-written backward pass.
//!
//! A [`TrainSet`](crate::TrainSet) row holds one clip as `steps × step_dim` values,
//! step-major (48 frames × 40 bands = 1920 values). Before the network, each clip can be
//! centred on its own per-band mean ([`FrameCnnParams::center_per_clip`]), then every band is
//! standardised with statistics of the training rows. The network:
//!
//! ```text
//! layers × [conv over time (kernel, same padding) → channels, + bias, ReLU]
//! → attention pooling: e_t = vᵀ tanh(W h_t + b), α = softmax_t(e), pooled = Σ_t α_t h_t
//! → dropout (training only) → dense → softmax
//! ```
//!
//! Each convolution of a batch is one matrix product (im2col), and so are the attention and
//! output layers and all their gradients.
//!
//! ```
//! use ndarray::{Array1, Array2};
//! use ser_models::frames::{FrameCnn, SpecAugment};
//! use ser_models::{Fit, Predict, TrainSet};
//!
//! // 8 steps × 2 bands. Class 0: band 0 lights up two steps before band 1; class 1: after.
//! // Both bands light up once in every clip, so their means do not tell the classes apart.
//! let (steps, dim) = (8, 2);
//! let x = Array2::from_shape_fn((40, steps * dim), |(i, j)| {
//!     let (t, d) = (j / dim, j % dim);
//!     let onset = i / 2 % 4;
//!     let first = if i % 2 == 0 { d == 0 } else { d == 1 };
//!     let at = if first { onset } else { onset + 2 };
//!     if t == at { 1.0 } else { 0.05 * ((i * 7 + j) % 3) as f32 }
//! });
//! let y: Array1<usize> = (0..40).map(|i| i % 2).collect();
//! let train = TrainSet::new(x.view(), y.view(), 2)?;
//! let model = FrameCnn::params()
//!     .step_dim(dim)
//!     .channels(8)
//!     .kernel(3)
//!     .attention_dim(4)
//!     .dropout(0.0)
//!     .spec_augment(SpecAugment::NONE)
//!     .epochs(60)
//!     .batch_size(8)
//!     .learning_rate(1e-2)
//!     .fit(&train)?;
//! assert_eq!((model.steps(), model.step_dim()), (8, 2));
//! let right = model.predict(x.view())?.iter().zip(&y).filter(|(p, t)| p == t).count();
//! assert!(right >= 38, "{right}");
//! # Ok::<(), ser_models::ModelError>(())
//! ```

mod augment;
mod model;
mod net;
mod params;

pub use augment::SpecAugment;
pub use model::{FrameCnnHistory, FrameCnnModel};
pub use params::{FrameCnn, FrameCnnParams};
