"""The participant app on a temporary SQLite store: join, wrong/closed codes, resume, occasions."""

from __future__ import annotations

import html
import subprocess
import sys

import pytest

from peerkit.forms import JoinPanel, ParticipantApp, participant_app
from peerkit.store import Store

from .conftest import fill, join, same_device


def test_role_choices():
    panel = JoinPanel(store=None)
    assert list(panel.role.options) == [("Supervisor", "supervisor"), ("Peer specialist", "peer_specialist"),
                                        ("Other", "other")]
    for w in (panel.code, panel.name, panel.role):
        assert w.description  # every control labelled
    assert "peerkit-status" in panel.status._dom_classes


def test_join_then_pick_an_exercise(make_app, session, store, instruments):
    app = make_app()
    assert app.work_area.layout.display == "none"
    person = join(app, session.join_code.lower().replace("-", " "), "  Avery  ", "peer_specialist")
    assert person is not None and person.display_name == "Avery" and person.role == "peer_specialist"
    assert app.join_panel.layout.display == "none" and app.work_area.layout.display is None
    assert "Avery" in app.signed_in.value and "Peer specialist" in app.signed_in.value
    assert app.exercise.description == "Exercise"
    assert {v for _, v in app.exercise.options} == set(instruments)
    # exercises meant for the other role are marked, after the ones for this role
    labels = [label for label, _ in app.exercise.options]
    assert any(label.endswith("(for supervisors)") for label in labels)
    app.exercise.value = "readiness-timeline"
    form = app.form
    assert form is not None and app.form_area.children == (form,)
    assert app.occasion.layout.display == "none"
    values = fill(form)
    form.submit_button.click()
    assert store.current_answers(person.id, "readiness-timeline") == values
    assert "Submitted at" in form.status.value


def test_wrong_join_code(make_app, session, store):
    app = make_app()
    assert join(app, "ZZZ-ZZZ", "Avery") is None
    msg = app.join_panel.status.value
    assert "No session has the join code" in msg and "ZZZ-ZZZ" in msg and 'role="alert"' in msg
    assert app.work_area.layout.display == "none"
    assert store.participants(session.id) == []


def test_hostile_join_code_escaped(make_app, session):
    app = make_app()
    join(app, "<img src=x onerror=alert(1)>", "Avery")
    assert "<img" not in app.join_panel.status.value
    assert "&lt;img src=x onerror=alert(1)&gt;" in app.join_panel.status.value


def test_closed_session(make_app, session, store):
    store.set_status(session.id, "closed")
    app = make_app()
    assert join(app, session.join_code, "Avery") is None
    assert "closed" in app.join_panel.status.value
    assert html.escape(session.title) in app.join_panel.status.value or session.title in app.join_panel.status.value
    assert store.participants(session.id) == []


@pytest.mark.parametrize("name, role, expected", [
    ("", "supervisor", "enter your name"),
    ("Avery", None, "choose your role"),
    ("x" * 61, "supervisor", "too long"),
])
def test_join_needs_name_and_role(make_app, session, name, role, expected):
    app = make_app()
    panel = app.join_panel
    panel.code.value, panel.name.value, panel.role.value = session.join_code, name, role
    panel.join_button.click()
    assert app.participant is None
    assert expected in panel.status.value.lower()


def test_missing_code_suggests_self_study(make_app, session):
    app = make_app()
    join(app, "", "Avery")
    assert "self-study" in app.join_panel.status.value


def test_self_study(make_app, store):
    app = make_app()
    panel = app.join_panel
    panel.name.value, panel.role.value = "Sam", "other"
    panel.self_study_button.click()
    assert app.participant is not None
    assert app.session.id == store.self_study_session().id
    form = app.select("sia-recovery-principles")
    values = fill(form)
    form.submit_button.click()
    assert store.current_answers(app.participant.id, "sia-recovery-principles") == values


def test_hostile_display_name_escaped(make_app, session):
    app = make_app()
    join(app, session.join_code, "<b onmouseover=alert(1)>Eve</b>")
    assert "<b onmouseover" not in app.signed_in.value
    assert "&lt;b onmouseover=alert(1)&gt;Eve&lt;/b&gt;" in app.signed_in.value


