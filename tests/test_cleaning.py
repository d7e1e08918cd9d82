"""Golden tests for the cleaning rules, on snippets copied from the seed documents."""

from __future__ import annotations

from corpus.cleaning import build_vocabulary, clean, join_hyphenated, join_lines, split_sentences


def paras(text: str, pages: list[str] | None = None) -> list[str]:
    return [p.text for p in clean(text, pages).paragraphs]


# --- hyphenation -----------------------------------------------------------------


def test_line_break_hyphenation_is_joined():
    # 000: "de huidige Neder-\nlandse positie"
    assert join_lines(
        ["schetst een duidelijk beeld van de achtergrond van de huidige Neder-", "landse positie ten aanzien"]
    ) == ("schetst een duidelijk beeld van de achtergrond van de huidige Nederlandse positie ten aanzien")
    # 000: "VN-Veilig-\nheidsraad": the real hyphen stays, the break goes
    assert join_lines(
        ["Deze staten hebben verklaard tijdens hun lidmaatschap van de VN-Veilig-", "heidsraad niet tegen"]
    ) == ("Deze staten hebben verklaard tijdens hun lidmaatschap van de VN-Veiligheidsraad niet tegen")


def test_real_hyphens_survive_line_breaks():
    # 004: "druk op Noord-\nKorea": capital after the hyphen
    assert join_hyphenated(
        "het belang van eenheid in de Raad in de druk op Noord-", "Korea, in de uitvoering"
    ) == ("het belang van eenheid in de Raad in de druk op Noord-Korea, in de uitvoering")
    # 001: "Nederlandse MINUSMA-\neenheden": an acronym before the hyphen
    assert join_hyphenated("Op 20 januari 2015 raakten Nederlandse MINUSMA-", "eenheden in de omgeving") == (
        "Op 20 januari 2015 raakten Nederlandse MINUSMA-eenheden in de omgeving"
    )
    # 002: suspended hyphen "inlichtingen- en veiligheidsdiensten" broken after the hyphen
    assert join_hyphenated("de politie, leden van de inlichtingen-", "en veiligheidsdiensten") == (
        "de politie, leden van de inlichtingen- en veiligheidsdiensten"
    )


def test_in_line_hyphens_are_untouched():
    line = "grondoorzaken (specifiek klimaat- en water-gerelateerd), en land- en tuinbouw, EU-missie en VN-Veiligheidsraad"
    assert join_lines([line]) == line


def test_vocabulary_keeps_compounds_the_document_writes_hyphenated():
    # 001 writes "secretaris-generaal" in-line, so "secretaris-\ngeneraal" keeps its hyphen.
    text = "de nieuwe secretaris-generaal van de VN, Antonio Guterres\nvan de secretaris-\ngeneraal voor Genocidepreventie"
    vocab = build_vocabulary(text)
    assert join_hyphenated("van de secretaris-", "generaal voor Genocidepreventie", vocab) == (
        "van de secretaris-generaal voor Genocidepreventie"
    )
    # ... while a word written solid elsewhere is joined
    vocab = build_vocabulary("de Nederlandse positie\n")
    assert (
        join_hyphenated("vervoerden Neder-", "landse Chinook helikopters", vocab)
        == "vervoerden Nederlandse Chinook helikopters"
    )
    # 004: "ISIS/Al Qaeda-sanctielijst" in-line keeps "Al Qaeda-\nsanctiecomité" hyphenated
    vocab = build_vocabulary("plaatsing op de ISIS/Al Qaeda-sanctielijst.\n")
    assert join_hyphenated("als lid van het ISIS/Al Qaeda-", "sanctiecomité in 2018", vocab) == (
        "als lid van het ISIS/Al Qaeda-sanctiecomité in 2018"
    )


def test_url_broken_at_hyphen_keeps_hyphen_without_space():
    out = join_hyphenated(
        "(https://milieudefensie.nl/actueel/onbegrijpelijk-kabinet-blijft-doorgaan-met-",
        "overheidssteun-voor-olie-gas-en-kolen)",
    )
    assert (
        out
        == "(https://milieudefensie.nl/actueel/onbegrijpelijk-kabinet-blijft-doorgaan-met-overheidssteun-voor-olie-gas-en-kolen)"
    )


def test_dash_at_line_end_is_not_a_word_break():
    # 001: "robuust opgetreden om – \nconform het geldende Veiligheidsraadmandaat"
    assert join_lines(["Zij hebben vervolgens robuust opgetreden om – ", "conform het geldende"]) == (
        "Zij hebben vervolgens robuust opgetreden om – conform het geldende"
    )


# --- footers and page breaks -------------------------------------------------------

