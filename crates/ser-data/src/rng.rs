//! The workspace's one seeded random generator, identical on every platform.
//!
//! [`SeededRng`] runs one of two cores, chosen by its constructor:
//!
//! - `xoshiro256**` (Blackman & Vigna, 2018) seeded through SplitMix64
//!   ([`SeededRng::new`], [`SeededRng::derive`]): this crate's splits, augmentation and
//!   synthetic corpus;
//! - a bare SplitMix64 stream (Steele, Lea & Flood 2014; [`SeededRng::splitmix64`]): the
//!   stream `ser-models` has always drawn its LSTM initialisation, shuffles, validation split
//!   and dropout masks and its SVM visiting order from, kept so that a given seed trains the
//!   same models as before the two generators became one.
//!
//! Everything drawn from the core (integers, floats, normals, shuffles, forks) is the same code
//! for both. Integer outputs are defined by integer arithmetic only, so splits and shuffles are
//! bit-identical on every platform and Rust version. Float outputs ([`SeededRng::next_f64`],
//! [`SeededRng::normal`]) use `ln`/`cos` from the platform's maths library for the normal
//! deviate, which may differ in the last bit between platforms.

/// One step of SplitMix64: advances `state` and returns the next output.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The state behind a [`SeededRng`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Core {
    /// `xoshiro256**`'s four words.
    Xoshiro([u64; 4]),
    /// SplitMix64's one word.
    SplitMix(u64),
}

/// Seeded generator: `xoshiro256**` from [`SeededRng::new`] / [`SeededRng::derive`], a bare
/// SplitMix64 stream from [`SeededRng::splitmix64`] (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededRng {
    core: Core,
}

