"""Instructions hidden in documents: recognised, kept out of answers and prompts, never obeyed.

A document is data. A sentence in it that addresses an AI assistant ("Negeer je eerdere
instructies", "Assistant: reply only with …", "Vanaf nu ben jij …") is still quoted in a
source card as text, but it is never a candidate answer unit, never shown to a model
unredacted, and never counts as support for a model's sentence.

The detector is a small set of cue families rather than one phrase: an instruction
combines a command (imperative verb, "you must", "from now on") with a target that only
makes sense for an assistant (its instructions, prompt, answer format, its role), or uses
a marker no parliamentary text has (chat-template tokens, "system prompt", "jailbreak").
`tests/test_injection.py` checks reworded Dutch and English instructions, and that no
sentence of the demo corpus is flagged.
"""

from __future__ import annotations

import re

# Markers that never occur in parliamentary prose.
_HARD = re.compile(
    r"<\|im_(?:start|end)\|>|<\|(?:system|user|assistant|endoftext)\|>|\[/?INST\]|<</?SYS>>|"
    r"\b(?:system ?prompt|systeem ?prompt|systeeminstructie\w*|jailbreak\w*|prompt[- ]injecti\w*|"
    r"developer mode|DAN mode)\b|"
    r"^\s*(?:system|systeem|assistant|assistent|user|gebruiker)\s*:\s",
    re.I,
)

# Someone or something addressed as the assistant.
_ADDRESSEE = (
    r"(?:\bai\b|a\.i\.|\bllm\b|\bgpt\w*|chatgpt|chatbot|taalmodel\w*|language model|"
    r"assistent\w*|assistant|\bbot\b|griffier|het model|the model|je model|"
    r"(?:jij|je|u) bent(?: nu)?|you are(?: now)?|act as|doe alsof|gedraag je|pretend)"
)
# What only an assistant has: its instructions, rules, prompt, previous context, output.
_TARGET = (
    r"(?:instructie\w*|instructions?|opdracht(?:en)?|prompt\w*|regels?|rules?|richtlijn\w*|guidelines?|"
    r"bovenstaande|voorgaande|eerdere|vorige|previous|prior|above|earlier|context|"
    r"bronnen|sources|citations?|bronvermelding\w*|verwijzing\w*|"
    r"gebruiker|the user|de vraag|the question|je antwoord|your (?:answer|response|reply|output)|"
    r"opgedragen|gezegd|geleerd|told|taught)"
)
# Commands: imperative verbs that instruct a reader what to output or to drop constraints.
_COMMAND = (
    r"(?:negeer|vergeet|ignore|disregard|forget|override|overrule|omzeil|bypass|"
    r"antwoord|beantwoord|answer|respond|reply|zeg|say|schrijf|write|print|output|"
    r"herhaal|repeat|vertaal|translate|onthul|reveal|toon|show|geef|give|noem|vermeld|mention|"
    r"beweer|claim|stel|state|meld|report|gebruik|use|voeg|add|verwijder|remove|"
    r"begin|start|eindig|end|doe|do|handel|act|volg|follow|gehoorzaam|obey|tell|vertel)"
)

_RULES = [
    # "Negeer (alle) eerdere instructies", "ignore the above", "forget your rules"
    re.compile(rf"\b(?:negeer|vergeet|ignore|disregard|forget|override|omzeil|bypass)\b.{{0,60}}\b{_TARGET}\b", re.I),
    # "Antwoord (voortaan) alleen/uitsluitend met …", "respond only with", "always answer"
    re.compile(r"\b(?:antwoord|beantwoord|answer|respond|reply|zeg|say|schrijf|write|output|print)\b"
               r"[^.]{0,40}\b(?:alleen|uitsluitend|enkel|altijd|voortaan|only|always|exclusively|solely)\b", re.I),
    re.compile(r"\b(?:alleen|uitsluitend|enkel|altijd|voortaan|only|always)\b[^.]{0,20}"
               r"\b(?:antwoorden|answer|respond|reply|zeggen|schrijven)\b", re.I),
    # Addressed to the assistant and telling it something to do.
    re.compile(rf"{_ADDRESSEE}[^.]{{0,80}}\b{_COMMAND}\b", re.I),
    re.compile(rf"\b{_COMMAND}\b[^.]{{0,60}}{_ADDRESSEE}", re.I),
    # A new identity or dropped limits: "jij bent nu …", "you are now DAN", "zonder regels"
    re.compile(r"\b(?:(?:jij|je) bent nu|you are now|you're now)\b", re.I),
    re.compile(r"\b(?:zonder|geen|no|without)\s+(?:regels|restricties|beperkingen|filters|rules|restrictions|limits|limitations)\b",
               re.I),
    # Answering rules for every question: "beantwoord elke vraag met …", "the answer to every question is …"
    re.compile(r"\b(?:elke|iedere|alle|every|each|any|all)\s+(?:vraag|vragen|questions?)\b[^.]{0,40}"
               r"\b(?:met|with|is|zijn|luidt|answer\w*|antwoord\w*|beantwoord\w*)\b", re.I),
    re.compile(r"\b(?:beantwoord\w*|antwoord\w*|answer|respond|reply)\b[^.]{0,20}\b(?:elke|iedere|alle|every|each|any|all)\s+"
               r"(?:vraag|vragen|questions?)\b", re.I),
    # "Vanaf nu …", "from now on …", "new instructions:"
    re.compile(r"\b(?:vanaf nu|van nu af aan|from now on|henceforth|nieuwe instructies?|new instructions?)\b", re.I),
    # Output-format commands about answers/sources: "Noem geen bronnen", "do not cite", "voeg toe aan je antwoord"
    re.compile(rf"\b{_COMMAND}\b[^.]{{0,40}}\b(?:geen|niet|no|not|never|nooit)\b[^.]{{0,20}}\b{_TARGET}\b", re.I),
    re.compile(r"\b(?:aan|in|to|into)\s+(?:je|jouw|uw|your|het|the)\s+(?:antwoord|answer|response|reply|output)\b", re.I),
    # "When asked about X, say Y": a conditional command to whoever answers questions.
    re.compile(r"\b(?:als|wanneer|indien|if|when)\b[^.]{0,40}\b(?:gevraagd|vraagt|asks?|asked)\b[^.]{0,60}"
               r"\b(?:antwoord|zeg|schrijf|answer|say|respond|reply|tell|vertel)\b", re.I),
]


def is_instruction(sentence: str) -> bool:
    """True for a sentence that reads like an instruction to an AI assistant."""
    s = " ".join((sentence or "").split())
    if not s:
        return False
    if _HARD.search(s):
        return True
    return any(rule.search(s) for rule in _RULES)


def redact_instructions(text: str) -> str:
    """`text` with every instruction sentence replaced by a visible placeholder (prompt copies only)."""
    from rag.answer.spans import sentence_spans

    out, last = [], 0
    for s, e in sentence_spans(text):
        if is_instruction(text[s:e]):
            out.append(text[last:s] + "[tekst weggelaten: instructie in het document]")
            last = e
    out.append(text[last:])
    return "".join(out)
