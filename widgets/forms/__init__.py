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

from .app import ParticipantApp, available_instruments, exercise, exercise_options, participant_app
from .backend import BackendError, FormBackend, MemoryBackend, MemorySubmission, StoreBackend
from .common import CSS, CSS_CLASSES, item_numbers, value_label
from .controls import (CONTROL_CLASSES, ChecklistControl, ChoiceControl, FrequencyControl, ItemControl,
                       SIAControl, TextControl, TrueFalseControl, make_control)
from .form import InstrumentForm, scale_legend
from .join import ROLE_OPTIONS, JoinPanel, role_label
from .results import ResultsPanel, occasion_changes, render_results
from .state import FormState

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
    "MemoryBackend",
    "MemorySubmission",
    "ParticipantApp",
    "ROLE_OPTIONS",
    "ResultsPanel",
    "SIAControl",
    "StoreBackend",
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
