"""LLM backends for answering, behind LangChain chat-model interfaces.

`get_chat_model(settings)` picks the backend named by `Settings.llm_backend`:
"bundled", "gguf:<path>", "ollama:<model>", "openai:<model>" or "extractive"
(no LLM: returns None). Nothing is loaded at import.
"""

from rag.llm.backends import BackendSpec, get_chat_model, parse_backend
from rag.llm.bundled import BUNDLED_MODEL_NAME, bundled_model_path

__all__ = ["BackendSpec", "get_chat_model", "parse_backend", "bundled_model_path", "BUNDLED_MODEL_NAME"]
