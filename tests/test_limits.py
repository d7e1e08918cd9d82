"""Limits that protect everyone (issue 12, item 6): unpacked sizes checked while reading .docx, .pdf
and .html/.xml, and query embedding that does not queue every user behind one lock."""

from __future__ import annotations

import io
import resource
import threading
import time
import zipfile
from pathlib import Path

import pytest

from corpus.errors import LoadError
from corpus.loaders import load_file
from corpus.settings import load_settings
from tests._docs import make_docx, make_pdf


def _zip_bomb_docx(path: Path, tmp_path: Path, unpacked_mb: int) -> Path:
    """A valid .docx whose document.xml holds `unpacked_mb` MB of spaces: a few hundred KB on disk."""
    good = make_docx(tmp_path / "good.docx", "Bom", [("p", "Een gewone alinea.")])
    src = zipfile.ZipFile(good)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                pad = b" " * (unpacked_mb * 2**20)
                data = data.replace(b"<w:body>", b"<w:body>" + pad, 1)
            out.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_docx_zip_bomb_is_refused_while_reading(tmp_path):
    bomb = _zip_bomb_docx(tmp_path / "bom.docx", tmp_path, unpacked_mb=300)
    assert bomb.stat().st_size < 1_000_000  # ~300 KB on disk, like the one in the issue
    settings = load_settings({"home": tmp_path / "home"}, env={})
    before = _peak_mb()
    t0 = time.perf_counter()
    with pytest.raises(LoadError, match=r"unpack to more than 100 MB.*max_unpacked_mb"):
        load_file(bomb, settings)
    assert time.perf_counter() - t0 < 2.0
    assert _peak_mb() - before < 150, "the bomb was unpacked before the limit applied"


def test_docx_limit_counts_bytes_read_not_what_the_zip_declares(tmp_path):
    """A member that under-declares its size: the streamed read stops at the limit (or at the CRC)."""
    import struct

    bomb = _zip_bomb_docx(tmp_path / "bom.docx", tmp_path, unpacked_mb=40)
    raw = bytearray(bomb.read_bytes())
    zf = zipfile.ZipFile(io.BytesIO(bytes(raw)))
    info = zf.getinfo("word/document.xml")
    struct.pack_into("<I", raw, info.header_offset + 22, 1000)  # local header: uncompressed size
    pos = raw.find(b"PK\x01\x02")
    while pos >= 0:
        name_len = struct.unpack_from("<H", raw, pos + 28)[0]
        if bytes(raw[pos + 46 : pos + 46 + name_len]) == b"word/document.xml":
            struct.pack_into("<I", raw, pos + 24, 1000)  # central directory: uncompressed size
        pos = raw.find(b"PK\x01\x02", pos + 4)
    liar = tmp_path / "leugen.docx"
    liar.write_bytes(bytes(raw))
    settings = load_settings({"home": tmp_path / "home", "max_unpacked_mb": 5}, env={})
    with pytest.raises(LoadError, match=r"not a readable \.docx|unpack to more than"):
        load_file(liar, settings)


def test_normal_docx_with_media_still_loads(tmp_path):
    good = make_docx(tmp_path / "brief.docx", "Kamerbrief", [("p", "De minister schrijft de Kamer.")])
    with zipfile.ZipFile(good, "a") as z:  # an image part: kept out of memory, never needed for text
        z.writestr("word/media/image1.png", b"\x89PNG" + b"\x00" * 5_000_000)
    raw = load_file(good, load_settings({"home": tmp_path / "home", "max_unpacked_mb": 1}, env={}))
    assert "De minister schrijft de Kamer." in raw.text


def test_pdf_text_is_capped_page_by_page(tmp_path):
    line = "Dit is een regel tekst op een pagina van een heel lang document met veel woorden erin. "
    pdf = make_pdf(tmp_path / "lang.pdf", [line * 8] * 60)
    settings = load_settings({"home": tmp_path / "home", "max_text_mb": 0.01}, env={})  # ~10 KB of text
    with pytest.raises(LoadError, match=r"more than 0\.01 MB of text by page (\d+) of 60") as err:
        load_file(pdf, settings)
    page = int(err.value.reason.split("by page ")[1].split()[0])
    assert page < 60  # stopped reading there, not after extracting everything


