"""Page logic of the Streamlit app, driven headlessly with streamlit.testing.v1.AppTest.

Two layers:
- fast tests: a small hand-made store and a scripted answerer stand in for the
  library, to pin down what each page does with what the library returns
  (history passed on follow-ups, refusals, flags, filters, the waiting state);
- slow tests: the real library (default extractive backend, demo corpus) behind
  the same pages.
"""

from __future__ import annotations

import sys
import threading
import time
import types
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from corpus.models import Answer, Chunk, Citation, Document, Passage
from corpus.store import ChunkStore
from ui import resources

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "ui" / "app.py")
TIMEOUT = 120

TEXT_A = (
    "Het kabinet erkent drie rechtsgronden. Dit zijn het recht op zelfverdediging, toestemming van de "
    "VN-Veiligheidsraad en een uitnodiging van het land waar geweld wordt gebruikt."
)
TEXT_B = "De leden van de VVD-fractie vragen naar de inzet bij de Mensenrechtenraad."


def _chunks() -> list[Chunk]:
    return [
        Chunk("a1", "doc_a", "Inleiding van de brief.", 1, 1, "Inleiding", {}, None, "Kamerstukken II 2019/20, 29 521, nr. 400, p. 1", 0),
        Chunk("a2", "doc_a", TEXT_A, 2, 2, "Rechtsgronden", {}, None, "Kamerstukken II 2019/20, 29 521, nr. 400, p. 2", 1),
        Chunk("a3", "doc_a", "Slotalinea van de brief.", 3, 3, None, {}, None, "Kamerstukken II 2019/20, 29 521, nr. 400, p. 3", 2),
        Chunk("b1", "doc_b", TEXT_B, 4, 4, "Antwoord 3", {"fractie": "VVD"}, None, "Kamerstukken II 2020/21, 26 150, nr. 187, p. 4", 0),
    ]


@pytest.fixture()
def small_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    store = ChunkStore(home)
    chunks = _chunks()
    store.replace_document(
        Document("doc_a", "a.txt", "Kabinetsreactie expertgroep", {"dossier": "29 521", "doc_type": "brief"}),
        [c for c in chunks if c.doc_id == "doc_a"], "fp-a",
    )
    store.replace_document(
        Document("doc_b", "b.txt", "Verslag schriftelijk overleg", {"dossier": "26 150", "doc_type": "verslag"}),
        [c for c in chunks if c.doc_id == "doc_b"], "fp-b",
    )
    store.close()
    monkeypatch.setenv("GRIFFIER_HOME", str(home))
    monkeypatch.delenv("GRIFFIER_LLM_BACKEND", raising=False)
    return home


class ScriptedAnswerer:
    """Answers from the small store: cites TEXT_A, refuses questions with
    'onbekend', flags questions with 'controle'. Records every call."""

    def __init__(self):
        self.calls: list[dict] = []
        self.chunks = {c.chunk_id: c for c in _chunks()}

    def stream(self, question, history=None, filters=None, k=None):
        self.calls.append({"question": question, "history": history, "filters": filters, "k": k})
        passages = [Passage(self.chunks["a2"], 0.9, 1), Passage(self.chunks["b1"], 0.4, 2)]
        if "onbekend" in question:
            yield "Dat kan ik niet vinden in de documenten."
            yield Answer(question, "Dat kan ik niet vinden in de documenten.", refused=True, passages=passages, model="scripted")
            return
        text = "Het kabinet erkent zelfverdediging, een VN-mandaat en een uitnodiging [1]."
        yield from ("Het kabinet erkent ", "zelfverdediging, een VN-mandaat ", "en een uitnodiging [1].")
        flags = ["Zin 2 verwijderd: het getal 12 staat niet in de aangehaalde passage."] if "controle" in question else []
        cit = Citation(1, "a2", "doc_a", "het recht op zelfverdediging", 2, self.chunks["a2"].citation)
        yield Answer(question, text, [cit], passages=passages, flags=flags, model="scripted", timings={"total": 0.1})


