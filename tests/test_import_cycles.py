"""Import circles inside rag/ (issue 12, item 9): indexing <-> retriever is gone; the indexes tell
retrievers nothing, retrievers watch the manifest (also for versions written in this process)."""

from __future__ import annotations

import ast
from pathlib import Path

from corpus.models import Chunk, Document
from corpus.store import ChunkStore

ROOT = Path(__file__).resolve().parent.parent


def rag_imports(module: str) -> set[str]:
    """The rag.* modules `module` imports anywhere in its source (function-level imports too)."""
    path = ROOT / (module.replace(".", "/") + ".py")
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("rag.")}
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "rag":
                out |= {f"rag.{a.name}" for a in node.names}
            elif node.module.startswith("rag."):
                out.add(node.module)
    return out


def test_indexing_and_retriever_do_not_import_each_other():
    assert "rag.indexing" in rag_imports("rag.retriever")
    assert "rag.retriever" not in rag_imports("rag.indexing")


def test_a_retriever_sees_a_version_written_in_its_own_process(tmp_settings):
    from rag.indexing import sync_indexes
    from rag.retriever import HybridRetriever

    settings = tmp_settings.replace(sentence_weight=0.0)
    store = ChunkStore(settings.home)

    def put(doc_id, text):
        chunk = Chunk(f"{doc_id}-0", doc_id, text, 1, 1, None, {}, None, doc_id, 0)
        store.replace_document(Document(doc_id, f"/x/{doc_id}.txt", None, {}), [chunk], fingerprint=doc_id)

    put("a", "De minister schrijft over dijkversterking in Zeeland.")
    sync_indexes(store, settings, progress=False)
    retriever = HybridRetriever(settings)
    assert {p.chunk.doc_id for p in retriever.search("dijkversterking", 5)} == {"a"}
    for i in range(3):  # versions in quick succession: same size, maybe the same file times
        put(f"b{i}", f"Het kabinet investeert in de zorg, deel {i}.")
        sync_indexes(store, settings, progress=False)
        assert f"b{i}" in {p.chunk.doc_id for p in retriever.search("zorg kabinet", 10)}


def _module_names() -> set[str]:
    out = set()
    for path in (ROOT / "rag").rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.add(".".join(parts))
    return out


def _imports(module: str, known: set[str]) -> set[str]:
    """rag modules `module` imports anywhere (function level too), `from pkg import sub` resolved to sub."""
    base = ROOT / module.replace(".", "/")
    path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "rag":
            subs = {f"{node.module}.{a.name}" for a in node.names} & known
            out |= subs or ({node.module} & known)
    return out - {module}


def test_no_import_circles_inside_rag():
    known = _module_names()
    graph = {m: _imports(m, known) for m in known}
    # a package's __init__ may name its modules lazily; only module-to-module circles count
    circles = []
    for a in graph:
        for b in graph[a]:
            if a in graph.get(b, set()) and a < b and not (a in b or b in a):
                circles.append((a, b))
    assert circles == []
