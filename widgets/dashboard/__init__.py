"""Facilitator dashboard, group display and pair view (ipywidgets).

- :func:`facilitator_dashboard` — choose or create a session, unlock it with its passcode,
  then Group / Pairs / Who has submitted / Export tabs, refreshing live.
- :func:`group_display` — aggregates only, names nobody: safe to project to the room.
- :func:`projector_view` — the group display of a facilitator-led session: one exercise at a
  time, the count of submissions, then the results when the facilitator reveals them.
- :func:`pair_view` — a participant's own pair comparison.

Data preparation lives in :mod:`peerkit.prep`, charts in :mod:`peerkit.plots`, printable
reports in :mod:`peerkit.reports`; this package only arranges them in widgets.
"""

from .app import FacilitatorDashboard, facilitator_dashboard
from .common import CSS_CLASSES, Poller, SessionModel
from .group import GroupDisplay, GroupPanel, group_display
from .live import LivePanel, ProjectorView, projector_view
from .pairs import PairView, PairViewApp, PairsPanel, pair_view

__all__ = [
    "CSS_CLASSES",
    "FacilitatorDashboard",
    "GroupDisplay",
    "GroupPanel",
    "LivePanel",
    "PairView",
    "PairViewApp",
    "PairsPanel",
    "ProjectorView",
    "Poller",
    "SessionModel",
    "facilitator_dashboard",
    "group_display",
    "pair_view",
    "projector_view",
]
