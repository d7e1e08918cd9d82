"""Nothing destructive without a word (issue 12, item 4), and files that must ingest or be refused
for a stated reason (item 7): symbolic links, 254-byte and non-UTF-8 file names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from corpus.loaders import discover, path_text
from corpus.settings import load_settings
from corpus.store import ChunkStore
from rag.ingest import RebuildRefused, ingest_paths


def _text(topic: str) -> str:
    return (f"Tweede Kamer der Staten-Generaal. De minister schrijft over {topic}. Het kabinet wil dat "
            f"{topic} in 2027 wordt geregeld en meldt de Kamer de voortgang in het voorjaar.\n\n") * 2


@pytest.fixture()
def settings(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "griffier.toml").write_text("sentence_weight = 0\n")  # keep the embedding work small
    return load_settings({"home": home}, env={})


@pytest.fixture()
def stocked(tmp_path, settings):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("dijken", "wegen", "zorg"):
        (docs / f"{name}.txt").write_text(_text(name), encoding="utf-8")
    report = ingest_paths([docs], settings, progress=False)
    assert report.ok, report.to_dict()
    return docs


def test_rebuild_with_nothing_ingestible_refuses_and_keeps_the_store(tmp_path, settings, stocked):
    store = ChunkStore(settings.home)
    before = (store.count(), [d.doc_id for d in store.documents()], store.generation())
    empty = tmp_path / "leeg"
    empty.mkdir()
    (empty / "notities.odt").write_text("geen tekstbestand")
    (empty / "leeg.txt").write_text("")
    for path in (empty, tmp_path / "leeg" / "leeg.txt"):
        with pytest.raises(RebuildRefused, match=r"found nothing to ingest .* left as it was \(3 document"):
            ingest_paths([path], settings, rebuild=True, progress=False)
    store = ChunkStore(settings.home)
    assert (store.count(), [d.doc_id for d in store.documents()], store.generation()) == before


def test_rebuild_says_what_goes_and_replacing_says_what_it_replaces(tmp_path, settings, stocked):
    (stocked / "dijken.txt").write_text(_text("dijken en duinen"), encoding="utf-8")
    report = ingest_paths([stocked], settings, progress=False)
    updated = [r for r in report.results if r.status == "updated"]
    assert len(updated) == 1 and updated[0].doc_id == "dijken"
    assert updated[0].replaces.startswith("dijken from ") and "passages, ingested 20" in updated[0].replaces

    only = tmp_path / "alleen"
    only.mkdir()
    (only / "wegen.txt").write_text(_text("wegen"), encoding="utf-8")
    report = ingest_paths([only], settings, rebuild=True, progress=False)
    removed = {r.doc_id: r for r in report.results if r.status == "removed"}
    assert set(removed) == {"dijken", "zorg"}
    assert all("(--rebuild)" in r.reason and str(stocked) in r.replaces for r in removed.values())
    assert [d.doc_id for d in ChunkStore(settings.home).documents()] == ["wegen"]


@pytest.mark.slow
def test_cli_rebuild_refusal_and_remove_messages(tmp_path, settings, stocked):
    import subprocess
    import sys

    griffier = str(Path(sys.executable).with_name("griffier"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    empty = tmp_path / "leeg"
    empty.mkdir()
    out = subprocess.run([griffier, "--home", str(settings.home), "ingest", "--rebuild", str(empty)],
                         capture_output=True, check=False, text=True, timeout=300, env=env)
    assert out.returncode == 2 and "found nothing to ingest" in out.stderr and "Traceback" not in out.stderr
    (stocked / "zorg.txt").write_text(_text("zorg en welzijn"), encoding="utf-8")
    out = subprocess.run([griffier, "--home", str(settings.home), "ingest", str(stocked), "--no-progress"],
                         capture_output=True, check=False, text=True, timeout=300, env=env)
    assert out.returncode == 0 and "replaces zorg from " in out.stdout, out.stdout
    out = subprocess.run([griffier, "--home", str(settings.home), "remove", "wegen"],
                         capture_output=True, check=False, text=True, timeout=300, env=env)
    assert out.returncode == 0 and out.stdout.startswith("removed wegen from ") and "passages" in out.stdout


def test_uploads_never_overwrite_another_file_silently(settings):
    from ui import resources

    notices = resources.ingest_uploads(
        [("Brief 2024.txt", _text("de eerste brief").encode()), ("Brief_2024.txt", _text("de tweede brief").encode())],
        settings,
    )
    uploads = settings.home / "uploads"
    saved = sorted(p.name for p in uploads.iterdir() if not p.name.startswith("."))
    assert saved == ["Brief_2024-2.txt", "Brief_2024.txt"]
    assert "eerste" in (uploads / "Brief_2024.txt").read_text() and "tweede" in (uploads / "Brief_2024-2.txt").read_text()
    assert any(level == "warning" and "opgeslagen als Brief_2024-2.txt" in text and "niet overschreven" in text
               for level, text in notices), notices
    assert {d.doc_id for d in ChunkStore(settings.home).documents()} == {"Brief_2024", "Brief_2024-2"}

    # the same name again is a new version of that upload: it replaces it, and says so
    notices = resources.ingest_uploads([("Brief 2024.txt", _text("de eerste brief, herzien").encode())], settings)
    assert "herzien" in (uploads / "Brief_2024.txt").read_text()
    assert "tweede" in (uploads / "Brief_2024-2.txt").read_text()
    assert any(level == "info" and "vervangt de eerder opgeslagen versie" in text for level, text in notices), notices


def test_symlinks_follow_one_policy_for_files_and_folders(tmp_path):
    outside = tmp_path / "elders"
    (outside / "map").mkdir(parents=True)
    (outside / "geheim.txt").write_text("buiten de map")
    (outside / "map" / "ook-geheim.txt").write_text("buiten de map")
    tree = tmp_path / "stukken"
    (tree / "sub").mkdir(parents=True)
    (tree / "brief.txt").write_text("binnen")
    (tree / "sub" / "nota.txt").write_text("binnen")
    (tree / "link-naar-bestand.txt").symlink_to(outside / "geheim.txt")
    (tree / "link-naar-map").symlink_to(outside / "map")
    (tree / "link-binnen").symlink_to(tree / "sub")  # inside the tree: followed, but nothing twice
    (tree / "lus").symlink_to(tree)  # a loop: walked once

    skipped: list = []
    found = [p.relative_to(tree).as_posix() for p in discover([tree], skipped=skipped)]
    assert sorted(found) == ["brief.txt", "sub/nota.txt"]
    reasons = {p.name: why for p, why in skipped}
    assert set(reasons) == {"link-naar-bestand.txt", "link-naar-map"}
    assert all("outside the ingested folder" in why and "--follow-symlinks" in why for why in reasons.values())

    followed = {p.name for p in discover([tree], follow_symlinks=True)}
    assert followed == {"brief.txt", "nota.txt", "link-naar-bestand.txt", "ook-geheim.txt"}
    # named on the command line: that is asking for it
    assert [p.name for p in discover([tree / "link-naar-bestand.txt"])] == ["link-naar-bestand.txt"]


def test_skipped_symlinks_are_reported_by_the_ingest(tmp_path, settings):
    tree = tmp_path / "stukken"
    tree.mkdir()
    (tree / "brief.txt").write_text(_text("dijken"), encoding="utf-8")
    (tree / "passwd.txt").symlink_to("/etc/passwd")
    report = ingest_paths([tree], settings, progress=False)
    skipped = {Path(r.path).name: r.reason for r in report.results if r.status == "skipped"}
    assert "outside the ingested folder" in skipped["passwd.txt"]
    assert [d.doc_id for d in ChunkStore(settings.home).documents()] == ["brief"]


def test_long_and_non_utf8_file_names_ingest(tmp_path, settings):
    tree = tmp_path / "namen"
    tree.mkdir()
    long_name = "b" * 250 + ".txt"  # 254 bytes: legal on Linux, its sidecar name (+ .meta.json) is not
    assert len(long_name.encode()) == 254
    (tree / long_name).write_text(_text("lange namen"), encoding="utf-8")
    raw_name = os.path.join(os.fsencode(tree), b"nota-\xff\xfe.txt")  # not UTF-8
    with open(raw_name, "wb") as fh:
        fh.write(_text("vreemde bytes").encode())
    report = ingest_paths([tree], settings, progress=False)
    assert report.ok, report.to_dict()
    docs = {d.doc_id: d for d in ChunkStore(settings.home).documents()}
    assert set(docs) == {"b" * 250, "nota-\\xff\\xfe"}
    assert docs["nota-\\xff\\xfe"].path == path_text(os.fsdecode(raw_name))
    again = ingest_paths([tree], settings, progress=False, prune=True)  # recognised, not pruned
    assert again.counts()["unchanged"] == 2 and again.counts()["removed"] == 0
