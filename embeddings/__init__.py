"""Text -> vectors: LangChain `Embeddings` backends chosen by settings, plus a vector cache."""

from embeddings.factory import get_embeddings, make_embeddings

__all__ = ["get_embeddings", "make_embeddings"]
