"""A fractie office on one Griffier: accounts, tokens, collection access, audit, feedback, history.

Shared by the three shells (command line, Streamlit app, HTTP API); all state is
in `<home>/office.sqlite`. The `Office` facade binds the modules to one home so a
shell needs one object:

    office = get_office(settings)
    if office.has_accounts():
        user = office.authenticate(name, password, source="web")   # AuthError / Throttled
    else:
        user = office.local_user()                                  # no accounts: unrestricted, loopback only
    filters = office.retrieval_filters(user, filters)               # pass to the answerer / retriever
    answer = get_answerer(settings).answer(question, filters=filters)
    turn = office.save_turn(user, question, answer, conversation_id)  # history (checks access first)
    office.record_feedback(user, "up", turn_id=turn.id, comment="...")
    office.list_conversations(user); office.get_conversation(user, conv_id)
    office.list_feedback(user); office.gold_candidates(user)
    office.audit(user, "ask", source="web", detail={...})
    documents.list_documents(office, user)                          # what the user reads
    documents.upload_document(office, user, name, data, "intern")   # NotAllowed / NameTaken / TooLarge ...
    documents.delete_document(office, user, doc_id)                 # NotFound also for unreadable ones
    office.check_bind(host)                                         # no public address without accounts

Modules: db (the SQLite file), accounts (users, roles, passwords, throttling),
tokens, access (collections as retrieval filters and output checks), audit,
history, feedback, documents (upload/remove with the access rules).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from corpus.settings import Settings
from ui.office import access, accounts, audit, documents, feedback, history, tokens
from ui.office.accounts import AccountError, AuthError, Throttled, User
from ui.office.db import OfficeDB, OfficeError, open_office


def is_loopback(host: str) -> bool:
    """Whether binding to `host` keeps a server reachable from this machine only."""
    h = (host or "").strip().strip("[]").lower()
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


class Office:
    """The office of one home: thin methods over the modules, for the shells."""

    def __init__(self, settings: Settings, db: OfficeDB | None = None):
        self.settings = settings
        self.db = db or open_office(settings)

    # -- accounts ------------------------------------------------------------------------
    def has_accounts(self) -> bool:
        return accounts.has_accounts(self.db)

    def local_user(self) -> User:
        return User.local()

    def authenticate(self, username: str, password: str, source: str = "") -> User:
        return accounts.authenticate(self.db, username, password, source=source)

    def login(self, username: str, password: str, source: str = "") -> tokens.IssuedToken:
        """authenticate + a new token (the API's POST /api/login)."""
        return tokens.issue_token(self.db, self.authenticate(username, password, source))

    def user_for_token(self, token: str) -> User:
        return tokens.user_for_token(self.db, token)

    def logout(self, token: str, user: User | None = None, source: str = "") -> None:
        tokens.revoke_token(self.db, token)
        self.audit(user, "logout", source=source)

    def add_user(self, username: str, password: str, role: str = "reader", collections=None,
                 actor: User | None = None, source: str = "") -> User:
        return accounts.add_user(self.db, username, password, role, collections,
                                 actor=actor.username if actor else None, source=source)

    def update_user(self, username: str, actor: User | None = None, source: str = "", **changes: Any) -> User:
        return accounts.update_user(self.db, username, actor=actor.username if actor else None, source=source,
                                    **changes)

    def remove_user(self, username: str, actor: User | None = None, source: str = "") -> bool:
        return accounts.remove_user(self.db, username, actor=actor.username if actor else None, source=source)

    def list_users(self) -> list[User]:
        return accounts.list_users(self.db)

    def get_user(self, username: str) -> User | None:
        return accounts.get_user(self.db, username)

    def check_bind(self, host: str) -> None:
        """Refuse (ValueError) to serve on a non-loopback address while no account exists."""
        if not is_loopback(host) and not self.has_accounts():
            raise ValueError(
                f"refusing to listen on {host}: there are no accounts, so anyone who reaches it could read and "
                f"change every document. Add one first (`griffier users add NAME --role admin`), or listen on "
                f"127.0.0.1")

    # -- collections -------------------------------------------------------------------------
    def retrieval_filters(self, user: User, filters: dict | None = None) -> dict | None:
        return access.retrieval_filters(user, filters)

    def doc_collections(self) -> dict[str, str]:
        from corpus.store import ChunkStore

        return access.doc_collections(ChunkStore(self.settings.home))

    def readable_documents(self, user: User, store=None) -> list:
        from corpus.store import ChunkStore

        return access.readable_documents(user, store or ChunkStore(self.settings.home))

    # -- audit ---------------------------------------------------------------------------------
    def audit(self, user: User | str | None, action: str, *, ok: bool = True, source: str = "",
              target: str = "", detail: dict | None = None) -> int:
        name = user.username if isinstance(user, User) else user
        return audit.record(self.db, action, user=name, ok=ok, source=source, target=target, detail=detail)

    def audit_events(self, user: str | None = None, since: Any = None, action: str | None = None,
                     limit: int | None = None) -> list[audit.AuditEvent]:
        return audit.query(self.db, user=user, since=since, action=action, limit=limit)

    # -- history -------------------------------------------------------------------------------
    def save_turn(self, user: User, question: str, answer: Any, conversation_id: str | None = None,
                  colls: dict[str, str] | None = None) -> history.Turn:
        """Check the answer against the user's collections (AccessLeak), then store it."""
        data = answer.to_dict() if hasattr(answer, "to_dict") else dict(answer)
        colls = self.doc_collections() if colls is None else colls
        access.check_answer(user, data, colls)
        return history.add_turn(self.db, user, question, data,
                                access.collections_of_docs(access.answer_doc_ids(data), colls), conversation_id)

    def list_conversations(self, user: User) -> list[history.Conversation]:
        return history.list_conversations(self.db, user)

    def get_conversation(self, user: User, conversation_id: str) -> history.Conversation:
        return history.get_conversation(self.db, user, conversation_id)

    def delete_conversation(self, user: User, conversation_id: str) -> bool:
        return history.delete_conversation(self.db, user, conversation_id)

    def export_conversation(self, user: User, conversation_id: str, fmt: str = "markdown") -> str:
        return history.export_conversation(self.get_conversation(user, conversation_id), fmt)

    # -- feedback ------------------------------------------------------------------------------
    def record_feedback(self, user: User, rating: Any, *, turn_id: str | None = None, comment: str = "",
                        question: str | None = None, answer: Any = None, source: str = "") -> feedback.Feedback:
        """A vote on a stored answer (`turn_id`), or on an answer given here (its collections are looked up)."""
        colls = None
        if not turn_id and answer is not None:
            data = answer.to_dict() if hasattr(answer, "to_dict") else dict(answer)
            dc = self.doc_collections()
            access.check_answer(user, data, dc)
            colls = access.collections_of_docs(access.answer_doc_ids(data), dc)
            answer = data
        return feedback.record_feedback(self.db, user, rating, comment=comment, turn_id=turn_id, question=question,
                                        answer=answer, collections=colls, source=source)

    def list_feedback(self, viewer: User, rating: int | None = None) -> list[feedback.Feedback]:
        return feedback.list_feedback(self.db, viewer, rating=rating)

    def gold_candidates(self, viewer: User) -> list[dict]:
        return feedback.gold_candidates(self.list_feedback(viewer))


def get_office(settings: Settings) -> Office:
    return Office(settings)


__all__ = [
    "AccountError", "AuthError", "Office", "OfficeDB", "OfficeError", "Throttled", "User", "access", "accounts",
    "audit", "documents", "feedback", "get_office", "history", "is_loopback", "open_office", "tokens",
]
