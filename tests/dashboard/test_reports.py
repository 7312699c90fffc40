"""Reports: files are produced, hold the expected charts (with alt text), names and tables, and
escape everything participants typed; blank forms print every instrument in data/."""

from __future__ import annotations

import html
import re

import pytest

from peerkit import reports
from peerkit.reports import SessionData

from .conftest import build_frame, people_frame, status_frame

DEMO_NAMES = ["Maria", "Sam", "James", "Priya", "Aisha", "Luis", "Tom", "Hannah", "Grace", "Kofi", "Daniel", "Ruth"]
EVIL = "<script>alert('x')</script>"


def strip_images(page: str) -> str:
    """The page without its embedded PNGs (base64 can spell any short word)."""
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:", page)


def images(page: str) -> list[tuple[str, str]]:
    """(alt, figcaption) of every embedded chart."""
    return re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]*)"[^>]*>'
                      r"<figcaption>([^<]*)</figcaption>", page)


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory, curriculum):
    """The demo session plus a participant with a hostile name and a hostile note (one store for
    the module: the reports take seconds to draw)."""
    from peerkit.store import Store

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('reports') / 'reports.sqlite'}")
    demo = store.load_demo()
    ins = curriculum["readiness-timeline"]
    evil = store.join(demo.id, EVIL, "other")
    store.submit(evil.id, ins, {i.id: True for i in ins.items})
    store.save_note(1, "sia-recovery-principles", "action:p1", "<img src=x onerror=alert(1)> talk to HR")
    yield reports.collect(store, demo.id, instruments=curriculum)
    store.close()


@pytest.fixture(scope="module")
def session_page(demo_data, tmp_path_factory):
    path = reports.write_session_report(demo_data, tmp_path_factory.mktemp("out"))
    assert path.exists() and path.suffix == ".html"
    return path.read_text(encoding="utf-8")


def test_session_report_html(session_page):
    page = session_page
    assert page.startswith("<!DOCTYPE html>") and "@media print" in page
    assert "<h1>Session report: Demo session</h1>" in page
    # one section per exercise with answers, each with its charts
    for title in ("Developing a Timeline: readiness quiz", "Program Self-Evaluation", "Role Clarity Checklist"):
        assert f"<h2>{html.escape(title)}</h2>" in page
    imgs = images(page)
    assert len(imgs) >= 10
    assert all(alt == cap and alt for alt, cap in imgs)  # alt text is the summary sentence
    assert any(alt.startswith("Of 13 respondents") for alt, _ in imgs)  # readiness bands
    assert any("Mean area ratings" in alt for alt, _ in imgs)
    # the facilitator's version names people; typed text is escaped
    for name in ("Maria", "Sam", "Ruth"):
        assert name in page
    assert EVIL not in page and html.escape(EVIL) in page
    assert "<caption>" in page and '<th scope="col">' in page


def test_session_handout_names_nobody(demo_data):
    page = reports.session_report_html(demo_data, names=False, min_group=3)
    assert len(images(page)) >= 8
    page = strip_images(page)
    for name in DEMO_NAMES:
        assert not re.search(rf"\b{name}\b", page), name
    assert "alert" not in page  # the hostile name is not shown at all


@pytest.mark.slow
def test_session_report_pdf(demo_data, tmp_path):
    path = reports.write_session_report(demo_data, tmp_path, fmt="pdf")
    data = path.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 50_000
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + data.count(b"/Type /Page>") >= 3


