//! Signal pieces of the source–filter synthesiser: resonators and the glottal pulse.

use std::f32::consts::PI;

/// Klatt's second-order digital resonator (unity gain at 0 Hz).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Resonator {
    a: f32,
    b: f32,
    c: f32,
    y1: f32,
    y2: f32,
}

impl Resonator {
    /// Sets centre frequency and bandwidth (Hz) at sample rate `fs`; keeps the filter state.
    pub(crate) fn set(&mut self, freq: f32, bw: f32, fs: f32) {
        let freq = freq.clamp(20.0, 0.45 * fs);
        let r = (-PI * bw / fs).exp();
        self.c = -(r * r);
        self.b = 2.0 * r * (2.0 * PI * freq / fs).cos();
        self.a = 1.0 - self.b - self.c;
    }

    pub(crate) fn process(&mut self, x: f32) -> f32 {
        let y = self.a * x + self.b * self.y1 + self.c * self.y2;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

/// Constant-peak-gain band-pass biquad (RBJ cookbook), for frication noise.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BandPass {
    b0: f32,
    a1: f32,
    a2: f32,
    x1: f32,
    x2: f32,
    y1: f32,
    y2: f32,
}

impl BandPass {
    pub(crate) fn set(&mut self, freq: f32, bw: f32, fs: f32) {
        let freq = freq.clamp(20.0, 0.45 * fs);
        let w0 = 2.0 * PI * freq / fs;
        let q = (freq / bw.max(1.0)).max(0.3);
        let alpha = w0.sin() / (2.0 * q);
        let a0 = 1.0 + alpha;
        self.b0 = alpha / a0;
        self.a1 = -2.0 * w0.cos() / a0;
        self.a2 = (1.0 - alpha) / a0;
    }

    pub(crate) fn process(&mut self, x: f32) -> f32 {
        let y = self.b0 * (x - self.x2) - self.a1 * self.y1 - self.a2 * self.y2;
        self.x2 = self.x1;
        self.x1 = x;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

/// Derivative of the Rosenberg glottal flow pulse at phase `phi` in `[0, 1)`, per unit phase.
///
/// Open phase `oq` of the period: rising for `oq × (1 − cf)`, closing for `oq × cf`, then
/// closed. A short closing phase gives an abrupt closure and a flatter spectrum (tense voice).
pub(crate) fn rosenberg_derivative(phi: f32, oq: f32, cf: f32) -> f32 {
    let tp = oq * (1.0 - cf);
    let tn = oq * cf;
    if phi < tp {
        0.5 * PI / tp * (PI * phi / tp).sin()
    } else if phi < tp + tn {
        -(0.5 * PI / tn) * (0.5 * PI * (phi - tp) / tn).sin()
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resonator_has_unity_dc_gain_and_peaks_at_its_frequency() {
        let fs = 16000.0;
        let mut r = Resonator::default();
        r.set(1000.0, 100.0, fs);
        let mut y = 0.0;
        for _ in 0..4000 {
            y = r.process(1.0);
        }
        assert!((y - 1.0).abs() < 1e-3, "{y}");
        let gain = |f: f32| {
            let mut r = Resonator::default();
            r.set(1000.0, 100.0, fs);
            let mut peak = 0.0f32;
            for n in 0..8000 {
                let y = r.process((2.0 * PI * f * n as f32 / fs).sin());
                if n > 4000 {
                    peak = peak.max(y.abs());
                }
            }
            peak
        };
        assert!(gain(1000.0) > 5.0 * gain(500.0));
        assert!(gain(1000.0) > 5.0 * gain(2000.0));
    }

    #[test]
    fn glottal_derivative_integrates_to_zero_over_a_period() {
        // flow starts and ends closed: its derivative sums to zero
        let n = 10_000;
        for (oq, cf) in [(0.6, 0.35), (0.45, 0.2), (0.72, 0.45)] {
            let s: f32 = (0..n)
                .map(|i| rosenberg_derivative(i as f32 / n as f32, oq, cf))
                .sum::<f32>()
                / n as f32;
            assert!(s.abs() < 1e-3, "{oq} {cf} {s}");
        }
        assert_eq!(rosenberg_derivative(0.9, 0.6, 0.35), 0.0);
    }

    #[test]
    fn bandpass_passes_centre_and_rejects_far() {
        let fs = 22050.0;
        let gain = |f: f32| {
            let mut b = BandPass::default();
            b.set(4000.0, 1000.0, fs);
            let mut peak = 0.0f32;
            for n in 0..8000 {
                let y = b.process((2.0 * PI * f * n as f32 / fs).sin());
                if n > 4000 {
                    peak = peak.max(y.abs());
                }
            }
            peak
        };
        assert!((gain(4000.0) - 1.0).abs() < 0.05);
        assert!(gain(300.0) < 0.15);
    }
}
