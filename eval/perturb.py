"""Build a labelled Dutch claim/context set from the demo corpus by perturbation.

For each source sentence inside a passage (the context), we write claims that
the passage supports (honest paraphrase: clause dropping, reordering, synonyms,
digits for number words, active -> passive) and claims it does not support
(minimal edits small models make: a changed number or date, a wrong country,
minister, fractie or organisation, a dropped or added negation, swapped roles,
a hedge turned into a decision, and plausible facts from elsewhere in the
corpus). Deterministic for a seed.

Split by DOCUMENT so the test split shares no passage with training:
test = TEST_DOCS, the rest is train, and a passage-level slice of the train
documents is dev (for the decision threshold). The test split is for reporting
only; nothing is tuned on it.

    python -m eval.perturb [--seed 13] [--out eval/data]

eval/data/claims_handwritten_dev.jsonl is a separate, small hand-written set
(40 pairs from the train documents 000 and 003): real paraphrases that share
few words with the context, and subtle errors written the same way. It guided
the choice of features and threshold, so it is a dev set, not a test set.

Output lines follow the eval-claims input format:
{"id", "context", "claim", "label", "kind", "doc"}.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
from dataclasses import dataclass
from pathlib import Path

from rag import claim_text as ct

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "corpus" / "demo"
OUT_DIR = Path(__file__).resolve().parent / "data"
TEST_DOCS = ("001_a399eb8240a0f1b4", "004_bab3e267043ef5ee")
DEV_SHARE = 0.15  # share of train-document passages held out as dev

COUNTRIES = [
    "Nederland", "Duitsland", "Frankrijk", "België", "Luxemburg", "Verenigd Koninkrijk", "Verenigde Staten",
    "China", "Rusland", "Syrië", "Irak", "Afghanistan", "Mali", "Libië", "Jemen", "Iran", "Turkije",
    "Oekraïne", "Venezuela", "Curaçao", "Aruba", "Sint Maarten", "Canada", "Japan", "India", "Brazilië",
    "Zuid-Afrika", "Noorwegen", "Zweden", "Denemarken", "Polen", "Italië", "Spanje", "Israël", "Egypte",
    "Indonesië", "Myanmar", "Soedan", "Somalië", "Nigeria", "Ethiopië", "Colombia", "Mexico", "Australië",
]
ADJECTIVES = [
    "Nederlandse", "Duitse", "Franse", "Belgische", "Britse", "Amerikaanse", "Chinese", "Russische",
    "Syrische", "Iraakse", "Afghaanse", "Turkse", "Oekraïense", "Japanse", "Indiase", "Braziliaanse",
    "Noorse", "Zweedse", "Deense", "Poolse", "Italiaanse", "Spaanse", "Egyptische", "Canadese",
]
FRACTIES = ["VVD", "CDA", "D66", "PvdA", "SP", "GroenLinks", "PVV", "ChristenUnie", "SGP", "PvdD", "FvD", "DENK"]
ORGS = [
    "VN", "NAVO", "EU", "OVSE", "Veiligheidsraad", "Mensenrechtenraad", "Wereldbank", "IMF", "WHO",
    "UNICEF", "UNHCR", "UNRWA", "UNDP", "OPCW", "Raad van Europa", "Europese Commissie", "AIV",
    "Internationaal Strafhof", "Algemene Vergadering", "Afrikaanse Unie", "G20", "OESO",
]
PEOPLE = [
    "Blok", "Rutte", "Kaag", "Bijleveld", "Hoekstra", "Grapperhaus", "Knops", "Rhuggenaath", "Guterres",
    "Ploumen", "Koenders", "Zijlstra", "Timmermans", "Bachelet", "Macron", "Merkel", "Trump", "Stoltenberg",
]
ROLE_NPS = [
    "het kabinet", "de Kamer", "de minister", "de expertgroep", "de Veiligheidsraad", "de lidstaten",
    "Nederland", "de EU", "de VN", "de Secretaris-Generaal", "de regering", "de commissie", "de NAVO",
    "de Verenigde Staten", "Rusland", "China", "de leden", "het Koninkrijk",
]

# Honest substitutions (meaning-preserving in this register). No modality words here.
SYNONYMS = {
    "het kabinet": "de regering", "Het kabinet": "De regering", "de regering": "het kabinet", "belangrijk": "van groot belang", "belangrijke": "wezenlijke",
    "steunt": "ondersteunt", "ondersteunt": "steunt", "echter": "evenwel", "daarnaast": "bovendien",
    "bovendien": "daarnaast", "bijvoorbeeld": "onder meer", "aangenomen": "goedgekeurd", "rapport": "verslag",
    "ontvangen": "gekregen", "waardering": "erkenning", "inzet": "inspanningen", "hervormingen": "veranderingen",
    "organisatie": "instelling", "gepresenteerd": "gepubliceerd", "samenwerking": "coöperatie",
    "versterken": "verstevigen", "kwesties": "vraagstukken", "vraagstukken": "kwesties", "duidelijk": "helder",
    "duidelijke": "heldere", "grondige": "diepgaande", "aanbevelingen": "adviezen", "opgericht": "ingesteld",
    "verzoek": "vraag", "financiering": "bekostiging", "middelen": "gelden", "ongeveer": "circa",
    "circa": "ongeveer", "ruim": "meer dan", "tevens": "ook", "wereldwijde": "mondiale", "wereldwijd": "mondiaal",
    "noodzakelijk": "nodig", "nodig": "noodzakelijk", "snel": "spoedig", "deelnemen": "meedoen",
    "maatregelen": "stappen", "uitvoering": "implementatie", "implementatie": "uitvoering",
    "bevorderen": "stimuleren", "stimuleren": "bevorderen", "aandacht": "oog", "gesprekken": "overleg",
    "overleg": "gesprekken", "bijeenkomst": "vergadering", "vergadering": "bijeenkomst", "doel": "oogmerk",
    "doelstelling": "doel", "initiatief": "voorstel", "thans": "momenteel", "momenteel": "op dit moment",
    "reeds": "al", "slechts": "alleen", "alleen": "slechts", "zeer": "erg", "grote": "aanzienlijke",
    "groot": "aanzienlijk", "vaak": "dikwijls", "landen": "staten", "lidstaten": "lidstaten",
    "benadrukt": "onderstreept", "onderstreept": "benadrukt", "verwelkomt": "begroet", "toegezegd": "beloofd",
    "bereid": "genegen", "problemen": "moeilijkheden", "risico": "gevaar", "bijdrage": "inbreng",
    "resultaten": "uitkomsten", "verslag": "rapport", "vanwege": "wegens", "wegens": "vanwege",
    "ten aanzien van": "met betrekking tot", "met betrekking tot": "ten aanzien van", "in het kader van":
    "binnen", "ervoor zorgen": "zorgen", "gericht op": "toegespitst op", "de Kamer": "het parlement",
}
NUMBER_TO_DIGIT = {w: str(v) for w, v in ct.NUMBER_WORDS.items() if isinstance(v, int) and 2 <= v <= 100}

MODAL_SWAPS = [
    ("overweegt", "heeft besloten"), ("overwegen", "hebben besloten"), ("kan", "moet"), ("kunnen", "moeten"),
    ("zou", "zal"), ("zouden", "zullen"), ("mogelijk", "zeker"), ("wellicht", "zeker"),
    ("streeft naar", "heeft bereikt"), ("streeft ernaar", "garandeert"), ("onderzoekt", "heeft besloten tot"),
    ("wil", "gaat"), ("willen", "gaan"), ("is voornemens", "heeft besloten"), ("beoogt", "garandeert"),
    ("mag", "moet"), ("eventueel", "zeker"), ("verkent", "heeft besloten tot"), ("hoopt", "verwacht zeker"),
    ("heeft besloten", "overweegt"), ("moet", "kan"), ("moeten", "kunnen"), ("zal", "zou"),
    ("zullen", "zouden"), ("altijd", "soms"),
]
FINITE_VERBS = [
    "is", "zijn", "was", "waren", "wordt", "worden", "werd", "werden", "heeft", "hebben", "had", "kan",
    "kunnen", "zal", "zullen", "moet", "moeten", "steunt", "acht", "ziet", "deelt", "vindt", "blijft",
    "neemt", "geeft", "draagt", "speelt", "staat", "gaat",
]
# Conditions: dropping such a clause overclaims, so clause dropping never drops them.
_CONDITIONAL = re.compile(r"^(tenzij|mits|indien|als|wanneer|zolang|behalve|mits|voor zover|zodra|totdat)\b", re.IGNORECASE)


@dataclass
class Source:
    doc: str
    passage_id: int
    context: str
    sentence: str


def _passages(text: str, min_chars: int = 350, max_chars: int = 1100) -> list[str]:
    """Blank-line paragraphs, merged up to a passage of a few sentences."""
    paras = [ct.normalise(p) for p in re.split(r"\n\s*\n", text)]
    paras = [p for p in paras if len(p) > 40]
    out: list[str] = []
    cur = ""
    for p in paras:
        if cur and len(cur) + len(p) > max_chars:
            out.append(cur)
            cur = ""
        cur = (cur + " " + p).strip()
        if len(cur) >= min_chars:
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out


def load_sources(demo_dir: Path = DEMO_DIR) -> list[Source]:
    sources: list[Source] = []
    for path in sorted(demo_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for pi, passage in enumerate(_passages(text)):
            for sent in ct.split_sentences(passage):
                n = len(ct.tokens(sent))
                if 8 <= n <= 45 and not sent.endswith("?") and sent[0].isupper():
                    sources.append(Source(path.stem, pi, passage, sent))
    return sources


# ---------------------------------------------------------------- helpers


def _sub_word(text: str, old: str, new: str, count: int = 1) -> str:
    return re.sub(rf"(?<![\w-]){re.escape(old)}(?![\w-])", new, text, count=count)


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def _decap(s: str) -> str:
    first = s.split(" ", 1)[0]
    if first.lower() in {"het", "de", "een", "dit", "dat", "deze", "die", "er", "in", "op", "ook", "bij", "voor"}:
        return s[:1].lower() + s[1:]
    return s


# ---------------------------------------------------------------- unsupported edits


def change_number(s: str, rng: random.Random) -> str | None:
    cands = []
    for m in re.finditer(r"(?<![\w.,])(\d{1,4})(?![\w]|[.,]\d)", s):
        cands.append(("num", m))
    for w in ct.lower_tokens(s):
        if w in NUMBER_TO_DIGIT or w in ct.MONTHS:
            cands.append(("word", w))
    if not cands:
        return None
    kind, item = rng.choice(cands)
    if kind == "num":
        v = int(item.group(1))
        if 1900 <= v <= 2099:
            nv = v + rng.choice([-3, -2, -1, 1, 2, 3])
        elif v <= 31:
            nv = v + rng.choice([1, 2, 3, 5, 7]) if v < 25 else v - rng.choice([2, 4, 6])
        else:
            nv = int(v * rng.choice([0.5, 0.75, 1.5, 2])) or v + 10
        if nv == v or nv < 0:
            return None
        return s[: item.start(1)] + str(nv) + s[item.end(1):]
    if item in ct.MONTHS:
        other = rng.choice([m for m in ct.MONTHS if m != item])
        return re.sub(rf"\b{item}\b", other, s, count=1, flags=re.IGNORECASE)
    others = [w for w in NUMBER_TO_DIGIT if w != item and int(NUMBER_TO_DIGIT[w]) != int(NUMBER_TO_DIGIT[item])]
    return re.sub(rf"\b{item}\b", rng.choice(others), s, count=1, flags=re.IGNORECASE)


def change_entity(s: str, rng: random.Random, corpus_names: list[str]) -> str | None:
    groups = [COUNTRIES, ADJECTIVES, FRACTIES, ORGS, PEOPLE]
    cands = []
    for g in groups:
        for name in g:
            if _has_word(s, name) or re.search(rf"\b{re.escape(name)}-fractie", s):
                cands.append((name, g))
    if not cands:
        names = [n for n in ct.names(s) if n[0].isalpha()]
        present = [t for t in ct.tokens(s) if t.lower() in names and t[0].isupper() and len(t) > 3]
        if not present or not corpus_names:
            return None
        old = rng.choice(present)
        new = rng.choice([n for n in corpus_names if n.lower() != old.lower()])
        return _sub_word(s, old, new)
    old, group = rng.choice(cands)
    new = rng.choice([n for n in group if n != old and not _has_word(s, n)])
    out = re.sub(rf"(?<![\w]){re.escape(old)}(?=-fractie)", new, s, count=1)
    if out == s:
        out = _sub_word(s, old, new)
    return out if out != s else None


def flip_negation(s: str, rng: random.Random) -> tuple[str, str] | None:
    for neg, repl in (("niet", ""), ("geen", "een"), ("nooit", "altijd"), ("zonder", "met")):
        if _has_word(s, neg):
            out = re.sub(rf"\s*(?<![\w-]){neg}(?![\w-])", (" " + repl) if repl else "", s, count=1)
            return re.sub(r"\s+", " ", out).strip(), "negation_dropped"
    verbs = [v for v in FINITE_VERBS if _has_word(s, v)]
    if verbs:
        v = rng.choice(verbs)
        return _sub_word(s, v, f"{v} niet"), "negation_added"
    if re.search(r"(?<=\s)een(?=\s)", s):
        return re.sub(r"(?<=\s)een(?=\s)", "geen", s, count=1), "negation_added"
    return None


def swap_roles(s: str, rng: random.Random) -> str | None:
    found = []
    low = s
    for np_ in ROLE_NPS + COUNTRIES + ORGS + FRACTIES:
        for m in re.finditer(rf"(?<![\w-]){re.escape(np_)}(?![\w-])", low, flags=re.IGNORECASE):
            found.append((m.start(), m.end(), m.group(0)))
    found.sort()
    # Keep non-overlapping spans with different text.
    spans = []
    for st, en, txt in found:
        if spans and st < spans[-1][1]:
            continue
        spans.append((st, en, txt))
    pairs = [
        (a, b) for i, a in enumerate(spans) for b in spans[i + 1:]
        if a[2].lower() != b[2].lower() and not re.fullmatch(r"\s*(,|en|of|,\s*en)\s*", s[a[1]:b[0]])
    ]
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    ta, tb = b[2], a[2]
    if a[0] == 0:
        ta = _cap(ta)
        tb = tb[:1].lower() + tb[1:] if tb.split(" ")[0].lower() in {"het", "de"} else tb
    return s[: a[0]] + ta + s[a[1]: b[0]] + tb + s[b[1]:]


def change_modality(s: str, rng: random.Random) -> str | None:
    cands = [(o, n) for o, n in MODAL_SWAPS if _has_word(s.lower(), o)]
    if not cands:
        return None
    o, n = rng.choice(cands)
    out = re.sub(rf"(?<![\w-]){re.escape(o)}(?![\w-])", n, s, count=1, flags=re.IGNORECASE)
    return out if out != s else None


def add_fact(s: str, other: str) -> str | None:
    other = other.rstrip(".")
    if len(ct.tokens(other)) > 22:
        return None
    return s.rstrip(".") + ", en " + _decap(other) + "."


# ---------------------------------------------------------------- honest paraphrase


def synonyms(s: str, rng: random.Random, k: int = 3) -> str | None:
    keys = [w for w in SYNONYMS if _has_word(s, w) or _has_word(s, _cap(w))]
    keys += [w for w in NUMBER_TO_DIGIT if _has_word(s.lower(), w)]
    if not keys:
        return None
    rng.shuffle(keys)
    out = s
    for w in keys[:k]:
        new = NUMBER_TO_DIGIT.get(w) or SYNONYMS[w]
        out = _sub_word(out, w, new)
        out = _sub_word(out, _cap(w), _cap(new))
    return out if out != s else None


def drop_clause(s: str, rng: random.Random) -> str | None:
    """Keep the main clause; drop a trailing or inserted subordinate/apposition part."""
    parts = [p.strip() for p in re.split(r",\s+", s.rstrip("."))]
    if len(parts) < 2:
        return None
    # A sentence that opens with a subordinate clause keeps its main clause later; skip it.
    if re.match(r"^(Gezien|Hoewel|Omdat|Nu|Als|Indien|Wanneer|Zoals|Mede|Naast|Ondanks|Doordat|Nadat|Zodra|"
                r"Om|Waar|Aangezien|Gelet|Vanwege|Met|In|Op|Door|Na|Voor|Tijdens|Binnen|Sinds)\b", parts[0]):
        return None
    keep = [parts[0]]
    for p in parts[1:]:
        # Drop clauses that add detail; never conditions and never negated parts.
        if _CONDITIONAL.match(p) or ct.negation_count(p) or rng.random() < 0.3:
            keep.append(p)
    out = ", ".join(keep) + "."
    if len(ct.tokens(out)) < 6 or out == s or ct.negation_count(out) != ct.negation_count(s):
        return None
    # A main clause that ends mid-phrase reads badly but is still supported; keep only readable ones.
    if re.search(r"\b(de|het|een|van|en|of|dat|die|om|te|met|voor|in|op)\.$", out):
        return None
    return out


def reorder(s: str, rng: random.Random) -> str | None:
    # Swap coordinated names or words: "Duitsland en Frankrijk" -> "Frankrijk en Duitsland".
    m = list(re.finditer(r"\b([A-ZÀ-Ý][\w-]+|[a-zà-ÿ]{4,}) en ([A-ZÀ-Ý][\w-]+|[a-zà-ÿ]{4,})\b", s))
    m = [x for x in m if x.group(1).lower() not in ct.STOPWORDS and x.group(2).lower() not in ct.STOPWORDS
         and x.group(1)[0].isupper() == x.group(2)[0].isupper()]
    if m:
        x = rng.choice(m)
        return s[: x.start()] + f"{x.group(2)} en {x.group(1)}" + s[x.end():]
    # Swap two coordinated main clauses: "A, en B." -> "B, en A." (both keep their own subject).
    parts = re.split(r",? en (?=(?:het|de|dit|deze|zij|hij|Nederland|[A-Z]\w+) \w+)", s.rstrip("."), maxsplit=1)
    if len(parts) == 2 and len(ct.tokens(parts[0])) >= 4 and len(ct.tokens(parts[1])) >= 4:
        return _cap(parts[1].strip()) + ", en " + _decap(parts[0].strip()) + "."
    return None


def to_passive(s: str) -> str | None:
    m = re.match(
        r"^(Het kabinet|Nederland|De minister|De regering|De EU|De VN|De Veiligheidsraad|De expertgroep|"
        r"De Secretaris-Generaal|De NAVO|De Kamer) (heeft|hebben) (.{5,80}?) (\w+(?:d|t|en))\.$", s)
    if not m:
        return None
    subj, obj, part = m.group(1), m.group(3), m.group(4)
    if ct.negation_count(obj) or obj.split(" ")[0].lower() in {"zich", "er", "niet", "geen", "ook"}:
        return None
    aux = "zijn" if re.search(r"\b(de|deze|die)\b \w+en\b", obj) and obj.split(" ")[0].lower() == "de" and \
        obj.split(" ")[-1].endswith("en") else "is"
    return f"{_cap(obj)} {aux} door {_decap(subj)} {part}."


def combo(s: str, rng: random.Random) -> str | None:
    out = s
    changed = False
    for f in (lambda x: drop_clause(x, rng), lambda x: reorder(x, rng), lambda x: synonyms(x, rng, k=5)):
        r = f(out)
        if r:
            out, changed = r, True
    return out if changed and out != s else None


# ---------------------------------------------------------------- building


NEG_KINDS = ["number", "entity", "negation", "roles", "modality", "not_in_context", "added_fact"]
POS_KINDS = ["synonyms", "clause_drop", "reorder", "passive", "combo", "verbatim"]


def _coverage(claim: str, context: str) -> float:
    c = set(ct.content_stems(claim))
    x = set(ct.content_stems(context))
    return len(c & x) / len(c) if c else 1.0


def make_pairs(sources: list[Source], seed: int = 13) -> list[dict]:
    rng = random.Random(seed)
    corpus_names = sorted({t for s in sources for t in ct.tokens(s.sentence)
                           if t[0].isupper() and len(t) > 3 and t.lower() in ct.names(s.sentence)})
    by_doc: dict[str, list[Source]] = {}
    for s in sources:
        by_doc.setdefault(s.doc, []).append(s)
    rows: list[dict] = []
    seen: dict[str, int] = {}
    for src in sources:
        s = src.sentence
        same_doc = by_doc[src.doc]
        negs: list[tuple[str, str]] = []
        for kind in NEG_KINDS:
            out: str | tuple | None = None
            if kind == "number":
                out = change_number(s, rng)
            elif kind == "entity":
                out = change_entity(s, rng, corpus_names)
            elif kind == "negation":
                r = flip_negation(s, rng)
                if r:
                    negs.append((r[0], r[1]))
                continue
            elif kind == "roles":
                out = swap_roles(s, rng)
            elif kind == "modality":
                out = change_modality(s, rng)
            elif kind in ("not_in_context", "added_fact"):
                for _ in range(6):
                    other = rng.choice(same_doc)
                    if other.passage_id != src.passage_id and _coverage(other.sentence, src.context) < 0.5:
                        out = other.sentence if kind == "not_in_context" else add_fact(s, other.sentence)
                        break
            if out and out != s:
                negs.append((out, kind))
        poss: list[tuple[str, str]] = []
        for kind in POS_KINDS:
            out = None
            if kind == "synonyms":
                out = synonyms(s, rng)
            elif kind == "clause_drop":
                out = drop_clause(s, rng)
            elif kind == "reorder":
                out = reorder(s, rng)
            elif kind == "passive":
                out = to_passive(s)
            elif kind == "combo":
                out = combo(s, rng)
            elif kind == "verbatim" and rng.random() < 0.15:
                out = s
            if out:
                poss.append((out, kind))
        # Least-used kinds first so every error kind is well represented.
        rng.shuffle(negs)
        rng.shuffle(poss)
        negs.sort(key=lambda x: seen.get(x[1], 0))
        poss.sort(key=lambda x: seen.get(x[1], 0))
        for _, kind in negs[:2] + poss[:2]:
            seen[kind] = seen.get(kind, 0) + 1
        for claim, kind in negs[:2]:
            rows.append({"context": src.context, "claim": claim, "label": 0, "kind": kind, "doc": src.doc,
                         "passage": src.passage_id})
        for claim, kind in poss[:2]:
            rows.append({"context": src.context, "claim": claim, "label": 1, "kind": kind, "doc": src.doc,
                         "passage": src.passage_id})
    return rows


def split_rows(rows: list[dict], seed: int = 13) -> dict[str, list[dict]]:
    rng = random.Random(seed + 1)
    train_passages = sorted({(r["doc"], r["passage"]) for r in rows if r["doc"] not in TEST_DOCS})
    dev = set(rng.sample(train_passages, int(len(train_passages) * DEV_SHARE)))
    out: dict[str, list[dict]] = {"train": [], "dev": [], "test": []}
    for r in rows:
        split = "test" if r["doc"] in TEST_DOCS else ("dev" if (r["doc"], r["passage"]) in dev else "train")
        out[split].append(r)
    for name, items in out.items():
        for i, r in enumerate(items):
            r["id"] = f"{name}-{i:05d}"
    return out


def build(out_dir: Path = OUT_DIR, seed: int = 13, demo_dir: Path = DEMO_DIR) -> dict[str, int]:
    rows = make_pairs(load_sources(demo_dir), seed=seed)
    splits = split_rows(rows, seed=seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, items in splits.items():
        path = out_dir / f"claims_{name}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for r in items:
                rec = {k: r[k] for k in ("id", "context", "claim", "label", "kind", "doc")}
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        counts[name] = len(items)
    return counts


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args(argv)
    counts = build(args.out, args.seed)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
