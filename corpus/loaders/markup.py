"""Official XML and HTML of published Kamerstukken (zoek.officielebekendmakingen.nl), and other markup.

The KOOP XML of a Kamerstuk looks like
`<kamerstuk><kamerstukkop><tekstregel inhoud="vergaderjaar">…</tekstregel></kamerstukkop>
<dossier><dossiernummer><dossiernr>34 851</dossiernr></dossiernummer><titel>…</titel></dossier>
<stuk><stuknr>Nr. <ondernummer>4</ondernummer></stuknr><titel>…</titel> … <al>…</al>
<divisie><kop><nr>1.</nr><titel>Inleiding</titel></kop><al>… <noot><noot.nr>2</noot.nr>
<noot.al>…</noot.al></noot></al></divisie> …`; its `metadata.xml` and the HTML page carry
Dublin Core / OVERHEIDop fields as `<metadata name=… content=…>` / `<meta name=… content=…>`.
Blocks (`al`, headings, list items, table rows) become paragraphs separated by blank lines;
a footnote becomes its own paragraph right after the paragraph that cites it. Unknown XML
falls back to one paragraph per element that holds text.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from corpus.errors import LoadError

log = logging.getLogger(__name__)

# Dublin Core / OVERHEID metadata names -> Griffier metadata keys (see DESIGN.md).
META_KEYS = {
    "dc.identifier": "identifier",
    "dc.title": "title",
    "overheidop.documenttitel": "documenttitel",
    "overheidop.dossiernummer": "dossiernummer",
    "overheidop.dossiertitel": "dossiertitel",
    "overheidop.ondernummer": "ondernummer",
    "overheidop.vergaderjaar": "vergaderjaar",
    "overheidop.publicationname": "publicatie",
    "dc.type": "type",
    "dcterms.issued": "datum",
    "overheidop.datumbrief": "datum_brief",
    "dc.creator": "instantie",
    "overheidop.indiener": "indieners",  # may repeat: collected as a list
    "overheidop.ontvanger": "ontvanger",
}
_LIST_KEYS = {"indieners"}

_VJ = re.compile(r"(\d{4})\s*[-–/]\s*(\d{2,4})")

# XML elements that are one paragraph each, whatever they contain.
_XML_BLOCKS = {"al", "titel", "tussenkop", "tekstregel", "ondertekening", "p", "para", "alinea", "stuknr",
               "datumtekst", "dossiernr", "aanhef", "slotformulering"}
_XML_SKIP = {"metadata", "meta", "metadata_gegevens", "noot", "nootref"}

_HTML_BLOCKS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "dt", "dd", "pre", "blockquote", "tr",
                "caption", "figcaption"]
_HTML_DROP = ["script", "style", "noscript", "nav", "header", "footer", "form", "button", "template", "svg"]


def _ws(text: str | None) -> str:
    return " ".join((text or "").split())


def _add_meta(meta: dict, name: str | None, content: str | None) -> None:
    key = META_KEYS.get((name or "").strip().lower())
    value = _ws(content)
    if not key or not value:
        return
    if key in _LIST_KEYS:
        meta.setdefault(key, [])
        if value not in meta[key]:
            meta[key].append(value)
    else:
        meta.setdefault(key, value)


def _local(el) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


class _XmlText:
    """Walks a parsed XML tree into paragraphs, footnotes after their paragraph."""

    def __init__(self, count=None) -> None:
        self.blocks: list[str] = []
        self._count = count or (lambda text: None)

    def inline(self, el, notes: list[str]) -> str:
        parts = [el.text or ""] if isinstance(el.tag, str) else []
        for child in el:
            name = _local(child)
            if name == "noot":
                nr = next((c for c in child if _local(c) == "noot.nr"), None)
                body = " ".join(_ws(self.inline(c, notes)) for c in child if _local(c) != "noot.nr")
                notes.append(_ws(f"{_ws(nr.text) if nr is not None else ''} {body}"))
            elif name and name not in ("nootref",):
                parts.append(self.inline(child, notes))
            parts.append(child.tail or "")
        return "".join(parts)

    def emit(self, text: str, notes: list[str]) -> None:
        text = _ws(text)
        if text:
            self.blocks.append(text)
            self._count(text)
        self.blocks.extend(n for n in notes if n)

    def walk(self, el) -> None:
        name = _local(el)
        if not name or name in _XML_SKIP:
            return
        if name == "kop":  # heading: "<nr>1.</nr> <titel>Inleiding</titel>" as one line
            notes: list[str] = []
            self.emit(" ".join(_ws(self.inline(c, notes)) for c in el if _local(c) in ("nr", "titel")), notes)
            return
        if name == "row":  # CALS table row: cells on one line
            notes = []
            cells = [_ws(self.inline(c, notes)) for c in el.iter() if _local(c) == "entry"]
            self.emit(" | ".join(c for c in cells if c), notes)
            return
        if name == "li":  # list item: its marker and first paragraph together, nested lists after
            notes = []
            head: list[str] = []
            rest = []
            have_al = False
            for c in el:
                cn = _local(c)
                if (cn == "li.nr" and not head) or (cn == "al" and not have_al):
                    head.append(_ws(self.inline(c, notes)))
                    have_al = have_al or cn == "al"
                elif cn:
                    rest.append(c)
            self.emit(" ".join(head), notes)
            for c in rest:
                self.walk(c)
            return
        own_text = _ws(el.text) or any(_ws(c.tail) for c in el)
        if name in _XML_BLOCKS or own_text:
            notes = []
            self.emit(self.inline(el, notes), notes)
            return
        for child in el:
            self.walk(child)


def _plain(el) -> str:
    """The element's text without its footnotes."""
    return _ws(_XmlText().inline(el, []))