@pytest.mark.slow
def test_pair_report(demo_data, tmp_path):
    path = reports.write_pair_report(demo_data, 1, tmp_path)
    page = path.read_text(encoding="utf-8")
    assert "<h1>Pair report: Maria &amp; Sam</h1>" in page
    assert "≠ differs" in page and "Weighted kappa" in page
    assert "Recovery Principles" in page and "Program Self-Evaluation" in page
    assert "Largest gaps first" in page and "Action steps" in page
    assert html.escape("<img src=x onerror=alert(1)> talk to HR") in page
    assert "<img src=x" not in page
    # the self-evaluation's questions are listed (with the pair's answers, none yet)
    for q in demo_data.instrument_map()["program-self-evaluation"].discussion.questions:
        assert html.escape(q.text) in page
    imgs = images(page)
    assert imgs and all(alt == cap for alt, cap in imgs)
    assert "James" not in strip_images(page)  # another pair
    pdf = reports.write_pair_report(demo_data, 1, tmp_path, fmt="pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_pair_report_with_one_member_missing(store, sia):
    s = store.create_session("Half a pair", "pass1234")
    ann = store.join(s.id, "Ann", "supervisor")
    ben = store.join(s.id, "Ben", "peer_specialist")
    pair_id = store.set_pair(ann.id, ben.id)
    store.submit(ann.id, sia, {"p1": "S", "p2": "I", "p3": "A"})
    data = reports.collect(store, s.id, instruments={sia.id: sia})
    page = reports.pair_report_html(data, pair_id)
    assert "Ann" in page and "Ben" in page
    assert "only one answer so far" in page or "one answer so far" in page
    assert "Weighted kappa" in page  # the per-area table is there, with kappa empty


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
    assert "Dan" in page  # listed as not having submitted
    pair = reports.pair_report_html(data, 1)
    assert "We differ on &lt;two&gt;" in pair
    assert "Cat &amp; Dan" in reports.pair_report_html(data, 2)
    empty = SessionData(session=data.session, participants=[], responses=build_frame({}),
                        instruments=small_instruments)
    assert "No answers have been submitted" in reports.session_report_html(empty)
    assert reports.session_report_pdf(empty, tmp_path / "empty.pdf").read_bytes()[:5] == b"%PDF-"


# -- blank forms -----------------------------------------------------------------------------------

def test_blank_form_for_every_instrument(curriculum):
    assert curriculum, "no instruments in data/"
    for ins in curriculum.values():
        page = reports.blank_form_html(ins)
        assert f"<h1>{html.escape(ins.title)}</h1>" in page, ins.id
        circles = boxes = writes = 0
        for item in ins.items:
            assert html.escape(item.text) in page, (ins.id, item.id)
            scale = ins.scale_for(item)
            if scale.kind == "text":
                writes += 1
            elif scale.kind == "checklist":
                boxes += 1
            else:
                circles += len(scale.options)
                for o in scale.options:
                    assert html.escape(o.label) in page or html.escape(str(o.short)) in page, (ins.id, o)
        if ins.discussion:
            writes += len(ins.discussion.questions)
            for q in ins.discussion.questions:
                assert html.escape(q.text) in page
        assert page.count('aria-hidden="true">○</span>') == circles, ins.id
        # checklist items, plus the role (3) and occasion boxes in the header
        assert page.count('aria-hidden="true">☐</span>') == boxes + 3 + len(ins.occasions), ins.id
        assert page.count('class="peerkit-write-box"') == writes, ins.id


def test_write_blank_forms(curriculum, tmp_path):
    paths = reports.write_blank_forms(tmp_path / "forms")
    assert len(paths) == len(curriculum) + 1
    index = (tmp_path / "forms" / "index.html").read_text(encoding="utf-8")
    for ins in curriculum.values():
        assert (tmp_path / "forms" / f"{ins.id}.html").exists()
        assert f'href="{ins.id}.html"' in index


@pytest.mark.slow
def test_every_instrument_in_data_goes_through_the_views(curriculum):
    """Group blocks, pair blocks and both reports for every instrument, with sample answers."""
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
    from peerkit import blocks

    for ins in curriculum.values():
        for b in blocks.instrument_blocks(frame, ins):
            assert "<i>" not in b.html(), ins.id  # written answers are shown escaped
        for b in blocks.instrument_blocks(frame, ins, names=False, min_group=3):
            page = strip_images(b.html())
            # the room sees no free text and no names
            assert "&lt;i&gt;" not in page and not re.search(r"\b(Ann|Ben|Cat|Dan)\b", page), ins.id
        for occ in ins.occasion_ids:
            for b in blocks.pair_blocks(frame, ins, "Ann", "Ben", 1, 2, occ):
                b.html()
    assert "<h1>Pair report: Ann &amp; Ben</h1>" in reports.pair_report_html(data, 1)
