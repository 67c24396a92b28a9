//! Adam (Kingma & Ba 2015) with bias correction.

use ndarray::{ArrayD, ArrayViewMutD, Zip};
use serde::{Deserialize, Serialize};

use super::network::Grads;
use super::scalar::Scalar;
use crate::ModelError;

/// Adam's hyper-parameters. Defaults are Keras': `lr = 1e-3`, `beta1 = 0.9`,
/// `beta2 = 0.999`, `epsilon = 1e-7`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdamConfig {
    /// Step size.
    pub learning_rate: f64,
    /// Decay of the first-moment (mean) estimate, in `[0, 1)`.
    pub beta1: f64,
    /// Decay of the second-moment estimate, in `[0, 1)`.
    pub beta2: f64,
    /// Added to the root of the second moment.
    pub epsilon: f64,
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self {
            learning_rate: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
        }
    }
}

impl AdamConfig {
    /// Checks every field's range.
    pub fn check(&self) -> Result<(), ModelError> {
        let bad = |name, reason: &str| {
            Err(ModelError::InvalidParam {
                name,
                reason: reason.into(),
            })
        };
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad("learning_rate", "must be positive and finite");
        }
        if !(0.0..1.0).contains(&self.beta1) {
            return bad("beta1", "must be in [0, 1)");
        }
        if !(0.0..1.0).contains(&self.beta2) {
            return bad("beta2", "must be in [0, 1)");
        }
        if !(self.epsilon > 0.0 && self.epsilon.is_finite()) {
            return bad("epsilon", "must be positive and finite");
        }
        Ok(())
    }
}

/// Adam's state: the moment estimates of every parameter tensor and the step count.
#[derive(Debug, Clone)]
pub(crate) struct Adam<F> {
    config: AdamConfig,
    step: i32,
    m: Vec<ArrayD<F>>,
    v: Vec<ArrayD<F>>,
}

impl<F: Scalar> Adam<F> {
    /// Fresh state (moments zero) for parameters of the given shapes.
    pub(crate) fn new(config: AdamConfig, params: &[ArrayViewMutD<'_, F>]) -> Self {
        let zeros = || params.iter().map(|p| ArrayD::zeros(p.raw_dim())).collect();
        Self {
            config,
            step: 0,
            m: zeros(),
            v: zeros(),
        }
    }

    /// One update: `θ ← θ − lr · m̂ / (√v̂ + ε)`.
    pub(crate) fn step(&mut self, params: Vec<ArrayViewMutD<'_, F>>, grads: &Grads<F>) {
        self.step = self.step.saturating_add(1);
        let c = &self.config;
        let b1 = F::from_f64(c.beta1);
        let b2 = F::from_f64(c.beta2);
        let one = F::one();
        let eps = F::from_f64(c.epsilon);
        // Bias corrections folded into the step size and epsilon (Kingma & Ba, section 2).
        let corr1 = 1.0 - c.beta1.powi(self.step);
        let corr2 = 1.0 - c.beta2.powi(self.step);
        let lr_t = F::from_f64(c.learning_rate * corr2.sqrt() / corr1);
        let eps_t = eps * F::from_f64(corr2.sqrt());
        for (((mut p, g), m), v) in params
            .into_iter()
            .zip(&grads.tensors)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            Zip::from(&mut p)
                .and(g)
                .and(m)
                .and(v)
                .for_each(|p, &g, m, v| {
                    *m = b1 * *m + (one - b1) * g;
                    *v = b2 * *v + (one - b2) * g * g;
                    *p -= lr_t * *m / (v.sqrt() + eps_t);
                });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, array};

    #[test]
    fn first_step_moves_each_weight_by_lr() {
        // After one step m̂ = g and v̂ = g², so each weight moves by lr · g / (|g| + ε).
        let mut w: Array1<f64> = array![1.0, -2.0, 0.5];
        let g = Grads {
            tensors: vec![array![0.3, -4.0, 1e-3].into_dyn()],
        };
        let cfg = AdamConfig {
            learning_rate: 0.01,
            epsilon: 1e-12,
            ..AdamConfig::default()
        };
        let mut adam = Adam::new(cfg, &[w.view_mut().into_dyn()]);
        adam.step(vec![w.view_mut().into_dyn()], &g);
        let want = [0.99, -1.99, 0.49];
        assert!(w.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-9), "{w}");
    }

    #[test]
    fn minimises_a_quadratic() {
        let mut w: Array1<f64> = array![3.0, -5.0];
        let cfg = AdamConfig {
            learning_rate: 0.1,
            ..AdamConfig::default()
        };
        let mut adam = Adam::new(cfg, &[w.view_mut().into_dyn()]);
        for _ in 0..500 {
            let g = Grads {
                tensors: vec![(2.0 * &w).into_dyn()],
            };
            adam.step(vec![w.view_mut().into_dyn()], &g);
        }
        assert!(w.iter().all(|v| v.abs() < 1e-2), "{w}");
    }

    #[test]
    fn rejects_bad_config() {
        let bad = AdamConfig {
            beta2: 1.0,
            ..AdamConfig::default()
        };
        assert!(matches!(
            bad.check(),
            Err(ModelError::InvalidParam { name: "beta2", .. })
        ));
    }
}