FOOTER_SNIPPET = (
    "de politie, leden van de inlichtingen- en veiligheidsdiensten en gevange-\n"
    "nispersoneel samen met openbaar aanklagers en rechters verantwoor-\n"
    "delijk zijn voor een scala aan mensenrechtenschendingen. Ze hebben zich \n"
    "schuldig gemaakt aan onder meer willekeurige detentie, verdwijningen, \n"
    "\n"
    "Tweede Kamer, vergaderjaar 2020–2021, 26 150, nr. 187 15\n"
    "\n"
    "\n"
    "\n"
    "marteling en mishandeling van mensen die gevangengenomen zijn \n"
    "tijdens de landelijke protesten in november 2019. Kan Nederland zich \n"
    "inspannen om de mensenrechtensituatie in Iran hoog op de agenda van \n"
    "de AVVN te krijgen? \n"
)


def test_footer_removed_and_split_sentence_rejoined():
    cr = clean(FOOTER_SNIPPET)
    texts = [p.text for p in cr.paragraphs]
    assert len(texts) == 1, texts
    assert "Tweede Kamer" not in texts[0]
    assert "willekeurige detentie, verdwijningen, marteling en mishandeling" in texts[0]
    assert "gevangenispersoneel" in texts[0] and "verantwoordelijk" in texts[0]
    # the footer is kept as a page anchor: page 15 ends there
    assert [(a.page, a.kind) for a in cr.anchors] == [(15, "footer")]
    p = cr.paragraphs[0]
    assert p.rel_page_start == 0 and p.rel_page_end == 1
    assert cr.footer_info["dossier"] == "26 150" and cr.footer_info["nr"] == "187"


def test_kamerstuk_colophon_removed():
    # 003, page 1 bottom
    text = (
        "3 Kamerstuk 33 694, nr. 1.\n4 Kamerstuk 33 694, nr. 6.\n\n \n \n"
        "kst-33694-9\nISSN 0921 - 7371\n"
        "’s-Gravenhage 2016 Tweede Kamer, vergaderjaar 2015–2016, 33 694, nr. 9 1\n\n\n\n"
        "Verslechterde veiligheidssituatie \n\nInterne en externe veiligheid zijn meer dan ooit met elkaar verbonden. \n"
    )
    cr = clean(text)
    joined = "\n".join(p.text for p in cr.paragraphs)
    assert "kst-" not in joined and "ISSN" not in joined and "Gravenhage" not in joined
    assert cr.kst["code"] == "kst-33694-9"
    assert cr.anchors[0].page == 1


LETTER = (
    " \n       \nRijnstraat 8 \n \nAan de Voorzitter van de  \n2515 XP Den Haag  \n \n"
    "Tweede Kamer der Staten-Generaal  \nPostbus 20061 \n \nBinnenhof 4 \nNederland \n \nDen Haag \n"
    "www.rijksoverheid.nl \n \n \nOnze Referentie \n \nBZDOC-151021554-15 \n \n \n \n Bijlage(n) \n \n \n"
    "Datum 15 februari 2019 \n \nBetreft  Koninkrijk der Nederlanden als lid van de VN Veiligheidsraad 2018 \n"
    " \n \n \nGeachte voorzitter, \n \n"
    "In 2018 was het Koninkrijk der Nederlanden (KNL) gekozen lid van de \n"
    "Veiligheidsraad (hierna: Raad), als onderdeel van de gedeelde termijn met Italië in \n"
    "2017-2018. \n"
    "\n  \n \n"
    "Minister-president Rutte heeft tijdens een zitting onder leiding van de Amerikaanse \n"
    "president Trump op 26 september 2018 gepleit voor voortzetting van de rules based \n"
    "Onze Referentie \n"
    "order en constructieve multilaterale samenwerking, behoud van de nucleaire deal \n"
    "BZDOC-151021554-15 \n"
    "Datum 15 februari 2019\n"
    "met Iran, en het voorkomen dat het gebruik van chemische wapens, zoals in Syrië \n"
    " \n"
    "en Salisbury, ongestraft blijft. Bij die gelegenheid onderstreepte KNL ook het belang \n"
    "van wapenbeheersing. \n"
)


def test_letterhead_parsed_and_removed():
    cr = clean(LETTER)
    assert cr.letterhead == {
        "reference": "BZDOC-151021554-15",
        "date_text": "15 februari 2019",
        "title": "Koninkrijk der Nederlanden als lid van de VN Veiligheidsraad 2018",
    }
    first = cr.paragraphs[0].text
    assert first.startswith("In 2018 was het Koninkrijk")
    assert all("Rijnstraat" not in p.text and "Geachte" not in p.text for p in cr.paragraphs)


