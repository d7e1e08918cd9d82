"""Does the selected text answer what was asked? Calibrated, and honest when it does not.

Near misses are the hard case: the topic is in the documents, the asked fact is not
("hoeveel doden" where only the wounded are counted, an amount given to another fund,
a fractie that never spoke on the subject, an organisation never named). The signals:
- how sure the selector is of its best unit, and by how much it beats the next;
- whether that unit holds the asked type of fact (amount, number, date, name, reason)
  next to the question's topic words, not somewhere else in the sentence;
- whether the names and rare words of the question occur in the corpus at all;
- for a named fractie: whether its own blocks say anything about the topic.
A logistic model fitted on the train split (answerable vs near miss) combines them;
its threshold is chosen by cross-validation to keep wrongly refused answerable
questions rare. Weights: rag/answer/weights/answerability.json.

When the answer is no, `missing_sentence` says in one Dutch sentence what is missing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rag import claim_text as ct
from rag.answer.model import LogisticModel
from rag.answer.names import is_country, is_name_like
from rag.answer.question import QUESTION_WORDS, QuestionInfo
from rag.text import fold

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).resolve().parent / "weights" / "answerability.json"
ASKED_TYPES = ("amount", "date", "number", "name", "reason", "list", "yesno", "view", "other")
TOP = 3  # units whose facts count (the composer quotes at most three)
VERB_INFINITIVE_ZIPF = 2.0  # an infinitive this common (about once per 10 million words) is a Dutch verb

FEATURE_NAMES = [
    "p1", "margin", "z1",
    "lex1", "dense1", "dense_max", "lex_max",
    "type_needed", "type_ok1", "type_near", "counted_near",
    "names_q", "names_cov1", "names_unknown", "unknown_terms", "unknown_rare",
    "fractie_named", "fractie_unknown", "fractie_p", "fractie_lex",
    *[f"asked_{t}" for t in ASKED_TYPES],
]


@dataclass
class Vocabulary:
    """The corpus's analysed terms (rag/lexical.py): is a question word known to the documents at all?"""

    terms: frozenset[str]
    idf: dict[str, float] = field(default_factory=dict)
    postings: Mapping[str, Collection[int]] | None = None  # term -> the chunks that hold it

    def together(self, words: Sequence[str]) -> bool:
        """Does one chunk hold every one of these words (in some analysed form)? True when unknown."""
        from rag.text import analyse

        if self.postings is None:
            return True
        shared: set[int] | None = None
        for word in words:
            terms = analyse(word)
            if not terms:  # a stopword ("of", "in") says nothing about where a name occurs
                continue
            rows = {int(r) for t in terms for r in self.postings.get(t, ())}
            shared = rows if shared is None else shared & rows
            if not shared:
                return False
        return True

    def weight(self, term: str) -> float:
        """Corpus IDF of an analysed term; unknown terms weigh as the rarest."""
        return self.idf.get(term, self.max_idf)

    @property
    def max_idf(self) -> float:
        return max(self.idf.values(), default=1.0)

    def knows(self, word: str) -> bool:
        from rag.text import analyse

        toks = analyse(word)
        if not toks:
            return True
        if any(t in self.terms for t in toks):
            return True
        # A typo ("kabniet") or another inflection: one edit away from a known term of similar length.
        w = toks[0]
        if len(w) >= 5:
            for t in self.terms:
                if abs(len(t) - len(w)) <= 1 and t[:2] == w[:2] and _within_one_edit(w, t):
                    return True
        return False


def _within_one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


def question_terms(question: QuestionInfo) -> list[str]:
    """The question's own content words (not its question form, not the fractie)."""
    from corpus.fracties import ALIASES

    fr = {w.lower() for f in question.fracties for w in re.findall(r"\w+", f)}
    fr |= {a for aliases in ALIASES.values() for a in aliases if " " not in a}  # "pvdd", "gl": a fractie, not a topic
    return [w for w in ct.lower_tokens(question.text)
            if len(w) >= 3 and not w.isdigit() and w not in ct.STOPWORDS and w not in QUESTION_WORDS and w not in fr
            and w.replace(".", "") not in ct.ABBREVIATION_WORDS and w not in question.carried]


