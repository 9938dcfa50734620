"""The bookkeeping of one run: counts, atomic output files, rejected rows, progress on stderr.

Examples
--------
>>> c = Counts.from_dict({"records": 3, "duplicates": 1, "rejected": 0})
>>> c.records += 2
>>> c.totals()
{'records': 5, 'duplicates': 1, 'rejected': 0, 'rekeyed': 0}
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from contextlib import nullcontext
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from kg.errors import WriterError
from kg.types import Paper, Rejected

__all__ = [
    "MAX_FIELD_CHARS",
    "REJECTED_JSONL",
    "SUMMARY_JSON",
    "AtomicText",
    "Counts",
    "failed_row",
    "progress",
    "rejected_row",
    "remove_leftovers",
    "stage",
    "too_long",
]

REJECTED_JSONL = "rejected.jsonl"
SUMMARY_JSON = "summary.json"
#: Longest title or abstract extracted. spaCy's parser needs about 1 GB per 100,000 characters
#: and refuses texts over 1,000,000; arXiv caps abstracts at 1,920. Longer records are rejected.
MAX_FIELD_CHARS = 100_000


class Counts:
    """Records read, duplicates merged, rejected (over the whole build) and this run's extraction."""

    def __init__(self) -> None:
        self.records = 0
        self.duplicates = 0
        self.rejected = 0
        self.extracted = 0
        self.cached = 0
        self.rekeyed = 0  # records whose own id named another paper (given title-hash ids)

    @classmethod
    def from_dict(cls, totals: Mapping[str, int]) -> Counts:
        counts = cls()
        counts.records, counts.duplicates, counts.rejected = (
            totals["records"], totals["duplicates"], totals["rejected"]
        )  # fmt: skip
        counts.rekeyed = totals.get("rekeyed", 0)
        return counts

    def totals(self) -> dict[str, int]:
        """What a later ``kg add`` continues from (extracted/cached are per run)."""
        return {
            "records": self.records,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "rekeyed": self.rekeyed,
        }


def progress(quiet: bool) -> Any:
    if quiet:
        return nullcontext(None)
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} papers"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )


def stage(quiet: bool, text: str) -> Any:
    """A spinner with the stage's name on stderr (long after-extraction stages are otherwise silent)."""
    return nullcontext() if quiet else Console(stderr=True).status(text)


class AtomicText:
    """A text file written beside its target and renamed over it on success.

    ``keep=True`` starts from a copy of the target's current content (``kg add`` grows
    rejected.jsonl); a failed run leaves the target as it was.
    """

    def __init__(self, path: Path, keep: bool = False) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise WriterError(f"cannot write {path}: {exc.strerror}") from exc
        self.tmp = Path(tmp)
        self.file: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        if keep and path.is_file():
            with path.open(encoding="utf-8", newline="") as old:
                shutil.copyfileobj(old, self.file)

    def commit(self) -> Path:
        self.file.close()
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        self.file.close()
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> AtomicText:
        return self

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def _where(paper: Paper) -> tuple[str, int]:
    where = paper.seen[0] if paper.seen else None
    return (where.source, where.line) if where else (paper.source, 0)


def too_long(paper: Paper) -> Rejected | None:
    for name in ("title", "abstract"):
        n = len(paper.field(name))  # type: ignore[arg-type]
        if n > MAX_FIELD_CHARS:
            reason = f"{name} is {n:,} characters long (limit {MAX_FIELD_CHARS:,})"
            return Rejected(*_where(paper), reason, paper.title[:200])
    return None


def failed_row(paper: Paper, reason: str) -> Rejected:
    return Rejected(*_where(paper), reason, paper.title[:200])


def remove_leftovers(out_dir: Path, names: tuple[str, ...]) -> None:
    """Delete the temporary files of a killed earlier run (``AtomicText`` names them ``.NAME.*.tmp``)."""
    for name in names:
        for tmp in out_dir.glob(f".{name}.*.tmp"):
            tmp.unlink(missing_ok=True)


def rejected_row(rec: Rejected) -> str:
    row = {"source": rec.source, "line": rec.line, "reason": rec.reason, "record": rec.record}
    return json.dumps(row, ensure_ascii=False) + "\n"
