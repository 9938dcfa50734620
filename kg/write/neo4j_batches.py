"""Statement batching for :class:`kg.write.neo4j.Neo4jWriter`: rows cut into ``UNWIND $rows``
batches (at most ``batch_size`` rows, and within a parameter-byte budget where the dialect has one),
rows too large for the budget split losslessly into appends, and the queue that groups statements
into managed transactions (:class:`Batcher`).

Examples
--------
>>> list(batches([{"id": "a"}, {"id": "b"}, {"id": "c"}], max_rows=2))
[[{'id': 'a'}, {'id': 'b'}], [{'id': 'c'}]]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import neo4j

from kg.errors import WriterError
from kg.write.cypher import APPENDABLE
from kg.write.neo4j_session import Statement, Tally, run_transaction
from kg.write.neo4j_settings import Neo4jSettings

__all__ = ["param_size", "batches", "split_row", "Batcher"]


def param_size(value: Any) -> int:
    """An upper bound of a value's size on the wire: its ASCII JSON length (a non-ASCII character
    counts 6 bytes, more than its UTF-8 form; PackStream markers are smaller than JSON's quotes,
    commas and colons), plus one per apostrophe, which :func:`falkordb_escape` doubles.

    Examples
    --------
    >>> param_size({"id": "é"}), param_size("it's")
    (16, 7)
    """
    text = json.dumps(value, ensure_ascii=True, default=str)
    return len(text) + text.count("'")


def batches(rows: Iterable[Any], max_rows: int, max_bytes: int | None = None) -> Iterator[list[Any]]:
    """Consecutive groups of at most ``max_rows`` rows whose :func:`param_size` sum stays within
    ``max_bytes`` (a single row larger than that forms its own group; see :func:`split_row`).

    Examples
    --------
    >>> [len(b) for b in batches([{"s": "x" * 40}] * 5, max_rows=10, max_bytes=100)]
    [2, 2, 1]
    """
    batch: list[Any] = []
    size = 0
    for row in rows:
        n = param_size(row) + 1
        if batch and (len(batch) >= max_rows or (max_bytes is not None and size + n > max_bytes)):
            yield batch
            batch, size = [], 0
        batch.append(row)
        size += n
    if batch:
        yield batch


def _pieces(value: Any, budget: int) -> list[Any]:
    """Cut a string or list into consecutive pieces of at most ``budget`` bytes (param_size)."""
    out: list[Any] = []
    if isinstance(value, str):
        start = 0
        while start < len(value):
            end = min(len(value), start + budget - 2)
            while end > start + 1 and param_size(value[start:end]) > budget:
                end = start + max(1, (end - start) * 3 // 4)
            out.append(value[start:end])
            start = end
        return out
    if isinstance(value, list):
        cur: list[Any] = []
        for item in value:
            if param_size(item) + 2 > budget:
                raise WriterError(f"list item too large for one statement ({param_size(item)} bytes): {item!r:.80}")
            if cur and param_size(cur + [item]) > budget:
                out.append(cur)
                cur = []
            cur.append(item)
        if cur:
            out.append(cur)
        return out
    raise WriterError(f"cannot split a {type(value).__name__} value")


def split_row(
    row: dict[str, Any], kind: str, budget: int, key_params: dict[str, Any]
) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """Make ``row`` fit ``budget`` bytes losslessly: large appendable values (see
    :data:`kg.write.cypher.APPENDABLE`) are emptied in the row and returned as ``(key, piece)``
    appends, in order, each small enough to travel with ``key_params`` (the record's identifiers).

    Examples
    --------
    >>> row = {"id": "p1", "props": {"title": "T", "abstract": "a" * 50}}
    >>> first, rest = split_row(row, "paper", 64, {"id": "p1"})
    >>> first["props"]["abstract"], [(k, len(p)) for k, p in rest]
    ('', [('abstract', 38), ('abstract', 12), ('title', 1)])
    >>> "".join(p for k, p in rest if k == "abstract") == "a" * 50
    True
    """
    if param_size(row) <= budget:
        return row, []
    nested = "props" in row
    values = dict(row["props"] if nested else row)
    piece_budget = budget - param_size({**key_params, "part": ""})
    if piece_budget < 16:
        raise WriterError(f"{kind} {key_params} has identifiers too long for one statement ({budget} bytes)")
    appends: list[tuple[str, Any]] = []
    for key in sorted(APPENDABLE[kind]):
        v = values.get(key)
        if isinstance(v, (str, list)) and v:
            values[key] = "" if isinstance(v, str) else []
            appends += [(key, p) for p in _pieces(v, piece_budget)]
    first = {**row, "props": values} if nested else values
    if param_size(first) > budget:
        raise WriterError(f"{kind} {key_params} does not fit one statement even without its long values")
    return first, appends


class Batcher:
    """The statements of one write, queued on one session and run in managed transactions of
    ``settings.statements_per_transaction`` statements (statements that must share a transaction,
    a batch and the appends of its long values, are queued together)."""

    def __init__(self, session: neo4j.Session, settings: Neo4jSettings, tally: Tally) -> None:
        self.session = session
        self.settings = settings
        self.tally = tally

    def unwind(
        self,
        step: str,
        query: str,
        rows: list[dict[str, Any]],
        kind: str | None = None,
        append: Callable[[str], str] | None = None,
        keys: tuple[str, ...] = (),
    ) -> None:
        """Send ``rows`` through ``query`` in batches. A row too large for the budget travels with
        its long values emptied; statements appending them follow in the same transaction."""
        budget = self.settings.param_budget
        limit = None if budget is None else budget - 16  # room for the {"rows": [...]} wrapper
        fitted: list[tuple[dict[str, Any], list[Statement]]] = []
        for row in rows:
            if limit is not None and kind is not None and append is not None and param_size(row) > limit:
                ids = {k: row[k] for k in keys}
                first, rest = split_row(row, kind, limit, ids)
                fitted.append((first, [(append(key), {**ids, "part": part}) for key, part in rest]))
            else:
                fitted.append((row, []))
        sizes = iter(fitted)
        for batch in batches((row for row, _ in fitted), self.settings.batch_size, limit):
            extra = [st for _ in batch for st in next(sizes)[1]]
            self.submit(step, [(query, {"rows": batch}), *extra])

    def ids(self, step: str, queries: list[str], ids: list[str]) -> None:
        """Run every query of ``queries`` on each batch of ``ids`` (as ``$ids``), in one transaction."""
        budget = self.settings.param_budget
        for batch in batches(ids, self.settings.batch_size, None if budget is None else budget - 16):
            self.submit(step, [(q, {"ids": batch}) for q in queries])

    def submit(self, step: str, group: list[Statement]) -> None:
        """Queue statements that must share a transaction; run the queue once it is long enough."""
        self.tally.pending += group
        if step not in self.tally.steps:
            self.tally.steps.append(step)
        if len(self.tally.pending) >= self.settings.statements_per_transaction:
            self.flush()

    def flush(self) -> None:
        """Run what is queued."""
        t = self.tally
        if t.pending:
            statements, steps = t.pending, t.steps
            t.pending, t.steps = [], []
            run_transaction(self.session, self.settings, t, " / ".join(steps), statements)
