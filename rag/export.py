"""Export a briefing note: Markdown and Word (python-docx)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from rag.briefing import Briefing

EMPTY_SECTION = "Geen passages gevonden die hierover iets zeggen."


def briefing_markdown(b: "Briefing") -> str:
    out = [f"# Notitie: {b.topic}", "", f"*Opgesteld door Griffier op {b.created} ({b.model}); "
           "elke regel citeert een passage uit de stukken.*", ""]
    for s in b.sections:
        out += [f"## {s.title}", ""]
        if not s.lines:
            out += [f"*{EMPTY_SECTION}*", ""]
            continue
        for line in s.lines:
            out.append(f"- {line.render()}")
        out.append("")
    out += ["## Bronnen", ""]
    for n, label in b.sources:
        out.append(f"{n}. {label}")
    if b.flags:
        out += ["", "### Opmerkingen bij de controle", ""] + [f"- {f}" for f in b.flags]
    return "\n".join(out).rstrip() + "\n"


def write_briefing_docx(b: "Briefing", path: Path) -> Path:
    try:
        import docx
    except ImportError as exc:  # pragma: no cover
        raise RuntimeError("Word export needs python-docx: pip install python-docx") from exc
    d = docx.Document()
    d.add_heading(f"Notitie: {b.topic}", level=1)
    p = d.add_paragraph()
    p.add_run(f"Opgesteld door Griffier op {b.created} ({b.model}); elke regel citeert een passage uit de stukken.").italic = True
    for s in b.sections:
        d.add_heading(s.title, level=2)
        if not s.lines:
            d.add_paragraph(EMPTY_SECTION).runs[0].italic = True
            continue
        for line in s.lines:
            para = d.add_paragraph(style="List Bullet")
            if line.label:
                para.add_run(f"{line.label}: ").bold = True
            para.add_run(line.text + " " + " ".join(f"[{n}]" for n in line.citations))
    d.add_heading("Bronnen", level=2)
    for n, label in b.sources:
        d.add_paragraph(f"[{n}] {label}")
    if b.flags:
        d.add_heading("Opmerkingen bij de controle", level=3)
        for f in b.flags:
            d.add_paragraph(f)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    d.save(str(tmp))
    tmp.replace(path)
    return path
