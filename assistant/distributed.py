"""Distributed ingest: `assistant ingest --ray auto|ADDRESS [--ray-workers N] PATH...`.

Parsing, cleaning, chunking and embedding are spread over a Ray cluster; the driver keeps
everything that touches the index, so the index is written exactly as by a plain ingest:

    driver   expands the paths, reads and hashes each file and skips those already indexed
             with the same content key (resume), hands the rest to a pool of workers, and stores
             their results in input order through `Store.put_document` under the write lock,
             reporting each file with `FileResult.line()` and the same progress bar
    worker   a Ray actor (IngestWorker) holding one embedder built from the driver's Settings,
             so the model is loaded once per worker, not once per file; it gets the bytes of a
             file (and its sidecar), so the workers need no shared file system, and returns the
             loaded document, its passages and their vectors, or the reason it failed

A file a worker cannot ingest, or a worker that dies on it, becomes that file's `failed` line.
Ray is an optional extra (`pip install .[ray]`); nothing here is imported by a plain ingest.
"""
from __future__ import annotations

import os
import sys
import tempfile
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from .config import Settings
from .ingest import FileResult, content_key, embedding_text, lexical_text
from .types import AssistantError, IngestError, LoadedDocument, Passage

INSTALL_HINT = "pip install .[ray]"
# what the workers must see as the driver does: the model, its cache, staying offline
FORWARDED = ("ASSISTANT_", "HF_", "TRANSFORMERS_", "TOKENIZERS_", "RAY_USAGE_STATS_")


@dataclass
class Job:
    """One item for a worker: a file's bytes (and its sidecar's), a line of an archive or a
    document already loaded; `key` is the content key the driver computed."""

    source: str
    key: str = ""
    path: str = ""  # the driver's path of the file, recorded as the document's path
    data: bytes | None = None
    sidecar: tuple[str, bytes] | None = None
    text: str | None = None  # a line of a JSON-lines archive
    doc: LoadedDocument | None = None  # a document already loaded (an index being rebuilt)


@dataclass
class Done:
    """What a worker returns for a job: the document, passages and vectors, or a reason."""

    doc: LoadedDocument | None = None
    passages: list[Passage] | None = None
    vectors: np.ndarray | None = None
    reason: str | None = None


def require_ray() -> Any:
    """The ray module, or an AssistantError with the one line that says how to install it."""
    try:
        import ray
    except ImportError:
        raise AssistantError(f"--ray needs Ray, which is not installed: {INSTALL_HINT}") from None
    return ray


def ray_ingester(address: str, workers: int | None = None) -> Callable[..., list[FileResult]]:
    """An ingest function with `ingest_paths`' signature that runs on Ray (for Assistant.ingest).
    Ray's presence and the number of workers are checked now, before the index is opened."""
    if workers is not None and workers < 1:
        raise AssistantError("--ray-workers must be at least 1")
    require_ray()
    return partial(ingest_on_ray, address=address, workers=workers)


def prepare_job(job: Job, settings: Settings) -> tuple[LoadedDocument, list[Passage]]:
    """Load and chunk one job on a worker, as a plain ingest does (raises IngestError). A file is
    written to a private folder under its own name, beside its sidecar, and read from there."""
    from .chunk import chunk_document
    from .ingest import _chunk_loaded, prepare
    from .load import load_text_record

    if job.doc is not None:
        doc, passages, _ = _chunk_loaded(job.doc, settings)
        return doc, passages
    if job.text is not None:
        doc = load_text_record(job.source, job.text)
        passages = chunk_document(doc.pages, settings.chunk_min_words, settings.chunk_max_words)
        if not passages:
            raise IngestError(job.source, "no text to index after cleaning")
    else:
        with tempfile.TemporaryDirectory(prefix="assistant-ray-") as tmp:
            local = Path(tmp) / Path(job.path).name
            local.write_bytes(job.data or b"")
            if job.sidecar is not None:
                (Path(tmp) / job.sidecar[0]).write_bytes(job.sidecar[1])
            doc, passages, _ = prepare(local, settings, job.source)
        doc.path = job.path
    doc.sha256 = job.key
    return doc, passages


