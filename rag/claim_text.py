"""Dutch text helpers for the claim-support scorer: sentences, tokens, and the
precise cues (numbers, names, negation, modality) that small models get wrong.

Pure functions over strings; no models. Kept apart from `rag.claims` so the
perturbation generator in `eval/` and the feature extractor share one notion of
what a number, a name or a negation is.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = {
    "jl", "nr", "nrs", "bijv", "bv", "o.a", "oa", "d.w.z", "dwz", "i.v.m", "ivm", "m.b.t", "mbt", "t.a.v",
    "tav", "e.d", "etc", "p", "pp", "art", "mr", "dr", "drs", "ir", "prof", "ca", "zgn", "resp", "vs", "blz",
    "min", "mln", "mld", "mrd", "vgl", "incl", "excl", "z.g.a", "e.a", "t.o.v", "tov", "i.p.v", "ipv",
    "c.q", "cq", "m.n", "mn", "a.s", "jhr", "st", "stcrt", "stb", "kamerstuk", "o.m", "om", "n.a.v", "nav",
    "d.d", "dd", "t.b.v", "tbv", "i.c.m", "icm", "t.z.t", "tzt", "m.i.v", "miv", "o.b.v", "obv", "e.v", "a.i",
    "c.s", "cs", "zr.ms", "zrms", "hr.ms", "hrms",  # "Zr.Ms. Rotterdam": a navy ship, not a sentence end
}
# Initials ("S.A. Blok", "J.P. Balkenende"): their full stops do not end a sentence.
INITIALS = re.compile(r"(?:[a-z]\.)+[a-z]")

# The same without their dots ("ipv", "mbt"): how staff type them.
ABBREVIATION_WORDS = frozenset(a.replace(".", "") for a in _ABBREVIATIONS)

NEGATIONS = {
    "niet", "geen", "nooit", "noch", "zonder", "niets", "niemand", "nergens", "geenszins", "allerminst",
    "evenmin", "nimmer", "zelden", "nauwelijks", "amper",
}

# Role nouns whose order around a verb says who does what ("het kabinet informeert de Kamer").
ROLE_WORDS = {
    "kabinet", "kamer", "minister", "ministers", "regering", "expertgroep", "lidstaten", "leden", "commissie",
    "staatssecretaris", "secretaris-generaal", "raad", "veiligheidsraad", "parlement", "president", "premier",
    "fractie", "bondgenoten", "rechter", "organisatie",
}

# Hedged versus firm modality. A claim that turns a hedge into a decision (or the
# reverse) is not supported even when every content word matches.
TENTATIVE = {
    "overweegt", "overwegen", "overweging", "overwoog", "kan", "kunnen", "zou", "zouden", "mogelijk",
    "mogelijke", "mogelijkheid", "mogelijkheden", "wellicht", "misschien", "eventueel", "eventuele",
    "onderzoekt", "onderzoeken", "verkent", "verkennen", "bezien", "bekijkt", "bekijken", "streeft",
    "beoogt", "beogen", "voornemens", "voornemen", "wil", "willen", "wenst", "hoopt", "hopen",
    "denkt", "denken", "mag", "mogen", "waarschijnlijk", "vermoedelijk", "zo nodig", "indien",
}
FIRM = {
    "besloten", "besluit", "besloot", "besluiten", "moet", "moeten", "zal", "zullen", "verplicht",
    "verplichte", "verplichten", "altijd", "definitief", "definitieve", "vastgesteld", "zeker", "stellig",
    "onherroepelijk", "uitsluitend", "alle", "volledig", "volledige",
}

MONTHS = {
    "januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7, "augustus": 8,
    "september": 9, "oktober": 10, "november": 11, "december": 12,
}
MONTH_PATTERN = "|".join(MONTHS)  # "januari|februari|…|december", for regular expressions
# The same with the abbreviations tables and footnotes use ("per 31 dec 2018", "1 okt."); the longest
# first, so "sept" is not read as "sep".
ANY_MONTH_PATTERN = MONTH_PATTERN + r"|(?:jan|feb|mrt|apr|jun|jul|aug|sept|sep|okt|nov|dec)\b\.?"

# A past participle ("gekost", "ingesteld", "aangenomen", "geëvacueerd"): a verb form, never the topic of a
# question. The nouns that look like one are listed.
_PARTICIPLE = re.compile(r"^(?:aan|af|in|op|uit|mee|toe|voor|door|over|onder|terug|vast|bij|vrij|samen|plaats)?"
                         r"ge[a-zà-ÿ]{2,}(?:d|t|en)$")
_GE_NOUNS = {"geweld", "gebied", "gebieden", "gezag", "gesprek", "gevolg", "gedrag", "gerecht", "gebruik", "geval",
             "gevallen", "gevaar", "gemeenten", "gezondheid", "geloofwaardigheid", "gewicht", "getuigen", "gebeden",
             "gebergte", "gedachten", "gegevens", "gelden", "gewoonten", "geschiedenis", "gemeenschappen",
             "genocide", "gerechtigheid", "geheimhouding", "gelijkheid", "gendergelijkheid", "geneeskunde",
             "gezant", "gezanten", "getuigenissen", "grensgebied", "gebouwen", "gebrek", "gevecht", "gevechten",
             "gesprekken", "gedetineerde", "gedetineerden", "gedeelte", "gebed", "gelegenheden", "gewesten"}


def is_participle(word: str) -> bool:
    low = word.lower()
    return bool(_PARTICIPLE.match(low)) and low not in _GE_NOUNS and not low.endswith(("heid", "schap"))


NUMBER_WORDS = {
    "nul": 0, "een": None, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7,
    "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14,
    "vijftien": 15, "zestien": 16, "zeventien": 17, "achttien": 18, "negentien": 19, "twintig": 20,
    "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70, "tachtig": 80,
    "negentig": 90, "honderd": 100, "duizend": 1000, "miljoen": 1_000_000, "miljard": 1_000_000_000,
    "eerste": "1e", "tweede": "2e", "derde": "3e", "vierde": "4e", "vijfde": "5e", "helft": "0.5",
    "kwart": "0.25", "dubbel": "2x", "verdubbeld": "2x", "half": "0.5",
}
# "een" is the article far more often than the number; it is never read as a number.
NUMBER_WORDS = {k: v for k, v in NUMBER_WORDS.items() if v is not None}

STOPWORDS = set(
    """
    de het een en of van in op te ten ter aan voor met door bij naar over om uit als dat die dit
    deze is zijn was waren wordt worden werd werden heeft hebben had hadden er ook nog al wel dan
    maar want omdat zoals tot tegen na sinds tussen onder boven binnen buiten zich hij zij ze wij we
    u ik men hun haar hem ons onze uw mijn wie wat welke waar hoe waarom wanneer hier daar daarbij
    daarmee hierbij hiermee hiervan daarvan waarbij waarin waarmee reeds jl zo meer minder veel zeer
    heel andere ander eigen elk elke ieder iedere beide enkele enige sommige alsook zowel evenals
    dus echter tevens bovendien namelijk immers toch nu thans eerder later
    """.split()  # noqa: SIM905 - a word list reads better as text
)

_TOKEN_RE = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
_CITATION_RE = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_NUM_RE = re.compile(r"(?<![\w])(\d{1,3}(?:[.\s]\d{3})+|\d+)(?:,(\d+))?(?![\w])")


def normalise(text: str) -> str:
    """Join PDF word breaks ("Neder-\\nlandse"), unify quotes and collapse whitespace."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"([a-zà-ÿ])-\s*\n\s*([a-zà-ÿ])", r"\1\2", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


