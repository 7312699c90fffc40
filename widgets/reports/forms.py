"""Blank printable forms, through the same template and stylesheet as the reports.

A participant without a device fills one in by hand; the facilitator types it in later. So each
form prints the exercise's ``instrument_id`` and version, every item's ``item_id`` beside it, and
ends with a key saying what to type as ``value`` for each mark: exactly the columns that
``peerkit import`` reads (see :mod:`peerkit.transfer` and the guide's "Export and import formats").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

from .. import prep
from ..instruments import Instrument, load_all, sorted_by_source
from .data import Paper, paper as _paper
from .render import render_html, write_pdf

__all__ = ["ROLE_CHOICES", "blank_form_html", "blank_form_pdf", "blank_forms_html", "form_context",
           "write_blank_forms"]

ROLE_CHOICES = ("supervisor", "peer_specialist", "other")


def _value_text(value: Any) -> str:
    from ..transfer import value_text  # how the import reads it back

    return value_text(value)


def _legend(scale) -> list[tuple[str, str]]:
    return [(o.short or o.label, o.description) for o in scale.options if o.description]


def _option_labels(scale) -> tuple[list[str], bool]:
    long = any(len(o.label) > 40 for o in scale.options)
    out = []
    for o in scale.options:
        text = o.label
        if scale.kind == "frequency":
            text = f"{o.value} {o.label}"
        elif o.short and o.short != o.label:
            text = o.short if scale.kind in ("sia", "true_false") and not long else f"{o.short}. {o.label}"
        out.append(text)
    return out, long


def _key_rows(ins: Instrument) -> list[dict[str, str]]:
    """What to type as ``value`` for each mark, grouped by scale (with the items that use it)."""
    groups: dict[tuple, dict[str, Any]] = {}
    for section in ins.sections:
        for item in section.items:
            scale = ins.scale_for(item)
            sig = (scale.kind, tuple((str(o.value), o.label) for o in scale.options))
            groups.setdefault(sig, {"scale": scale, "items": []})["items"].append(item.number or item.id)
    rows = []
    for g in groups.values():
        scale, items = g["scale"], g["items"]
        which = "all" if len(groups) == 1 else (", ".join(items) if len(items) <= 12 else
                                                  f"{items[0]} to {items[-1]} ({len(items)} items)")
        if scale.kind == "text":
            rows.append({"marked": "the words written in the box, as written", "value": "(the text)", "applies_to": which})
        elif scale.kind == "multi":
            labels, _ = _option_labels(scale)
            for o, text in zip(scale.options, labels):
                rows.append({"marked": f"☐ {text}", "value": _value_text(o.value), "applies_to": which})
            example = "+".join(_value_text(o.value) for o in scale.options[:2])
            rows.append({"marked": "several boxes ticked: their values joined by +, in the order above, e.g.",
                         "value": example, "applies_to": which})
        elif scale.kind == "checklist":
            rows.append({"marked": "☐ ticked", "value": "true", "applies_to": which})
            rows.append({"marked": "☐ left empty (or leave the row out)", "value": "false", "applies_to": which})
        else:
            labels, _ = _option_labels(scale)
            for o, text in zip(scale.options, labels):
                rows.append({"marked": f"○ {text}", "value": _value_text(o.value), "applies_to": which})
    return rows


def form_context(ins: Instrument) -> dict[str, Any]:
    """What ``blank_form.html`` shows of one instrument."""
    sections = []
    for section in ins.sections:
        items = []
        for item in section.items:
            scale = ins.scale_for(item)
            labels, long = _option_labels(scale)
            items.append({
                "heading": item.heading or "",
                "id": item.id, "number": f"{item.number}." if item.number else "", "text": item.text,
                "details": list(item.details), "kind": scale.kind, "options": labels, "long": long,
                "legend": _legend(item.scale) if item.scale is not None and item.scale.kind != "choice" else [],
            })
        sections.append({"title": section.title or "", "instructions": section.instructions or "",
                         "footnote": section.footnote or "",
                         "legend": _legend(section.scale) if section.scale is not None else [], "entries": items})
    meta = [ins.source.title + (f" — {ins.source.exercise}" if ins.source.exercise else "")]
    return {
        "id": ins.id, "version": ins.version, "title": ins.title, "meta": meta,
        "occasions": [o.label for o in ins.occasions],
        "occasion_codes": [(o.label, o.id) for o in ins.occasions],
        "instructions": ins.instructions or "",
        "legend": _legend(ins.scale) if ins.scale is not None else [],
        "sections": sections,
        "questions": [(f"{n}." if n else "", q.text) for n, q in ins.discussion.labelled()] if ins.discussion else [],
        "questions_title": (ins.discussion.title or "Discussion") if ins.discussion else "",
        "questions_intro": (ins.discussion.intro or "") if ins.discussion else "",
        "key": _key_rows(ins),
    }


def blank_forms_html(instruments: Iterable[Instrument], *, paper: str | Paper | None = None,
                     title: str = "Blank forms") -> str:
    """Several blank forms in one page, each starting on a new sheet."""
    found = list(instruments)
    name = found[0].title if len(found) == 1 else title
    return render_html("blank_form.html", paper=paper, page_title=f"{name} (blank form)",
                       footer=f"{name} — blank form, print one per person" if len(found) == 1
                       else f"{title} — print one per person",
                       kind="Blank form", forms=[form_context(i) for i in found],
                       roles=[prep.role_label(r) for r in ROLE_CHOICES], body_class="blank-forms")


def blank_form_html(instrument: Instrument, *, paper: str | Paper | None = None) -> str:
    """A printable blank version of ``instrument``: its instructions, every item with empty circles
    (one per answer) or boxes, the discussion questions with room to write, and the typing-in key."""
    return blank_forms_html([instrument], paper=paper)


def blank_form_pdf(instrument: Instrument, path: str | Path | None = None, *,
                   paper: str | Paper | None = None) -> Path | bytes:
    return write_pdf(blank_form_html(instrument, paper=paper), path)


def _instruments(instruments: Iterable[Instrument] | Mapping[str, Instrument] | None) -> list[Instrument]:
    if instruments is None:
        return sorted_by_source(load_all())
    if isinstance(instruments, Mapping):
        return list(instruments.values())
    return list(instruments)


def write_blank_forms(folder: str | Path, instruments: Iterable[Instrument] | Mapping[str, Instrument] | None = None,
                      *, fmt: str = "html", paper: str | Paper | None = None) -> list[Path]:
    """Write a blank form for every instrument (default: all in ``data/``) and an ``index.html``
    linking them; ``fmt`` "html" or "pdf" (one file per exercise). Returns the files, index last."""
    if fmt not in ("html", "pdf"):
        raise ValueError(f"unknown format {fmt!r} (html or pdf)")
    size = _paper(paper)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths, listing = [], []
    for ins in _instruments(instruments):
        path = folder / f"{ins.id}.{fmt}"
        if fmt == "html":
            path.write_text(blank_form_html(ins, paper=size), encoding="utf-8")
        else:
            blank_form_pdf(ins, path, paper=size)
        paths.append(path)
        listing.append({"href": path.name, "title": ins.title, "source": ins.source.title})
    index = folder / "index.html"
    index.write_text(render_html("blank_index.html", paper=size, page_title="Blank forms", footer="Blank forms",
                                 forms=listing, body_class="blank-index"), encoding="utf-8")
    return [*paths, index]
