"""Griffier's Streamlit app: `griffier ui` runs `streamlit run ui/app.py`.

Only page configuration and navigation here; each page is a script in
ui/pages/ and every bit of logic lives in the library or in ui.render.
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

st.set_page_config(page_title="Griffier", page_icon="⚖️", layout="wide")

_PAGES = Path(__file__).resolve().parent / "pages"
navigation = st.navigation(
    [
        st.Page(_PAGES / "chat.py", title="Chat", icon=":material/forum:", default=True, url_path="chat"),
        st.Page(_PAGES / "briefing.py", title="Briefing", icon=":material/description:", url_path="briefing"),
        st.Page(_PAGES / "documents.py", title="Documenten", icon=":material/folder_open:", url_path="documenten"),
        st.Page(_PAGES / "evaluation.py", title="Evaluatie", icon=":material/monitoring:", url_path="evaluatie"),
    ]
)
navigation.run()
