"""Facilitator dashboard, group display and pair view (ipywidgets).

- :func:`facilitator_dashboard` — choose or create a session, unlock it with its passcode,
  then Group / Pairs / Who has submitted / Export tabs, refreshing live.
- :func:`group_display` — aggregates only, names nobody: safe to project to the room.
- :func:`pair_view` — a participant's own pair comparison.

Data preparation lives in :mod:`peerkit.prep`, charts in :mod:`peerkit.plots`, printable
reports in :mod:`peerkit.reports`; this package only arranges them in widgets.
"""

from .app import FacilitatorDashboard, facilitator_dashboard
from .common import CSS_CLASSES, Poller, SessionModel
from .group import GroupDisplay, GroupPanel, group_display
from .pairs import PairView, PairViewApp, PairsPanel, pair_view

__all__ = [
    "CSS_CLASSES",
    "FacilitatorDashboard",
    "GroupDisplay",
    "GroupPanel",
    "PairView",
    "PairViewApp",
    "PairsPanel",
    "Poller",
    "SessionModel",
    "facilitator_dashboard",
    "group_display",
    "pair_view",
]
