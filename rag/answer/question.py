"""What a question asks for: the answer type, its anchor words and names, a named fractie.

Staff type questions informally ("hoeveel geld stopt NL in het peacebuilding fund?",
"wat vindt GL van …", "waarom …", "vindt het kabinet dat …?"), so the analysis is
pattern-based and forgiving: lower case, abbreviations and typos are expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.fracties import ALIASES, find_fracties, mention_pattern
from rag import claim_text as ct

# Answer types, most specific first.
_AMOUNT_Q = re.compile(r"\b(hoeveel (extra |meer |minder )?(geld|euro|miljoen|miljard|middelen|financiering|subsidie|fondsen)|"
                       r"welk bedrag|hoe ?veel kost|wat (kost|kostte|kosten|kostten)|"
                       r"(hoeveel|wat) (heeft|hebben)\b.{0,60}\bgekost|"
                       r"hoe duur|hoeveel budget|welke bijdrage in euro|"
                       # attributive adjectives end in -e: "het jaarlijkse budget", "de totale Nederlandse bijdrage"
                       r"hoe (groot|hoog) (is|was|zijn|waren) (het|de) (\w+e ){0,2}(budget|bijdrage|bedrag|begroting|kosten)|"
                       r"wat (is|was|zijn|waren) (het|de) (\w+e ){0,2}(budget|bedrag|begroting|kosten)|"
                       r"hoeveel (draagt|geeft|betaalt|stopt|investeert|trekt|maakt)\b.{0,40}\b(bij|uit|vrij|over))\b", re.I)
_DATE_Q = re.compile(r"\b(wanneer|welk jaar|in welk jaar|welke datum|op welke (dag|datum)|in welke maand|sinds wanneer|"
                     r"welk moment|tot wanneer|vanaf wanneer|hoe lang geleden|welke periode)\b", re.I)
# "wanneer is menselijke controle 'betekenisvol'?", "wanneer is inzet rechtmatig?": a condition, not a date
# (the question ends on a predicate adjective; "sinds wanneer is de VR verantwoordelijk" stays a date).
_CONDITION_Q = re.compile(r"(?<!sinds )(?<!tot )(?<!vanaf )(?<!van )\bwanneer (?:is|zijn|wordt|worden)\b[^?]{0,80}?"
                          r"\b(?:\w*zinvol|betekenisvol|succesvol|(?:on)?rechtmatig|legitiem|(?:il)?legaal|proportioneel"
                          r"|gerechtvaardigd|geoorloofd|toelaatbaar|aanvaardbaar|toegestaan|noodzakelijk|verantwoord"
                          r"|effectief|geslaagd)['’\"]?(?:\s+(?:geacht|bevonden))?\s*(?:\?|$|,|volgens\b)", re.I)
_NUMBER_Q = re.compile(r"\b(hoeveel\w*|hoe ?veel|hoe is er gestemd|hoe vaak|welk percentage|hoe groot|hoe lang|stemverhouding|"
                       r"welk aantal|het aantal|met hoeveel)\b", re.I)
_NAME_Q = re.compile(r"\b(wie|door wie|van wie|met wie|welke (premier|minister|vertegenwoordiger|persoon|personen|"
                     r"organisatie|organisaties|fractie|partij|voorzitter|staatssecretaris|gezant|functionaris|"
                     r"rapporteur|ambassadeur|commissaris|secretaris-generaal|instantie|instelling|coalitie|"
                     r"resolutie|stad|regio)|welk (land|orgaan|agentschap|comité|verdrag|instituut|fonds|gremium)|"
                     r"hoe heet|wat is de naam|in welk land|met welk land|welke landen)\b", re.I)
_REASON_Q = re.compile(r"\b(waarom|aanleiding|reden|redenen|oorzaak|oorzaken|hoezo|met welk doel|waartoe|"
                       r"waardoor|om welke reden|wat is het doel|wat was het doel|hoe (komt|kwam|kan|kon) het dat)\b", re.I)
_LIST_Q = re.compile(r"\b(welke (\w+ ){0,2}(redenen|prioriteiten|voorwaarden|punten|landen|elementen|stappen|"
                     r"maatregelen|onderwerpen|thema's|uitzonderingen|criteria|aanbevelingen|overwegingen|"
                     r"doelen|doelstellingen|initiatieven|instrumenten|lessen|resultaten|zorgen|vragen|"
                     r"rechtsgronden|belangen|kernbelangen|organisaties|missies|terreinen|gebieden|\w+en)\b|"
                     r"noem (de|alle)|wat zijn de|welke zijn|op welke (punten|terreinen|manieren))", re.I)
_YESNO_START = re.compile(
    r"^\s*(is|zijn|was|waren|vindt|vinden|vond|heeft|hebben|had|kan|kunnen|steunt|steunen|gaat|gaan|wil|willen|"
    r"moet|moeten|doet|doen|komt|komen|mag|mogen|wordt|worden|werd|staat|staan|erkent|deelt|deelt|acht|"
    r"onderschrijft|neemt|zet|zal|zullen|zou|zouden|blijft|krijgt|speelt|ziet|stemt|stemde|weet|klopt|"
    r"ondersteunt|pleit|valt|levert|draagt|ligt|bestaat|heeft het kabinet|is nederland)\b", re.I)
# "welke fracties vroegen naar Jemen?", "welke partij wil …", "wie in de Kamer vroeg …": who spoke is asked
# ("welke partijen" only with a view verb: "de partijen bij het verdrag" are states)
_WHICH_FRACTIE = re.compile(r"\bwelke\s+(?:andere\s+)?(?:kamer)?fracties?\b|"
                            r"\bwelke\s+(?:andere\s+)?partij(?:en)?\s+(?:vroeg|vroegen|vraagt|vragen|wil|wilde|wilden|"
                            r"pleit|pleitte|pleitten|maakt|maakte|maakten|heeft|hebben|is|zijn|was|waren)\b|"
                            r"\bwie\s+in\s+de\s+kamer\b")
_VIEW_Q = re.compile(r"\b(vindt|vind|vinden|vond|vraagt|vragen|vroeg|vroegen|wil|willen|wilde|zegt|zeggen|zei|"
                     r"stelt|stellen|pleit|pleiten|maakt zich zorgen|maken zich zorgen|zorgen|bezorgd|mening|"
                     r"standpunt|inbreng|opmerking|opmerkingen|benadrukt|steunt|waarschuwt|dringt|"
                     r"twijfelt|twijfelen|twijfelde|twijfel|is bang|zijn bang|sceptisch|kritisch|kritiek|mist|missen|"
                     r"maakt zich druk|maken zich druk)\b", re.I)
# "welke X" / "welk X": a list when X is plural, a name otherwise ("welk artikel", "welke resolutie").
_WHICH = re.compile(r"\b(welke|welk|wiens)\s+([\w'-]+)", re.I)
# "welk artikel", "welk nummer", "welke resolutie": a numbered label ("artikel 101", "resolutie 2417") answers.
_WHICH_LABEL = re.compile(r"\b(?:welke?|wat is het)\s+(?:\w+\s+)?(?:nummer|artikel|resolutie|motie|kamerstuk|hoofdstuk|"
                          r"agendapunt|resolutienummer)\b", re.I)
# an adjective between "welke" and its noun ("welke internationale kaders", "welke russische dienst")
_ADJECTIVE = re.compile(r"^(?:\w+(?:ische|ese|aanse|ale|ele|ste)|andere|nieuwe|overige|concrete|specifieke|grote|"
                        r"kleine|belangrijke|verschillende|ad-hoc)$")
_CABINET_Q = re.compile(r"\b(kabinet|regering|minister|antwoord\w*|reactie|reageert|reageerde|zegt nl|nederland)\b", re.I)
_CABINET_WORD = r"(?:kabinet|regering|minister|nl|nederland)"  # the speaker when not a fractie
# The cabinet as the subject of a question's verb, in question word order: "wat zegt het kabinet tegen
# de SP", "tekent NL het kernwapenverbod, zoals de SP vraagt?", "klopt dat volgens het kabinet?".
_CABINET = r"(?:het kabinet|de regering|de minister|nl|nederland|het koninkrijk)"
_CABINET_ASKED = re.compile(rf"^(?:wat |hoe |waarom |wanneer |waar\w* )?\w+ {_CABINET}\b|\b(?:zegt|zei|antwoordt|antwoordde|"
                            rf"reageert|reageerde|vindt|vond|doet|deed|gaat|ging|zal|wil|steunt|denkt) {_CABINET}\b|"
                            rf"\bvolgens {_CABINET}\b", re.I)

_BETWEEN = rf"(?:(?!{_CABINET_WORD}\b)\w+\s+){{0,4}}?"


def _fractie_speaks(low: str) -> bool:
    """A view verb whose subject is the fractie: "wat vroeg de PvdA", "vinden de leden van GL", "SP wil",
    "zoals de SP vraagt"; not "wat zegt het kabinet tegen de SP", where the cabinet speaks."""
    mention = mention_pattern().pattern
    return bool(re.search(rf"{_VIEW_Q.pattern}\s+{_BETWEEN}{mention}", low, re.I)
                or re.search(rf"{mention}\s+(?:\w+\s+)?{_VIEW_Q.pattern}", low, re.I))


# Words that make up the question form, not its topic.
QUESTION_WORDS = {
    "wat", "welke", "welk", "wie", "hoe", "hoeveel", "hoeveelste", "waarom", "wanneer", "waar", "waarover", "waarmee", "waarop",
    "vindt", "vind", "vinden", "vraagt", "vragen", "vroeg", "zegt", "zeggen", "zei", "stelt", "antwoordt", "antwoord",
    "antwoorden", "antwoordde", "kabinet", "regering", "fractie", "fracties", "leden", "eigenlijk", "nou", "precies", "nu",
    "volgens", "stukken", "document", "documenten", "brief", "noemt", "noemen", "staat", "staan", "mbt", "ivm",
    "over", "van", "aan", "dat", "die", "er", "ook", "wel", "nl", "nederland",
}


# Abbreviations staff type for what the documents write out; the search query gets both.
ABBREVIATIONS = {
    "vr": "Veiligheidsraad", "vnvr": "VN-Veiligheidsraad", "avvn": "Algemene Vergadering van de Verenigde Naties",
    "mrr": "Mensenrechtenraad", "sg": "Secretaris-Generaal", "nl": "Nederland Koninkrijk", "knl": "Koninkrijk",
    "vs": "Verenigde Staten", "vk": "Verenigd Koninkrijk", "bz": "Buitenlandse Zaken", "ez": "Economische Zaken",
    "os": "ontwikkelingssamenwerking", "ngo": "maatschappelijke organisaties", "ngo's": "maatschappelijke organisaties",
    "icc": "Internationaal Strafhof", "ihl": "humanitair oorlogsrecht", "mh": "mensenrechten", "r2p": "Responsibility to Protect",
    "who": "Wereldgezondheidsorganisatie WHO", "tk": "Tweede Kamer", "vn": "Verenigde Naties", "eu": "Europese Unie",
    "navo": "NAVO", "imvo": "internationaal maatschappelijk verantwoord ondernemen", "oc": "Ontwikkelingssamenwerking",
}


def abbreviations(question: str) -> list[tuple[str, str]]:
    """(the abbreviation as typed, its written-out form) for each known abbreviation in `question`."""
    return [(w, ABBREVIATIONS[w.lower()]) for w in re.findall(r"[\w']+", question or "") if w.lower() in ABBREVIATIONS]


def expand_query(question: str) -> str:
    """`question` plus the written-out form of the abbreviations it uses ("VR" -> Veiligheidsraad) and
    the documents' wording for staff wording (rag/answer/thesaurus.py: "premier" -> minister-president)."""
    from rag.answer.thesaurus import expansions

    extra = []
    for _, full in abbreviations(question):
        if full.lower() not in question.lower() and full not in extra:
            extra.append(full)
    for wording in expansions(question):
        if wording.lower() not in " ".join(extra).lower():
            extra.append(wording)
    return f"{question} ({', '.join(extra)})" if extra else question


