"""The PDFs, read back: every report of the demo session is laid out by WeasyPrint, its text
extracted (pypdf) and checked: every item text the report shows is there whole (nothing cut),
hostile participant text is printed as text, the footer has the session title and page numbers,
page counts are sane, and US Letter / A4 are the page sizes asked for. Blank forms carry the
ids the import reads: a paper form typed in with them passes ``peerkit import --check``."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from peerkit import reports

from .test_reports import DEMO_NAMES, EVIL, EVIL_NOTE, demo_snapshot

pytestmark = pytest.mark.slow

LETTER = (612.0, 792.0)
A4 = (595.28, 841.89)


@pytest.fixture(scope="module", autouse=True)
def _pdf_engine():
    if not reports.pdf_available():
        message = "WeasyPrint cannot load (the Pango library is missing)"
        if os.environ.get("PEERKIT_REQUIRE_PDF") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory, curriculum):
    return demo_snapshot(tmp_path_factory, curriculum)


def norm(text: str) -> str:
    """Text with line breaks undone: a break after a hyphen or a slash joins, any other is a space
    (applied to the extracted text and to the item text alike)."""
    text = re.sub(r"([-/])\s+", r"\1", text.replace("\u00ad", ""))
    return re.sub(r"\s+", " ", text).strip()


class Pdf:
    def __init__(self, content: bytes):
        from pypdf import PdfReader

        assert content[:5] == b"%PDF-"
        self.reader = PdfReader(io.BytesIO(content))
        self.pages = [p.extract_text() or "" for p in self.reader.pages]
        self.text = norm("\n".join(self.pages))

    def __len__(self) -> int:
        return len(self.pages)

    def sizes(self) -> set[tuple[float, float]]:
        return {(round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) for p in self.reader.pages}


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def save_page_one(content: bytes, name: str, tmp_path: Path) -> None:
    """With PEERKIT_UPDATE_SCREENSHOTS=1: page 1 as docs/screenshots/<name>.png (pdftoppm, poppler-utils)."""
    if os.environ.get("PEERKIT_UPDATE_SCREENSHOTS") != "1":
        return
    assert shutil.which("pdftoppm"), "pdftoppm (poppler-utils) makes the report screenshots"
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(content)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(SCREENSHOTS / name)], check=True)


def shown_items(page: str, instruments) -> list[tuple[str, str]]:
    """(instrument id, item text) of every item whose full text the HTML report shows."""
    from markupsafe import escape

    return [(ins.id, item.text) for ins in instruments for item in ins.items if str(escape(item.text)) in page]


def assert_whole(pdf: Pdf, items) -> None:
    cut = [(iid, text) for iid, text in items if norm(text) not in pdf.text]
    assert not cut, f"{len(cut)} item texts not found whole in the PDF, e.g. {cut[:3]}"


def test_session_report_pdf(demo_data, tmp_path):
    page = reports.session_report_html(demo_data)
    content = reports.session_report_document(demo_data).content
    save_page_one(content, "report-session", tmp_path)
    pdf = Pdf(content)
    used = demo_data.used_instruments()
    items = shown_items(page, used)
    # the option-answer exercises list every item; all of them, and every other item shown, whole
    for ins in used:
        if ins.kinds & {"true_false", "sia", "checklist"}:
            assert {t for i, t in items if i == ins.id} == {i.text for i in ins.items}, ins.id
    assert len(items) >= 40
    assert_whole(pdf, items)
    # hostile text is printed as the characters typed
    assert EVIL in pdf.text
    # every page's footer: the session title and "Page k of n"
    n = len(pdf)
    for k, text in enumerate(pdf.pages, 1):
        assert f"Page {k} of {n}" in text and "Demo session — Session report" in text, k
    assert 5 <= n <= 40
    assert pdf.sizes() == {LETTER}
    for name in DEMO_NAMES:
        assert name in pdf.text


def test_session_handout_pdf(demo_data):
    pdf = Pdf(reports.session_report_document(demo_data, names=False).content)
    for name in DEMO_NAMES:
        assert not re.search(rf"\b{name}\b", pdf.text), name
    assert "alert" not in pdf.text
    assert "Nobody is named in this handout" in pdf.text
    assert 4 <= len(pdf) <= 40


def test_every_pair_report_pdf(demo_data, tmp_path):
    pairs = demo_data.pairs_df()
    assert len(pairs) == 6
    compared = [i for i in demo_data.used_instruments() if i.compare]
    for p in pairs.to_dict("records"):
        content = reports.pair_report_document(demo_data, p["pair_id"]).content
        if p["pair_id"] == 1:
            save_page_one(content, "report-pair", tmp_path)
        pdf = Pdf(content)
        label = p["label"]
        # every item of the compared exercises is in the side-by-side tables, whole
        assert_whole(pdf, [(i.id, item.text) for i in compared for item in i.items])
        for ins in compared:
            if ins.discussion:
                assert_whole(pdf, [(ins.id, q.text) for q in ins.discussion.questions])
        assert "Where you differ" in pdf.text and "Our notes" in pdf.text
        others = set(DEMO_NAMES) - {p["a_name"], p["b_name"]}
        assert not any(re.search(rf"\b{n}\b", pdf.text) for n in others), label
        assert f"Page 1 of {len(pdf)}" in pdf.pages[0] and f"Pair report: {label}" in pdf.pages[0]
        assert 3 <= len(pdf) <= 30, (label, len(pdf))
        if p["pair_id"] == 1:
            assert EVIL_NOTE in pdf.text and "We rated <b>hope</b> differently." in pdf.text


def test_a4_and_letter(demo_data):
    letter = Pdf(reports.pair_report_document(demo_data, 2).content)
    a4 = Pdf(reports.pair_report_document(demo_data, 2, paper="a4").content)
    assert letter.sizes() == {LETTER} and a4.sizes() == {A4}
    assert a4.text.replace(" ", "")[:400] == letter.text.replace(" ", "")[:400]  # the same report


def test_blank_forms_pdf_and_typing_them_in(curriculum, tmp_path):
    from peerkit import transfer
    from peerkit.reports.forms import form_context

    doc = reports.blank_forms_document(curriculum)
    assert doc.filename == "blank-forms.pdf"
    pdf = Pdf(doc.content)
    items = [(i.id, item.text) for i in curriculum.values() for item in i.items]
    assert_whole(pdf, items)
    n_items = len(items)
    assert len(curriculum) <= len(pdf) <= len(curriculum) * 2 + n_items // 5
    # every form: the instrument id, each item's id and every value to type, as printed
    rows = []
    for ins in curriculum.values():
        form = form_context(ins)
        assert ins.id in pdf.text
        key = {r["marked"]: r["value"] for r in form["key"]}
        for section in form["sections"]:
            for item in section["entries"]:
                assert item["id"] in pdf.text
                scale = ins.scale_for(item["id"])
                if scale.kind == "text":
                    value = "written on paper"
                elif scale.kind == "checklist":
                    value = key["☐ ticked"]
                elif scale.kind == "multi":  # two boxes ticked
                    value = "+".join(key[f"☐ {o}"] for o in item["options"][:2])
                else:
                    value = key[f"○ {item['options'][-1]}"]  # the last circle marked
                for occ in ins.occasion_ids:
                    rows.append({"session_title": "Paper forms", "join_code": "ABC-DEF", "participant_id": "1",
                                 "display_name": "Pat", "role": "supervisor", "instrument_id": ins.id,
                                 "instrument_version": str(form["version"]), "occasion": occ,
                                 "item_id": item["id"], "value": value, "revision": "1",
                                 "submitted_at": "2026-03-01T10:00:00+00:00"})
    for form in map(form_context, curriculum.values()):
        for r in form["key"]:
            assert norm(r["value"]) in pdf.text
    path = tmp_path / "typed-in.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    payload, _warnings = transfer.check_file(path, curriculum)  # raises TransferError listing any problem
    assert len(payload["responses"]) == sum(len(i.occasion_ids) for i in curriculum.values())


def test_export_tab_offers_the_same_pdfs_on_the_chosen_paper(store, demo, tmp_path):
    from peerkit.dashboard import facilitator_dashboard

    app = facilitator_dashboard(store)
    assert app.unlock(demo.id, "demo")
    ep = app.export_panel
    ep.paper.value = "a4"
    made = {}
    for key, button in (("handout", ep.handout_pdf_button), ("blank", ep.blank_pdf_button)):
        button.click()
        assert "error" not in ep.status.value, ep.status.value
        made[key] = Path(re.search(r"also saved as (.+\.pdf)", html_text(ep.status.value)).group(1))
    handout = Pdf(made["handout"].read_bytes())
    assert handout.sizes() == {A4} and "Nobody is named in this handout" in handout.text
    assert not any(re.search(rf"\b{n}\b", handout.text) for n in DEMO_NAMES)
    blank = Pdf(made["blank"].read_bytes())
    assert blank.sizes() == {A4} and len(blank) >= len(app.instruments)
    ep.paper.value = "letter"
    ep.pair_picker.value = ep.pair_picker.options[0][1]
    ep.pair_pdf_button.click()
    pair = Path(re.search(r"also saved as (.+\.pdf)", html_text(ep.status.value)).group(1))
    assert Pdf(pair.read_bytes()).sizes() == {LETTER}


def html_text(value: str) -> str:
    import html as _html

    return _html.unescape(re.sub(r"<[^>]+>", "", value))
