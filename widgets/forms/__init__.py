"""Participant forms: every exercise as an accessible ipywidgets form, with join, save and resume.

``display(participant_app())`` is the whole participant app. The parts:

- :class:`InstrumentForm` - one exercise, generated from its Instrument, saving through a backend;
- one control class per response kind (:data:`CONTROL_CLASSES`);
- :class:`FormState` - the answers, a dirty flag and observers (no globals);
- :class:`JoinPanel` - join code, name and role, or self-study;
- :class:`StoreBackend` / :class:`MemoryBackend` - where a form's answers go;
- :func:`render_results` / :class:`ResultsPanel` - what a participant sees after submitting.

pandas, matplotlib and SQLAlchemy are not imported here (only lazily where needed).
"""

import importlib
from typing import Any

# name -> submodule; imported on first use, so ``from peerkit.forms import participant_app``
# loads the join page's modules only (not the forms, instruments or results)
_WHERE = {
    "ParticipantApp": "app", "available_instruments": "app", "exercise": "app", "exercise_options": "app",
    "participant_app": "app",
    "BackendError": "backend", "FormBackend": "backend", "MemoryBackend": "backend",
    "MemorySubmission": "backend", "StoreBackend": "backend", "SubmitConflict": "backend",
    "CSS": "common", "CSS_CLASSES": "common", "item_numbers": "common", "value_label": "common",
    "CONTROL_CLASSES": "controls", "ChecklistControl": "controls", "ChoiceControl": "controls",
    "FrequencyControl": "controls", "ItemControl": "controls", "SIAControl": "controls",
    "TextControl": "controls", "TrueFalseControl": "controls", "make_control": "controls",
    "InstrumentForm": "form", "scale_legend": "form",
    "ROLE_OPTIONS": "join", "JoinPanel": "join", "role_label": "join",
    "LazyStore": "opening",
    "ResultsPanel": "results", "occasion_changes": "results", "render_results": "results",
    "FormState": "state",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'peerkit.forms' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__all__ = [
    "BackendError",
    "CONTROL_CLASSES",
    "CSS",
    "CSS_CLASSES",
    "ChecklistControl",
    "ChoiceControl",
    "FormBackend",
    "FormState",
    "FrequencyControl",
    "InstrumentForm",
    "ItemControl",
    "JoinPanel",
    "LazyStore",
    "MemoryBackend",
    "MemorySubmission",
    "ParticipantApp",
    "ROLE_OPTIONS",
    "ResultsPanel",
    "SIAControl",
    "StoreBackend",
    "SubmitConflict",
    "TextControl",
    "TrueFalseControl",
    "available_instruments",
    "exercise",
    "exercise_options",
    "item_numbers",
    "make_control",
    "occasion_changes",
    "participant_app",
    "render_results",
    "role_label",
    "scale_legend",
    "value_label",
]
