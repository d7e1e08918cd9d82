"""Loaders on real files written to disk: text encodings, PDF pages, DOCX, Kamerstuk XML/HTML, sidecars."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.errors import LoadError
from corpus.loaders import discover, doc_id_for, load_file
from tests._docs import make_docx, make_pdf

ROOT = Path(__file__).resolve().parent.parent

NL = "Het kabinet deelt de zorgen over de één-op-één naleving; ruïne, geïnteresseerd, café, “citaat” – €5.\n"


@pytest.fixture()
def settings(tmp_settings):
    return tmp_settings


# -- text ----------------------------------------------------------------
@pytest.mark.parametrize(
    "encoding, prefix",
    [("utf-8", b""), ("utf-8-sig", b""), ("cp1252", b""), ("utf-16", b"")],
)
def test_txt_encodings_are_detected(tmp_path, settings, encoding, prefix):
    path = tmp_path / f"brief-{encoding}.txt"
    path.write_bytes(prefix + (NL * 5).encode(encoding))
    raw = load_file(path, settings)
    assert raw.text == NL * 5  # BOM gone, accents and curly quotes intact
    assert raw.source_format == "txt" and raw.pages is None
    assert raw.doc_id == f"brief-{encoding}"


def test_txt_latin1_without_cp1252_specials(tmp_path, settings):
    text = "Geïnteresseerd in de privé-situatie van de coöperatie, zei hij.\n" * 3
    path = tmp_path / "latin.txt"
    path.write_bytes(text.encode("latin-1"))
    assert load_file(path, settings).text == text


def test_txt_newlines_normalised_and_form_feed_kept(tmp_path, settings):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"Eerste regel\r\ntweede regel\r\n\x0cpagina twee\r")
    assert load_file(path, settings).text == "Eerste regel\ntweede regel\n\x0cpagina twee\n"


# -- pdf -----------------------------------------------------------------
def test_pdf_pages_are_real_pages(tmp_path, settings):
    path = make_pdf(
        tmp_path / "kst-1.pdf",
        ["Eerste pagina over de Neder-\nlandse inzet (café, één).", "Tweede pagina: de VN-Veiligheidsraad besluit.",
         "Derde pagina met het slot van de brief."],
    )
    raw = load_file(path, settings)
    assert raw.source_format == "pdf" and len(raw.pages) == 3
    assert "Neder-\nlandse" in raw.pages[0] and "café, één" in raw.pages[0]
    assert "VN-Veiligheidsraad" in raw.pages[1] and "VN-" not in raw.pages[0]
    assert raw.metadata["n_pages"] == 3
    assert all(p.strip() in raw.text for p in raw.pages)


def test_pdf_with_some_scanned_pages_keeps_page_numbers(tmp_path, settings):
    path = make_pdf(tmp_path / "mixed.pdf", ["Een pagina met genoeg tekst om te tellen.", None, "En nog een pagina tekst hier."])
    raw = load_file(path, settings)
    assert len(raw.pages) == 3 and raw.pages[1].strip() == "" and "nog een pagina" in raw.pages[2]


# -- docx ----------------------------------------------------------------
def test_docx_paragraphs_headings_and_tables_in_order(tmp_path, settings):
    path = make_docx(
        tmp_path / "notitie.docx",
        "Kamerbrief over de inzet",
        [("h1", "Inleiding"), ("p", "Hierbij ontvangt u de brief."), ("h2", "Beleid"), ("p", "Het kabinet kiest voor één lijn.")],
        table=[["Jaar", "Bedrag"], ["2021", "€ 3 mln"]],
    )
    raw = load_file(path, settings)
    assert raw.source_format == "docx"
    assert raw.text.split("\n\n") == [
        "Inleiding", "Hierbij ontvangt u de brief.", "Beleid", "Het kabinet kiest voor één lijn.",
        "Jaar | Bedrag", "2021 | € 3 mln",
    ]
    assert raw.metadata["title"] == "Kamerbrief over de inzet"


# -- official XML / HTML -------------------------------------------------
KST_XML = """<?xml version="1.0" encoding="utf-8"?>
<officiele-publicatie><metadata><meta name="DC.identifier" content="kst-34851-4"/>
<meta name="OVERHEIDop.indiener" content="S. Dekker"/><meta name="OVERHEIDop.indiener" content="K.H. Ollongren"/></metadata>
<kamerstuk>
 <kamerstukkop><tekstregel inhoud="vergaderjaar">Vergaderjaar 2017-2018</tekstregel>
  <tekstregel inhoud="kameraanduiding">Tweede Kamer der Staten-Generaal</tekstregel></kamerstukkop>
 <dossier><dossiernummer><dossiernr>34 851</dossiernr></dossiernummer><titel>Regels (Uitvoeringswet AVG)</titel></dossier>
 <stuk><stuknr>Nr. <ondernummer>4</ondernummer></stuknr>
  <titel>ADVIES AFDELING ADVISERING<noot id="t" type="voet"><noot.nr>1</noot.nr><noot.al>Titelnoot.</noot.al></noot></titel>
  <datumtekst>Ontvangen <datum isodatum="2018-03-13">13 maart 2018</datum></datumtekst>
  <algemeen><vrije-tekst><tekst>
   <al>Hieronder staat het advies.</al>
   <divisie><kop><nr>1.</nr><titel>Inleiding</titel></kop>
    <al>De UZI-server<?xpp afbm?>certificaten zijn <nadruk type="cur">nodig</nadruk>.<noot id="a" type="voet"><noot.nr>2</noot.nr><noot.al>Zie de memorie.</noot.al></noot> Daarna volgt meer.</al>
    <lijst type="expliciet"><li><li.nr>–</li.nr><al>Eerste punt.</al></li><li><li.nr>–</li.nr><al>Tweede punt.</al></li></lijst>
    <table><tgroup cols="2"><tbody><row><entry><al>Jaar</al></entry><entry><al>Bedrag</al></entry></row>
     <row><entry><al>2018</al></entry><entry><al>€ 5 mln</al></entry></row></tbody></tgroup></table>
   </divisie>
  </tekst></vrije-tekst></algemeen>
 </stuk>
