//! Without the `sphinx` feature the crate still builds and says plainly that ASR is off.
#![cfg(not(feature = "sphinx"))]

use ser_asr::{AVAILABLE, AsrConfig, AsrError, Grammar, Search, Transcriber};

#[test]
fn every_search_reports_that_recognition_is_off() {
    const { assert!(!AVAILABLE) };
    let grammar = Grammar::tess(&["dog"]).unwrap();
    for search in [Search::LanguageModel, Search::Grammar(grammar)] {
        let err = Transcriber::new(&AsrConfig::default().search(search)).unwrap_err();
        assert!(matches!(err, AsrError::Disabled), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("speech recognition is off"), "{message}");
        assert!(message.contains("--features asr"), "{message}");
    }
}
