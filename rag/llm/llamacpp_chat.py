"""A thin LangChain chat model over an in-process `llama_cpp.Llama`.

Why not `ChatLlamaCpp`: we need one loaded model shared by every caller, a lock
(a `Llama` object is not thread-safe: Streamlit serves sessions on threads), and
optional GBNF grammars for constrained output. The model is loaded lazily on the
first call and cached per (path, context, threads).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field

log = logging.getLogger(__name__)

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(path: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(path, threading.Lock())


@lru_cache(maxsize=2)
def load_llama(path: str, n_ctx: int, n_threads: int) -> Any:
    try:
        from llama_cpp import Llama
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "llama-cpp-python is not installed; `pip install llama-cpp-python`, "
            "or set llm_backend to 'extractive', 'ollama:<model>' or 'openai:<model>'"
        ) from exc
    if not os.path.isfile(path):
        raise RuntimeError(f"GGUF model file {path} does not exist; fix the llm_backend setting (gguf:<path>)")
    threads = n_threads or (os.cpu_count() or 2)
    log.info("loading GGUF model %s (n_ctx=%d, threads=%d)", path, n_ctx, threads)
    return Llama(model_path=path, n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, verbose=False)


def _role(m: BaseMessage) -> str:
    return {"human": "user", "ai": "assistant", "system": "system"}.get(m.type, "user")


class LlamaCppChat(BaseChatModel):
    """Chat model over a local GGUF file, serialised by a per-file lock."""

    model_path: str
    n_ctx: int = 4096
    n_threads: int = 0
    temperature: float = 0.0
    max_tokens: int = 384
    stop: list[str] = Field(default_factory=list)
    grammar: str | None = None  # GBNF text; constrains the output when set
    model_name: str = "gguf"

    model_config = ConfigDict(arbitrary_types_allowed=True)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-inprocess"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "temperature": self.temperature}

    def warm_up(self) -> None:
        load_llama(self.model_path, self.n_ctx, self.n_threads)

    def _kwargs(self, stop: list[str] | None, **kwargs: Any) -> dict[str, Any]:
        out: dict[str, Any] = {
            "temperature": kwargs.get("temperature", self.temperature),
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "stop": list(stop or []) + list(self.stop) or None,
            "repeat_penalty": kwargs.get("repeat_penalty", 1.1),
        }
        grammar = kwargs.get("grammar", self.grammar)
        if grammar:
            from llama_cpp import LlamaGrammar

            out["grammar"] = LlamaGrammar.from_string(grammar, verbose=False)
        return out

    def _messages(self, messages: list[BaseMessage]) -> list[dict[str, str]]:
        return [{"role": _role(m), "content": str(m.content)} for m in messages]

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        text = "".join(c.message.content for c in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        llm = load_llama(self.model_path, self.n_ctx, self.n_threads)
        params = self._kwargs(stop, **kwargs)
        # Hold the lock for the whole generation: interleaved streams would corrupt the KV cache.
        with _lock_for(self.model_path):
            for part in llm.create_chat_completion(messages=self._messages(messages), stream=True, **params):
                delta = part["choices"][0].get("delta", {}).get("content")
                if not delta:
                    continue
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                if run_manager:
                    run_manager.on_llm_new_token(delta, chunk=chunk)
                yield chunk
