"""The session plans' generated parts (exercise directions, prompts, discussion questions, Binder
links) are current with data/instruments and the notebooks, and every exercise has a plan."""

from __future__ import annotations

import pytest

from ._util import GUIDE, load_module

build = load_module(GUIDE / "_build_plans.py", "peerkit_guide_build_plans")


def test_generated_blocks_are_current(capsys: pytest.CaptureFixture[str]) -> None:
    code = build.main(["--check"])
    err = capsys.readouterr().err
    assert code == 0, f"{err}\nRun: .venv/bin/python facilitator-guide/_build_plans.py"


def test_every_exercise_appears_in_a_session_plan() -> None:
    assert build.every_instrument_placed() == []


def test_every_exercise_notebook_has_a_plan_page_with_its_blocks() -> None:
    from peerkit.pages import EXERCISE_SETS

    for s in EXERCISE_SETS:
        page = GUIDE / "session-plans" / s.notebook.replace(".ipynb", ".md")
        assert page.exists(), f"no session plan for {s.notebook}: {page}"
        text = page.read_text(encoding="utf-8")
        assert f"<!-- generated: others {s.notebook} -->" in text, f"{page.name}: no 'others' block"


def test_plans_quote_the_discussion_questions_word_for_word() -> None:
    # Independent of the renderer: every discussion question of every exercise is on a plan page,
    # with its words in order (whitespace aside).
    from peerkit.instruments import load_all

    text = " ".join(
        " ".join(p.read_text(encoding="utf-8").replace("\\", "").split())
        for p in (GUIDE / "session-plans").glob("*.md"))
    missing = []
    for ins in load_all().values():
        if ins.discussion:
            for q in ins.discussion.questions:
                if " ".join(q.text.split()) not in text:
                    missing.append(f"{ins.id}/{q.id}")
    assert not missing, f"discussion questions not quoted in the plans: {missing}"


def test_markers_are_balanced() -> None:
    for page in GUIDE.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert text.count("<!-- generated: ") == text.count("<!-- end generated -->"), page.name


def test_a_tick_means_the_same_on_the_form_and_in_the_plan() -> None:
    # checklists whose source gives no direction: the kit's note says once what a tick means, and the
    # plan's own words (outside the generated blocks) use the same meaning
    import re

    from peerkit.instruments import load_all
    from peerkit.pages import notebooks_for

    checked = 0
    for ins in load_all().values():
        m = re.search(r"a tick means:? “([^”]+)”", " ".join((ins.kit_note or "").split()))
        if not m:
            continue
        meaning = m.group(1).rstrip(".")
        for notebook in notebooks_for(ins):
            page = (GUIDE / "session-plans" / notebook.replace(".ipynb", ".md")).read_text(encoding="utf-8")
            own = " ".join(build.BLOCK.sub("", page).split())
            assert meaning in own, f"{notebook}: the plan does not say what a tick means in {ins.id}: {meaning!r}"
            checked += 1
    assert checked >= 5
