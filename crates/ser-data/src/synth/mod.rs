//! Synthetic emotional speech: the corpus the study uses when no recordings are given.
//!
//! A deterministic source–filter synthesiser. Each utterance is TESS's carrier sentence
//! "say the word *X*" with a target word from a list of 48 monosyllables:
//!
//! - **Source**: a Rosenberg glottal pulse train (derivative of the flow) whose period follows an
//!   F0 contour, with cycle-to-cycle jitter and shimmer, a one-pole spectral-tilt filter, and
//!   aspiration noise gated by the glottal opening (breathiness).
//! - **Filter**: a cascade of five Klatt resonators whose frequencies glide between phone
//!   targets (vowels from Peterson & Barney 1952, scaled by the speaker's vocal-tract factor);
//!   stops (closure, burst, aspiration), fricatives (band-passed noise), nasals, glides and
//!   pauses between words.
//! - **Emotion**: the rules of [`mod@prosody`] (F0 level, range and contour, rate, pauses,
//!   loudness, open quotient, spectral tilt, breathiness, jitter/shimmer, articulation
//!   precision), drawn from the speech-emotion literature.
//! - **Per-utterance variation** (scaled by [`SynthParams::variability`]): how strongly the
//!   emotion is expressed (a blend towards neutral), F0 offset, range, rate, loudness, tilt,
//!   breathiness, vocal-tract length, lead/tail silence, background noise level and channel
//!   colouring. This keeps the classes learnable but overlapping.
//!
//! Files are written TESS-style, `SPK_word_label.wav` in `SPK_folder/` (label `ps` and folder
//! `pleasant_surprise` for surprise), as 16-bit PCM, so the TESS parser reads them. The same
//! parameters give the same bytes: every utterance draws from its own [`SeededRng`] stream,
//! so the parallel generation order does not matter. (Across platforms the random draws are
//! identical, but the synthesis uses the platform's `f32` `sin`/`exp`/`powf`, which may differ
//! in the last bit; after 16-bit quantisation that rarely shows, but it is not promised.)

mod dsp;
mod phones;
pub mod prosody;
mod render;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::emotion::Emotion;
use crate::error::{DataError, Result};
use crate::rng::SeededRng;
pub use prosody::{Prosody, prosody};

/// One synthetic speaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynthSpeaker {
    /// Identifier used in file names (ASCII letters and digits).
    pub id: String,
    /// Base F0 of neutral speech, Hz.
    pub base_f0: f32,
    /// Formant scale relative to an adult male tract (about 1.15–1.2 for adult women).
    pub tract_scale: f32,
}

