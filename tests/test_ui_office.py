"""The web app as a fractie office (issue 16), driven with streamlit.testing.v1.AppTest: login,
collections, roles, audit, feedback and conversation history.

Fast tests: a hand-made store with documents in collections `a` and `b`, real accounts in the
home's office database (ui.office), and a scripted answerer that answers from whatever passages
its `filters` let through, so a page that forgot the user's collections would cite `b`.
Slow tests: the real library (default extractive backend) on tests/_office.py's two-collection home.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from corpus.models import Answer, Chunk, Citation, Document, Passage
from corpus.settings import load_settings
from corpus.store import ChunkStore
from ui import resources
from ui.office import Office

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "ui" / "app.py")
TIMEOUT = 120
GRIFFIER = str(Path(sys.executable).with_name("griffier"))
XSS = "<img src=x onerror=alert(1)> ![x](http://127.0.0.1:9/x.png)"

TEXT_A = "Het kabinet wil in 2032 ongeveer 21 gigawatt aan windparken op de Noordzee hebben gebouwd."
TEXT_B = "Onder embargo: Project Zilverreiger vermindert de stikstofuitstoot met 45 procent."
B_MARKERS = ("Zilverreiger", "doc_b", "Vertrouwelijk", "29 999")


def _chunks() -> dict[str, list[Chunk]]:
    return {
        "doc_a": [
            Chunk("a1", "doc_a", "Inleiding over windenergie.", 1, 1, "Inleiding", {}, None, "Kamerstukken II, 31 510, nr. 1, p. 1", 0),
            Chunk("a2", "doc_a", TEXT_A, 2, 2, "Windenergie", {"fractie": "GL"}, None, "Kamerstukken II, 31 510, nr. 1, p. 2", 1),
        ],
        "doc_b": [
            Chunk("b1", "doc_b", TEXT_B, 1, 1, "Geheim", {"fractie": "Vertrouwelijk"}, None, "Notitie Zilverreiger, p. 1", 0),
        ],
    }


@pytest.fixture()
def office_home(tmp_path, monkeypatch):
    """Two documents in collections a and b, and four users (tests/_office.py's names)."""
    home = tmp_path / "home"
    store = ChunkStore(home)
    chunks = _chunks()
    store.replace_document(Document("doc_a", "a.txt", "Windenergie op zee",
                                    {"dossier": "31 510", "doc_type": "brief", "collection": "a"}), chunks["doc_a"], "fa")
    store.replace_document(Document("doc_b", "b.txt", "Vertrouwelijke notitie Zilverreiger",
                                    {"dossier": "29 999", "doc_type": "notitie", "collection": "b"}), chunks["doc_b"], "fb")
    store.close()
    monkeypatch.setenv("GRIFFIER_HOME", str(home))
    monkeypatch.delenv("GRIFFIER_LLM_BACKEND", raising=False)
    settings = load_settings({"home": home}, env={})
    office = Office(settings)
    office.add_user("anna", "anna-wachtwoord", "reader", ["a"])
    office.add_user("carla", "carla-wachtwoord", "reader", ["b"])
    office.add_user("bert", "bert-wachtwoord", "editor", ["a"])
    office.add_user("root", "root-wachtwoord", "admin", None)
    return settings


class FilteringAnswerer:
    """Answers from the passages its filters allow, like the real retriever: a page that
    passed no collection filter would get (and cite) doc_b."""

    def __init__(self, home: Path):
        self.home = home
        self.calls: list[dict] = []

    def stream(self, question, history=None, filters=None, k=None):
        self.calls.append({"question": question, "history": history, "filters": filters, "k": k})
        store = ChunkStore(self.home)
        colls = {d.doc_id: d.metadata.get("collection") for d in store.documents()}
        allowed = (filters or {}).get("collection")
        chunks = [c for c in store.chunks() if allowed is None or colls[c.doc_id] in allowed]
        if "geheime" in question:  # the b document is the right source: prefer it when allowed
            chunks.sort(key=lambda c: c.doc_id != "doc_b")
        else:
            chunks.sort(key=lambda c: c.chunk_id != "a2")
        passages = [Passage(c, 1.0 - i / 10, i + 1) for i, c in enumerate(chunks[:3])]
        if not passages:
            yield Answer(question, "Dat kan ik niet vinden in de documenten.", refused=True, model="scripted")
            return
        top = passages[0].chunk
        text = f"Volgens de stukken: {top.text[:60]} [1]."
        yield text
        yield Answer(question, text, [Citation(1, top.chunk_id, top.doc_id, top.text[:40], top.page_start, top.citation)],
                     passages=passages, model="scripted", timings={"total": 0.1})


@pytest.fixture()
def answerer(office_home, monkeypatch):
    ans = FilteringAnswerer(office_home.home)
    monkeypatch.setattr(resources, "get_answerer", lambda settings: ans)
    return ans


def _button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, (label, [b.label for b in at.button])
    return found[0]


def _login(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="login_user").input(name)
    at.text_input(key="login_password").input(password)
    _button(at, "Inloggen").click().run()
    assert not at.exception, at.exception
    return at


def _app(user: str | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    if user:
        _login(at, user, f"{user}-wachtwoord")
        assert at.session_state["griffier_user"] == user
    return at


def _ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def _everything(at: AppTest) -> str:
    """All text the pages put on screen: Markdown, captions, labels, options, table cells."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "title", "subheader", "info", "warning", "error", "success", "text", "code"):
        parts += [str(getattr(e, "value", "")) for e in getattr(at, kind)]
    for w in (*at.multiselect, *at.selectbox):
        parts += [w.label, *map(str, w.options)]
    parts += [b.label for b in at.button]
    parts += [e.label for e in at.expander]
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    return "\n".join(parts)


def _audit(settings, action: str, user: str | None = None):
    return Office(settings).audit_events(action=action, user=user)


# -- login ------------------------------------------------------------------------------------

def test_login_required_when_accounts_exist_and_wrong_password_refused(office_home, answerer):
    at = _app()
    assert [t.value for t in at.title] == ["Griffier"]
    assert not at.chat_input, "the chat must not run before login"
    assert "Inloggen" in [b.label for b in at.button]
    _login(at, "anna", "fout-wachtwoord")
    assert [e.value for e in at.error] == ["Onbekende gebruikersnaam of verkeerd wachtwoord."]
    assert "griffier_token" not in at.session_state and not at.chat_input
    assert at.text_input(key="login_password").value == ""  # a password is never kept in the session
    _login(at, "anna", "anna-wachtwoord")
    assert at.chat_input, "logged in: the chat page"
    assert any("Ingelogd als **anna** (lezer)" in c.value for c in at.sidebar.caption)
    assert "anna-wachtwoord" not in str([at.session_state[k] for k in at.session_state])
    logins = _audit(office_home, "login")
    assert [(e.ok, e.target, e.source) for e in logins][-2:] == [(False, "anna", "web"), (True, "anna", "web")]
    _button(at, "Uitloggen").click().run()
    assert not at.chat_input and "Inloggen" in [b.label for b in at.button]
    assert any("uitgelogd" in i.value for i in at.info)
    assert _audit(office_home, "logout", "anna")


def test_throttled_login_is_refused_in_dutch(office_home, answerer, monkeypatch):
    monkeypatch.setenv("GRIFFIER_LOGIN_MAX_FAILURES", "2")
    at = _app()
    for _ in range(2):
        _login(at, "anna", "fout")
    _login(at, "anna", "anna-wachtwoord")  # the right password, too late
    assert at.error and at.error[0].value.startswith("Te veel mislukte inlogpogingen. Probeer het over ")
    assert not at.chat_input
    assert _audit(office_home, "login.throttled")


def test_expired_session_asks_for_login_again(office_home, answerer):
    at = _app("anna")
    Office(office_home).db.execute("UPDATE tokens SET expires_at = 0")
    at.run()
    assert not at.chat_input
    assert any("sessie is verlopen" in i.value for i in at.info)


def test_without_accounts_no_login_and_public_address_refused(tmp_path, monkeypatch):
    from streamlit import config

    home = tmp_path / "home"
    monkeypatch.setenv("GRIFFIER_HOME", str(home))
    at = _app()
    assert at.chat_input and not [b for b in at.button if b.label == "Inloggen"]
    assert not (home / "office.sqlite").exists()  # looking around creates no office database
    old = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        at = _app()
        assert not at.chat_input
        assert "alleen op deze computer" in at.error[0].value and "0.0.0.0" in at.error[0].value
    finally:
        config.set_option("server.address", old)
    # `griffier ui --address` refuses before starting Streamlit
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIFFIER_")}
    p = subprocess.run([GRIFFIER, "--home", str(home), "ui", "--address", "0.0.0.0", "--port", "1"],
                       capture_output=True, text=True, timeout=120, env=env, check=False)
    assert p.returncode == 2 and "refusing to listen on 0.0.0.0" in p.stderr, p.stderr


# -- collections and roles ------------------------------------------------------------------------

def test_reader_of_a_sees_nothing_of_b_on_any_page(office_home, answerer, monkeypatch):
    import types

    briefed = []

    class NoBriefing:
        passages = ()

        def to_dict(self):
            return {"topic": "t", "created": "", "model": "x", "flags": [], "sections": [], "sources": []}

    fake = types.ModuleType("rag.briefing")
    fake.draft_briefing = lambda topic, settings, filters=None: (briefed.append(filters), NoBriefing())[1]
    monkeypatch.setitem(sys.modules, "rag.briefing", fake)

    at = _ask(_app("anna"), "Wat is het geheime plan over stikstof?")
    assert answerer.calls[-1]["filters"] == {"collection": ["a"]}
    answer = at.session_state["messages"][-1].answer
    assert {c.doc_id for c in answer.citations} == {"doc_a"}
    assert at.multiselect(key="chat_f_doc_id").options == ["Windenergie op zee (doc_a)"]
    assert "Vertrouwelijk" not in at.multiselect(key="chat_f_fractie").options
    assert any("Index: 1 documenten, 2 passages" in c.value for c in at.sidebar.caption)
    seen = {"chat": _everything(at)}
    at.switch_page("views/documents.py").run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["doc_id"]) == ["doc_a"]
    assert list(at.dataframe[0].value["collectie"]) == ["a"]
    assert not at.file_uploader and not [s for s in at.selectbox if s.key == "doc_remove"], "a reader has no upload/remove"
    assert any("toevoegen en verwijderen is voor redacteuren" in c.value for c in at.caption)
    seen["documents"] = _everything(at)
    at.switch_page("views/briefing.py").run()
    at.text_input(key="brief_topic").input("stikstof")
    _button(at, "Briefing opstellen").click().run()
    assert briefed == [{"collection": ["a"]}]
    seen["briefing"] = _everything(at)
    at.switch_page("views/evaluation.py").run()
    assert not at.exception and not [s for s in at.selectbox if s.key == "eval_gold"], "the harness needs every collection"
    seen["evaluation"] = _everything(at)
    for page, text in seen.items():
        assert not [m for m in B_MARKERS if m in text], (page, [m for m in B_MARKERS if m in text])
    # the same question for carla (reads b) does show b: the check above can fail
    at = _ask(_app("carla"), "Wat is het geheime plan over stikstof?")
    assert "Zilverreiger" in _everything(at)


def test_editor_removes_only_in_granted_collection(office_home, answerer, monkeypatch):
    import types

    removed = []
    fake = types.ModuleType("rag.ingest")
    fake.remove_document = lambda doc_id, settings: (removed.append(doc_id), ChunkStore(settings.home).remove_document(doc_id))[1]
    fake.open_store = lambda settings: ChunkStore(settings.home)
    monkeypatch.setitem(sys.modules, "rag.ingest", fake)
    at = _app("bert")
    at.switch_page("views/documents.py").run()
    assert at.file_uploader, "an editor uploads"
    assert any("Collectie: a" in c.value for c in at.caption)  # the only collection bert writes
    assert at.selectbox(key="doc_remove").options == ["doc_a — Windenergie op zee"]
    at.selectbox(key="doc_remove").select("doc_a")
    at.checkbox(key="doc_remove_sure").check()
    _button(at, "Verwijderen").click().run()
    assert removed == ["doc_a"]
    events = _audit(office_home, "delete", "bert")
    assert [(e.ok, e.target, e.source) for e in events] == [(True, "doc_a", "web")]
    # an admin reads every collection and may file into a new one
    at = _app("root")
    at.switch_page("views/documents.py").run()
    assert list(at.dataframe[0].value["doc_id"]) == ["doc_b"]
    assert at.selectbox(key="doc_collection").options == ["algemeen", "b", "Nieuwe collectie…"]


# -- feedback, history, audit -----------------------------------------------------------------------

def test_feedback_round_trips_into_the_store_and_the_evaluation_page(office_home, answerer):
    at = _ask(_app("anna"), "Hoeveel gigawatt windenergie?")
    msg = at.session_state["messages"][-1]
    assert msg.turn_id
    assert [e.target for e in _audit(office_home, "ask", "anna")] == [msg.turn_id]
    at.feedback(key=f"fb_rating_{msg.turn_id}").set_value(0)  # thumbs down
    at.text_input(key=f"fb_comment_{msg.turn_id}").input(f"Mist de jaartallen {XSS}")
    _button(at, "Feedback geven").click().run()
    assert not at.exception, at.exception
    assert any("Bedankt voor uw feedback" in s.value for s in at.success)
    caption = next(c.value for c in at.caption if c.value.startswith("Uw beoordeling"))
    assert caption.startswith("Uw beoordeling: duim omlaag — Mist de jaartallen \\<img")  # the comment escaped
    assert "![x](" not in caption and "\\!\\[x\\]" not in caption and "!\\[x\\]" in caption
    office = Office(office_home)
    root = office.get_user("root")
    (fb,) = office.list_feedback(root)
    assert (fb.username, fb.rating, fb.turn_id, fb.question) == ("anna", -1, msg.turn_id, "Hoeveel gigawatt windenergie?")
    assert fb.comment == f"Mist de jaartallen {XSS}" and fb.answer["citations"][0]["doc_id"] == "doc_a"
    assert [e.detail for e in _audit(office_home, "feedback", "anna")] == [{"rating": "down", "has_comment": True}]
    # voting again replaces the vote
    at.feedback(key=f"fb_rating_{msg.turn_id}").set_value(1)
    _button(at, "Feedback geven").click().run()
    assert [(f.rating, f.comment) for f in office.list_feedback(root)] == [(1, "")]

    # the evaluation page: an editor of a sees anna's vote and exports it; anna sees only her own
    at = _app("bert")
    at.switch_page("views/evaluation.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["gebruiker"]) == ["anna"] and list(table["oordeel"]) == ["👍"]
    assert any(b.label.startswith("Exporteren als kandidaat-gouden vragen (1,") for b in at.get("download_button"))
    gold = office.gold_candidates(office.get_user("bert"))
    assert gold[0]["question"] == "Hoeveel gigawatt windenergie?" and gold[0]["needs_review"] is True
    at = _app("carla")  # reads b only: anna's answer came from a
    at.switch_page("views/evaluation.py").run()
    assert not at.dataframe and any("Nog geen feedback" in i.value for i in at.info)
    assert not at.get("download_button")


def test_conversation_survives_a_reload_and_can_be_reopened_exported_and_deleted(office_home, answerer):
    at = _ask(_app("anna"), "Hoeveel gigawatt windenergie?")
    at = _ask(at, "En wanneer?")
    assert answerer.calls[-1]["history"][0] == ("user", "Hoeveel gigawatt windenergie?")
    cid = at.query_params["gesprek"][0] if isinstance(at.query_params["gesprek"], list) else at.query_params["gesprek"]
    assert cid == at.session_state["conversation_id"]
    # a reload: a new session with the same URL logs in again and finds the conversation
    again = _app("anna", query={"gesprek": cid})
    assert [m.content for m in again.session_state["messages"] if m.role == "user"] == [
        "Hoeveel gigawatt windenergie?", "En wanneer?"]
    html = "\n".join(m.value for m in again.markdown)
    assert 'id="bron-m1-1"' in html and "21 gigawatt" in html  # the stored answer, with its source card
    assert _audit(office_home, "history", "anna")[-1].target == cid
    # a follow-up continues the same stored conversation
    again = _ask(again, "En de vissers?")
    conv = Office(office_home).get_conversation(Office(office_home).get_user("anna"), cid)
    assert [t.question for t in conv.turns] == ["Hoeveel gigawatt windenergie?", "En wanneer?", "En de vissers?"]
    # the sidebar lists it; a new conversation, then reopening it from the list
    _button(again, "Nieuw gesprek").click().run()
    assert again.session_state["messages"] == [] and "gesprek" not in again.query_params
    again.button(key=f"conv_{cid}").click().run()
    assert len(again.session_state["messages"]) == 6
    assert [b.label for b in again.get("download_button")] == ["Gesprek downloaden (.md)", "Gesprek downloaden (.json)"]
    md = next(c.value for c in again.sidebar.code)
    assert "## Vraag: Hoeveel gigawatt windenergie?" in md and "Kamerstukken II, 31 510, nr. 1, p. 2" in md
    # another user cannot open it, not even with its id in the URL
    other = _app("bert", query={"gesprek": cid})
    assert other.session_state["messages"] == [] and any("bestaat niet" in w.value for w in other.warning)
    # delete
    again.button(key="delete_chat").click().run()
    assert Office(office_home).list_conversations(Office(office_home).get_user("anna")) == []
    assert _audit(office_home, "history.delete", "anna")


def test_titles_and_comments_are_shown_as_text(office_home, answerer):
    from markdown_it import MarkdownIt

    from corpus.display import markdown_line

    question = "![x](/x.png) <img src=x onerror=alert(1)> wind"  # short enough to be the whole title
    at = _ask(_app("anna"), question)
    msg = at.session_state["messages"][-1]
    cid = at.session_state["conversation_id"]
    label = at.button(key=f"conv_{cid}").label
    assert label == markdown_line(question)
    rendered = MarkdownIt("commonmark", {"html": True}).render(label)  # a button label is Markdown
    assert "<img" not in rendered and "&lt;img src=x onerror=alert(1)&gt;" in rendered, rendered
    assert any(m.value == markdown_line(question) for m in at.markdown)  # the question as asked
    at.feedback(key=f"fb_rating_{msg.turn_id}").set_value(1)
    at.text_input(key=f"fb_comment_{msg.turn_id}").input(XSS)
    _button(at, "Feedback geven").click().run()
    at = _app("bert")
    at.switch_page("views/evaluation.py").run()
    shown = "\n".join(m.value for m in at.markdown)
    assert f"**Vraag:** {markdown_line(question)}" in shown and f"**Toelichting van anna:** {markdown_line(XSS)}" in shown
    rendered = MarkdownIt("commonmark", {"html": True}).render(shown)
    assert "<img" not in rendered and rendered.count("&lt;img src=x onerror=alert(1)&gt;") == 2


def test_conversation_markdown_export_shows_document_text_as_text(office_home):
    """ui.office.history's Markdown export (the API's /export and the web app's sources) escaped
    nothing: a quote or title with <img onerror> or a remote ![image] rendered in any viewer."""
    from markdown_it import MarkdownIt

    office = Office(office_home)
    anna = office.get_user("anna")
    answer = {"question": "q", "answer": f"Antwoord {XSS} [1].", "refused": False,
              "citations": [{"n": 1, "chunk_id": "a2", "doc_id": "doc_a", "quote": f"citaat {XSS}",
                             "page_start": 2, "citation": f"Titel {XSS}"}],
              "passages": [{"rank": 1, "chunk_id": "a2", "doc_id": "doc_a", "text": "citaat"}]}
    turn = office.save_turn(anna, f"Vraag {XSS}", answer)
    md = office.export_conversation(anna, turn.conversation_id, "markdown")
    html = MarkdownIt("commonmark", {"html": True}).render(md)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Vraag" in md and "citaat" in md and "Titel" in md and "[1]" in html


def test_a_long_upload_name_keeps_its_extension():
    """ui.office.documents.safe_name cut names at 120 characters, extension and all: the hostile
    document's long name was then refused as an unsupported file type."""
    from tests import _hostile as H
    from ui.office.documents import safe_name

    name = safe_name(f"{H.FILE_STEM}.txt")
    assert name.endswith(".txt") and len(name) == 120 and "<" not in name
    assert safe_name("a" * 300 + ".docx") == "a" * 115 + ".docx"
    assert safe_name("../map/kort stuk.pdf") == "kort_stuk.pdf"


# -- the real library behind the pages ------------------------------------------------------------

@pytest.fixture(scope="module")
def real_office(tmp_path_factory):
    from tests._office import build_office_home

    return build_office_home(tmp_path_factory.mktemp("ui_office"))


@pytest.mark.slow
def test_real_reader_of_a_never_sees_b_and_editor_uploads_into_a(real_office, monkeypatch):
    from tests._office import DOC_IDS, MARKERS_B

    monkeypatch.setenv("GRIFFIER_HOME", str(real_office.home))
    monkeypatch.delenv("GRIFFIER_LLM_BACKEND", raising=False)
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    _login(at, "anna", "anna-wachtwoord")
    seen = []
    for q in ("Wat is het plan om de uitstoot van de landbouw voor 2030 te verminderen?", "Hoeveel gigawatt windenergie wil het kabinet in 2032?"):
        _ask(at, q)
        assert not at.error, [e.value for e in at.error]
        seen.append(_everything(at))
    answers = [m.answer for m in at.session_state["messages"] if m.answer]
    assert any(c.doc_id == "windenergie_notitie" for c in answers[-1].citations)
    shown_docs = {c.doc_id for a in answers for c in a.citations} | {p.chunk.doc_id for a in answers for p in a.passages}
    assert shown_docs <= DOC_IDS["a"], shown_docs
    for page in ("views/documents.py", "views/briefing.py", "views/evaluation.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        seen.append(_everything(at))
    at.switch_page("views/briefing.py").run()
    at.text_input(key="brief_topic").input("stikstof en de boeren")
    _button(at, "Briefing opstellen").click().run()
    assert not at.exception, at.exception
    assert "briefing" in at.session_state, [e.value for e in at.error]
    seen.append(_everything(at) + json.dumps(at.session_state["briefing"]["data"], ensure_ascii=False))
    leaked = [m for text in seen for m in MARKERS_B if m in text]
    assert not leaked, leaked
    # control: carla (reads b) is told about Zilverreiger by the same pages
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    _login(at, "carla", "carla-wachtwoord")
    _ask(at, "Wat is het plan om de uitstoot van de landbouw voor 2030 te verminderen?")
    assert "Zilverreiger" in _everything(at)

    # bert (editor of a) uploads into a through the documents page; anna reads it, carla does not
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    _login(at, "bert", "bert-wachtwoord")
    at.switch_page("views/documents.py").run()
    text = ("Tweede Kamer. De minister meldt dat de dijkversterking bij Lemmer in 2028 klaar is en 80 miljoen "
            "euro kost. ") * 3
    at.file_uploader(key="doc_upload").set_value(("dijk lemmer.txt", text.encode(), "text/plain"))
    _button(at, "Toevoegen aan de index").click().run()
    assert not at.exception, at.exception
    assert any("dijk lemmer.txt" in s.value and "toegevoegd aan collectie a" in s.value for s in at.success), \
        [e.value for e in (*at.error, *at.success)]
    assert "dijk_lemmer" in list(at.dataframe[0].value["doc_id"])
    assert [e.ok for e in _audit(real_office, "upload", "bert")] == [True]
    store = ChunkStore(real_office.home)
    assert store.get_document("dijk_lemmer").metadata["collection"] == "a"
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    _login(at, "carla", "carla-wachtwoord")
    at.switch_page("views/documents.py").run()
    assert "dijk_lemmer" not in list(at.dataframe[0].value["doc_id"])
