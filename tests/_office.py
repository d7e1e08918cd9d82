"""A small two-collection office for the access tests: documents in `a`, `b` and `algemeen`, four users.

Collection `b` holds words that occur nowhere else (MARKERS_B), so a test can check
that not a trace of it leaves the server for someone who reads only `a`.
"""

from __future__ import annotations

from pathlib import Path

DOCS = {
    "a": {
        "windenergie_notitie.txt": (
            "Windenergie op zee\n\n"
            "Het kabinet wil in 2032 ongeveer 21 gigawatt aan windparken op de Noordzee hebben gebouwd. "
            "De minister van Klimaat en Groene Groei schrijft dat de netaansluiting door TenneT wordt verzorgd.\n\n"
            "De Tweede Kamer vroeg naar de gevolgen voor de visserij. Het kabinet antwoordt dat vissers in "
            "sommige windparken mogen varen en dat er een compensatieregeling komt voor getroffen vissers.\n"
        ),
        "kustwacht_brief.txt": (
            "Brief over de kustwacht\n\n"
            "De kustwacht krijgt in 2027 twee nieuwe patrouilleschepen voor de Waddenzee. "
            "De staatssecretaris meldt dat de schepen 40 miljoen euro kosten en in Harlingen worden gestationeerd.\n"
        ),
    },
    "b": {
        "stikstof_embargo.txt": (
            "Vertrouwelijke notitie stikstof\n\n"
            "Onder embargo: de fractie overweegt een voorstel om de stikstofuitstoot van de landbouw met "
            "45 procent te verminderen voor 2030. De geheime codenaam van het plan is Project Zilverreiger.\n\n"
            "De fractievoorzitter wil het plan pas na de begrotingsbehandeling bekendmaken. Boeren krijgen "
            "volgens het voorstel een uitkoopregeling van 3 miljard euro.\n"
        ),
        "zilverreiger_bijlage.txt": (
            "Bijlage Zilverreiger\n\n"
            "De uitkoopregeling van Project Zilverreiger geldt voor melkveehouders rond Natura 2000-gebieden. "
            "Het windpark bij de Noordzee speelt in dit vertrouwelijke plan geen rol; het gaat om stikstof.\n"
        ),
    },
    "algemeen": {
        "begroting_algemeen.txt": (
            "Begroting\n\n"
            "De Miljoenennota noemt een tekort van 2,9 procent van het bbp voor het komende jaar.\n"
        ),
    },
}
DOC_IDS = {coll: {Path(name).stem for name in files} for coll, files in DOCS.items()}
# Words only collection b holds: none may reach a reader of a.
MARKERS_B = ("Zilverreiger", "zilverreiger", "stikstof_embargo", "zilverreiger_bijlage", "embargo", "Natura 2000",
             "uitkoopregeling", "melkveehouders")

USERS = {  # name: (password, role, collections)
    "anna": ("anna-wachtwoord", "reader", ["a"]),
    "carla": ("carla-wachtwoord", "reader", ["b"]),
    "bert": ("bert-wachtwoord", "editor", ["a"]),
    "root": ("root-wachtwoord", "admin", None),
}


def write_docs(root: Path) -> dict[str, Path]:
    """The documents as files, one folder per collection."""
    out = {}
    for coll, files in DOCS.items():
        folder = root / "docs" / coll
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        out[coll] = folder
    return out


def build_office_home(root: Path, **settings_overrides):
    """A home with the documents ingested into their collections and the four users; returns its Settings."""
    from corpus.settings import load_settings
    from rag.ingest import ingest_paths
    from ui.office import Office

    settings = load_settings({"home": root / "home", **settings_overrides}, env={})
    for coll, folder in write_docs(root).items():
        report = ingest_paths([folder], settings, progress=False, collection=coll)
        assert report.ok, report.to_dict()
    office = Office(settings)
    for name, (pw, role, colls) in USERS.items():
        office.add_user(name, pw, role, colls)
    return settings


def leaks_b(payload: str) -> list[str]:
    """The collection-b markers found in a response body."""
    return [m for m in MARKERS_B if m in payload]
