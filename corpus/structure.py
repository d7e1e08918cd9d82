"""Document structure and metadata from cleaned paragraphs.

- document-level metadata (dossier, ondernummer, vergaderjaar, doc_type, date,
  ministers, title, reference, kst code) from footers, the colophon, a letter
  head and the signature block; unknown fields are left out, never guessed;
- printed page numbers from the relative pages `corpus.cleaning` counted and
  the anchors it found (footer page numbers, "Pagina N van M", PDF pages);
- sections: headings, and for written-consultation reports ("verslag
  schriftelijk overleg") the asking fractie of each question block and the
  number of each "N. Antwoord van het kabinet:" block.
"""

from __future__ import annotations

import difflib
import itertools
import logging
import math
import re
from dataclasses import dataclass, field
from typing import Any

from corpus.cleaning import ANSWER_HEADING_RE, CleanResult, Paragraph

log = logging.getLogger(__name__)

MONTHS = {
    "januari": 1,
    "februari": 2,
    "maart": 3,
    "april": 4,
    "mei": 5,
    "juni": 6,
    "juli": 7,
    "augustus": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "december": 12,
}
MONTH_NAMES = {v: k for k, v in MONTHS.items()}

FRACTIE_HEADING_RE = re.compile(
    r"^\s*(?:Inbreng|Vragen(?: en opmerkingen)?)\s+(?:van\s+)?(?:de\s+)?leden\s+van\s+de\s+"
    r"(?:fractie\s+van\s+(?:de\s+)?(?P<f2>.+?)|(?P<f1>.+?)[-\s]?fractie)\s*:?\s*$",
    re.IGNORECASE,
)
ANSWER_WORDS = "antwoord van het kabinet"


# --- small parsers ----------------------------------------------------------------


def parse_dutch_date(text: str) -> str | None:
    """ "15 februari 2019" -> "2019-02-15"; None when no full date is present."""
    m = re.search(r"\b(\d{1,2})\s+([a-z]+)\s+(\d{4})\b", text.lower())
    if not m or m.group(2) not in MONTHS:
        return None
    d, mo, y = int(m.group(1)), MONTHS[m.group(2)], int(m.group(3))
    if not 1 <= d <= 31:
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def format_dutch_date(iso: str) -> str:
    try:
        y, m, d = (int(x) for x in iso.split("-"))
        return f"{d} {MONTH_NAMES[m]} {y}"
    except (ValueError, KeyError):
        return iso


def format_dossier(num: str) -> str:
    """ "33694" -> "33 694" (Kamerstuk style); already spaced input is kept."""
    num = num.strip()
    if " " in num or not num.isdigit():
        return num
    out = ""
    while len(num) > 3:
        out = " " + num[-3:] + out
        num = num[:-3]
    return num + out


def short_vergaderjaar(y1: str, y2: str) -> str:
    """("2020", "2021") -> "2020/21"."""
    return f"{y1}/{y2[-2:]}"


def match_answer_heading(text: str) -> int | None:
    """The number of a "N. Antwoord van het kabinet:" heading, tolerant of typos.

    Accepts "Antwoord van hetkabinet", "Antwoord van het kabine:", "Antwoord op
    vragen van het kabinet:" …: the text after the number must start like
    "Antwoord" and be close to "Antwoord van het kabinet".
    """
    m = re.match(r"^\s*Antwoord(?: op vraag)? (\d{1,3})\s*:?\s*$", text)
    if m:  # answers to Kamervragen: "Antwoord 3" / "Antwoord op vraag 3"
        return int(m.group(1))
    m = ANSWER_HEADING_RE.match(text)
    if not m:
        return None
    rest = re.sub(r"\s+", " ", m.group("rest").strip().rstrip(":").lower())
    first = rest.split(" ")[0] if rest else ""
    if difflib.SequenceMatcher(None, first, "antwoord").ratio() < 0.75:
        return None
    squashed = rest.replace(" ", "")
    score = difflib.SequenceMatcher(None, squashed, ANSWER_WORDS.replace(" ", "")).ratio()
    if score < 0.7 and not ("kabinet" in rest or "regering" in rest or "minister" in rest):
        return None
    return int(m.group("n"))