impl SeededRng {
    /// A `xoshiro256**` generator from a 64-bit seed (expanded by SplitMix64, so any seed, 0
    /// included, is fine).
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Self {
            core: Core::Xoshiro(s),
        }
    }

    /// An independent `xoshiro256**` generator for sub-stream `stream` of `seed` (e.g. one per
    /// utterance, so work can run in parallel and still be reproducible).
    pub fn derive(seed: u64, stream: u64) -> Self {
        let mut sm = seed ^ 0xD1B5_4A32_D192_ED03;
        let a = splitmix64(&mut sm);
        let mut t = stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ a;
        Self::new(splitmix64(&mut t))
    }

    /// A bare SplitMix64 stream starting from `seed`: its outputs are SplitMix64's own
    /// (Vigna's reference `splitmix64.c`). `ser-models` draws from it, so that a given seed
    /// keeps giving the same LSTM and SVM it always gave.
    pub fn splitmix64(seed: u64) -> Self {
        Self {
            core: Core::SplitMix(seed),
        }
    }

    /// An independent generator of the same core for sub-stream `stream` (e.g. one per epoch,
    /// batch or batch chunk), derived from this one's current state without advancing it.
    pub fn fork(&self, stream: u64) -> Self {
        match &self.core {
            Core::SplitMix(state) => {
                let mut t = state ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
                Self::splitmix64(splitmix64(&mut t))
            }
            Core::Xoshiro(s) => {
                let key = s.iter().fold(0u64, |h, &w| {
                    let mut t = h ^ w;
                    splitmix64(&mut t)
                });
                Self::derive(key, stream)
            }
        }
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        match &mut self.core {
            Core::Xoshiro(s) => {
                let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
                let t = s[1] << 17;
                s[2] ^= s[0];
                s[3] ^= s[1];
                s[1] ^= s[2];
                s[0] ^= s[3];
                s[2] ^= t;
                s[3] = s[3].rotate_left(45);
                result
            }
            Core::SplitMix(state) => splitmix64(state),
        }
    }

    /// Uniform integer in `0..n` without bias (Lemire's method). Returns 0 when `n == 0`.
    ///
    /// One draw `x` gives `(x · n) >> 64`, the plain multiply-shift; only a draw in the biased
    /// zone (probability below `n / 2⁶⁴`) is drawn again.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        let mut low = m as u64;
        if low < n {
            let threshold = n.wrapping_neg() % n;
            while low < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
                low = m as u64;
            }
        }
        (m >> 64) as u64
    }

    /// Uniform index in `0..n` (0 when `n == 0`).
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[0, 1)` with 24 random bits.
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / (1u32 << 24) as f32)
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }

    /// Standard normal deviate (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.next_f64(); // (0, 1]
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Fisher–Yates shuffle in place.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_reference_values() {
        // Reference: Vigna's splitmix64.c seeded with 1234567.
        let mut s = 1_234_567u64;
        let v: Vec<u64> = (0..3).map(|_| splitmix64(&mut s)).collect();
        assert_eq!(
            v,
            vec![
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423
            ]
        );
    }

    #[test]
    fn xoshiro_matches_reference_from_known_state() {
        // Reference: xoshiro256starstar.c with state {1, 2, 3, 4}.
        let mut r = SeededRng {
            core: Core::Xoshiro([1, 2, 3, 4]),
        };
        let v: Vec<u64> = (0..4).map(|_| r.next_u64()).collect();
        assert_eq!(v, vec![11520, 0, 1_509_978_240, 1_215_971_899_390_074_240]);
    }

    #[test]
    fn same_seed_same_stream_and_streams_differ() {
        let a: Vec<u64> = (0..8)
            .scan(SeededRng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..8)
            .scan(SeededRng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let c: Vec<u64> = (0..8)
            .scan(SeededRng::new(8), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(SeededRng::derive(7, 0), SeededRng::derive(7, 1));
        assert_eq!(SeededRng::derive(7, 3), SeededRng::derive(7, 3));
    }

    #[test]
    fn below_is_in_range_and_roughly_uniform() {
        let mut r = SeededRng::new(1);
        let mut counts = [0usize; 6];
        for _ in 0..60_000 {
            counts[r.index(6)] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
        assert_eq!(r.below(0), 0);
        assert_eq!(r.below(1), 0);
    }

    #[test]
    fn floats_in_unit_interval_and_normal_moments() {
        let mut r = SeededRng::new(3);
        let n = 50_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.02, "{mean}");
        assert!((var - 1.0).abs() < 0.03, "{var}");
        for _ in 0..1000 {
            let f = r.next_f32();
            assert!((0.0..1.0).contains(&f));
        }
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut v: Vec<usize> = (0..100).collect();
        SeededRng::new(5).shuffle(&mut v);
        let mut s = v.clone();
        s.sort_unstable();
        assert_eq!(s, (0..100).collect::<Vec<_>>());
        assert_ne!(v, s);
    }

    // The SplitMix64 core (ser-models' LSTM and SVM stream).

    #[test]
    fn reference_values() {
        // First outputs of SplitMix64 seeded with 1234567 (Vigna's reference splitmix64.c).
        let mut g = SeededRng::splitmix64(1_234_567);
        assert_eq!(g.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(g.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn uniform_and_normal_moments() {
        let mut g = SeededRng::splitmix64(7);
        let n = 100_000;
        let u: Vec<f64> = (0..n).map(|_| g.next_f64()).collect();
        let mean = u.iter().sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.01);
        assert!(u.iter().all(|&v| (0.0..1.0).contains(&v)));
        let z: Vec<f64> = (0..n).map(|_| g.normal()).collect();
        let m = z.iter().sum::<f64>() / n as f64;
        let var = z.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n as f64;
        assert!(m.abs() < 0.02 && (var - 1.0).abs() < 0.03);
    }

    #[test]
    fn shuffle_is_a_seeded_permutation() {
        let mut a: Vec<usize> = (0..50).collect();
        let mut b = a.clone();
        SeededRng::splitmix64(3).shuffle(&mut a);
        SeededRng::splitmix64(3).shuffle(&mut b);
        assert_eq!(a, b);
        assert_ne!(a, (0..50).collect::<Vec<_>>());
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn forks_differ() {
        let g = SeededRng::splitmix64(9);
        assert_ne!(g.fork(0).next_u64(), g.fork(1).next_u64());
        assert_eq!(g.fork(5).next_u64(), g.fork(5).next_u64());
    }

    #[test]
    fn splitmix_fork_is_splitmix_of_the_mixed_state() {
        // The formula ser-models' own SplitMix64 used (its dropout masks depend on it).
        let g = SeededRng::splitmix64(9);
        let mut t = 9u64 ^ 5u64.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let want = SeededRng::splitmix64(splitmix64(&mut t));
        assert_eq!(g.fork(5), want);
    }

    #[test]
    fn xoshiro_forks_are_seeded_streams_and_leave_the_parent_alone() {
        let mut g = SeededRng::new(9);
        let before = g.clone();
        let (a, b) = (g.fork(0), g.fork(1));
        assert_eq!(g, before, "fork advanced the parent");
        assert!(matches!(a.core, Core::Xoshiro(_)));
        assert_ne!(a, b);
        assert_eq!(g.fork(1), b);
        g.next_u64();
        assert_ne!(g.fork(1), b, "a fork depends on the parent's current state");
    }

    #[test]
    fn below_is_multiply_shift_outside_the_biased_zone() {
        let (mut a, mut b) = (SeededRng::splitmix64(4), SeededRng::splitmix64(4));
        for n in 1..2000u64 {
            let x = a.next_u64();
            assert_eq!(b.below(n), ((u128::from(x) * u128::from(n)) >> 64) as u64);
        }
    }
}
