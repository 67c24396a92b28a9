"""Parity of ser.feature with librosa on synthetic signals. Tolerances are stated per function;
measured differences (librosa 0.11, numpy 2) are far inside them: ser computes the spectrogram
in float64 like librosa, so most agree to float32 rounding."""

from __future__ import annotations

import numpy as np
import pytest

import ser
from conftest import voice

librosa = pytest.importorskip("librosa")

RATES = (22050, 16000)


def rel_close(a, b, rtol, what):
    """max |a - b| <= rtol * max |b| (shapes equal)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    d = np.abs(a - b).max()
    assert d <= rtol * np.abs(b).max(), f"{what}: max |diff| {d:.3e} vs range {np.abs(b).max():.3e}"


def abs_close(a, b, atol, what):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    d = np.abs(a - b).max()
    assert d <= atol, f"{what}: max |diff| {d:.3e} > {atol:.1e}"


@pytest.fixture(scope="module", params=RATES)
def sig(request):
    sr = request.param
    return voice(sr, 2.0, 150.0, seed=sr), sr


def test_melspectrogram(sig):
    y, sr = sig
    # power mel: relative 1e-5 of the largest value (measured ~2e-7)
    rel_close(ser.feature.melspectrogram(y=y, sr=sr), librosa.feature.melspectrogram(y=y, sr=sr), 1e-5, "mel")
    kw = dict(n_fft=1024, hop_length=256, n_mels=40, fmin=50.0, fmax=sr / 2 - 500, htk=True, norm=None, power=1.0)
    rel_close(ser.feature.melspectrogram(y=y, sr=sr, **kw), librosa.feature.melspectrogram(y=y, sr=sr, **kw), 1e-5, "mel kw")
    S = np.abs(librosa.stft(y)) ** 2
    rel_close(ser.feature.melspectrogram(S=S, sr=sr), librosa.feature.melspectrogram(S=S, sr=sr), 1e-5, "mel S")


def test_mfcc(sig):
    y, sr = sig
    # dB-scale coefficients: absolute 1e-3 (measured ~6e-5)
    abs_close(ser.feature.mfcc(y=y, sr=sr), librosa.feature.mfcc(y=y, sr=sr), 1e-3, "mfcc")
    kw = dict(n_mfcc=40, n_mels=64, fmax=sr / 2 - 1000, htk=True, lifter=22, hop_length=256)
    abs_close(ser.feature.mfcc(y=y, sr=sr, **kw), librosa.feature.mfcc(y=y, sr=sr, **kw), 1e-3, "mfcc kw")
    S = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr))
    abs_close(ser.feature.mfcc(S=S, n_mfcc=13), librosa.feature.mfcc(S=S, n_mfcc=13), 1e-3, "mfcc S")
    stereo = np.stack([y, y[::-1].copy()])
    abs_close(ser.feature.mfcc(y=stereo, sr=sr), librosa.feature.mfcc(y=stereo, sr=sr), 1e-3, "mfcc stereo")


def test_chroma_stft(sig):
    y, sr = sig
    # values in [0, 1]: absolute 1e-4 (measured ~8e-7)
    abs_close(ser.feature.chroma_stft(y=y, sr=sr), librosa.feature.chroma_stft(y=y, sr=sr), 1e-4, "chroma")
    S = np.abs(librosa.stft(y, n_fft=4096)) ** 2
    abs_close(ser.feature.chroma_stft(S=S, sr=sr), librosa.feature.chroma_stft(S=S, sr=sr), 1e-4, "chroma S")
    abs_close(ser.feature.chroma_stft(y=y, sr=sr, tuning=0.2), librosa.feature.chroma_stft(y=y, sr=sr, tuning=0.2), 1e-4, "chroma tuning")
    stereo = np.stack([y, 0.5 * y[::-1]])
    abs_close(ser.feature.chroma_stft(y=stereo, sr=sr), librosa.feature.chroma_stft(y=stereo, sr=sr), 1e-4, "chroma stereo")


@pytest.mark.parametrize(
    "name,tol",
    [
        ("spectral_centroid", 1e-2),  # Hz (measured ~1.5e-4)
        ("spectral_bandwidth", 1e-2),  # Hz (measured ~1.3e-4)
        ("spectral_rolloff", 0.0),  # a bin frequency: identical
        ("spectral_contrast", 1e-3),  # dB (measured ~2e-6)
    ],
)
def test_spectral_shape(sig, name, tol):
    y, sr = sig
    for kw in ({}, {"n_fft": 1024, "hop_length": 256}):
        abs_close(getattr(ser.feature, name)(y=y, sr=sr, **kw), getattr(librosa.feature, name)(y=y, sr=sr, **kw), tol, f"{name} {kw}")


def test_flatness_zcr_rms(sig):
    y, _ = sig
    abs_close(ser.feature.spectral_flatness(y=y), librosa.feature.spectral_flatness(y=y), 1e-6, "flatness")  # measured ~7e-9
    abs_close(ser.feature.zero_crossing_rate(y), librosa.feature.zero_crossing_rate(y), 0.0, "zcr")  # identical
    abs_close(ser.feature.zero_crossing_rate(y, frame_length=1024, hop_length=128), librosa.feature.zero_crossing_rate(y, frame_length=1024, hop_length=128), 0.0, "zcr kw")
    abs_close(ser.feature.rms(y=y), librosa.feature.rms(y=y), 1e-6, "rms")  # measured ~1.5e-8
    abs_close(ser.feature.rms(y=y, frame_length=1024, hop_length=256), librosa.feature.rms(y=y, frame_length=1024, hop_length=256), 1e-6, "rms kw")


def test_delta_power_to_db_onset_tempo_yin_filters(sig):
    y, sr = sig
    M = librosa.feature.mfcc(y=y, sr=sr)
    abs_close(ser.feature.delta(M), librosa.feature.delta(M), 1e-4, "delta")  # measured ~7e-6
    abs_close(ser.feature.delta(M, order=2), librosa.feature.delta(M, order=2), 1e-4, "delta2")
    S = np.abs(librosa.stft(y)) ** 2
    abs_close(ser.power_to_db(S), librosa.power_to_db(S), 1e-4, "power_to_db")  # measured ~8e-6 dB
    abs_close(ser.power_to_db(S, ref=np.max, top_db=None), librosa.power_to_db(S, ref=np.max, top_db=None), 1e-4, "power_to_db ref=max")
    abs_close(ser.onset.onset_strength(y=y, sr=sr), librosa.onset.onset_strength(y=y, sr=sr), 1e-4, "onset")  # measured ~1e-6
    abs_close(ser.feature.tempo(y=y, sr=sr), librosa.feature.tempo(y=y, sr=sr), 1.0, "tempo")  # BPM (measured: equal)
    a, b = ser.yin(y, fmin=65, fmax=600, sr=sr), librosa.yin(y, fmin=65, fmax=600, sr=sr)
    assert a.shape == b.shape and np.max(np.abs(a - b) / b) <= 1e-3  # relative (measured ~4e-7)
    rel_close(ser.filters.mel(sr=sr, n_fft=2048), librosa.filters.mel(sr=sr, n_fft=2048), 1e-6, "filters.mel")  # identical
    rel_close(ser.filters.mel(sr=sr, n_fft=512, n_mels=40, htk=True), librosa.filters.mel(sr=sr, n_fft=512, n_mels=40, htk=True), 1e-6, "filters.mel htk")


def test_resample_matches_soxr_hq():
    # Full-band signal (noise reaching Nyquist): ser's sinc is fitted to soxr HQ's response
    # but is not soxr; the transition band differs slightly. Absolute 5e-3 on a 0.3-peak
    # signal (measured up to 2.8e-3, at 16 -> 44.1 kHz).
    for sr in RATES:
        y = voice(sr, 2.0, 150.0, seed=3)
        for to in (8000, 22050, 44100):
            if to == sr:
                continue
            a, b = ser.resample(y, orig_sr=sr, target_sr=to), librosa.resample(y, orig_sr=sr, target_sr=to)
            abs_close(a, b, 5e-3, f"resample {sr}->{to}")
            t = np.arange(2 * sr) / sr
            tone = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 1500 * t)).astype(np.float32)
            a, b = ser.resample(tone, orig_sr=sr, target_sr=to), librosa.resample(tone, orig_sr=sr, target_sr=to)
            abs_close(a, b, 5e-3, f"resample tone {sr}->{to}")
            # Away from the clip's edges (where the two treat the start differently: up to
            # 1.8e-3 in the first samples) a band-limited signal agrees to 1e-5 (measured 3e-7).
            e = to // 20
            abs_close(a[e:-e], b[e:-e], 1e-5, f"resample tone interior {sr}->{to}")


def test_import_ser_as_librosa_shapes():
    import ser as lr

    y = voice(22050, 1.0)
    assert lr.feature.mfcc(y=y, sr=22050).shape == (20, 1 + y.size // 512)
    assert lr.feature.melspectrogram(y=y).shape == (128, 1 + y.size // 512)
    assert lr.feature.chroma_stft(y=y).shape == (12, 1 + y.size // 512)
    assert lr.feature.spectral_contrast(y=y).shape == (7, 1 + y.size // 512)
    assert lr.feature.rms(y=y).shape == (1, 1 + y.size // 512)
