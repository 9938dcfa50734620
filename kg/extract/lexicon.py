"""Word lists the rule components share: head nouns that type a phrase, and words that are never names.

Kept in one module so a reviewer sees every hand-written list in one place. Types come from
:class:`kg.vocab.EntityType`; these lists only say which words point to which type.

Examples
--------
>>> head_type("segmentation"), head_type("distillation"), head_type("table")
(<EntityType.TASK: 'Task'>, <EntityType.METHOD: 'Method'>, None)
"""

from __future__ import annotations

from kg.vocab import EntityType

__all__ = [
    "TASK_HEADS",
    "METHOD_HEADS",
    "METRIC_HEADS",
    "MODEL_HEADS",
    "TYPE_NOUNS",
    "GENERIC_MODIFIERS",
    "NOT_NAMES",
    "GENERIC_TERMS",
    "head_type",
]

#: Last word of a lower-case phrase naming a research task ("medical image segmentation").
TASK_HEADS = frozenset(
    """generation recognition detection segmentation classification retrieval summarization
    summarisation translation estimation localization localisation prediction answering assessment
    captioning tracking synthesis completion parsing tagging forecasting recommendation editing
    reconstruction grounding inpainting super-resolution restoration production understanding
    reasoning navigation manipulation extraction matching verification transcription
    diarization colorization deblurring dehazing registration planning""".split()
)

#: Last word of a phrase naming a technique ("knowledge distillation", "masked image modeling").
METHOD_HEADS = frozenset(
    """learning training pre-training pretraining fine-tuning finetuning tuning distillation prompting
    modeling modelling augmentation pruning quantization sampling initialization initialisation routing
    transfer guidance masking decoding regularization normalization optimization optimisation
    tokenization recomputation parallelism pipelining interpolation encoding embedding
    embeddings adaptation merging search distillation scheduling caching compression calibration
    curation filtering decomposition inheriting""".split()
)

#: Last word of a phrase naming a metric ("attack success rate", "top-1 accuracy").
METRIC_HEADS = frozenset("accuracy precision recall rate f1 perplexity error utilization".split())

#: Last word of a Title-Case name that is a model/architecture ("Frame Reinforcement Network").
MODEL_HEADS = frozenset(
    """network networks transformer transformers model models net encoder decoder autoencoder
    architecture llm llms mllm agent backbone""".split()
)

#: Nouns near a name that say what it is ("X, a pruning method", "the Y benchmark").
TYPE_NOUNS: dict[str, EntityType] = {
    **{w: EntityType.METHOD for w in """method methods framework frameworks approach approaches technique
        techniques algorithm algorithms strategy strategies paradigm mechanism module loss objective
        recipe pipeline procedure scheme library toolkit system""".split()},
    **{w: EntityType.MODEL for w in """model models architecture architectures network networks llm llms
        mllm mllms vlm vlms backbone backbones transformer encoder agent checkpoint checkpoints
        series family variant variants""".split()},
    **{w: EntityType.DATASET for w in "dataset datasets corpus corpora archive".split()},
    **{w: EntityType.BENCHMARK for w in "benchmark benchmarks suite testbed leaderboard".split()},
    **{w: EntityType.TASK for w in "task tasks problem problems".split()},
    **{w: EntityType.METRIC for w in "metric metrics score scores measure".split()},
}

#: Adjectives/determiners that never start a named technique or task ("various", "our", "novel").
GENERIC_MODIFIERS = frozenset(
    """a an the our their its his her this that these those such any each every some all both other
    various different diverse downstream existing previous prior novel new strong efficient effective
    simple standard general large small high low better best state-of-the-art sota multiple several
    many real-world further extensive comprehensive traditional conventional typical significant
    current recent future robust powerful additional specific overall final same entire full whole
    original proposed unified scalable remarkable superior competitive promising challenging key main
    important large-scale high-quality intricate improved enhanced advanced modern popular common
    widely-used well-known naive vanilla basic related corresponding respective certain particular
    given more less most least fewer limited extensive considerable substantial great good poor
    practical principled lightweight heavy complex simple-yet-effective open-source open public
    human-like generic first second third two three four five one single dual broad wide fast slow
    secondary primary existing underlying inherent comparable strong-performing end-to-end average mean
    overall pre-trained pretrained well-trained well-established frozen learnable model training
    called named dubbed termed possible inefficient sole static unimodal generative""".split()
)

#: Capitalised tokens / acronyms that look like names but are not ML entities.
NOT_NAMES = frozenset(
    """AI ML NLP CV DL LLM LLMs MLLM MLLMs VLM VLMs LM LMs GPU GPUs CPU CPUs TPU TPUs RAM API APIs
    SOTA URL HTTP HTML PDF JSON XML SQL USA US UK EU IEEE ACM CVPR ICCV ECCV NeurIPS ICML ICLR ACL
    EMNLP NAACL AAAI IJCAI KDD arXiv GitHub HuggingFace Hugging Face Python PyTorch TensorFlow JAX
    CUDA OK I II III IV V VI We Our In On The This These Code Experiments Extensive However Moreover
    Furthermore Additionally Finally First Second Third Specifically Besides Notably Recently Overall
    Results Besides Unlike Compared Despite Although While Based To Our For With By As At From
    Existing Previous Prior Current Recent Using Given Through Across Nevertheless Consequently
    CT MRI RGB RGB-D 2D 3D 4D HD FPS FLOPs FLOPS TFLOPs GB MB KB TB ms Hz AR VR XR IoT UAV UAVs
    PhD Ph.D. Inc Ltd KV AMD Intel Qualcomm Huawei ByteDance Tencent Baidu NVIDIA Google Meta OpenAI Microsoft Alibaba Amazon Apple DeepMind Anthropic
    Cloud English Chinese Persian Japanese Korean French German Spanish Arabic Internet Web""".split()
)

#: Whole phrases that are too generic to be entities (GUIDELINES.md: not "deep learning", "model").
GENERIC_TERMS = frozenset(
    [
        "large language model", "large language models", "llm", "llms",
        "multimodal large language model", "multimodal large language models", "mllm", "mllms",
        "vision-language model", "vision-language models", "vlm", "vlms", "language model",
        "language models", "deep learning", "machine learning", "neural network", "neural networks",
        "deep neural network", "deep neural networks", "dnn", "dnns", "artificial intelligence", "ai",
        "pre-training", "pretraining", "fine-tuning", "finetuning", "training", "learning",
        "post-training", "inference", "foundation model", "foundation models", "pre-trained model",
        "pre-trained models", "pretrained models", "model", "models", "end-to-end learning",
        "few-shot", "zero-shot", "downstream tasks", "state-of-the-art", "sota", "generative ai",
        "self-supervision", "supervision", "optimization", "generation", "evaluation", "alignment",
        "reasoning", "understanding", "representation learning", "sampling", "search", "encoding",
        "loss", "pruning", "quantization", "attention", "strategy", "mechanism", "algorithm",
        "technique", "paradigm", "objective", "method", "learning rate", "learning rates",
        "natural language processing", "computer vision", "pretrained language models",
        "pre-trained language models", "pretrained language model", "pre-trained language model",
    ]
)


def head_type(word: str) -> EntityType | None:
    """The type a phrase ending in ``word`` names (Task, Method, Metric), or None."""
    w = word.lower()
    if w in TASK_HEADS:
        return EntityType.TASK
    if w in METRIC_HEADS:
        return EntityType.METRIC
    if w in METHOD_HEADS:
        return EntityType.METHOD
    return None
