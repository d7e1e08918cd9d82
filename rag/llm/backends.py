"""Pick a LangChain chat model from `Settings.llm_backend`.

"bundled"        the packaged Qwen2.5-Coder 0.5B GGUF, in-process (llama-cpp-python)
"gguf:<path>"    any GGUF file, in-process
"ollama:<model>" an Ollama server at Settings.llm_endpoint (default http://127.0.0.1:11434)
"openai:<model>" any OpenAI-compatible endpoint (vLLM, LM Studio, llama_cpp.server, a hosted API)
"extractive"     no LLM: get_chat_model returns None
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.settings import Settings

KINDS = ("bundled", "gguf", "ollama", "openai", "extractive")


@dataclass(frozen=True)
class BackendSpec:
    kind: str
    target: str = ""  # path or model name

    @property
    def label(self) -> str:
        return self.kind if not self.target else f"{self.kind}:{self.target}"

    @property
    def in_process(self) -> bool:
        return self.kind in ("bundled", "gguf")


def parse_backend(value: str) -> BackendSpec:
    raw = (value or "").strip()
    kind, _, target = raw.partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise ValueError(f"llm_backend {value!r} is not one of: bundled, gguf:<path>, ollama:<model>, "
                         "openai:<model>, extractive")
    if kind in ("gguf", "ollama", "openai") and not target.strip():
        raise ValueError(f"llm_backend {value!r} needs a {'path' if kind == 'gguf' else 'model name'} after the colon")
    return BackendSpec(kind, target.strip())


def get_chat_model(settings: Settings, backend: str | None = None, **overrides: Any):
    """A LangChain chat model for the configured backend, or None for "extractive"."""
    spec = parse_backend(backend or settings.llm_backend)
    temperature = overrides.pop("temperature", settings.llm_temperature)
    max_tokens = overrides.pop("max_tokens", settings.llm_max_tokens)
    if spec.kind == "extractive":
        return None
    if spec.in_process:
        from rag.llm.bundled import BUNDLED_MODEL_NAME, bundled_model_path
        from rag.llm.llamacpp_chat import LlamaCppChat

        if spec.kind == "bundled":
            path, name = bundled_model_path(settings.home), BUNDLED_MODEL_NAME
        else:
            path = Path(spec.target).expanduser()
            if not path.is_file():
                raise ValueError(f"llm_backend {spec.label!r}: GGUF file {path} does not exist")
            name = path.stem
        return LlamaCppChat(model_path=str(path), n_ctx=settings.llm_context, n_threads=settings.llm_threads,
                            temperature=temperature, max_tokens=max_tokens, model_name=name, **overrides)
    if spec.kind == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError as exc:  # pragma: no cover
            raise RuntimeError("the ollama backend needs `pip install langchain-ollama`") from exc
        return ChatOllama(model=spec.target, base_url=settings.llm_endpoint or "http://127.0.0.1:11434",
                          temperature=temperature, num_predict=max_tokens, **overrides)
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:  # pragma: no cover
        raise RuntimeError("the openai backend needs `pip install langchain-openai`") from exc
    if not settings.llm_endpoint and not settings.llm_api_key:
        raise ValueError(f"llm_backend {spec.label!r} needs llm_endpoint (the server's /v1 URL) or llm_api_key")
    return ChatOpenAI(model=spec.target, base_url=settings.llm_endpoint or None,
                      api_key=settings.llm_api_key or "not-needed", temperature=temperature,
                      max_tokens=max_tokens, timeout=120, max_retries=1, **overrides)
