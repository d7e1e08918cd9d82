"""What kind of sentence a unit is: fact, stance, promise, boilerplate; and when two lines say the same.

Pure functions over strings (Dutch). The patterns are cues, not a grammar: each
section asks for the kind of sentence it wants and ranks by relevance first.
"""

from __future__ import annotations

import re

from corpus.cleaning import DANGLING_END
from rag import claim_text as ct

# -- facts ------------------------------------------------------------------------------------
AMOUNT_RE = re.compile(r"(€|\beuro\b|\bEUR\b|\bmiljoen\b|\bmiljard\b|\bmln\b|\bmld\b|\bdollar\b|\bUSD\b|"
                       r"\bprocent\b|%)", re.I)
_MONTHS = ct.MONTH_PATTERN
FULL_DATE_RE = re.compile(rf"\b(\d{{1,2}} ({_MONTHS})( (19|20)\d\d)?|({_MONTHS}) (19|20)\d\d)\b", re.I)
YEAR_RE = re.compile(r"\b(19|20)\d\d\b")
# Numbers that name a thing rather than count it: "resolutie 1325", "COVID-19", "artikel 51", "nr. 9".
_LABEL_NUM_RE = re.compile(r"\w+-\d+|\b(resolutie|resoluties|artikel|nr|nrs|nummer|kamerstuk|kamerstukken|vraag|"
                           r"antwoord|beginsel|aanbeveling|paragraaf|hoofdstuk|item|p)\.? \d+(\s*(en|,)\s*\d+)*|"
                           r"\b\d{2} \d{3}\b|\b(19|20)\d\d\b|\b\d{1,2} (" + _MONTHS + r")\b", re.I)
DECISION_RE = re.compile(
    r"\b(besloten|besluit|besloot|heeft .{0,40}aangenomen|is aangenomen|werd aangenomen|aangenomen|ondertekend|"
    r"geratificeerd|toegezegd|toezegging|ingesteld|opgericht|goedgekeurd|overgemaakt|bijgedragen|draagt .{0,30}bij|"
    r"bijdrage|financier\w*|steunt|steunde|ondersteunt|stemde|stemt|leidt|leidde|initiatief|penvoerder|"
    r"co-?sponsor\w*|medeindiener|indiener|zal|zullen|gaat|gaan|veroordeel\w*|afgewezen|wijst .{0,30}af|"
    r"heeft .{0,40}(opgeroepen|aangedrongen|gepleit|aangekaart|opgebracht)|voorzitter|voorzitterschap)\b", re.I)
REASON_RE = re.compile(r"\b(omdat|doordat|vanwege|wegens|reden|redenen|daarom|aanleiding|teneinde|"
                       r"als gevolg van|met als doel|gelet op|aangezien|want|immers)\b", re.I)
# A decision not to act is as much a decision: "kan het verdrag niet ondertekenen", "is geen voorstander".
REFUSAL_RE = re.compile(r"\b((kan|kunnen|zal|zullen|wil|wenst|gaat) .{0,60}\b(niet|geen)\b|niet (opportuun|verenigbaar|"
                        r"mogelijk|wenselijk|nodig)|geen voorstander|(is|zijn) .{0,30}\bniet eens|onvoldoende draagvlak|"
                        r"niet (over)?genomen|wijst .{0,40}\baf)\b", re.I)
# The Netherlands' own role: "penvoerder van de resolutie", "co-voorzitter", "lid van de kerngroep".
ROLE_RE = re.compile(r"\b(penvoerder|(co-?|vice)?voorzitter\w*|initiatiefnemer|kerngroep|trekker|gastheer|"
                     r"medeindiener|co-?sponsor\w*|indiener)\b", re.I)

# -- voices -----------------------------------------------------------------------------------
# A fractie speaking ("De leden van de CDA-fractie vragen ...", "Deze leden", "zo vragen zij").
FRACTIE_VOICE_RE = re.compile(r"\b(de leden van de|deze leden|de aan het woord zijnde leden|fractie|fractieleden|"
                              r"zo vragen zij|vragen zij|zij vragen|de leden)\b", re.I)