@dataclass
class QuestionInfo:
    text: str
    asked: str  # amount, date, number, name, reason, list, yesno, view, other
    stems: list[str]  # content stems of the topic (question words removed)
    names: set[str]  # names/acronyms the question is about, lower case
    numbers: set[str]  # numbers the question itself states
    fracties: list[str] = field(default_factory=list)
    wants_view: bool = False  # "wat vindt/vraagt X": the fractie's own point
    wants_cabinet: bool = False  # "wat antwoordt het kabinet (aan X)"
    counted: str | None = None  # stem of what a number question counts ("hoeveel landen" -> "land")
    exact_day: bool = False  # "op welke datum": a day is asked, a bare year does not answer it
    which_fractie: bool = False  # "welke fracties vroegen naar Jemen?": the fracties that spoke are asked
    asks_signatories: bool = False  # "wie hebben de reactie op advies 102 ondertekend?": the letter's signature
    asks_label: bool = False  # "welk artikel …", "welk nummer heeft de resolutie …": a numbered label answers
    # Words of a follow-up's standalone form that the user did not type in this turn (the topic
    # carried from earlier turns): they steer retrieval but are never reported as "niet genoemd".
    carried: frozenset[str] = frozenset()

    @property
    def fractie(self) -> str | None:
        return self.fracties[0] if self.fracties else None