def _known_equivalents(question: QuestionInfo, vocab: Vocabulary | None) -> set[str]:
    """Question words whose staff phrase the documents write otherwise ("premier": minister-president),
    and abbreviations whose written-out form they use ("MRR": Mensenrechtenraad)."""
    from rag.answer.question import abbreviations
    from rag.answer.thesaurus import known_equivalents

    if vocab is None:
        return set()
    spelled_out = {fold(w) for w, full in abbreviations(question.text)
                   if all(vocab.knows(x) for x in re.findall(r"\w+", full))}
    return known_equivalents(question.text, vocab.knows) | spelled_out


def _unknown_terms(question: QuestionInfo, vocab: Vocabulary | None, equivalent: set[str]) -> list[str]:
    """The question's own content words that no document holds, in any wording the thesaurus knows
    (`equivalent`: from `_known_equivalents`)."""
    if vocab is None:
        return []
    cluster = {m.group(1).lower() for m in _CLUSTER_INFINITIVE.finditer(question.text)}
    return [w for w in question_terms(question) if fold(w) not in equivalent and not vocab.knows(w)
            and w not in cluster and not any(vocab.knows(v) for v in verb_infinitives(w))
            and not known_compound(w, vocab)]


COMPOUND_PART_CHARS = 4  # the shortest part of a compound checked separately ("mens", "blik")
_INSTITUTION_HEAD = re.compile(r"(?:fonds|fondsen|raad|raden|programma|programma's|comit[eé]|commissie|bureau|agentschap"
                               r"|instituut|centrum|tribunaal|hof|coalitie|netwerk|alliantie|initiatief|partnerschap"
                               r"|mechanisme|organisatie|akkoord|verdrag|missie|platform|forum|unie|groep)", re.I)


def known_compound(word: str, vocab: Vocabulary) -> bool:
    """A compound whose parts the documents use as words of their own ("terugblik": terug + blik,
    "doorklonk": door + klonk): head and modifier known (the modifier also without a linking "s")."""
    w = word.lower()
    for i in range(COMPOUND_PART_CHARS, len(w) - COMPOUND_PART_CHARS + 1):
        head, modifier = w[i:], w[:i]
        if _INSTITUTION_HEAD.fullmatch(head):  # "klimaatfonds": a body's name, new however known its parts
            return False
        if vocab.knows(head) and (vocab.knows(modifier) or (modifier[-1] == "s" and vocab.knows(modifier[:-1]))):
            return True
    return False


# The main verb of a verb cluster ("heeft kunnen nestelen", "laten pompen", "om … te steunen") is the
# user's own wording of what happened, never a thing the documents must name.
_CLUSTER_INFINITIVE = re.compile(r"\b(?:kunnen|laten|willen|gaan|moeten|mogen|zullen|blijven|te)\s+(\w{3,}en)\b", re.I)


STRONG_VERBS_FILE = Path(__file__).resolve().parent / "data" / "strong_verbs_nl.json"
STRONG_PAST_MIN_CHARS = 3  # shorter past forms ("at", "was") are matched only as whole words


@lru_cache(maxsize=1)
def _strong_pasts() -> dict[str, str]:
    """Past forms of Dutch strong and irregular verbs, singular and plural ("hield", "hielden") ->
    infinitive ("houden"), from rag/answer/data/strong_verbs_nl.json (infinitive -> past singular)."""
    import json

    out: dict[str, str] = {}
    for infinitive, past in json.loads(STRONG_VERBS_FILE.read_text(encoding="utf-8")).items():
        single = _DOUBLED_VOWEL.sub(lambda m: m.group(1)[0] + m.group(2), past)  # "bleef" -> "blef"
        voiced = single[:-1] + {"f": "v", "s": "z"}.get(single[-1], single[-1])  # "blef" -> "blev"
        for form in (past, past + "en", single + "en", voiced + "en", past + past[-1] + "en", past + "den"):
            out.setdefault(form, infinitive)
    return out


def _strong_infinitives(word: str) -> list[str]:
    """"onthielden": onthouden, "doorklonk": doorklinken (prefix + the strong verb's infinitive)."""
    out = []
    for i in range(len(word)):
        infinitive = _strong_pasts().get(word[i:])
        if infinitive and (i == 0 or len(word) - i >= STRONG_PAST_MIN_CHARS):
            out.append(word[:i] + infinitive)
    return out


