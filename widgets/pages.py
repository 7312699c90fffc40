"""Helpers for the kit's notebooks (``notebooks/``): lists, prompts and exercise cells.

The notebooks stay thin: a facilitator reads the narrative in Markdown and a code cell such as
``prompts("sia-recovery-principles")`` shows what the data files say, so nothing a trainer may
reword is typed twice. Everything shown here comes from ``data/instruments`` through
:mod:`peerkit.instruments`; the forms and the dashboard are imported only when a cell asks for
them, so the start page's kernel stays small.

Which notebook hosts which exercise is decided by the instruments' tags:

- ``unit-N`` (training manual for supervisors of Certified Peer Specialists) -> ``unit-N.ipynb``
- ``handbook`` -> ``handbook.ipynb``, ``slides`` -> ``agency-supports.ipynb``,
  ``guidelines`` -> ``practice-guidelines.ipynb``, ``webinar`` -> ``pcrp-webinar.ipynb``
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from .instruments import Instrument, get_instrument, load_all, sorted_by_source
from .style import KIT_CSS, style_tag
from .samples import join_code_placeholder

__all__ = [
    "EXERCISE_SETS",
    "APP_NOTEBOOKS",
    "ExerciseSet",
    "catalogue",
    "catalogue_markdown",
    "exercise",
    "exercise_set",
    "facilitator_led_markdown",
    "group_display_page",
    "instruments_in",
    "join_card_page",
    "kit_style",
    "notebooks_for",
    "prompts",
    "prompts_markdown",
    "query_params",
    "reading",
    "reading_markdown",
    "self_study_app",
    "set_overview",
    "set_overview_markdown",
    "with_join_code",
]


@dataclass(frozen=True)
class ExerciseSet:
    """One exercise notebook: its file name, title and the tag that selects its instruments."""

    notebook: str
    title: str
    tag: str


EXERCISE_SETS: tuple[ExerciseSet, ...] = (
    *(ExerciseSet(f"unit-{n}.ipynb", f"Supervisor training, Unit {n}", f"unit-{n}") for n in range(1, 7)),
    ExerciseSet("handbook.ipynb", "Handbook for provider organisations: exercises", "handbook"),
    ExerciseSet("agency-supports.ipynb", "Agency supports for quality peer recovery services", "slides"),
    ExerciseSet("practice-guidelines.ipynb", "Practice guidelines for Peer Recovery Specialists", "guidelines"),
    ExerciseSet("pcrp-webinar.ipynb", "PCRP webinar: peer specialist roles", "webinar"),
)

# The app notebooks: file name -> what it is for (the start page links to them).
APP_NOTEBOOKS: dict[str, str] = {
    "participant.ipynb": "Join a session (participants)",
    "self-study.ipynb": "Self-study (on your own, no session)",
    "facilitator.ipynb": "Facilitator dashboard (passcode)",
    "group-display.ipynb": "Group display (for the projector)",
}

WHO = {
    "supervisor": "the supervisor",
    "peer_specialist": "the peer specialist",
    "both": "supervisor and peer specialist, each on their own",
    "group": "the group",
    "anyone": "anyone",
}

KIND_NAMES = {
    "true_false": "true / false",
    "sia": "S / I / A rating",
    "frequency": "1-5 frequency rating",
    "choice": "choice",
    "checklist": "checklist",
    "text": "written reflection",
}


# -- which notebook shows which instrument ------------------------------------------------

def exercise_set(notebook: str) -> ExerciseSet:
    name = notebook if notebook.endswith(".ipynb") else notebook + ".ipynb"
    for s in EXERCISE_SETS:
        if s.notebook == name:
            return s
    raise KeyError(f"no exercise notebook '{notebook}' (known: {', '.join(s.notebook for s in EXERCISE_SETS)})")


def instruments_in(notebook: str, instruments: dict[str, Instrument] | None = None) -> list[Instrument]:
    """The instruments an exercise notebook hosts, in source order."""
    tag = exercise_set(notebook).tag
    found = instruments if instruments is not None else load_all()
    return [ins for ins in sorted_by_source(found) if tag in ins.tags]


def notebooks_for(instrument: Instrument) -> list[str]:
    """The exercise notebooks that host ``instrument`` (a pre/post checklist sits in two units)."""
    return [s.notebook for s in EXERCISE_SETS if s.tag in instrument.tags]


# -- Markdown builders (pure: strings in, strings out; tested without a kernel) -------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _md(text: str | None) -> str:
    """Plain source text made safe for one Markdown line."""
    if not text:
        return ""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


_LIST_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
_NUMBERED = re.compile(r"^(\s*)(\d+)([.)])(\s)", re.M)


def _block(text: str | None) -> str:
    """Source directions as Markdown.

    In the data files a single line break separates paragraphs (folded YAML text turns a blank
    line into one line break), while Markdown would run such lines together: each break becomes
    a paragraph break, except before a list item, so lists stay lists.
    """
    # the source's own numbers stay as printed ("1." then "3."): Markdown would renumber a list
    lines = _NUMBERED.sub(r"\1\2\\\3\4", (text or "").strip()).split("\n")
    out = lines[:1]
    for prev, line in zip(lines, lines[1:]):
        tight = not prev.strip() or not line.strip() or _LIST_LINE.match(line)
        out.append(("" if tight else "\n") + line)
    return "\n".join(out)


def _label(ins: Instrument) -> str:
    return ins.source.exercise or ins.title


def _kinds(ins: Instrument) -> str:
    return ", ".join(KIND_NAMES.get(k, k) for k in sorted(ins.kinds))


def catalogue_markdown(instruments: dict[str, Instrument] | None = None, link: bool = True) -> str:
    """Every instrument, grouped by source document, with the notebook that runs it."""
    found = instruments if instruments is not None else load_all()
    lines: list[str] = [f"{len(found)} exercises from {len({i.source.document for i in found.values()})} "
                        "source documents.", ""]
    current = None
    for ins in sorted_by_source(found):
        if ins.source.document != current:
            current = ins.source.document
            lines += ["", f"### {_md(ins.source.title)}", "",
                      "| exercise | completed by | answers | items | notebook |",
                      "|---|---|---|---|---|"]
        books = notebooks_for(ins)
        if link:
            where = ", ".join(f"[{b.removesuffix('.ipynb')}]({b})" for b in books) or "—"
        else:
            where = ", ".join(b.removesuffix(".ipynb") for b in books) or "—"
        occ = f" (given {len(ins.occasions)}×: {', '.join(_md(o.label) for o in ins.occasions)})" if ins.occasions else ""
        name = f"**{_md(ins.title)}**"
        if _label(ins) != ins.title:
            name += f"<br>{_md(_label(ins))}"
        lines.append(
            f"| {name}{occ} | {WHO.get(ins.completed_by, ins.completed_by)} "
            f"| {_kinds(ins)} | {len(ins.items)} | {where} |"
        )
    if instruments is None:
        lines += ["", *_reading_catalogue(link)]
    return "\n".join(lines).strip() + "\n"


def _reading_catalogue(link: bool) -> list[str]:
    """The sources' reading material (shown as text in the notebooks, nothing to answer)."""
    from .reading import load_readings

    from .instruments import parse_ranges

    readings = sorted(load_readings().values(), key=lambda r: (r.source.title, parse_ranges(r.source.lines)[0]))
    if not readings:
        return []
    out = ["### Reading material", "",
           "Lists and handouts of the sources that ask nobody to answer: the notebooks and session plans "
           "show them as text.", ""]
    for r in readings:
        books = [s.notebook for s in EXERCISE_SETS if s.tag in r.tags]
        where = ", ".join(f"[{b.removesuffix('.ipynb')}]({b})" if link else b.removesuffix(".ipynb") for b in books)
        out.append(f"- **{_md(r.title)}** · *{_md(r.source.title)}*" + (f" · {where}" if where else ""))
    return out


