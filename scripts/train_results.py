#!/usr/bin/env python
"""Train the number classifier of :mod:`kg.extract.results` (seeded, numpy, seconds on a CPU).

Every number :func:`kg.extract.numbers.find_numbers` finds in a gold abstract is one example; its
label is the kind of the gold result with the same value whose evidence holds it, else "none".
Trains a softmax regression over :func:`kg.extract.results.number_features` on train.jsonl +
train-conf.jsonl + dev-gold's seeds-dev.jsonl, chooses the L2 strength and the threshold on
dev.jsonl (number-level F1 of "is a result" with the right kind), and writes
``kg/models/results.json`` (weights of features seen at least twice, threshold, provenance).

Usage (from the repo root)::

    .venv/bin/python scripts/train_results.py               # the shipped model
    .venv/bin/python scripts/train_results.py --out /tmp/results.json --seed 1
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))
from kg.extract.numbers import find_numbers, parse_value  # noqa: E402
from kg.extract.results import KINDS, MODEL_PATH, number_features  # noqa: E402

__all__ = ["examples", "train", "main"]

TRAIN_FILES = ("train-gold/train.jsonl", "train-gold/train-conf.jsonl", "dev-gold/seeds-dev.jsonl")
DEV_FILE = "train-gold/dev.jsonl"
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")


def _sentences(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in _SENT.finditer(text):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(text)))
    return out


def examples(rows: list[dict[str, Any]]) -> tuple[list[list[str]], list[int]]:
    """(features, class index) of every number in the rows' abstracts."""
    feats, labels = [], []
    for row in rows:
        text = row["abstract"]
        gold = []
        for r in row.get("results", []):
            parsed = parse_value(r["value"])
            at = text.find(r["evidence"][:60]) if r.get("evidence") else -1
            span = (at, at + len(r["evidence"])) if at >= 0 else (0, len(text))
            if parsed is not None:
                gold.append((round(parsed[0], 6), span, KINDS.index(r["kind"])))
        taken: set[int] = set()
        for s, e in _sentences(text):
            sentence = text[s:e]
            for n in find_numbers(sentence):
                label = 0
                for i, (num, (lo, hi), kind) in enumerate(gold):
                    if i not in taken and num == round(n.num, 6) and lo <= s + n.start < hi:
                        label = kind
                        # Several gold results may share one number (one per baseline): all of them.
                        taken.update(j for j, g in enumerate(gold) if g[0] == num and g[1] == (lo, hi))
                        break
                feats.append(number_features(sentence, n))
                labels.append(label)
    return feats, labels


def _matrix(feats: list[list[str]], index: dict[str, int]) -> np.ndarray:
    x = np.zeros((len(feats), len(index)), dtype=np.float64)
    for i, f in enumerate(feats):
        for name in f:
            j = index.get(name)
            if j is not None:
                x[i, j] = 1.0
    return x


def train(x: np.ndarray, y: np.ndarray, l2: float, seed: int, epochs: int = 400, lr: float = 0.5) -> np.ndarray:
    """Full-batch gradient descent on the class-balanced softmax loss; returns W (features x classes)."""
    rng = np.random.default_rng(seed)
    k = len(KINDS)
    w = rng.normal(0, 0.01, size=(x.shape[1], k))
    onehot = np.eye(k)[y]
    counts = np.bincount(y, minlength=k).astype(float)
    # "none" outnumbers results about 5:1; weigh the result classes up to half of it.
    cw = np.where(np.arange(k) == 0, 1.0, np.sqrt(counts[0] / np.maximum(counts, 1)))
    sw = cw[y] / cw[y].mean()
    for _ in range(epochs):
        z = x @ w
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = x.T @ ((p - onehot) * sw[:, None]) / len(y) + l2 * w
        w -= lr * grad
    return w


def _probs(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    z = x @ w
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


def _f1(p: np.ndarray, y: np.ndarray, threshold: float) -> tuple[float, float, float]:
    pred_result = 1 - p[:, 0] >= threshold
    kind = p[:, 1:].argmax(axis=1) + 1
    tp = int(np.sum(pred_result & (y > 0) & (kind == y)))
    fp = int(np.sum(pred_result)) - tp
    fn = int(np.sum(y > 0)) - tp
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return prec, rec, 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    files = [args.data / f for f in TRAIN_FILES if (args.data / f).is_file()]
    train_rows = [r for f in files for r in _read(f)]
    dev_rows = _read(args.data / DEV_FILE)
    tf, tl = examples(train_rows)
    df, dl = examples(dev_rows)
    counts = Counter(name for f in tf for name in set(f))
    vocab = sorted(name for name, c in counts.items() if c >= 2)
    index = {name: i for i, name in enumerate(vocab)}
    xt, yt = _matrix(tf, index), np.array(tl)
    xd, yd = _matrix(df, index), np.array(dl)
    print(f"train: {len(tl)} numbers, {int((yt > 0).sum())} results; dev: {len(dl)} numbers, {int((yd > 0).sum())}")
    best: tuple[float, float, float, np.ndarray] | None = None
    for l2 in (1e-4, 3e-4, 1e-3, 3e-3, 1e-2):
        w = train(xt, yt, l2, args.seed)
        p = _probs(xd, w)
        for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
            prec, rec, f1 = _f1(p, yd, threshold)
            print(f"l2={l2:<7g} threshold={threshold:.1f}  dev P {prec:.3f} R {rec:.3f} F1 {f1:.3f}")
            if best is None or f1 > best[0]:
                best = (f1, l2, threshold, w)
    assert best is not None
    f1, l2, threshold, w = best
    print(f"chosen: l2={l2:g} threshold={threshold} (dev number-level F1 {f1:.3f})")
    weights = {name: [round(float(v), 4) for v in w[i]] for name, i in index.items() if np.abs(w[i]).max() >= 1e-3}
    checksums = {f.name: hashlib.sha256(f.read_bytes()).hexdigest()[:16] for f in files}
    out = {
        "classes": list(KINDS),
        "threshold": threshold,
        "provenance": {
            "script": "scripts/train_results.py",
            "seed": args.seed,
            "l2": l2,
            "train": checksums,
            "train_numbers": len(tl),
            "dev_number_f1": round(f1, 4),
        },
        "weights": weights,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(weights)} features)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