def verb_infinitives(word: str) -> list[str]:
    """The Dutch infinitives a verb form may come from ("tekenden": tekenen, "rechtvaardigt":
    rechtvaardigen, "gesanctioneerd": sanctioneren, "onthielden": onthouden); [] for a word that is
    no such form."""
    w = word.lower()
    participle = _dutch_infinitives(w[2:-1]) if ct.is_participle(w) and w.startswith("ge") and len(w) > 5 else []
    return list(dict.fromkeys(participle + _inflected_infinitives(w) + _strong_infinitives(w)))


def _own_names(question: QuestionInfo) -> list[str]:
    """The names the user typed this turn (a follow-up's carried topic is not asked about again)."""
    return [n for n in question.names if not (set(ct.lower_tokens(n)) & question.carried)]


def features(question: QuestionInfo, units: list, vocab: Vocabulary | None, known_fracties: set[str]) -> dict[str, float]:
    """Question-level features from the ranked units (best first)."""
    from rag.text import zipf

    top = units[:TOP]
    u1 = top[0].features if top else {}
    p1 = top[0].prob if top else 0.0
    p2 = top[1].prob if len(top) > 1 else 0.0
    equivalent = _known_equivalents(question, vocab)
    unknown = _unknown_terms(question, vocab, equivalent)
    names_unknown = [n for n in _own_names(question) if vocab is not None and not vocab.knows(n)
                     and fold(n) not in equivalent]
    fr = question.fractie
    fr_units = [u for u in units if u.features.get("fractie_match")]
    f = {
        "p1": p1,
        "margin": p1 - p2,
        "z1": top[0].score if top else 0.0,
        "lex1": u1.get("lex", 0.0),
        "dense1": u1.get("dense", 0.0),
        "dense_max": max((u.features.get("dense", 0.0) for u in units), default=0.0),
        "lex_max": max((u.features.get("lex", 0.0) for u in units), default=0.0),
        "type_needed": u1.get("type_needed", 0.0),
        "type_ok1": u1.get("type_ok", 0.0),
        "type_near": max((u.features.get("type_near", 0.0) for u in top), default=0.0),
        "counted_near": max((u.features.get("counted_near", 0.0) for u in top), default=0.0),
        "names_q": float(len(question.names)),
        "names_cov1": u1.get("names_cov_passage", 1.0),
        "names_unknown": float(len(names_unknown)),
        "unknown_terms": float(len(unknown)),
        "unknown_rare": float(sum(1 for w in unknown if zipf(w) < 4.0)),
        "fractie_named": float(bool(fr)),
        "fractie_unknown": float(bool(fr) and fr not in known_fracties),
        # Without the learned similarity: a fractie's point is itself a question, close in meaning to
        # any question on a neighbouring subject, so the similarity would vouch for a fractie that
        # never spoke on this one.
        "fractie_p": max((u.selector_prob for u in fr_units), default=0.0) if fr else 0.0,
        "fractie_lex": max((u.features.get("lex", 0.0) for u in fr_units), default=0.0) if fr else 0.0,
    }
    for t in ASKED_TYPES:
        f[f"asked_{t}"] = float(question.asked == t)
    return f


class Answerability:
    def __init__(self, model: LogisticModel):
        self.model = model

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "Answerability":
        return cls(LogisticModel.load(path, FEATURE_NAMES))

    def probability(self, values: dict[str, float]) -> float:
        return self.model.predict_one(values)

    def answerable(self, values: dict[str, float]) -> bool:
        return self.probability(values) >= self.model.threshold


@lru_cache(maxsize=1)
def get_answerability() -> Answerability:
    """The fitted answerability model, loaded once per process."""
    return Answerability.load()  # a missing or stale weights file raises ModelFileError with the fix


# --- saying what is missing ------------------------------------------------------------------

NOTHING_CHECKED = "Geen enkele zin van het antwoord werd door de bronnen ondersteund."

_WHAT = {
    "amount": "geen bedrag", "number": "geen aantal", "date": "geen datum", "name": "geen naam",
    "reason": "geen reden", "list": "geen opsomming",
}
_ANCHOR_PREPOSITIONS = ("voor", "aan", "van", "over", "bij", "in", "naar", "tegen", "tijdens", "met")
_ANCHOR = re.compile(rf"\b(?:{'|'.join(_ANCHOR_PREPOSITIONS)})\s+((?:(?:de|het|een|die|dat|deze)\s+)?"
                     r"[\w'’-]+(?:\s+[\w'’-]+){0,5})\s*\??\s*$", re.I)


