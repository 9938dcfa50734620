"""The build's SQLite file: extraction cache plus the papers of the current run.

``cache.sqlite`` under the out dir holds two things:

* ``extractions``: one unlinked :class:`~kg.types.Extraction` per paper id, keyed by
  (paper id, content hash, extractor version). A paper whose title/abstract or extractor version
  changed misses and is re-extracted; its new row replaces the old one, so no stale assertion
  survives. Rows are committed per batch, so a killed build keeps what it finished.
* ``run_papers`` / ``run_seen``: the unique papers of the current run in input order, and where
  their duplicates were seen. They are rebuilt at the start of every run and let the later stages
  stream papers back from disk instead of holding them in a Python list.

Examples
--------
>>> from kg.types import Paper
>>> cache = ExtractionCache(":memory:")
>>> p = Paper("p1", "T", "We propose X.")
>>> cache.add_paper(p)
True
>>> cache.add_paper(p)
False
>>> cache.lookup(p, "v1") is None
True
>>> cache.store([Extraction(p, (), (), extractor="v1")])
>>> cache.lookup(p, "v1").extractor, cache.lookup(p, "v2") is None
('v1', True)
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from kg.errors import WriterError
from kg.rows import (
    content_hash,
    extraction_from_row,
    extraction_to_row,
    names_from_row,
    paper_from_row,
    paper_to_row,
)
from kg.types import Extraction, Paper, Sighting

__all__ = [
    "CACHE_FILE",
    "ExtractionCache",
    "content_hash",
    "extraction_to_row",
    "extraction_from_row",
    "paper_to_row",
    "paper_from_row",
]

CACHE_FILE = "cache.sqlite"
# Bump when the row layout changes: an old cache is then dropped instead of misread.
_SCHEMA = 1

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS extractions (
    paper_id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    extractor TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS run_papers (
    ord INTEGER PRIMARY KEY, paper_id TEXT UNIQUE NOT NULL, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS run_seen (
    paper_id TEXT NOT NULL, source TEXT NOT NULL, line INTEGER NOT NULL, date TEXT
);
CREATE INDEX IF NOT EXISTS run_seen_paper ON run_seen (paper_id);
"""


