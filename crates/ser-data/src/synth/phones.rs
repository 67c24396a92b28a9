//! Phone inventory, the carrier phrase and the word list of the synthetic corpus.

/// What a phone does at the source and in the tract.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    /// Voiced, formants `f` (moving to `f_end` for a diphthong).
    Vowel,
    /// Closure, burst at `burst_hz`, aspiration when voiceless.
    Stop { voiced: bool, burst_hz: f32 },
    /// Frication noise at `hz` with bandwidth `bw` and relative amplitude `amp`.
    Fricative {
        voiced: bool,
        hz: f32,
        bw: f32,
        amp: f32,
    },
    /// Aspiration through the tract of the next vowel (`h`).
    Aspirate,
    /// Voiced, damped, low first formant.
    Nasal,
    /// Voiced glide with its own formants.
    Approximant,
}

/// One phone: kind, formant targets (Hz, adult male tract) and nominal duration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Phone {
    pub kind: Kind,
    pub f: [f32; 4],
    pub f_end: [f32; 4],
    pub dur_ms: f32,
}

const fn vowel(f1: f32, f2: f32, f3: f32) -> Phone {
    Phone {
        kind: Kind::Vowel,
        f: [f1, f2, f3, 3500.0],
        f_end: [f1, f2, f3, 3500.0],
        dur_ms: 140.0,
    }
}

const fn diphthong(a: [f32; 3], b: [f32; 3]) -> Phone {
    Phone {
        kind: Kind::Vowel,
        f: [a[0], a[1], a[2], 3500.0],
        f_end: [b[0], b[1], b[2], 3500.0],
        dur_ms: 190.0,
    }
}

const fn other(kind: Kind, f: [f32; 3], dur_ms: f32) -> Phone {
    Phone {
        kind,
        f: [f[0], f[1], f[2], 3500.0],
        f_end: [f[0], f[1], f[2], 3500.0],
        dur_ms,
    }
}

/// Neutral tract (schwa), where relaxed articulation drifts to.
pub(crate) const SCHWA: [f32; 4] = [500.0, 1500.0, 2500.0, 3500.0];

// Vowel formants: Peterson & Barney (1952), adult male averages.
const AE: [f32; 3] = [660.0, 1720.0, 2410.0];
const AA: [f32; 3] = [730.0, 1090.0, 2440.0];
const AO: [f32; 3] = [570.0, 840.0, 2410.0];
const IY: [f32; 3] = [270.0, 2290.0, 3010.0];
const UW: [f32; 3] = [300.0, 870.0, 2240.0];
const EH: [f32; 3] = [530.0, 1840.0, 2480.0];

/// The phone written `sym`, if any.
pub(crate) fn phone(sym: &str) -> Option<Phone> {
    let p = match sym {
        "a" => vowel(AE[0], AE[1], AE[2]),
        "e" => vowel(EH[0], EH[1], EH[2]),
        "i" => vowel(390.0, 1990.0, 2550.0),
        "o" => vowel(AA[0], AA[1], AA[2]),
        "u" => vowel(640.0, 1190.0, 2390.0),
        "ee" => vowel(IY[0], IY[1], IY[2]),
        "oo" => vowel(UW[0], UW[1], UW[2]),
        "aw" => vowel(AO[0], AO[1], AO[2]),
        "er" => vowel(490.0, 1350.0, 1690.0),
        "ey" => diphthong(EH, IY),
        "ay" => diphthong(AA, IY),
        "ow" => diphthong(AA, UW),
        "oh" => diphthong(AO, UW),
        "p" => other(
            Kind::Stop {
                voiced: false,
                burst_hz: 900.0,
            },
            SCHWA3,
            70.0,
        ),
        "t" => other(
            Kind::Stop {
                voiced: false,
                burst_hz: 4200.0,
            },
            SCHWA3,
            70.0,
        ),
        "k" => other(
            Kind::Stop {
                voiced: false,
                burst_hz: 2200.0,
            },
            SCHWA3,
            75.0,
        ),
        "b" => other(
            Kind::Stop {
                voiced: true,
                burst_hz: 900.0,
            },
            SCHWA3,
            60.0,
        ),
        "d" => other(
            Kind::Stop {
                voiced: true,
                burst_hz: 4000.0,
            },
            SCHWA3,
            60.0,
        ),
        "g" => other(
            Kind::Stop {
                voiced: true,
                burst_hz: 2100.0,
            },
            SCHWA3,
            65.0,
        ),
        "s" => fric(false, 6000.0, 2500.0, 0.35, 110.0),
        "z" => fric(true, 6000.0, 2500.0, 0.2, 80.0),
        "sh" => fric(false, 3000.0, 1500.0, 0.35, 110.0),
        "f" => fric(false, 5000.0, 5000.0, 0.08, 95.0),
        "v" => fric(true, 4500.0, 5000.0, 0.05, 70.0),
        "th" => fric(false, 5500.0, 5000.0, 0.06, 95.0),
        "dh" => fric(true, 5000.0, 5000.0, 0.04, 50.0),
        "h" => other(Kind::Aspirate, SCHWA3, 70.0),
        "m" => other(Kind::Nasal, [250.0, 1100.0, 2300.0], 70.0),
        "n" => other(Kind::Nasal, [250.0, 1600.0, 2500.0], 65.0),
        "l" => other(Kind::Approximant, [360.0, 1300.0, 2700.0], 60.0),
        "r" => other(Kind::Approximant, [420.0, 1300.0, 1600.0], 60.0),
        "w" => other(Kind::Approximant, [300.0, 610.0, 2200.0], 55.0),
        "y" => other(Kind::Approximant, [260.0, 2070.0, 3020.0], 55.0),
        _ => return None,
    };
    Some(p)
}