def test_html_markup_and_text_are_capped(tmp_path):
    page = tmp_path / "pagina.html"
    page.write_text("<html><body>" + "<p>Een alinea met tekst over de begroting.</p>" * 60_000 + "</body></html>")
    assert page.stat().st_size > 2 * 2**20
    with pytest.raises(LoadError, match=r"MB of markup: over the limit max_unpacked_mb=1"):
        load_file(page, load_settings({"home": tmp_path / "home", "max_unpacked_mb": 1}, env={}))
    with pytest.raises(LoadError, match=r"more than 0\.5 MB of text: over the limit max_text_mb=0\.5"):
        load_file(page, load_settings({"home": tmp_path / "home", "max_text_mb": 0.5}, env={}))
    xml = tmp_path / "stuk.xml"
    xml.write_text("<kamerstuk>" + "<al>Een alinea met tekst over de begroting.</al>" * 60_000 + "</kamerstuk>")
    with pytest.raises(LoadError, match=r"more than 0\.5 MB of text"):
        load_file(xml, load_settings({"home": tmp_path / "home", "max_text_mb": 0.5}, env={}))


@pytest.mark.slow
def test_a_long_query_does_not_block_other_users_queries(tmp_settings):
    """One long question used to hold the one embedding lock; another user's query waited for it."""
    from embeddings import make_embeddings

    emb = make_embeddings(tmp_settings)
    emb.embed_query_vector("opwarmen")
    t0 = time.perf_counter()
    emb.embed_query_vector("Welke rechtsgronden erkent het kabinet?")
    normal = time.perf_counter() - t0
    long_question = "Het kabinet schrijft over de inzet van de krijgsmacht en de rechtsgronden daarvoor. " * 120
    done = threading.Event()
    long_took: list[float] = []

    def long_user():
        t = time.perf_counter()
        emb.embed_query_vector(long_question)
        long_took.append(time.perf_counter() - t)
        done.set()

    threading.Thread(target=long_user, daemon=True).start()
    time.sleep(0.1)
    t0 = time.perf_counter()
    emb.embed_query_vector("Welke rechtsgronden erkent het kabinet?")
    short = time.perf_counter() - t0
    still_running = not done.is_set()
    done.wait(300)
    assert still_running, f"the long query finished too soon ({long_took}) to show anything; make it longer"
    assert short < max(1.0, 10 * normal) and short < long_took[0] / 2, (short, normal, long_took)


@pytest.mark.slow
def test_a_backend_that_is_not_thread_safe_gets_a_small_engine_pool(tmp_settings):
    """sentence-transformers' tokenizer fails when two threads use it at once ("Already borrowed"):
    concurrent queries go to up to `pool_size` loaded copies instead of one global lock."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from embeddings import make_embeddings
    from tests.test_embeddings import minilm_path

    emb = make_embeddings(tmp_settings.replace(embedding_model=f"sentence-transformers:{minilm_path()}"))
    assert not emb.thread_safe
    questions = [f"Hoeveel subsidie krijgt project {i} voor de dijken?" for i in range(24)]
    alone = [emb.embed_query_vector(q) for q in questions]
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(emb.embed_query_vector, questions))
    assert all(np.allclose(a, b, atol=1e-5) for a, b in zip(alone, together))
    assert 1 <= emb._pool_n <= emb.pool_size


@pytest.mark.slow
def test_a_100_kb_search_query_is_refused_at_once(demo_home):
    """A 100 KB query used to hold a core for a minute in the compound splitter; now it is refused."""
    from rag.retriever import get_retriever

    retriever = get_retriever(demo_home)
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="too long"):
        retriever.search("Wat zegt het kabinet over Mali? " * 3300)
    assert time.perf_counter() - t0 < 1.0
    assert retriever.search("Wat zegt het kabinet over Mali?", k=1)  # normal queries are untouched