# Verb parts that end a Dutch question after its topic ("… in 2018 gekost", "… van het NPV plaats(vinden)"):
# they are not part of the topic phrase.
_VERB_TAIL = {"plaats", "plaatsvinden", "plaatsgevonden", "af", "op", "uit", "mee", "toe", "vast", "vrij", "terug",
              "komen", "worden", "werden", "wordt", "zijn", "is", "was", "waren", "hebben", "heeft", "had", "gaan",
              "gaat", "kunnen", "kan", "zal", "zullen", "moeten", "moet", "willen", "wil", "doen", "doet", "staan",
              "staat", "zetten", "zet", "geven", "geeft", "krijgen", "krijgt", "betalen", "betaalt", "kost", "kosten",
              "laten", "blijven", "mede"}


# Adverbs between the topic and the closing verb ("… in de VR inmiddels ondertekend")
_ADVERB_TAIL = {"inmiddels", "al", "nog", "ooit", "precies", "eigenlijk", "nu", "dan", "ook", "eerder", "toen",
                "destijds", "uiteindelijk", "daadwerkelijk", "concreet", "allemaal"}
PARTICIPLE_MIN_CHARS = 7  # "ondertekend", "besproken"; shorter words ending in -d are nouns ("land", "bond")


def _participle_without_ge(word: str) -> bool:
    """A participle of a verb with an inseparable prefix ("ondertekend": ondertekenen, "betaald": betalen)."""
    return len(word) >= PARTICIPLE_MIN_CHARS and word.endswith(("d", "t")) and _has_dutch_infinitive(word[:-1])


# "om de migratieproblematiek aan te pakken", "om bewijs van misdrijven in syrie te verzamelen"
_PURPOSE_CLAUSE = re.compile(r"\s+om\s+((?:[\w'’-]+\s+){0,5}?[\w'’-]+)\s+(?:(?:aan|op|uit|mee|toe|vast|vrij|terug|af|"
                             r"door|bij|weg|na|samen|tegen)\s+)?te\s+[\w'’-]+\s*\??\s*$", re.I)


def _is_verb_part(word: str, before: str) -> bool:
    """Is `word` a verb part that ends a Dutch question after its topic ("gekost", "plaatsvinden",
    "inmiddels ondertekend", "laten pompen")?"""
    low = word.lower()
    return (word in _VERB_TAIL or low in _ADVERB_TAIL or ct.is_participle(word) or _inflected_verb(low)
            or _participle_without_ge(low) or (before in _VERB_TAIL and word.endswith("en")))


def anchor_phrase(question: QuestionInfo) -> str:
    """The topic phrase at the end of the question ("het VN peacebuilding fund"), or ''; verb parts
    after the topic are left off ("de Veiligheidsraad in 2018", not "… in 2018 gekost")."""
    from corpus.fracties import mention_pattern

    # the fractie is who speaks, not the topic: "wat zegt het kabinet tegen de VVD over Jemen" is about Jemen
    text = question.text.strip()
    if question.fracties:
        text = re.sub(rf"(?:\b(?:de|het)\s+)?(?:leden\s+van\s+(?:de\s+)?)?{mention_pattern().pattern}", " ", text, flags=re.I)
    # a closing purpose clause names the topic: "… vrijgemaakt om de migratieproblematiek aan te pakken"
    text = _PURPOSE_CLAUSE.sub(r" voor \1", " ".join(text.split()))
    m = _ANCHOR.search(text)
    if not m:
        return ""
    words = m.group(1).strip(" ?").split()
    while words and words[0].lower() in _ANCHOR_PREPOSITIONS:
        words.pop(0)
    while words and _is_verb_part(words[-1], words[-2] if len(words) > 1 else ""):
        words.pop()
    # "in 2016 vrijgemaakt voor de migratieproblematiek": the topic is what follows the verb
    verb = next((i for i in range(len(words) - 2, -1, -1) if words[i + 1].lower() in _ANCHOR_PREPOSITIONS
                 and _is_verb_part(words[i], words[i - 1] if i else "")), None)
    if verb is not None:
        words = words[verb + 2:]
    if words and words[-1].lower() in ("de", "het", "een", "die", "dat", "deze"):
        return ""
    return " ".join(words)


