"""`peerkit report`, `peerkit blank-forms` and `peerkit schema` from the command line."""

from __future__ import annotations

import json
import re

import pytest

from peerkit.cli import main
from peerkit.instruments import Instrument, load_all
from peerkit.store import Store


@pytest.fixture
def demo_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    with Store(url) as store:
        session = store.load_demo()
        pair = store.pairs(session.id)[0]
        names = {p.id: p.display_name for p in store.participants(session.id)}
    return url, session, pair, names


@pytest.mark.slow
def test_session_report_html_names_everyone_and_the_handout_nobody(demo_db, tmp_path, capsys):
    url, session, _pair, names = demo_db
    assert main(["--db", url, "report", session.join_code, "-o", str(tmp_path / "full")]) == 0
    written = capsys.readouterr().out.split("Wrote ")[1].strip()
    html = open(written, encoding="utf-8").read()
    assert all(name in html for name in names.values())
    assert main(["--db", url, "report", str(session.id), "--no-names", "-o", str(tmp_path / "room")]) == 0
    handout = open(capsys.readouterr().out.split("Wrote ")[1].strip(), encoding="utf-8").read()
    text = _visible(handout)
    assert not any(re.search(rf"\b{re.escape(n)}\b", text) for n in names.values())


def test_pair_report_and_unknown_pair(demo_db, tmp_path, capsys):
    url, session, pair, names = demo_db
    assert main(["--db", url, "report", str(session.id), "--pair", str(pair.id), "-o", str(tmp_path)]) == 0
    html = open(capsys.readouterr().out.split("Wrote ")[1].strip(), encoding="utf-8").read()
    pair_names = [names[pair.supervisor_id], names[pair.supervisee_id]]
    assert all(n in html for n in pair_names)
    others = set(names.values()) - set(pair_names)
    assert not any(re.search(rf"\b{re.escape(n)}\b", _visible(html)) for n in others)  # a pair report shows only that pair
    assert main(["--db", url, "report", str(session.id), "--pair", "999", "-o", str(tmp_path)]) == 2
    assert "has no pair 999" in capsys.readouterr().err


@pytest.mark.slow
def test_pair_report_pdf_on_a4(demo_db, tmp_path, capsys):
    from pypdf import PdfReader

    from peerkit import reports

    if not reports.pdf_available():
        pytest.skip("WeasyPrint cannot load here")
    url, session, pair, names = demo_db
    assert main(["--db", url, "report", session.join_code, "--pair", str(pair.id), "--format", "pdf", "--a4",
                 "-o", str(tmp_path)]) == 0
    written = capsys.readouterr().out.split("Wrote ")[1].strip()
    assert written.endswith(".pdf")
    pages = PdfReader(written).pages
    assert len(pages) >= 3 and round(float(pages[0].mediabox.height), 1) == 841.9  # A4
    assert names[pair.supervisor_id] in pages[0].extract_text()


def test_pdf_without_pango_says_what_to_install(demo_db, tmp_path, capsys, monkeypatch):
    from peerkit.reports import render

    def missing():
        raise render.PdfUnavailable(render.PANGO_HINT + " (cannot load library 'libpango-1.0-0')")

    monkeypatch.setattr(render, "_weasyprint", missing)
    url, session, _pair, _names = demo_db
    assert main(["--db", url, "report", str(session.id), "--format", "pdf", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "apt-get install libpango-1.0-0" in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.pdf"))  # nothing half-written
    assert main(["blank-forms", "--format", "pdf", "-o", str(tmp_path / "forms")]) == 2
    assert "Pango" in capsys.readouterr().err


def test_blank_forms_for_every_instrument(tmp_path, capsys):
    assert main(["blank-forms", "-o", str(tmp_path)]) == 0
    written = {p.stem for p in tmp_path.glob("*.html")} - {"index"}
    assert written == set(load_all())
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{i}.html"' in index for i in load_all())


def test_schema_command_prints_the_model_schema(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == Instrument.model_json_schema()


def _visible(html: str) -> str:
    """The report without its embedded images (base64 data can spell short names by chance)."""
    return re.sub(r"data:[^\"')]+", "", html)