const SCHWA3: [f32; 3] = [SCHWA[0], SCHWA[1], SCHWA[2]];

const fn fric(voiced: bool, hz: f32, bw: f32, amp: f32, dur_ms: f32) -> Phone {
    other(
        Kind::Fricative {
            voiced,
            hz,
            bw,
            amp,
        },
        SCHWA3,
        dur_ms,
    )
}

/// The carrier phrase, TESS's "Say the word ...", as words of phone symbols.
pub(crate) const CARRIER: [&[&str]; 3] = [&["s", "ey"], &["dh", "u"], &["w", "er", "d"]];

/// Target words: spelling and phones (monosyllables in the manner of TESS's NU-6 list).
pub(crate) const WORDS: [(&str, &[&str]); 48] = [
    ("back", &["b", "a", "k"]),
    ("bean", &["b", "ee", "n"]),
    ("bite", &["b", "ay", "t"]),
    ("boat", &["b", "oh", "t"]),
    ("cab", &["k", "a", "b"]),
    ("calm", &["k", "o", "m"]),
    ("dab", &["d", "a", "b"]),
    ("dead", &["d", "e", "d"]),
    ("deep", &["d", "ee", "p"]),
    ("dime", &["d", "ay", "m"]),
    ("dog", &["d", "aw", "g"]),
    ("fail", &["f", "ey", "l"]),
    ("fat", &["f", "a", "t"]),
    ("food", &["f", "oo", "d"]),
    ("gas", &["g", "a", "s"]),
    ("goal", &["g", "oh", "l"]),
    ("hall", &["h", "aw", "l"]),
    ("hate", &["h", "ey", "t"]),
    ("keen", &["k", "ee", "n"]),
    ("kite", &["k", "ay", "t"]),
    ("lean", &["l", "ee", "n"]),
    ("lot", &["l", "o", "t"]),
    ("mad", &["m", "a", "d"]),
    ("make", &["m", "ey", "k"]),
    ("mob", &["m", "o", "b"]),
    ("moon", &["m", "oo", "n"]),
    ("nag", &["n", "a", "g"]),
    ("neat", &["n", "ee", "t"]),
    ("note", &["n", "oh", "t"]),
    ("pad", &["p", "a", "d"]),
    ("pain", &["p", "ey", "n"]),
    ("pick", &["p", "i", "k"]),
    ("pool", &["p", "oo", "l"]),
    ("rain", &["r", "ey", "n"]),
    ("read", &["r", "ee", "d"]),
    ("room", &["r", "oo", "m"]),
    ("sail", &["s", "ey", "l"]),
    ("seat", &["s", "ee", "t"]),
    ("shall", &["sh", "a", "l"]),
    ("shout", &["sh", "ow", "t"]),
    ("sub", &["s", "u", "b"]),
    ("tape", &["t", "ey", "p"]),
    ("team", &["t", "ee", "m"]),
    ("tip", &["t", "i", "p"]),
    ("vine", &["v", "ay", "n"]),
    ("wag", &["w", "a", "g"]),
    ("wheat", &["w", "ee", "t"]),
    ("youth", &["y", "oo", "th"]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_symbol_used_exists_and_words_are_distinct() {
        for (name, phones) in WORDS {
            for s in phones {
                assert!(phone(s).is_some(), "{name}: {s}");
            }
            assert!(name.chars().all(|c| c.is_ascii_lowercase()), "{name}");
        }
        for w in CARRIER {
            for s in w {
                assert!(phone(s).is_some(), "{s}");
            }
        }
        let mut names: Vec<&str> = WORDS.iter().map(|w| w.0).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), WORDS.len());
        assert!(phone("qq").is_none());
    }
}
