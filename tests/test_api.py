"""The HTTP API (ui/api): FastAPI TestClient tests on a small two-collection office, and one
real `griffier serve` on 127.0.0.1 in a subprocess (slow).

The office (tests/_office.py): anna reads collection a, carla reads b, bert edits a, root is
admin. Collection b's words (MARKERS_B) must never reach anna, through any endpoint.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests._office import DOC_IDS, USERS, build_office_home, leaks_b

ROOT = Path(__file__).resolve().parent.parent
QUESTION_B = "Wat is de geheime codenaam van het plan voor de landbouw?"  # answered only by collection b
TOPIC_B = "plan voor de landbouw en de boeren"


@pytest.fixture(scope="module")
def api_settings(tmp_path_factory):
    # A small upload limit so the 413 test sends little.
    return build_office_home(tmp_path_factory.mktemp("api"), api_max_upload_mb=0.05)


@pytest.fixture(scope="module")
def client(api_settings):
    from fastapi.testclient import TestClient

    from ui.api import create_app

    with TestClient(create_app(api_settings), raise_server_exceptions=False) as c:
        yield c


_TOKENS: dict[str, str] = {}


def auth(client, name: str) -> dict:
    if name not in _TOKENS:
        r = client.post("/api/login", json={"username": name, "password": USERS[name][0]})
        assert r.status_code == 200, r.text
        _TOKENS[name] = r.json()["token"]
    return {"Authorization": f"Bearer {_TOKENS[name]}"}


def no_trace(r) -> None:
    """An error body is the generic JSON shape, never a stack trace or a server path."""
    body = r.text
    assert "Traceback" not in body and 'File "' not in body and "/home" not in body, body
    if r.status_code >= 400:
        data = r.json()
        assert set(data) >= {"error", "request_id"} and data["request_id"] == r.headers["x-request-id"]


# -- authentication ------------------------------------------------------------------------------
def test_health_needs_no_login_and_tells_nothing_about_documents(client):
    r = client.get("/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


@pytest.mark.parametrize("method,path", [
    ("get", "/api/search?q=wind"), ("post", "/api/ask"), ("post", "/api/brief"), ("get", "/api/documents"),
    ("post", "/api/documents"), ("delete", "/api/documents/windenergie_notitie"), ("post", "/api/feedback"),
    ("get", "/api/history"), ("get", "/api/users"), ("get", "/api/audit"), ("get", "/api/me"),
])
def test_every_endpoint_but_health_and_login_needs_a_token(client, method, path):
    r = getattr(client, method)(path)
    assert r.status_code == 401, (path, r.text)
    assert r.headers["www-authenticate"] == "Bearer"
    no_trace(r)
    r = getattr(client, method)(path, headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401


def test_login_gives_a_token_and_wrong_password_401(client):
    r = client.post("/api/login", json={"username": "anna", "password": "fout-fout"})
    assert r.status_code == 401 and r.json()["error"] == "wrong user name or password"
    r = client.post("/api/login", json={"username": "nobody", "password": "fout-fout"})
    assert r.status_code == 401 and r.json()["error"] == "wrong user name or password"
    me = client.get("/api/me", headers=auth(client, "anna")).json()
    assert me == {"username": "anna", "role": "reader", "collections": ["a"]}


def test_expired_token_is_refused(client, api_settings):
    from ui.office import Office, tokens

    office = Office(api_settings)
    old = tokens.issue_token(office.db, office.get_user("anna"), lifetime_s=-1)
    r = client.get("/api/documents", headers={"Authorization": f"Bearer {old.token}"})
    assert r.status_code == 401 and "expired" in r.json()["error"]


def test_logout_ends_the_token(client):
    tok = client.post("/api/login", json={"username": "anna", "password": USERS["anna"][0]}).json()["token"]
    h = {"Authorization": f"Bearer {tok}"}
    assert client.get("/api/me", headers=h).status_code == 200
    assert client.post("/api/logout", headers=h).status_code == 204
    assert client.get("/api/me", headers=h).status_code == 401


# -- roles ----------------------------------------------------------------------------------------
def test_reader_cannot_upload_or_delete(client):
    h = auth(client, "anna")
    r = client.post("/api/documents", headers=h, files={"file": ("x.txt", b"Een tekst over dijken.")},
                    data={"collection": "a"})
    assert r.status_code == 403 and "editor" in r.json()["error"]
    r = client.delete("/api/documents/windenergie_notitie", headers=h)
    assert r.status_code == 403
    assert "windenergie_notitie" in [d["doc_id"] for d in client.get("/api/documents", headers=h).json()["documents"]]


def test_only_admins_manage_users_and_read_the_audit_log(client):
    for name in ("anna", "bert"):
        assert client.get("/api/users", headers=auth(client, name)).status_code == 403
        assert client.get("/api/audit", headers=auth(client, name)).status_code == 403
    h = auth(client, "root")
    assert {u["username"] for u in client.get("/api/users", headers=h).json()["users"]} == set(USERS)
    r = client.post("/api/users", headers=h, json={"username": "dirk", "password": "dirk-wachtwoord",
                                                   "role": "reader", "collections": ["a"]})
    assert r.status_code == 201 and r.json()["collections"] == ["a"]
    assert client.post("/api/users", headers=h, json={"username": "dirk", "password": "dirk-wachtwoord"}
                       ).status_code == 409
    assert client.patch("/api/users/dirk", headers=h, json={"role": "editor"}).json()["role"] == "editor"
    assert client.delete("/api/users/dirk", headers=h).status_code == 204
    assert client.delete("/api/users/dirk", headers=h).status_code == 404


# -- collections: nothing of b reaches a reader of a --------------------------------------------------
def test_reader_of_a_never_sees_collection_b(client):
    h = auth(client, "anna")
    bodies = []
    # search, also when asking for b by filter, by document id or by mode
    for params in ({"q": QUESTION_B, "k": 50}, {"q": "boeren geld landbouw", "k": 50, "mode": "bm25"},
                   {"q": "landbouw", "k": 50, "mode": "dense"}, {"q": "landbouw", "collection": "b"}):
        r = client.get("/api/search", params=params, headers=h)
        assert r.status_code == 200
        assert {p["doc_id"] for p in r.json()["passages"]} <= DOC_IDS["a"]
        bodies.append(json.dumps(r.json()["passages"]))
    # ask: plain, streamed, with b asked for by filters
    for body in ({"question": QUESTION_B}, {"question": QUESTION_B, "filters": {"collection": "b"}},
                 {"question": QUESTION_B, "filters": {"doc_id": "stikstof_embargo"}}):
        r = client.post("/api/ask", json=body, headers=h)
        assert r.status_code == 200, r.text
        data = r.json()
        assert {c["doc_id"] for c in data["citations"]} | {p["doc_id"] for p in data["passages"]} <= DOC_IDS["a"]
        bodies.append(json.dumps({k: v for k, v in data.items() if k not in ("question", "standalone_question")}))
    r = client.post("/api/ask?stream=1", json={"question": QUESTION_B}, headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    bodies.append(r.text.replace(QUESTION_B, ""))
    # brief
    r = client.post("/api/brief", json={"topic": TOPIC_B}, headers=h)
    assert r.status_code == 200
    assert {s["doc_id"] for s in r.json()["sources"]} <= DOC_IDS["a"]
    bodies.append(json.dumps(r.json()).replace(TOPIC_B, ""))
    # documents and their count
    docs = client.get("/api/documents", headers=h).json()["documents"]
    assert {d["doc_id"] for d in docs} == DOC_IDS["a"] and {d["collection"] for d in docs} == {"a"}
    bodies.append(json.dumps(docs))
    # history and feedback
    bodies.append(json.dumps(client.get("/api/history", headers=h).json()))
    bodies.append(json.dumps(client.get("/api/feedback", headers=h).json()))
    for b in bodies:
        assert not leaks_b(b), leaks_b(b)


def test_a_name_only_b_holds_is_answered_like_a_name_no_document_holds(client):
    """No side channel: whether a word occurs in an unreadable collection must not change the answer
    (a corpus-wide vocabulary or fractie list behind "X wordt in de stukken niet genoemd" would)."""
    h = auth(client, "anna")
    out = []
    for name in ("Zilverreiger", "Kwakkelreiger"):
        data = client.post("/api/ask", json={"question": f"Wat houdt Project {name} in?"}, headers=h).json()
        out.append((data["refused"], data["answer"].replace(name, "X"),
                    [p["chunk_id"] for p in data["passages"]], data["flags"]))
    assert out[0] == out[1]


def test_reader_of_b_gets_the_answer_from_b(client):
    r = client.post("/api/ask", json={"question": QUESTION_B}, headers=auth(client, "carla"))
    data = r.json()
    assert not data["refused"] and "Zilverreiger" in data["answer"]
    assert {c["doc_id"] for c in data["citations"]} <= DOC_IDS["b"]


def test_unreadable_documents_look_like_missing_ones(client):
    h = auth(client, "bert")  # editor of a
    missing = client.delete("/api/documents/does_not_exist", headers=h)
    hidden = client.delete("/api/documents/stikstof_embargo", headers=h)
    assert missing.status_code == hidden.status_code == 404
    assert missing.json()["error"].replace("does_not_exist", "X") == hidden.json()["error"].replace(
        "stikstof_embargo", "X")
    # An upload whose name is taken in b: refused without naming b.
    r = client.post("/api/documents", headers=h, files={"file": ("stikstof_embargo.txt", b"Andere tekst hier.")},
                    data={"collection": "a"})
    assert r.status_code == 409 and "'b'" not in r.json()["error"]
    assert "stikstof_embargo" in {d["doc_id"] for d in client.get(
        "/api/documents", headers=auth(client, "carla")).json()["documents"]}


def test_another_users_conversation_cannot_be_read_or_continued(client):
    r = client.post("/api/ask", json={"question": "Hoeveel kosten de patrouilleschepen?"}, headers=auth(client, "anna"))
    conv = r.json()["conversation_id"]
    h = auth(client, "bert")
    assert client.get(f"/api/history/{conv}", headers=h).status_code == 404
    assert client.post("/api/ask", json={"question": "En verder?", "conversation_id": conv},
                       headers=h).status_code == 404
    assert client.post("/api/feedback", json={"turn_id": r.json()["turn_id"], "rating": "up"},
                       headers=h).status_code == 404


# -- documents: upload and delete ---------------------------------------------------------------------
def test_editor_uploads_searches_and_deletes_in_own_collection(client):
    h = auth(client, "bert")
    text = "Dijkversterking\n\nHet waterschap versterkt in 2028 de Lekdijk over 12 kilometer bij Culemborg.\n"
    r = client.post("/api/documents", headers=h, files={"file": ("dijk nota.txt", text.encode())},
                    data={"collection": "a"})
    assert r.status_code == 201, r.text
    assert {k: r.json()[k] for k in ("doc_id", "collection", "status", "chunks")} == {
        "doc_id": "dijk_nota", "collection": "a", "status": "added", "chunks": 1}
    hits = client.get("/api/search", params={"q": "Lekdijk Culemborg"}, headers=auth(client, "anna")).json()
    assert hits["passages"][0]["doc_id"] == "dijk_nota"
    other = client.get("/api/search", params={"q": "Lekdijk Culemborg"}, headers=auth(client, "carla")).json()
    assert "dijk_nota" not in {p["doc_id"] for p in other["passages"]}
    r = client.delete("/api/documents/dijk_nota", headers=h)
    assert r.status_code == 200 and r.json()["chunks_removed"] == 1
    assert "dijk_nota" not in {d["doc_id"] for d in client.get("/api/documents", headers=h).json()["documents"]}


def test_editor_cannot_write_a_collection_not_granted(client):
    r = client.post("/api/documents", headers=auth(client, "bert"), files={"file": ("n.txt", b"Tekst over b.")},
                    data={"collection": "b"})
    assert r.status_code == 403


def test_upload_limits_have_clear_errors(client):
    h = auth(client, "bert")
    r = client.post("/api/documents", headers=h, files={"file": ("virus.exe", b"MZ....")}, data={"collection": "a"})
    assert r.status_code == 415 and ".pdf" in r.json()["error"]
    no_trace(r)
    r = client.post("/api/documents", headers=h, files={"file": ("groot.txt", b"woord " * 20_000)},
                    data={"collection": "a"})
    assert r.status_code == 413 and "MB" in r.json()["error"]
    no_trace(r)
    r = client.post("/api/documents", headers=h, files={"file": ("leeg.txt", b"")}, data={"collection": "a"})
    assert r.status_code == 422
    r = client.post("/api/documents", headers=h, files={"file": ("n.txt", b"x")}, data={"collection": "geen naam"})
    assert r.status_code == 422 and "collection name" in r.json()["error"]


def test_question_length_limit(client, api_settings):
    h = auth(client, "anna")
    long_q = "waarom " * (api_settings.max_question_chars // 6 + 10)
    for r in (client.post("/api/ask", json={"question": long_q}, headers=h),
              client.post("/api/brief", json={"topic": long_q}, headers=h),
              client.get("/api/search", params={"q": long_q}, headers=h)):
        assert r.status_code == 422 and "too long" in r.json()["error"]
        no_trace(r)


# -- feedback and history ---------------------------------------------------------------------------------
def test_feedback_and_history_round_trip(client):
    h = auth(client, "anna")
    first = client.post("/api/ask", json={"question": "Hoeveel gigawatt windenergie wil het kabinet in 2032?"},
                        headers=h).json()
    assert "21 gigawatt" in first["answer"]
    follow = client.post("/api/ask", json={"question": "En wat krijgen de vissers?",
                                           "conversation_id": first["conversation_id"]}, headers=h).json()
    assert follow["conversation_id"] == first["conversation_id"]
    r = client.post("/api/feedback", headers=h, json={"turn_id": first["turn_id"], "rating": "up",
                                                      "comment": "precies goed"})
    assert r.status_code == 201 and r.json()["question"].startswith("Hoeveel gigawatt")
    r = client.post("/api/feedback", headers=h, json={"turn_id": follow["turn_id"], "rating": "down"})
    assert r.status_code == 201
    mine = client.get("/api/feedback", headers=h).json()["feedback"]
    assert {(f["turn_id"], f["rating"]) for f in mine} >= {(first["turn_id"], "up"), (follow["turn_id"], "down")}
    convs = client.get("/api/history", headers=h).json()["conversations"]
    conv = next(c for c in convs if c["id"] == first["conversation_id"])
    assert conv["n_turns"] == 2
    full = client.get(f"/api/history/{conv['id']}", headers=h).json()
    assert [t["question"] for t in full["turns"]] == ["Hoeveel gigawatt windenergie wil het kabinet in 2032?",
                                                     "En wat krijgen de vissers?"]
    assert full["turns"][0]["answer"]["citations"][0]["doc_id"] == "windenergie_notitie"
    md = client.get(f"/api/history/{conv['id']}/export", headers=h)
    assert md.headers["content-type"].startswith("text/markdown") and "21 gigawatt" in md.text
    gold = client.get("/api/feedback/gold", headers=auth(client, "root")).text.splitlines()
    assert any(json.loads(line)["question"].startswith("Hoeveel gigawatt") for line in gold)
    assert client.get("/api/feedback/gold", headers=h).status_code == 403
    # Feedback on an answer given without history: its documents decide who sees it.
    r = client.post("/api/feedback", headers=h, json={"rating": "up", "answer": first})
    assert r.status_code == 201
    forged = {**first, "citations": [{**first["citations"][0], "doc_id": "stikstof_embargo"}]}
    for doc_id in ("stikstof_embargo", "no_such_doc"):  # unreadable and absent: the same answer
        forged["citations"][0]["doc_id"] = doc_id
        r = client.post("/api/feedback", headers=h, json={"rating": "down", "answer": forged})
        assert r.status_code == 422 and "cannot read or that no longer exist" in r.json()["error"]
    assert client.delete(f"/api/history/{conv['id']}", headers=h).status_code == 204
    assert client.get(f"/api/history/{conv['id']}", headers=h).status_code == 404


def test_streamed_ask_sends_tokens_then_the_checked_answer(client):
    r = client.post("/api/ask?stream=1", json={"question": "Hoeveel kosten de patrouilleschepen?"},
                    headers=auth(client, "anna"))
    events = [(e.split("\n")[0][len("event: "):], json.loads(e.split("\n")[1][len("data: "):]))
              for e in r.text.strip().split("\n\n")]
    assert events[0][0] == "token" and events[-1][0] == "answer"
    answer = events[-1][1]
    assert "40 miljoen" in answer["answer"] and answer["turn_id"]
    assert "".join(d["text"] for e, d in events if e == "token").strip() == answer["answer"].strip()


# -- errors --------------------------------------------------------------------------------------------
def test_no_stack_trace_in_any_error_response(api_settings):
    from fastapi.testclient import TestClient

    from ui.api import create_app

    app = create_app(api_settings)

    def boom():
        raise RuntimeError(f"secret detail from {api_settings.home}")

    app.add_api_route("/api/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/boom")
        assert r.status_code == 500 and "secret" not in r.text and "RuntimeError" not in r.text
        no_trace(r)
        for r in (c.post("/api/login", content=b"{not json", headers={"content-type": "application/json"}),
                  c.post("/api/login", json={"username": ["x"]}), c.get("/api/does-not-exist"),
                  c.put("/api/login")):
            assert 400 <= r.status_code < 500
            no_trace(r)


# -- every action in the audit log ------------------------------------------------------------------
def test_every_action_lands_in_the_audit_log(client):
    # Runs after the tests above in this module (pytest keeps file order).
    events = client.get("/api/audit", headers=auth(client, "root"), params={"limit": 100000}).json()["events"]
    seen = {(e["action"], e["ok"]) for e in events}
    for action in ("login", "search", "ask", "brief", "documents", "upload", "delete", "feedback", "history",
                   "users.add", "users.update", "users.remove", "logout"):
        assert (action, True) in seen, action
    assert ("login", False) in seen and ("denied", False) in seen
    upload = next(e for e in events if e["action"] == "upload" and e["ok"])
    assert upload["user"] == "bert" and upload["source"] and upload["time"]
    asked = [e for e in events if e["action"] == "ask" and e["user"] == "anna"]
    assert any(QUESTION_B in e["detail"].get("question", "") for e in asked)
    r = client.get("/api/audit", headers=auth(client, "root"), params={"user": "carla", "action": "ask"})
    assert {e["user"] for e in r.json()["events"]} == {"carla"}


# -- throttling and the no-accounts mode (own homes) -----------------------------------------------------
def test_login_throttling_answers_429_with_retry_after(tmp_settings):
    from fastapi.testclient import TestClient

    from ui.api import create_app
    from ui.office import Office

    Office(tmp_settings).add_user("anna", "lang-genoeg", "reader")
    with TestClient(create_app(tmp_settings)) as c:
        for _ in range(tmp_settings.login_max_failures):
            assert c.post("/api/login", json={"username": "anna", "password": "fout-fout"}).status_code == 401
        r = c.post("/api/login", json={"username": "anna", "password": "lang-genoeg"})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        no_trace(r)


def test_without_accounts_only_local_requests_are_served(tmp_path):
    from fastapi.testclient import TestClient

    from corpus.settings import load_settings
    from ui.api import create_app

    settings = load_settings({"home": tmp_path / "home"}, env={})
    local = dict(base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))
    with TestClient(create_app(settings), **local) as c:
        r = c.get("/api/me")
        assert r.status_code == 200 and r.json()["role"] == "admin"
        assert c.get("/api/me", headers={"Origin": "http://evil.example"}).status_code == 401  # a page elsewhere
        assert c.get("/api/me", headers={"Host": "rebound.example:8000"}).status_code == 401  # DNS rebinding
        assert c.get("/api/documents").json() == {"documents": []}
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000", client=("10.0.0.5", 50000)) as c:
        assert c.get("/api/me").status_code == 401
    with TestClient(create_app(settings, bind_host="0.0.0.0"), **local) as c:
        assert c.get("/api/me").status_code == 401


def test_serve_refuses_a_public_address_without_accounts(tmp_path):
    from typer.testing import CliRunner

    from ui.cli import app, serve_cmd

    serve_cmd.register(app)
    r = CliRunner().invoke(app, ["--home", str(tmp_path / "home"), "serve", "--host", "0.0.0.0", "--port", "1"])
    assert r.exit_code == 2 and "refusing to listen on 0.0.0.0" in r.output


def test_openapi_docs_list_every_endpoint(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/health", "/api/login", "/api/search", "/api/ask", "/api/brief", "/api/documents",
              "/api/documents/{doc_id}", "/api/feedback", "/api/history"):
        assert p in paths, p


# -- a real server ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_server(tmp_path_factory):
    from ui.processes import free_port, stop_process, wait_until_healthy

    root = tmp_path_factory.mktemp("api_real")
    settings = build_office_home(root)
    port = free_port()
    env = {**os.environ, "GRIFFIER_HOME": str(settings.home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    log = open(root / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_healthy(base + "/health", proc, 120):
            raise RuntimeError((root / "server.log").read_text())
        yield base, settings
    finally:
        stop_process(proc)
        log.close()


@pytest.mark.slow
def test_real_server_enforces_logins_roles_and_collections(real_server):
    import httpx

    from ui.office import Office, tokens

    base, settings = real_server
    with httpx.Client(base_url=base, timeout=120) as c:
        assert c.get("/health").json() == {"status": "ok"}
        assert c.get("/api/search", params={"q": "wind"}).status_code == 401

        def login(name):
            r = c.post("/api/login", json={"username": name, "password": USERS[name][0]})
            assert r.status_code == 200, r.text
            return {"Authorization": f"Bearer {r.json()['token']}"}

        anna = login("anna")
        r = c.post("/api/documents", headers=anna, files={"file": ("x.txt", b"tekst")}, data={"collection": "a"})
        assert r.status_code == 403
        assert c.delete("/api/documents/windenergie_notitie", headers=anna).status_code == 403

        bodies = [c.get("/api/search", params={"q": QUESTION_B, "k": 50}, headers=anna).text.replace(QUESTION_B, "")]
        ask = c.post("/api/ask", json={"question": QUESTION_B}, headers=anna)
        assert ask.status_code == 200
        bodies.append(ask.text.replace(QUESTION_B, ""))
        with c.stream("POST", "/api/ask", params={"stream": 1}, json={"question": QUESTION_B}, headers=anna) as s:
            assert s.headers["content-type"].startswith("text/event-stream")
            bodies.append("".join(s.iter_text()).replace(QUESTION_B, ""))
        bodies.append(c.post("/api/brief", json={"topic": TOPIC_B}, headers=anna).text.replace(TOPIC_B, ""))
        docs = c.get("/api/documents", headers=anna).json()["documents"]
        assert {d["doc_id"] for d in docs} == DOC_IDS["a"]
        bodies.append(json.dumps(docs))
        for b in bodies:
            assert not leaks_b(b), leaks_b(b)

        good = c.post("/api/ask", json={"question": "Hoeveel gigawatt windenergie in 2032?"}, headers=anna).json()
        assert c.post("/api/feedback", headers=anna, json={"turn_id": good["turn_id"], "rating": "up"}
                      ).status_code == 201
        hist = c.get("/api/history", headers=anna).json()["conversations"]
        assert good["conversation_id"] in {h["id"] for h in hist}

        r = c.get("/api/does-not-exist", headers=anna)
        assert r.status_code == 404 and "Traceback" not in r.text

        # A token that expires in 1 s, written to the server's database by this process.
        office = Office(settings)
        short = tokens.issue_token(office.db, office.get_user("anna"), lifetime_s=1)
        assert c.get("/api/me", headers={"Authorization": f"Bearer {short.token}"}).status_code == 200
        time.sleep(1.5)
        r = c.get("/api/me", headers={"Authorization": f"Bearer {short.token}"})
        assert r.status_code == 401 and "expired" in r.json()["error"]

        root = login("root")
        actions = {(e["action"], e["user"]) for e in c.get("/api/audit", headers=root).json()["events"]}
        for action in ("login", "search", "ask", "brief", "documents", "feedback", "history"):
            assert (action, "anna") in actions, action
        assert ("denied", "anna") in actions
