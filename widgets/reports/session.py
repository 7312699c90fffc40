"""The session report: participation, then per exercise the group's picture by role (the same
blocks as the dashboard's group view), then the pairs. ``names=False`` with ``min_group=3`` is
the handout for the room: nobody named, no written answers, small groups left out."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from .. import blocks as _blocks
from .. import plots, prep
from ..instruments import Instrument
from .data import Paper, SessionData, session_data, slug
from .render import block_view, render_html, write_pdf

__all__ = ["pairs_overview", "session_context", "session_report_html", "session_report_pdf",
           "session_sections"]


def _source_line(ins: Instrument) -> str:
    return ins.source.title + (f" — {ins.source.exercise}" if ins.source.exercise else "")


def participation_blocks(data: SessionData, *, names: bool) -> list[_blocks.Block]:
    """Who joined (by role), submissions per exercise (chart) and, when names may be shown, who
    has not yet submitted what."""
    people = data.participants_df()
    used = data.used_instruments()
    sentence = _blocks.respondent_sentence(people, "joined").replace("have joined", "joined").replace(
        "has joined", "joined")
    out = [_blocks.Block("participants", "Who took part", sentence, table=prep.role_counts(people),
                         columns={"role": "Role", "n": "People"}, caption="Participants by role",
                         formatters={"role": _blocks._role_text})]
    long = prep.submission_long(data.status_df(), people, used)
    counts = prep.submission_counts(long)
    fig, summary = plots.submission_chart(counts)
    out.append(_blocks.Block("submissions", "Submissions per exercise", summary, fig if len(counts) else None,
                             counts, {"title": "Exercise", "expected": "Expected", "submitted": "Submitted",
                                      "not_submitted": "Not yet"}, "Submissions per exercise"))
    if names and len(long):
        missing = long[long["status"] == "not submitted"]
        rows = []
        for key, part in missing.groupby("key", sort=False):
            rows.append({"title": part["title"].iloc[0],
                         "who": ", ".join(f"{n} ({prep.role_label(r).lower()})"
                                          for n, r in zip(part["display_name"], part["role"]))})
        out.append(_blocks.Block(
            "not-submitted", "Not yet submitted",
            "Everyone expected has submitted every exercise." if not rows else
            f"{len(missing)} expected submission{'s are' if len(missing) != 1 else ' is'} missing.",
            None, pd.DataFrame(rows, columns=["title", "who"]) if rows else None,
            {"title": "Exercise", "who": "Not yet submitted by"}, "Who has not yet submitted each exercise"))
    return out


def session_sections(data: SessionData, *, names: bool = True, min_group: int = 1
                     ) -> list[tuple[str, str, list[_blocks.Block]]]:
    """(heading, source line, blocks) for every part of the session report."""
    parts: list[tuple[str, str, list[_blocks.Block]]] = [("Participation", "", participation_blocks(data, names=names))]
    for ins in data.used_instruments():
        parts.append((ins.title, _source_line(ins),
                      _blocks.instrument_blocks(data.responses, ins, names=names, min_group=min_group)))
    if names:
        overview = pairs_overview(data)
        if overview is not None:
            parts.append(("Pairs", "", [overview]))
    return parts


def pairs_overview(data: SessionData) -> _blocks.Block | None:
    """A table of pairs: for each compared exercise, on how many items the two agree."""
    pairs = data.pairs_df()
    if pairs.empty:
        return None
    comp = [i for i in data.used_instruments() if i.compare and i.kinds - {"text"}]
    answers = {(ins.id, occ): prep.answers_by_participant(data.responses, ins, occ)
               for ins in comp for occ in ins.occasion_ids}
    rows = []
    for p in pairs.to_dict("records"):
        row = {"label": p["label"]}
        for ins in comp:
            for occ in ins.occasion_ids:
                got = answers[(ins.id, occ)]
                a = got.get(int(p["a_id"]), {})
                b = got.get(int(p["b_id"]), {}) if pd.notna(p["b_id"]) else {}
                both = [k for k in a if k in b]
                same = sum(1 for k in both if a[k] == b[k] and type(a[k]) is type(b[k]))
                row[prep.instrument_key(ins, occ)] = f"{same} of {len(both)} same" if both else "not both yet"
        rows.append(row)
    cols = {"label": "Pair"}
    for ins in comp:
        for occ in ins.occasion_ids:
            cols[prep.instrument_key(ins, occ)] = prep._title(ins, occ)
    return _blocks.Block("pairs", "Agreement within each pair",
                         f"{len(pairs)} pair{'s' if len(pairs) != 1 else ''}; items both answered the same way, "
                         "per exercise. Each pair's own report shows their answers side by side.", None,
                         pd.DataFrame(rows), cols, "Agreement within each pair")


def session_context(data: SessionData, *, names: bool = True, min_group: int = 1) -> dict[str, Any]:
    """Everything ``session.html`` shows."""
    title = data.session_title()
    people = data.participants_df()
    meta = [m for m in (data.session_date(),
                        f"Join code {data.session.join_code}" if getattr(data.session, "join_code", None) else "",
                        f"{len(people)} participant{'s' if len(people) != 1 else ''}",
                        f"Report made {data.made_at()}") if m]
    if names:
        kind = "Session report"
        note = ("This report names participants and shows their written answers: keep it with your "
                "training notes and share it only as agreed with the group.")
    else:
        kind = "Session report — handout"
        note = (f"Nobody is named in this handout and written answers are left out; results of a role "
                f"or an exercise with fewer than {min_group} people are not shown.") if min_group > 1 else (
                "Nobody is named in this handout and written answers are left out.")
    parts = []
    for k, (heading, source, bl) in enumerate(session_sections(data, names=names, min_group=min_group)):
        parts.append({"id": f"part-{k}-{slug(heading, 'part')}", "title": heading, "source": source,
                      "exercise": bool(source),
                      # participation: the figures first (they fit the first page), the chart after
                      "blocks": [block_view(b, table_first=not source) for b in bl]})
    return {"page_title": f"{kind}: {title}", "footer": f"{title} — {kind}", "kind": kind, "title": title,
            "meta": meta, "note": note, "parts": parts, "empty": not data.used_instruments(),
            "body_class": "session-report"}


def session_report_html(source: Any, session_id: int | None = None, *, names: bool = True, min_group: int = 1,
                        instruments: Mapping[str, Instrument] | None = None,
                        paper: str | Paper | None = None) -> str:
    """The session report as one standalone HTML page (prints as the PDF does).

    ``names=False`` (with ``min_group``, e.g. 3) gives the version safe to hand to the room.
    """
    data = session_data(source, session_id, instruments)
    return render_html("session.html", paper=paper, **session_context(data, names=names, min_group=min_group))


def session_report_pdf(source: Any, path: str | Path | None = None, session_id: int | None = None, *,
                       names: bool = True, min_group: int = 1,
                       instruments: Mapping[str, Instrument] | None = None,
                       paper: str | Paper | None = None) -> Path | bytes:
    """The session report as PDF: written to ``path`` (returned), or its bytes when ``path`` is None."""
    page = session_report_html(source, session_id, names=names, min_group=min_group, instruments=instruments,
                               paper=paper)
    return write_pdf(page, path)