impl SynthSpeaker {
    /// `n` speakers alternating female and male voices: `SFA` (215 Hz, ×1.17), `SMB` (120 Hz,
    /// ×1.0), `SFC` (190 Hz, ×1.12), `SMD` (105 Hz, ×0.95), then further ones with varied F0
    /// and tract scale.
    pub fn defaults(n: usize) -> Vec<SynthSpeaker> {
        const FIXED: [(&str, f32, f32); 4] = [
            ("SFA", 215.0, 1.17),
            ("SMB", 120.0, 1.0),
            ("SFC", 190.0, 1.12),
            ("SMD", 105.0, 0.95),
        ];
        (0..n)
            .map(|i| {
                if let Some(&(id, f0, s)) = FIXED.get(i) {
                    SynthSpeaker {
                        id: id.to_string(),
                        base_f0: f0,
                        tract_scale: s,
                    }
                } else {
                    let female = i % 2 == 0;
                    let k = (i / 2) as f32;
                    SynthSpeaker {
                        id: format!("S{}{i}", if female { 'F' } else { 'M' }),
                        base_f0: if female {
                            180.0 + 9.0 * (k % 5.0)
                        } else {
                            98.0 + 6.0 * (k % 5.0)
                        },
                        tract_scale: if female {
                            1.1 + 0.02 * (k % 4.0)
                        } else {
                            0.93 + 0.02 * (k % 4.0)
                        },
                    }
                }
            })
            .collect()
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynthParams {
    /// Seed of every random choice.
    pub seed: u64,
    /// Speakers (default: two, [`SynthSpeaker::defaults`]).
    pub speakers: Vec<SynthSpeaker>,
    /// Emotions (default: TESS's seven).
    pub emotions: Vec<Emotion>,
    /// Utterances per speaker and emotion (default 30).
    pub utterances_per_class: usize,
    /// Sample rate, Hz (default 22050, the study's rate).
    pub sample_rate: u32,
    /// Scale of the per-utterance variation: 0 = every utterance of a class alike (the seed
    /// pipeline then scores about 99 %), 1 = default (about 90 %), larger = harder (2.5 gives
    /// about 60 %).
    pub variability: f32,
}

impl Default for SynthParams {
    fn default() -> Self {
        Self {
            seed: 2026,
            speakers: SynthSpeaker::defaults(2),
            emotions: Emotion::TESS.to_vec(),
            utterances_per_class: 30,
            sample_rate: 22_050,
            variability: 1.0,
        }
    }
}

fn invalid(name: &'static str, value: impl ToString, reason: &str) -> DataError {
    DataError::InvalidParameter {
        name,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

impl SynthParams {
    /// Checks every field.
    ///
    /// # Errors
    /// [`DataError::InvalidParameter`] naming the first bad field.
    pub fn check(&self) -> Result<()> {
        if self.speakers.is_empty() {
            return Err(invalid("speakers", 0, "at least one speaker"));
        }
        let mut ids: Vec<&str> = Vec::new();
        for s in &self.speakers {
            if s.id.is_empty() || !s.id.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(invalid(
                    "speaker id",
                    &s.id,
                    "ASCII letters and digits only",
                ));
            }
            if ids.contains(&s.id.as_str()) {
                return Err(invalid("speaker id", &s.id, "given twice"));
            }
            ids.push(&s.id);
            if !(50.0..=500.0).contains(&s.base_f0) {
                return Err(invalid("base_f0", s.base_f0, "between 50 and 500 Hz"));
            }
            if !(0.6..=1.6).contains(&s.tract_scale) {
                return Err(invalid("tract_scale", s.tract_scale, "between 0.6 and 1.6"));
            }
        }
        if self.emotions.is_empty() {
            return Err(invalid("emotions", 0, "at least one emotion"));
        }
        for (i, e) in self.emotions.iter().enumerate() {
            if self.emotions[..i].contains(e) {
                return Err(invalid("emotions", e, "given twice"));
            }
        }
        if !(1..=10_000).contains(&self.utterances_per_class) {
            return Err(invalid(
                "utterances_per_class",
                self.utterances_per_class,
                "between 1 and 10000",
            ));
        }
        if !(8_000..=96_000).contains(&self.sample_rate) {
            return Err(invalid(
                "sample_rate",
                self.sample_rate,
                "between 8000 and 96000 Hz",
            ));
        }
        if !(0.0..=3.0).contains(&self.variability) {
            return Err(invalid("variability", self.variability, "between 0 and 3"));
        }
        Ok(())
    }

    /// Number of utterances [`generate`] makes.
    pub fn len(&self) -> usize {
        self.speakers.len() * self.emotions.len() * self.utterances_per_class
    }

    /// Whether nothing would be generated.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One generated utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct Utterance {
    /// Speaker id.
    pub speaker: String,
    /// Emotion.
    pub emotion: Emotion,
    /// Target word (with a repeat number once the 48 words are used up).
    pub word: String,
    /// Samples in `[-1, 1]`.
    pub samples: Vec<f32>,
    /// Sample rate, Hz.
    pub sample_rate: u32,
}

/// TESS's label of an emotion in file names (`ps` for surprise, else the canonical name).
pub fn tess_label(emotion: Emotion) -> &'static str {
    match emotion {
        Emotion::Surprise => "ps",
        e => e.name(),
    }
}

/// TESS's folder word of an emotion (`pleasant_surprise` for surprise).
pub fn tess_folder_label(emotion: Emotion) -> &'static str {
    match emotion {
        Emotion::Surprise => "pleasant_surprise",
        e => e.name(),
    }
}

impl Utterance {
    /// Path relative to the corpus folder: `SPK_folder/SPK_word_label.wav`.
    pub fn relative_path(&self) -> PathBuf {
        PathBuf::from(format!(
            "{}_{}",
            self.speaker,
            tess_folder_label(self.emotion)
        ))
        .join(format!(
            "{}_{}_{}.wav",
            self.speaker,
            self.word,
            tess_label(self.emotion)
        ))
    }
}

/// Internal spread of the per-utterance variation at `variability = 1`. Tuned on the default
/// corpus with the seed pipeline (librosa 40 mean MFCCs + linear SVM, 80/20 stratified split,
/// five split seeds, two corpus seeds): 0 gives about 99 %, this value about 90 %.
const VARIATION_SCALE: f64 = 0.4;

fn emotion_code(e: Emotion) -> u64 {
    Emotion::ALL.iter().position(|x| *x == e).unwrap_or(0) as u64
}

/// Generates one utterance: speaker `speaker` (index into `params.speakers`), `emotion`, the
/// `index`-th utterance of that speaker and emotion.
///
/// # Errors
/// [`DataError::InvalidParameter`] for bad parameters or a speaker index out of range.
pub fn synthesize(
    params: &SynthParams,
    speaker: usize,
    emotion: Emotion,
    index: usize,
) -> Result<Utterance> {
    params.check()?;
    let spk = params
        .speakers
        .get(speaker)
        .ok_or_else(|| invalid("speaker", speaker, "index out of range"))?;
    Ok(synthesize_checked(params, speaker, spk, emotion, index))
}

fn word_order(seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..phones::WORDS.len()).collect();
    SeededRng::derive(seed, u64::MAX).shuffle(&mut order);
    order
}

