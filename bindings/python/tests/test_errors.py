"""Bad inputs raise the right exceptions."""

from __future__ import annotations

import numpy as np
import pytest

import ser
from conftest import voice


def test_exception_hierarchy():
    for e in (ser.AudioError, ser.FeatureError, ser.ModelError):
        assert issubclass(e, ser.SerError) and issubclass(e, Exception)


def test_missing_and_corrupt_files_raise_audio_error_naming_the_file(tmp_path):
    missing = tmp_path / "nope.wav"
    with pytest.raises(ser.AudioError, match="nope.wav"):
        ser.load(missing)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk")
    with pytest.raises(ser.AudioError, match="bad.wav"):
        ser.load(bad)
    text = tmp_path / "notes.wav"
    text.write_text("hello, not audio")
    with pytest.raises(ser.AudioError, match="notes.wav"):
        ser.load(text)
    with pytest.raises(ser.AudioError):
        ser.load(tmp_path)  # a folder


def test_bad_model_files_raise_model_error(tmp_path):
    with pytest.raises(ser.ModelError, match="missing.json"):
        ser.Pipeline.load(tmp_path / "missing.json")
    junk = tmp_path / "junk.json"
    junk.write_text('{"format": "something else"}')
    with pytest.raises(ser.ModelError, match="junk.json"):
        ser.Pipeline.load(junk)


def test_feature_errors():
    with pytest.raises(ser.FeatureError):
        ser.feature.mfcc(y=np.zeros(0, np.float32))
    with pytest.raises(ser.FeatureError):
        ser.feature.mfcc(y=np.array([0.1, np.nan] * 2000, np.float32))
    with pytest.raises(ser.FeatureError):
        ser.feature.delta(np.zeros((3, 5), np.float32))  # fewer than 9 frames
    with pytest.raises(ser.FeatureError):
        ser.feature.mfcc(y=voice(22050, 0.5), n_mfcc=200)  # more than n_mels


def test_unsupported_arguments_raise_value_or_type_error():
    y = voice(22050, 0.5)
    with pytest.raises(ValueError):
        ser.feature.mfcc(y=y, dct_type=3)
    with pytest.raises(ValueError):
        ser.feature.melspectrogram(y=y, window="hamming")
    with pytest.raises(ValueError):
        ser.feature.melspectrogram(y=y, center=False)
    with pytest.raises(ValueError):
        ser.feature.spectral_centroid(S=np.ones((1025, 4), np.float32))
    with pytest.raises(ValueError):
        ser.feature.spectral_rolloff(y=y, roll_percent=0.9)
    with pytest.raises(ValueError):
        ser.feature.chroma_stft(y=y, n_chroma=24)
    with pytest.raises(TypeError):
        ser.feature.mfcc(y=y, n_mfcc=2.5)
    with pytest.raises(TypeError):
        ser.feature.mfcc(y=y, bogus=1)
    with pytest.raises(TypeError):
        ser.feature.mfcc(y=np.array(["a", "b"]))
    with pytest.raises(ValueError):
        ser.feature.mfcc(y=y, sr=-5)
    with pytest.raises(ValueError):
        ser.load("x.wav", res_type="kaiser_best")
    with pytest.raises(ValueError):
        ser.extract(["a.wav"], features="nope")
    with pytest.raises(TypeError):
        ser.extract("a.wav")
    with pytest.raises(ValueError):
        ser.extract(["a.wav"], n_jobs=0)
    with pytest.raises(ValueError):
        ser.Pipeline.fit(["a.wav"], ["x"], preset="fast")
