"""``kg eval``: score our extractor (or an extractions.jsonl) on gold annotations or SciER."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kg.cli.app import app, console, err_console
from kg.errors import InputError

if TYPE_CHECKING:
    from kg.types import Extraction

__all__ = ["eval_cli", "predict_rows"]


#: Below this many abstracts ``kg eval`` is done in seconds: no progress bar.
PROGRESS_FROM = 100


def predict_rows(gold_rows: list[dict[str, Any]], progress: bool = False) -> list[dict[str, Any]]:
    """Run the default extractor + linker on the gold rows' id/title/abstract.

    With ``progress``, a bar on stderr counts the papers extracted.
    """
    from kg.extract import load_extractor
    from kg.link import Linker
    from kg.types import Paper
    from kg.write.jsonl import extraction_to_dict

    papers = []
    for n, g in enumerate(gold_rows, 1):
        if not g.get("title") or not g.get("abstract"):
            raise InputError(f"gold row {n} ({g.get('id', '?')}) lacks title or abstract")
        papers.append(Paper(id=str(g.get("id", n)), title=g["title"], abstract=g["abstract"]))
    extracted: Iterable[Extraction] = load_extractor().extract_many(papers)
    if progress:
        extracted = _with_progress(extracted, len(papers))
    linked = Linker().link(extracted)
    rows = []
    for ex in linked:
        row = extraction_to_dict(ex)
        for r, rel in zip(row["relations"], ex.relations, strict=True):
            r["extractor"] = rel.extractor
        rows.append(row)
    return rows


def _with_progress(items: Iterable[Extraction], total: int) -> Iterator[Extraction]:
    with Progress(
        TextColumn("extracting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("extracting", total=total)
        for item in items:
            yield item
            bar.advance(task)


def _ci(d: dict[str, Any], key: str) -> str:
    lo, hi = d.get(f"{key}_ci", (None, None))
    return "" if lo is None else f"{lo:.3f}-{hi:.3f}"


def _prf_table(title: str, rows: dict[str, Any], caption: str | None = None) -> Table:
    t = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    for col in ("", "P", "R", "F1", "F1 95% CI", "tp", "fp", "fn"):
        t.add_column(col, justify="right" if col else "left")
    for name, d in rows.items():
        t.add_row(
            name,
            f"{d['precision']:.3f}",
            f"{d['recall']:.3f}",
            f"{d['f1']:.3f}",
            _ci(d, "f1"),
            str(d["tp"]),
            str(d["fp"]),
            str(d["fn"]),
        )
    return t


def _print_gold(d: dict[str, Any], by_rule: bool) -> None:
    ents = d["entities"]
    console.print(
        _prf_table(
            f"{d['gold']}: entities ({d['papers']} papers; 95% CI: bootstrap over papers)",
            {
                "lenient": ents["lenient"],
                "strict": ents["strict"],
                **{f"  {k}": v for k, v in ents["by_type"].items()},
            },
            caption="lenient: Benchmark~Dataset and Model~Method; per type: strict",
        )
    )
    rels = d["relations"]
    console.print(
        _prf_table(
            "relations",
            {
                "all types": rels["all"],
                "core three": rels["core"],
                **{f"  {k}": v for k, v in rels["by_type"].items()},
            },
        )
    )
    if by_rule:
        console.print(_prf_table("relations by rule (precision = calibrated confidence)", rels["by_rule"]))
    cal = Table(title="confidence calibration (relations)", title_justify="left")
    for col in ("confidence", "n", "correct", "precision", "95% CI"):
        cal.add_column(col)
    for row in d["calibration"]:
        cal.add_row(
            row["bin"],
            str(row["n"]),
            str(row["correct"]),
            "-" if row["precision"] is None else f"{row['precision']:.3f}",
            _ci(row, "precision") if row["n"] else "",
        )
    console.print(cal)
    console.print(_summary(d), highlight=False, soft_wrap=True)


def _summary(d: dict[str, Any]) -> str:
    """The four headline numbers on one line, to quote in a note.

    Examples
    --------
    >>> one = {"f1": 0.5, "f1_ci": [0.4, 0.6]}
    >>> _summary({"gold": "dev.jsonl", "entities": {"lenient": one, "strict": one},
    ...           "relations": {"all": one, "core": one}})[:61]
    'dev.jsonl: entities lenient 0.500 [0.400, 0.600], strict 0.50'
    """

    def f(x: dict[str, Any]) -> str:
        lo, hi = x["f1_ci"]
        return f"{x['f1']:.3f} [{lo:.3f}, {hi:.3f}]"

    e, r = d["entities"], d["relations"]
    return (
        f"{d['gold']}: entities lenient {f(e['lenient'])}, strict {f(e['strict'])}; "
        f"relations all {f(r['all'])}, core {f(r['core'])} (F1, 95% bootstrap CI)"
    )


def _scier(path: Path, as_json: bool, ner: str) -> None:
    try:
        from kg.evaluate import scier
    except ImportError as exc:
        raise InputError(f"SciER scoring is not available in this build ({exc})") from None
    from kg.extract import Extractor, build_nlp, load_extractor
    from kg.types import Paper

    relate = None
    if ner == "statistical":
        from kg.extract.statistical import StatisticalTagger

        predict = StatisticalTagger.load().tag
    elif ner in {"pipeline", "combined"}:
        ex = load_extractor() if ner == "pipeline" else Extractor(*build_nlp(statistical=True))
        last: dict[str, Extraction] = {}

        def extract(text: str) -> Extraction:
            # predict() and relate() see the same sentence one after the other: extract it once.
            if text not in last:
                last.clear()
                last[text] = ex.extract(Paper("scier", "", text))
            return last[text]

        def predict(text: str) -> list[tuple[int, int, str]]:
            return [
                (m.start, m.end, e.type.value)
                for e in extract(text).entities
                for m in e.mentions
                if m.field == "abstract"
            ]

        def relate(text: str, _given: object) -> list[tuple[tuple[int, int], str, tuple[int, int]]]:
            # The pipeline relates its own entities (SciER scores them on predicted spans); a name
            # stands for its first mention in the sentence.
            out = extract(text)
            first = {
                e.name: (m.start, m.end) for e in out.entities for m in reversed(e.mentions) if m.field == "abstract"
            }
            return [
                (first[r.head], r.type.value, first[r.tail])
                for r in out.relations
                if r.head in first and r.tail in first
            ]
    else:
        raise InputError(f"unknown --ner {ner!r} (choose pipeline, statistical or combined)")
    scores = scier.score_scier(path, predict, relate)
    if as_json:
        sys.stdout.write(json.dumps(scores.to_dict(), indent=2) + "\n")
    else:
        console.print(scores.table())


@app.command("eval")
def eval_cli(
    gold: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Gold JSONL files (dev-gold format: id, title, abstract, entities, relations); "
            "each is scored and printed on its own.",
            show_default=False,
        ),
    ] = None,
    predictions: Annotated[
        Path | None,
        typer.Option("--predictions", "-p", help="Score this extractions.jsonl instead of running the extractor."),
    ] = None,
    scier_file: Annotated[
        Path | None, typer.Option("--scier", help="Score span-level NER on a SciER JSONL split instead.")
    ] = None,
    ner: Annotated[
        str,
        typer.Option(
            "--ner",
            help="With --scier: which recognizer to score: pipeline (the default extractor), "
            "statistical (the SciER-trained NER alone) or combined (pipeline + statistical gap filling).",
        ),
    ] = "pipeline",
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    errors: Annotated[bool, typer.Option("--errors", help="List false positives and negatives.")] = False,
    by_rule: Annotated[bool, typer.Option("--by-rule", help="Precision of each relation rule.")] = False,
) -> None:
    """Score extraction quality per gold file: entity P/R/F1 (strict and lenient types), relation
    P/R/F1 (all eight types and the core three), per-type tables and the confidence calibration,
    each score with a 95% bootstrap interval (1,000 resamples of the papers, fixed seed); and
    results P/R/F1 (full tuple subject/benchmark/metric/value, benchmark+value, value alone).

    With --json one file prints one object (keys entities.lenient.f1, ..., intervals as f1_ci:
    [lo, hi]); several files print a list of such objects, each naming its file under "gold".

    Example: kg eval ../shared/data/train-gold/dev.jsonl ../shared/data/train-gold/dev-ood.jsonl --errors
    """
    from kg.evaluate.gold import read_jsonl, score
    from kg.evaluate.results import score_results

    if scier_file is not None:
        _scier(scier_file, as_json, ner)
        return
    if not gold:
        raise InputError("give a gold JSONL file, or --scier FILE")
    # Read every input before the slow part: a typo in the last path fails at once.
    gold_sets = [(path, list(read_jsonl(path))) for path in gold]
    pred_rows = list(read_jsonl(predictions)) if predictions else None
    results = []
    for path, gold_rows in gold_sets:
        rows = pred_rows if pred_rows is not None else predict_rows(gold_rows, len(gold_rows) >= PROGRESS_FROM)
        s = score(gold_rows, rows)
        rs = score_results(gold_rows, rows)
        d = {"gold": str(path), **s.to_dict(), "results": rs.to_dict()}
        if errors:
            d["errors"] = s.errors + rs.errors
        results.append(d)
        if not as_json:
            _print_gold(d, by_rule)
            _print_results(d["results"])
            if errors:
                _print_errors(d["errors"])
    if as_json:
        sys.stdout.write(json.dumps(results[0] if len(results) == 1 else results, indent=2) + "\n")


def _print_results(d: dict[str, Any]) -> None:
    console.print(
        _prf_table(
            "results (names through gold aliases, values as numbers)",
            {
                "full tuple (subj, bench, metric, value)": d["full"],
                "benchmark + value": d["benchmark_value"],
                "value": d["value"],
            },
        )
    )


def _print_errors(errors: list[dict[str, Any]]) -> None:
    t = Table(title="errors (lenient types)", title_justify="left")
    for col in ("paper", "kind", "item"):
        t.add_column(col)
    for e in sorted(errors, key=lambda e: (e["paper"], e["kind"])):
        t.add_row(e["paper"], e["kind"], e["item"])
    console.print(t)