class _SeenMapping(Mapping[str, tuple[Sighting, ...]]):
    """paper id -> sightings of its dropped duplicates, read from SQLite on demand."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __getitem__(self, pid: str) -> tuple[Sighting, ...]:
        rows = self._db.execute(
            "SELECT source, line, date FROM run_seen WHERE paper_id = ? ORDER BY rowid", (pid,)
        ).fetchall()
        if not rows:
            raise KeyError(pid)
        return tuple(Sighting(s, n, d) for s, n, d in rows)

    def __iter__(self) -> Iterator[str]:
        return (r[0] for r in self._db.execute("SELECT DISTINCT paper_id FROM run_seen"))

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(DISTINCT paper_id) FROM run_seen").fetchone()[0])


class ExtractionCache:
    """The SQLite file of a build (see the module docstring).

    Parameters
    ----------
    path
        The database file (created with its parent directory), or ``":memory:"``.

    Raises
    ------
    WriterError
        The file cannot be created or is not a database.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = path
        try:
            if str(path) != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are explicit, one per batch (see store()).
            self._db = sqlite3.connect(str(path), isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise WriterError(f"cannot open the extraction cache {path}: {exc}") from exc
        except OSError as exc:
            raise WriterError(f"cannot create the extraction cache {path}: {exc.strerror or exc}") from exc
        self.sightings: Mapping[str, tuple[Sighting, ...]] = _SeenMapping(self._db)

    def _migrate(self) -> None:
        self._db.executescript(_DDL)
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None or int(row[0]) != _SCHEMA:
            self._db.execute("DELETE FROM extractions")
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(_SCHEMA),))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ExtractionCache:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ the current run

    def start_run(self) -> None:
        """Forget the previous run's paper list (the extraction rows stay: they are the cache)."""
        self.commit()
        self._db.execute("DELETE FROM run_papers")
        self._db.execute("DELETE FROM run_seen")
        self._db.execute("DELETE FROM meta WHERE key = 'built'")

    def mark_built(self, counts: Mapping[str, int]) -> None:
        """Record that the run's paper list (as it is now) and ``counts`` are a finished build.

        ``kg add`` grows the build from this mark; rows added after it belong to an unfinished run.
        """
        seen = self._db.execute("SELECT COALESCE(MAX(rowid), 0) FROM run_seen").fetchone()[0]
        size = self._db.execute("SELECT COALESCE(MAX(ord), 0) FROM run_papers").fetchone()[0]
        mark = {"ord": size, "seen": seen, "counts": dict(counts)}
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('built', ?)", (json.dumps(mark),))
        self.commit()

    def resume_build(self) -> dict[str, int] | None:
        """Go back to the last finished build's paper list and return its counts (None: no build).

        Papers and sightings an unfinished (killed) run added after the mark are removed, so running
        it again counts them once; their extractions stay cached.
        """
        self.commit()
        row = self._db.execute("SELECT value FROM meta WHERE key = 'built'").fetchone()
        if row is None:
            self._db.execute("DELETE FROM run_papers")
            self._db.execute("DELETE FROM run_seen")
            return None
        mark = json.loads(row[0])
        self._db.execute("DELETE FROM run_papers WHERE ord > ?", (mark["ord"],))
        self._db.execute("DELETE FROM run_seen WHERE rowid > ?", (mark["seen"],))
        self.commit()
        return {k: int(v) for k, v in mark["counts"].items()}

    def changed_paper(self, paper: Paper) -> bool:
        """If the build holds ``paper``'s id with another title/abstract, take the new text (keeping
        where it was first seen) and return True; the sighting is added either way by add_paper."""
        row = self._db.execute("SELECT data FROM run_papers WHERE paper_id = ?", (paper.id,)).fetchone()
        if row is None:
            return False
        old = paper_from_row(row[0])
        if content_hash(old) == content_hash(paper):
            return False
        new = dataclasses.replace(paper, seen=old.seen)
        self._db.execute("UPDATE run_papers SET data = ? WHERE paper_id = ?", (paper_to_row(new), paper.id))
        return True

    def run_paper(self, paper_id: str) -> Paper | None:
        """The run's paper with this id, if any."""
        row = self._db.execute("SELECT data FROM run_papers WHERE paper_id = ?", (paper_id,)).fetchone()
        return None if row is None else paper_from_row(row[0])

    def run_paper_ids(self) -> Iterator[str]:
        """The ids of the run's papers, in input order."""
        return (r[0] for r in self._db.execute("SELECT paper_id FROM run_papers ORDER BY ord"))

    def commit(self) -> None:
        """Make everything so far durable and open the next transaction."""
        if self._db.in_transaction:
            self._db.execute("COMMIT")
        self._db.execute("BEGIN")

    def add_paper(self, paper: Paper) -> bool:
        """Record a paper of this run; False (and its sightings kept) if its id was already seen."""
        cur = self._db.execute(
            "INSERT OR IGNORE INTO run_papers (paper_id, data) VALUES (?, ?)", (paper.id, paper_to_row(paper))
        )
        if cur.rowcount:
            return True
        self._db.executemany(
            "INSERT INTO run_seen VALUES (?, ?, ?, ?)",
            [(paper.id, s.source, s.line, s.date) for s in paper.seen],
        )
        return False

    def drop_paper(self, paper_id: str) -> None:
        """Remove a paper from this run (the extractor failed on it; it goes to rejected.jsonl)."""
        self._db.execute("DELETE FROM run_papers WHERE paper_id = ?", (paper_id,))
        self._db.execute("DELETE FROM run_seen WHERE paper_id = ?", (paper_id,))

    def run_size(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM run_papers").fetchone()[0])

    def run_extractions(self, batch: int = 500, names_only: bool = False) -> Iterator[Extraction]:
        """This run's extractions (unlinked), in input order, read ``batch`` rows at a time.

        ``names_only``: only entity names, types and aliases (no paper text, mentions or
        relations), for a pass that reads nothing else (the linker's definitions); twice as fast.

        Raises
        ------
        KeyError
            A paper of the run has no extraction with its current content (a pipeline bug).
        """
        if names_only:
            yield from self._run_names(batch)
            return
        for pid, pdata, edata, chash in self._run_rows("r.data, e.data, e.content_hash", batch):
            paper = paper_from_row(pdata)
            if edata is None or chash != content_hash(paper):
                raise KeyError(f"no current extraction cached for paper {pid!r}")
            yield extraction_from_row(paper, edata)

    def _run_names(self, batch: int) -> Iterator[Extraction]:
        for pid, edata in self._run_rows("e.data", batch):
            if edata is None:
                raise KeyError(f"no extraction cached for paper {pid!r}")
            yield names_from_row(pid, edata)

    def _run_rows(self, columns: str, batch: int) -> Iterator[tuple[Any, ...]]:
        """(paper id, *``columns``) of each paper of the run joined with its cached extraction, in
        input order, ``batch`` rows a query (keyset paging on ord: no OFFSET rescans)."""
        last = 0
        while True:
            rows = self._db.execute(
                f"SELECT r.ord, r.paper_id, {columns} FROM run_papers r "
                "LEFT JOIN extractions e ON e.paper_id = r.paper_id WHERE r.ord > ? ORDER BY r.ord LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            for ordinal, *row in rows:
                yield tuple(row)
                last = ordinal

    # ------------------------------------------------------------------ the cache proper

    def lookup(self, paper: Paper, extractor: str) -> Extraction | None:
        """The cached extraction of ``paper`` by ``extractor`` if its content is unchanged."""
        row = self._db.execute(
            "SELECT data FROM extractions WHERE paper_id = ? AND content_hash = ? AND extractor = ?",
            (paper.id, content_hash(paper), extractor),
        ).fetchone()
        return None if row is None else extraction_from_row(paper, row[0])

    def is_cached(self, paper: Paper, extractor: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM extractions WHERE paper_id = ? AND content_hash = ? AND extractor = ?",
            (paper.id, content_hash(paper), extractor),
        ).fetchone()
        return row is not None

    def store(self, extractions: Iterable[Extraction]) -> None:
        """Store (replacing any older row of the same paper) and commit: one call per batch."""
        self._db.executemany(
            "INSERT OR REPLACE INTO extractions VALUES (?, ?, ?, ?)",
            [
                (ex.paper.id, content_hash(ex.paper), ex.extractor, extraction_to_row(ex))
                for ex in extractions
            ],
        )
        self.commit()

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM extractions").fetchone()[0])
