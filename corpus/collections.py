"""Collections: every document belongs to exactly one, named in its metadata.

A collection is the unit of access (ui/office grants users the collections they
may read). The name lives in the document's metadata under `collection`; a
document stored before collections existed has none and counts as the default.
Lives in `corpus` because ingest (rag/) and the shells (ui/) both need it.
"""

from __future__ import annotations

import re
from typing import Any

DEFAULT_COLLECTION = "algemeen"
KEY = "collection"

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def normalise_collection(name: Any) -> str:
    """The canonical (lower-case) form of a collection name; ValueError naming the fix when it is not valid."""
    s = str(name or "").strip().lower()
    if not _NAME_RE.match(s):
        raise ValueError(
            f"collection name {name!r} is not valid: use 1-64 lower-case letters, digits, '-', '_' or '.', "
            f"starting with a letter or digit (e.g. {DEFAULT_COLLECTION!r} or 'intern')"
        )
    return s


def collection_of(metadata: dict[str, Any] | None) -> str:
    """The collection a document's metadata puts it in (the default when it names none).

    An invalid stored name (written by hand into the store) is returned as it is, lower-cased:
    no grant can name it, so such a document stays closed to everyone but the unrestricted.
    """
    raw = (metadata or {}).get(KEY)
    if raw in (None, ""):
        return DEFAULT_COLLECTION
    try:
        return normalise_collection(raw)
    except ValueError:
        return "!" + str(raw).strip().lower()
