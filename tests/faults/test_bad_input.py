"""The bad-input catalogue: hostile or malformed input at every door of the kit.

Every case must get a clear message (naming the file, row, field or limit) and write nothing
wrong: nothing at all for rejected input, exactly what was typed for accepted text, which is then
escaped wherever it is shown (the participant's form and results, the facilitator dashboard, the
pair view, the HTML reports).

- instrument files (``parse_instrument`` / ``load_instrument``): YAML bombs (anchor/alias
  expansion), Python tags, huge files, wrong types, wrong encodings, HTML in the text;
- join codes: empty, too long, SQL-looking, look-alike letters (Cyrillic, full-width), invisible
  characters, HTML;
- display names: too long, only spaces, emoji, right-to-left, HTML, combining accents;
- free text with HTML / script in answers;
- import files (``peerkit.transfer``): wrong or missing columns, latin-1, UTF-16, UTF-8 with BOM,
  damaged JSON / XLSX, values off the scale.
"""

from __future__ import annotations

import codecs
from html import escape as html_escape
import csv
import io
import json
import os
import time
import unicodedata
from pathlib import Path

import ipywidgets as W
import pytest
import sqlalchemy as sa

from peerkit import reports
from peerkit.forms import InstrumentForm, MemoryBackend, StoreBackend, participant_app, render_results
from peerkit.instruments import InstrumentError, load_instrument, parse_instrument
from peerkit.store import MAX_NAME_LENGTH, Store, StoreError
from peerkit.transfer import TransferError, export_csv, export_json, import_file

CODE = "ABC-KMP"  # every letter has a Cyrillic look-alike
TF = "misconceptions"
TEXT = "code-of-ethics"
SIA = "sia-recovery-principles"

# -- helpers ----------------------------------------------------------------------------------


def html_of(widget, out: list[str] | None = None) -> list[str]:
    """Every piece of HTML a widget tree renders as HTML (HTML widgets, Output widgets' HTML)."""
    out = [] if out is None else out
    if isinstance(widget, (W.HTML, W.HTMLMath)):
        out.append(widget.value)
    if isinstance(widget, W.Output):
        out += [str(o.get("data", {}).get("text/html", "")) for o in widget.outputs]
    for child in getattr(widget, "children", ()) or ():
        html_of(child, out)
    return out


def counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as c:
        return {t: c.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("sessions", "participants", "responses", "drafts", "notes")}


@pytest.fixture
def store(tmp_path: Path):
    s = Store(f"sqlite:///{tmp_path / 'peerkit.sqlite'}", busy_timeout=2.0)
    yield s
    s.close()


@pytest.fixture
def session(store: Store):
    """An open session with the join code ABC-KMP (written as an import would)."""
    return store.restore_session({"session": {"title": "Bad input workshop", "join_code": CODE, "status": "open"},
                                  "participants": [], "pairs": [], "responses": [], "notes": []},
                                 passcode="bad-input-pass")


@pytest.fixture
def app(store, curriculum):
    return participant_app(store, instruments={k: curriculum[k] for k in (TF, TEXT, SIA)})


def join(app, code: str, name: str, role: str = "supervisor"):
    panel = app.join_panel
    panel.code.value, panel.name.value, panel.role.value = code, name, role
    panel.join_button.click()
    return app.participant


# -- instrument files -----------------------------------------------------------------------------

HEAD = """\
id: {id}
version: 1
title: Test
source: {{document: d, title: t, lines: "1-2"}}
completed_by: anyone
scale: {{kind: true_false, options: [{{value: true, label: "True"}}, {{value: false, label: "False"}}]}}
"""
ITEMS = "sections:\n  - id: s\n    items:\n      - {id: i1, text: One}\n"
BOMB = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""