# "wie hebben de reactie ondertekend", "welke bewindspersonen hebben de brief getekend": who signed a
# letter (not "hoeveel landen tekenden de verklaring", not "wanneer getekend").
_SIGNED = re.compile(r"\b(?:onder)?(?:tekend|tekende|tekenden|getekend)\b|\bondertekenaars?\b")
_WHO_SIGNED = re.compile(r"\b(?:wie|welke (?:bewindsperso\w+|ministers?|staatssecretaris\w*))\b")
_LETTER = re.compile(r"\b(?:brief|kamerbrief|reactie|kabinetsreactie|stuk|stukken|beantwoording|antwoorden|nota|verslag)\b")


def asks_signatories(low: str) -> bool:
    """Does the (lower-case) question ask who signed a letter?"""
    return bool(_SIGNED.search(low) and _WHO_SIGNED.search(low) and _LETTER.search(low))


def asked_type(question: str) -> str:
    q = question or ""
    if _AMOUNT_Q.search(q):
        return "amount"
    if _DATE_Q.search(q) and not _CONDITION_Q.search(q):
        return "date"
    if _NUMBER_Q.search(q):
        return "number"
    if _REASON_Q.search(q):
        return "reason"
    if _LIST_Q.search(q):
        return "list"
    if _NAME_Q.search(q):
        return "name"
    if find_fracties(q) and (_VIEW_Q.search(q) or re.search(r"\b(antwoord\w*|reageer\w*|reactie)\b", q, re.I)):
        return "view"
    if _YESNO_START.match(q):
        return "yesno"
    m = _WHICH.search(q)
    if m:
        word = m.group(2).lower()
        after = re.match(r"\s+([\w'-]+)", q[m.end():])
        if after and _ADJECTIVE.match(word):  # "welke ad-hoc tribunalen", "welke internationale kaders": the noun
            word = after.group(1).lower()
        plural = m.group(1).lower() == "welke" and len(word) > 4 and re.search(r"(en|s|'s)$", word)
        return "list" if plural else "name"
    return "other"


