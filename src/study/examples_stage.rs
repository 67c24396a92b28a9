//! Stages 3–4: one clip per emotion — waveplot, dB spectrogram and transcript.

use std::path::Path;

use ser_asr::{AsrConfig, AsrError, Transcriber, pcm16k_from_f32};
use ser_audio::{LoadOptions, load, resample};
use ser_data::Corpus;
use ser_features::db::{DbParams, power_to_db};
use ser_features::stft::Stft;

use super::{ExampleClip, Stages, StudyError};
use crate::plots::{spectrogram_db, waveplot};

/// STFT size and hop of the spectrograms (librosa's defaults).
const N_FFT: usize = 2048;
const HOP: usize = 512;
/// Rate of the example clips (librosa's default load).
const STUDY_RATE: u32 = 22_050;

/// Stage 3: for each class (emotion), its first clip (in path order) drawn as a waveplot and a dB
/// spectrogram, loaded as librosa does by default (22050 Hz, mono, whole file).
pub(crate) fn plots(
    corpus: &Corpus,
    out: &Path,
    stages: &Stages,
) -> Result<Vec<ExampleClip>, StudyError> {
    let stft = Stft::new(N_FFT, HOP)?;
    let mut clips = Vec::new();
    let mut used = std::collections::BTreeSet::new();
    for class in corpus.classes() {
        let Some(item) = corpus.items.iter().find(|i| i.label.class == class) else {
            continue;
        };
        let name = class.as_str();
        let file_part = file_part(name, &mut used);
        let audio = load(&item.label.path, &LoadOptions::default())?;
        let wave = format!("wave_{file_part}.png");
        waveplot(
            &out.join(&wave),
            &format!("Waveplot: {name}"),
            &audio.samples,
            audio.sample_rate,
        )?;
        let power = stft.power_spectrogram(&audio.samples)?;
        let db = power_to_db(power.view(), &DbParams::default())?;
        let spec = format!("spectrogram_{file_part}.png");
        spectrogram_db(
            &out.join(&spec),
            &format!("Spectrogram (dB): {name}"),
            &db,
            audio.sample_rate,
            HOP as u32,
        )?;
        stages.say(format!(
            "{name}: {} ({:.2} s) → {wave}, {spec}",
            item.label.path.display(),
            audio.duration_seconds()
        ));
        clips.push(ExampleClip {
            emotion: name.to_string(),
            file: item.label.path.clone(),
            waveplot: wave,
            spectrogram: spec,
            transcript: None,
            samples: audio.samples,
        });
    }
    Ok(clips)
}

/// A class name as part of a file name: ASCII letters, digits, `-` and `_` kept, anything else
/// `_`; a number added when another class already gave the same text.
fn file_part(class: &str, used: &mut std::collections::BTreeSet<String>) -> String {
    let base: String = class
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut name = if base.is_empty() {
        "class".into()
    } else {
        base
    };
    let stem = name.clone();
    let mut k = 2;
    while !used.insert(name.clone()) {
        name = format!("{stem}-{k}");
        k += 1;
    }
    name
}

/// Stage 4: transcribes the example clips with CMU PocketSphinx when the `asr` feature is built
/// in (open-vocabulary en-us language model, as the seed used a general recogniser); otherwise
/// says plainly that it is off. Returns a one-line status.
pub(crate) fn transcribe(clips: &mut [ExampleClip], stages: &Stages) -> String {
    let mut recogniser = match Transcriber::new(&AsrConfig::default()) {
        Ok(t) => t,
        Err(AsrError::Disabled) => {
            let status = "off: this build has no speech recogniser (build with `--features asr`, \
                          which needs libpocketsphinx-dev and pocketsphinx-en-us)"
                .to_string();
            stages.say(&status);
            return status;
        }
        Err(e) => {
            let status = format!("unavailable: {e}");
            stages.say(&status);
            return status;
        }
    };
    let (mut done, mut carrier) = (0, 0);
    for clip in clips.iter_mut() {
        let heard = pcm16k_from_f32(&clip.samples, STUDY_RATE, resample)
            .and_then(|pcm| recogniser.transcribe(&pcm));
        match heard {
            Ok(t) => {
                done += 1;
                if t.contains_phrase("say the word") {
                    carrier += 1;
                }
                stages.say(format!("{}: “{}”", clip.emotion, t.text));
                clip.transcript = Some(t.text);
            }
            Err(e) => stages.say(format!("{}: {}: {e}", clip.emotion, clip.file.display())),
        }
    }
    let status = format!(
        "CMU PocketSphinx, en-us language model: {done} of {} clips transcribed; \
         the carrier phrase “say the word” heard in {carrier}",
        clips.len()
    );
    stages.say(&status);
    status
}
