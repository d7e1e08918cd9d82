"""Tiny writers for real test files (PDF, DOCX) without extra dependencies."""

from __future__ import annotations

from pathlib import Path


def _pdf_str(line: str) -> bytes:
    raw = line.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def make_pdf(path: Path, pages: list[str | None]) -> Path:
    """A valid PDF with one page per item: its text (lines split on \\n), or None for a
    page without text layer (a grey rectangle, like a scan)."""
    objs: list[bytes] = []
    n = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode())
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, text in enumerate(pages):
        if text is None:
            stream = b"0.5 g 50 50 500 700 re f"
        else:
            lines = text.split("\n")
            stream = b"BT /F1 11 Tf 14 TL 72 770 Td " + b" ".join(_pdf_str(ln) + b" Tj T*" for ln in lines) + b" ET"
        objs.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>".encode()
        )
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def make_docx(path: Path, title: str, blocks: list[tuple[str, str]], table: list[list[str]] | None = None) -> Path:
    """A .docx: `blocks` are (kind, text) with kind "h1", "h2" or "p"; optional table at the end."""
    import docx

    d = docx.Document()
    d.core_properties.title = title
    for kind, text in blocks:
        if kind.startswith("h"):
            d.add_heading(text, level=int(kind[1:]))
        else:
            d.add_paragraph(text)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                t.cell(r, c).text = cell
    d.save(str(path))
    return path