def set_overview_markdown(notebook: str, instruments: dict[str, Instrument] | None = None) -> str:
    """A table of the exercises of one notebook (unit or exercise set), from the data."""
    rows = instruments_in(notebook, instruments)
    if not rows:
        return "_No exercise in the data files is tagged for this notebook yet._\n"
    out = ["| exercise | completed by | answers | items | pair comparison |", "|---|---|---|---|---|"]
    for ins in rows:
        out.append(f"| {_md(_label(ins))} | {WHO.get(ins.completed_by, ins.completed_by)} | {_kinds(ins)} "
                   f"| {len(ins.items)} | {'yes' if ins.compare else '—'} |")
    return "\n".join(out) + "\n"


def prompts_markdown(instrument: Instrument | str, occasion: str | None = None,
                     items: bool | None = None, heading: bool = True) -> str:
    """The facilitator's view of an exercise: directions, prompts and discussion questions.

    ``items``: list the items too (default: for written reflections, whose items are the prompts;
    rating scales show their items in the form itself). ``heading``: start with the exercise's
    label as a heading (the facilitator guide's pages); the notebooks' ``prompts()`` leaves it out,
    their Markdown cells have the headings.
    """
    ins = get_instrument(instrument) if isinstance(instrument, str) else instrument
    if items is None:
        items = ins.kinds == {"text"}
    out = [f"### {_md(_label(ins))}", ""] if heading else []
    out += [f"*{_md(ins.title)}* · completed by {WHO.get(ins.completed_by, ins.completed_by)} · "
           f"{_kinds(ins)} · {len(ins.items)} items"
           + (" · answers compared in pairs" if ins.compare else ""), ""]
    occ = None
    if occasion:
        occ = next((o for o in ins.occasions if o.id == occasion), None)
        if occ is None:
            raise KeyError(f"{ins.id}: no occasion '{occasion}' (known: {', '.join(ins.occasion_ids)})")
        out += [f"**{_md(occ.label)}**" + (f" — {_md(occ.exercise)}" if occ.exercise else ""), ""]
    directions = (occ.instructions if occ and occ.instructions else None) or ins.instructions
    if directions:
        out += [_block(directions), ""]
    if ins.kit_note:
        out += [f"**Note from this kit (not in the source):** {_md(ins.kit_note)}", ""]
    if ins.source.credit:
        out += [f"*{_md(ins.source.credit)}*", ""]
    if items:
        for section in ins.sections:
            if section.title:
                out += [f"**{_md(section.title)}**", ""]
            if section.instructions:
                out += [_block(section.instructions), ""]
            for item in section.items:
                if item.heading:
                    out.append(f"- *{_md(item.heading)}*")
                out.append(f"- **{_md(item.number)}** {_md(item.text)}" if item.number else f"- {_md(item.text)}")
                for d in item.details:
                    out.append(f"    - {_md(d)}")
            out.append("")
            if section.footnote:
                out += [_block(section.footnote), ""]
    elif len(ins.sections) > 1 or ins.sections[0].title:
        out += ["Sections: " + "; ".join(
            f"{_md(s.title or s.id)} ({len(s.items)})" for s in ins.sections), ""]
    if ins.discussion:
        d = ins.discussion
        out += [f"**{_md(d.title or 'Discussion')}**", ""]
        if d.intro:
            out += [_block(d.intro), ""]
        out += [f"{_md(n)}\\. {_md(q.text)}  " if n else f"- {_md(q.text)}" for n, q in d.labelled()] + [""]
    for g in ins.guidance:
        out += [f"**{_md(g.title)}**", ""]
        if g.text:
            out += [_block(g.text), ""]
        out += [f"{_md(n)}\\. {_md(p)}  " if n else f"- {_md(p)}" for n, p in g.labelled()]
        out += [""] if g.points else []
    return "\n".join(out).rstrip() + "\n"