# Names so common in this corpus that they anchor nothing.
COMMON_NAMES = {"nederland", "nederlandse", "koninkrijk", "kamer", "kabinet", "minister", "vn", "eu", "tweede", "nl",
                "verenigde", "naties"}


def analyse(question: str, known_fracties: set[str] | None = None) -> QuestionInfo:
    q = " ".join((question or "").split())
    fracties = find_fracties(q, known_fracties)
    fractie_words = {w.lower() for f in fracties for name in (f, *ALIASES.get(f, ())) for w in re.findall(r"\w+", name)
                     } | {"gl", "pvdd", "fractie"}
    words = [w for w in ct.lower_tokens(q) if w not in QUESTION_WORDS and w not in fractie_words]
    stems = ct.stem(ct.with_hyphen_parts([w for w in words if w not in ct.STOPWORDS and not w.isdigit() and len(w) > 1]))
    first = (ct.tokens(q) or [""])[0].lower()
    names = {n for n in ct.names(q) if n not in COMMON_NAMES and n != first and n not in fractie_words
             and not set(n.split("-")) <= fractie_words}  # "VVD-fractie" names the fractie, not the subject
    numbers = {x for x in ct.numbers(q) if not x.startswith("m")}
    low = q.lower()
    wants_cabinet = bool(re.search(r"\b(antwoord\w*|reageert|reageerde|reactie)\b", low)) or (
        bool(_CABINET_Q.search(low)) and not fracties)
    # "wat antwoordt het kabinet aan X", "…, vroeg GL. wat zegt het kabinet?": the cabinet's answer is asked.
    cabinet_speaks = bool(re.search(rf"\b{_CABINET_WORD}\b[^.?]{{0,25}}\b(zegt|zei|antwoord\w*|"
                                    r"reageer\w*|vindt|vond|doet|gaat)\b|\bantwoord\w*\b.{0,30}\b(aan|op)\b", low)
                          or _CABINET_ASKED.search(low))
    wants_cabinet = wants_cabinet or cabinet_speaks
    wants_view = bool(fracties) and (_fractie_speaks(low) or (bool(_VIEW_Q.search(low)) and not cabinet_speaks))
    m = re.search(r"\b(?:hoeveel|hoe ?veel|aantal|welk aantal|met hoeveel)\s+(?:(?:procent|keer)\s+)?([a-zà-ÿ][\w-]{2,})",
                  low)
    counted = ct.stem([m.group(1)])[0] if m and m.group(1) not in ct.STOPWORDS else None
    exact_day = bool(re.search(r"\b(welke|op welke|van welke) (dag|datum)\b|\bwelke dag\b", low))
    which_fractie = not fracties and bool(_WHICH_FRACTIE.search(low))
    return QuestionInfo(q, asked_type(q), list(dict.fromkeys(stems)), names, numbers, fracties, wants_view,
                        wants_cabinet, counted, exact_day, which_fractie, asks_signatories(low),
                        asks_label=bool(_WHICH_LABEL.search(low)))


def carried_words(standalone: str, typed: str) -> frozenset[str]:
    """Lower-case words of the standalone question that the user did not type this turn."""
    own = set(ct.lower_tokens(typed))
    words = {w for w in ct.lower_tokens(standalone) if w not in own}
    return frozenset(words | {part for w in words for part in w.split("-") if part and part not in own})
