"""One control class per response kind, each a labelled row for one item.

================  ====================================================
kind              control
================  ====================================================
true_false        ToggleButtons (the scale's labels, e.g. True / False)
sia               ToggleButtons S / I / A, the definitions as tooltips
                  (and as a legend at the top of the section)
frequency         RadioButtons "5 = Always" ... "1 = rarely or Never"
choice            RadioButtons "a) ..." (the answer key stays hidden)
multi             one Checkbox per option (any number; the key stays hidden)
checklist         Checkbox whose label is the item
text              Textarea (synced when the field loses focus)
================  ====================================================

Every row shows the item's number and text in an HTML widget (escaped); the control also
carries the same words as its ``description`` (visually hidden, read by screen readers)
and ``tooltip``. ``ItemControl.value`` is the answer (``None`` while unanswered).
"""

from __future__ import annotations

from typing import Any, Callable

import ipywidgets as widgets
import traitlets
from ipywidgets.widgets.widget_bool import CheckboxStyle
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

from ..instruments import Instrument, Item, Scale
from .common import esc, value_label

__all__ = [
    "CONTROL_CLASSES",
    "ChecklistControl",
    "ChoiceControl",
    "FrequencyControl",
    "ItemControl",
    "MultiControl",
    "SIAControl",
    "TextControl",
    "TrueFalseControl",
    "make_control",
]

OnChange = Callable[[str, Any], None]


def _full_width(**kw: Any) -> widgets.Layout:
    return widgets.Layout(width="100%", max_width="100%", **kw)


