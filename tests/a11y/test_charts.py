"""Charts are readable without colour vision and never stand alone (unit tests, no browser).

- The palette of :mod:`peerkit.plots` is colour-blind safe: every colour is one of the Okabe-Ito
  colours (their published values, written out here so a typo in plots/common.py is caught) or of
  matplotlib's tableau-colorblind10, or a neutral grey.
- Colour is never the only cue: in every chart drawn for the demo session (the group view of
  each exercise and a pair's comparison), series of different colours also differ by hatching
  or marker shape, or carry their values and names as text.
- Every chart comes with its one-sentence text summary (alt text and caption) and the table
  behind it, in the HTML the dashboard, the group display and the reports show.
"""

from __future__ import annotations

import re

import pytest

plots = pytest.importorskip("peerkit.plots", reason="peerkit.plots is not there yet")
blocks = pytest.importorskip("peerkit.blocks", reason="peerkit.blocks is not there yet")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.style  # noqa: E402

from peerkit.instruments import load_all  # noqa: E402

from . import helpers  # noqa: E402

# Okabe & Ito (2008), "Color Universal Design": the eight colours as published
OKABE_ITO = {"#000000", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"}
TABLEAU_CB10 = {mcolors.to_hex(c["color"]).lower()
                for c in matplotlib.style.library["tableau-colorblind10"]["axes.prop_cycle"]}
SAFE = OKABE_ITO | TABLEAU_CB10


def is_grey(hex_colour: str) -> bool:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return max(r, g, b) - min(r, g, b) <= 8


def hex_of(colour) -> str:
    return mcolors.to_hex(colour).lower()


def palette() -> set[str]:
    colours = set(map(hex_of, plots.SERIES_COLOURS))
    colours |= {hex_of(c) for c, *_ in plots.ROLE_STYLE.values()}
    colours |= {hex_of(c) for c, *_ in plots.SIA_STYLE.values()}
    return colours


def test_palette_is_okabe_ito_or_tableau_colorblind10():
    colours = palette()
    unsafe = sorted(c for c in colours if c not in SAFE and not is_grey(c))
    assert not unsafe, f"colours outside Okabe-Ito / tableau-colorblind10: {unsafe}"
    assert {hex_of(c) for c in plots.OKABE_ITO.values()} == OKABE_ITO, "plots.OKABE_ITO has wrong values"
    # the series styles pair each colour with a hatch and a marker: never colour alone
    assert len({h for _, h, _ in plots.ROLE_STYLE.values()}) == len(plots.ROLE_STYLE)
    assert len({m for _, _, m in plots.ROLE_STYLE.values()}) == len(plots.ROLE_STYLE)
    assert len({h for _, h in plots.SIA_STYLE.values()}) == len(plots.SIA_STYLE)


# -- every chart of the demo session ----------------------------------------------------------

def series_cues(fig) -> dict[str, set[str]]:
    """colour -> the non-colour cues drawn with it (hatch patterns, marker shapes)."""
    cues: dict[str, set[str]] = {}
    for ax in fig.axes:
        for patch in ax.patches:
            if patch.get_width() == 0 or patch.get_height() == 0:
                continue
            face = patch.get_facecolor()
            if face[3] == 0:
                continue
            colour = hex_of(face)
            if colour == "#ffffff":  # an outlined white bar: its edge colour is the series colour
                colour = hex_of(patch.get_edgecolor())
            cues.setdefault(colour, set()).add("hatch:" + (patch.get_hatch() or "none"))
        for line in ax.lines:
            marker = line.get_marker()
            if marker in (None, "None", "", " ") or not len(line.get_xdata()):
                continue
            if marker == "|":  # range whiskers, not a series
                continue
            colour = hex_of(line.get_markerfacecolor())
            cues.setdefault(colour, set()).add("marker:" + str(marker))
    return cues


def text_labels(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_text().strip()]


def more_than_colour(fig) -> tuple[bool, str]:
    cues = series_cues(fig)
    coloured = {c: s for c, s in cues.items() if not is_grey(c)}
    if len(coloured) <= 1:
        return True, "one series"
    distinct = len({frozenset(s) for s in coloured.values()}) == len(coloured)
    if distinct:
        return True, "hatches/markers"
    if text_labels(fig):
        return True, "text labels"
    return False, f"series told apart by colour only: {coloured}"


@pytest.fixture(scope="module")
def demo_charts(tmp_path_factory):
    """(name, Block) for every block with a chart: the group view of each exercise the demo
    session has answers for, and the first pair's comparison of each."""
    from peerkit.store import Store

    db = tmp_path_factory.mktemp("charts") / "demo.sqlite"
    store = Store(f"sqlite:///{db}")
    try:
        session = store.load_demo()
        frame = store.responses_frame(session.id)
        instruments = load_all()
        answered = sorted(set(frame["instrument_id"])) if len(frame) else []
        pair = store.pairs(session.id)[0]
        people = {p.id: p for p in store.participants(session.id)}
        a, b = (people[pid] for pid in pair_members(pair))
        out = []
        for iid in answered:
            ins = instruments[iid]
            for bl in blocks.instrument_blocks(frame, ins):
                out.append((f"group {iid} {bl.key}", bl))
            for bl in blocks.pair_blocks(frame, ins, a.display_name, b.display_name, a.id, b.id):
                out.append((f"pair {iid} {bl.key}", bl))
    finally:
        store.close()
    charts = [(n, bl) for n, bl in out if bl.figure is not None]
    assert charts, "the demo session produced no charts"
    return charts


def pair_members(pair) -> tuple[int, int]:
    for names in (("supervisor_id", "supervisee_id"), ("a_id", "b_id")):
        if all(hasattr(pair, n) for n in names):
            return tuple(getattr(pair, n) for n in names)  # type: ignore[return-value]
    ids = [v for k, v in vars(pair).items() if k.endswith("_id") and k != "session_id" and isinstance(v, int)]
    assert len(ids) >= 2, f"cannot tell the members of {pair!r}"
    return ids[0], ids[1]


def test_every_chart_uses_more_than_colour(demo_charts):
    bad = []
    for name, bl in demo_charts:
        ok, why = more_than_colour(bl.figure)
        if not ok:
            bad.append(f"{name}: {why}")
    helpers.EXTRA_CHECKS.append(("charts use more than colour", f"{len(demo_charts)} demo charts", not bad))
    assert not bad, "\n".join(bad)


def test_every_chart_has_a_text_summary_and_its_table(demo_charts):
    bad = []
    for name, bl in demo_charts:
        html = bl.html()
        alt = re.search(r'<img [^>]*alt="([^"]*)"', html)
        problems = []
        if not (bl.summary and len(bl.summary.split()) >= 4 and bl.summary.strip().endswith(".")):
            problems.append(f"summary {bl.summary!r}")
        if not alt or not alt.group(1).strip():
            problems.append("no alt text")
        if "<figcaption>" not in html:
            problems.append("no caption")
        if bl.table is None or len(bl.table) == 0 or "<table" not in html or "<caption>" not in html:
            problems.append("no table")
        if problems:
            bad.append(f"{name}: " + ", ".join(problems))
    helpers.EXTRA_CHECKS.append(("charts with text summary and table", f"{len(demo_charts)} demo charts", not bad))
    assert not bad, "\n".join(bad)


def test_pair_differences_are_marked_in_words_and_symbols(demo_charts):
    """Agreement vs difference: a ≠ / = symbol and a word in the table, a symbol on the chart."""
    pair_items = [bl for name, bl in demo_charts if name.startswith("pair ") and bl.key == "pair-items"]
    assert pair_items
    for bl in pair_items:
        marks = set(bl.table["match"]) - {""}
        assert marks <= {"= same", "≠ differs", "… one answer so far"}, marks
        assert marks, "the pair table has no match column text"


def legend_colours(fig) -> dict[str, set[str]]:
    """legend label -> the colours its key shows (face colour, or the marker's face colour)."""
    out: dict[str, set[str]] = {}
    for legend in fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]:
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            colours = set()
            if hasattr(handle, "get_facecolor") and not hasattr(handle, "get_markerfacecolor"):
                face = handle.get_facecolor()
                colours.add(hex_of(face) if face[3] else hex_of(handle.get_edgecolor()))
            if hasattr(handle, "get_markerfacecolor"):
                colours.add(hex_of(handle.get_markerfacecolor()))
            out.setdefault(text.get_text(), set()).update(colours)
    return out


def test_one_colour_meaning_per_chart_family(demo_charts):
    """Blue is always supervisors and orange always peer specialists (in a pair: the supervisor and
    the peer specialist); answer options, bands and occasions never use those two colours."""
    blue, orange = (hex_of(c) for c in plots.ROLE_COLOURS)
    bad = []
    for name, bl in demo_charts:
        for label, colours in legend_colours(bl.figure).items():
            if name.startswith("group "):
                if blue in colours and label != "Supervisor":
                    bad.append(f"{name}: blue means {label!r}")
                if orange in colours and label != "Peer specialist":
                    bad.append(f"{name}: orange means {label!r}")
        if bl.key in ("options", "bands", "pre-post", "spread"):
            roles_drawn = {"Supervisor", "Peer specialist"} & set(legend_colours(bl.figure))
            for patch in (p for ax in bl.figure.axes for p in ax.patches):
                face = hex_of(patch.get_facecolor())
                if face in (blue, orange) and not roles_drawn:
                    bad.append(f"{name}: an answer drawn in a role's colour {face}")
    assert not bad, "\n".join(sorted(set(bad)))
    assert all(hex_of(c) not in (blue, orange) for c in plots.OPTION_COLOURS)
