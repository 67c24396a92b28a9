//! Rendering one utterance: phones → timed segments → source–filter samples.

use std::f32::consts::TAU;

use super::dsp::{BandPass, Resonator, rosenberg_derivative};
use super::phones::{CARRIER, Kind, SCHWA, phone};
use super::prosody::Prosody;
use crate::rng::SeededRng;

/// Speaker constants.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Voice {
    pub base_f0: f32,
    pub tract_scale: f32,
}

/// Recording conditions of one utterance.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Conditions {
    /// Background noise level, dB re full scale (RMS).
    pub noise_floor_db: f32,
    /// First-difference channel colouring: `y = x − c·x[n−1]` (positive = brighter).
    pub channel: f32,
    /// Silence before speech, seconds.
    pub lead_s: f32,
    /// Silence after speech, seconds.
    pub tail_s: f32,
    /// Phase of the slow F0 wander, radians.
    pub wander_phase: f32,
}

/// Level of neutral speech: neutral utterances peak around 0.3 of full scale.
const LEVEL: f32 = 0.012;

#[derive(Debug, Clone, Copy)]
struct Seg {
    len: usize,
    f: [f32; 4],
    f_end: [f32; 4],
    nasal: bool,
    av: f32,
    ah: f32,
    af: f32,
    fric_hz: f32,
    fric_bw: f32,
}

#[derive(Debug, Clone, Copy)]
struct Accent {
    centre_s: f32,
    height: f32,
}

struct Plan {
    segs: Vec<Seg>,
    accents: Vec<Accent>,
    speech_start_s: f32,
    speech_end_s: f32,
    final_rise: (f32, f32),
}

fn samples(ms: f32, fs: f32) -> usize {
    (ms * 0.001 * fs).round().max(1.0) as usize
}

fn adjust(f: [f32; 4], p: &Prosody, scale: f32) -> [f32; 4] {
    let mut out = [0.0; 4];
    for i in 0..4 {
        let centred = SCHWA[i] + p.articulation * (f[i] - SCHWA[i]);
        out[i] = centred * scale * if i == 0 { p.f1_scale } else { 1.0 };
    }
    out
}

fn silence(len: usize, f: [f32; 4]) -> Seg {
    Seg {
        len,
        f,
        f_end: f,
        nasal: false,
        av: 0.0,
        ah: 0.0,
        af: 0.0,
        fric_hz: 1000.0,
        fric_bw: 1000.0,
    }
}