# The cabinet taking a position: a cabinet subject and a stance verb, in either order
# ("Het kabinet steunt ...", "Daarom zal de Minister oproepen ...").
CABINET_SUBJECT_RE = re.compile(r"\b(het kabinet|kabinet|de regering|nederland|het koninkrijk|knl|de minister|"
                                r"minister \w+|ik|wij)\b", re.I)
STANCE_VERB_RE = re.compile(
    r"\b(steunt|steunen|zet zich|zetten zich|zet in|zet .{0,30} in|inzet|is van mening|is van oordeel|vindt|acht|"
    r"deelt|pleit|pleiten|blijft|veroordeelt|veroordeelde|roept|oproepen|is bereid|niet bereid|heeft besloten|"
    r"hecht|onderschrijft|verwerpt|wijst|kiest|spant zich|maakt zich sterk|draagt bij|is voorstander|is tegen|"
    r"is geen voorstander|neemt deel|zal|zullen)\b", re.I)


def is_stance(text: str) -> bool:
    return bool(CABINET_SUBJECT_RE.search(text) and STANCE_VERB_RE.search(text))


# -- promises and dates ahead -----------------------------------------------------------------
PROMISE_RE = re.compile(
    r"\b(zal (uw|de) kamer|zullen (uw|de) kamer|(uw|de) kamer .{0,40}(informeren|geïnformeerd|op de hoogte)|"
    r"informeren|op de hoogte (houden|stellen)|terugkomen|terug te komen|komt .{0,40}terug|nader|"
    r"te zijner tijd|later dit jaar|binnenkort|in de loop van|nog niet|nog geen|wordt (nog )?(bezien|onderzocht|"
    r"bekeken|uitgewerkt)|zal .{0,60}(bezien|onderzoeken|bekijken|uitwerken|evalueren|rapporteren|besproken)|"
    r"zullen .{0,60}(besproken|bezien|onderzocht)|na afloop|voorafgaand aan|op termijn|toezegging|toegezegd|"
    r"van start gaan|verwacht|voornemens|voornemen|in (de )?(komende|volgende)|volgend jaar|nog .{0,30}volgen)\b",
    re.I)
FUTURE_RE = re.compile(r"\b(zal|zullen|gaat|gaan|wordt verwacht|verwacht|komende|volgende|volgend|voornemens|"
                       r"gepland|staat gepland)\b", re.I)

# -- what no section wants -------------------------------------------------------------------
# Letter boilerplate and cross-references: true, but they tell a reader nothing about the topic.
BOILERPLATE_RE = re.compile(
    r"^(hierbij|bijgaand|in deze brief|met deze brief|uw kamer ontving|graag bied ik|ik bied u|"
    r"zie (ook )?(het )?antwoord|zie (ook )?(de )?beantwoording|de leden van de [\w -]+fractie hebben (met "
    r"(belangstelling|interesse)|kennis)|deze leden hebben nog|zij hebben (nog )?(een aantal|enkele) vragen)", re.I)
FOOTNOTE_RE = re.compile(r"\[Voetnoot|^\s*\d+\s+(https?://|Kamerstuk)|https?://", re.I)


def quantities(text: str) -> set[str]:
    """Numbers that count or measure (not "resolutie 1325", not a year, not "COVID-19")."""
    plain = _LABEL_NUM_RE.sub(" ", text)
    return {n for n in ct.numbers(plain) if not n.startswith("m") and not n.endswith("e")}


def salience(text: str) -> float:
    """How much of a key fact the sentence holds: an amount, a count, a date, a decision (also one
    not to act), the reason given for it, the Netherlands' own role."""
    s = 0.0
    if AMOUNT_RE.search(text):
        s += 1.0
    if quantities(text):
        s += 0.6
    if FULL_DATE_RE.search(text):
        s += 0.5
    elif YEAR_RE.search(text):
        s += 0.3
    if DECISION_RE.search(text):
        s += 0.5
    if REFUSAL_RE.search(text) and CABINET_SUBJECT_RE.search(text):
        s += 0.6
    if REASON_RE.search(text):
        s += 0.6
    if ROLE_RE.search(text):
        s += 0.5
    return min(s, 2.0)


