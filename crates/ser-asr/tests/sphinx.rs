//! PocketSphinx end to end on speech synthesised by espeak-ng at test time (nothing is
//! committed). Runs only with `--features sphinx`; the speech tests skip with a note when
//! `espeak-ng` is not installed.
#![cfg(feature = "sphinx")]

use std::f64::consts::PI;
use std::path::Path;
use std::process::Command;

use ser_asr::{AsrConfig, AsrError, Grammar, SAMPLE_RATE, Search, Transcriber, pcm16k_from_f32};

/// TESS target words used as the grammar's choices; the spoken ones are among them.
const WORDS: [&str; 12] = [
    "back", "bean", "chalk", "dog", "five", "goose", "jail", "mood", "rain", "thumb", "wheat",
    "young",
];

/// Speaks `text` with espeak-ng and returns it as 16 kHz PCM, or `None` (with a note) when
/// espeak-ng is not installed.
fn speak(text: &str) -> Option<Vec<i16>> {
    let out = match Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "140", "--stdout", text])
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("skipped: espeak-ng not available ({e}); apt-get install -y espeak-ng");
            return None;
        }
    };
    assert!(out.status.success(), "espeak-ng failed: {:?}", out);
    // espeak-ng streams with an unknown length in the header; fix the sizes for hound.
    let mut wav = out.stdout;
    let data_len = (wav.len() - 44) as u32;
    wav[4..8].copy_from_slice(&(data_len + 36).to_le_bytes());
    wav[40..44].copy_from_slice(&data_len.to_le_bytes());
    let reader = hound::WavReader::new(std::io::Cursor::new(wav)).expect("espeak-ng writes WAV");
    let spec = reader.spec();
    assert_eq!((spec.channels, spec.bits_per_sample), (1, 16));
    let samples: Vec<f32> = reader
        .into_samples::<i16>()
        .map(|s| f32::from(s.expect("16-bit sample")) / 32768.0)
        .collect();
    Some(pcm16k_from_f32(&samples, spec.sample_rate, sinc_resample).expect("finite audio"))
}

/// Test-only band-limited resampler: Hann-windowed sinc, cut-off at 0.9 × the lower Nyquist.
fn sinc_resample(x: &[f32], from: u32, to: u32) -> Result<Vec<f32>, AsrError> {
    let ratio = f64::from(to) / f64::from(from);
    let cutoff = 0.9 * ratio.min(1.0);
    let half = 32.0 / cutoff;
    let n_out = (x.len() as f64 * ratio).floor() as usize;
    Ok((0..n_out)
        .map(|i| {
            let t = i as f64 / ratio;
            let lo = (t - half).ceil().max(0.0) as usize;
            let hi = ((t + half).floor() as usize).min(x.len() - 1);
            (lo..=hi)
                .map(|j| {
                    let d = j as f64 - t;
                    let sinc = if d == 0.0 {
                        1.0
                    } else {
                        (PI * cutoff * d).sin() / (PI * cutoff * d)
                    };
                    let window = 0.5 + 0.5 * (PI * d / half).cos();
                    f64::from(x[j]) * cutoff * sinc * window
                })
                .sum::<f64>() as f32
        })
        .collect())
}

fn grammar_config() -> AsrConfig {
    AsrConfig::default().search(Search::Grammar(Grammar::tess(&WORDS).expect("valid words")))
}

#[test]
fn grammar_recognises_carrier_and_target_word() {
    let mut asr = Transcriber::new(&grammar_config()).unwrap();
    for word in ["dog", "rain", "thumb", "five"] {
        let Some(pcm) = speak(&format!("say the word {word}")) else {
            return;
        };
        let t = asr.transcribe(&pcm).unwrap();
        assert_eq!(t.text, format!("say the word {word}"), "{t:?}");
        assert_eq!(t.probability, None, "{t:?}");
    }
}

