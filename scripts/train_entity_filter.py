#!/usr/bin/env python
"""Train the entity filter shipped in ``kg/models/entity-filter/`` (seeded, CPU, numpy + scipy).

The default extractor runs with the filter off (``KG_ENTITY_FILTER=off``) over train-gold
``train.jsonl`` + ``train-conf.jsonl`` + dev-gold ``seeds-dev.jsonl``; each entity it keeps is
labelled by ``kg eval``'s lenient matching against the gold entities (kept = matched). The shipped
tagger was trained on these very abstracts and is surer of them than of new text, so with
``--folds`` each training abstract is read by a fold tagger that did not see it
(``scripts/train_encoder.py --fold K/N``, same settings as the shipped one). A logistic
regression over :func:`kg.extract.entity_filter.entity_features` is fitted on those; the L2 strength
and the threshold are chosen on train-gold ``dev.jsonl`` by entity F1 (lenient). ``dev-ood.jsonl``
is only reported. Nothing else is read.

Usage (from the repo root; the fold taggers need the training venv of docs/ner-training.md, ~20 min
for both on two cores)::

    for k in 0 1; do OMP_NUM_THREADS=1 /tmp/train/bin/python scripts/train_encoder.py --layers 6 \
        --epochs 5 --max-len 160 --threads 1 --fold $k/2 --out /tmp/fold$k & done; wait
    .venv/bin/python scripts/train_entity_filter.py --folds /tmp/fold0 /tmp/fold1   # the shipped artefact
    .venv/bin/python scripts/train_entity_filter.py --limit 20 --out /tmp/efilter   # a quick slice
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import minimize

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ["KG_ENTITY_FILTER"] = "off"  # the filter learns from what the recognisers give it

from kg.evaluate.gold import _match, lenient_type, read_jsonl  # noqa: E402
from kg.extract import load_extractor  # noqa: E402
from kg.extract.encoder import EncoderTagger  # noqa: E402
from kg.extract.entity_filter import MODEL_DIR, EntityFilter, entity_features  # noqa: E402
from kg.extract.relation_features import hash_features  # noqa: E402
from kg.types import Paper  # noqa: E402
from kg.write.jsonl import extraction_to_dict  # noqa: E402

TRAIN = ("train-gold/train.jsonl", "train-gold/train-conf.jsonl", "dev-gold/seeds-dev.jsonl")
DEV, OOD = "train-gold/dev.jsonl", "train-gold/dev-ood.jsonl"
BITS = 16

#: One split: per paper, the feature strings and label of each predicted entity, and the gold count.
Split = list[tuple[list[list[str]], list[int], int]]


def featurise(rows: list[dict[str, Any]], tagger: Path | None = None) -> Split:
    """Extract ``rows`` (gold-shaped) with the filter off; features and labels of every entity.

    ``tagger``: a tagger artefact directory to use instead of the shipped one (a fold model)."""
    papers = [Paper(str(r.get("id", n)), r["title"], r["abstract"]) for n, r in enumerate(rows)]
    extractor = load_extractor()
    shipped = extractor.tagger
    if tagger is not None:
        extractor.tagger = EncoderTagger.from_dir(tagger)
    try:
        extracted = list(extractor.extract_many(papers))
    finally:
        extractor.tagger = shipped
    out: Split = []
    for g, ex in zip(rows, extracted, strict=True):
        pred = extraction_to_dict(ex)["entities"]
        gold = g.get("entities", [])
        matched = _match(gold, pred, lambda a, b: lenient_type(a) == lenient_type(b))
        texts = {"title": ex.paper.title, "abstract": ex.paper.abstract}
        feats = [entity_features(e, texts) for e in ex.entities]
        out.append((feats, [int(i in matched) for i in range(len(pred))], len(gold)))
    return out


def out_of_fold(rows: list[dict[str, Any]], folds: list[Path]) -> Split:
    """Each training abstract extracted by the fold tagger that did not see it (index mod N = K:
    ``scripts/train_encoder.py --fold K/N``), back in the rows' order."""
    n = len(folds)
    parts = [featurise(rows[k::n], folds[k]) for k in range(n)]
    return [parts[i % n][i // n] for i in range(len(rows))]


def load_splits(data: Path, limit: int, cache: Path | None, folds: list[Path]) -> dict[str, Split]:
    if cache is not None and cache.is_file():
        return pickle.loads(cache.read_bytes())
    splits: dict[str, Split] = {}
    for name, files in (("train", TRAIN), ("dev", (DEV,)), ("ood", (OOD,))):
        rows = [r for f in files for r in list(read_jsonl(data / f))[: limit or None]]
        t0 = time.time()
        splits[name] = out_of_fold(rows, folds) if name == "train" and folds else featurise(rows)
        print(f"  {name}: {len(rows)} abstracts extracted in {time.time() - t0:.0f} s", file=sys.stderr)
    if cache is not None:
        cache.write_bytes(pickle.dumps(splits))
    return splits


def matrix(split: Split, bits: int) -> tuple[sparse.csr_matrix, np.ndarray]:
    idx = [hash_features(f, bits) for feats, _, _ in split for f in feats]
    y = np.array([lab for _, labels, _ in split for lab in labels], dtype=np.float64)
    indptr = np.concatenate([[0], np.cumsum([len(i) for i in idx])])
    data = np.ones(indptr[-1])
    cols = np.concatenate(idx) if idx else np.zeros(0, dtype=np.int64)
    return sparse.csr_matrix((data, cols, indptr), shape=(len(idx), 1 << bits)), y


def train(x: sparse.csr_matrix, y: np.ndarray, l2: float, maxiter: int = 300) -> np.ndarray:
    """Binary logistic regression, L-BFGS on the L2-penalised log loss."""
    xt = x.T.tocsr()

    def f(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w
        loss = float((np.logaddexp(0, z) - y * z).sum() + 0.5 * l2 * (w @ w))
        return loss, xt @ (1 / (1 + np.exp(-z)) - y) + l2 * w

    res = minimize(f, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": maxiter})
    return res.x.astype(np.float32)


def entity_prf(split: Split, probs: np.ndarray, threshold: float) -> dict[str, float]:
    """Lenient entity P/R/F1 of the entities kept at ``threshold`` (as ``kg eval`` would count them,
    up to re-matching: a dropped prediction frees its gold entity for no one else)."""
    labels = np.array([lab for _, labels, _ in split for lab in labels], dtype=bool)
    keep = probs >= threshold
    tp = int((keep & labels).sum())
    fp = int((keep & ~labels).sum())
    gold = sum(n for _, _, n in split)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / gold if gold else 0.0
    return {
        "p": round(p, 4),
        "r": round(r, 4),
        "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4),
        "tp": tp,
        "fp": fp,
        "fn": gold - tp,
    }


def _fold_provenance(folder: Path) -> dict[str, Any]:
    prov = json.loads((folder / "provenance.json").read_text())
    return {
        "command": prov.get("command"),
        "abstracts": prov.get("abstracts"),
        "chosen_epoch": prov.get("chosen_epoch"),
        "tagger_sha256": hashlib.sha256((folder / "tagger.onnx").read_bytes()).hexdigest(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=MODEL_DIR)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N abstracts of each file (tests)")
    ap.add_argument("--cache", type=Path, default=None, help="keep the featurised splits here between runs")
    ap.add_argument(
        "--folds",
        type=Path,
        nargs="*",
        default=[],
        help="fold tagger directories (train_encoder.py --fold K/N, in order K=0..N-1): label the "
        "training abstracts with honest, out-of-fold mentions instead of the shipped tagger's",
    )
    ap.add_argument("--l2", type=float, nargs="+", default=[1.0, 3.0, 10.0, 30.0])
    args = ap.parse_args(argv)
    splits = load_splits(args.data, args.limit, args.cache, args.folds)
    x, y = matrix(splits["train"], BITS)
    xd, _ = matrix(splits["dev"], BITS)
    xo, _ = matrix(splits["ood"], BITS)
    none = {k: entity_prf(splits[k], np.ones(m.shape[0]), 0.5) for k, m in (("dev", xd), ("ood", xo))}
    print(f"no filter: dev {none['dev']}  dev-ood {none['ood']}")
    grid = np.round(np.arange(0.05, 0.8, 0.025), 3)
    best: tuple[float, float, float, np.ndarray] | None = None
    for l2 in args.l2:
        w = train(x, y, l2)
        pd = 1 / (1 + np.exp(-(xd @ w)))
        for t in grid:
            f1 = entity_prf(splits["dev"], pd, float(t))["f1"]
            if best is None or f1 > best[0]:
                best = (f1, l2, float(t), w)
        print(f"l2 {l2}: best dev F1 {max(entity_prf(splits['dev'], pd, float(t))['f1'] for t in grid)}")
    assert best is not None
    _, l2, t, w = best
    scores = {k: entity_prf(splits[k], 1 / (1 + np.exp(-(m @ w))), t) for k, m in (("dev", xd), ("ood", xo))}
    print(f"chosen l2 {l2} threshold {t}: dev {scores['dev']}  dev-ood {scores['ood']}")
    EntityFilter(w, t, BITS).save(args.out)
    files = [args.data / f for f in (*TRAIN, DEV)]
    prov = {
        "what": "entity filter: logistic regression over hashed features of each recognised entity (keep / drop)",
        "abstracts": len(splits["train"]),
        "folds": [_fold_provenance(f) for f in args.folds],
        "command": "scripts/train_entity_filter.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "trained_on": list(TRAIN),
        "chosen_on": DEV,
        "l2": l2,
        "threshold": t,
        "bits": BITS,
        "entities": int(x.shape[0]),
        "kept_fraction": round(float(y.mean()), 4) if len(y) else 0.0,
        "data_sha256": {
            str(f.relative_to(args.data)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files if f.is_file()
        },
        "dev_without_filter": none["dev"],
        "dev": scores["dev"],
        "dev_ood_reported_only": scores["ood"],
        "licence": "trained from train-gold annotations (see ../shared/data/train-gold/README.md); weights MIT like kg",
    }
    (args.out / "provenance.json").write_text(json.dumps(prov, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