def test_resume_after_reload(db_url, session, instruments):
    """The same browser in a fresh app (a reload, a new kernel, a new Store) resumes everything
    by itself, with no typing; the draft and the submission are back, and the exercise the
    person was on is open again."""
    store1 = Store(db_url)
    app = ParticipantApp(store1, instruments)
    person = join(app, session.join_code, "Jordan", "supervisor")
    quiz = app.select("readiness-timeline")
    submitted = fill(quiz)
    quiz.submit_button.click()
    reflection = app.select("co-learning")
    first = instruments["co-learning"].items[0].id
    reflection.controls[first].input.value = "Half-written thought"
    store1.close()

    store2 = Store(db_url)  # the tab was reloaded; a new kernel opens the same database
    app2 = ParticipantApp(store2, instruments)
    again = same_device(app, app2)
    assert again.id == person.id and app2.join_panel.layout.display == "none"
    assert "Welcome back" in app2.join_panel.status.value
    assert app2.exercise.value == "co-learning"  # where this device was
    form = app2.form
    assert form.controls[first].input.value == "Half-written thought"  # the draft
    assert "from last time" in form.draft_status.value
    quiz2 = app2.select("readiness-timeline")
    assert {i: c.value for i, c in quiz2.controls.items()} == submitted  # the submission
    assert "submitted this exercise before" in quiz2.status.value
    assert quiz2.results.value and quiz2.results.layout.display is None
    quiz2.submit_button.click()  # unchanged answers: still one revision
    assert len(store2.revisions(person.id, "readiness-timeline")) == 1
    assert "Already saved" in quiz2.status.value
    store2.close()


def test_occasions_pre_then_post(make_app, session, store, instruments):
    ins = instruments["role-clarity-checklist"]
    app = make_app()
    person = join(app, session.join_code, "Riley", "supervisor")
    app.exercise.value = ins.id
    assert app.occasion.layout.display is None
    assert [v for _, v in app.occasion.options] == ["pre", "post"]
    assert app.occasion.value == "pre"
    pre = app.form
    assert html.escape(ins.occasions[0].label) in " ".join(
        w.value for w in pre.children if hasattr(w, "value") and isinstance(w.value, str))
    fill(pre, {ins.items[0].id: True})
    pre.submit_button.click()
    assert store.current_answers(person.id, ins.id, "pre")[ins.items[0].id] is True

    app2 = make_app()  # later, the same person comes back on the same device for the post-check
    same_device(app, app2)
    app2.exercise.value = ins.id
    assert app2.occasion.value == "post"  # the first occasion not yet submitted
    post = app2.form
    fill(post, {ins.items[0].id: True, ins.items[1].id: True})
    post.submit_button.click()
    assert "Change since" in post.results.value and "newly ticked: 1" in post.results.value
    # switching occasions keeps each form
    app2.occasion.value = "pre"
    assert app2.form.occasion_id == "pre" and app2.form is not post
    app2.occasion.value = "post"
    assert app2.form is post


def test_session_closed_while_working(make_app, session, store):
    app = make_app()
    join(app, session.join_code, "Kim", "peer_specialist")
    form = app.select("readiness-timeline")
    values = fill(form)
    store.set_status(session.id, "closed")
    form.submit_button.click()
    assert "closed" in form.status.value and "still on this page" in form.status.value
    assert "try again" not in form.status.value
    assert {i: c.value for i, c in form.controls.items()} == values
    assert store.current_answers(app.participant.id, "readiness-timeline") is None


def test_leave_and_switch_person(make_app, session):
    app = make_app()
    join(app, session.join_code, "Lee", "other")
    app.leave_button.click()
    assert app.participant is None and app.join_panel.layout.display is None
    assert app.work_area.layout.display == "none" and app.join_panel.name.value == ""
    join(app, session.join_code, "Morgan", "other")
    assert app.participant.display_name == "Morgan"


def test_preselected_exercise(make_app, session):
    app = make_app(exercise="sia-recovery-principles")
    join(app, session.join_code, "Pat", "peer_specialist")
    assert app.form is not None and app.form.instrument.id == "sia-recovery-principles"


def test_participant_app_default_store(monkeypatch, tmp_path, instruments):
    url = f"sqlite:///{tmp_path / 'default.sqlite'}"
    monkeypatch.setenv("PEERKIT_DB_URL", url)
    app = participant_app(instruments=instruments)
    assert isinstance(app, ParticipantApp) and not app.store.opened  # opened at Join, not at render
    assert not (tmp_path / "default.sqlite").exists()
    assert str(app.store.url).endswith("default.sqlite")  # first use opens it
    assert isinstance(app.store.open(), Store) and app.store.opened
    for cls in ("peerkit-app",):
        assert cls in app._dom_classes
    app.store.close()