def facilitator_led_markdown(notebook: str, instruments: dict[str, Instrument] | None = None) -> str:
    """A session plan's "In facilitator-led mode" note: the order Next follows for this set
    (its session plan's order, :func:`peerkit.live.plan_steps`) and what to do at each step."""
    from .live import has_key, plan_steps, session_plan_order

    found = instruments if instruments is not None else load_all()
    chosen = exercise_set(notebook)
    steps = plan_steps(found, chosen.tag, session_plan_order(chosen.notebook))
    out = ["### In facilitator-led mode", "",
           "The room follows the dashboard: participants see only the exercise you open, and a waiting "
           "screen in between (see [Running a facilitator-led session](../facilitator-led.md)). On the "
           f"dashboard choose the exercise set **{_md(chosen.title)}**; **Next** then opens, in this order:", ""]
    for k, step in enumerate(steps, 1):
        ins = found[step.instrument_id]
        occ = next((o for o in ins.occasions if o.id == step.occasion), None)
        extras = []
        if occ is not None:
            extras.append(f"occasion *{_md(occ.label)}*")
        if ins.compare:
            extras.append("pairs compare once both have submitted")
        if has_key(ins):
            extras.append("tick *show participants the answer key* before revealing, if you want them to see it")
        name = (occ.exercise if occ is not None and occ.exercise else None) or _label(ins)
        out.append(f"{k}. {_md(name)}" + (f" ({'; '.join(extras)})" if extras else ""))
    if not steps:
        out.append("_No exercise of this set is in the data files yet._")
    out += ["", "For each: watch *N of M submitted* on the group display, press **Close answering** when the "
                "room is done, then **Reveal results** and discuss them.", ""]
    return "\n".join(out)


