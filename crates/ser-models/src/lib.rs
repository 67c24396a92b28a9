#![doc = include_str!("../README.md")]

pub mod error;
pub mod traits;

pub use error::ModelError;
pub use traits::{Fit, Predict, TrainSet, check_width};
