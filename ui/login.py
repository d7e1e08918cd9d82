"""Who is using this browser session: the web app's login, logout and loopback guard.

With no accounts in the home the app runs as it always did, for the unrestricted
local user, but only for a browser on this machine (`refuse_unsafe_access`). Once
an account exists every session logs in first: the password is checked by
`ui.office` (Argon2, throttling, audit), and a login token from the office
database is kept in `st.session_state`, so an expired token, a changed password
or a removed account ends the session on its next interaction. The token lives
in the server's session memory only: a page reload starts a new session, which
logs in again (the open conversation comes back through the URL, see views/chat.py).
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st

from corpus.display import markdown_line
from corpus.settings import Settings
from ui.office import AuthError, Office, Throttled, User, get_office, is_loopback

log = logging.getLogger(__name__)

TOKEN_KEY = "griffier_token"
USER_KEY = "griffier_user"
NOTICE_KEY = "griffier_login_notice"
ERROR_KEY = "griffier_login_error"
ROLE_LABELS = {"reader": "lezer", "editor": "redacteur", "admin": "beheerder"}


def office(settings: Settings) -> Office:
    return get_office(settings)


def office_exists(settings: Settings) -> bool:
    """Whether the home has an office database. It is made when there is something to keep (an
    account, a conversation, feedback), not by looking: plain single-user use of a home that is
    only read leaves it as it was."""
    from ui.office.db import FILENAME

    return (Path(settings.home) / FILENAME).exists()


def has_accounts(settings: Settings) -> bool:
    """Whether this home has accounts (without creating its office database just to ask)."""
    return office_exists(settings) and office(settings).has_accounts()


def _client_ip() -> str | None:
    """The browser's address; None for one on this machine (and in AppTest, which has no client)."""
    try:
        ip = st.context.ip_address
    except Exception:  # noqa: BLE001 - no client context: the local browser
        return None
    return ip if isinstance(ip, str) and ip else None


def source() -> str:
    """Where this session comes from, for the audit log and login throttling ("web" or "web:<address>")."""
    ip = _client_ip()
    return f"web:{ip}" if ip else "web"


def audit(settings: Settings, user: User | None, action: str, **kw) -> None:
    """`Office.audit` from this session (its source filled in). A failed write is logged, and does not
    hide the result from the user: with accounts a home whose office database cannot be written
    refuses every login anyway; without them (a read-only home) there is no one to account for."""
    try:
        office(settings).audit(user, action, source=source(), **kw)
    except Exception:
        log.exception("audit of %s by %s failed", action, getattr(user, "username", user))


def _host_header() -> str:
    try:
        host = st.context.headers.get("Host")
    except Exception:  # noqa: BLE001 - no client context
        return ""
    return host if isinstance(host, str) else ""


def unsafe_access_reason() -> str | None:
    """Why this session may not use the no-accounts mode (None: it may).

    Without accounts anyone who reaches the app reads and changes every document, so only a
    browser on this machine, talking to a loopback name, is served: a server started on
    another address (`streamlit run --server.address 0.0.0.0`, bypassing `griffier ui`'s check),
    a remote client, or a foreign host name resolving to 127.0.0.1 (DNS rebinding) is refused.
    """
    address = st.get_option("server.address")
    if isinstance(address, str) and address and not is_loopback(address):
        return f"de server luistert op {address}"
    ip = _client_ip()
    if ip and not is_loopback(ip):
        return f"de verbinding komt van {ip}"
    host = urlsplit(f"//{_host_header()}").hostname or ""
    if host and not is_loopback(host):
        return f"de app is geopend als {host}"
    return None


def _clear_session(*, keep_url: bool = False) -> None:
    """Forget everything this session held (another user may log in next in this browser)."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if not keep_url:
        st.query_params.clear()


def _attempt_login(settings: Settings) -> None:
    """The login form's callback: runs before the page, so a successful login shows the app in the same run.

    The password is taken out of the session at once, whatever the outcome: it is never kept.
    """
    name = str(st.session_state.get("login_user") or "")
    password = str(st.session_state.get("login_password") or "")
    st.session_state["login_password"] = ""
    if not name.strip() or not password:
        st.session_state[ERROR_KEY] = "Vul uw gebruikersnaam en wachtwoord in."
        return
    try:
        issued = office(settings).login(name, password, source=source())
    except Throttled as exc:
        st.session_state[ERROR_KEY] = (f"Te veel mislukte inlogpogingen. Probeer het over {exc.retry_after} "
                                       f"seconden opnieuw.")
        return
    except AuthError:
        st.session_state[ERROR_KEY] = "Onbekende gebruikersnaam of verkeerd wachtwoord."
        return
    st.session_state[TOKEN_KEY] = issued.token
    st.session_state[USER_KEY] = issued.user.username


def _login_form(settings: Settings) -> None:
    st.title("Griffier")
    st.caption("Log in om vragen te stellen over de documenten van uw fractie.")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(notice)
    with st.form("login_form"):
        st.text_input("Gebruikersnaam", key="login_user", autocomplete="username")
        st.text_input("Wachtwoord", type="password", key="login_password", autocomplete="current-password")
        st.form_submit_button("Inloggen", type="primary", on_click=_attempt_login, args=(settings,))
    error = st.session_state.pop(ERROR_KEY, None)
    if error:
        st.error(error)


def current_user(settings: Settings) -> User | None:
    """The user of this session, or None when it still has to log in.

    The token is checked against the office database on every run, so an expired
    token, a new password or a removed account logs the session out at once.
    """
    off = office(settings)
    if not has_accounts(settings):
        return off.local_user()
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        return None
    try:
        return off.user_for_token(token)
    except AuthError as exc:
        _clear_session(keep_url=True)  # after logging in again the open conversation comes back
        st.session_state[NOTICE_KEY] = ("Uw sessie is verlopen. Log opnieuw in." if "expired" in str(exc)
                                        else "U bent uitgelogd. Log opnieuw in.")
        return None


def require_user(settings: Settings) -> User:
    """The session's user; shows the login form (or the loopback refusal) and stops the run otherwise."""
    off = office(settings)
    if not has_accounts(settings):
        reason = unsafe_access_reason()
        if reason:
            st.error(
                "Griffier heeft nog geen accounts en is daarom alleen op deze computer te gebruiken "
                f"({markdown_line(reason)}). Maak eerst een account aan met `griffier users add NAAM --role admin`, "
                "of open de app via http://127.0.0.1."
            )
            st.stop()
        return off.local_user()
    user = current_user(settings)
    if user is None:
        _login_form(settings)
        st.stop()
    return user


def logout(settings: Settings, user: User) -> None:
    token = st.session_state.get(TOKEN_KEY, "")
    try:
        office(settings).logout(token, user, source=source())
    except Exception:  # the session ends here whatever the database says
        log.exception("logout of %s failed", user.username)
    _clear_session()
    st.session_state[NOTICE_KEY] = "U bent uitgelogd."


def account_sidebar(settings: Settings, user: User) -> None:
    """Who is logged in, and the "Uitloggen" button (nothing without accounts)."""
    if not has_accounts(settings):
        return
    with st.sidebar:
        role = ROLE_LABELS.get(user.role, user.role)
        st.caption(f"Ingelogd als **{markdown_line(user.username)}** ({role})")
        st.button("Uitloggen", icon=":material/logout:", key="logout", width="stretch", on_click=logout,
                  args=(settings, user))
