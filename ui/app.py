"""Griffier's Streamlit app: `griffier ui` runs `streamlit run ui/app.py`.

Only page configuration, the login gate (ui/login.py) and navigation here; each page is a script in
ui/views/ and every bit of logic lives in the library or in ui.render.

The folder is not called `pages/`: Streamlit treats a `pages/` folder beside
the entry script as an old-style multipage app until st.navigation has run once
in the process, so the first visitor of a fresh server who opened a deep link
(/chat) got that page without this navigation.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run ui/app.py` puts ui/ on sys.path, not the project root; make the
# packages importable from a source checkout too (installed copies need nothing).
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st

from ui import login, resources

st.set_page_config(page_title="Griffier", page_icon="⚖️", layout="wide")

_PAGES = Path(__file__).resolve().parent / "views"
CHAT = st.Page(_PAGES / "chat.py", title="Chat", icon=":material/forum:", url_path="chat")


def _start() -> None:
    """The root URL: go to the chat. Streamlit serves its default page at "/" only,
    so a default chat page would make the /chat deep link "Page not found". The query
    (`?gesprek=`, the open conversation) goes along."""
    st.switch_page(CHAT, query_params=st.query_params.to_dict())


# With accounts, no page runs until the session has logged in; without, only a browser on this
# machine is served (ui/login.py). The navigation is set up first (hidden until then) so a deep
# link such as /documenten still leads to that page once the login form is passed.
_settings = resources.get_settings()
navigation = st.navigation(
    [
        st.Page(_start, title="Griffier", url_path="start", default=True, visibility="hidden"),
        CHAT,
        st.Page(_PAGES / "briefing.py", title="Briefing", icon=":material/description:", url_path="briefing"),
        st.Page(_PAGES / "documents.py", title="Documenten", icon=":material/folder_open:", url_path="documenten"),
        st.Page(_PAGES / "evaluation.py", title="Evaluatie", icon=":material/monitoring:", url_path="evaluatie"),
    ],
    position="sidebar" if login.current_user(_settings) is not None else "hidden",
)
_user = login.require_user(_settings)  # the login form (or the loopback refusal) stops the run here
login.account_sidebar(_settings, _user)
navigation.run()
