"""Clean PDF-extracted text of parliamentary documents into paragraphs.

The input is text as `pdftotext` (or a PDF loader) leaves it: hard line breaks
every ~70 characters, words broken across lines ("Neder-\\nlandse"), page
footers ("Tweede Kamer, vergaderjaar 2020–2021, 26 150, nr. 187 6"), the
Kamerstuk colophon (kst code, ISSN), letter sidebars ("Onze Referentie /
BZDOC-…") interleaved mid-sentence, and footnotes at the page bottom whose
markers are glued to words ("Toetsingskader1").

`clean(lines)` returns `Paragraph`s in reading order, each with the raw line
range it came from and its *relative* page index (pages counted from the start
of the text). `corpus.structure` turns relative pages into printed page numbers
using the anchors (footer page numbers) recorded here.

Everything works line by line with regular expressions and a per-document
vocabulary; no models, so it is fast and deterministic.
"""

from __future__ import annotations

import itertools
import logging
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

# --- patterns ---------------------------------------------------------------

# "Tweede Kamer, vergaderjaar 2020–2021, 26 150, nr. 187 6" (the last number is
# the page). The colophon on page 1 prefixes it with "’s-Gravenhage 2016".
FOOTER_RE = re.compile(
    r"^\s*(?:.{0,40}?[’']s-Gravenhage \d{4}\s+)?"
    r"(?P<chamber>Tweede|Eerste) Kamer, vergaderjaar (?P<y1>\d{4})\s*[–-]\s*(?P<y2>\d{4}),\s*"
    r"(?P<dossier>\d{1,3}(?: \d{3})*(?: [A-Z]{1,5})?(?:, [A-Z])?),\s*nr\.\s*(?P<nr>\d+)\s+(?P<page>\d{1,4})\s*$"
)
KST_RE = re.compile(r"^\s*kst-(?P<dossier>\d+)(?:-(?P<sub>[A-Z0-9]+))?-(?P<nr>\d+)\s*$", re.IGNORECASE)
ISSN_RE = re.compile(r"^\s*ISSN\s+\d{4}\s*-\s*\d{3}[\dX]\s*$")
GRAVENHAGE_RE = re.compile(r"^\s*[’']s-Gravenhage \d{4}\s*$")
PAGINA_RE = re.compile(r"^\s*Pagina (?P<page>\d{1,4}) van \d{1,4}\s*$", re.IGNORECASE)
# Letter sidebar labels repeated on every page of a ministry letter.
SIDEBAR_LABEL_RE = re.compile(
    r"^\s*(?:Onze [Rr]eferentie|Ons kenmerk|Uw [Rr]eferentie|Uw kenmerk|Kenmerk)\s*$"
)
# A reference code such as BZDOC-151021554-15 or 2019-0000012345.
REFERENCE_RE = re.compile(r"^[A-Z][A-Za-z]{1,12}[-/]?[A-Z0-9/.-]*\d[A-Z0-9/.-]*$|^\d{4}-\d{6,}$")
SALUTATION_RE = re.compile(r"^\s*(?:Geachte|Hooggeachte)\b.*,\s*$")
LIST_MARKER_RE = re.compile(r"^\s*(?:[•·▪◦●\-–—]\s+|\(?[a-z]\)\s+|[a-z]\.\s+|\(\d{1,2}\)\s+|[ivx]{1,4}\.\s+)")
ANSWER_HEADING_RE = re.compile(r"^\s*(?P<n>\d{1,3})\s*\.\s*(?P<rest>[A-Za-z][^.]{0,60}?)\s*:?\s*$")
# Lines that always stand alone as a heading, even without blank lines around
# them: numbered cabinet answers and fractie contributions in a verslag.
STANDALONE_HEADING_RE = re.compile(
    r"^\s*(?:\d{1,3}\s*\.\s*Ant?w\w*\b[^.]{0,45}:?|(?:Vraag|Antwoord)(?: op vraag)? \d{1,3}|(?:Inbreng|Vragen(?: en opmerkingen)?)\s+(?:van\s+)?(?:de\s+)?leden\s+van\s+de\s+.{1,60}?fractie(?:\s+van\s+.{1,40})?)\s*:?\s*$",
    re.IGNORECASE,
)
SIGNATURE_RE = re.compile(r"^\s*De (?:Minister|Staatssecretaris|Minister-president)\b[^.]*,\s*$")
SIGNATURE_START_RE = re.compile(r"^\s*De (?:Minister|Staatssecretaris|Minister-president)\b[^.]*,")

