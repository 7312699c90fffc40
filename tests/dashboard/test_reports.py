"""Reports as HTML: one template per report, charts as SVG with their summary as alt text and
caption, names and tables where they belong, everything participants typed escaped; blank forms
print every instrument in data/ with the ids the import reads. (The PDFs: test_report_pdfs.py.)"""

from __future__ import annotations

import html
import re

import pytest
from markupsafe import escape

from peerkit import reports
from peerkit.reports import SessionData

from .conftest import build_frame, people_frame, status_frame

DEMO_NAMES = ["Maria", "Sam", "James", "Priya", "Aisha", "Luis", "Tom", "Hannah", "Grace", "Kofi", "Daniel", "Ruth"]
EVIL = "<script>alert('x')</script>"
EVIL_NOTE = "<img src=x onerror=alert(1)> talk to HR"


def esc(text: str) -> str:
    """``text`` as the templates write it (Jinja2's autoescape)."""
    return str(escape(text))


def strip_images(page: str) -> str:
    """The page without its embedded images (base64 can spell any short word)."""
    return re.sub(r"data:image/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+", "data:", page)


def images(page: str) -> list[tuple[str, str]]:
    """(alt, figcaption) of every embedded chart (SVG)."""
    return [(html.unescape(a), html.unescape(c)) for a, c in re.findall(
        r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="([^"]*)">\s*<figcaption>([^<]*)</figcaption>',
        page)]


def demo_snapshot(tmp_path_factory, curriculum) -> SessionData:
    """The demo session plus a participant with a hostile name, a hostile note and answers."""
    from peerkit.store import Store

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('reports') / 'reports.sqlite'}")
    demo = store.load_demo()
    ins = curriculum["readiness-timeline"]
    evil = store.join(demo.id, EVIL, "other")
    store.submit(evil.id, ins, {i.id: True for i in ins.items})
    store.save_note(1, "sia-recovery-principles", "action:p1", EVIL_NOTE)
    store.save_note(1, "sia-recovery-principles", "question:d1", "We rated <b>hope</b> differently.")
    data = reports.collect(store, demo.id, instruments=curriculum)
    notes = {(p.id, i): dict(store.notes(p.id, i)) for p in store.pairs(demo.id) for i in curriculum}
    data.notes = notes  # the snapshot outlives the store
    store.close()
    return data


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory, curriculum):
    return demo_snapshot(tmp_path_factory, curriculum)


@pytest.fixture(scope="module")
def session_page(demo_data, tmp_path_factory):
    path = reports.write_session_report(demo_data, tmp_path_factory.mktemp("out"))
    assert path.exists() and path.suffix == ".html"
    return path.read_text(encoding="utf-8")


def test_session_report_html(session_page):
    page = session_page
    assert page.startswith("<!DOCTYPE html>") and "@page { size: letter; }" in page
    assert "<title>Session report: Demo session</title>" in page and "<h1>Demo session</h1>" in page
    # one part per exercise with answers, each with its charts
    for title in ("Developing a Timeline: readiness quiz", "Program Self-Evaluation", "Role Clarity Checklist"):
        assert re.search(rf'<section class="report-part exercise" id="[^"]+">\s*<h2>{re.escape(esc(title))}',
                         page), title
    imgs = images(page)
    assert len(imgs) >= 10
    assert all(alt == cap and alt for alt, cap in imgs)  # alt text is the summary sentence
    assert any(alt.startswith("Of 13 respondents") for alt, _ in imgs)  # readiness bands
    assert any("Mean area ratings" in alt for alt, _ in imgs)
    assert "data:image/png" not in page  # charts are vector
    # the facilitator's version names people; typed text is escaped
    for name in ("Maria", "Sam", "Ruth"):
        assert name in page
    assert EVIL not in page and esc(EVIL) in page
    assert "<caption>" in page and '<th scope="col"' in page and "<thead>" in page


def test_session_handout_names_nobody(demo_data):
    page = reports.session_report_html(demo_data, names=False, min_group=3)
    assert "Session report — handout" in page
    assert len(images(page)) >= 8
    page = strip_images(page)
    for name in DEMO_NAMES:
        assert not re.search(rf"\b{name}\b", page), name
    assert "alert" not in page  # the hostile name is not shown at all
    # the "other" role has one person: counted among who took part, left out of every result
    results = page[page.index('class="report-part exercise"'):]
    assert "Other" not in results


