"""One section at a time on a phone, for long forms (the program self-evaluation: 39 items in 3 areas).

:class:`SectionPager` keeps which section is current and marks the others
``peerkit-section-hidden``; the kit's stylesheet hides those only on narrow screens
(``max-width: 720px``), where the pager's progress line and its "Previous section" / "Next
section" buttons are shown too. On a wide screen every section stays on the page (each
1-5 rating is one compact row there) and the pager is not shown. Answers are saved as before:
a draft on every change, whichever section is showing.

The progress line says where the person is and what is left: "Section 2 of 3: Strength-Based
Recovery Planning · 3 of 8 answered here · 18 of 39 in all".
"""

from __future__ import annotations

from typing import Any, Callable

import ipywidgets as widgets

from ..instruments import Instrument
from .common import esc

__all__ = ["PAGED_MIN_ITEMS", "SectionPager", "paged"]

#: a form with several sections and at least this many items is shown a section at a time on phones
PAGED_MIN_ITEMS = 20


def paged(instrument: Instrument) -> bool:
    return len(instrument.sections) > 1 and len(instrument.items) >= PAGED_MIN_ITEMS


class SectionPager:
    """Which section of a long form a phone shows; ``top`` and ``bottom`` are its widgets."""

    def __init__(self, instrument: Instrument, boxes: list[widgets.Widget], answered: Callable[[str], bool]):
        self.instrument = instrument
        self.boxes = boxes
        self.answered = answered
        self.index = 0
        self.top = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.top.add_class("peerkit-section-nav")
        self.top.add_class("peerkit-section-progress")
        self.prev_button = widgets.Button(description="Previous section", icon="arrow-left",
                                          tooltip="Back to the previous section (your answers stay saved)",
                                          layout=widgets.Layout(width="auto"))
        self.next_button = widgets.Button(description="Next section", icon="arrow-right",
                                          tooltip="On to the next section (your answers are saved as you go)",
                                          layout=widgets.Layout(width="auto"))
        self.prev_button.add_class("peerkit-section-prev")
        self.next_button.add_class("peerkit-section-next")
        self.prev_button.on_click(lambda _b: self.show(self.index - 1))
        self.next_button.on_click(lambda _b: self.show(self.index + 1))
        self.line = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.line.add_class("peerkit-section-progress")
        self.bottom = widgets.VBox([self.line, widgets.HBox([self.prev_button, self.next_button],
                                                            layout=widgets.Layout(flex_flow="row wrap"))],
                                   layout=widgets.Layout(width="100%"))
        self.bottom.add_class("peerkit-section-nav")
        self.show(0)

    @property
    def count(self) -> int:
        return len(self.boxes)

    def show(self, index: int) -> None:
        """Make section ``index`` the one a phone shows (the page scrolls to its start: see A11Y_JS)."""
        self.index = max(0, min(index, self.count - 1))
        for k, box in enumerate(self.boxes):
            if k == self.index:
                box.remove_class("peerkit-section-hidden")
                box.add_class("peerkit-section-current")
            else:
                box.remove_class("peerkit-section-current")
                box.add_class("peerkit-section-hidden")
        self.prev_button.layout.display = "none" if self.index == 0 else None
        self.next_button.layout.display = "none" if self.index == self.count - 1 else None
        self.refresh()

    def show_item(self, item_id: str) -> None:
        """Show the section holding ``item_id`` (e.g. the first one still to answer)."""
        for k, section in enumerate(self.instrument.sections):
            if any(i.id == item_id for i in section.items):
                self.show(k)
                return

    def refresh(self) -> None:
        """Update the progress line (after every answer)."""
        section = self.instrument.sections[self.index]
        here = [i for i in section.items if self.instrument.scale_for(i).kind != "checklist"]
        everything = [i for i in self.instrument.items if self.instrument.scale_for(i).kind != "checklist"]
        done_here = sum(1 for i in here if self.answered(i.id))
        done = sum(1 for i in everything if self.answered(i.id))
        title = f": {esc(section.title)}" if section.title else ""
        text = (f"<strong>Section {self.index + 1} of {self.count}</strong>{title} · {done_here} of {len(here)} "
                f"answered here · {done} of {len(everything)} in all")
        bar = (f'<progress max="{len(everything)}" value="{done}" aria-hidden="true" '
               f'class="peerkit-section-bar"></progress>')
        self.top.value = f"<div>{text}</div>{bar}"
        after = ("The last section: submit below when you are ready." if self.index == self.count - 1 else
                 f"Next: {esc(self.instrument.sections[self.index + 1].title or 'section ' + str(self.index + 2))}")
        self.line.value = f"<div>{text}</div><div>{after}</div>"

    def widgets(self) -> tuple[Any, Any]:
        return self.top, self.bottom