def reading_markdown(reading: Any, heading: bool = True) -> str:
    """Reading material as Markdown: the source's text, nothing to answer; the kit's headings in
    italics, the kit's note labelled as the kit's."""
    from .reading import get_reading

    r = get_reading(reading) if isinstance(reading, str) else reading
    out = [f"### {_md(r.title)}", ""] if heading else []
    out += [f"*Reading material · {_md(r.source.title)}"
            + (f", {_md(r.source.exercise)}" if r.source.exercise and r.source.exercise != r.title else "")
            + " · nothing to answer*", ""]
    if r.kit_note:
        out += [f"**Note from this kit (not in the source):** {_md(r.kit_note)}", ""]
    for part in r.parts:
        if part.title:
            out += [f"**{_md(part.title)}** *(heading added by the kit)*", ""]
        if part.heading:
            out += [f"**{_md(part.heading)}**", ""]
        if part.text:
            out += [_block(part.text), ""]
        for e in part.entries:
            out.append(f"- **{_md(e.number)}.** {_md(e.text)}" if e.number else f"- {_md(e.text)}")
            out += [f"    - {_md(d)}" for d in e.details]
        if part.entries:
            out.append("")
        if part.after:
            out += [_block(part.after), ""]
    if r.source.credit:
        out += [f"*{_md(r.source.credit)}*", ""]
    return "\n".join(out).rstrip() + "\n"


# -- display helpers used by the notebooks -----------------------------------------------

def _markdown(text: str) -> Any:
    from IPython.display import Markdown

    return Markdown(text)


def kit_style() -> Any:
    """A style output for the narrative notebooks (start page, session plans): the kit's one
    stylesheet (links underlined in running text, wide Markdown tables scrolling inside themselves)."""
    from IPython.display import HTML

    return HTML(style_tag())


def catalogue() -> Any:
    """The start page's list of every exercise (a Markdown display object)."""
    return _markdown(catalogue_markdown())


def set_overview(notebook: str) -> Any:
    return _markdown(set_overview_markdown(notebook))