def _xml_metadata(root) -> dict:
    meta: dict = {}
    for el in root.iter():
        name = _local(el)
        if name in ("meta", "metadata") and el.get("name"):
            _add_meta(meta, el.get("name"), el.get("content"))
    # The kamerstuk header, where metadata.xml is not at hand.
    for el in root.iter():
        name = _local(el)
        if name == "dossiernr" and "dossiernummer" not in meta:
            meta["dossiernummer"] = _plain(el)
        elif name == "ondernummer" and "ondernummer" not in meta:
            meta["ondernummer"] = _plain(el)
        elif name == "tekstregel" and el.get("inhoud") == "vergaderjaar" and "vergaderjaar" not in meta:
            m = _VJ.search("".join(el.itertext()))
            if m:
                meta["vergaderjaar"] = f"{m.group(1)}-{m.group(2)}"
        elif name == "tekstregel" and el.get("inhoud") == "kameraanduiding" and "kameraanduiding" not in meta:
            meta["kameraanduiding"] = _plain(el)
        elif name == "datum" and el.get("isodatum") and "datum" not in meta:
            meta["datum"] = el.get("isodatum")
        elif name == "stuk" and "title" not in meta:
            titel = next((c for c in el if _local(c) == "titel"), None)
            if titel is not None:
                t = _plain(titel)
                if t:
                    meta["title"] = t
        elif name == "dossier" and "dossiertitel" not in meta:
            titel = next((c for c in el if _local(c) == "titel"), None)
            if titel is not None and _plain(titel):
                meta["dossiertitel"] = _plain(titel)
    return meta


def _load_xml(path: Path, data: bytes, max_chars: int = 10 * 2**20) -> tuple[str, dict, str]:
    from lxml import etree

    # huge_tree off: libxml2 keeps its limits on node size and nesting depth (a real Kamerstuk is far below).
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise LoadError(path, f"not well-formed XML ({exc})", "check the file; download it again") from None
    if _local(root) == "html":
        text, meta = _load_html(path, data, max_chars)
        return text, meta, "html"
    walker = _XmlText(_text_cap(path, max_chars))
    walker.walk(root)
    return "\n\n".join(walker.blocks), _xml_metadata(root), "xml"


