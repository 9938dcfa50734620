"""A realistic synthetic corpus: sentences of the bundled corpus recombined, names varied, seeded.

Run: python bench/corpus_gen.py N OUT.jsonl [--seed S]

Each synthetic paper takes the title and first sentence of a random bundled paper, then 3 to 6
sentences drawn from other bundled papers. Every name-like token (capitals inside or digits:
"LoRA", "GPT-4", "ViT-B/16", "MMLU") is renamed consistently within the paper to one of a pool of
variants ("LoRA" -> "LoRA", "LoRA-2", "LoRAx-7"...). Variants are drawn Zipf-like from a pool that
grows with N, so names recur across papers (the linker has work to do) and new entities keep
appearing as the corpus grows, like a real feed. Same N and seed: the same bytes.

Also ``regex_extractor``: a cheap stand-in extractor (name-like tokens -> entities, "X
outperforms Y" -> relation) for measuring the stages after extraction at sizes the real
extractor would need hours for.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import loaders  # noqa: E402
from kg.types import PAPER, Extraction, Mention, Paper, PaperEntity, PaperRelation  # noqa: E402
from kg.vocab import EntityType, RelationType  # noqa: E402

__all__ = ["NAME", "bundled_papers", "generate", "write_corpus", "regex_extractor"]

#: A name-like token: two capitals, or a capital and a digit ("LoRA", "GPT-4", "T5", "ImageNet").
NAME = re.compile(r"\b(?=[A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*[A-Z0-9])[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*\b")
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_SUFFIXES = ("", "-2", "-XL", "v2", "-Lite", "++", "-7B", "-M", "-Pro", "3", "-Tiny", "-R")


def bundled_papers() -> list[Paper]:
    """The 333 unique papers of the bundled corpus."""
    seen: dict[str, Paper] = {}
    for rec in loaders.load(loaders.bundled_corpus()):
        if isinstance(rec, Paper) and rec.id not in seen:
            seen[rec.id] = rec
    return list(seen.values())


def _variant(name: str, k: int) -> str:
    if k == 0:
        return name
    suffix = _SUFFIXES[k % len(_SUFFIXES)]
    # Past the suffix list, a letter and number keep variants distinct ("LoRAq-17").
    extra = "" if k < len(_SUFFIXES) else f"{chr(97 + k % 26)}-{k}"
    return f"{name}{extra}{suffix}"


def generate(n: int, seed: int = 0, base: list[Paper] | None = None) -> Iterator[dict[str, str]]:
    """``n`` synthetic records (``id``, ``title``, ``abstract``, ``date``) as JSON-ready dicts.

    Examples
    --------
    >>> rows = list(generate(3, seed=1))
    >>> len(rows), rows == list(generate(3, seed=1)), rows[0]["id"]
    (3, True, 'synth-0000000')
    """
    rng = random.Random(seed)
    base = base if base is not None else bundled_papers()
    sentences = [_SENT.split(p.abstract) for p in base]
    pool = max(4, n // 25)  # variants per name: entities keep appearing as the corpus grows
    for i in range(n):
        lead = rng.randrange(len(base))
        parts = [sentences[lead][0]]
        for _ in range(rng.randint(3, 6)):
            sents = sentences[rng.randrange(len(base))]
            parts.append(sents[rng.randrange(len(sents))])
        rename: dict[str, str] = {}

        def vary(m: re.Match[str], rename: dict[str, str] = rename) -> str:
            name = m.group(0)
            if name not in rename:
                k = min(int(rng.paretovariate(1.2)) - 1, pool - 1)
                rename[name] = _variant(name, k)
            return rename[name]

        yield {
            "id": f"synth-{i:07d}",
            "title": NAME.sub(vary, base[lead].title),
            "abstract": NAME.sub(vary, " ".join(parts)),
            "date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
        }


def write_corpus(n: int, path: Path, seed: int = 0) -> Path:
    """Write ``generate(n, seed)`` as JSON Lines to ``path`` (streamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for row in generate(n, seed):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


class _RegexExtractor:
    version = "regex-stand-in-1"

    def extract_many(self, papers: Iterable[Paper], batch_size: int = 64) -> Iterator[Extraction]:
        for p in papers:
            yield _regex_extract(p, self.version)


def _regex_extract(p: Paper, version: str) -> Extraction:
    found: dict[str, list[Mention]] = {}
    for field in ("title", "abstract"):
        text = p.field(field)  # type: ignore[arg-type]
        for m in NAME.finditer(text):
            found.setdefault(m.group(0), []).append(
                Mention(field, m.start(), m.end(), m.group(0), EntityType.MODEL)  # type: ignore[arg-type]
            )
    entities = tuple(PaperEntity(name, EntityType.MODEL, (name,), tuple(ms)) for name, ms in found.items())
    names = list(found)
    relations: list[PaperRelation] = []
    if names:
        relations.append(PaperRelation(PAPER, RelationType.PROPOSES, names[0], p.title, 0.5))
    relations += [
        PaperRelation(a, RelationType.IMPROVES_ON, b, p.abstract[:200], 0.4)
        for a, b in zip(names, names[1:4], strict=False)
    ]
    return Extraction(p, entities, tuple(relations), extractor=version)


def regex_extractor() -> _RegexExtractor:
    """The stand-in extractor (module level, so worker processes can import it)."""
    return _RegexExtractor()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    write_corpus(args.n, args.out, args.seed)
    print(f"wrote {args.n} papers to {args.out}")


if __name__ == "__main__":
    main()