def missing_sentence(question: QuestionInfo, unknown_names: list[str] | None = None) -> str:
    """One plain Dutch sentence saying what the documents do not contain."""
    from corpus.fracties import label

    if question.fractie and question.asked == "view":
        topic = anchor_phrase(question)
        about = f" over {topic}" if topic else " over dit onderwerp"
        return f"De {label(question.fractie)} heeft in deze stukken geen inbreng{about}."
    if unknown_names:
        name = unknown_names[0]
        shown = name.upper() if len(name) <= 4 or _CODE.match(name) else name[:1].upper() + name[1:]
        return f"{shown} wordt in de stukken niet genoemd."
    what = _WHAT.get(question.asked)
    topic = anchor_phrase(question)
    if what and topic:
        return f"De stukken noemen {what} voor {topic}." if question.asked in ("amount", "number") else \
            f"De stukken noemen {what} bij {topic}."
    if what:
        return f"De stukken noemen {what} als antwoord op deze vraag."
    return "De stukken bevatten geen antwoord op deze vraag."


def fractie_off_topic(question: QuestionInfo, parts: list, passages: list) -> bool:
    """A fractie's view on a named subject, or the cabinet's answer to it, is asked ("wat vraagt de VVD
    over Jemen?") and none of the blocks the answer quotes names the subject: the fractie's best
    remark is about something else, and the honest answer is that its inbreng does not cover it."""
    from rag.answer.features import names_subject

    if not (question.fractie and (question.wants_view or question.asked == "view") and question.names):
        return False
    cited = {p.n for p in parts if p.n is not None}
    return bool(cited) and not any(names_subject(question, passages[n - 1]) for n in cited)


def count_missing(question: QuestionInfo, parts: list) -> bool:
    """A count or an amount is asked ("hoeveel landen hebben de gedragscode ondertekend?") and no quoted
    sentence holds one besides the figure the question itself gives ("hoeveel van die 260 mln …"): the
    documents speak of the topic, not of how many. A fractie's point and the cabinet's answer (labelled
    parts) are quoted whole, whatever was asked, and are left alone."""
    from rag.answer.composer import given_quantities
    from rag.answer.features import counts

    if question.asked not in ("number", "amount") or any(p.label for p in parts):
        return False
    given = given_quantities(question)

    def holds_count(text: str) -> bool:  # not an ordinal ("het eerste initiatief"), not the question's own figure
        return bool({x for x in counts(text, question.asked) if not x.endswith("e")} - given)

    quoted = [p for p in parts if p.kind in ("quote", "span")]
    return bool(quoted) and not any(p.kind == "span" or holds_count(p.text) for p in quoted)


# "wie was de voorzitter …", "hoe heet de speciale rapporteur …": a person is asked by the role they hold.
_PERSON_ROLE = (r"(?:voorzitter|rapporteur|adviseur|directeur|vertegenwoordiger|gezant|ambassadeur|minister|"
                r"secretaris-generaal|sg|sgvn|onder-sg|commissaris|woordvoerder|leider|coördinator|coordinator)s?\b")
# "de voorzitter van die expertgroep", "onze permanente vertegenwoordiger bij de VN"
_ROLE_PHRASE = re.compile(r"\b(?:de|het|die|dat|deze|onze|ons|hun|een)\s+(?:[\w-]+\s+){0,3}?" + _PERSON_ROLE + r".*",
                          re.I)
_ASKS_PERSON = re.compile(r"^\s*(?:en\s+)?(?:wie\s+(?:is|was|zijn|waren)|hoe\s+heet(?:te|ten)?|"
                          r"wat\s+is\s+de\s+naam\s+van)\b.*?" + _ROLE_PHRASE.pattern, re.I)
# "wie zijn die zes mensenhandelaren …?": the people of a group the documents speak of, by name
_PEOPLE_PHRASE = re.compile(r"\b(?:de|die|deze)\s+(?:[\w-]+\s+){0,2}?[\w-]+(?:aren|aars|ers|ders|ten|den)\b.*", re.I)
_ASKS_PEOPLE = re.compile(r"^\s*(?:en\s+)?wie\s+(?:zijn|waren)\s+" + _PEOPLE_PHRASE.pattern, re.I)


