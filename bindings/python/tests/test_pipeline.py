"""ser.Pipeline: fit in Python, save, load, predict; model files shared with the Rust examples."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

import ser
from conftest import example


@pytest.fixture(scope="module")
def fitted(corpus):
    rows, _ = corpus
    df = pd.DataFrame(rows)
    return ser.Pipeline.fit(df, preset="robust"), df


def test_fit_predict_save_load_round_trip(fitted, tmp_path):
    pipe, df = fitted
    assert pipe.classes == ["high", "low"] and pipe.features == "paralinguistic" and pipe.per_speaker
    paths = list(df["path"])
    first = pipe.predict(paths, same_speaker=True)
    assert [r["path"] for r in first] == paths
    assert all(r["error"] is None and r["speech"] for r in first)
    # the two voices are easy to tell apart: most files right
    right = sum(r["emotion"] == lab for r, lab in zip(first, df["label"]))
    assert right >= 0.75 * len(paths)
    for r in first:
        assert abs(sum(r["scores"].values()) - 1) < 1e-5
        assert r["emotion"] == max(r["scores"], key=r["scores"].get)
    model = tmp_path / "model.json"
    pipe.save(model)
    again = ser.Pipeline.load(model)
    assert again.classes == pipe.classes
    assert again.predict(paths, same_speaker=True) == first
    table = again.predict(paths[:3], as_pandas=True)
    assert list(table.columns) == ["path", "emotion", "normalisation", "speech", "reason", "error", "high", "low"]
    assert (table["normalisation"] == "training-fallback").all()


def test_fit_from_lists_and_from_a_manifest(corpus, tmp_path):
    rows, _ = corpus
    paths = [r["path"] for r in rows]
    labels = [r["label"] for r in rows]
    speakers = [r["speaker"] for r in rows]
    a = ser.Pipeline.fit(paths, labels, speakers, preset="robust", features="mfcc40")
    manifest = tmp_path / "m.csv"
    pd.DataFrame(rows).to_csv(manifest, index=False)
    b = ser.Pipeline.fit(str(manifest), features="mfcc40")
    pa_, pb = a.predict(paths[:6], same_speaker=True), b.predict(paths[:6], same_speaker=True)
    assert pa_ == pb


def test_silence_and_bad_files_in_predict(fitted, tmp_path):
    sf = pytest.importorskip("soundfile")
    pipe, df = fitted
    quiet = tmp_path / "quiet.wav"
    sf.write(quiet, np.zeros(22050, np.float32), 22050)
    out = pipe.predict([df["path"][0], str(quiet), str(tmp_path / "missing.wav")])
    assert out[0]["error"] is None and out[0]["emotion"] is not None
    assert out[1]["emotion"] is None and out[1]["speech"] is False and "no speech" in out[1]["reason"]
    assert out[2]["error"] is not None and "missing.wav" in out[2]["error"]


def _cli_lines(exe, model, paths, *flags):
    out = subprocess.run([exe, str(model), *paths, *flags], capture_output=True, text=True)
    return [json.loads(l) for l in out.stdout.splitlines()]


def _same(cli, py):
    assert cli["file"] == py["path"]
    assert cli.get("emotion") == py["emotion"]
    assert cli.get("normalisation") == py["normalisation"]
    for c, v in cli["scores"].items():
        assert np.float32(v) == np.float32(py["scores"][c]), c


def test_python_model_file_in_the_rust_predict_example(fitted, tmp_path, examples_dir):
    exe = example(examples_dir, "predict")
    pipe, df = fitted
    model = tmp_path / "py-model.json"
    pipe.save(model)
    paths = list(df["path"][:8])
    for flags, kw in (((), {}), (("--same-speaker",), {"same_speaker": True})):
        cli = _cli_lines(exe, model, paths, *flags)
        py = pipe.predict(paths, **kw)
        assert len(cli) == len(py)
        for c, p in zip(cli, py):
            _same(c, p)


def test_rust_trained_model_file_in_python(corpus, tmp_path, examples_dir):
    train = example(examples_dir, "train")
    exe = example(examples_dir, "predict")
    rows, _ = corpus
    manifest = tmp_path / "m.csv"
    pd.DataFrame(rows).to_csv(manifest, index=False)
    model = tmp_path / "rust-model.json"
    done = subprocess.run([train, "--data", str(manifest), "--out", str(model)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    pipe = ser.Pipeline.load(model)
    paths = [r["path"] for r in rows[::3]]
    for c, p in zip(_cli_lines(exe, model, paths, "--same-speaker"), pipe.predict(paths, same_speaker=True)):
        _same(c, p)
    # and fitting the same manifest from Python gives the same pipeline's predictions
    mine = ser.Pipeline.fit(str(manifest))
    assert mine.predict(paths, same_speaker=True) == pipe.predict(paths, same_speaker=True)
