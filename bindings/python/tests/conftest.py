"""Shared fixtures: synthetic audio only (sines, harmonics, noise), written by soundfile."""

from __future__ import annotations

import os
import pathlib
import shutil

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]


def voice(sr: int, seconds: float = 1.5, f0: float = 140.0, seed: int = 0, tilt: float = 1.0) -> np.ndarray:
    """A harmonic 'voice': a vibrato on f0, 11 harmonics (amplitude ~ k^-tilt), a syllable-rate
    envelope and a little noise; peak 0.3."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    f = f0 * (1 + 0.08 * np.sin(2 * np.pi * (1.1 + 0.2 * rng.random()) * t))
    ph = 2 * np.pi * np.cumsum(f) / sr
    y = sum(np.sin(k * ph + rng.random()) / k**tilt for k in range(1, 12))
    y = y * (0.35 + 0.65 * np.sin(2 * np.pi * (2.0 + rng.random()) * t) ** 2)
    y = 0.3 * y / np.abs(y).max() + 0.005 * rng.standard_normal(t.size)
    return y.astype(np.float32)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """A small labelled corpus: 3 speakers x 2 emotions x 4 clips (1.5 s, 22050 Hz WAV); the
    'high' clips have a higher, brighter voice. Returns (rows, folder)."""
    sf = pytest.importorskip("soundfile")
    root = tmp_path_factory.mktemp("corpus")
    rows = []
    for s, base in enumerate((110.0, 150.0, 200.0)):
        for label, (mult, tilt) in {"low": (1.0, 1.6), "high": (1.6, 0.7)}.items():
            for i in range(4):
                path = root / f"spk{s}_{label}_{i}.wav"
                y = voice(22050, 1.5, base * mult * (1 + 0.03 * i), seed=100 * s + 10 * i + len(label), tilt=tilt)
                sf.write(path, y, 22050, subtype="PCM_16")
                rows.append({"path": str(path), "label": label, "speaker": f"spk{s}"})
    return rows, root


@pytest.fixture(scope="session")
def examples_dir():
    """Where the Rust examples are (SER_EXAMPLES_DIR, else target/release/examples)."""
    return pathlib.Path(os.environ.get("SER_EXAMPLES_DIR", REPO / "target" / "release" / "examples"))


def example(examples_dir: pathlib.Path, name: str) -> str:
    exe = examples_dir / name
    if not exe.is_file() and shutil.which(str(exe)) is None:
        pytest.skip(
            f"the Rust `{name}` example is not built ({exe} missing): "
            f"run `cargo build --release --example {name}` at the repository root, or set SER_EXAMPLES_DIR"
        )
    return str(exe)
