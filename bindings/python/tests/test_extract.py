"""ser.extract: one row per file, in order, an error column, the others still computed."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pyarrow as pa
import pytest

import ser
from conftest import example


@pytest.fixture(scope="module")
def files_with_a_corrupt_one(corpus, tmp_path_factory):
    rows, _ = corpus
    bad = tmp_path_factory.mktemp("bad") / "corrupt.wav"
    bad.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + b"\x00" * 7)
    paths = [r["path"] for r in rows[:5]] + [str(bad)] + [r["path"] for r in rows[5:9]]
    return paths, 5


def test_extract_table_with_an_error_row(files_with_a_corrupt_one):
    paths, bad = files_with_a_corrupt_one
    t = ser.extract(paths)
    assert isinstance(t, pa.Table) and t.num_rows == len(paths)
    # the default is the robust preset's set: the 128 functionals, then the 92 eGeMAPS-style
    names = ser.feature_names()
    assert names == ser.feature_names("paralinguistic")
    assert names[:128] == ser.feature_names("functionals") and len(names) == 220
    assert t.column_names == ["path", "error", *names]
    assert t.column("path").to_pylist() == paths
    errors = t.column("error").to_pylist()
    assert [i for i, e in enumerate(errors) if e is not None] == [bad]
    assert "corrupt.wav" in errors[bad]
    assert t.schema.field(names[0]).type == pa.float32()
    assert all(t.column(n)[bad].as_py() is None for n in names)
    good = t.drop_columns(["path", "error"]).to_pandas().drop(index=bad).to_numpy()
    assert np.isfinite(good).all()
    # each row equals that file extracted alone (order = input order), single-threaded too
    alone = ser.extract([paths[7]], n_jobs=1)
    assert alone.slice(0, 1).drop_columns(["path"]).equals(t.slice(7, 1).drop_columns(["path"]))


@pytest.mark.parametrize(
    "features,width", [("mfcc40", 40), ("enriched", 189), ("functionals", 128), ("egemaps", 92)]
)
def test_other_feature_sets_and_pandas(corpus, features, width):
    rows, _ = corpus
    df = ser.extract([r["path"] for r in rows[:3]], features=features, as_pandas=True)
    assert df.shape == (3, 2 + width) and df["error"].isna().all()
    assert list(df.columns[2:]) == ser.feature_names(features)


def test_extract_equals_the_rust_features_example(files_with_a_corrupt_one, examples_dir):
    exe = example(examples_dir, "features")
    paths, bad = files_with_a_corrupt_one
    out = subprocess.run([exe, *paths], capture_output=True, text=True)
    lines = [json.loads(l) for l in out.stdout.splitlines()]
    t = ser.extract(paths).to_pylist()
    assert len(lines) == len(t)
    for cli, py in zip(lines, t):
        assert cli["file"] == py["path"]
        assert (cli["error"] is None) == (py["error"] is None)
        for name in ser.feature_names():
            a, b = cli[name], py[name]
            assert (a is None and b is None) or np.float32(a) == np.float32(b), name