def person_name_missing(question: QuestionInfo, parts: list) -> bool:
    """A person is asked by their role ("wie was de voorzitter van de expertgroep?") and no quoted
    sentence names anyone: the documents mention the role, not who held it."""
    from rag.answer.names import person_names

    if not (_ASKS_PERSON.search(question.text) or _ASKS_PEOPLE.search(question.text)):
        return False
    own = fold(question.text.lower())
    quoted = [p.text for p in parts if p.kind == "quote"]
    return bool(quoted) and not any(fold(n.lower()) not in own for q in quoted for n in person_names(q))


def person_missing_sentence(question: QuestionInfo) -> str:
    """"De stukken noemen de naam van de voorzitter van die expertgroep niet.", "De stukken noemen de
    namen van die zes mensenhandelaren in libie niet." """
    m = _ROLE_PHRASE.search(question.text)
    if m is None and _ASKS_PEOPLE.search(question.text):
        people = _PEOPLE_PHRASE.search(question.text).group(0).strip().rstrip("?!. ")
        return f"De stukken noemen de namen van {people} niet."
    role = m.group(0).strip().rstrip("?!. ") if m else ""
    return f"De stukken noemen de naam van {role} niet." if role else missing_sentence(question)


def absent_places_or_names(question: QuestionInfo, vocab: Vocabulary | None) -> list[str]:
    """The question's unknown names that no document holds and that cannot be the user's own wording:
    a country ("letland"), another name ("srebrenica", names.is_decisive_name) or a code or number
    (`absent_codes`: "resolutie 1973", "F-16"). Nothing in the documents is about them, so the question
    is refused whatever the selector found on the rest of its words. Other unknown words ("pompen",
    "huiverig") are left to the fitted model: users write words the documents do not, about things
    the documents do cover."""
    from rag.answer.names import is_decisive_name

    codes, phrases = absent_codes(question, vocab), absent_phrases(question, vocab)
    decisive = set(codes) | set(phrases)
    return [w for w in unknown_names(question, vocab, codes, phrases) if w in decisive or is_decisive_name(w)]


def absent_phrases(question: QuestionInfo, vocab: Vocabulary | None) -> list[str]:
    """English names the user typed this turn whose words no document holds together ("geneva call",
    "responsibility while protecting"): each word may occur ("Geneva Conventions", "Call to Action"),
    the name does not. Words carried from an earlier turn are not asked about again."""
    from rag.answer.names import foreign_phrases

    if vocab is None:
        return []
    out = []
    for phrase in foreign_phrases(question.text):
        words = [w for w in ct.lower_tokens(phrase) if w not in question.carried]
        if len(words) >= 2 and not vocab.together(words):
            out.append(phrase)
    return out


# A code the user types: "F-16", "COP26", "G20", "P5"; ordinals ("7e", "75e") are not codes.
_CODE = re.compile(r"^(?:[a-z]{1,5}-?\d{1,4}[a-z]?)$")
_ORDINAL = re.compile(r"^\d+(?:e|ste|de)$")
# A number of three digits or more standing alone: a year, a resolution ("resolutie 1973"), not a
# part of "1.800" or "1,25"
_LONE_NUMBER = re.compile(r"(?<![\w.,])\d{3,}(?![.,]?\d)")
# the noun that says what a number is ("resolutie 1973", "kosovo 1999")
_NUMBER_NOUN = re.compile(r"([a-zà-ÿ][\w-]{2,})\s+$")


def absent_codes(question: QuestionInfo, vocab: Vocabulary | None) -> list[str]:
    """Numbers and codes the user typed this turn that no document holds ("resolutie 1973", "kosovo
    1999", "F-16's", "COP26"). Matched exactly: one edit turns 1973 into 1993, so the typo tolerance
    of names does not apply. A number comes with the noun before it when that says what it is."""
    if vocab is None:
        return []
    low = fold(question.text.lower())
    out: list[str] = []
    for m in _LONE_NUMBER.finditer(low):
        if m.group(0) in vocab.terms or m.group(0) in question.carried:
            continue
        noun = _NUMBER_NOUN.search(low[: m.start()])
        before = noun.group(1) if noun and noun.group(1) not in ct.STOPWORDS and not noun.group(1).isdigit() else ""
        out.append(f"{before} {m.group(0)}".strip())
    for token in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", low):
        parts = token.split("-")
        # "f-16's" is parts f, 16; "p5-landen" is the code p5 before a word
        code = "-".join(parts[:2]) if len(parts) > 1 and parts[0].isalpha() and parts[1].isdigit() else parts[0]
        if (not _CODE.match(code) or _ORDINAL.match(code) or code.isdigit() or code.isalpha()
                or code in question.carried):
            continue
        if code.replace("-", "") not in vocab.terms:
            out.append(code)
    return list(dict.fromkeys(out))