_ASKS_AMOUNT = re.compile(r"\b(hoeveel (geld|euro)|welk bedrag|hoeveel kost|wat kost|hoe groot is het budget)\b", re.I)
_ASKS_DATE = re.compile(r"\b(wanneer|welk jaar|welke datum|op welke dag|in welke maand|per wanneer)\b", re.I)
_ASKS_NUMBER = re.compile(r"\b(hoeveel|hoe vaak|welk percentage|hoe groot|aantal)\b", re.I)


def asks_for(question: str) -> str | None:
    """"amount", "date" or "number" when a question asks for one ("Wanneer kunnen we de wet verwachten?")."""
    for kind, rx in (("amount", _ASKS_AMOUNT), ("date", _ASKS_DATE), ("number", _ASKS_NUMBER)):
        if rx.search(question):
            return kind
    return None


def holds(text: str, kind: str) -> bool:
    """Whether `text` holds the kind of fact `asks_for` names."""
    if kind == "amount":
        return bool(AMOUNT_RE.search(text))
    if kind == "date":
        return bool(FULL_DATE_RE.search(text) or YEAR_RE.search(text)
                    or re.search(r"\b(dit|volgend|komend) (jaar|najaar|voorjaar)|(begin|eind|medio) (19|20)\d\d\b",
                                 text, re.I))
    return bool(quantities(text))


def says_something(text: str) -> bool:
    """A figure, a date, a decision, a reason, a role, a position taken, or a negation: not a
    sentence that only sets the scene ("De thematiek van dit advies blijft actueel")."""
    return bool(salience(text) > 0 or is_stance(text) or re.search(r"\b(niet|geen|nooit)\b", text, re.I))


def is_question(text: str) -> bool:
    return text.rstrip(" »”\"')").endswith("?")


def is_fractie_voice(text: str) -> bool:
    return bool(FRACTIE_VOICE_RE.search(text))


# A list item or a sentence cut in two: "b. of het kabinet ...", "en daarnaast ...".
FRAGMENT_RE = re.compile(r"^([a-z]{1,3}[.)]\s|\(?[a-z0-9]{1,3}\)\s|[a-zà-ÿ])")


# ... or one that breaks off: "de volgende twee kwesties: a. het geven van ..., en".
_BROKEN_END_RE = re.compile(r"(\b(en|of|maar|zoals|namelijk|waaronder)|[,:;–-])\s*$", re.I)


def is_unusable(text: str) -> bool:
    """Boilerplate, cross-references, footnote text and fragments: never a line of the note."""
    t = text.strip()
    return bool(BOILERPLATE_RE.search(t) or FOOTNOTE_RE.search(t) or FRAGMENT_RE.match(t) or _BROKEN_END_RE.search(t)
                or DANGLING_END.search(t))  # "…het mandaat van": text lost at a page break


# -- near-duplicates ---------------------------------------------------------------------------

def stems(text: str) -> frozenset[str]:
    return frozenset(ct.content_stems(text))


def similarity(a: str, b: str) -> tuple[float, float]:
    """(Jaccard, containment) of the content stems of `a` and `b`; containment is over the smaller set."""
    sa, sb = stems(a), stems(b)
    if not sa or not sb:
        same = float(" ".join(a.lower().split()) == " ".join(b.lower().split()))
        return same, same
    inter = len(sa & sb)
    return inter / len(sa | sb), inter / min(len(sa), len(sb))


JACCARD_MAX = 0.5
CONTAINMENT_MAX = 0.8


def near_duplicate(a: str, b: str) -> bool:
    """Two lines that say the same thing: half their content words shared, or the shorter one
    (of four or more content words) almost wholly inside the other."""
    jac, cont = similarity(a, b)
    small = min(len(stems(a)), len(stems(b)))
    return jac >= JACCARD_MAX or (small >= 4 and cont >= CONTAINMENT_MAX) or (small < 4 and jac >= 0.99)