def test_a4_is_a_page_size_not_a_different_report(demo_data):
    letter = reports.pair_report_html(demo_data, 1)
    a4 = reports.pair_report_html(demo_data, 1, paper="a4")
    assert "@page { size: A4; }" in a4 and "@page { size: letter; }" in letter
    assert a4.replace("size: A4;", "size: letter;") == letter
    with pytest.raises(ValueError, match="unknown paper size"):
        reports.pair_report_html(demo_data, 1, paper="legal")


def test_pair_report_is_a_conversation_aid(demo_data, tmp_path):
    path = reports.write_pair_report(demo_data, 1, tmp_path)
    page = path.read_text(encoding="utf-8")
    assert "<h1>Maria &amp; Sam</h1>" in page and "Maria, supervisor" in page and "Sam, peer specialist" in page
    part = page[page.index('id="ex-sia-recovery-principles"'):]
    # differences first, then the source's questions, action steps, strengths and needs, all answers
    order = [part.index(h) for h in ("<h3>Where you differ</h3>", "<h3>Questions to talk over together</h3>",
                                     "<h3>Action steps</h3>", "<h3>Strengths and needs</h3>",
                                     "<h3>All answers side by side</h3>")]
    assert order == sorted(order)
    for q in demo_data.instrument_map()["sia-recovery-principles"].discussion.questions:
        assert esc(q.text) in page
    # the pair's notes, escaped; room to write where there are none
    assert esc(EVIL_NOTE) in page and "<img src=x" not in page
    assert "We rated &lt;b&gt;hope&lt;/b&gt; differently." in page
    assert 'class="write-line"' in page and "<h2>Our notes</h2>" in page
    assert "≠ differs" in page and "Agreement (kappa)" in page
    assert "Program Self-Evaluation" in page and "Training, mentoring or coaching needs" in page
    imgs = images(page)
    assert imgs and all(alt == cap for alt, cap in imgs)
    assert "James" not in strip_images(page)  # another pair


def test_pair_report_with_one_member_missing(store, sia):
    s = store.create_session("Half a pair", "pass1234")
    ann = store.join(s.id, "Ann", "supervisor")
    ben = store.join(s.id, "Ben", "peer_specialist")
    pair_id = store.set_pair(ann.id, ben.id)
    store.submit(ann.id, sia, {"p1": "S", "p2": "I", "p3": "A"})
    data = reports.collect(store, s.id, instruments={sia.id: sia})
    page = reports.pair_report_html(data, pair_id)
    assert "Ann" in page and "Ben" in page
    assert "Waiting for Ben to submit this exercise." in page
    assert "Not submitted yet." in page  # Ben's strengths and needs
    with pytest.raises(KeyError, match="no pair 99"):
        reports.pair_report_html(data, 99)


def test_reports_from_a_hand_built_snapshot(small_instruments, tmp_path):
    frame = build_frame()
    data = SessionData(session=type("S", (), {"id": 7, "title": "Hand <built>", "date": None,
                                              "join_code": "ABC-DEF"})(),
                       participants=people_frame(), responses=frame, status=status_frame(frame),
                       notes={(1, "t-sia"): {"question:d1": "We differ on <two>"}},
                       instruments=small_instruments)
    page = reports.session_report_html(data)
    assert "<title>Session report: Hand &lt;built&gt;</title>" in page
    assert "Of 4 respondents, 2 in “Ready”, 1 in “Not yet” and 1 in “Not complete (no band)”." in page
    assert "Dan (peer specialist)" in page  # listed as not having submitted
    pair = reports.pair_report_html(data, 1)
    assert "We differ on &lt;two&gt;" in pair
    assert "Cat &amp; Dan" in reports.pair_report_html(data, 2)
    empty = SessionData(session=data.session, participants=[], responses=build_frame({}),
                        instruments=small_instruments)
    assert "No answers have been submitted" in reports.session_report_html(empty)