FIRST_RENDER = """
import sys, json
from ipywidgets import Widget
from peerkit.forms import participant_app
app = participant_app(code_from_url=True)
heavy = sorted(m for m in ("pydantic", "yaml", "sqlalchemy", "pandas", "matplotlib", "voila",
                           "peerkit.instruments", "peerkit.store") if m in sys.modules)
print(json.dumps({"heavy": heavy, "widgets": len(Widget.widgets), "code": app.join_panel.code.value}))
"""


@pytest.mark.parametrize("env, code", [({}, ""), ({"QUERY_STRING": "code=abc-def&x=1"}, "abc-def")])
def test_first_render_is_small(env, code, tmp_path):
    """What a page sends before Join: the join panel only; no instruments, store or Voila code."""
    import json
    import os

    run_env = {**os.environ, **env, "PEERKIT_DB_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    run_env.pop("VOILA_PREHEAT", None)
    out = subprocess.run([sys.executable, "-c", FIRST_RENDER], capture_output=True, text=True, check=True,
                         env=run_env).stdout
    got = json.loads(out.strip().splitlines()[-1])
    assert got["heavy"] == [] and got["code"] == code
    # models incl. layouts and styles: the whole app built at once made 61, the join screen with a
    # layout and style per control 38; shared layouts and styles make it 30
    assert got["widgets"] <= 30, got
    assert not (tmp_path / "x.sqlite").exists()


def test_join_screen_shares_looks_only_where_they_never_change(make_app, session):
    """Controls that share a layout never show or hide themselves; those that do have their own."""
    app = make_app()
    jp = app.join_panel
    assert jp.name.layout is jp.role.layout and jp.name.style is jp.code.style
    assert jp.join_button.style is jp.self_study_button.style
    hidden = jp.device.layout
    assert hidden.display == "none" and all(w.layout is hidden for w in app.children[:2])
    shown_or_hidden = [jp.code, jp.join_button, jp, app.work_area, app.connection]
    layouts = [w.layout for w in shown_or_hidden]
    assert len({id(x) for x in layouts}) == len(layouts)
    assert all(x is not hidden and x is not jp.name.layout for x in layouts)

    study = participant_app(self_study=True, instruments={})
    sp = study.join_panel
    assert sp.code.layout.display == "none" and sp.join_button.layout.display == "none"
    assert sp.name.layout.display is None and sp.role.layout.display is None
    assert sp.self_study_button.layout.display is None


def test_prepared_kernel_reads_the_code_in_the_browser(monkeypatch):
    """A kernel prepared before the request gets ``?code=`` from the page, not from Voila."""
    import sys as _sys

    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.delenv("QUERY_STRING", raising=False)
    app = participant_app(code_from_url=True, instruments={})
    reader = app.children[-1]
    assert type(reader).__name__ == "PageQuery" and "voila" not in _sys.modules
    reader.query = "?code=K7P-X3M"
    assert app.join_panel.code.value == "K7P-X3M"
    reader.query = "?code=OTHER"  # a code already there is not replaced
    assert app.join_panel.code.value == "K7P-X3M"


def test_broken_instrument_file_is_skipped(tmp_path):
    from peerkit.forms import available_instruments

    folder = tmp_path / "instruments"
    folder.mkdir()
    (folder / "broken.yaml").write_text("id: broken\nversion: 0\n", encoding="utf-8")
    assert available_instruments(tmp_path) == {}


def test_import_keeps_heavy_modules_out():
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import peerkit.forms"],
                         capture_output=True, text=True, check=True).stderr
    modules = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in out.splitlines() if "|" in line}
    assert "pandas" not in modules and "matplotlib" not in modules and "sqlalchemy" not in modules


def test_available_instruments_match_the_core_loader(instruments):
    from peerkit.instruments import InstrumentError, instrument_files, load_instrument

    expected = {}
    for path in instrument_files():
        try:
            ins = load_instrument(path)
        except InstrumentError:
            continue
        expected[ins.id] = ins
    assert instruments == expected


def test_exercise_page_lands_on_occasion(store, session, instruments):
    from peerkit.forms import exercise

    app = exercise("role-clarity-checklist", store, occasion="post", instruments=instruments)
    join(app, session.join_code, "Quinn", "supervisor")
    assert app.form.instrument.id == "role-clarity-checklist" and app.form.occasion_id == "post"


def test_self_study_only_page(store, instruments):
    app = participant_app(store, instruments=instruments, self_study=True)
    panel = app.join_panel
    assert panel.code.layout.display == "none" and panel.join_button.layout.display == "none"
    panel.name.value, panel.role.value = "Robin", "peer_specialist"
    panel.self_study_button.click()
    assert app.session.id == store.self_study_session().id
