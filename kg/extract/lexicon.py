"""Word lists the rule components share: head nouns that type a phrase, and words that are never names.

Kept in one module so a reviewer sees every hand-written list in one place. Types come from
:class:`kg.vocab.EntityType`; these lists only say which words point to which type. Single words
are written as whitespace-separated text, phrases (:data:`GENERIC_TERMS`) comma-separated.

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


def _words(text: str) -> list[str]:
    """The whitespace-separated words of a list below."""
    return text.split()


def _terms(text: str) -> list[str]:
    """The comma-separated phrases of a list below."""
    return [t.strip() for t in text.split(",") if t.strip()]


#: Last word of a lower-case phrase naming a research task ("medical image segmentation").
TASK_HEADS = frozenset(
    _words(
        """
        generation recognition detection segmentation classification retrieval summarization summarisation
        translation estimation localization localisation prediction answering assessment captioning tracking
        synthesis completion parsing tagging forecasting recommendation editing reconstruction grounding
        inpainting super-resolution restoration production understanding reasoning navigation manipulation
        extraction matching verification transcription diarization colorization deblurring dehazing registration
        planning
        """
    )
)

#: Last word of a phrase naming a technique ("knowledge distillation", "masked image modeling").
METHOD_HEADS = frozenset(
    _words(
        """
        learning training pre-training pretraining fine-tuning finetuning tuning distillation prompting modeling
        modelling augmentation pruning quantization sampling initialization initialisation routing transfer
        guidance masking decoding regularization normalization optimization optimisation tokenization
        recomputation parallelism pipelining interpolation encoding embedding embeddings adaptation merging
        search scheduling caching compression calibration curation filtering decomposition inheriting optimizer
        optimizers
        """
    )
)

#: Last word of a phrase naming a metric ("attack success rate", "top-1 accuracy").
METRIC_HEADS = frozenset(
    _words(
        """
        accuracy precision recall rate f1 perplexity error utilization
        """
    )
)

#: Last word of a Title-Case name that is a model/architecture ("Frame Reinforcement Network").
MODEL_HEADS = frozenset(
    _words(
        """
        network networks transformer transformers model models net encoder decoder autoencoder architecture llm
        llms mllm agent backbone
        """
    )
)

#: Nouns near a name that say what it is ("X, a pruning method", "the Y benchmark").
TYPE_NOUNS: dict[str, EntityType] = {
    **dict.fromkeys(
        _words(
            """
            method methods framework frameworks approach approaches technique techniques algorithm algorithms
            strategy strategies paradigm mechanism module loss objective recipe pipeline procedure scheme library
            toolkit system
            """
        ),
        EntityType.METHOD,
    ),
    **dict.fromkeys(
        _words(
            """
            model models architecture architectures network networks llm llms mllm mllms vlm vlms backbone backbones
            transformer encoder agent checkpoint checkpoints series family variant variants
            """
        ),
        EntityType.MODEL,
    ),
    **dict.fromkeys(
        _words(
            """
            dataset datasets corpus corpora archive
            """
        ),
        EntityType.DATASET,
    ),
    **dict.fromkeys(
        _words(
            """
            benchmark benchmarks suite testbed leaderboard
            """
        ),
        EntityType.BENCHMARK,
    ),
    **dict.fromkeys(
        _words(
            """
            task tasks problem problems
            """
        ),
        EntityType.TASK,
    ),
    **dict.fromkeys(
        _words(
            """
            metric metrics score scores measure
            """
        ),
        EntityType.METRIC,
    ),
}

#: Adjectives/determiners that never start a named technique or task ("various", "our", "novel").
GENERIC_MODIFIERS = frozenset(
    _words(
        """
        a an the our their its his her this that these those such any each every some all both other various
        different diverse downstream existing previous prior novel new strong efficient effective simple
        standard general large small high low better best state-of-the-art sota multiple several many real-world
        further extensive comprehensive traditional conventional typical significant current recent future
        robust powerful additional specific overall final same entire full whole original proposed unified
        scalable remarkable superior competitive promising challenging key main important large-scale
        high-quality intricate improved enhanced advanced modern popular common widely-used well-known naive
        vanilla basic related corresponding respective certain particular given more less most least fewer
        limited considerable substantial great good poor practical principled lightweight heavy complex
        simple-yet-effective open-source open public human-like generic first second third two three four five
        one single dual broad wide fast slow secondary primary underlying inherent comparable strong-performing
        end-to-end average mean pre-trained pretrained well-trained well-established frozen learnable model
        training called named dubbed termed possible inefficient sole static unimodal generative lower higher
        reasonable decent impressive notable
        """
    )
)

#: Capitalised tokens / acronyms that look like names but are not ML entities.
NOT_NAMES = frozenset(
    _words(
        """
        AI ML NLP CV DL LLM LLMs MLLM MLLMs VLM VLMs LM LMs GPU GPUs CPU CPUs TPU TPUs RAM API APIs SOTA URL
        HTTP HTML PDF JSON XML SQL USA US UK EU IEEE ACM CVPR ICCV ECCV NeurIPS ICML ICLR ACL EMNLP NAACL AAAI
        IJCAI KDD arXiv GitHub HuggingFace Hugging Face Python PyTorch TensorFlow JAX CUDA OK I II III IV V VI
        We Our In On The This These Code Experiments Extensive However Moreover Furthermore Additionally Finally
        First Second Third Specifically Besides Notably Recently Overall Results Unlike Compared Despite
        Although While Based To For With By As At From Existing Previous Prior Current Recent Using Given
        Through Across Nevertheless Consequently CT MRI RGB RGB-D 2D 3D 4D HD FPS FLOPs FLOPS TFLOPs GB MB KB TB
        ms Hz AR VR XR IoT UAV UAVs PhD Ph.D. Inc Ltd KV AMD Intel Qualcomm Huawei ByteDance Tencent Baidu
        NVIDIA Google Meta OpenAI Microsoft Alibaba Amazon Apple DeepMind Anthropic Cloud English Chinese
        Persian Japanese Korean French German Spanish Arabic Internet Web PLMs PTLMs LMMs SLMs VL TV LR L1 L2 LN
        BF16 FP16 FP32 FP8 INT8 INT4 URLs UCSB MIT CMU UCLA LiDAR GFLOPs FLOP KVs MASK OOD IID NN FT RMS HBM TCP
        PLM PTLM SLM LMM ID IDs NVMe
        """
    )
)

#: Whole phrases that are too generic to be entities (GUIDELINES.md: not "deep learning", "model").
GENERIC_TERMS = frozenset(
    _terms(
        """
        large language model, large language models, llm, llms, multimodal large language model,
        multimodal large language models, mllm, mllms, vision-language model, vision-language models, vlm, vlms,
        language model, language models, deep learning, machine learning, neural network, neural networks,
        deep neural network, deep neural networks, dnn, dnns, artificial intelligence, ai, pre-training,
        pretraining, fine-tuning, finetuning, training, learning, post-training, inference, foundation model,
        foundation models, pre-trained model, pre-trained models, pretrained models, model, models,
        end-to-end learning, few-shot, zero-shot, downstream tasks, state-of-the-art, sota, generative ai,
        self-supervision, supervision, optimization, generation, evaluation, alignment, reasoning, understanding,
        representation learning, sampling, search, encoding, loss, pruning, quantization, attention, strategy,
        mechanism, algorithm, technique, paradigm, objective, method, learning rate, learning rates,
        natural language processing, computer vision, pretrained language models, pre-trained language models,
        pretrained language model, pre-trained language model, large multimodal models, large multimodal model,
        small language models, small language model, long-context models, long-context model, multimodal models,
        multimodal model, generative models, generative model, vision models, vision model, base models,
        base model, adversarial attacks, adversarial attack
        """
    )
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