#[test]
fn language_model_transcribes_open_vocabulary() {
    // espeak-ng's robotic voice is hard for the en-us model (the pocketsphinx_continuous tool
    // hears "do you want" for "say the word"); "i would" survives every speed tried.
    let mut asr = Transcriber::new(&AsrConfig::default()).unwrap();
    let Some(pcm) = speak("i would like some coffee") else {
        return;
    };
    let t = asr.transcribe(&pcm).unwrap();
    assert!(t.contains_phrase("i would"), "{t:?}");
    let p = t.probability.unwrap();
    assert!((0.0..=1.0).contains(&p), "{t:?}");
}

#[test]
fn keyphrase_is_spotted_only_when_spoken() {
    let config = AsrConfig::default().search(Search::Keyphrase {
        phrase: "coffee".into(),
        threshold: 1e-30,
    });
    let mut asr = Transcriber::new(&config).unwrap();
    let Some(with) = speak("i would like some coffee") else {
        return;
    };
    let Some(without) = speak("the weather is cold today") else {
        return;
    };
    let t = asr.transcribe(&with).unwrap();
    assert_eq!(t.text, "coffee", "{t:?}");
    assert_eq!(t.probability, None);
    let t = asr.transcribe(&without).unwrap();
    assert_eq!(t.text, "", "{t:?}");
}

#[test]
fn silence_gives_no_words_and_empty_input_is_an_error() {
    let mut asr = Transcriber::new(&grammar_config()).unwrap();
    let t = asr.transcribe(&vec![0_i16; SAMPLE_RATE as usize]).unwrap();
    assert_eq!(t.text, "", "{t:?}");
    assert!(matches!(asr.transcribe(&[]), Err(AsrError::EmptyInput)));
}

#[test]
fn dictionary_lookup_and_unknown_grammar_words() {
    let config = grammar_config();
    let asr = Transcriber::new(&config).unwrap();
    assert!(asr.knows_word("dog").unwrap());
    assert!(asr.knows_word("Dog").unwrap());
    assert!(!asr.knows_word("qxzvvk").unwrap());
    assert!(matches!(
        asr.knows_word("do\0g"),
        Err(AsrError::InteriorNul {
            what: "word",
            position: 2
        })
    ));
    let bad =
        AsrConfig::default().search(Search::Grammar(Grammar::tess(&["dog", "qxzvvk"]).unwrap()));
    let err = Transcriber::new(&bad).unwrap_err();
    assert!(
        matches!(&err, AsrError::UnknownWord { word, dict } if word == "qxzvvk" && *dict == config.dict),
        "{err:?}"
    );
}

#[test]
fn bad_configurations_are_typed_errors() {
    let missing = AsrConfig::with_model_dir("/nonexistent/ser-asr-model");
    let err = Transcriber::new(&missing).unwrap_err();
    assert!(
        matches!(&err, AsrError::ModelMissing { path, .. } if path == Path::new("/nonexistent/ser-asr-model/en-us/mdef")),
        "{err:?}"
    );
    let no_lm = AsrConfig {
        lm: "/nonexistent/lm.bin".into(),
        ..AsrConfig::default()
    };
    assert!(matches!(
        Transcriber::new(&no_lm),
        Err(AsrError::ModelMissing {
            what: "language model",
            ..
        })
    ));
    let broken =
        AsrConfig::default().search(Search::Grammar(Grammar::from_jsgf("this is not jsgf")));
    let err = Transcriber::new(&broken).unwrap_err();
    assert!(
        matches!(
            err,
            AsrError::Decoder {
                step: "compile the grammar",
                ..
            }
        ),
        "{err:?}"
    );
    for threshold in [0.0, -1.0, f64::NAN] {
        let kws = AsrConfig::default().search(Search::Keyphrase {
            phrase: "say the word".into(),
            threshold,
        });
        assert!(matches!(
            Transcriber::new(&kws),
            Err(AsrError::InvalidThreshold { .. })
        ));
    }
}

#[test]
fn decoders_move_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<Transcriber>();
    let Some(pcm) = speak("say the word goose") else {
        return;
    };
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let asr = Transcriber::new(&grammar_config()).unwrap();
            let pcm = pcm.clone();
            std::thread::spawn(move || {
                let mut asr = asr;
                asr.transcribe(&pcm).unwrap().text
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), "say the word goose");
    }
}
