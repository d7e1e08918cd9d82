"""Briefing notes a staffer can take into a debate (issue 15).

    from rag.briefing import draft_briefing
    note = draft_briefing("Jemen", settings)      # -> Briefing
    note.to_dict()                                # the `griffier brief --json` object
    note.to_markdown(); note.write_docx(path)     # rendered by rag/export.py from that dict

Modules: relevance (how on-topic a sentence is; aliases: other names of a word), consultation (which fracties
raised the topic, and the numbered answers), cues (fact/stance/promise cues,
near-duplicates), compose (the lines of each section), sources (readable
source labels), draft (the pipeline and the answer-time check), model (the
note as plain data).
"""

from rag.briefing.draft import draft_briefing, gather
from rag.briefing.model import SECTION_TITLES, Briefing, BriefingLine, BriefingSection

__all__ = ["SECTION_TITLES", "Briefing", "BriefingLine", "BriefingSection", "draft_briefing", "gather"]