def unknown_names(question: QuestionInfo, vocab: Vocabulary | None, codes: list[str] | None = None,
                  phrases: list[str] | None = None) -> list[str]:
    """Names and rare words of the question that no readable document holds, the rarest first
    ("Zilverreiger" before "Project"); ties keep the question's word order, so the answer never
    depends on set order. `codes` and `phrases`: `absent_codes` and `absent_phrases`, when the
    caller has them already."""
    if vocab is None:
        return []
    from rag.text import zipf

    low = question.text.lower()
    equivalent = _known_equivalents(question, vocab)
    # a number or code the user typed ("resolutie 1973", "f-16") is the most specific thing after a name
    codes = absent_codes(question, vocab) if codes is None else codes
    names = sorted((n for n in _own_names(question) if not vocab.knows(n) and fold(n) not in equivalent),
                   key=lambda n: (zipf(n), low.find(n) if n in low else len(low), n))
    names = [n for n in names if not any(c in fold(n.lower()) for c in codes)]  # "f-16's" is the code f-16
    # a name of several words that the documents never use together ("geneva call") is named whole
    phrases = absent_phrases(question, vocab) if phrases is None else phrases
    if names or codes or phrases:
        return phrases + names + codes
    # Typed in lower case ("kosovo", "polen"): a word the corpus lacks that reads as a name, or that
    # everyday Dutch rarely uses; names first.
    unknown = _unknown_terms(question, vocab, equivalent)
    # a verb form is no name, however rare ("doorklonk": doorklinken); a country stays one ("zweden")
    name_like = [w for w in unknown if is_name_like(w) and (is_country(w) or not is_verb_form(w))]
    return name_like + [w for w in unknown if zipf(w) < 4.0 and w not in name_like and not reads_as_verb(w, question)]


_DOUBLED_VOWEL = re.compile(r"(aa|ee|oo|uu)([^aeiou])$")


def reads_as_verb(word: str, question: QuestionInfo) -> bool:
    """Is this question word a verb form ("rechtvaardigt", "tekenden", "gesanctioneerd", "… laten
    pompen?")? The documents say things in their own verbs, so "Pompen wordt in de stukken niet
    genoemd" tells the user nothing; the refusal then says what kind of answer is missing instead.
    A past or present form is known by its infinitive being a Dutch word ("tekenden": tekenen)."""
    w = word.lower()
    if is_verb_form(w):
        return True
    last = (ct.lower_tokens(question.text) or [""])[-1]
    return w == last and w.endswith("en")  # Dutch questions end in their infinitive: "… kunnen nestelen?"


def is_verb_form(word: str) -> bool:
    """A participle, or a past or present form of a Dutch verb ("tekenden", "doorklonk")."""
    w = word.lower()
    return ct.is_participle(w) or _inflected_verb(w) or bool(_strong_infinitives(w))


def _inflected_verb(word: str) -> bool:
    """A past or present verb form whose infinitive is a Dutch word ("tekenden", "betaalt")."""
    return bool(_inflected_infinitives(word))


def _inflected_infinitives(word: str) -> list[str]:
    """The infinitives of a regular past or present form ("tekenden": tekenen, "betaalt": betalen)."""
    for suffix in ("den", "ten", "de", "te", "t"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return _dutch_infinitives(word[: -len(suffix)])
    return []


def _has_dutch_infinitive(stem: str) -> bool:
    """Is stem + "en" a Dutch verb ("teken": tekenen), also with a doubled vowel undone ("betaal": betalen)?"""
    return bool(_dutch_infinitives(stem))


def _dutch_infinitives(stem: str) -> list[str]:
    """stem + "en", also with a doubled vowel undone ("betaal": betalen), where that is a Dutch verb."""
    from rag.text import zipf

    infinitives = dict.fromkeys((stem + "en", _DOUBLED_VOWEL.sub(lambda m: m.group(1)[0] + m.group(2), stem) + "en"))
    return [v for v in infinitives if zipf(v) >= VERB_INFINITIVE_ZIPF]