def _load_html(path: Path, data: bytes, max_chars: int = 10 * 2**20) -> tuple[str, dict]:
    from bs4 import BeautifulSoup

    count = _text_cap(path, max_chars)
    try:
        soup = BeautifulSoup(data, "lxml")
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad file
        raise LoadError(path, f"unreadable HTML ({exc})", "check the file; download it again") from None
    meta: dict = {}
    for tag in soup.find_all("meta"):
        _add_meta(meta, tag.get("name") or tag.get("property"), tag.get("content"))
    if "title" not in meta and soup.title is not None and _ws(soup.title.get_text()):
        meta["title"] = _ws(soup.title.get_text())
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    root = soup.find("main") or soup.find(id="broodtekst") or soup.find("article") or soup.body or soup
    blocks: list[str] = []
    for el in root.find_all(_HTML_BLOCKS):
        if el.name != "tr" and el.find(_HTML_BLOCKS):
            continue  # a container of blocks: its inner blocks are emitted themselves
        if el.name != "tr" and el.find_parent("tr") is not None:
            continue  # inside a table row: the row is emitted as one line
        if el.name == "tr":
            cells = [_ws(c.get_text(" ")) for c in el.find_all(["td", "th"])]
            text = " | ".join(c for c in cells if c)
        else:
            text = _ws(el.get_text(" "))
        if text:
            blocks.append(text)
            count(text)
    if not blocks:  # markup without block elements: fall back to its text lines
        blocks = [_ws(line) for line in root.get_text("\n").splitlines() if _ws(line)]
    return "\n\n".join(blocks), meta


_DOC_TYPES = ("kabinetsreactie", "verslag", "motie", "nota", "brief")


def normalise_metadata(meta: dict) -> dict:
    """Official field names -> the keys the pipeline and citations use (corpus/structure.py):
    dossier "26 150", ondernummer, vergaderjaar "2020/21", kamer "II", date, kst, doc_type."""
    from corpus.structure import format_dossier, short_vergaderjaar

    out = dict(meta)
    if "dossiernummer" in out:
        out["dossier"] = format_dossier(str(out.pop("dossiernummer")))
    if "dossiertitel" in out:
        out["dossier_title"] = out.pop("dossiertitel")
    if "datum" in out:
        out["date"] = out.pop("datum")
    vj = _VJ.search(str(out.get("vergaderjaar", "")))
    if vj:
        y1, y2 = vj.group(1), vj.group(2)
        y2 = y2 if len(y2) == 4 else y1[:2] + y2
        out["vergaderjaar"] = short_vergaderjaar(y1, y2)
        out["vergaderjaar_raw"] = f"{y1}–{y2}"
    ident = str(out.get("identifier", ""))
    if ident.startswith("kst-"):
        out["kst"] = ident
    kamer = str(out.pop("kameraanduiding", "") or out.get("instantie", ""))
    if "kamer" not in out and kamer:
        if "Tweede Kamer" in kamer:
            out["kamer"] = "II"
        elif "Eerste Kamer" in kamer:
            out["kamer"] = "I"
    words = " ".join(str(out.get(k, "")) for k in ("title", "documenttitel")).lower()
    doc_type = next((t for t in _DOC_TYPES if t in words), None)
    if doc_type and "doc_type" not in out:
        out["doc_type"] = doc_type
    return out


def load_markup(path: Path, data: bytes, fmt: str, *, limits=None) -> tuple[str, None, dict, str]:
    """Text and metadata of an XML or HTML file. The parsed tree takes ~10x the file's size in
    memory, so the markup is capped (limits.max_unpacked) before parsing; entities are never
    expanded (no "billion laughs"), and the text is capped (limits.max_chars) as it is collected."""
    from corpus.loaders import Limits, too_much

    limits = limits or Limits()
    if len(data) > limits.max_unpacked:
        mb = round(limits.max_unpacked / 2**20, 3)
        raise too_much(path, f"{len(data) / 2**20:.0f} MB of markup", limits.max_unpacked, "max_unpacked_mb", mb)
    if fmt == "xml":
        text, meta, fmt = _load_xml(path, data, limits.max_chars)
    else:
        text, meta = _load_html(path, data, limits.max_chars)
    return text, None, normalise_metadata(meta), fmt


def _text_cap(path: Path, max_chars: int):
    """A counter that raises LoadError once the collected text passes `max_chars`."""
    from corpus.loaders import too_much

    total = [0]

    def count(text: str) -> None:
        total[0] += len(text)
        if total[0] > max_chars:
            mb = round(max_chars / 2**20, 3)
            raise too_much(path, f"more than {mb:g} MB of text", max_chars, "max_text_mb", mb)

    return count
