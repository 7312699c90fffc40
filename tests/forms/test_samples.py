"""One sample join code, in the real format, everywhere the interface shows an example."""

from __future__ import annotations

import re
from pathlib import Path

from peerkit.samples import SAMPLE_JOIN_CODE, join_code_placeholder

ROOT = Path(__file__).resolve().parents[2]


def test_the_sample_join_code_has_the_real_format():
    from peerkit.store.core import format_join_code, normalize_join_code

    compact = normalize_join_code(SAMPLE_JOIN_CODE)
    assert compact is not None, "the sample is not a valid join code"
    assert format_join_code(compact) == SAMPLE_JOIN_CODE  # shown as the facilitator reads it out
    assert join_code_placeholder() == f"e.g. {SAMPLE_JOIN_CODE}"


def test_no_other_sample_code_is_written_anywhere_in_the_interface():
    """Placeholders, help texts and messages take the sample from peerkit.samples."""
    pattern = re.compile(r"e\.g\.\s*[A-Z0-9]{3}-?[A-Z0-9]{3}\b")
    found = []
    for path in sorted((ROOT / "widgets").rglob("*.py")):
        if path.name == "samples.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line) or re.search(r'placeholder="[^"]*\b[A-Z0-9]{3}-?[A-Z0-9]{3}\b', line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, "sample join codes written by hand:\n" + "\n".join(found)


def test_every_join_code_field_shows_the_same_sample(tmp_path):
    from peerkit.dashboard import facilitator_dashboard
    from peerkit.forms.join import JoinPanel
    from peerkit.store import Store

    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    try:
        assert JoinPanel(store).code.placeholder == join_code_placeholder()
        assert facilitator_dashboard(store).join_code.placeholder == join_code_placeholder()
    finally:
        store.close()