class Shared:
    """Layout and style models shared by every control of a form.

    Each ipywidgets Layout/Style is a model of its own (a message to the browser); sharing the
    ones that never change keeps a 100-item form at about three models per item.
    """

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    def get(self, key: str, factory: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = factory()
        return self._cache[key]

    def full(self) -> widgets.Layout:
        return self.get("full", _full_width)

    def row(self) -> widgets.Layout:
        return self.get("row", lambda: _full_width(margin="0 0 6px 0"))

    def style(self, cls: type) -> Any:
        return self.get(cls.__name__, cls)


class ItemControl(widgets.VBox):
    """A labelled answer control for one item. Subclasses build ``self.input``."""

    kind = ""
    #: classes of the item's box beyond the ones every item has
    extra_classes: tuple[str, ...] = ()

    def __init__(self, instrument: Instrument, item: Item, number: str,
                 on_change: OnChange | None = None, shared: Shared | None = None):
        self.shared = shared or Shared()
        self.instrument = instrument
        self.item = item
        self.number = number
        self.scale: Scale = instrument.scale_for(item)
        self._on_change = on_change
        self._quiet = False
        self.accessible_name = f"{number}. {item.text}"
        self.label = self._make_label()
        self.input = self._make_input()
        self.input.observe(self._changed, names="value")
        self.hint: widgets.HTML | None = None  # made when first needed (most items never need it)
        children = [w for w in (self.label, self.input) if w is not None]
        super().__init__(children=children, layout=self.shared.row(), _dom_classes=(
            "peerkit-item", f"peerkit-kind-{self.scale.kind}", f"peerkit-item-{item.id}", *self.extra_classes))

    # -- building ----------------------------------------------------------
    def _make_label(self) -> widgets.HTML | None:
        details = "".join(f'<div class="peerkit-item-details">{esc(d)}</div>' for d in self.item.details)
        return widgets.HTML(
            value=(f'<div class="peerkit-item-label"><strong>{esc(self.number)}.</strong> '
                   f"{esc(self.item.text)}</div>{details}"),
            layout=self.shared.full(), style=self.shared.style(HTMLStyle),
        )

    def _make_input(self) -> widgets.DOMWidget:  # pragma: no cover - abstract
        """The answer control, made with :meth:`_input_state`."""
        raise NotImplementedError

    def _input_state(self, hidden_description: bool = True) -> dict[str, Any]:
        """What every answer control is made with: its class, the item's text as its tooltip and,
        with ``hidden_description``, as its description, visually hidden (the HTML label shows it).

        Given to the constructor, these go to the browser with the control itself: set afterwards,
        each would be one more message per item (a long form's burst was two thirds such updates)."""
        state: dict[str, Any] = {"tooltip": self.accessible_name, "_dom_classes": ("peerkit-control",)}
        if hidden_description:
            state.update(description=self.accessible_name, _dom_classes=("peerkit-control", "peerkit-sr-label"))
        return state

    # -- value ---------------------------------------------------------------
    def _from_widget(self, raw: Any) -> Any:
        return raw

    def _to_widget(self, value: Any) -> Any:
        return value

    @property
    def value(self) -> Any:
        return self._from_widget(self.input.value)

    @value.setter
    def value(self, value: Any) -> None:
        """Show ``value`` without reporting it as a change (used when answers are loaded)."""
        self._quiet = True
        try:
            self.input.value = self._to_widget(value)
        finally:
            self._quiet = False

    def _changed(self, change: dict) -> None:
        if self._quiet or self._on_change is None:
            return
        self._on_change(self.item.id, self.value)

    def mark_missing(self, missing: bool) -> None:
        """Point out (in words, not only colour) that this item is still unanswered."""
        if missing:
            if self.hint is None:
                self.hint = widgets.HTML(layout=self.shared.full(), style=self.shared.style(HTMLStyle))
                self.hint.add_class("peerkit-hint")
                self.children = (*self.children, self.hint)
            self.hint.value = '<span class="peerkit-msg-warn">⚠ Not answered yet</span>'
            self.add_class("peerkit-unanswered")
        elif self.hint is not None:
            self.hint.value = ""
            self.remove_class("peerkit-unanswered")

    @property
    def disabled(self) -> bool:
        return bool(self.input.disabled)

    @disabled.setter
    def disabled(self, flag: bool) -> None:
        self.input.disabled = flag


class _ToggleControl(ItemControl):
    def _make_input(self) -> widgets.DOMWidget:
        opts = self.scale.options
        w = widgets.ToggleButtons(
            options=[(o.label, o.value) for o in opts],
            value=None,
            tooltips=[f"{o.label}: {o.description}" if o.description else o.label for o in opts],
            style=self.shared.get("toggle-style", lambda: widgets.ToggleButtonsStyle(button_width="auto")),
            layout=self.shared.get("auto", lambda: widgets.Layout(width="auto", max_width="100%")),
            **self._input_state(),
        )
        return w


class TrueFalseControl(_ToggleControl):
    kind = "true_false"


class SIAControl(_ToggleControl):
    """S / I / A buttons; each button's tooltip gives the scale's definition."""

    kind = "sia"


class _RadioControl(ItemControl):
    def _option_label(self, option: Any) -> str:
        return value_label(self.scale, option.value)

    def _make_input(self) -> widgets.DOMWidget:
        w = widgets.RadioButtons(
            options=[(self._option_label(o), o.value) for o in self.scale.options],
            value=None,
            layout=self.shared.full(),
            style=self.shared.style(DescriptionStyle),
            **self._input_state(),
        )
        return w


class FrequencyControl(_RadioControl):
    """Radio buttons labelled with the scale ("5 = Always", ...): on a wide screen one compact row
    of choices beside the item, each label under its button (kit.css, ``peerkit-compact``); the
    arrow keys move along the row as in any radio group."""

    kind = "frequency"
    extra_classes = ("peerkit-compact",)


class ChoiceControl(_RadioControl):
    """Radio buttons with the options; the answer key is only shown with the results."""

    kind = "choice"


class ChecklistControl(ItemControl):
    """A checkbox whose (clickable) label is the item's number and text."""

    kind = "checklist"

    def _make_label(self) -> widgets.HTML | None:
        if not self.item.details:
            return None
        return widgets.HTML(
            value="".join(f'<div class="peerkit-item-details">{esc(d)}</div>' for d in self.item.details),
            layout=self.shared.full(), style=self.shared.style(HTMLStyle),
        )

    def _make_input(self) -> widgets.DOMWidget:
        # Checkbox descriptions are plain text (description_allow_html is off), so no escaping needed
        return widgets.Checkbox(value=False, description=self.accessible_name, indent=False,
                                layout=self.shared.full(), style=self.shared.style(CheckboxStyle),
                                **self._input_state(hidden_description=False))

    def _from_widget(self, raw: Any) -> Any:
        return bool(raw)

    def _to_widget(self, value: Any) -> Any:
        return value is True


class _MultiBox(widgets.VBox):
    """The checkboxes of one multi-select item; ``value`` is the stored answer
    ("busy-work+agenda") or None while nothing is ticked."""

    value = traitlets.Unicode(None, allow_none=True)
    disabled = traitlets.Bool(False)
    description = traitlets.Unicode("")  # the item's number and text (the group's name)

    def __init__(self, scale: Scale, name: str, shared: Shared, classes: tuple[str, ...] = ()):
        self.scale = scale
        # each box's tooltip names the item too (the group has no label of its own)
        self.boxes = [widgets.Checkbox(value=False, description=o.label, indent=False,
                                       tooltip=f"{name} — {o.label}", layout=shared.full(),
                                       style=shared.style(CheckboxStyle))
                      for o in scale.options]
        super().__init__(children=self.boxes, layout=shared.full(), _dom_classes=("peerkit-multi", *classes))
        self.description = name
        self._syncing = False
        for box in self.boxes:
            box.observe(self._ticked, names="value")

    def _ticked(self, _change: dict) -> None:
        if self._syncing:
            return
        joined = self.scale.join(o.value for o, b in zip(self.scale.options, self.boxes) if b.value)
        self.value = joined or None

    @traitlets.observe("value")
    def _show(self, change: dict) -> None:
        chosen = set(self.scale.chosen(change["new"]))
        self._syncing = True
        try:
            for o, b in zip(self.scale.options, self.boxes):
                b.value = o.value in chosen
        finally:
            self._syncing = False

    @traitlets.observe("disabled")
    def _disable(self, change: dict) -> None:
        for b in self.boxes:
            b.disabled = change["new"]


class MultiControl(ItemControl):
    """One checkbox per option: tick every one that applies (the answer key stays hidden)."""

    kind = "multi"

    def _make_input(self) -> widgets.DOMWidget:
        # no tooltip: a Box has no description in the browser, where a tooltip without one
        # breaks the view (each checkbox's tooltip names the item instead)
        return _MultiBox(self.scale, self.accessible_name, self.shared,
                         self._input_state(hidden_description=False)["_dom_classes"])

    def _from_widget(self, raw: Any) -> Any:
        return raw or None

    def _to_widget(self, value: Any) -> Any:
        return value if isinstance(value, str) and value else None


class TextControl(ItemControl):
    """A multi-line text box; the answer is sent when the box loses focus."""

    kind = "text"

    def _make_input(self) -> widgets.DOMWidget:
        w = widgets.Textarea(
            value="",
            placeholder="Type your answer here",
            rows=4,
            continuous_update=False,
            layout=self.shared.full(),
            style=self.shared.style(TextStyle),
            **self._input_state(),
        )
        return w

    def _from_widget(self, raw: Any) -> Any:
        return raw if raw and raw.strip() else None

    def _to_widget(self, value: Any) -> Any:
        return value if isinstance(value, str) else ""


CONTROL_CLASSES: dict[str, type[ItemControl]] = {
    "true_false": TrueFalseControl,
    "sia": SIAControl,
    "frequency": FrequencyControl,
    "choice": ChoiceControl,
    "multi": MultiControl,
    "checklist": ChecklistControl,
    "text": TextControl,
}


def make_control(instrument: Instrument, item: Item, number: str,
                 on_change: OnChange | None = None, shared: Shared | None = None) -> ItemControl:
    kind = instrument.scale_for(item).kind
    return CONTROL_CLASSES[kind](instrument, item, number, on_change, shared)