</kamerstuk></officiele-publicatie>
"""


def test_kamerstuk_xml_blocks_footnotes_and_metadata(tmp_path, settings):
    path = tmp_path / "kst-34851-4.xml"
    path.write_text(KST_XML, encoding="utf-8")
    raw = load_file(path, settings)
    blocks = raw.text.split("\n\n")
    assert raw.source_format == "xml"
    assert "1. Inleiding" in blocks
    i = blocks.index("De UZI-servercertificaten zijn nodig. Daarna volgt meer.")
    assert blocks[i + 1] == "2 Zie de memorie."  # footnote right after the paragraph citing it
    assert "– Eerste punt." in blocks and "2018 | € 5 mln" in blocks
    assert "Nr. 4" in blocks
    m = raw.metadata  # in the pipeline's keys (corpus/structure.py), ready for the citation
    assert (m["dossier"], m["ondernummer"], m["vergaderjaar"], m["kamer"]) == ("34 851", "4", "2017/18", "II")
    assert m["kst"] == "kst-34851-4" and m["date"] == "2018-03-13" and m["dossier_title"].startswith("Regels")
    assert m["title"] == "ADVIES AFDELING ADVISERING" and m["indieners"] == ["S. Dekker", "K.H. Ollongren"]


KST_HTML = """<!DOCTYPE html><html lang="nl"><head><title>Kamerstuk 26150, nr. 187 | Overheid.nl</title>
<meta name="DC.identifier" content="kst-26150-187"><meta name="OVERHEIDop.dossiernummer" content="26150">
<meta name="OVERHEIDop.ondernummer" content="187"><meta name="OVERHEIDop.vergaderjaar" content="2020-2021">
<meta name="DC.title" content="Verslag van een schriftelijk overleg"><meta name="DC.type" content="Verslag">
<script>var tracking = 1;</script><style>p { color: red }</style></head>
<body><header><nav>Menu Home Zoeken</nav></header><div id="broodtekst">
<h1>Verslag van een schriftelijk overleg</h1><p>Inbreng van de leden van de VVD-fractie</p>
<ul><li><p>De leden van de VVD-fractie hebben met belangstelling kennisgenomen.</p></li><li>Los punt</li></ul>
<h2>1. Antwoord van het kabinet:</h2><p>Het kabinet   deelt
deze zorg.</p>
<table><tr><th>Jaar</th><th>Bedrag</th></tr><tr><td><p>2020</p></td><td>€ 3 mln</td></tr></table>
</div><footer>Colofon</footer></body></html>
"""


def test_kamerstuk_html_blocks_and_meta_tags(tmp_path, settings):
    path = tmp_path / "kst-26150-187.html"
    path.write_text(KST_HTML, encoding="utf-8")
    raw = load_file(path, settings)
    assert raw.source_format == "html"
    assert raw.text.split("\n\n") == [
        "Verslag van een schriftelijk overleg",
        "Inbreng van de leden van de VVD-fractie",
        "De leden van de VVD-fractie hebben met belangstelling kennisgenomen.",
        "Los punt",
        "1. Antwoord van het kabinet:",
        "Het kabinet deelt deze zorg.",
        "Jaar | Bedrag",
        "2020 | € 3 mln",
    ]
    m = raw.metadata
    assert (m["dossier"], m["ondernummer"], m["vergaderjaar"]) == ("26 150", "187", "2020/21")
    assert m["kst"] == "kst-26150-187" and m["doc_type"] == "verslag"
    assert m["title"] == "Verslag van een schriftelijk overleg"


def test_official_html_gets_its_citation_through_the_pipeline(tmp_path, settings):
    from corpus.pipeline import process

    path = tmp_path / "kst-26150-187.html"
    path.write_text(KST_HTML.replace("<h1>", '<meta name="DC.creator" content="Tweede Kamer der Staten-Generaal"><h1>'),
                    encoding="utf-8")
    _, chunks = process(load_file(path, settings), settings)
    assert chunks and all(c.citation.startswith("Kamerstukken II 2020/21, 26 150, nr. 187") for c in chunks)


def test_xhtml_in_xml_file_is_read_as_html(tmp_path, settings):
    path = tmp_path / "page.xml"
    path.write_text('<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Alinea één.</p><p>Twee.</p></body></html>')
    raw = load_file(path, settings)
    assert raw.source_format == "html" and raw.text == "Alinea één.\n\nTwee."


def test_broken_xml_is_a_load_error(tmp_path, settings):
    path = tmp_path / "stuk.xml"
    path.write_text("<kamerstuk><al>open")
    with pytest.raises(LoadError, match="not well-formed XML"):
        load_file(path, settings)


# -- sidecars ------------------------------------------------------------
@pytest.mark.parametrize("sidecar_name", ["brief.txt.meta.json", "brief.meta.json"])
def test_sidecar_overrides_detected_metadata(tmp_path, settings, sidecar_name):
    path = tmp_path / "brief.txt"
    path.write_text("Tekst van de brief.\n", encoding="utf-8")
    (tmp_path / sidecar_name).write_text(json.dumps({"dossier": "26 150", "ondernummer": "187"}))
    assert load_file(path, settings).metadata == {"dossier": "26 150", "ondernummer": "187"}

    html = tmp_path / "kst-26150-187.html"
    html.write_text(KST_HTML, encoding="utf-8")
    (tmp_path / "kst-26150-187.html.meta.json").write_text(json.dumps({"ondernummer": "188", "fractie": "VVD"}))
    m = load_file(html, settings).metadata
    assert m["ondernummer"] == "188" and m["fractie"] == "VVD" and m["dossier"] == "26 150"


def test_bad_sidecar_names_the_sidecar(tmp_path, settings):
    path = tmp_path / "brief.txt"
    path.write_text("Tekst.\n")
    (tmp_path / "brief.txt.meta.json").write_text("{not json")
    with pytest.raises(LoadError, match=r"sidecar brief.txt.meta.json is not valid JSON"):
        load_file(path, settings)
    (tmp_path / "brief.txt.meta.json").write_text("[1, 2]")
    with pytest.raises(LoadError, match="JSON object"):
        load_file(path, settings)


# -- discovery -----------------------------------------------------------
def test_discover_walks_recursively_and_skips_hidden_and_sidecars(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for rel in ["z.txt", "a/y.pdf", "a/b/x.docx", "a/b/notes.md", ".hidden.txt", ".git/config.txt",
                "z.txt.meta.json", "a/~$y.docx"]:
        (tmp_path / rel).write_text("x")
    found = [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])]
    assert found == ["z.txt", "a/y.pdf", "a/b/notes.md", "a/b/x.docx"]
    # A file named explicitly is taken as given; duplicates are dropped.
    assert discover([tmp_path / ".hidden.txt", tmp_path / ".hidden.txt"]) == [tmp_path / ".hidden.txt"]
    with pytest.raises(FileNotFoundError, match="nope"):
        discover([tmp_path / "nope"])


def test_doc_id_is_the_file_name_without_extension(tmp_path):
    assert doc_id_for(tmp_path / "002_996c39270415c469.txt") == "002_996c39270415c469"
    assert doc_id_for(tmp_path / "kst-26150-187.html") == "kst-26150-187"
    assert doc_id_for(tmp_path / "README") == "README"


def test_utf16_without_bom_is_refused_not_garbled(tmp_path, settings):
    # UTF-16 without a BOM has NUL bytes everywhere: refused as binary with a reason (the
    # BOM variant loads, see test_txt_encodings_are_detected).
    path = tmp_path / "u16.txt"
    path.write_bytes(NL.encode("utf-16-le"))
    with pytest.raises(LoadError, match="binary"):
        load_file(path, settings)


def test_pdf_page_numbers_reach_the_chunks(tmp_path, settings):
    from corpus.pipeline import process

    seed = (ROOT / "corpus" / "demo" / "003_6ed004c2cd8f7583.txt").read_text(encoding="utf-8").splitlines()
    pages = ["\n".join(seed[i : i + 45]) for i in range(0, 180, 45)]
    raw = load_file(make_pdf(tmp_path / "brief.pdf", pages), settings)
    _, chunks = process(raw, settings)
    spans = [(c.page_start, c.page_end) for c in chunks]
    assert spans[0][0] == 1 and max(p for _, p in spans) == 4
    assert all(a <= b for a, b in spans) and [a for a, _ in spans] == sorted(a for a, _ in spans)