BAD_INSTRUMENTS = [
    # (case, YAML text, what the message must say)
    ("empty", "", r"must be a mapping"),
    ("a-list", "- 1\n- 2\n", r"must be a mapping"),
    ("a-scalar", "hello", r"must be a mapping"),
    ("broken-yaml", "id: [unclosed\n", r"line \d+, column \d+: not valid YAML"),
    ("tab-indent", "id: x\n\tversion: 1\n", r"not valid YAML"),
    ("python-tag", "!!python/object/apply:os.system ['echo hacked']\n", r"not valid YAML"),
    ("python-name", HEAD.format(id="x") + "title: !!python/name:os.system\n" + ITEMS, r"not valid YAML"),
    ("billion-laughs-extra", BOMB + HEAD.format(id="x") + ITEMS, r"field 'a': Extra"),
    ("billion-laughs-in-tags", BOMB.replace("i: &i", "tags: &i") + HEAD.format(id="x") + ITEMS,
     r"field 'tags\[0\]': Input should be a valid string"),
    ("billion-laughs-in-sections", BOMB + HEAD.format(id="x") + "sections: *i\n",
     r"field 'sections\[0\]': Input should be a valid dictionary"),
    ("merge-key-bomb", "a: &a {x: 1, y: 2}\nb: &b {<<: [*a, *a, *a, *a]}\nc: {<<: [*b, *b, *b, *b]}\n"
     + HEAD.format(id="x") + ITEMS, r"field 'a': Extra"),
    ("version-not-a-number", HEAD.format(id="x").replace("version: 1", "version: one") + ITEMS,
     r"line 2, field 'version': Input should be a valid integer"),
    ("version-zero", HEAD.format(id="x").replace("version: 1", "version: 0") + ITEMS,
     r"field 'version': Input should be greater than or equal to 1"),
    ("items-not-a-list", HEAD.format(id="x") + "sections:\n  - id: s\n    items: lots\n",
     r"field 'sections\[0\].items'"),
    ("no-sections", HEAD.format(id="x"), r"field 'sections': Field required"),
    ("unknown-scale-kind", HEAD.format(id="x").replace("kind: true_false", "kind: stars") + ITEMS,
     r"field 'scale.kind'"),
    ("one-option", HEAD.format(id="x").replace(', {value: false, label: "False"}', "") + ITEMS,
     r"at least two options"),
    ("upper-case-id", HEAD.format(id="X Y") + ITEMS, r"field 'id': String should match pattern"),
    ("path-in-id", HEAD.format(id="../../etc/passwd") + ITEMS, r"field 'id': String should match pattern"),
    ("duplicate-item", HEAD.format(id="x") + ITEMS + "      - {id: i1, text: Again}\n",
     r"item id 'i1' is used twice"),
    ("answer-off-scale", HEAD.format(id="x") + ITEMS.replace("text: One}", "text: One, answer: maybe}"),
     r"item 'i1': answer 'maybe' is not one of the scale's values"),
    ("unknown-field", HEAD.format(id="x") + ITEMS + "onload: alert(1)\n", r"field 'onload': Extra"),
    ("empty-item-text", HEAD.format(id="x") + ITEMS.replace("text: One", "text: ''"),
     r"field 'sections\[0\].items\[0\].text'"),
]


@pytest.mark.parametrize("case, text, message", BAD_INSTRUMENTS, ids=[c[0] for c in BAD_INSTRUMENTS])
def test_bad_instrument_text_gets_a_clear_message(case, text, message):
    t0 = time.monotonic()
    with pytest.raises(InstrumentError, match=message) as err:
        parse_instrument(text, f"{case}.yaml")
    assert time.monotonic() - t0 < 5, "a hostile file must not take long to reject"
    assert str(err.value).startswith(f"{case}.yaml:")
    assert len(str(err.value)) < 5000, "the message must stay readable (no expanded bomb in it)"