class IngestWorker:
    """A Ray actor: one embedder, loaded when the actor starts, embeds every file it gets."""

    def __init__(self, settings: Settings):
        from .encoders import make_embedder

        self.settings = settings
        self.embedder = make_embedder(settings)
        warm = getattr(self.embedder, "prepare_passage_engine", None)
        self.engine = warm() if warm else "cpu"  # loads the model (or the ONNX graph) now

    def info(self) -> dict:
        """Who this worker is: its model, engine, process and the package it imported."""
        from . import __file__ as package

        return {"model_id": self.embedder.model_id, "engine": self.engine, "pid": os.getpid(), "package": package}

    def process(self, job: Job) -> Done:
        """Load, chunk and embed one job; any failure is returned as its reason, never raised."""
        try:
            doc, passages = prepare_job(job, self.settings)
            vectors = self.embedder.embed_passages([embedding_text(doc, p) for p in passages])
            return Done(doc, passages, np.ascontiguousarray(vectors, dtype=np.float32))
        except IngestError as exc:
            return Done(reason=exc.reason)
        except AssistantError as exc:
            return Done(reason=str(exc))
        except Exception as exc:  # noqa: BLE001 - a worker's failure is its file's failed line
            return Done(reason=f"unexpected error: {type(exc).__name__}: {exc}")


def worker_env(settings: Settings) -> dict[str, str]:
    """The environment the workers get (runtime_env env_vars): the driver's ASSISTANT_* and
    offline switches, the model cache, and this package first on PYTHONPATH, so that workers
    on this machine run the driver's code rather than another installed copy."""
    env = {k: v for k, v in os.environ.items() if k.startswith(FORWARDED)}
    env.update(ASSISTANT_CACHE=str(settings.cache_dir), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               HF_HUB_DISABLE_TELEMETRY="1", TOKENIZERS_PARALLELISM="false", RAY_USAGE_STATS_ENABLED="0")
    here = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in [here, os.environ.get("PYTHONPATH", "")] if p)
    return env


@contextmanager
def ray_session(address: str) -> Iterator[Any]:
    """Connect to the cluster at `address` (`auto`: RAY_ADDRESS or a cluster started on this
    machine with `ray start`, else a new local one), without the dashboard, usage statistics or
    the workers' logs; disconnect (stopping a cluster started here) at the end. A session this
    process already holds is used as it is and left open."""
    ray = require_ray()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if ray.is_initialized():
        yield ray
        return
    import logging

    try:
        ray.init(address=None if address == "auto" else address, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.WARNING, configure_logging=False)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        raise AssistantError(f"cannot reach the Ray cluster at {address!r}: {exc}") from exc
    try:
        yield ray
    finally:
        ray.shutdown()


def start_workers(ray: Any, settings: Settings, workers: int | None, model_id: str) -> tuple[Any, int, str]:
    """A pool of `workers` actors (default: one per CPU of the cluster), each with an equal share
    of the CPUs as its threads; waits until every one has loaded the model and checks that they
    embed with the index's model. Returns (pool, workers, what embeds)."""
    from ray.util.actor_pool import ActorPool

    cpus = max(1.0, float(ray.cluster_resources().get("CPU", 1)))
    n = workers or int(cpus)
    share = cpus / n
    threads = max(1, int(share))
    remote = ray.remote(IngestWorker).options(
        num_cpus=min(share, float(threads)), max_restarts=1,
        runtime_env={"env_vars": worker_env(settings)})
    actors = [remote.remote(replace(settings, threads=threads)) for _ in range(n)]
    try:
        infos = ray.get([a.info.remote() for a in actors])
    except ray.exceptions.RayError as exc:
        raise AssistantError(f"the Ray workers did not start: {_first_line(exc)}") from exc
    wrong = {i["model_id"] for i in infos} - {model_id}
    if wrong:
        raise AssistantError(f"the Ray workers embed with {sorted(wrong)}, the index with {model_id!r}; "
                             "give the workers the driver's model settings")
    return ActorPool(actors), n, infos[0]["engine"]