fn synthesize_checked(
    params: &SynthParams,
    speaker_idx: usize,
    spk: &SynthSpeaker,
    emotion: Emotion,
    index: usize,
) -> Utterance {
    let order = word_order(params.seed);
    let n_words = order.len();
    let (name, word_phones) = phones::WORDS[order[index % n_words]];
    let word = if index < n_words {
        name.to_string()
    } else {
        format!("{name}{}", index / n_words + 1)
    };
    let stream = ((speaker_idx as u64) << 40) | (emotion_code(emotion) << 32) | index as u64;
    let mut rng = SeededRng::derive(params.seed, stream);
    let v = VARIATION_SCALE * f64::from(params.variability);
    let neutral = prosody(Emotion::Neutral);
    let strength = rng.uniform((1.0 - 0.5 * v).max(0.0), 1.0) as f32;
    let mut p = prosody(emotion).blend(&neutral, strength);
    let mut n = |sd: f64| (rng.normal() * sd * v) as f32;
    p.f0_shift_st += n(1.2);
    p.f0_range_st *= n(0.25).exp();
    p.rate *= n(0.07).exp();
    p.gain_db += n(2.5);
    p.tilt = (p.tilt + n(0.08)).clamp(0.0, 0.9);
    p.breathiness *= n(0.3).exp();
    p.jitter *= n(0.2).exp();
    p.open_quotient = (p.open_quotient + n(0.03)).clamp(0.35, 0.85);
    let tract = spk.tract_scale * (1.0 + n(0.02));
    let voice = render::Voice {
        base_f0: spk.base_f0,
        tract_scale: tract,
    };
    let cond = render::Conditions {
        noise_floor_db: (-62.0 + 20.0 * v * rng.next_f64()) as f32,
        channel: (rng.uniform(-0.3, 0.3) * v) as f32,
        lead_s: rng.uniform(0.08, 0.25) as f32,
        tail_s: rng.uniform(0.15, 0.3) as f32,
        wander_phase: rng.uniform(0.0, std::f64::consts::TAU) as f32,
    };
    let samples = render::render(word_phones, &voice, &p, &cond, params.sample_rate, &mut rng);
    Utterance {
        speaker: spk.id.clone(),
        emotion,
        word,
        samples,
        sample_rate: params.sample_rate,
    }
}

/// Generates the whole corpus in memory (in parallel; order: speaker, emotion, index).
///
/// # Errors
/// [`DataError::InvalidParameter`] for bad parameters.
pub fn generate(params: &SynthParams) -> Result<Vec<Utterance>> {
    params.check()?;
    let jobs: Vec<(usize, Emotion, usize)> = (0..params.speakers.len())
        .flat_map(|s| {
            params
                .emotions
                .iter()
                .flat_map(move |&e| (0..params.utterances_per_class).map(move |i| (s, e, i)))
        })
        .collect();
    Ok(jobs
        .into_par_iter()
        .map(|(s, e, i)| synthesize_checked(params, s, &params.speakers[s], e, i))
        .collect())
}