BAD_FILES = [
    # (case, file name, bytes or None for "no file", what the message must say)
    ("latin-1", "latin-1.yaml", (HEAD.format(id="latin-1") + ITEMS.replace("One", "Café")).encode("latin-1"),
     r"not UTF-8 text \(byte \d+\)"),
    ("utf-16", "utf-16.yaml", (HEAD.format(id="utf-16") + ITEMS).encode("utf-16"), r"not UTF-8 text"),
    ("binary", "binary.yaml", bytes(range(256)) * 4, r"not UTF-8 text"),
    ("id-not-file-name", "other-name.yaml", (HEAD.format(id="x") + ITEMS).encode(),
     r"line 1, field 'id': 'x' must match the file name 'other-name'"),
    ("missing", "missing.yaml", None, r"file not found"),
]


@pytest.mark.parametrize("case, name, data, message", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_instrument_file_gets_a_clear_message(tmp_path, case, name, data, message):
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(InstrumentError, match=message) as err:
        load_instrument(path)
    assert str(path) in str(err.value)


def test_instrument_file_with_a_utf8_bom_loads(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(codecs.BOM_UTF8 + (HEAD.format(id="bom") + ITEMS).encode())
    assert load_instrument(path).id == "bom"


@pytest.mark.parametrize("size", ["10k-items", "5MB-text"])
def test_huge_instrument_files_load_or_fail_in_bounded_time(tmp_path, size):
    if size == "10k-items":
        body = "".join(f"      - {{id: i{k}, text: \"Item {k} with a few more words in it\"}}\n" for k in range(10_000))
        text = HEAD.format(id="huge") + "sections:\n  - id: s\n    items:\n" + body
    else:
        text = HEAD.format(id="huge") + "instructions: " + json.dumps("word " * 1_000_000) + "\n" + ITEMS
    path = tmp_path / "huge.yaml"
    path.write_text(text)
    t0 = time.monotonic()
    ins = load_instrument(path)
    assert time.monotonic() - t0 < 30
    assert ins.id == "huge"


MARKUP = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def test_html_in_instrument_text_is_escaped_in_the_form_and_the_results():
    yaml_text = f"""\
id: markup
version: 1
title: {json.dumps("Title " + MARKUP)}
source: {{document: d, title: t, lines: "1-2"}}
completed_by: anyone
instructions: {json.dumps("Read this " + MARKUP)}
scoring: {{method: key}}
scale:
  kind: choice
  label: {json.dumps("Scale " + MARKUP)}
  options:
    - {{value: a, label: {json.dumps("Option " + MARKUP)}, description: {json.dumps("D " + MARKUP)}}}
    - {{value: b, label: plain}}
sections:
  - id: s
    title: {json.dumps("Section " + MARKUP)}
    instructions: {json.dumps("Section help " + MARKUP)}
    items:
      - id: i1
        text: {json.dumps("Item " + MARKUP)}
        answer: a
        explanation: {json.dumps("Because " + MARKUP)}
        details: [{json.dumps("Detail " + MARKUP)}]
"""
    ins = parse_instrument(yaml_text)
    assert ins.items[0].text == "Item " + MARKUP  # kept as written
    form = InstrumentForm(ins, MemoryBackend(ins))
    form.answer("i1", "b")
    assert form.submit() is not None
    for html in html_of(form):
        for tag in ("<script", "<img"):
            assert tag not in html
    shown = "\n".join(html_of(form))
    assert "Item &lt;script&gt;" in shown and "Because &lt;script&gt;" in shown
    results = render_results(ins, {"i1": "b"})
    assert "<script" not in results and "<img" not in results
    blank = reports.blank_form_html(ins)
    assert "<script" not in blank.split("</style>")[-1] and "<img" not in blank


# -- join codes ---------------------------------------------------------------------------------

LOOK_ALIKE = {"A": "\u0410", "B": "\u0412", "C": "\u0421", "K": "\u041a", "M": "\u041c", "P": "\u0420"}

JOIN_CODES = [
    # (case, code typed, what the message must say)
    ("empty", "", "Please enter the join code"),
    ("spaces", "    ", "Please enter the join code"),
    ("too-long", "ABCKMP" * 2000, "No session has the join code"),
    ("one-too-many", "ABC-KMPA", "No session has the join code"),
    ("sql", "'; DROP TABLE sessions; --", "No session has the join code"),
    ("sql-or", "ABC-KMP' OR '1'='1", "No session has the join code"),
    ("cyrillic-look-alike", "".join(LOOK_ALIKE.get(c, c) for c in CODE), "No session has the join code"),
    ("one-cyrillic-letter", "\u0410BC-KMP", "No session has the join code"),
    ("full-width", "\uff21\uff22\uff23\uff2b\uff2d\uff30", "No session has the join code"),
    ("zero-width-space", "ABC\u200bKMP", "No session has the join code"),
    ("nul", "ABC\x00KMP", "No session has the join code"),
    ("confusable-digits", "0O1-IL0", "No session has the join code"),
    ("html", "<img src=x onerror=alert(1)>", "No session has the join code"),
]


@pytest.mark.parametrize("case, code, message", JOIN_CODES, ids=[c[0] for c in JOIN_CODES])
def test_bad_join_code_gets_a_clear_message_and_joins_nothing(store, session, app, case, code, message):
    before = counts(store)
    assert join(app, code, "Alex") is None
    status = app.join_panel.status.value
    assert message in status
    assert "<img" not in status and "<script" not in status
    assert len(status) < 1_000  # a long code is not echoed whole
    assert counts(store) == before
    assert store.find_session(code) is None


@pytest.mark.parametrize("typed", ["abc-kmp", " ABC KMP ", "abckmp", "ABC_KMP", "abc.kmp"])
def test_join_code_as_people_type_it_works(store, session, app, typed):
    assert join(app, typed, "Alex") is not None


# -- display names ------------------------------------------------------------------------------

NAMES = [
    # (case, name typed, None if accepted, else what the message must say)
    ("too-long", "N" * (MAX_NAME_LENGTH + 1), f"at most {MAX_NAME_LENGTH}"),
    ("very-long", "x" * 100_000, f"at most {MAX_NAME_LENGTH}"),
    ("only-spaces", "     ", "Please enter your name"),
    ("only-whitespace", "\t \n \u3000", "Please enter"),
    ("emoji", "Sam \U0001F600\U0001F389\U0001F469\u200d\U0001F469\u200d\U0001F467", None),
    ("emoji-at-the-limit", "\U0001F600" * MAX_NAME_LENGTH, None),
    ("right-to-left", "\u0645\u0631\u064a\u0645 \u05e9\u05e8\u05d4", None),
    ("rtl-override", "\u202eevil\u202c Kim", None),  # stored as "evil Kim": overrides removed
    ("only-invisible", "\u200b\u200b", "Please enter"),
    ("nul", "Ann\x00Lee", "only visible characters"),
    ("control", "Ann\x07Lee", "only visible characters"),
    ("html", "<img src=x onerror=alert(1)>", None),
    ("script", "<script>alert(1)</script>", None),
    ("quotes", "O'Brien \"Bob\" & Co", None),
    ("sql", "Robert'); DROP TABLE participants;--", None),
]


@pytest.mark.parametrize("case, name, message", NAMES, ids=[c[0] for c in NAMES])
def test_display_names(store, session, app, case, name, message):
    before = counts(store)
    who = join(app, CODE, name)
    if message is not None:
        assert who is None and message in app.join_panel.status.value
        assert counts(store) == before
        return
    cleaned = " ".join(unicodedata.normalize("NFC", name).split())
    cleaned = " ".join("".join(c for c in cleaned if c == "\u200d" or unicodedata.category(c) != "Cf").split())
    assert who is not None and who.display_name == cleaned  # stored as typed (trimmed)
    assert store.get_participant(who.id).display_name == cleaned
    for html in html_of(app):
        assert "<img" not in html and "<script" not in html
    assert app.signed_in.value.count("Signed in as") == 1


def test_the_same_name_with_combining_accents_is_the_same_name(store, session, app, curriculum):
    first = join(app, CODE, "Zoe\u0301 Martin")  # e + combining acute
    assert first is not None
    other = participant_app(store, instruments={TF: curriculum[TF]})  # another browser
    again = join(other, CODE, "  zoé   MARTIN ")  # precomposed é, other case and spacing
    assert again is None and "already uses the name" in other.join_panel.status.value
    assert [p.id for p in store.participants(session.id)] == [first.id]


# -- identity: taken names, resume codes, device data -----------------------------------------------

TAKEN = ["alex", " ALEX ", "Alex\u200b", "\u202eAlex", "Ａlex".replace("Ａ", "A"), "alex  "]


@pytest.mark.parametrize("typed", TAKEN, ids=["lower", "spaces", "zero-width", "rtl-override", "plain", "trailing"])
def test_a_taken_name_in_any_spelling_is_refused(store, session, curriculum, typed):
    owner = participant_app(store, instruments={TF: curriculum[TF]})
    alex = join(owner, CODE, "Alex")
    thief = participant_app(store, instruments={TF: curriculum[TF]})
    before = counts(store)
    assert join(thief, CODE, typed, "peer_specialist") is None
    assert "already uses the name" in thief.join_panel.status.value
    assert counts(store) == before and thief.participant is None
    assert store.get_participant(alex.id).role == "supervisor"


RESUME_CODES = [
    ("empty", "", "Type the name you joined with and your resume code"),
    ("wrong", "AAAA-AAAA", "not right"),
    ("html", "<img src=x onerror=alert(1)>", "not right"),
    ("sql", "' OR 1=1 --", "not right"),
    ("huge", "K" * 100_000, "not right"),
    ("nul", "AB\x00CD", "not right"),
]


@pytest.mark.parametrize("case, code, message", RESUME_CODES, ids=[c[0] for c in RESUME_CODES])
def test_bad_resume_codes_get_a_clear_message(store, session, curriculum, case, code, message):
    join(participant_app(store, instruments={TF: curriculum[TF]}), CODE, "Alex")
    other = participant_app(store, instruments={TF: curriculum[TF]})
    join(other, CODE, "Alex")
    panel = other.join_panel
    panel.resume_input.value = code
    panel.resume_button.click()
    status = panel.status.value
    assert other.participant is None and message in status
    assert "<img" not in status and len(status) < 1_000


def test_wrong_resume_codes_lock_out_across_pages(store, session, curriculum):
    join(participant_app(store, instruments={TF: curriculum[TF]}), CODE, "Alex")
    for _ in range(5):
        page = participant_app(store, instruments={TF: curriculum[TF]})  # every try on a fresh page
        join(page, CODE, "Alex")
        page.join_panel.resume_input.value = "ZZZZ-ZZZZ"
        page.join_panel.resume_button.click()
    page = participant_app(store, instruments={TF: curriculum[TF]})
    join(page, CODE, "Alex")
    page.join_panel.resume_input.value = "ZZZZ-ZZZZ"
    page.join_panel.resume_button.click()
    assert "Too many wrong resume codes" in page.join_panel.status.value


@pytest.mark.parametrize("kept", [{"token": ["not", "text"]}, {"token": "x" * 100_000}, {"token": 42},
                                  {"token": "<script>"}, {"token": None, "code": "<b>x</b>"}, {"place": "a|b|c"}],
                         ids=["list", "huge", "number", "html", "null", "odd-place"])
def test_whatever_the_browser_keeps_never_breaks_the_page(store, session, curriculum, kept):
    page = participant_app(store, instruments={TF: curriculum[TF]})
    page.join_panel.device.stored = kept
    page.join_panel.device.loaded = True
    assert page.participant is None
    for html in html_of(page):
        assert "<script>" not in html and "<b>x</b>" not in html
    assert join(page, CODE, "Fresh Person") is not None


# -- free text --------------------------------------------------------------------------------------

TEXTS = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "\"><svg onload=alert(1)>",
    "</textarea><iframe src=javascript:alert(1)>",
    "<b>bold?</b> & 'quotes' \"too\"",
]


@pytest.mark.parametrize("payload", TEXTS, ids=["script", "img", "attr-break", "textarea-break", "mixed"])
def test_free_text_is_stored_as_typed_and_escaped_wherever_shown(store, session, curriculum, payload):
    from peerkit.dashboard.app import FacilitatorDashboard
    from peerkit.dashboard.pairs import pair_view

    ins = curriculum[TEXT]
    sup = store.join(session.id, "Sup " + payload, "supervisor")
    peer = store.join(session.id, "Peer", "peer_specialist")
    pair = store.set_pair(sup.id, peer.id)
    typed = {item.id: f"{item.id}: {payload}\nsecond line" for item in ins.items}
    form = InstrumentForm(ins, StoreBackend(store, sup.id, ins))
    for item_id, text in typed.items():
        form.answer(item_id, text)
    assert form.submit() is not None
    store.submit(peer.id, ins, {ins.items[0].id: payload})
    store.save_note(pair, TEXT, "discussion", "Note " + payload, author_id=sup.id)
    assert store.current_answers(sup.id, TEXT) == typed  # exactly as typed
    assert store.notes(pair, TEXT)["discussion"] == "Note " + payload

    shown = {
        "form and results": "\n".join(html_of(form)),
        "results": render_results(ins, typed),
        "session report": reports.session_report_html(store, session.id),
        "pair report": reports.pair_report_html(store, pair, session.id),
    }
    dash = FacilitatorDashboard(store, autostart=False)
    assert dash.unlock(session.id, "bad-input-pass")
    shown["dashboard"] = "\n".join(html_of(dash))
    view = pair_view(store, sup, refresh_seconds=3600)
    shown["pair view"] = "\n".join(html_of(view))
    live = payload[payload.index("<"):][:12]  # the payload's first tag, as typed
    for where, html in shown.items():
        assert live not in html, f"{live!r} is live in the {where}"
        assert html_escape(live) in html or html_escape(live, quote=False) in html, f"not shown in the {where}"


# -- import files ---------------------------------------------------------------------------------


@pytest.fixture
def export(tmp_path, curriculum):
    """A valid session exported as CSV and JSON, and an empty target store to import into."""
    src = Store(f"sqlite:///{tmp_path / 'source.sqlite'}")
    s = src.create_session("Export source", "src-pass")
    for name, role in (("Dee José", "supervisor"), ("Eli", "peer_specialist")):
        p = src.join(s.id, name, role)
        src.submit(p.id, curriculum[TF], {i.id: True for i in curriculum[TF].items})
    files = {"csv": export_csv(src, s.id, tmp_path / "good.csv"), "json": export_json(src, s.id, tmp_path / "good.json")}
    src.close()
    target = Store(f"sqlite:///{tmp_path / 'target.sqlite'}")
    yield files, target
    target.close()


def _csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _write_rows(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)
    # item_text may hold characters latin-1 lacks (’): replaced, the é of "José" still makes it latin-1
    return buf.getvalue().encode(encoding, errors="replace")


def _drop_column(rows, name):
    k = rows[0].index(name)
    return [r[:k] + r[k + 1:] for r in rows]


def _rename_column(rows, old, new):
    return [[new if c == old else c for c in rows[0]]] + rows[1:]


def _set(rows, column, value, row=1):
    k = rows[0].index(column)
    out = [list(r) for r in rows]
    out[row][k] = value
    return out


BAD_IMPORTS = [
    # (case, suffix, make(rows, good_json_text) -> bytes, what the message must say)
    ("missing-column", ".csv", lambda rows, _j: _write_rows(_drop_column(rows, "item_id")), r"item_id"),
    ("renamed-column", ".csv", lambda rows, _j: _write_rows(_rename_column(rows, "value", "answer")), r"value"),
    ("header-only", ".csv", lambda rows, _j: _write_rows(rows[:1]), r"nothing to import|no rows|empty"),
    ("empty", ".csv", lambda rows, _j: b"", r"empty"),
    ("latin-1", ".csv", lambda rows, _j: _write_rows(rows, "latin-1"), r"not UTF-8 text.*save it as UTF-8"),
    ("utf-16", ".csv", lambda rows, _j: _write_rows(rows, "utf-16"), r"not UTF-8 text"),
    ("binary", ".csv", lambda rows, _j: bytes(range(256)) * 8, r"not UTF-8 text"),
    ("value-off-scale", ".csv", lambda rows, _j: _write_rows(_set(rows, "value", "maybe")), r"row 2.*value"),
    ("unknown-instrument", ".csv", lambda rows, _j: _write_rows(_set(rows, "instrument_id", "no-such-exercise")),
     r"row 2.*instrument"),
    ("unknown-item", ".csv", lambda rows, _j: _write_rows(_set(rows, "item_id", "zz9")), r"row 2.*item"),
    ("unknown-role", ".csv", lambda rows, _j: _write_rows(_set(rows, "role", "admin")), r"row 2.*role"),
    ("name-too-long", ".csv", lambda rows, _j: _write_rows(_set(rows, "display_name", "N" * 500)),
     r"row 2.*display_name"),
    ("html-is-not-a-number", ".csv", lambda rows, _j: _write_rows(_set(rows, "revision", "<b>1</b>")),
     r"row 2.*revision"),
    ("json-truncated", ".json", lambda _r, j: j.encode()[: len(j) // 2], r"not valid JSON"),
    ("json-not-a-backup", ".json", lambda _r, _j: b'{"hello": "world"}', r"format|peerkit"),
    ("json-latin-1", ".json", lambda _r, j: j.replace("Dee Jos\\u00e9", "Dee José").encode("latin-1"),
     r"not UTF-8 text"),
    ("xlsx-that-is-csv", ".xlsx", lambda rows, _j: _write_rows(rows), r"not a readable XLSX workbook"),
]


@pytest.mark.parametrize("case, suffix, make, message", BAD_IMPORTS, ids=[c[0] for c in BAD_IMPORTS])
def test_bad_import_file_gets_a_clear_message_and_writes_nothing(tmp_path, export, case, suffix, make, message):
    files, target = export
    rows = _csv_rows(files["csv"])
    good_json = files["json"].read_text(encoding="utf-8")
    path = tmp_path / f"{case}{suffix}"
    path.write_bytes(make(rows, good_json))
    before = counts(target)
    with pytest.raises(TransferError, match=message) as err:
        import_file(target, path, passcode="imp-pass")
    assert str(path) in str(err.value) or path.name in str(err.value)
    assert "Traceback" not in str(err.value)
    assert counts(target) == before


def test_csv_with_a_utf8_bom_imports(tmp_path, export):
    files, target = export
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + files["csv"].read_bytes())
    result = import_file(target, path, passcode="imp-pass")
    assert result.participants == 2
    names = sorted(p.display_name for p in target.participants(result.session.id))
    assert names == ["Dee José", "Eli"]


# -- a bug found by this catalogue ------------------------------------------------------------------

def _postgres_url() -> str | None:
    url = os.environ.get("PEERKIT_TEST_POSTGRES_URL", "").strip()
    if not url:
        if os.environ.get("PEERKIT_REQUIRE_POSTGRES") == "1":
            pytest.fail("PEERKIT_TEST_POSTGRES_URL is not set", pytrace=False)
        pytest.skip("needs PostgreSQL (PEERKIT_TEST_POSTGRES_URL)")
    return url


@pytest.mark.postgres
def test_nul_character_in_a_name_gets_a_store_error_on_postgresql(tmp_path):
    import uuid

    base = _postgres_url()
    schema = f"peerkit_f_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, poolclass=sa.pool.NullPool)
    with admin.begin() as c:
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        with Store(url.render_as_string(hide_password=False)) as s:
            session = s.create_session("NUL workshop", "nul-pass")
            with pytest.raises(StoreError):
                s.join(session.id, "Ann\x00Lee", "supervisor")
    finally:
        with admin.begin() as c:
            c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()
