"""News-article QA: cross-lingual hybrid search (and grounded answers) over Indonesian news.

Public API (other tools and tests rely on these names): NewsQA, Answer, Citation, Article, Hit, IndexReport.
"""
import os as _os

# Offline by construction: nothing may reach for a model hub or phone home.
_os.environ.setdefault("HF_HUB_OFFLINE", "1")
_os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
_os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
_os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from .answering import Answer, Citation  # noqa: E402
from .api import NewsQA  # noqa: E402
from .records import Article, Hit, IndexReport  # noqa: E402

__all__ = ["NewsQA", "Answer", "Citation", "Article", "Hit", "IndexReport"]