TERMINAL = ".!?:;"
# A title does not end in one of these; a sentence cut by a page break may.
FUNCTION_WORDS = {
    "de",
    "het",
    "een",
    "van",
    "en",
    "of",
    "in",
    "op",
    "aan",
    "voor",
    "met",
    "te",
    "dat",
    "die",
    "is",
    "zijn",
    "om",
    "tot",
    "door",
    "bij",
    "naar",
    "over",
    "als",
    "dan",
    "ook",
    "niet",
    "er",
    "wordt",
    "worden",
    "zal",
    "kan",
    "heeft",
    "hebben",
    "werd",
    "uit",
    "onder",
    "tegen",
    "zich",
    "deze",
    "dit",
    "haar",
    "hun",
    "zoals",
}
SUSPENDED_HYPHEN_WORDS = {"en", "of", "als", "tot", "noch", "dan", "and", "or", "to"}
# Tokens before a full stop that do not end a sentence.
ABBREVIATIONS = {
    "jl",
    "nr",
    "nrs",
    "o.a",
    "bijv",
    "bv",
    "m.b.t",
    "i.v.m",
    "e.d",
    "e.a",
    "c.s",
    "zgn",
    "resp",
    "ca",
    "mw",
    "dhr",
    "mr",
    "dr",
    "prof",
    "drs",
    "ir",
    "ing",
    "art",
    "blz",
    "p",
    "pp",
    "vs",
    "zr.ms",
    "hr.ms",
    "t.a.v",
    "d.w.z",
    "z.g",
    "n.a.v",
    "i.p.v",
    "m.n",
    "etc",
    "incl",
    "excl",
    "min",
    "max",
    "vgl",
    "ggd",
    "st",
    "e.v",
    "o.m",
    "t.b.v",
    "e.e.a",
    "a.s",
    "jr",
    "mln",
    "mld",
    "mrd",
    "no",
}