def test_letter_sidebar_removed_sentence_rejoined_and_page_counted():
    cr = clean(LETTER)
    texts = [p.text for p in cr.paragraphs]
    rutte = next(t for t in texts if "Rutte" in t)
    assert "Onze Referentie" not in rutte and "BZDOC" not in rutte and "Datum" not in rutte
    assert "behoud van de nucleaire deal met Iran" in rutte
    assert (
        "gepleit voor voortzetting van de rules based order en constructieve multilaterale samenwerking"
        in rutte
    )
    assert "zoals in Syrië en Salisbury, ongestraft blijft" in rutte
    p = next(p for p in cr.paragraphs if "Rutte" in p.text)
    assert p.rel_page_start == 1  # second page (0-based): the sidebar marks it
    assert cr.paragraphs[0].rel_page_start == 0


# --- footnotes ----------------------------------------------------------------------

FOOTNOTE_SNIPPET = (
    " Inleiding \n\n"
    "Deze brief is geen nieuw Toetsingskader1 of beleidskader, maar een \n"
    "beschrijving van de overwegingen die ten grondslag liggen aan besluiten \n"
    "over de inzet van de krijgsmacht. Zoals bekend wordt het overkoepelende \n"
    "kader hiervoor gevormd door artikel 97 van de Grondwet. \n\n"
    "Op grond van de Internationale Veiligheidsstrategie (IVS)2, de Beleidsbrief \n"
    "Internationale Veiligheid3 en de hoofdtaken van Defensie onderscheidt het \n"
    "kabinet drie strategische belangen, zoals resolutie 2231 en de G20. \n\n"
    "1 Toetsingskader is op 22 januari 2014 aangepast en aan de Kamer verzonden (Kamerstuk 29 521, \n"
    "nr. 226).\n\n"
    "2 Kamerstuk 33 694, nr. 1.\n3 Kamerstuk 33 694, nr. 6.\n"
)


def test_footnote_markers_stripped_and_text_attached():
    cr = clean(FOOTNOTE_SNIPPET)
    texts = [p.text for p in cr.paragraphs]
    body = next(t for t in texts if t.startswith("Deze brief"))
    assert "Toetsingskader of beleidskader" in body and "Toetsingskader1" not in body
    assert "artikel 97 van de Grondwet" in body  # real digits survive
    second = next(t for t in texts if t.startswith("Op grond van"))
    assert "(IVS), de Beleidsbrief Internationale Veiligheid en" in second
    assert "resolutie 2231" in second and "G20" in second
    # footnote text follows the paragraph holding its marker
    i = texts.index(body)
    assert texts[i + 1] == (
        "[Voetnoot 1: Toetsingskader is op 22 januari 2014 aangepast en aan de Kamer verzonden (Kamerstuk 29 521, nr. 226).]"
    )
    j = texts.index(second)
    assert texts[j + 1 : j + 3] == [
        "[Voetnoot 2: Kamerstuk 33 694, nr. 1.]",
        "[Voetnoot 3: Kamerstuk 33 694, nr. 6.]",
    ]
    assert all(p.glue_prev for p in cr.paragraphs if p.kind == "footnote")


def test_a_marker_glued_to_a_name_ending_in_digits_is_stripped():
    # "COVID-1917": COVID-19 with footnote marker 17; a year range is never read as a marker
    text = ("De landen bespreken de multilaterale respons op \nCOVID-191. In de periode 2017-2018 \n"
            "was Nederland lid van de Raad. \n\n1 https://www.government.nl/documents/statement.\n")
    cr = clean(text)
    body = next(p.text for p in cr.paragraphs if p.text.startswith("De landen"))
    assert "respons op COVID-19. In de periode 2017-2018" in body
    assert any(p.kind == "footnote" and "government.nl" in p.text for p in cr.paragraphs)


def test_numbered_lines_that_are_not_footnotes_stay():
    # a body line starting with a number ("19 mei jl.") is text, not a footnote
    text = "De resolutie die op \n\n19 mei jl. door de jaarvergadering van de WHO is aangenomen. \n"
    assert "19 mei jl." in " ".join(paras(text))


# --- layout page starts, lists, headings ----------------------------------------------


def test_layout_page_starts_detected_and_paragraph_rejoined():
    # pdftotext keeps one leading space on the first line of each page
    body = [f"regel {i} van de tekst die doorloopt en blijft doorlopen op de pagina" for i in range(60)]
    lines = (
        [" Begin van de tekst op de eerste pagina van het document hier"]
        + body
        + [" en navolgende jaren verder uitgewerkt naar aanleiding van voorstellen."]
        + body[:30]
        + ["Einde van de alinea.", " Derde pagina begint hier met een nieuwe zin."]
        + body[:10]
    )
    cr = clean("\n".join(lines))
    assert cr.n_rel_pages == 3
    p0 = cr.paragraphs[0]
    assert "doorlopen op de pagina en navolgende jaren" in p0.text  # lowercase continuation re-joined
    assert p0.rel_page_end == 1
    assert cr.paragraphs[1].text.startswith("Derde pagina") and cr.paragraphs[1].rel_page_start == 2


