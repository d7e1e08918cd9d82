"""The office library (ui/office): accounts, tokens, throttling, the append-only audit log, history,
feedback, and collections enforced inside retrieval (rag/retriever.py, rag/ingest.py)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests._office import DOC_IDS, MARKERS_B, build_office_home, write_docs


class Clock:
    def __init__(self, t: float = 1_800_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture()
def office(tmp_settings):
    from ui.office import Office
    from ui.office.db import OfficeDB

    clock = Clock()
    off = Office(tmp_settings, OfficeDB(tmp_settings, clock=clock))
    off.clock = clock
    return off


@pytest.fixture(scope="module")
def office_home(tmp_path_factory):
    return build_office_home(tmp_path_factory.mktemp("office"))


# -- accounts and tokens -----------------------------------------------------------------------
def test_passwords_are_hashed_with_argon2_and_checked(office):
    from ui.office import AuthError

    office.add_user("Anna", "lang-genoeg", "reader", "a, b")
    stored = office.db.query("SELECT password_hash FROM users")[0][0]
    assert stored.startswith("$argon2id$") and "lang-genoeg" not in stored
    user = office.authenticate("anna", "lang-genoeg")
    assert (user.username, user.role, user.collections) == ("anna", "reader", ("a", "b"))
    with pytest.raises(AuthError):
        office.authenticate("anna", "verkeerd!!")
    with pytest.raises(AuthError):
        office.authenticate("niemand", "lang-genoeg")


def test_bad_account_values_are_refused_with_the_fix(office):
    from ui.office import AccountError

    with pytest.raises(AccountError, match="at least 8"):
        office.add_user("anna", "kort", "reader")
    with pytest.raises(AccountError, match="reader, editor, admin"):
        office.add_user("anna", "lang-genoeg", "baas")
    with pytest.raises(AccountError, match="collection name"):
        office.add_user("anna", "lang-genoeg", "reader", "geheim archief")
    office.add_user("anna", "lang-genoeg", "reader")
    with pytest.raises(AccountError, match="already exists"):
        office.add_user("ANNA", "lang-genoeg", "reader")


def test_default_grants_admin_everything_others_algemeen(office):
    assert office.add_user("root", "lang-genoeg", "admin").unrestricted
    assert office.add_user("anna", "lang-genoeg", "reader").collections == ("algemeen",)


def test_tokens_are_stored_hashed_and_expire(office):
    from ui.office import AuthError

    office.add_user("anna", "lang-genoeg", "reader")
    issued = office.login("anna", "lang-genoeg")
    assert office.user_for_token(issued.token).username == "anna"
    assert issued.token not in json.dumps(office.db.query("SELECT * FROM tokens"))
    office.clock.t += office.settings.token_lifetime_hours * 3600 + 1
    with pytest.raises(AuthError, match="expired"):
        office.user_for_token(issued.token)
    with pytest.raises(AuthError):
        office.user_for_token("not-a-token")


def test_removing_a_user_ends_their_tokens_and_conversations(office):
    from ui.office import AuthError

    user = office.add_user("anna", "lang-genoeg", "reader")
    token = office.login("anna", "lang-genoeg").token
    office.save_turn(user, "vraag?", {"answer": "x", "citations": [], "passages": []}, colls={})
    assert office.remove_user("anna")
    with pytest.raises(AuthError):
        office.user_for_token(token)
    assert office.db.query("SELECT COUNT(*) FROM conversations")[0][0] == 0


def test_login_is_throttled_after_repeated_failures_then_allowed_again(office):
    from ui.office import AuthError, Throttled

    office.add_user("anna", "lang-genoeg", "reader")
    limit = office.settings.login_max_failures
    for _ in range(limit):
        with pytest.raises(AuthError):
            office.authenticate("anna", "fout-fout", source="10.0.0.9")
    with pytest.raises(Throttled) as exc:  # even the right password, now
        office.authenticate("anna", "lang-genoeg", source="10.0.0.9")
    assert 0 < exc.value.retry_after <= office.settings.login_window_minutes * 60
    office.clock.t += office.settings.login_window_minutes * 60 + 1
    assert office.authenticate("anna", "lang-genoeg", source="10.0.0.9").username == "anna"


def test_one_address_trying_many_names_is_throttled(office):
    from ui.office import AuthError, Throttled
    from ui.office.accounts import SOURCE_FACTOR

    office.add_user("anna", "lang-genoeg", "reader")
    n = office.settings.login_max_failures * SOURCE_FACTOR
    for i in range(n):
        with pytest.raises(AuthError):
            office.authenticate(f"gok{i}", "fout-fout", source="10.0.0.7")
    with pytest.raises(Throttled):
        office.authenticate("anna", "lang-genoeg", source="10.0.0.7")
    assert office.authenticate("anna", "lang-genoeg", source="10.0.0.8").username == "anna"


# -- audit -----------------------------------------------------------------------------------------
def test_audit_log_is_append_only_and_filterable(office):
    from ui.office import AuthError

    office.add_user("anna", "lang-genoeg", "reader")
    office.authenticate("anna", "lang-genoeg", source="10.1.1.1")
    with pytest.raises(AuthError):
        office.authenticate("anna", "fout-fout", source="10.1.1.2")
    office.audit("anna", "ask", source="10.1.1.1", detail={"question": "Wat?"})
    events = office.audit_events(user="anna")
    assert [(e.action, e.ok, e.source) for e in events] == [
        ("login", True, "10.1.1.1"), ("login", False, "10.1.1.2"), ("ask", True, "10.1.1.1")]
    assert "lang-genoeg" not in json.dumps([e.to_dict() for e in office.audit_events()])
    for sql in ("UPDATE audit SET ok=1", "DELETE FROM audit"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            office.db.execute(sql)
    assert len(office.audit_events()) == 4  # users.add + the three above, untouched
    office.clock.t += 7200
    office.audit("anna", "search")
    assert [e.action for e in office.audit_events(since="1h")] == ["search"]
    assert [e.action for e in office.audit_events(action="users")] == ["users.add"]
    with pytest.raises(ValueError, match="--since"):
        office.audit_events(since="gisteren")


# -- history and feedback ----------------------------------------------------------------------------
def _answer(doc_id: str, text: str = "Antwoord [1].") -> dict:
    return {"question": "q", "answer": text, "refused": False,
            "citations": [{"n": 1, "chunk_id": "c1", "doc_id": doc_id, "quote": "citaat", "page_start": 2,
                           "citation": "Kamerstukken"}],
            "passages": [{"rank": 1, "chunk_id": "c1", "doc_id": doc_id, "text": "citaat"}]}


def test_history_round_trip_only_for_the_owner_and_only_readable_turns(office):
    from ui.office import AccountError  # noqa: F401 - import check

    anna = office.add_user("anna", "lang-genoeg", "reader", "a,b")
    bob = office.add_user("bob", "lang-genoeg", "reader", "a")
    colls = {"doc_a": "a", "doc_b": "b"}
    t1 = office.save_turn(anna, "Eerste vraag?", _answer("doc_a"), colls=colls)
    office.save_turn(anna, "Vervolgvraag?", _answer("doc_b", "Geheim [1]."), t1.conversation_id, colls=colls)
    conv = office.get_conversation(anna, t1.conversation_id)
    assert [t.question for t in conv.turns] == ["Eerste vraag?", "Vervolgvraag?"]
    assert conv.history()[-1] == {"role": "assistant", "content": "Geheim [1]."}
    md = office.export_conversation(anna, t1.conversation_id)
    assert "Eerste vraag?" in md and "Kamerstukken" in md
    assert json.loads(office.export_conversation(anna, t1.conversation_id, "json"))["n_turns"] == 2
    with pytest.raises(KeyError):
        office.get_conversation(bob, t1.conversation_id)
    with pytest.raises(KeyError):
        office.save_turn(bob, "inbreken?", _answer("doc_a"), t1.conversation_id, colls=colls)
    # Grant b taken away: the turn answered from b is no longer shown, nor counted.
    anna = office.update_user("anna", collections="a")
    assert [t.question for t in office.get_conversation(anna, t1.conversation_id).turns] == ["Eerste vraag?"]
    assert office.list_conversations(anna)[0].n_turns == 1


def test_an_answer_from_an_unreadable_collection_is_never_stored(office):
    from ui.office.access import AccessLeak

    anna = office.add_user("anna", "lang-genoeg", "reader", "a")
    with pytest.raises(AccessLeak):
        office.save_turn(anna, "vraag?", _answer("doc_b"), colls={"doc_b": "b"})
    assert office.db.query("SELECT COUNT(*) FROM turns")[0][0] == 0


def test_feedback_by_turn_replaces_earlier_vote_and_is_shown_by_collection(office):
    anna = office.add_user("anna", "lang-genoeg", "reader", "a,b")
    editor_a = office.add_user("eddy", "lang-genoeg", "editor", "a")
    root = office.add_user("root", "lang-genoeg", "admin")
    colls = {"doc_a": "a", "doc_b": "b"}
    ta = office.save_turn(anna, "Vraag A?", _answer("doc_a"), colls=colls)
    tb = office.save_turn(anna, "Vraag B?", _answer("doc_b"), colls=colls)
    office.record_feedback(anna, "down", turn_id=ta.id, comment="mist iets")
    office.record_feedback(anna, "up", turn_id=ta.id, comment="toch goed")
    office.record_feedback(anna, -1, turn_id=tb.id)
    assert [(f.question, f.rating, f.comment) for f in office.list_feedback(anna)] == [
        ("Vraag B?", -1, ""), ("Vraag A?", 1, "toch goed")]
    assert [f.question for f in office.list_feedback(editor_a)] == ["Vraag A?"]  # not the one drawn on b
    assert len(office.list_feedback(root)) == 2
    with pytest.raises(KeyError):
        office.record_feedback(editor_a, "up", turn_id=tb.id)  # not theirs
    with pytest.raises(ValueError, match="rating"):
        office.record_feedback(anna, "meh", turn_id=ta.id)
    gold = {g["question"]: g for g in office.gold_candidates(root)}
    assert gold["Vraag A?"]["doc"] == "doc_a" and gold["Vraag A?"]["evidence"] == ["citaat"]
    assert gold["Vraag B?"]["doc"] == "?" and gold["Vraag B?"]["needs_review"]
    assert [e.action for e in office.audit_events(action="feedback")] == ["feedback"] * 3


# -- collections in ingest and retrieval --------------------------------------------------------------
def test_ingest_stores_the_collection_and_retrieval_filters_before_ranking(office_home):
    from corpus.store import ChunkStore
    from rag.retriever import get_retriever

    docs = {d.doc_id: d.metadata.get("collection") for d in ChunkStore(office_home.home).documents()}
    assert docs == {d: c for c, ids in DOC_IDS.items() for d in ids}
    r = get_retriever(office_home)
    query = "geheime codenaam plan landbouw windpark Noordzee"
    unfiltered = {p.chunk.doc_id for p in r.search(query, 10)}
    assert unfiltered & DOC_IDS["b"] and unfiltered & DOC_IDS["a"]
    for mode in ("hybrid", "dense", "bm25"):
        got = {p.chunk.doc_id for p in r.search(query, 10, {"collection": ["a"]}, mode=mode)}
        assert got and got <= DOC_IDS["a"], mode
    assert r.search(query, 10, {"collection": []}) == []  # no readable collection: nothing, not everything
    assert {p.chunk.doc_id for p in r.search("tekort bbp", 5, {"collection": "algemeen"})} == DOC_IDS["algemeen"]


def test_a_document_without_collection_counts_as_algemeen(tmp_path, tmp_settings):
    from corpus.store import ChunkStore
    from rag.ingest import ingest_paths
    from rag.retriever import get_retriever

    folder = write_docs(tmp_path)["a"]
    assert ingest_paths([folder], tmp_settings, progress=False).ok
    store = ChunkStore(tmp_settings.home)
    with store._transaction() as conn:  # as stored before collections existed
        conn.execute("UPDATE documents SET metadata=json_remove(metadata, '$.collection')")
    r = get_retriever(tmp_settings)
    assert {p.chunk.doc_id for p in r.search("kustwacht schepen", 5, {"collection": ["algemeen"]})} == DOC_IDS["a"]
    assert r.search("kustwacht schepen", 5, {"collection": ["a"]}) == []


def test_moving_a_document_to_another_collection_takes_effect_at_once(tmp_path, tmp_settings):
    """Same text, other collection: the chunks and indexes do not change, so the access filter
    must read the collection fresh (a cached one would keep showing the document to its old readers)."""
    from rag.ingest import ingest_paths
    from rag.retriever import get_retriever

    folder = write_docs(tmp_path)["b"]
    assert ingest_paths([folder], tmp_settings, progress=False, collection="b").ok
    r = get_retriever(tmp_settings)
    q = "codenaam van het plan"
    assert r.search(q, 5, {"collection": ["b"]})
    again = ingest_paths([folder], tmp_settings, progress=False, collection="b")
    assert again.counts()["unchanged"] == 2  # same collection: nothing to do
    moved = ingest_paths([folder], tmp_settings, progress=False, collection="intern")
    assert moved.counts()["updated"] == 2 and moved.counts()["chunks_added"] == 0
    assert r.search(q, 5, {"collection": ["b"]}) == []
    assert {p.chunk.doc_id for p in r.search(q, 5, {"collection": ["intern"]})} == DOC_IDS["b"]


def test_sidecar_collection_and_invalid_names(tmp_path, tmp_settings):
    from corpus.store import ChunkStore
    from rag.ingest import ingest_paths

    folder = write_docs(tmp_path)["a"]
    (folder / "kustwacht_brief.txt.meta.json").write_text(json.dumps({"collection": "Marine"}), encoding="utf-8")
    assert ingest_paths([folder], tmp_settings, progress=False).ok
    docs = {d.doc_id: d.metadata["collection"] for d in ChunkStore(tmp_settings.home).documents()}
    assert docs == {"kustwacht_brief": "marine", "windenergie_notitie": "algemeen"}
    with pytest.raises(ValueError, match="collection name"):
        ingest_paths([folder], tmp_settings, progress=False, collection="geheim archief")
    (folder / "kustwacht_brief.txt.meta.json").write_text(json.dumps({"collection": "a b"}), encoding="utf-8")
    report = ingest_paths([folder], tmp_settings, progress=False)
    assert [r.status for r in report.results if r.doc_id == "kustwacht_brief"] == ["skipped"]
    assert "collection name" in report.skipped[0].reason


def test_ray_stage_puts_the_file_in_its_collection(tmp_path, tmp_settings):
    """The Ray path's per-file stage (run here without a cluster) stores the collection as the local ingest does."""
    from rag.distributed import shards
    from rag.distributed.stages import process_file
    from rag.ingest import fingerprint

    path = write_docs(tmp_path)["b"] / "stikstof_embargo.txt"
    rows = process_file({"path": str(path), "doc_id": "stikstof_embargo", "collection": "b"}, tmp_settings)
    assert rows and all(json.loads(r["doc_metadata"])["collection"] == "b" for r in rows)
    assert rows[0]["fingerprint"] == fingerprint(path.read_bytes(), b"", tmp_settings, "b")
    assert rows[0]["fingerprint"] != fingerprint(path.read_bytes(), b"", tmp_settings)
    plain = process_file({"path": str(path), "doc_id": "stikstof_embargo"}, tmp_settings)
    assert json.loads(plain[0]["doc_metadata"])["collection"] == "algemeen"
    assert set(rows[0]) >= set(shards.ALL_COLUMNS) - {"text_hash", "embedded"}


def test_retrieval_filters_intersect_never_widen(office):
    from ui.office import User, access

    anna = User("anna", "reader", ("a",))
    assert access.retrieval_filters(anna, None) == {"collection": ["a"]}
    assert access.retrieval_filters(anna, {"collection": "b", "fractie": "VVD"}) == {"collection": [], "fractie": "VVD"}
    assert access.retrieval_filters(anna, {"Collections": ["a", "b"]}) == {"collection": ["a"]}
    assert access.retrieval_filters(anna, {"collection": None}) == {"collection": ["a"]}
    assert access.retrieval_filters(anna, {"collection": {"$ne": "x"}}) == {"collection": []}
    assert access.retrieval_filters(User.local(), None) is None
    assert access.retrieval_filters(User.local(), {"collection": "b"}) == {"collection": ["b"]}
    assert not any(m in "".join(access.retrieval_filters(anna, None)["collection"]) for m in MARKERS_B)
