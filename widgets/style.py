"""The kit's one stylesheet (``kit.css`` beside this module), for every app and page.

The participant app and its forms, the facilitator dashboard, the group display, the pair view and
the narrative notebooks (start page, session plans) all put :data:`KIT_CSS` at their top, so a
table, a chart or a text box looks and behaves the same wherever it is shown. Nothing here imports
ipywidgets or pandas: a participant's kernel pays only for reading one small file.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["KIT_CSS", "STYLESHEET", "style_tag"]

#: where the stylesheet lives (package data)
STYLESHEET = Path(__file__).with_name("kit.css")

#: the stylesheet's text
KIT_CSS = STYLESHEET.read_text(encoding="utf-8")


def style_tag() -> str:
    """``<style>`` with the kit's stylesheet, for an HTML widget or a display output."""
    return f"<style>{KIT_CSS}</style>"