def strip_citations(text: str) -> str:
    """Remove [n] markers (and [1, 2]) that answers carry."""
    return _CITATION_RE.sub("", text).strip()


def citation_numbers(text: str) -> list[int]:
    out: list[int] = []
    for m in _CITATION_RE.finditer(text):
        for n in re.split(r"[,;]", m.group(1)):
            if n.strip().isdigit() and int(n) not in out:
                out.append(int(n))
    return out


def split_sentences(text: str) -> list[str]:
    """Split Dutch text into sentences, keeping abbreviations and numbers intact.

    Bullet and numbered-list lines count as sentences of their own. Citation
    markers that follow the full stop ("... 2017. [2]") stay with their sentence.
    """
    text = text.replace("\r", "")
    pieces: list[str] = []
    for block in re.split(r"\n\s*(?:[-•*]|\d+[.)]|[a-z][.)])\s+|\n\s*\n", "\n" + text):
        block = normalise(block)
        if not block:
            continue
        start = 0
        for m in re.finditer(r"[.!?;:]+(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*(?=\s+[\"'«(]?[A-Z0-9ÀÉÈÖÜ])", block):
            end = m.end()
            before = block[start : m.start()]
            last = re.findall(r"[\w.]+$", before)
            word = last[0].lower().rstrip(".") if last else ""
            punct = m.group(0)[0]
            if punct == "." and (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())
                                 or INITIALS.fullmatch(word)):
                continue
            if punct == ":" :
                continue  # a colon introduces, it rarely ends a claim
            pieces.append(block[start:end].strip())
            start = end
        rest = block[start:].strip()
        if rest:
            pieces.append(rest)
    return [p for p in pieces if re.search(r"\w", p)]


def tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text)


def lower_tokens(text: str) -> list[str]:
    return [t.lower() for t in tokens(text)]


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer; a small C extension, cheap to load

    return Stemmer.Stemmer("dutch")


def stem(words: list[str]) -> list[str]:
    return _stemmer().stemWords(words)


def content_stems(text: str) -> list[str]:
    """Stemmed, lowercased content words (no stopwords, no bare numbers)."""
    words = [w for w in lower_tokens(text) if w not in STOPWORDS and not w.isdigit() and len(w) > 1]
    return stem(with_hyphen_parts(words))


