"""ser.dask.extract on a two-process LocalCluster equals ser.extract row for row."""

from __future__ import annotations

import pytest

import ser

distributed = pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")

pytestmark = pytest.mark.dask


def test_dask_extract_equals_single_process(corpus, tmp_path):
    rows, _ = corpus
    paths = [r["path"] for r in rows] + [str(tmp_path / "missing.wav")]
    expected = ser.extract(paths)
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        got = ser.dask.extract(paths, client=client, batch_size=5, n_jobs=1)
        assert got.equals(expected)
        manifest = tmp_path / "m.csv"
        manifest.write_text("path,label\n" + "".join(f"{p},x\n" for p in paths))
        df = ser.dask.extract(manifest, client=client, batch_size=7, as_pandas=True)
    assert df.equals(expected.to_pandas())