def test_text_lost_at_a_page_break_is_not_stitched_into_one_sentence():
    # 004: a page ends mid-phrase and the next page opens a new sentence; a page of text is missing.
    pages = ["Een concreet resultaat is onder meer de versterking van het mandaat van",
             "Bovendien heeft het kabinet expertise beschikbaar gesteld aan de VN."]
    texts = paras("\n".join(pages), pages)
    assert not any("mandaat van Bovendien" in t for t in texts)
    # a real continuation across the break is still joined
    pages = ["De inzet is gericht op de versterking van", "de mensenrechten in de regio."]
    assert "versterking van de mensenrechten" in " ".join(paras("\n".join(pages), pages))


def test_hanging_list_items_stay_with_intro():
    # 000: list items with hanging indents split by blank lines
    text = (
        "Het kabinet heeft de expertgroep gevraagd zijn opinies te geven \n"
        "over de volgende twee kwesties: \n"
        "a. het geven van politieke steun door het Nederlandse kabinet aan \n\n"
        "interstatelijk geweldgebruik door andere staten zonder grondslag in \n"
        "het internationaal recht, en \n\n"
        "b. of het Nederlandse kabinet zich moet inzetten voor internationale \n"
        "acceptatie van humanitaire interventie als mogelijk nieuwe rechts-\n"
        "grond voor interstatelijk geweldgebruik. \n"
    )
    cr = clean(text)
    assert len(cr.paragraphs) == 2
    first, second = cr.paragraphs
    assert (
        "kwesties:\na. het geven van politieke steun door het Nederlandse kabinet aan interstatelijk geweldgebruik"
        in first.text
    )
    assert second.text.startswith("b. of het") and second.glue_prev
    assert "nieuwe rechtsgrond" in second.text


def test_inline_heading_split_from_its_paragraph():
    # 004: headings without a blank line after them
    text = (
        "Ook heeft het Koninkrijk iets gedaan dat hier niet ter zake doet en dat de regel vult. \n \n"
        "Grondoorzaken \n"
        "Het Koninkrijk heeft consequent aandacht gevraagd voor preventie en het \n"
        "aanpakken van de grondoorzaken van conflicten zoals onderontwikkeling. \n"
    )
    cr = clean(text)
    kinds = [(p.kind, p.text[:20]) for p in cr.paragraphs]
    assert ("heading", "Grondoorzaken") in kinds


def test_pdf_pages_give_exact_relative_pages():
    cr = clean(
        "", pages=["Eerste pagina met een zin die \n", "doorloopt op de tweede pagina. \n\nNieuwe alinea."]
    )
    assert cr.exact_pages
    assert [p.text for p in cr.paragraphs] == [
        "Eerste pagina met een zin die doorloopt op de tweede pagina.",
        "Nieuwe alinea.",
    ]
    assert (cr.paragraphs[0].rel_page_start, cr.paragraphs[0].rel_page_end) == (0, 1)


def test_empty_and_structureless_text():
    assert clean("").paragraphs == []
    assert clean("   \n \n").paragraphs == []
    assert [p.text for p in clean("Eén regel zonder einde").paragraphs] == ["Eén regel zonder einde"]


def test_sentence_split_respects_abbreviations_and_initials():
    text = "Op 6 juli jl. is een brief toegezegd (Kamerstuk 29 521, nr. 226). De Minister, S.A. Blok, tekende. Zr.Ms. Rotterdam vaart uit."
    assert split_sentences(text) == [
        "Op 6 juli jl. is een brief toegezegd (Kamerstuk 29 521, nr. 226).",
        "De Minister, S.A. Blok, tekende.",
        "Zr.Ms. Rotterdam vaart uit.",
    ]


def test_form_feeds_are_page_breaks():
    cr = clean("Eerste pagina met een zin die \fdoorloopt op de tweede pagina. \n\nNieuwe alinea.\f")
    assert cr.exact_pages
    assert (cr.paragraphs[0].rel_page_start, cr.paragraphs[0].rel_page_end) == (0, 1)
    assert cr.n_rel_pages == 2


def test_wrapped_urls():
    # 002 footnote 9: a URL wrapped after a path separator, no hyphen
    assert join_lines(
        [
            "3 https://www.consilium.europa.eu/en/press/press-releases/2019/06/17/",
            "effective-multilateralism-council/",
        ]
    ) == (
        "3 https://www.consilium.europa.eu/en/press/press-releases/2019/06/17/effective-multilateralism-council/"
    )
    # a complete URL followed by ordinary words keeps its space
    assert (
        join_lines(["zie www.rijksoverheid.nl", "voor meer informatie."])
        == "zie www.rijksoverheid.nl voor meer informatie."
    )
