"""``ser.dask.extract``: ``ser.extract`` spread over a Dask cluster, batch by batch.

Each batch of paths goes to one worker, which runs ``ser.extract`` on it (with every core of
that worker, or ``n_jobs``); the batches' tables are concatenated in input order, so the
result equals single-process ``ser.extract`` row for row. The files must be readable by every
worker at the same path (shared storage), and the ``ser`` wheel installed on every worker.
"""

from __future__ import annotations

import csv
import os
from typing import Any, Iterable, List, Optional, Union

__all__ = ["extract", "manifest_paths"]


def manifest_paths(manifest: Union[str, "os.PathLike[str]"]) -> List[str]:
    """The ``path`` column of a manifest (CSV or TSV with a header; relative paths are
    relative to the manifest's folder), in file order."""
    manifest = os.fspath(manifest)
    with open(manifest, newline="", encoding="utf-8-sig") as f:
        head = f.readline()
        f.seek(0)
        reader = csv.DictReader(f, delimiter="\t" if "\t" in head else ",")
        fields = {k.strip().lower(): k for k in (reader.fieldnames or [])}
        if "path" not in fields:
            raise ValueError(f"{manifest}: no 'path' column")
        base = os.path.dirname(os.path.abspath(manifest))
        return [os.path.join(base, row[fields["path"]].strip()) for row in reader]


def _batch(paths: List[str], features: str, n_jobs: Optional[int]) -> Any:
    """Runs on a worker: ``ser.extract`` of one batch as a pyarrow table."""
    import ser

    return ser.extract(paths, features=features, n_jobs=n_jobs)


def extract(
    paths_or_manifest: Union[str, "os.PathLike[str]", Iterable[Union[str, "os.PathLike[str]"]]],
    features: Optional[str] = None,
    client: Any = None,
    batch_size: int = 64,
    n_jobs: Optional[int] = -1,
    as_pandas: bool = False,
) -> Any:
    """``ser.extract`` on a Dask cluster: the same table, row for row.

    ``paths_or_manifest``: a list of paths, or a manifest file (its ``path`` column).
    ``features``: as ``ser.extract`` (None: the robust preset's set).
    ``client``: a ``dask.distributed.Client`` (None: the current default client, or a new
    local cluster if there is none). ``batch_size``: files per task (a task is one
    ``ser.extract`` call on a worker; larger batches mean less scheduling overhead, smaller
    ones better balance). ``n_jobs``: threads per task on the worker (-1: every core).
    Returns a ``pyarrow.Table`` (``as_pandas=True``: a pandas DataFrame).
    """
    import pyarrow as pa
    from dask.distributed import Client, default_client

    import ser

    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    features = ser._feature_set(features)
    ser._threads(n_jobs)  # checked here, used on the workers
    if isinstance(paths_or_manifest, (str, os.PathLike)):
        paths = manifest_paths(paths_or_manifest)
    else:
        paths = ser._paths(paths_or_manifest)
    own = None
    if client is None:
        try:
            client = default_client()
        except ValueError:
            own = client = Client(processes=True)
    try:
        batches = [paths[i : i + batch_size] for i in range(0, len(paths), batch_size)]
        if not batches:
            table = ser.extract([], features=features)
        else:
            futures = client.map(_batch, batches, features=features, n_jobs=n_jobs, pure=False)
            table = pa.concat_tables(client.gather(futures))
    finally:
        if own is not None:
            own.close()
    return table.to_pandas() if as_pandas else table
