//! An LSTM classifier written on ndarray: layers, back-propagation through time, Adam and a
//! training loop, with the study's network as the default.
//!
//! ```
//! use ndarray::{Array1, Array2};
//! use ser_models::lstm::Lstm;
//! use ser_models::{Fit, Predict, TrainSet};
//!
//! // Two classes told apart by the sign of a 6-step sequence's trend.
//! let x = Array2::from_shape_fn((40, 6), |(i, t)| {
//!     let s = if i % 2 == 0 { 1.0 } else { -1.0 };
//!     s * t as f32 / 6.0 + 0.05 * ((i * 7 + t) % 5) as f32
//! });
//! let y: Array1<usize> = (0..40).map(|i| i % 2).collect();
//! let train = TrainSet::new(x.view(), y.view(), 2)?;
//! let model = Lstm::params()
//!     .hidden(8)
//!     .dense_layers(&[8])
//!     .epochs(60)
//!     .batch_size(8)
//!     .learning_rate(1e-2)
//!     .validation_split(0.0)
//!     .fit(&train)?;
//! let pred = model.predict(x.view())?;
//! let right = pred.iter().zip(&y).filter(|(p, t)| p == t).count();
//! assert!(right >= 38);
//! # Ok::<(), ser_models::ModelError>(())
//! ```

mod activation;
mod dense;
mod init;
mod model;
mod network;
mod optimizer;
mod packed;
mod recurrent;
mod scalar;
mod training;

pub use model::{Lstm, LstmModel, LstmParams, Scaling, pad_sequences};
pub use network::{BatchLoss, Grads, LayerSpec, Network, SeqBatch};
pub use optimizer::AdamConfig;
pub use recurrent::Workspace;
pub use scalar::Scalar;
pub use training::{EarlyStopping, History, SequenceSet, TrainOptions, train};

// Shared with the frame CNN (`crate::frames`): the loss, dropout, Glorot init and Adam.
pub(crate) use activation::{dropout_mask, softmax_cross_entropy, softmax_rows};
pub(crate) use init::glorot_uniform;
pub(crate) use optimizer::Adam;