@pytest.fixture()
def scripted(monkeypatch, small_home):
    ans = ScriptedAnswerer()
    monkeypatch.setattr(resources, "get_answerer", lambda settings: ans)
    return ans


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def _ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def _html(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_app_has_four_pages_and_chat_is_default(small_home):
    at = _app()
    assert [t.value for t in at.title] == ["Griffier"]
    for page, title in [("views/briefing.py", "Briefing"), ("views/documents.py", "Documenten"),
                        ("views/evaluation.py", "Evaluatie"), ("views/chat.py", "Griffier")]:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert at.title[0].value == title


def test_chat_answer_links_citation_to_highlighted_source(scripted):
    at = _ask(_app(), "Welke rechtsgronden erkent het kabinet?")
    html = _html(at)
    assert 'href="#bron-m1-1"' in html  # the [1] marker links to the card
    assert 'id="bron-m1-1"' in html
    assert "<mark>het recht op zelfverdediging</mark>" in html
    assert "Kamerstukken II 2019/20, 29 521, nr. 400, p. 2" in html
    assert [e.label for e in at.expander if "in context" in e.label] == ["[1] in context lezen"]
    ctx = next(e for e in at.expander if "in context" in e.label)
    assert any("Inleiding van de brief." in t.value for t in ctx.text)  # neighbour shown
    assert not at.warning
    assert scripted.calls[0]["history"] is None and scripted.calls[0]["k"] == 6


def test_follow_up_passes_history_and_new_conversation_clears_it(scripted):
    at = _ask(_app(), "Welke rechtsgronden erkent het kabinet?")
    at = _ask(at, "En wat zei de VVD daarover?")
    hist = scripted.calls[1]["history"]
    assert hist[0] == ("user", "Welke rechtsgronden erkent het kabinet?")
    assert hist[1][0] == "assistant" and "[1]" in hist[1][1]
    assert len(at.session_state["messages"]) == 4
    assert 'id="bron-m3-1"' in _html(at)  # the second answer has its own anchors
    at.button(key="new_chat").click().run()
    assert at.session_state["messages"] == []
    at = _ask(at, "Nieuwe vraag")
    assert scripted.calls[2]["history"] is None


def test_refusal_shows_nearest_passages(scripted):
    at = _ask(_app(), "Iets onbekend?")
    html = _html(at)
    assert "Dat kan ik niet vinden" in html
    assert "Dichtstbijzijnde passages" in html and "Mensenrechtenraad" in html
    assert "<mark>" not in html


def test_check_flags_are_visible(scripted):
    at = _ask(_app(), "Een controle vraag")
    assert any("het getal 12" in w.value for w in at.warning)


def test_sidebar_filters_and_passage_count_reach_the_answerer(scripted):
    at = _app()
    labels = [m.label for m in at.sidebar.multiselect]
    assert labels[:2] == ["Documenten", "Dossier"] and "Fractie" in labels
    assert "VVD" in at.multiselect(key="chat_f_fractie").options
    at.multiselect(key="chat_f_doc_id").select("doc_b").run()
    at.multiselect(key="chat_f_dossier").select("26 150").select("29 521").run()
    at.slider(key="chat_k").set_value(8).run()
    _ask(at, "Welke rechtsgronden?")
    call = scripted.calls[-1]
    assert call["filters"] == {"doc_id": "doc_b", "dossier": ["26 150", "29 521"]}
    assert call["k"] == 8
    caption = " ".join(c.value for c in at.sidebar.caption)
    assert "extractive" in caption and "2 documenten, 4 passages" in caption


def test_passage_count_starts_at_the_answer_setting(scripted, monkeypatch):
    """The chat retrieves as many passages as `griffier ask` and the bench unless the user moves the slider."""
    from corpus.settings import Settings

    _ask(_app(), "Welke rechtsgronden?")
    assert scripted.calls[-1]["k"] == Settings.answer_passages
    monkeypatch.setenv("GRIFFIER_ANSWER_PASSAGES", "9")
    at = _app()
    assert at.slider(key="chat_k").value == 9
    _ask(at, "Welke rechtsgronden?")
    assert scripted.calls[-1]["k"] == 9
    # a setting beyond the slider's usual range widens it instead of breaking the page
    monkeypatch.setenv("GRIFFIER_ANSWER_PASSAGES", "30")
    at = _app()
    assert at.slider(key="chat_k").value == 30 and at.slider(key="chat_k").max == 30


def test_conversation_download_holds_sources(scripted):
    at = _ask(_app(), "Welke rechtsgronden?")
    md = next(c.value for c in at.sidebar.code)
    assert "## Vraag: Welke rechtsgronden?" in md
    assert "[1] Kamerstukken II 2019/20, 29 521, nr. 400, p. 2 — “het recht op zelfverdediging”" in md


def test_answer_error_is_shown_not_raised(small_home, monkeypatch):
    class Broken:
        def stream(self, *a, **kw):
            raise RuntimeError("index ontbreekt: draai griffier ingest")
            yield  # pragma: no cover

    monkeypatch.setattr(resources, "get_answerer", lambda settings: Broken())
    at = _ask(_app(), "Vraag")
    assert any("index ontbreekt" in e.value for e in at.error)
    assert at.session_state["messages"][-1].role == "user"


def test_serialized_waits_for_the_lock_and_shows_waiting_note(small_home):
    settings = resources.get_settings().replace(llm_backend="bundled")
    lock = resources.llm_lock()
    lock.acquire()
    threading.Timer(0.3, lock.release).start()
    waits: list[str] = []

    class Note:
        def empty(self):
            waits.append("cleared")

    with resources.serialized(settings, on_wait=lambda: waits.append("shown") or Note()) as waited:
        assert waited >= 0.2
    assert waits == ["shown", "cleared"]
    assert not lock.locked()
    # a remote or extractive backend is not queued
    with resources.serialized(settings.replace(llm_backend="extractive"), on_wait=lambda: waits.append("x")):
        pass
    assert waits == ["shown", "cleared"]


def test_locked_stream_releases_lock_when_stopped_early(small_home):
    settings = resources.get_settings().replace(llm_backend="gguf:/x.gguf")
    gen = resources.locked_stream(settings, lambda: iter(["a", "b", "c"]))
    assert next(gen) == "a" and resources.llm_lock().locked()
    gen.close()  # what happens when a session navigates away mid-answer
    assert not resources.llm_lock().locked()


def test_chat_waits_for_a_busy_model(scripted, monkeypatch):
    monkeypatch.setenv("GRIFFIER_LLM_BACKEND", "bundled")
    lock = resources.llm_lock()
    lock.acquire()
    threading.Timer(1.0, lock.release).start()
    t0 = time.perf_counter()
    at = _ask(_app(), "Welke rechtsgronden?")
    assert time.perf_counter() - t0 >= 0.9
    assert "<mark>het recht op zelfverdediging</mark>" in _html(at)


def test_documents_page_lists_documents(small_home):
    at = _app()
    at.switch_page("views/documents.py").run()
    df = at.dataframe[0].value
    assert list(df["doc_id"]) == ["doc_a", "doc_b"]
    assert list(df["passages"]) == [3, 1]
    assert set(df["dossier"]) == {"29 521", "26 150"}


def test_documents_page_remove_needs_confirmation(small_home, monkeypatch):
    removed = []
    fake = types.ModuleType("rag.ingest")
    fake.remove_document = lambda doc_id, settings: (removed.append(doc_id), ChunkStore(settings.home).remove_document(doc_id))
    fake.ingest_paths = lambda *a, **kw: None
    fake.open_store = lambda settings: ChunkStore(settings.home)  # the documents page lists through ui.office
    monkeypatch.setitem(sys.modules, "rag.ingest", fake)
    at = _app()
    at.switch_page("views/documents.py").run()
    # widgets inside a form are sent with its submit button, so set them in the same run
    at.selectbox(key="doc_remove").select("doc_b")
    at.button[[b.label for b in at.button].index("Verwijderen")].click().run()
    assert removed == [] and at.warning
    at.selectbox(key="doc_remove").select("doc_b")
    at.checkbox(key="doc_remove_sure").check()
    at.button[[b.label for b in at.button].index("Verwijderen")].click().run()
    assert removed == ["doc_b"]
    assert any("doc_b" in s.value for s in at.success)
    assert list(at.dataframe[0].value["doc_id"]) == ["doc_a"]


def test_briefing_page_renders_and_offers_downloads(small_home, monkeypatch):
    calls = []

    class FakeBriefing:  # the `brief --json` object; one line carries document markup
        passages = ()  # the page checks them against the user's collections

        def to_dict(self):
            return {
                "topic": "rechtsgronden", "created": "2026-01-01", "model": "extractive", "flags": [],
                "sections": [{"title": "Samenvatting", "lines": [
                    {"text": "Drie gronden <img src=x onerror=alert(1)> ![x](http://127.0.0.1:9/x.png).",
                     "citations": [1]}]}],
                "sources": [{"n": 1, "citation": "Kamerstukken II 2019/20, 29 521, nr. 400", "chunk_id": "a2",
                             "doc_id": "doc_a", "page_start": 2}],
            }

    fake = types.ModuleType("rag.briefing")
    fake.draft_briefing = lambda topic, settings, filters=None: (calls.append((topic, filters)), FakeBriefing())[1]
    monkeypatch.setitem(sys.modules, "rag.briefing", fake)
    at = _app()
    at.switch_page("views/briefing.py").run()
    at.multiselect(key="brief_f_dossier").select("29 521").run()
    at.text_input(key="brief_topic").input("rechtsgronden")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert calls == [("rechtsgronden", {"dossier": "29 521"})]
    page = next(m.value for m in at.markdown if m.value.startswith('<div class="griffier-briefing"'))
    assert "<h3>Samenvatting</h3>" in page and 'href="#briefing-bron-1"' in page
    assert "<img" not in page and "&lt;img" in page and "](http" not in page
    assert "Kamerstukken II 2019/20, 29 521, nr. 400, p. 2" in page
    assert "## Samenvatting" in at.session_state["briefing"]["markdown"]
    assert at.session_state["briefing"]["docx"][:2] == b"PK"  # a real .docx (zip) from rag.export


def test_evaluation_page_shows_metrics_types_and_drill_down(small_home, monkeypatch):
    result = {
        "n_questions": 2,
        "metrics": {"hit@1": 1.0, "hit@5": 1.0, "mrr@10": 1.0, "citation_precision": 0.5,
                    "citation_recall": 0.5, "faithfulness": 0.75, "answer_fact_recall": 0.5, "refusal_accuracy": 1.0},
        "per_question": [
            {"id": "d01", "question": "Welke rechtsgronden?", "type": "list", "doc": "doc_a", "hit@1": 1,
             "answer": "Drie gronden [1].", "refused": False,
             "citations": [{"n": 1, "chunk_id": "a2", "quote": "zelfverdediging", "supported": True}]},
            {"id": "u01", "question": "Wat vindt Mars?", "type": "unanswerable", "doc": None, "refused": True,
             "refusal_accuracy": 1},
        ],
    }
    gold_seen = []
    fake = types.ModuleType("eval.harness")
    fake.run_eval = lambda gold, settings, progress=True: (gold_seen.append(Path(gold).name),
                                                           types.SimpleNamespace(to_dict=lambda: result))[1]
    monkeypatch.setitem(sys.modules, "eval.harness", fake)
    at = _app()
    at.switch_page("views/evaluation.py").run()
    assert at.selectbox(key="eval_gold").value.name == "dev.jsonl"
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert gold_seen == ["dev.jsonl"]
    metrics = at.dataframe[0].value
    assert dict(zip(metrics["metriek"], metrics["waarde"]))["faithfulness"] == 0.75
    types_df = at.dataframe[1].value
    assert list(types_df["type"]) == ["list", "unanswerable"]
    at.selectbox(key="eval_q").select(1).run()
    assert any("Wat vindt Mars?" in m.value for m in at.markdown)


# -- the real library behind the pages (default extractive backend, demo corpus) --------


@pytest.fixture(scope="module")
def demo_copy(demo_home, tmp_path_factory):
    """A writable copy of the demo home for tests that add or remove documents."""
    import shutil

    dst = tmp_path_factory.mktemp("ui_demo_copy") / "home"
    shutil.copytree(demo_home.home, dst)
    return dst


@pytest.mark.slow
def test_real_chat_cites_and_highlights_on_demo_corpus(demo_home, devset, monkeypatch):
    monkeypatch.setenv("GRIFFIER_HOME", str(demo_home.home))
    q = next(q for q in devset if q["doc"])
    at = _ask(_app(), q["question"])
    assert not at.error, [e.value for e in at.error]
    answer = at.session_state["messages"][-1].answer
    assert answer.citations and not answer.refused
    html = _html(at)
    assert 'href="#bron-m1-' in html and "<mark>" in html
    # a follow-up in the same session is answered too, with the history passed on
    at = _ask(at, "En wat zegt het kabinet daar verder over?")
    assert len(at.session_state["messages"]) == 4 and not at.error


@pytest.mark.slow
def test_real_chat_gives_the_cli_answer(demo_home, monkeypatch):
    """The chat and `griffier ask --json` answer a question alike. This question is answered from another
    sentence when 5 rather than 6 passages are retrieved: the chat once retrieved `top_k`, the CLI 6."""
    import json

    from typer.testing import CliRunner

    from ui.cli import answer_cmd
    from ui.cli.common import app

    question = "wat is het probleem bij het delen van early warning analyses tussen landen"
    monkeypatch.setenv("GRIFFIER_HOME", str(demo_home.home))
    chat = _ask(_app(), question).session_state["messages"][-1].answer
    answer_cmd.register(app)
    res = CliRunner().invoke(app, ["--home", str(demo_home.home), "ask", question, "--json", "--backend", "extractive"])
    assert res.exit_code == 0, res.output
    cli = json.loads(res.stdout.strip().splitlines()[-1])
    assert chat.text == cli["answer"] and chat.refused == cli["refused"]
    assert [c.quote for c in chat.citations] == [c["quote"] for c in cli["citations"]]


@pytest.mark.slow
def test_real_refusal_shows_nearest_passages(demo_home, devset, monkeypatch):
    monkeypatch.setenv("GRIFFIER_HOME", str(demo_home.home))
    q = next((q for q in devset if not q["doc"]), None)
    assert q is not None, "the dev set has no unanswerable question"
    at = _ask(_app(), q["question"])
    answer = at.session_state["messages"][-1].answer
    if answer.refused:  # the answering issue owns refusal accuracy; here: how a refusal looks
        assert "Dichtstbijzijnde passages" in _html(at)


@pytest.mark.slow
def test_real_documents_page_and_upload(demo_copy, tmp_path, monkeypatch):
    from corpus.settings import load_settings

    monkeypatch.setenv("GRIFFIER_HOME", str(demo_copy))
    at = _app()
    at.switch_page("views/documents.py").run()
    assert len(at.dataframe[0].value) == 5
    settings = load_settings({"home": demo_copy}, env={})
    text = ("Tweede Kamer der Staten-Generaal. De minister schrijft dat de subsidie voor dijkversterking "
            "in 2027 wordt verhoogd tot 12 miljoen euro, omdat de Deltacommissaris daarom vroeg. ") * 3
    progress = []
    notices = resources.ingest_uploads(
        [("nieuw stuk.txt", text.encode()), ("leeg.txt", b"")], settings,
        on_progress=lambda i, name: progress.append(name),
    )
    assert progress == ["nieuw stuk.txt", "leeg.txt"]
    levels = {n.split("**")[1]: lvl for lvl, n in notices}
    assert levels == {"nieuw_stuk.txt": "success", "leeg.txt": "error"}, notices
    assert (demo_copy / "uploads" / "nieuw_stuk.txt").is_file()
    at.run()
    assert "nieuw_stuk" in list(at.dataframe[0].value["doc_id"])
    # the new document is searchable from the chat at once
    monkeypatch.setattr(resources, "get_answerer", resources.get_answerer)
    at.switch_page("views/chat.py").run()
    at = _ask(at, "Hoeveel wordt de subsidie voor dijkversterking verhoogd?")
    answer = at.session_state["messages"][-1].answer
    assert any(c.doc_id == "nieuw_stuk" for c in answer.citations) or any(
        p.chunk.doc_id == "nieuw_stuk" for p in answer.passages)


@pytest.mark.slow
def test_real_briefing_page_drafts_with_downloads(demo_home, monkeypatch):
    monkeypatch.setenv("GRIFFIER_HOME", str(demo_home.home))
    at = _app()
    at.switch_page("views/briefing.py").run()
    at.text_input(key="brief_topic").input("humanitaire interventie")
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    result = at.session_state["briefing"]
    assert "Samenvatting" in result["markdown"] and "[1]" in result["markdown"]
    assert result["docx"][:2] == b"PK"  # a real .docx (zip) for the download button
    assert any("Samenvatting" in m.value for m in at.markdown)