/// Writes `samples` as a mono 16-bit PCM wav file.
///
/// # Errors
/// [`DataError::Wav`] when the file cannot be written.
pub fn write_wav(path: &Path, samples: &[f32], sample_rate: u32) -> Result<()> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let wav_err = |source| DataError::Wav {
        path: path.to_path_buf(),
        source,
    };
    let mut w = hound::WavWriter::create(path, spec).map_err(wav_err)?;
    for &x in samples {
        let q = (x.clamp(-1.0, 1.0) * 32767.0).round() as i16;
        w.write_sample(q).map_err(wav_err)?;
    }
    w.finalize().map_err(wav_err)
}

/// Generates the corpus and writes it under `dir` (created if needed), TESS-style. Returns the
/// written paths in generation order.
///
/// # Errors
/// [`DataError::InvalidParameter`] for bad parameters, [`DataError::Io`] / [`DataError::Wav`]
/// when writing fails.
pub fn write_corpus(dir: &Path, params: &SynthParams) -> Result<Vec<PathBuf>> {
    let utterances = generate(params)?;
    let paths: Vec<PathBuf> = utterances
        .iter()
        .map(|u| dir.join(u.relative_path()))
        .collect();
    let mut folders: Vec<&Path> = paths.iter().filter_map(|p| p.parent()).collect();
    folders.sort_unstable();
    folders.dedup();
    for f in folders {
        std::fs::create_dir_all(f).map_err(|source| DataError::Io {
            path: f.to_path_buf(),
            source,
        })?;
    }
    utterances
        .par_iter()
        .zip(paths.par_iter())
        .try_for_each(|(u, p)| write_wav(p, &u.samples, u.sample_rate))?;
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::{Scheme, SchemeChoice, label_files};

    fn small(seed: u64) -> SynthParams {
        SynthParams {
            seed,
            utterances_per_class: 3,
            ..SynthParams::default()
        }
    }

    fn rms_db(x: &[f32]) -> f32 {
        let e = x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32;
        10.0 * e.log10()
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let base = std::env::temp_dir().join(format!("ser-data-synth-{}", std::process::id()));
        let (a, b, c) = (base.join("a"), base.join("b"), base.join("c"));
        let p = SynthParams {
            utterances_per_class: 2,
            ..SynthParams::default()
        };
        let pa = write_corpus(&a, &p).unwrap();
        let pb = write_corpus(&b, &p).unwrap();
        let pc = write_corpus(
            &c,
            &SynthParams {
                seed: 99,
                ..p.clone()
            },
        )
        .unwrap();
        assert_eq!(pa.len(), 2 * 7 * 2);
        let mut differ = 0;
        for ((x, y), z) in pa.iter().zip(&pb).zip(&pc) {
            let bx = std::fs::read(x).unwrap();
            assert_eq!(bx, std::fs::read(y).unwrap(), "{}", x.display());
            if x.strip_prefix(&a).unwrap() != z.strip_prefix(&c).unwrap()
                || bx != std::fs::read(z).unwrap()
            {
                differ += 1;
            }
        }
        assert_eq!(differ, pa.len(), "another seed changes every file");
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn names_are_read_back_by_the_tess_parser() {
        let p = small(1);
        let utts = generate(&p).unwrap();
        let paths: Vec<PathBuf> = utts
            .iter()
            .map(|u| Path::new("corpus").join(u.relative_path()))
            .collect();
        let l = label_files(&paths, SchemeChoice::Detect).unwrap();
        assert_eq!(l.scheme, Scheme::Tess);
        assert!(
            l.unparsed.is_empty() && l.warnings.is_empty(),
            "{:?} {:?}",
            l.unparsed,
            l.warnings
        );
        for (u, f) in utts.iter().zip(&l.files) {
            assert_eq!(f.emotion, Some(u.emotion));
            assert_eq!(f.class, u.emotion.name());
            assert_eq!(f.speaker, u.speaker);
        }
        let mut names: Vec<&PathBuf> = paths.iter().collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), paths.len(), "file names are unique");
    }

    #[test]
    fn more_utterances_than_words_get_numbered_words() {
        let p = SynthParams {
            speakers: SynthSpeaker::defaults(1),
            emotions: vec![Emotion::Neutral],
            utterances_per_class: 50,
            sample_rate: 8000,
            ..SynthParams::default()
        };
        let u = generate(&p).unwrap();
        let mut names: Vec<PathBuf> = u.iter().map(Utterance::relative_path).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 50);
        assert!(u[48].word.ends_with('2'));
    }

    #[test]
    fn prosody_rules_show_in_the_audio() {
        let p = SynthParams {
            utterances_per_class: 6,
            variability: 0.0,
            sample_rate: 16_000,
            ..SynthParams::default()
        };
        let utts = generate(&p).unwrap();
        let mean = |e: Emotion, f: &dyn Fn(&Utterance) -> f32| {
            let v: Vec<f32> = utts.iter().filter(|u| u.emotion == e).map(f).collect();
            v.iter().sum::<f32>() / v.len() as f32
        };
        let loud = |u: &Utterance| rms_db(&u.samples);
        let dur = |u: &Utterance| u.samples.len() as f32 / u.sample_rate as f32;
        assert!(mean(Emotion::Angry, &loud) > mean(Emotion::Neutral, &loud) + 3.0);
        assert!(mean(Emotion::Sad, &loud) < mean(Emotion::Neutral, &loud) - 2.0);
        assert!(mean(Emotion::Disgust, &dur) > mean(Emotion::Fear, &dur) * 1.3);
        for u in &utts {
            let d = dur(u);
            assert!((0.9..3.0).contains(&d), "{d}");
            assert!(u.samples.iter().all(|x| x.abs() <= 0.98 + 1e-6));
        }
    }

    #[test]
    fn female_speaker_has_the_higher_pitch() {
        // zero-crossing-free check: autocorrelation peak of the loudest 40 ms
        let p = SynthParams {
            emotions: vec![Emotion::Neutral],
            utterances_per_class: 1,
            variability: 0.0,
            sample_rate: 16_000,
            ..SynthParams::default()
        };
        let utts = generate(&p).unwrap();
        let f0 = |x: &[f32], fs: f32| {
            let w = 640;
            let (start, _) = (0..x.len() - w)
                .step_by(80)
                .map(|i| (i, x[i..i + w].iter().map(|v| v * v).sum::<f32>()))
                .fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
            let seg = &x[start..start + w];
            let lag = (40..200)
                .max_by(|&a, &b| {
                    let ac = |l: usize| {
                        seg[..w - l]
                            .iter()
                            .zip(&seg[l..])
                            .map(|(p, q)| p * q)
                            .sum::<f32>()
                    };
                    ac(a).total_cmp(&ac(b))
                })
                .unwrap();
            fs / lag as f32
        };
        let fa = f0(&utts[0].samples, 16_000.0);
        let fb = f0(&utts[1].samples, 16_000.0);
        assert_eq!(
            (utts[0].speaker.as_str(), utts[1].speaker.as_str()),
            ("SFA", "SMB")
        );
        assert!(fa > 1.4 * fb, "{fa} vs {fb}");
        assert!(
            (150.0..400.0).contains(&fa) && (80.0..220.0).contains(&fb),
            "{fa} {fb}"
        );
    }

    #[test]
    fn bad_parameters_are_errors() {
        let ok = SynthParams::default();
        assert!(ok.check().is_ok());
        assert_eq!(ok.len(), 420);
        let bad = [
            SynthParams {
                speakers: vec![],
                ..ok.clone()
            },
            SynthParams {
                emotions: vec![Emotion::Sad, Emotion::Sad],
                ..ok.clone()
            },
            SynthParams {
                utterances_per_class: 0,
                ..ok.clone()
            },
            SynthParams {
                sample_rate: 100,
                ..ok.clone()
            },
            SynthParams {
                variability: f32::NAN,
                ..ok.clone()
            },
            SynthParams {
                speakers: vec![SynthSpeaker {
                    id: "a_b".into(),
                    base_f0: 100.0,
                    tract_scale: 1.0,
                }],
                ..ok.clone()
            },
        ];
        for b in bad {
            assert!(
                matches!(b.check(), Err(DataError::InvalidParameter { .. })),
                "{b:?}"
            );
        }
        assert!(synthesize(&ok, 5, Emotion::Sad, 0).is_err());
        let u = synthesize(&ok, 1, Emotion::Sad, 0).unwrap();
        assert_eq!(u, generate(&ok).unwrap()[7 * 30 + 2 * 30]);
    }
}