def prompts(instrument_id: str, occasion: str | None = None, items: bool | None = None,
            heading: bool = False) -> Any:
    return _markdown(prompts_markdown(instrument_id, occasion=occasion, items=items, heading=heading))


def reading(reading_id: str, heading: bool = False) -> Any:
    """Reading material of a source shown as text in a notebook (nothing to answer)."""
    return _markdown(reading_markdown(reading_id, heading=heading))


def query_params() -> dict[str, str]:
    """The page's URL query in Voila (``?code=ABCD``); empty in JupyterLab and under nbval.

    With preheated kernels (``--VoilaConfiguration.preheat_kernel=True``) the notebook runs
    before the request arrives; Voila's ``get_query_string`` then waits for it.
    """
    qs = os.environ.get("QUERY_STRING", "")
    if not qs and os.environ.get("VOILA_PREHEAT") == "True":
        # a preheated kernel ran the notebook before anyone asked for it: wait for the request
        from voila.utils import get_query_string

        qs = get_query_string() or ""
    return {k: v[-1] for k, v in parse_qs(qs).items() if v}


# The exercise cells of one page (one Voila page = one kernel): joining in one of them joins
# the others with the same name, role and session, so a participant signs in once per page.
_page_apps: list[Any] = []


def exercise(instrument_id: str, store: Any = None, occasion: str | None = None) -> Any:
    """The participant app landing on one exercise (``peerkit.forms.exercise``) for a notebook cell.

    Every exercise cell of a page shares one store and one sign-in: joining in one joins the
    others with the same name, role and session.
    """
    get_instrument(instrument_id)  # a clear KeyError for a typo in a notebook
    from . import forms

    if store is None:
        store = _page_store()
    app = forms.exercise(instrument_id, store=store, occasion=occasion)
    _link_sign_in(app)
    return app


def _page_store() -> Any:
    for app in _page_apps:
        if getattr(app, "store", None) is not None:
            return app.store
    from .store import Store

    return Store()


def _link_sign_in(app: Any) -> None:
    panel = app.join_panel

    def follow(session: Any, participant: Any) -> None:
        for other in list(_page_apps):
            if other is app or getattr(other, "participant", None) is not None:
                continue
            op = other.join_panel
            op.name.value = participant.display_name
            op.role.value = participant.role
            op.code.value = "" if getattr(session, "kind", "") == "self_study" else session.join_code
            op.adopt(session, participant, panel)  # this page's sign-in: no name is typed again

    panel.on_join(follow)
    _page_apps.append(app)


def with_join_code(app: Any, code: str | None = None) -> Any:
    """Fill in the join code from ``?code=...`` in the page's URL (links and QR codes)."""
    code = code if code is not None else query_params().get("code", "")
    field = app.join_panel.code
    if code and not field.value:
        field.value = code.strip()[:32]
    return app


def self_study_app(store: Any = None) -> Any:
    """The participant app for people working alone (no join code)."""
    from . import forms

    return forms.participant_app(store=store, self_study=True)


def _display_min_group() -> int:
    """``?min_group=N`` in the page's address, else ``$PEERKIT_DISPLAY_MIN_GROUP``, else 3.

    Only the holder of the passcode opens the display (and sees every answer on the dashboard
    anyway), so the address may lower it for a small room."""
    for given in (query_params().get("min_group"), os.environ.get("PEERKIT_DISPLAY_MIN_GROUP")):
        try:
            if given:
                return max(1, min(int(given), 50))
        except ValueError:
            continue
    return 3


def join_card_page(code: str | None = None) -> Any:
    """For the start page: the participant app's link and its QR code, with a join code filled
    in (from ``?code=`` in the start page's address, or typed here) so a room joins in one scan."""
    import ipywidgets as widgets

    from .joining import JoinCard

    given = code if code is not None else query_params().get("code", "").strip()[:32]
    field = widgets.Text(description="Join code", value=given, placeholder=join_code_placeholder(),
                         style={"description_width": "initial"},
                         layout=widgets.Layout(width="100%", max_width="340px"))
    card = JoinCard(_shown_code(given), large=False)
    field.observe(lambda ch: card.set(_shown_code(ch["new"])), names="value")
    box = widgets.VBox([widgets.HTML("<p>Type the session's join code to show its link and QR code for "
                                     "the room (or open this page with <code>?code=JOINCODE</code>).</p>"),
                        field, card.widget], layout=widgets.Layout(width="100%"))
    box.add_class("peerkit-start-join")
    box.code, box.card = field, card
    return box