fn plan(word: &[&str], voice: &Voice, p: &Prosody, cond: &Conditions, fs: f32) -> Plan {
    let mut segs = Vec::new();
    let mut accents = Vec::new();
    let lead = samples(cond.lead_s * 1000.0, fs);
    let mut t = lead;
    segs.push(silence(lead, adjust(SCHWA, p, voice.tract_scale)));
    let words: Vec<(&[&str], f32, f32)> = CARRIER
        .iter()
        .zip([0.45, 0.0, 0.3])
        .map(|(w, a)| (*w, a, 1.0))
        .chain(std::iter::once((word, 1.0, 1.3)))
        .collect();
    let mut final_rise = (0.0, 0.0);
    let n_words = words.len();
    for (wi, (phones, accent, lengthen)) in words.into_iter().enumerate() {
        let target = wi + 1 == n_words;
        if wi > 0 {
            let pause_ms = if target { 110.0 } else { 25.0 } * p.pause_scale / p.rate;
            let f = segs.last().map_or(SCHWA, |s: &Seg| s.f_end);
            let len = samples(pause_ms, fs);
            segs.push(silence(len, f));
            t += len;
        }
        let ph: Vec<_> = phones.iter().filter_map(|s| phone(s)).collect();
        let vowel_f = ph
            .iter()
            .find(|x| x.kind == Kind::Vowel)
            .map_or(SCHWA, |v| v.f);
        let locus = adjust(
            [
                0.5 * (vowel_f[0] + SCHWA[0]),
                0.5 * (vowel_f[1] + SCHWA[1]),
                0.5 * (vowel_f[2] + SCHWA[2]),
                SCHWA[3],
            ],
            p,
            voice.tract_scale,
        );
        let stressed = accent > 0.0;
        for x in &ph {
            let d = x.dur_ms * lengthen / p.rate;
            let base = Seg {
                len: samples(d, fs),
                f: locus,
                f_end: locus,
                nasal: false,
                av: 0.0,
                ah: 0.0,
                af: 0.0,
                fric_hz: 1000.0,
                fric_bw: 1000.0,
            };
            match x.kind {
                Kind::Vowel => {
                    let d = if stressed { d } else { 0.55 * d };
                    let len = samples(d, fs);
                    let f = adjust(x.f, p, voice.tract_scale);
                    let f_end = adjust(x.f_end, p, voice.tract_scale);
                    if accent > 0.0 {
                        accents.push(Accent {
                            centre_s: (t as f32 + 0.5 * len as f32) / fs,
                            height: accent,
                        });
                    }
                    if target {
                        final_rise = ((t as f32 + 0.3 * len as f32) / fs, (t + len) as f32 / fs);
                    }
                    segs.push(Seg {
                        len,
                        f,
                        f_end,
                        av: 1.0,
                        ah: p.breathiness,
                        ..base
                    });
                    t += len;
                }
                Kind::Stop { voiced, burst_hz } => {
                    let closure = samples(0.6 * d, fs);
                    let burst = samples((0.12 * d).max(8.0), fs);
                    let vbar = if voiced { 0.12 } else { 0.0 };
                    segs.push(Seg {
                        len: closure,
                        av: vbar,
                        ..base
                    });
                    segs.push(Seg {
                        len: burst,
                        av: vbar,
                        af: 0.5,
                        fric_hz: burst_hz * voice.tract_scale,
                        fric_bw: 2000.0,
                        ..base
                    });
                    t += closure + burst;
                    if !voiced {
                        let asp = samples(0.35 * d, fs);
                        segs.push(Seg {
                            len: asp,
                            ah: 0.25,
                            ..base
                        });
                        t += asp;
                    }
                }
                Kind::Fricative {
                    voiced,
                    hz,
                    bw,
                    amp,
                } => {
                    segs.push(Seg {
                        av: if voiced { 0.45 } else { 0.0 },
                        af: amp,
                        fric_hz: hz * voice.tract_scale,
                        fric_bw: bw,
                        ..base
                    });
                    t += base.len;
                }
                Kind::Aspirate => {
                    let f = adjust(vowel_f, p, voice.tract_scale);
                    segs.push(Seg {
                        f,
                        f_end: f,
                        ah: 0.35,
                        ..base
                    });
                    t += base.len;
                }
                Kind::Nasal | Kind::Approximant => {
                    let f = adjust(x.f, p, voice.tract_scale);
                    let nasal = x.kind == Kind::Nasal;
                    segs.push(Seg {
                        f,
                        f_end: f,
                        nasal,
                        av: if nasal { 0.45 } else { 0.8 },
                        ah: 0.5 * p.breathiness,
                        ..base
                    });
                    t += base.len;
                }
            }
        }
    }
    let speech_end = t;
    let tail = samples(cond.tail_s * 1000.0, fs);
    let f = segs.last().map_or(SCHWA, |s| s.f_end);
    segs.push(silence(tail, f));
    Plan {
        segs,
        accents,
        speech_start_s: lead as f32 / fs,
        speech_end_s: speech_end as f32 / fs,
        final_rise,
    }
}

fn smoothstep(x: f32) -> f32 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// F0 in semitones relative to the speaker's base at time `t` seconds.
fn f0_semitones(t: f32, plan: &Plan, p: &Prosody, cond: &Conditions) -> f32 {
    let span = (plan.speech_end_s - plan.speech_start_s).max(1e-3);
    let x = ((t - plan.speech_start_s) / span).clamp(0.0, 1.0);
    let mut st = p.f0_shift_st + p.declination_st * (0.5 - x);
    for a in &plan.accents {
        let z = (t - a.centre_s) / p.accent_width_s.max(0.01);
        st += a.height * p.f0_range_st * (-0.5 * z * z).exp();
    }
    let (r0, r1) = plan.final_rise;
    if r1 > r0 {
        st += p.final_st * smoothstep((t - r0) / (r1 - r0));
    }
    st += p.wander_st
        * (0.7 * (TAU * 5.5 * t + cond.wander_phase).sin()
            + 0.5 * (TAU * 2.3 * t + 1.7 * cond.wander_phase).sin());
    st
}