def test_documents_for_downloads(demo_data):
    doc = reports.session_report_document(demo_data, fmt="html", names=False)
    assert doc.filename == "session-1-demo-session-handout.html" and doc.media_type.startswith("text/html")
    assert b"Session report \xe2\x80\x94 handout" in doc.content
    doc = reports.pair_report_document(demo_data, 1, fmt="html", stamp=True)
    assert re.fullmatch(r"pair-1-maria-sam-\d{8}-\d{6}\.html", doc.filename)
    with pytest.raises(ValueError, match="unknown report format"):
        reports.pair_report_document(demo_data, 1, fmt="docx")


# -- blank forms -----------------------------------------------------------------------------------

def test_blank_form_for_every_instrument(curriculum):
    assert curriculum, "no instruments in data/"
    for ins in curriculum.values():
        page = reports.blank_form_html(ins)
        assert f"<h1>{esc(ins.title)}</h1>" in page, ins.id
        assert f"<strong>{esc(ins.id)}</strong>" in page  # instrument_id for typing in
        circles = boxes = writes = 0
        for item in ins.items:
            assert esc(item.text) in page, (ins.id, item.id)
            assert f'<span class="item-id" title="item_id">{esc(item.id)}</span>' in page, (ins.id, item.id)
            scale = ins.scale_for(item)
            if scale.kind == "text":
                writes += 1
            elif scale.kind == "checklist":
                boxes += 1
            elif scale.kind == "multi":  # tick every option that applies
                boxes += len(scale.options)
            else:
                circles += len(scale.options)
                for o in scale.options:
                    assert esc(o.label) in page or esc(str(o.short)) in page, (ins.id, o)
        if ins.discussion:
            writes += len(ins.discussion.questions)
            for q in ins.discussion.questions:
                assert esc(q.text) in page
        assert page.count('<span class="circle" aria-hidden="true">○</span>') == circles, ins.id
        # checklist items, plus the role (3) and occasion boxes in the header
        assert page.count('<span class="box" aria-hidden="true">☐</span>') == boxes + 3 + len(ins.occasions), ins.id
        assert page.count('<div class="write-box"></div>') == writes, ins.id


def test_write_blank_forms(curriculum, tmp_path):
    paths = reports.write_blank_forms(tmp_path / "forms")
    assert len(paths) == len(curriculum) + 1
    index = (tmp_path / "forms" / "index.html").read_text(encoding="utf-8")
    for ins in curriculum.values():
        assert (tmp_path / "forms" / f"{ins.id}.html").exists()
        assert f'href="{ins.id}.html"' in index
    with pytest.raises(ValueError, match="unknown format"):
        reports.write_blank_forms(tmp_path / "x", fmt="doc")


@pytest.mark.slow
def test_every_instrument_in_data_goes_through_the_reports(curriculum):
    """Group blocks, pair blocks and both reports for every instrument, with sample answers."""
    from peerkit import blocks
    from peerkit.store import demo_answers

    from .conftest import PEOPLE

    answers = {}
    for ins in curriculum.values():
        for k, occ in enumerate(ins.occasion_ids):
            by_person = {}
            for pid, _name, role, pair in PEOPLE[:4]:
                got = demo_answers(ins, (pair or 1) - 1, role, occ, k)
                got.update({i.id: f"<i>{pid}</i> wrote" for i in ins.items if ins.scale_for(i).kind == "text"})
                by_person[pid] = got
            answers[(ins.id, occ)] = by_person
    frame = build_frame(answers)
    data = SessionData(session=type("S", (), {"id": 1, "title": "All", "date": None, "join_code": "ABC-DEF"})(),
                       participants=people_frame(), responses=frame, instruments=curriculum)
    for ins in curriculum.values():
        for b in blocks.instrument_blocks(frame, ins, names=False, min_group=3):
            page = strip_images(b.html())
            # the room sees no free text and no names
            assert "&lt;i&gt;" not in page and not re.search(r"\b(Ann|Ben|Cat|Dan)\b", page), ins.id
    page = reports.session_report_html(data)
    assert "<i>" not in page and "&lt;i&gt;1&lt;/i&gt; wrote" in page  # written answers, escaped
    handout = strip_images(reports.session_report_html(data, names=False, min_group=3))
    assert "&lt;i&gt;" not in handout and not re.search(r"\b(Ann|Ben|Cat|Dan)\b", handout)
    pair = reports.pair_report_html(data, 1)
    assert "<h1>Ann &amp; Ben</h1>" in pair and "<i>" not in pair
