"""Sample values the interface shows as examples (placeholders, help texts), each defined once.

A sample join code has the real format (``peerkit.store``: six characters of the join alphabet,
read aloud as two groups of three), so what a participant is shown as an example looks like what
the facilitator reads out; tests/forms/test_samples.py keeps it valid and the only one.
"""

from __future__ import annotations

__all__ = ["SAMPLE_JOIN_CODE", "join_code_placeholder"]

#: the example join code on every screen and in every message
SAMPLE_JOIN_CODE = "K7P-X3M"


def join_code_placeholder() -> str:
    return f"e.g. {SAMPLE_JOIN_CODE}"