/// Renders one utterance of "say the word `word`".
pub(crate) fn render(
    word: &[&str],
    voice: &Voice,
    p: &Prosody,
    cond: &Conditions,
    fs: u32,
    rng: &mut SeededRng,
) -> Vec<f32> {
    let fsf = fs as f32;
    let plan = plan(word, voice, p, cond, fsf);
    let total: usize = plan.segs.iter().map(|s| s.len).sum();
    let mut out = Vec::with_capacity(total);

    let mut tract = [Resonator::default(); 5];
    let mut fric = BandPass::default();
    let bw = |i: usize, nasal: bool| -> f32 {
        let b = [60.0 + 400.0 * p.breathiness, 90.0, 120.0, 160.0][i];
        if nasal { b * 2.0 } else { b }
    };
    tract[4].set(4500.0 * voice.tract_scale, 250.0, fsf);
    let smooth = (-1.0 / (0.004 * fsf)).exp();
    let tilt = p.tilt.clamp(0.0, 0.95);
    let (mut av, mut ah, mut af) = (0.0f32, 0.0f32, 0.0f32);
    let mut phase = 0.0f32;
    let mut period_mult = 1.0f32;
    let mut amp_mult = 1.0f32;
    let mut tilt_state = 0.0f32;
    let mut prev_f = plan.segs.first().map_or(SCHWA, |s| s.f);
    let mut cur_f = prev_f;
    let mut n_global = 0usize;
    let mut f0 = voice.base_f0;
    let gain = LEVEL * 10f32.powf(p.gain_db / 20.0);
    for seg in &plan.segs {
        let trans = (samples(30.0, fsf)).min(seg.len / 2).max(1);
        fric.set(seg.fric_hz, seg.fric_bw, fsf);
        for n in 0..seg.len {
            if n.is_multiple_of(32) {
                for (i, c) in cur_f.iter_mut().enumerate() {
                    *c = if n < trans {
                        prev_f[i] + (seg.f[i] - prev_f[i]) * smoothstep(n as f32 / trans as f32)
                    } else {
                        let x = (n - trans) as f32 / (seg.len - trans).max(1) as f32;
                        seg.f[i] + (seg.f_end[i] - seg.f[i]) * x
                    };
                }
                for (i, r) in tract.iter_mut().take(4).enumerate() {
                    r.set(cur_f[i], bw(i, seg.nasal), fsf);
                }
            }
            av = seg.av + (av - seg.av) * smooth;
            ah = seg.ah + (ah - seg.ah) * smooth;
            af = seg.af + (af - seg.af) * smooth;

            if n_global.is_multiple_of(32) {
                let t = n_global as f32 / fsf;
                f0 = voice.base_f0 * 2f32.powf(f0_semitones(t, &plan, p, cond) / 12.0);
            }
            phase += f0 / (fsf * period_mult);
            if phase >= 1.0 {
                phase -= 1.0;
                period_mult = 1.0 + p.jitter * rng.normal() as f32;
                amp_mult = (1.0 + p.shimmer * rng.normal() as f32).max(0.0);
            }
            let g = rosenberg_derivative(phase, p.open_quotient, p.closing_fraction);
            let src = g * av * amp_mult;
            tilt_state = (1.0 - tilt) * src + tilt * tilt_state;
            let open = if phase < p.open_quotient { 1.0 } else { 0.3 };
            let noise = 2.0 * rng.next_f32() - 1.0;
            let asp = 6.0 * noise * ah * open;
            let mut y = tilt_state + asp;
            for r in &mut tract {
                y = r.process(y);
            }
            let noise2 = 2.0 * rng.next_f32() - 1.0;
            let fr = fric.process(noise2) * af * 8.0;
            out.push((y + fr) * gain);
            n_global += 1;
        }
        prev_f = cur_f;
    }

    // channel colouring and background noise
    let floor = 10f32.powf(cond.noise_floor_db / 20.0) * 3f32.sqrt();
    let mut prev = 0.0f32;
    for x in &mut out {
        let y = *x - cond.channel * prev;
        prev = *x;
        *x = y + floor * (2.0 * rng.next_f32() - 1.0);
    }
    let peak = out.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if peak > 0.98 {
        let k = 0.98 / peak;
        out.iter_mut().for_each(|x| *x *= k);
    }
    out
}
