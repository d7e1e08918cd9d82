"""Distributed ingest on a Ray cluster (`griffier ingest --engine ray`).

ray_engine.py  the Ray Data pipeline and `ingest_paths_ray`
stages.py      what runs on the workers (the local ingest's functions, batched)
shards.py      shard files: chunks as Parquet, vectors as .npy, a JSON manifest
merge.py       shards -> chunk store + vector cache, then the usual index sync
local_api.py   the single-machine functions both engines share

Ray is optional (`pip install 'griffier[ray]'`); nothing here imports it at import time.
"""


def ingest_paths_ray(*args, **kwargs):
    """See rag.distributed.ray_engine.ingest_paths_ray (imported lazily: it pulls in the ingest stack)."""
    from rag.distributed.ray_engine import ingest_paths_ray as _impl

    return _impl(*args, **kwargs)


__all__ = ["ingest_paths_ray"]
