"""peerkit.pages: the Markdown the notebooks show is built from the data files."""

from __future__ import annotations

import pytest

from peerkit import pages
from peerkit.instruments import get_instrument, load_all


def test_catalogue_lists_every_instrument_under_its_document():
    text = pages.catalogue_markdown()
    found = load_all()
    assert f"{len(found)} exercises" in text
    for ins in found.values():
        assert pages._md(ins.title) in text
        assert f"### {pages._md(ins.source.title)}" in text
    assert "[unit-2](unit-2.ipynb)" in text
    # the reading material is listed too, with the notebook that shows it
    assert "### Reading material" in text and "**5.2 Reading, CPS Job Description**" in text
    assert "[unit-5](unit-5.ipynb)" in text.split("### Reading material")[1]


def test_pre_post_checklist_sits_in_units_1_and_6():
    assert pages.notebooks_for(get_instrument("role-clarity-checklist")) == ["unit-1.ipynb", "unit-6.ipynb"]


def test_prompts_come_from_the_data():
    ins = get_instrument("program-self-evaluation")
    text = pages.prompts_markdown(ins.id)
    assert f"### {pages._md(ins.source.exercise)}" in text
    assert ins.source.exercise not in pages.prompts_markdown(ins.id, heading=False)  # notebooks: own heading
    assert pages.prompts(ins.id).data == pages.prompts_markdown(ins.id, heading=False)
    for q in ins.discussion.questions:
        assert pages._md(q.text) in text
    # rating items stay in the form; written reflections list their questions
    assert pages._md(ins.items[0].text) not in text
    co = get_instrument("co-learning")
    assert all(pages._md(i.text) in pages.prompts_markdown(co.id) for i in co.items)


def test_prompts_for_an_occasion():
    ins = get_instrument("role-clarity-checklist")
    post = next(o for o in ins.occasions if o.id == "post")
    assert pages._md(post.label) in pages.prompts_markdown(ins.id, occasion="post")
    with pytest.raises(KeyError, match="no occasion"):
        pages.prompts_markdown(ins.id, occasion="later")


def test_markdown_special_characters_are_escaped():
    assert pages._md("a *b* [c] <d> #e | f_g") == r"a \*b\* \[c\] \<d\> \#e \| f\_g"


def test_set_overview_and_unknown_notebook():
    assert "Recovery Principles" in pages.set_overview_markdown("unit-2")
    with pytest.raises(KeyError, match="no exercise notebook"):
        pages.instruments_in("unit-9.ipynb")


def test_query_params(monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "code=K7P-X3M&x=1")
    assert pages.query_params() == {"code": "K7P-X3M", "x": "1"}
    monkeypatch.delenv("QUERY_STRING")
    assert pages.query_params() == {}


def test_with_join_code_fills_an_empty_field(monkeypatch):
    class Field:
        value = ""

    class Panel:
        code = Field()

    class App:
        join_panel = Panel()

    monkeypatch.setenv("QUERY_STRING", "code=ab2-cd3")
    app = pages.with_join_code(App())
    assert app.join_panel.code.value == "ab2-cd3"


def test_exercise_rejects_an_unknown_id():
    with pytest.raises(KeyError, match="unknown instrument"):
        pages.exercise("no-such-exercise")


def test_exercise_cells_of_a_page_share_one_sign_in(tmp_path, monkeypatch):
    from peerkit.store import Store

    monkeypatch.setattr(pages, "_page_apps", [])
    store = Store(f"sqlite:///{tmp_path / 'p.sqlite'}")
    session = store.create_session("Unit 2", "pass1234")
    first = pages.exercise("sia-recovery-principles", store=store)
    second = pages.exercise("program-self-evaluation")  # same page: same store
    assert second.store is store
    panel = first.join_panel
    panel.code.value, panel.name.value, panel.role.value = session.join_code, "Sam", "supervisor"
    panel.join()
    assert second.participant is not None and second.participant.id == first.participant.id
    assert second.form is not None and second.form.instrument.id == "program-self-evaluation"
    # self-study works the same way
    monkeypatch.setattr(pages, "_page_apps", [])
    a, b = pages.exercise("co-learning", store=store), pages.exercise("themes-part-1", store=store)
    a.join_panel.name.value, a.join_panel.role.value = "Alex", "peer_specialist"
    a.join_panel.join_self_study()
    assert b.participant is not None and b.session.id == store.self_study_session().id
    store.close()