def match_fractie_heading(text: str) -> str | None:
    m = FRACTIE_HEADING_RE.match(text.strip())
    if not m:
        return None
    f = (m.group("f1") or m.group("f2") or "").strip().rstrip("-")
    return f or None


def parse_signatures(paras: list[Paragraph]) -> list[dict[str, str]]:
    """[{"role": "Minister van Buitenlandse Zaken", "name": "S.A. Blok"}, …] from signature blocks."""
    lines: list[str] = []
    for p in paras:
        if p.kind == "signature":
            lines.extend(p.lines)
    roles: list[str] = []
    names: list[str] = []
    for raw in lines:
        t = raw.strip()
        if not t:
            continue
        if re.match(r"^De (?:Minister|Staatssecretaris)", t):
            for part in re.split(r"(?=\bDe (?:Minister|Staatssecretaris)\b)", t):
                part = part.strip().rstrip(",").strip()
                if part:
                    roles.append(re.sub(r"^De\s+", "", part))
        elif t[0].islower() and roles:
            roles[-1] = (roles[-1] + " " + t.rstrip(",").strip()).strip()
        else:
            for name in re.split(r"\s{3,}", t):
                name = name.strip()
                if name and re.match(r"^[A-Z]", name) and len(name.split()) <= 5:
                    names.append(name)
    out = []
    for i, name in enumerate(names):
        entry = {"name": name}
        if len(roles) == len(names):
            entry["role"] = roles[i]
        out.append(entry)
    return out


# --- document metadata ------------------------------------------------------------------


def detect_doc_type(paras: list[Paragraph], letterhead: dict[str, str], qa: bool) -> str | None:
    """Only from explicit cues in the text."""
    if qa:
        if any(p.kind == "heading" and match_fractie_heading(p.text) for p in paras):
            return "verslag"  # written consultation: fracties ask, the cabinet answers
        if any(p.kind == "heading" and re.match(r"^\s*Vraag \d{1,3}\s*:?\s*$", p.text) for p in paras):
            return "kamervragen"
        return None
    opening = " ".join(p.text for p in paras[:6]).lower()
    if re.search(r"\bconstaterende(?: dat)?\b", opening) and "verzoekt de regering" in opening:
        return "motie"
    if re.search(
        r"reactie van het kabinet|kabinetsreactie|het kabinet u de reactie|de reactie (?:van het kabinet )?aan op",
        opening,
    ):
        return "kabinetsreactie"
    if letterhead or re.search(r"\b(?:deze|onderhavige) (?:kamer)?brief\b|\bkamerbrief\b", opening):
        return "brief"
    return None


