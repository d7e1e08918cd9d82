"""`griffier users`, `griffier audit`, `ingest --collection` and the global `--user`: the command line
respects a user's collections and role, and lands in the audit log."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests._office import DOC_IDS, USERS, build_office_home, leaks_b, write_docs


@pytest.fixture(scope="module")
def cli():
    from ui.cli import answer_cmd, app_cmd, eval_cmd, ingest_cmd, search_cmd, serve_cmd, users_cmd
    from ui.cli.common import app

    for module in (ingest_cmd, search_cmd, answer_cmd, eval_cmd, app_cmd, serve_cmd, users_cmd):
        module.register(app)
    runner = CliRunner()

    def run(*args, input=None, env=None):
        return runner.invoke(app, [str(a) for a in args], input=input, env={"GRIFFIER_USER": None,
                                                                            "GRIFFIER_PASSWORD": None, **(env or {})})

    return run


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return build_office_home(tmp_path_factory.mktemp("cli_office")).home


def as_user(name: str) -> dict:
    return {"GRIFFIER_PASSWORD": USERS[name][0]}


def test_users_add_list_update_remove(cli, tmp_path):
    h = tmp_path / "home"
    r = cli("--home", h, "users", "add", "Anna", "--role", "editor", "--collections", "a,b", input="anna-wachtwoord\n")
    assert r.exit_code == 0, r.output
    assert "user anna added: editor, collections a, b" in r.output
    r = cli("--home", h, "users", "add", "anna", input="anna-wachtwoord\n")
    assert r.exit_code == 2 and "already exists" in r.output
    r = cli("--home", h, "users", "add", "bob", input="kort\n")
    assert r.exit_code == 2 and "at least 8" in r.output
    r = cli("--home", h, "users", "add", "bob", "--role", "baas", input="lang-genoeg\n")
    assert r.exit_code == 2 and "reader, editor, admin" in r.output
    r = cli("--home", h, "users", "add", "bob", input="")
    assert r.exit_code == 2 and "no password on stdin" in r.output
    r = cli("--home", h, "users", "list", "--json")
    assert json.loads(r.stdout) == {"users": [{"username": "anna", "role": "editor", "collections": ["a", "b"]}]}
    r = cli("--home", h, "users", "update", "anna", "--role", "reader", "--collections", "a")
    assert r.exit_code == 0 and "anna: reader, collections a" in r.output
    assert cli("--home", h, "users", "remove", "anna").exit_code == 0
    r = cli("--home", h, "users", "remove", "anna")
    assert r.exit_code == 2 and "no user" in r.output
    events = json.loads(cli("--home", h, "audit", "--json").stdout)["events"]
    assert [e["action"] for e in events] == ["users.add", "users.update", "users.remove"]
    assert all(e["source"] == "cli" for e in events)


def test_user_sees_only_their_collections_on_the_command_line(cli, home):
    r = cli("--home", home, "--user", "anna", "search", "geheime codenaam plan landbouw", "-k", "20", "--json",
            env=as_user("anna"))
    assert r.exit_code == 0, r.output
    assert {p["doc_id"] for p in json.loads(r.stdout)["passages"]} <= DOC_IDS["a"]
    r = cli("--home", home, "--user", "anna", "ask", "Wat is de geheime codenaam van het plan?", "--json",
            env=as_user("anna"))
    data = json.loads(r.stdout)
    assert data["refused"] and not leaks_b(json.dumps(data["passages"]))
    r = cli("--home", home, "--user", "carla", "ask", "Wat is de geheime codenaam van het plan?", "--json",
            env=as_user("carla"))
    assert "Zilverreiger" in json.loads(r.stdout)["answer"]
    r = cli("--home", home, "--user", "anna", "documents", "--json", env=as_user("anna"))
    assert {d["doc_id"] for d in json.loads(r.stdout)["documents"]} == DOC_IDS["a"]
    r = cli("--home", home, "--user", "anna", "chunks", env=as_user("anna"))
    assert {json.loads(line)["doc_id"] for line in r.stdout.splitlines()} == DOC_IDS["a"]
    r = cli("--home", home, "--user", "anna", "chunks", "--doc", "stikstof_embargo", env=as_user("anna"))
    assert r.exit_code == 2 and "no stored document" in r.output
    out = home.parent / "notitie.md"
    r = cli("--home", home, "--user", "anna", "brief", "plan voor de landbouw", "-o", out, env=as_user("anna"))
    assert r.exit_code == 0 and not leaks_b(out.read_text(encoding="utf-8"))
    r = cli("--home", home, "--user", "anna", "eval", "eval/gold/dev.jsonl", env=as_user("anna"))
    assert r.exit_code == 2 and "every collection" in r.output
    # Without --user the command line is the owner of the files: everything.
    r = cli("--home", home, "documents", "--json")
    assert {d["doc_id"] for d in json.loads(r.stdout)["documents"]} == set().union(*DOC_IDS.values())


def test_password_from_stdin_and_wrong_password(cli, home):
    r = cli("--home", home, "--user", "anna", "documents", "--json", input="anna-wachtwoord\n")
    assert r.exit_code == 0 and {d["doc_id"] for d in json.loads(r.stdout.splitlines()[-1])["documents"]} == DOC_IDS["a"]
    r = cli("--home", home, "--user", "anna", "documents", env={"GRIFFIER_PASSWORD": "fout-fout"})
    assert r.exit_code == 2 and "wrong user name or password" in r.output


def test_chat_as_a_user_reads_the_password_first_then_questions(cli, home):
    question = "Wat is de geheime codenaam van het plan?\n"
    r = cli("--home", home, "--user", "anna", "chat", input="anna-wachtwoord\n" + question + "\n")
    assert r.exit_code == 0, r.output
    assert "Dichtstbijzijnde passages" in r.output and not leaks_b(r.output)
    r = cli("--home", home, "--user", "carla", "chat", input="carla-wachtwoord\n" + question + "\n")
    assert "Zilverreiger" in r.output


def test_roles_on_the_command_line(cli, home, tmp_path):
    folder = write_docs(tmp_path)["a"]
    r = cli("--home", home, "--user", "anna", "remove", "windenergie_notitie", env=as_user("anna"))
    assert r.exit_code == 2 and "needs editor" in r.output
    r = cli("--home", home, "--user", "bert", "remove", "stikstof_embargo", env=as_user("bert"))
    assert r.exit_code == 2 and "no stored document" in r.output  # b is not bert's: as if absent
    r = cli("--home", home, "--user", "bert", "ingest", folder, "--collection", "b", env=as_user("bert"))
    assert r.exit_code == 2 and "may not ingest" in r.output
    r = cli("--home", home, "--user", "anna", "users", "list", env=as_user("anna"))
    assert r.exit_code == 2 and "needs admin" in r.output
    r = cli("--home", home, "--user", "root", "users", "list", env=as_user("root"))
    assert r.exit_code == 0 and "carla" in r.output


def test_ingest_collection_flag_and_audit_filters(cli, tmp_path):
    h = tmp_path / "home"
    folders = write_docs(tmp_path)
    r = cli("--home", h, "ingest", folders["b"], "--collection", "B", "--json", "--no-progress")
    assert r.exit_code == 0, r.output
    r = cli("--home", h, "documents", "--json")
    assert {d["collection"] for d in json.loads(r.stdout)["documents"]} == {"b"}
    r = cli("--home", h, "ingest", folders["a"], "--collection", "geen naam")
    assert r.exit_code == 2 and "collection name" in r.output
    assert not (h / "office.sqlite").exists()  # single-user use makes no office database
    cli("--home", h, "users", "add", "anna", "--collections", "b", input="anna-wachtwoord\n")
    cli("--home", h, "--user", "anna", "search", "codenaam", env={"GRIFFIER_PASSWORD": "anna-wachtwoord"})
    cli("--home", h, "--user", "anna", "search", "codenaam", env={"GRIFFIER_PASSWORD": "fout-fout"})
    events = json.loads(cli("--home", h, "audit", "--user", "anna", "--json").stdout)["events"]
    assert [(e["action"], e["ok"]) for e in events] == [("login", True), ("search", True), ("login", False)]
    assert json.loads(cli("--home", h, "audit", "--since", "1h", "--action", "search", "--json").stdout)["events"]
    assert json.loads(cli("--home", h, "audit", "--since", "2999-01-01", "--json").stdout)["events"] == []
    r = cli("--home", h, "audit", "--since", "gisteren")
    assert r.exit_code == 2 and "--since" in r.output