def test_group_display_page_needs_the_passcode(tmp_path, monkeypatch):
    from peerkit.store import Store

    store = Store(f"sqlite:///{tmp_path / 'g.sqlite'}")
    session = store.create_session("Projector", "right-pass")
    monkeypatch.setenv("QUERY_STRING", f"code={session.join_code}")
    page = pages.group_display_page(store)
    assert page.code.value == session.join_code
    page.passcode.value = "wrong"
    assert page.unlock() is False and "not right" in page.children[0].children[-1].value
    assert page.passcode.value == ""  # never left in the field
    from peerkit.store.access import MAX_FAILURES

    for _ in range(MAX_FAILURES - 1):
        page.passcode.value = "wrong"
        page.unlock()
    page.passcode.value = "right-pass"
    assert page.unlock() is False and "try again in" in page.children[0].children[-1].value
    # one lockout per session, shared with the dashboard: a fresh page (a reload) is locked too
    from peerkit.dashboard import facilitator_dashboard

    assert facilitator_dashboard(store).unlock(session.id, "right-pass") is False
    with store.engine.begin() as conn:  # the lock has run out
        conn.exec_driver_sql("UPDATE access_failures SET locked_until = NULL")
    page2 = pages.group_display_page(store)
    page2.passcode.value = "right-pass"
    assert page2.unlock() is True
    shown = page2.children[1].children[0]
    assert "peerkit-group-display" in shown._dom_classes
    shown.close()
    store.close()


def test_directions_keep_their_paragraphs_and_lists_in_markdown():
    from peerkit.pages import _block

    text = "First paragraph.\nSecond paragraph.\n\n1. Step one\n2. Step two:\n   - S - strong\n   - A - absent\nAfter."
    assert _block(text) == (
        "First paragraph.\n\nSecond paragraph.\n\n1\\. Step one\n\n2\\. Step two:\n   - S - strong\n   - A - absent\n\nAfter."
    )
    # the source's own numbers stay as printed (Markdown would renumber "3." then "5." as 3, 4)
    assert _block("3. Third\n5. Fifth") == "3\\. Third\n\n5\\. Fifth"


def test_the_sources_numbers_are_shown_as_printed():
    # Markdown would renumber "1." then "3." as 1, 2: the plans keep the source's own numbers
    from peerkit.pages import _block, prompts_markdown

    assert _block("1. First\n3. Third") == "1\\. First\n\n3\\. Third"
    sia = prompts_markdown("sia-recovery-principles")
    assert "3\\. Compare your ratings" in sia and "4\\. What steps could you take" in sia
    assert "1. Compare" not in sia


def test_the_kits_additions_are_labelled_in_the_prompts():
    from peerkit.pages import prompts_markdown

    text = prompts_markdown("misconceptions")
    assert "Note from this kit (not in the source):" in text and "kit's derivation" in text


def test_reading_material_is_text_with_the_kits_headings_marked():
    from peerkit.pages import reading_markdown

    text = reading_markdown("interview-questions")
    assert "nothing to answer" in text
    assert "*(heading added by the kit)*" in text
    assert "- **1.** Can you tell me some ways" in text
    assert "Another example: [gap in the source]" in text
    job = reading_markdown("cps-job-description")
    assert job.startswith("### 5.2 Reading, CPS Job Description") and "*adapted from job descriptions" in job