def normalize(text: str) -> str:
    """Unicode NFC, unify line ends, drop soft hyphens and odd spaces."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = text.replace("\u00ad", "").replace("\u200b", "").replace("\ufeff", "")
    text = re.sub(r"[\u00a0\u2007\u202f\t]", " ", text)
    return text


# --- lines --------------------------------------------------------------------


@dataclass
class Line:
    text: str  # right-stripped, left-stripped
    idx: int  # index in the raw line list
    rel_page: int = 0  # pages counted from the start of the text (0-based)
    removed: bool = False
    page_start: bool = False  # first content line of a (relative) page
    why: str = ""  # why a line was removed (for debugging)


@dataclass
class PageAnchor:
    """The line `line_idx`, on relative page `rel_page`, is printed page `page`."""

    rel_page: int
    page: int
    line_idx: int
    kind: str  # "footer", "pagina", "pdf"


@dataclass
class Footnote:
    n: int
    text: str
    marker_line: int | None = None  # raw line index holding the marker


@dataclass
class Paragraph:
    text: str
    first_line: int
    last_line: int
    rel_page_start: int
    rel_page_end: int
    kind: str = "text"  # text | heading | footnote | signature
    glue_prev: bool = False  # keep in the same chunk as the previous paragraph
    footnotes: list[Footnote] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # source lines (after noise removal)
    src: list[tuple[int, int]] = field(default_factory=list)  # (raw line index, relative page) per line

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass
class CleanResult:
    paragraphs: list[Paragraph]
    anchors: list[PageAnchor]
    n_lines: int
    n_rel_pages: int
    page_breaks_seen: bool  # pages were delimited (PDF pages, footers, sidebars or layout)
    removed: Counter  # why -> count
    letterhead: dict[str, str]
    title_page: dict[str, str]
    footer_info: dict[str, str]
    kst: dict[str, str]
    exact_pages: bool = False  # pages came from the PDF itself
    layout_breaks: int = 0  # page breaks seen other than footers (layout, sidebar, PDF)


# --- hyphenation --------------------------------------------------------------

_WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)


def build_vocabulary(text: str) -> tuple[set[str], set[str]]:
    """Words written solid and hyphenated compounds written *within* a line.

    Only in-line occurrences count: those are how the author wrote the word,
    while a hyphen at a line end is ambiguous.
    """
    solid: set[str] = set()
    hyphenated: set[str] = set()
    for line in text.split("\n"):
        body = line.rstrip()
        if body.endswith("-"):
            body = body[: body.rfind(" ") + 1] if " " in body else ""
        for m in _WORD_RE.finditer(body):
            w = m.group(0).lower()
            if "-" in w:
                parts = w.split("-")
                for a, b in itertools.pairwise(parts):
                    hyphenated.add(f"{a}-{b}")
                    hyphenated.add(f"{a}-")  # "qaeda-": a name that takes a hyphen
                solid.update(parts)
            else:
                solid.add(w)
    return solid, hyphenated


def join_hyphenated(left: str, right: str, vocab: tuple[set[str], set[str]] | None = None) -> str:
    """Join two lines where `left` ends with a hyphen. Returns the joined text.

    Rules, in order:
    - a URL continues without a space and keeps its hyphen;
    - "land- / en tuinbouw": a suspended hyphen before "en"/"of" keeps hyphen and space;
    - continuation starting with a capital or digit ("Noord-/Korea", "COVID-/19"),
      or a left part that is an acronym ("VN-", "MINUSMA-") or mixed case
      ("Samenspraak&Tegenspraak-"): keep the hyphen, no space;
    - otherwise a line-break hyphenation: join ("Neder-/landse"), unless the
      document writes the hyphenated compound elsewhere and never the solid word.
    """
    left = left.rstrip()
    right = right.lstrip()
    if not right:
        return left
    tail = left[-300:]  # only the end matters; keeps long paragraphs linear
    last_tok = tail.split()[-1] if tail.split() else ""
    if re.search(r"https?://|www\.|\.(?:nl|org|com|eu|int)/", last_tok):
        return left + right
    first_word = right.split()[0]
    core_first = re.sub(r"[^\w]+$", "", first_word)
    if core_first.lower() in SUSPENDED_HYPHEN_WORDS:
        return left + " " + right
    frag = re.split(r"[\s\-/(«\"'„“]", tail[:-1])[-1]  # the word part before the hyphen
    if not frag or not frag[-1].isalpha():
        # "om – / conform", "2017-/2018": a dash, not a broken word
        return left + (" " if not frag else "") + right
    if not right[0].isalpha() or right[0].isupper():
        return left + right
    upp = sum(c.isupper() for c in frag)
    if upp >= 2 or any(not c.isalpha() for c in frag):
        return left + right
    cont = re.match(r"[^\W\d_]+", right)
    cont_s = cont.group(0) if cont else ""
    if vocab is not None and cont_s:
        solid, hyphenated = vocab
        fl = frag.lower()
        joined = (fl + cont_s).lower()
        if joined not in solid:
            if f"{fl}-{cont_s.lower()}" in hyphenated:
                return left + right
            # A capitalised name the text writes with a hyphen elsewhere
            # ("Al Qaeda-/sanctiecomité"), unlike a fragment ("Neder-/landse").
            if frag[0].isupper() and f"{fl}-" in hyphenated:
                return left + right
    return left[:-1] + right


def join_lines(lines: list[str], vocab: tuple[set[str], set[str]] | None = None) -> str:
    """Join the lines of one paragraph: one space, hyphenation repaired, list items on new lines."""
    parts: list[str] = []  # one per line, with its separator in front
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not parts:
            parts.append(line)
            continue
        prev = parts[-1]
        if prev.endswith("-") and not prev.endswith(" -"):
            parts[-1] = join_hyphenated(prev, line, vocab)
        elif LIST_MARKER_RE.match(line):
            parts.append("\n" + line)
        elif re.search(r"(?:https?://|www\.)\S*$", prev) and _continues_url(prev, line):
            # URLs wrap without a hyphen; join them without a space
            parts[-1] = prev + line
        else:
            parts.append(" " + line)
    return re.sub(r"[ ]{2,}", " ", "".join(parts))


def _continues_url(out: str, line: str) -> bool:
    if out.endswith((".", ")", ",")):
        return False
    if out.endswith(("/", "_", "=", "?", "&", "#", "%")):
        return True
    first = line.split()[0]
    return bool(re.search(r"[/_=?&%~]|\w-\w", first))


# --- footnote markers ---------------------------------------------------------


def _marker_regex(n: int) -> re.Pattern[str]:
    # The marker follows a lowercase letter or closing punctuation, and is not
    # part of a number ("8,3" or "1.5") or a URL path; or it follows a name that ends in
    # two digits ("COVID-1917": COVID-19 and marker 17).
    return re.compile(rf"(?:(?<=[a-zà-ÿ.,;:)»”\"’?!])(?<!\d[.,])|(?<=[A-Za-z]-\d\d)){n}(?=[\s.,;:)]|$)")


def find_marker(lines: list[Line], before: int, n: int, window: int = 200) -> tuple[int, int] | None:
    """Nearest glued footnote marker `n` in the kept lines before raw index `before`."""
    rx = _marker_regex(n)
    for line in reversed(lines[max(0, before - window) : before]):
        if line.removed or not line.text:
            continue
        ms = list(rx.finditer(line.text))
        for m in reversed(ms):
            pre = line.text[: m.start()]
            tok = pre.split()[-1] if pre.split() else ""
            if re.search(r"https?://|www\.|/", tok):
                continue
            # "G20", "P5", "D66": digits right after a capital are part of a name.
            if m.start() > 0 and line.text[m.start() - 1].isupper():
                continue
            return line.idx, m.start()
    return None


# --- Kamerstuk title page -------------------------------------------------------------

DOC_TYPE_WORDS = (
    ("VERSLAG", "verslag"),
    ("BRIEF", "brief"),
    ("MOTIE", "motie"),
    ("AMENDEMENT", "amendement"),
    ("NOTA", "nota"),
    ("MEMORIE", "memorie van toelichting"),
    ("VOORSTEL VAN WET", "wetsvoorstel"),
    ("LIJST VAN VRAGEN", "lijst van vragen"),
    ("ADVIES", "advies"),
)


def parse_title_page(lines: list[Line]) -> dict[str, str]:
    """Fields from the head of an official Kamerstuk, dropping the lines it used.

    "Tweede Kamer der Staten-Generaal / Vergaderjaar 2020–2021 / 26 150
    Herziening Handvest … / Nr. 187 VERSLAG VAN EEN SCHRIFTELIJK OVERLEG /
    Vastgesteld 13 oktober 2020", or "Den Haag, 15 februari 2019" in a letter.
    """
    out: dict[str, str] = {}
    used: list[Line] = []
    content = [l for l in lines[:60] if l.text.strip() and not l.removed]
    for l in content[:25]:
        t = " ".join(l.text.split())
        if re.fullmatch(r"(Tweede|Eerste) Kamer der Staten-Generaal(?: \d{1,3})?", t):
            out["kamer"] = "II" if t.startswith("Tweede") else "I"
            used.append(l)
        elif m := re.fullmatch(r"Vergaderjaar (\d{4})\s*[–-]\s*(\d{4})", t):
            out["y1"], out["y2"] = m.group(1), m.group(2)
            used.append(l)
        elif (
            (m := re.fullmatch(r"(\d{2} \d{3}(?: [A-Z]{1,5})?)\s+(\S.{3,})", t))
            and "dossier" not in out
            and "kamer" in out
        ):
            out["dossier"], out["dossier_title"] = m.group(1), m.group(2)
            used.append(l)
        elif (m := re.fullmatch(r"Nr\.\s*(\d{1,4})\s+([A-Z][A-Z ,.'’-]{3,})", t)) and "nr" not in out:
            out["nr"] = m.group(1)
            head = m.group(2)
            for word, dt in DOC_TYPE_WORDS:
                if head.startswith(word):
                    out["doc_type"] = dt
                    break
            used.append(l)
        elif m := re.fullmatch(r"(?:Vastgesteld|Ontvangen|Den Haag,)\s+(\d{1,2} [a-z]+ \d{4})", t):
            out.setdefault("date_text", m.group(1))
            used.append(l)
    if not ("y1" in out or "nr" in out):  # "Tweede Kamer der Staten-Generaal" alone is a letter's address
        return {}
    for l in used:
        l.removed = True
        l.why = "title page"
    return out


def remove_running_lines(lines: list[Line], page_starts: list[int]) -> int:
    """Drop running headers/footers and bare page numbers at page edges (PDF pages known).

    A line counts as running when, digits ignored, it recurs at the top or
    bottom of at least half of the pages (and 3 or more).
    """
    if not page_starts:
        return 0
    bounds = list(zip(page_starts, page_starts[1:] + [len(lines)]))
    edges: list[list[Line]] = []
    for a, b in bounds:
        body = [l for l in lines[a:b] if l.text.strip() and not l.removed]
        edges.append(body[:3] + body[-3:])
    norm = lambda t: re.sub(r"\d+", "#", " ".join(t.split()))
    counts = Counter(n for e in edges for n in {norm(l.text) for l in e})
    need = max(3, len(bounds) / 2)
    removed = 0
    for e in edges:
        for l in e:
            n = norm(l.text)
            if l.removed:
                continue
            if (counts[n] >= need and len(n) < 120) or re.fullmatch(
                r"[-–]?\s*(?:#|Pagina # van #)\s*[-–]?", n
            ):
                l.removed = True
                l.why = "running"
                removed += 1
    return removed


# --- the cleaner ----------------------------------------------------------------


def _typical_width(lines: list[Line]) -> float:
    lens = [len(l.text) for l in lines if not l.removed and len(l.text) > 20]
    if not lens:
        return 70.0
    lens.sort()
    return float(lens[int(len(lens) * 0.9)])


def _ends_terminal(text: str) -> bool:
    t = text[-20:].rstrip()
    t = re.sub(r"[»”\"’')\]]+$", "", t)
    return bool(t) and t[-1] in TERMINAL


def _starts_lower(text: str) -> bool:
    t = text.lstrip("(«\"'„“ ")
    return bool(t) and t[0].islower()


def is_heading_line(text: str, width: float) -> bool:
    """A short line without final punctuation that reads as a title."""
    t = text.strip()
    if not t or len(t) > max(width, 60):
        return False
    words = t.split()
    if len(words) > 14:
        return False
    if t[-1] in ".,;?!" or t.endswith(("–", "-")):
        return False
    if t.endswith(":") and not ANSWER_HEADING_RE.match(t):
        return False
    first = t.lstrip("«\"'(")
    if not first or not (first[0].isupper() or first[0].isdigit()):
        return False
    if words[-1].lower() in FUNCTION_WORDS:
        return False  # "Het kabinet steunt de inzet van de": a sentence cut by a break
    return not re.match(r"^\d+([.,]\d+)?$", t)


def detect_layout_page_starts(lines: list[Line]) -> set[int]:
    """Raw indices of lines that start a page, from a pdftotext layout quirk.

    The first line of each page keeps one leading space (" Uw Kamer …") while
    all other lines start flush. Trust it only when it recurs with a page-like
    period (40–80 lines), else it is ordinary indentation.
    """
    cands = [l.idx for l in lines if re.match(r"^ \S", l.text) and l.text.strip()]
    if len(cands) < 2:
        return set()
    flush = sum(1 for l in lines if l.text.strip() and not l.text.startswith(" "))
    if flush < 5 * len(cands):
        return set()
    gaps = [b - a for a, b in itertools.pairwise(cands)]
    med = statistics.median(gaps)
    if not (40 <= med <= 80 or (len(gaps) == 1 and 40 <= gaps[0] <= 160)):
        return set()
    return set(cands)


def parse_letterhead(lines: list[Line]) -> tuple[dict[str, str], int]:
    """Datum / Betreft / Onze Referentie from a ministry letterhead.

    Returns the fields and the raw index of the salutation ("Geachte …,"), or
    -1 when the text does not open like a letter.
    """
    head = [l for l in lines[:120] if l.text.strip()]
    sal = next((l.idx for l in head if SALUTATION_RE.match(l.text)), -1)
    if sal < 0:
        return {}, -1
    fields: dict[str, str] = {}
    block = [l for l in head if l.idx < sal]
    for i, l in enumerate(block):
        t = l.text.strip()
        m = re.match(r"^Datum\s+(.+)$", t)
        if m and "date_text" not in fields:
            fields["date_text"] = m.group(1).strip()
        m = re.match(r"^Betreft\s+(.+)$", t)
        if m and "title" not in fields:
            fields["title"] = re.sub(r"\s{2,}", " ", m.group(1).strip())
        if SIDEBAR_LABEL_RE.match(t) and "reference" not in fields:
            for nxt in block[i + 1 : i + 3]:
                v = nxt.text.strip()
                if REFERENCE_RE.match(v):
                    fields["reference"] = v
                    break
    if not fields:
        return {}, -1
    return fields, sal


def clean(text: str, pages: list[str] | None = None) -> CleanResult:
    """Turn raw extracted text (or per-page texts) into paragraphs with relative pages."""
    raw_lines: list[str] = []
    pdf_page_starts: set[int] = set()
    if not pages and "\f" in text:
        # pdftotext separates pages with form feeds: as good as PDF pages
        pages = text.split("\f")
        if pages and not pages[-1].strip():
            pages = pages[:-1]
    if pages:
        for p in pages:
            pdf_page_starts.add(len(raw_lines))
            raw_lines.extend(normalize(p).split("\n"))
    else:
        raw_lines = normalize(text).split("\n")
    lines = [Line(text=l.rstrip(), idx=i) for i, l in enumerate(raw_lines)]
    removed: Counter = Counter()

    def drop(line: Line, why: str) -> None:
        line.removed = True
        line.why = why
        removed[why] += 1

    # 1. title page of an official Kamerstuk, and the letterhead (page 1 of a
    # ministry letter): metadata, then gone
    title_page = parse_title_page(lines)
    if title_page:
        removed["title page"] += sum(1 for l in lines if l.why == "title page")
    if pages:
        n_run = remove_running_lines(lines, sorted(pdf_page_starts))
        if n_run:
            removed["running"] += n_run
    letterhead, sal = parse_letterhead(lines)
    if sal >= 0:
        for l in lines[: sal + 1]:
            if l.text.strip():
                drop(l, "letterhead")
    reference = letterhead.get("reference")

    # 2. noise lines and page events
    footer_info: dict[str, str] = {}
    kst: dict[str, str] = {}
    breaks: set[int] = set(pdf_page_starts)
    anchors_raw: list[tuple[int, int, str]] = []  # (line idx, page, kind)
    footer_lines: set[int] = set()
    for l in lines:
        if l.removed:
            continue
        t = l.text.strip()
        if not t:
            continue
        m = FOOTER_RE.match(t)
        if m:
            if not footer_info:
                footer_info = {k: v for k, v in m.groupdict().items() if v}
            anchors_raw.append((l.idx, int(m.group("page")), "footer"))
            footer_lines.add(l.idx)
            drop(l, "footer")
            continue
        m = KST_RE.match(t)
        if m:
            if not kst:
                kst = {"code": t, "dossier": m.group("dossier"), "nr": m.group("nr")}
                if m.group("sub"):
                    kst["sub"] = m.group("sub")
            drop(l, "kst")
            continue
        if ISSN_RE.match(t) or GRAVENHAGE_RE.match(t):
            drop(l, "colophon")
            continue
        if re.fullmatch(r"[-–]?\s*\d{1,3}\s*[-–]?", t) and _blank_around(lines, l.idx):
            drop(l, "page number")  # a number alone between blank lines
            continue
        m = PAGINA_RE.match(t)
        if m:
            anchors_raw.append((l.idx, int(m.group("page")), "pagina"))
            drop(l, "pagina")
            continue
        date_text = letterhead.get("date_text")
        if (
            sal >= 0
            and l.idx > sal
            and date_text
            and " ".join(t.split()) in ("Datum", date_text, f"Datum {date_text}")
        ):
            drop(l, "sidebar")  # the date repeated in the sidebar of later pages
            continue
        if sal >= 0 and l.idx > sal and (SIDEBAR_LABEL_RE.match(t) or (reference and t == reference)):
            if SIDEBAR_LABEL_RE.match(t):
                # The sidebar is printed near the top of each later page: the
                # page starts after the last blank line above it.
                b = l.idx
                for back in range(l.idx - 1, max(sal, l.idx - 8), -1):
                    if not lines[back].text.strip():
                        break
                    if not lines[back].removed:
                        b = back
                breaks.add(b)
            drop(l, "sidebar")
            continue

    # 3. relative pages
    layout_starts: set[int] = set()
    if not pages and sal < 0:
        layout_starts = detect_layout_page_starts(lines)
    breaks |= layout_starts
    rel = 0
    if pages:
        # the page index itself: blank pages must still count
        starts = sorted(pdf_page_starts)
        pi, pending = -1, False
        for l in lines:
            while pi + 1 < len(starts) and l.idx >= starts[pi + 1]:
                pi, pending = pi + 1, True
            l.rel_page = max(pi, 0)
            if pending and l.text.strip() and not l.removed:
                l.page_start, pending = True, False
        rel = max(len(starts) - 1, 0)
        footer_lines_for_count: set[int] = set()
    else:
        footer_lines_for_count = footer_lines
    content_since_break = False
    for l in lines if not pages else []:
        if l.idx in breaks and content_since_break:
            rel += 1
            content_since_break = False
        if l.idx in breaks and not l.removed:
            l.page_start = True
        l.rel_page = rel
        if l.idx in footer_lines_for_count:
            rel += 1
            content_since_break = False
        elif l.text.strip() and not l.removed:
            content_since_break = True
    # mark the first content line after a footer as a page start too
    after_footer = False
    for l in lines:
        if l.idx in footer_lines:
            after_footer = True
            continue
        if after_footer and l.text.strip() and not l.removed:
            l.page_start = True
            after_footer = False
    anchors = [PageAnchor(lines[i].rel_page, p, i, k) for i, p, k in anchors_raw]
    n_rel = rel + 1

    kept = [l for l in lines if not l.removed]
    width = _typical_width(kept)
    vocab = build_vocabulary("\n".join(l.text for l in kept))

    # 4. blocks: runs of kept non-blank lines; a page start always opens a block
    blocks: list[list[Line]] = []
    cur: list[Line] = []
    for l in lines:
        if l.removed:
            continue
        if not l.text.strip():
            if cur:
                blocks.append(cur)
                cur = []
            continue
        if (l.page_start or STANDALONE_HEADING_RE.match(l.text)) and cur:
            blocks.append(cur)
            cur = []
        cur.append(l)
        if STANDALONE_HEADING_RE.match(l.text):
            blocks.append(cur)
            cur = []
    if cur:
        blocks.append(cur)

    # 5. footnotes: sequentially numbered blocks "N text" with a glued marker N before them
    footnotes: list[Footnote] = []
    is_fn = [False] * len(blocks)
    fn_lines: set[int] = set()
    num_re = re.compile(r"^(\d{1,3})\s+(\S.*)$")

    def at_page_bottom(bi: int) -> bool:
        # only numbered blocks between this one and the next page (or the end)
        j = bi + 1
        while j < len(blocks) and not blocks[j][0].page_start and num_re.match(blocks[j][0].text.strip()):
            j += 1
        return j == len(blocks) or blocks[j][0].page_start

    expected = 1
    for bi, blk in enumerate(blocks):
        m = num_re.match(blk[0].text.strip())
        if not m:
            continue
        n = int(m.group(1))
        if n != expected:
            continue
        marker = find_marker(lines, blk[0].idx, n)
        prev_fn = bi > 0 and is_fn[bi - 1]
        # Some markers are lost in extraction; a block numbered as the next
        # footnote at the bottom of a page is a footnote all the same.
        if marker is None and not prev_fn and not (n > 1 and at_page_bottom(bi)):
            continue
        is_fn[bi] = True
        fn_lines.update(x.idx for x in blk)
        cur_fn: Footnote | None = None
        parts: list[str] = []
        for ln in blk:
            mm = re.match(r"^(\d{1,3})\s+(\S.*)$", ln.text.strip())
            if mm and int(mm.group(1)) == expected:
                if cur_fn is not None:
                    cur_fn.text = join_lines(parts, vocab)
                    footnotes.append(cur_fn)
                mk = marker if int(mm.group(1)) == n else find_marker(lines, blk[0].idx, expected)
                # Without a marker the footnote goes with the text just above it.
                above = next(
                    (
                        x.idx
                        for x in reversed(lines[max(0, blk[0].idx - 200) : blk[0].idx])
                        if x.text.strip() and not x.removed and x.idx not in fn_lines
                    ),
                    None,
                )
                cur_fn = Footnote(expected, "", mk[0] if mk else above)
                if mk:
                    _strip_marker(lines, mk, expected)
                parts = [mm.group(2)]
                expected += 1
            else:
                parts.append(ln.text)
        if cur_fn is not None:
            cur_fn.text = join_lines(parts, vocab)
            footnotes.append(cur_fn)

    # 6. paragraphs from blocks, with headings split off and split sentences re-joined
    paras: list[Paragraph] = []
    for bi, blk in enumerate(blocks):
        if is_fn[bi]:
            continue
        texts = [l.text for l in blk]
        # A short title line glued to its paragraph ("Grondoorzaken\nHet Koninkrijk …").
        if (
            len(blk) >= 2
            and is_heading_line(texts[0], width)
            and len(texts[0].strip()) < 0.6 * width
            and len(texts[0].split()) <= 8
            and texts[1].strip()[:1].isupper()
            and not SIGNATURE_RE.match(texts[0])
        ):
            paras.append(_para([blk[0]], vocab, kind="heading"))
            blk = blk[1:]
        paras.append(_para(blk, vocab))

    # headings and signatures
    for i, p in enumerate(paras):
        if p.kind != "text":
            continue
        if (
            SIGNATURE_RE.match(p.lines[0])
            or (SIGNATURE_START_RE.match(p.lines[0]) and i >= len(paras) - 6 and p.words <= 40)
        ) or (i > 0 and paras[i - 1].kind == "signature" and _is_names_line(p)):
            p.kind = "signature"
        elif len(p.lines) == 1 and (ANSWER_HEADING_RE.match(p.text) or STANDALONE_HEADING_RE.match(p.text)):
            p.kind = "heading"
        elif (
            len(p.lines) <= 2
            and all(is_heading_line(x, width) for x in p.lines[:1])
            and p.words <= 14
            and not _ends_terminal(p.text)
        ):
            nxt = paras[i + 1] if i + 1 < len(paras) else None
            if nxt is not None and not _starts_lower(nxt.text):
                p.kind = "heading"

    # Merged paragraphs are built from pieces and joined once, so a long run
    # of merges stays linear; while merging, `.text` holds only the last piece
    # (all that the merge rules look at).
    merged: list[Paragraph] = []
    pieces: list[list[str]] = []
    for p in paras:
        if merged and _should_merge(merged[-1], p, width):
            _merge_into(merged[-1], pieces[-1], p, vocab, newline=bool(LIST_MARKER_RE.match(p.lines[0])))
        else:
            if merged and _is_list_continuation(merged[-1], p):
                p.glue_prev = True
            merged.append(p)
            pieces.append([p.text])
    for p, ps in zip(merged, pieces):
        p.text = "".join(ps)
    for i, p in enumerate(merged):
        if p.kind == "signature" and i > 0:
            p.glue_prev = True

    # 7. attach footnotes to the paragraph holding their marker
    out: list[Paragraph] = []
    by_line: dict[int, list[Footnote]] = {}
    orphans: list[Footnote] = []
    for fn in footnotes:
        if fn.marker_line is None:
            orphans.append(fn)
        else:
            by_line.setdefault(fn.marker_line, []).append(fn)
    for p in merged:
        out.append(p)
        fns = [fn for ln in range(p.first_line, p.last_line + 1) for fn in by_line.get(ln, [])]
        for fn in fns:
            p.footnotes.append(fn)
            # The footnote text goes into the chunk text right after its paragraph:
            # footnotes carry facts (a Kamerstuk number, a date) that questions ask
            # about and that a staffer must be able to quote, so retrieval has to
            # see them and the quote must come from displayed text. It stays in the
            # same chunk as its paragraph (glue_prev) and in chunk metadata.
            out.append(
                Paragraph(
                    text=f"[Voetnoot {fn.n}: {fn.text}]",
                    first_line=p.last_line,
                    last_line=p.last_line,
                    rel_page_start=p.rel_page_end,
                    rel_page_end=p.rel_page_end,
                    kind="footnote",
                    glue_prev=True,
                    footnotes=[fn],
                    lines=[fn.text],
                    src=[(p.last_line, p.rel_page_end)],
                )
            )
    if orphans:
        log.debug("footnotes without a marker: %s", [f.n for f in orphans])

    return CleanResult(
        paragraphs=out,
        anchors=anchors,
        n_lines=len(lines),
        n_rel_pages=n_rel,
        page_breaks_seen=bool(breaks or footer_lines),
        removed=removed,
        letterhead=letterhead,
        title_page=title_page,
        footer_info=footer_info,
        kst=kst,
        exact_pages=bool(pages),
        layout_breaks=len(breaks),
    )


def _blank_around(lines: list[Line], i: int) -> bool:
    before = i == 0 or not lines[i - 1].text.strip()
    after = i + 1 >= len(lines) or not lines[i + 1].text.strip()
    return before and after


def _strip_marker(lines: list[Line], mk: tuple[int, int], n: int) -> None:
    li, pos = mk
    t = lines[li].text
    lines[li].text = t[:pos] + t[pos + len(str(n)) :]


def _para(blk: list[Line], vocab, kind: str = "text") -> Paragraph:
    texts = [l.text for l in blk]
    return Paragraph(
        text=join_lines(texts, vocab),
        first_line=blk[0].idx,
        last_line=blk[-1].idx,
        rel_page_start=blk[0].rel_page,
        rel_page_end=blk[-1].rel_page,
        kind=kind,
        lines=[t.strip() for t in texts],
        src=[(l.idx, l.rel_page) for l in blk],
    )


def _is_names_line(p: Paragraph) -> bool:
    return len(p.lines) == 1 and p.words <= 8 and not _ends_terminal(p.text)


def _is_list_continuation(prev: Paragraph, p: Paragraph) -> bool:
    """A list item that should stay with its intro or the previous item."""
    if prev.kind != "text" or p.kind != "text":
        return False
    if not LIST_MARKER_RE.match(p.lines[0]) or ANSWER_HEADING_RE.match(p.lines[0]):
        return False
    t = prev.text.rstrip()
    return t.endswith((":", ";")) or any(LIST_MARKER_RE.match(x) for x in prev.lines)


DANGLING_END = re.compile(r"\b(?:van|de|het|een|en|of|aan|op|in|met|voor|tot|door|bij|naar|over|om|te|dat|die|als|"
                           r"onder|tegen|uit|zoals)\s*$", re.I)
_OPENER_START = re.compile(r"^(?:Bovendien|Daarnaast|Ook|Tevens|Verder|Voorts|Daarom|Hiermee|Daarmee|Hierbij|Echter|"
                           r"Tegelijkertijd|Tot slot|Ten slotte|Zo|Dit|Deze|Daarbij|Vervolgens|Ten eerste|Ten tweede)\b")


def _text_missing_at_break(before: str, after: str) -> bool:
    """A page that ends mid-phrase ("…het mandaat van") followed by a page that opens a new sentence
    ("Bovendien heeft …"): the source lost text at the break (a missing page or figure)."""
    return bool(DANGLING_END.search(before.rstrip())) and bool(_OPENER_START.match(after.lstrip()))


def _should_merge(a: Paragraph, b: Paragraph, width: float) -> bool:
    """Re-join a paragraph that a page break, footer, sidebar or blank line split."""
    if a.kind != "text" or b.kind != "text":
        return False
    if ANSWER_HEADING_RE.match(b.lines[0]) and len(b.lines) == 1:
        return False
    page_break = b.rel_page_start != a.rel_page_end
    if LIST_MARKER_RE.match(b.lines[0]):
        # hanging-indent list items split by blank lines stay with their intro
        # list items are glued to their intro (glue_prev), not merged into it
        return False
    if not _ends_terminal(a.text):
        if _starts_lower(b.text):
            return True
        if a.text.rstrip().endswith((",", "-")):
            return True
        if page_break and _text_missing_at_break(a.text, b.text):
            return False  # text is missing between the pages: stitching would fuse two sentences
        return page_break
    # A sentence ending exactly at a page break: whether the paragraph runs on
    # cannot be told from the text. Keeping two paragraphs costs little (they
    # usually share a chunk); a wrong merge could swallow a section opener
    # ("Aanbeveling 2: …").
    return False


def _merge_into(a: Paragraph, pieces: list[str], b: Paragraph, vocab, newline: bool = False) -> None:
    """Append paragraph `b` to `a` (whose text so far is "".join(pieces))."""
    last = pieces[-1]
    if last.endswith("-") and not last.endswith(" -"):
        lt, rh = last[-300:], b.text[:300]
        joined = join_hyphenated(lt, rh, vocab)
        if joined == lt[:-1] + rh:
            pieces[-1] = last[:-1]
            piece = b.text
        elif joined == lt + " " + rh:
            piece = " " + b.text
        else:
            piece = b.text
    else:
        piece = ("\n" if newline else " ") + b.text
    pieces.append(piece)
    a.text = piece
    a.last_line = b.last_line
    a.rel_page_end = b.rel_page_end
    a.footnotes.extend(b.footnotes)
    a.lines.extend(b.lines)
    a.src.extend(b.src)


# --- sentences ------------------------------------------------------------------

_SENT_END_RE = re.compile(r"[.!?]+[»”\"’)]*\s+")


def split_sentences(text: str) -> list[str]:
    """Split at sentence ends, not after abbreviations ("jl.", "nr.") or initials ("S.A.")."""
    out: list[str] = []
    start = 0
    for m in _SENT_END_RE.finditer(text):
        end = m.end()
        before = text[start : m.start() + 1]
        tok = before.split()[-1] if before.split() else ""
        core = tok.rstrip('.!?»”"’)').lstrip("(«\"'").lower()
        nxt = text[end : end + 1]
        if not nxt:
            continue
        if core in ABBREVIATIONS or re.fullmatch(r"[a-z]", core) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", core):
            continue
        if not (nxt.isupper() or nxt.isdigit() or nxt in "«\"(„“'"):
            continue
        out.append(text[start:end].rstrip())
        start = end
    if start < len(text):
        rest = text[start:].rstrip()
        if rest:
            out.append(rest)
    return out