def document_metadata(clean: CleanResult, paras: list[Paragraph], qa: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    tp = clean.title_page
    if tp.get("dossier"):
        meta["dossier"] = tp["dossier"]
        meta["dossier_title"] = tp["dossier_title"]
    if tp.get("nr"):
        meta["ondernummer"] = tp["nr"]
    if tp.get("y1"):
        meta["vergaderjaar"] = short_vergaderjaar(tp["y1"], tp["y2"])
        meta["vergaderjaar_raw"] = f"{tp['y1']}–{tp['y2']}"
    if tp.get("kamer"):
        meta["kamer"] = tp["kamer"]
    if tp.get("date_text") and (iso := parse_dutch_date(tp["date_text"])):
        meta["date"] = iso
    fi = clean.footer_info
    if fi:
        meta["dossier"] = fi["dossier"]
        meta["ondernummer"] = fi["nr"]
        meta["vergaderjaar"] = short_vergaderjaar(fi["y1"], fi["y2"])
        meta["vergaderjaar_raw"] = f"{fi['y1']}–{fi['y2']}"
        meta["kamer"] = "II" if fi.get("chamber") == "Tweede" else "I"
    if clean.kst:
        meta["kst"] = clean.kst["code"]
        meta.setdefault("dossier", format_dossier(clean.kst["dossier"]))
        meta.setdefault("ondernummer", clean.kst["nr"])
    lh = clean.letterhead
    if lh.get("title"):
        meta["title"] = lh["title"]
    if lh.get("reference"):
        meta["reference"] = lh["reference"]
    if lh.get("date_text"):
        iso = parse_dutch_date(lh["date_text"])
        if iso:
            meta["date"] = iso
    doc_type = tp.get("doc_type") or detect_doc_type(paras, lh, qa)
    if doc_type:
        meta["doc_type"] = doc_type
    if not meta.get("title") and not meta.get("dossier") and (derived := derive_title(paras, doc_type)):
        meta["title"] = derived
        meta["title_derived"] = True
    sigs = parse_signatures(paras)
    if sigs:
        meta["ministers"] = [s["name"] for s in sigs]
        if all("role" in s for s in sigs):
            meta["signatories"] = sigs
    return meta


# --- a title from the text itself -------------------------------------------------------

_OBJECT = re.compile(
    r"\b(?P<obj>(?:het|een|dat)\s+(?:advies|rapport|verslag|evaluatie|brief|initiatiefnota|notitie|onderzoek)\b"
    r"(?P<rest>[^.;]*?))(?=\s*\(hierna|\s+van\s+\d{1,2}\s+\w+\s+(?:jl§|\d{4})|[.;]|$)",
    re.I,
)
_ORG_ABBR = re.compile(r"\((?P<abbr>[A-Z]{2,8})\)")


def derive_title(paras: list[Paragraph], doc_type: str | None) -> str | None:
    """A readable title for a document without a "Betreft" or title page, from its opening:
    "Kabinetsreactie op AIV-advies nr. 102 «De bescherming van de burgerbevolking in gewapend conflict»".
    None when the opening names nothing a title can be made of."""
    if doc_type != "kabinetsreactie":
        return None
    opening = " ".join(p.text for p in paras[:4] if p.kind == "text")
    # Full stops of abbreviations ("nr. 102", "27 juli jl.") do not end the sentence.
    opening = re.sub(r"\b(nr|jl|blz|art)\.", r"\1§", re.sub(r"\s+", " ", opening), flags=re.I)
    # "…doe ik u de reactie van het kabinet op dat rapport toekomen": "dat rapport" points back to the
    # report named earlier, so take the first object phrase that names one.
    for m in _OBJECT.finditer(opening):
        phrase = m.group("obj").strip(" ,")
        if re.match(r"^(?:dat|het|een)\s+\w+$", phrase, re.I):
            continue  # "dat rapport": a reference, not a name
        phrase = re.sub(r"^dat\s+", "het ", phrase, flags=re.I)
        sentence_end = opening.find(".", m.end())
        tail = opening[m.end(): sentence_end if sentence_end > 0 else len(opening)]
        abbr = _ORG_ABBR.search(tail)
        kind = re.match(r"^(?:het|een)\s+(\w+)", phrase, re.I)
        quoted = re.search(r"«([^»]+)»", phrase)
        number = re.search(r"\bnr§\s*\d+", phrase)
        if abbr and kind and (quoted or number):
            # "het advies nr. 102 «Titel: ondertitel» … van de Adviesraad … (AIV)" -> "AIV-advies nr. 102 «Titel»"
            parts = [f"{abbr.group('abbr')}-{kind.group(1).lower()}"]
            if number:
                parts.append(number.group(0))
            if quoted:
                parts.append(f"«{quoted.group(1).split(':')[0].strip()}»")
            phrase = " ".join(parts)
        phrase = re.sub(r"\s*\(Kamerstuk[^)]*\)", "", phrase)
        if len(phrase.split()) < 3:
            continue
        return f"Kabinetsreactie op {phrase}".replace("§", ".")
    return None


# --- pages ---------------------------------------------------------------------------


@dataclass
class PageResolver:
    """Maps (relative page, raw line index) to (printed page or None, estimated)."""

    mode: str  # "pdf", "count", "interpolate", "letter", "none"
    offset: int = 0
    anchors: list[tuple[int, int, int]] = field(default_factory=list)  # (line, page, rel)
    rate: float | None = None  # lines per page (interpolation)
    exact_rel: tuple[int, int] | None = None  # rel pages whose numbers are certain

    def __call__(self, rel: int, line: int) -> tuple[int | None, bool]:
        if self.mode == "none":
            return None, False
        if self.mode == "pdf":
            return rel + self.offset, False
        if self.mode == "letter":
            # Page 1 carries the letter head; later pages are counted from the
            # sidebar repeats, which misses pages that lack a sidebar.
            return rel + 1, rel > 0
        if self.mode == "count":
            page = rel + self.offset
            lo, hi = self.exact_rel or (rel + 1, rel)
            return (page if page >= 1 else None), not (lo <= rel <= hi)
        return self._interpolate(line)

    def _interpolate(self, x: int) -> tuple[int | None, bool]:
        anchors = self.anchors
        rate = self.rate
        near = 0.8 * rate if rate else 0
        first_l, first_p, _ = anchors[0]
        last_l, last_p, _ = anchors[-1]
        if x <= first_l:
            if rate is None:
                return first_p, True  # one anchor: conservative
            page = first_p - math.floor((first_l - x) / rate)
            return max(page, 1), not (first_l - x <= near)
        if x > last_l:
            if rate is None:
                return None, False
            page = last_p + 1 + math.floor((x - last_l - 1) / rate)
            return page, not (x - last_l <= near)
        for (la, pa, _), (lb, pb, _) in itertools.pairwise(anchors):
            if la < x <= lb:
                if pb <= pa:
                    return pa, True
                seg_rate = (lb - la) / (pb - pa)
                page = pa + 1 + math.floor((x - la - 1) / seg_rate)
                page = min(max(page, pa + 1), pb)
                exact = (x - la <= 0.8 * seg_rate and page == pa + 1) or (
                    lb - x <= 0.8 * seg_rate and page == pb
                )
                return page, not exact
        return None, False


def page_resolver(clean: CleanResult) -> PageResolver:
    anchors = sorted((a.line_idx, a.page, a.rel_page) for a in clean.anchors)
    if clean.exact_pages:
        offs = {p - r for _, p, r in anchors}
        return PageResolver("pdf", offset=offs.pop() if len(offs) == 1 else 1)
    if not anchors:
        if clean.letterhead:
            return PageResolver("letter")
        return PageResolver("none")
    offsets = {p - r for _, p, r in anchors}
    rels = [r for _, _, r in anchors]
    if len(offsets) == 1 and (len(anchors) >= 2 or clean.layout_breaks > 0):
        # Page breaks counted from the layout agree with every footer number.
        off = offsets.pop()
        if len(anchors) >= 2:
            exact = (min(rels), max(rels) + 1)
        else:
            exact = (rels[0], rels[0] + 1)  # the footer's page and the one after it
        return PageResolver("count", offset=off, exact_rel=exact)
    if len(offsets) != 1:
        log.info("page breaks disagree with footer numbers; interpolating pages by line position")
    rate = None
    if len(anchors) >= 2 and anchors[-1][1] > anchors[0][1]:
        rate = (anchors[-1][0] - anchors[0][0]) / (anchors[-1][1] - anchors[0][1])
    return PageResolver("interpolate", anchors=anchors, rate=rate)


# --- sections ---------------------------------------------------------------------------


@dataclass
class SectionInfo:
    key: int  # chunks never cross a change of key
    label: str | None
    meta: dict[str, Any] = field(default_factory=dict)


def _question_score(p: Paragraph, q_width: float | None, a_width: float | None) -> float:
    """> 0: reads like a fractie's question paragraph; < 0: like the cabinet's answer."""
    s = 0.0
    low = p.text.lower()
    if re.match(r"^(?:\S+\s+){0,4}?de leden van de\b.{0,60}fractie", low):
        s += 2  # questions open with "De leden van de X-fractie …"
    elif re.search(r"\bde leden van de\b.{0,60}fractie", low):
        s += 0.5  # answers mention the fractie too ("deelt de mening van de leden …")
    if p.text.rstrip().endswith("?"):
        s += 1.5
    elif "?" in p.text:
        s += 0.5
    if re.search(r"\bhet (?:kabinet|koninkrijk) (?:zet|heeft|zal|is|blijft|steunt|deelt)\b", low):
        s -= 0.5
    if q_width and a_width and len(p.lines) >= 3:
        w = max(len(x) for x in p.lines[:-1])
        mid = (q_width + a_width) / 2
        s += 2.5 if w > mid else -2.5
    return s


def label_sections(paras: list[Paragraph]) -> tuple[list[SectionInfo], bool]:
    """Section info per paragraph, and whether the document is a Q&A report."""
    answer_idx = {
        i: n
        for i, p in enumerate(paras)
        if p.kind == "heading" and (n := match_answer_heading(p.text)) is not None
    }
    fractie_idx = {
        i: f for i, p in enumerate(paras) if p.kind == "heading" and (f := match_fractie_heading(p.text))
    }
    qa = len(answer_idx) >= 2 or bool(fractie_idx)
    infos: list[SectionInfo] = []
    key = 0
    if not qa:
        numbered = _numbered_points(paras)
        label: str | None = None
        heading: str | None = None
        for i, p in enumerate(paras):
            if p.kind == "heading":
                key += 1
                label = heading = p.text.strip()
                infos.append(SectionInfo(key, label, {"heading": True}))
                continue
            m = re.match(r"^(Aanbeveling|Conclusie|Advies)\s+(\d{1,3})\s*:", p.text)
            if m:
                key += 1
                label = f"{m.group(1)} {m.group(2)}"
            elif i in numbered:
                # "3. Het kabinet wordt ook aanbevolen …": a numbered point and the
                # reaction to it form one section, as an answer does.
                key += 1
                label = f"{heading} – punt {numbered[i]}" if heading else f"Punt {numbered[i]}"
            infos.append(SectionInfo(key, label))
        return infos, False

    nums = [answer_idx[i] for i in sorted(answer_idx)]
    gaps = [(a, b) for a, b in itertools.pairwise(nums) if b != a + 1]
    if gaps:
        log.warning("answer numbering jumps at %s", gaps[:5])

    # Column widths: answers are indented in these reports, so their lines are
    # shorter. Learn both widths from the paragraphs right after / right before
    # each answer heading.
    def width(p: Paragraph) -> float | None:
        return max(len(x) for x in p.lines[:-1]) if len(p.lines) >= 3 else None

    a_ws = [w for i in answer_idx if i + 1 < len(paras) and (w := width(paras[i + 1]))]
    q_ws = [w for i in answer_idx if i > 0 and (w := width(paras[i - 1]))]
    q_width = a_width = None
    if len(a_ws) >= 3 and len(q_ws) >= 3:
        a_med = sorted(a_ws)[len(a_ws) // 2]
        q_med = sorted(q_ws)[len(q_ws) // 2]
        if q_med - a_med >= 4:
            q_width, a_width = q_med, a_med

    # Each answer heading closes the question block before it. Between two
    # answer headings the paragraphs are: the rest of the previous answer, then
    # the next question(s). Pick the split that best fits the question scores.
    role: list[str | None] = [None] * len(paras)
    answered_by: list[int | None] = [None] * len(paras)
    answer_of: list[int | None] = [None] * len(paras)
    boundaries = sorted(set(answer_idx) | set(fractie_idx))
    prev_answer: int | None = None
    seg_start = 0
    for b in boundaries + [len(paras)]:
        seg = [i for i in range(seg_start, b) if paras[i].kind not in ("heading", "footnote")]
        is_answer_b = b in answer_idx
        if prev_answer is None:
            k = 0  # after a fractie heading: all question
        else:
            scores = [_question_score(paras[i], q_width, a_width) for i in seg]
            # The paragraph right after an answer heading is answer; at least one
            # question paragraph precedes the next answer (before a fractie
            # heading or the end there may be none); ties go to the answer.
            lo = min(1, len(seg))
            hi = len(seg) if is_answer_b else len(seg) + 1
            lo = min(lo, max(0, hi - 1))
            # cost(cand) = question-ness of the answer part + answer-ness of the question part
            pos = [0.0]
            for x in scores:
                pos.append(pos[-1] + max(0.0, x))
            neg = [0.0]
            for x in reversed(scores):
                neg.append(neg[-1] + max(0.0, -x))
            neg.reverse()  # neg[c] = answer-ness of scores[c:]
            k, best = lo, None
            for cand in range(lo, hi):
                cost = pos[cand] + neg[cand]
                if best is None or cost <= best + 1e-9:
                    k, best = cand, cost
        for j, i in enumerate(seg):
            # answers are identified by their heading's position: numbering may restart
            if j < k:
                role[i], answer_of[i] = "answer", prev_answer
            else:
                role[i] = "question"
                if is_answer_b:
                    answered_by[i] = b
        prev_answer = b if is_answer_b else None
        seg_start = b + 1

    # questions attached to the paragraphs after the last answer (no answer) keep role question
    fractie: str | None = None
    q_parts: dict[int, list[str]] = {}
    for i, p in enumerate(paras):
        if answered_by[i] is not None:
            q_parts.setdefault(answered_by[i], []).append(p.text)
    question_text = {n: "\n\n".join(parts).strip() for n, parts in q_parts.items()}

    current_q_block = -1
    label = None
    topic: str | None = None
    for i, p in enumerate(paras):
        if i in fractie_idx:
            topic = None
            fractie = fractie_idx[i]
            key += 1
            label = p.text.strip()
            infos.append(SectionInfo(key, label, {"heading": True, "fractie": fractie}))
            continue
        if i in answer_idx:
            key += 1
            n = answer_idx[i]
            infos.append(SectionInfo(key, f"Antwoord {n}", {"heading": True, "answer_number": n}))
            continue
        if p.kind == "footnote" and infos:
            prev = infos[-1]
            infos.append(
                SectionInfo(prev.key, prev.label, {k: v for k, v in prev.meta.items() if k != "heading"})
            )
            continue
        if p.kind == "heading":
            # a plain heading inside a Q&A report ("I. Vragen en opmerkingen …")
            key += 1
            label = p.text.strip()
            if fractie:
                topic = label  # a subject heading inside a fractie's contribution ("Iran")
            infos.append(SectionInfo(key, label, {"heading": True}))
            continue
        meta: dict[str, Any] = {}
        if fractie:
            meta["fractie"] = fractie
        if topic:
            meta["topic"] = topic
        r = role[i]
        if r == "answer" and answer_of[i] is not None:
            h = answer_of[i]
            n = answer_idx[h]
            meta.update({"role": "answer", "answer_number": n})
            if h in question_text:
                meta["question"] = question_text[h]
            infos.append(SectionInfo(_answer_key(h), f"Antwoord {n}", meta))
            continue
        # question paragraphs: one block per answer they lead to
        qb = answered_by[i]
        meta["role"] = "question"
        if qb is not None:
            meta["answered_by"] = answer_idx[qb]
        if qb != current_q_block:
            key += 1
            current_q_block = qb if qb is not None else -2
        infos.append(SectionInfo(key, label, meta))
    # answers use keys in their own range so a heading/answer pair stays one section
    return infos, True


def _numbered_points(paras: list[Paragraph]) -> dict[int, int]:
    """Paragraph index -> number for a run "1. …", "2. …", … of numbered paragraphs."""
    cands = [
        (i, int(m.group(1)))
        for i, p in enumerate(paras)
        if p.kind == "text" and (m := re.match(r"^(\d{1,2})\.\s+[A-Z]", p.text))
    ]
    out: dict[int, int] = {}
    expect = 1
    for i, n in cands:
        if n == expect:
            out[i] = n
            expect += 1
    return out if len(out) >= 2 else {}


def _answer_key(n: int) -> int:
    return 10_000_000 + n
