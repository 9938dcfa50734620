"""The torch side of the learned entity tagger (mirrors kg/extract/encoder.py): the model, its ONNX export
and the check that torch and onnxruntime agree. Used by scripts/train_encoder.py; needs torch.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from kg.extract.encoder import LABELS, EncoderTagger, windows
from kg.extract.wordpiece import N_SHAPES

__all__ = ["Layer", "Tagger", "to_onnx", "check_onnx"]


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