def _first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception (a Ray error carries the remote traceback)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def plan(item: Any, index: Any, sources: dict[Path, str], replace_doc: bool, replace_hint: str) -> FileResult | Job:
    """On the driver, before a worker sees the item: `unchanged` when the index holds it with
    the same content key (a resumed ingest), a refusal to replace under `replace=False`,
    otherwise the Job to send (raises IngestError for a file that cannot be read)."""
    import hashlib

    from .ingest import _source, check_existing
    from .sidecars import find_sidecar

    source = _source(item, sources)
    if isinstance(item, LoadedDocument):
        return Job(source, key=item.sha256, doc=item)
    sidecar = None
    if isinstance(item, tuple):
        key = hashlib.sha256(item[1].encode("utf-8", "replace")).hexdigest()
    else:
        try:
            data = item.read_bytes()
        except OSError as exc:
            raise IngestError(source, f"cannot read the file ({exc.strerror})") from exc
        key = content_key(data, item)
        side = find_sidecar(item)
        sidecar = (side.name, side.read_bytes()) if side is not None else None
    unchanged = check_existing(index, source, key, replace_doc, replace_hint)
    if unchanged is not None:
        return unchanged
    if isinstance(item, tuple):
        return Job(source, key=key, text=item[1])
    return Job(source, key=key, path=str(item), data=data, sidecar=sidecar)


def store_done(done: Done, job: Job, index: Any) -> FileResult:
    """Write a worker's result through the index as a plain ingest does (put_document)."""
    if done.reason is not None:
        return FileResult(job.source, "failed", done.reason)
    doc, passages = done.doc, done.passages or []
    data = doc.stored_bytes if doc.stored_bytes is not None else job.data
    if job.doc is not None and data is None and doc.keep_file:
        data = Path(doc.keep_file).read_bytes()
    status, doc_id = index.put_document(doc, passages, done.vectors, [lexical_text(doc, p) for p in passages], data)
    return FileResult(job.source, status, doc_id=doc_id, passages=len(passages), pages=len(doc.pages),
                      warnings=list(doc.warnings))


def _collect(ray: Any, pool: Any, job: Job, index: Any) -> FileResult:
    """The next result of the pool (they come in the order the jobs went in), stored; a worker
    that died, or a pool without workers, fails this file only."""
    try:
        done = pool.get_next()
    except ray.exceptions.RayError as exc:
        return FileResult(job.source, "failed", f"the Ray worker failed on it: {_first_line(exc)}")
    except (StopIteration, ValueError):
        return FileResult(job.source, "failed", "no Ray worker was left to take it")
    try:
        return store_done(done, job, index)
    except AssistantError as exc:
        return FileResult(job.source, "failed", str(exc))
    except (OSError, ValueError, RuntimeError, MemoryError) as exc:
        return FileResult(job.source, "failed", f"unexpected error: {exc}")


def ingest_on_ray(paths: Iterable, index: Any, embedder: Any, settings: Settings,
                  on_result: Callable[[FileResult], None] | None = None, progress: bool | None = None,
                  sources: dict[Path, str] | None = None, replace: bool = True, replace_hint: str = "",
                  *, address: str = "auto", workers: int | None = None) -> list[FileResult]:
    """`ingest_paths` with the loading, chunking and embedding done by Ray workers: the same
    results, lines, progress bar and index. `embedder` is the driver's, used only for the
    model id. The workers are started at the first file that needs them (a resumed ingest with
    nothing new starts none); at most two jobs per worker are in flight, so memory stays bounded."""
    from .ingest import IngestRun

    run = IngestRun(paths, on_result, progress, sources)
    embedded = False
    try:
        with ray_session(address) as ray:
            pool, n, engine = None, workers or 1, ""  # started at the first file that needs them
            with index.write_lock():
                queue: deque = deque()
                upcoming = iter(run.files)
                while True:
                    while sum(isinstance(q[1], Job) for q in queue) < 2 * n and (item := next(upcoming, None)) is not None:
                        try:
                            planned: FileResult | Job = plan(item, index, run.sources, replace, replace_hint)
                        except IngestError as exc:
                            planned = FileResult(exc.source, "failed", exc.reason)
                        if isinstance(planned, Job):
                            if pool is None:
                                pool, n, engine = start_workers(ray, settings, workers, embedder.model_id)
                            pool.submit(lambda actor, job: actor.process.remote(job), planned)
                        queue.append((item, planned))
                    if not queue:
                        break
                    item, planned = queue.popleft()
                    result = _collect(ray, pool, planned, index) if isinstance(planned, Job) else planned
                    embedded |= isinstance(planned, Job) and result.status != "failed"
                    run.record(item, result)
                if run.changed:
                    index.sync_vectors()
    finally:
        run.close()
    if embedded:
        print(f"passages embedded by {n} Ray worker{'s' if n != 1 else ''} on {engine}", file=sys.stderr)
    return run.results