def _shown_code(text: str | None) -> str | None:
    """A join code as it is read aloud ("K7P-X3M"), or None when the text cannot be one."""
    from .store.schema import JOIN_ALPHABET, JOIN_CODE_LENGTH

    compact = re.sub(r"[\s\-_.]", "", text or "").upper()
    if len(compact) != JOIN_CODE_LENGTH or any(c not in JOIN_ALPHABET for c in compact):
        return None
    half = JOIN_CODE_LENGTH // 2
    return f"{compact[:half]}-{compact[half:]}"


def group_display_page(store: Any = None, min_group: int | None = None) -> Any:
    """For the projector: the session's join code (from ``?code=`` or typed) and the facilitator
    passcode, then the projector view (:func:`peerkit.dashboard.projector_view`: the join code,
    QR code and link; one exercise at a time, its count, its results after the reveal;
    aggregates only, nobody named).

    The passcode keeps participants from opening the group's results on their own phones while
    others are still answering. ``min_group``: the smallest number of people whose results are
    shown (default: ``?min_group=`` in the address, else ``$PEERKIT_DISPLAY_MIN_GROUP``, else 3).
    """
    import ipywidgets as widgets

    if store is None:
        from .store import Store

        store = Store()
    wide = widgets.Layout(width="100%", max_width="340px")
    init = {"description_width": "initial"}
    title = widgets.HTML("<h2>Group display</h2><p>Enter the session's join code and the facilitator "
                         "passcode to show the group's results.</p>")
    code = widgets.Text(description="Join code", value=query_params().get("code", "").strip()[:32],
                        placeholder=join_code_placeholder(), style=init, layout=wide)
    passcode = widgets.Password(description="Passcode", style=init, layout=wide)
    show = widgets.Button(description="Show the group's results", button_style="primary", icon="eye")
    status = widgets.HTML()
    status.add_class("peerkit-status")
    area = widgets.VBox(layout=widgets.Layout(width="100%"))
    chooser = widgets.VBox([title, code, passcode, show, status], layout=widgets.Layout(width="100%"))
    box = widgets.VBox([chooser, area], layout=widgets.Layout(width="100%"))
    box.add_class("peerkit-group-page")

    def error(text: str) -> bool:
        status.value = f'<p class="peerkit-msg-error" role="alert">{text}</p>'
        return False

    def unlock(_b: Any = None) -> bool:
        from .store.access import Locked

        given, passcode.value = passcode.value or "", ""
        try:
            session = store.find_session(code.value or "")
            if session is None:
                return error("No session has this join code. Check it on the facilitator dashboard.")
            # wrong passcodes are counted in the store with the dashboard's (one lockout per session,
            # across pages, kernels and servers)
            if not store.unlock_session(session.id, given):
                return error("That passcode is not right for this session.")
            from .dashboard import projector_view

            smallest = min_group if min_group is not None else _display_min_group()
            display = projector_view(store, session.id, min_group=smallest)
        except Locked as exc:
            return error(html.escape(str(exc)))
        except Exception as exc:  # noqa: BLE001 - a message on the page, not a silent log line
            return error(f"The group's results could not be shown: {html.escape(str(exc))}")
        status.value = ""
        chooser.layout.display = "none"
        area.children = (display,)
        return True

    show.on_click(unlock)
    box.unlock = unlock  # for tests and notebooks: box.unlock() after setting the fields
    box.code, box.passcode = code, passcode
    return box