def with_hyphen_parts(words: list[str]) -> list[str]:
    """Each word followed by the parts of a hyphenated compound, so "VN-Veiligheidsraad" matches
    "Veiligheidsraad" and "AVVN-inzet" matches "inzet tijdens de AVVN"."""
    parts: list[str] = []
    for w in words:
        parts.append(w)
        if "-" in w:
            parts.extend(p for p in w.split("-") if len(p) > 1 and p not in STOPWORDS and not p.isdigit())
    return parts


def numbers(text: str) -> set[str]:
    """Numbers in a canonical form: '1.000' and 'duizend' -> '1000', '2,5' -> '2.5'.

    Month names are returned as 'm<N>' so "11 juli" and "11-07" share 'm7' only
    when both name the month; a changed month then shows up as a number change.
    """
    out: set[str] = set()
    for m in _NUM_RE.finditer(text):
        whole = re.sub(r"[.\s]", "", m.group(1))
        frac = m.group(2)
        val = whole.lstrip("0") or "0"
        out.add(f"{val}.{frac}" if frac else val)
    for w in lower_tokens(text):
        if w in NUMBER_WORDS:
            out.add(str(NUMBER_WORDS[w]))
        elif w in MONTHS:
            out.add(f"m{MONTHS[w]}")
        else:
            # "tweehonderd", "vierduizend"; "een viertal", "zestigtal": about that many
            for nw, val in (("honderd", 100), ("duizend", 1000), ("tal", 1)):
                if w.endswith(nw) and w[: -len(nw)] in NUMBER_WORDS and isinstance(NUMBER_WORDS[w[: -len(nw)]], int):
                    out.add(str(NUMBER_WORDS[w[: -len(nw)]] * val))
    return out


# Capitalised words that are not names: sentence openers and titles.
_NOT_NAMES = {
    "de", "het", "een", "in", "op", "dit", "dat", "deze", "die", "er", "ook", "zij", "hij", "ze", "wij",
    "u", "uw", "bij", "voor", "met", "als", "om", "tot", "na", "naar", "over", "door", "aan",
    "volgens", "daarnaast", "daarom", "verder", "tevens", "ten", "ter", "hierbij", "zo", "wel",
    "ik", "we", "men", "nederland's", "minister", "ministers", "kamer", "kabinet", "antwoord", "vraag",
    "leden", "fractie", "tweede", "eerste", "staatssecretaris", "premier", "president", "mevrouw",
    "heer", "jl", "nr", "kamerstuk", "kamerstukken", "zoals", "echter", "nog", "wat", "welke",
    "hoe", "waar", "wanneer", "waarom", "wie", "omdat", "hoewel", "indien", "terwijl", "nadat", "toen",
    "sinds", "zowel", "beide", "alle", "elk", "elke", "geen", "niet", "nooit", "hiermee", "daarbij",
    "vervolgens", "bovendien", "ondanks", "binnen", "buiten", "tijdens", "onder", "tegen", "uit",
}


def names(text: str) -> set[str]:
    """Capitalised words and acronyms (countries, ministers, fracties, organisations), lowercased.

    A capitalised first word of a sentence counts only when it does not look
    like an ordinary opener, so "Het kabinet" adds nothing but "Duitsland
    steunt" adds "duitsland". Hyphenated names also yield their parts
    ("VVD-fractie" -> "vvd-fractie", "vvd").
    """
    out: set[str] = set()
    for sent in split_sentences(text) or [text]:
        toks = tokens(sent)
        for i, t in enumerate(toks):
            parts = [t] + (t.split("-") if "-" in t else [])
            for p in parts:
                if not p or not p[0].isupper():
                    continue
                low = p.lower()
                if low in _NOT_NAMES or low in STOPWORDS or low in NEGATIONS:
                    continue
                if i == 0 and p is t and p[1:].islower() and low not in GAZETTEER:
                    continue  # a capital at the start of a sentence says nothing
                out.add(low)
    return out




# Names recognised even at the start of a sentence (where a capital is no evidence).
GAZETTEER = {w.lower() for w in ["Nederland", "Duitsland", "Frankrijk", "België", "Luxemburg", "China", "Rusland", "Syrië", "Irak", "Afghanistan", "Mali", "Libië", "Jemen", "Iran", "Turkije", "Oekraïne", "Venezuela", "Curaçao", "Aruba", "Canada", "Japan", "India", "Brazilië", "Noorwegen", "Zweden", "Denemarken", "Polen", "Italië", "Spanje", "Israël", "Egypte", "Indonesië", "Myanmar", "Soedan", "Somalië", "Nigeria", "Ethiopië", "Europa", "Afrika", "Azië", "Amerika", "Koninkrijk", "Nederlandse", "Duitse", "Franse", "Belgische", "Britse", "Amerikaanse", "Chinese", "Russische", "Syrische", "Europese", "Afrikaanse"]}


def negation_count(text: str) -> int:
    return sum(1 for w in lower_tokens(text) if w in NEGATIONS)


def modality(text: str) -> tuple[int, int]:
    """(hedge cues, firm cues) in the text."""
    low = lower_tokens(text)
    joined = " ".join(low)
    tent = sum(1 for w in low if w in TENTATIVE) + joined.count("zo nodig")
    firm = sum(1 for w in low if w in FIRM)
    return tent, firm
