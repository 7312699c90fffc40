"""The room figures and the idle-cull timeout are stated once: copies stay equal to their source.

- The burst table (a room opening the link at once) is measured by ``make bench`` into
  BENCHMARKS.md; the README and docs/voila.md carry the same block (benchmarks/run.py copies it).
- The idle-cull timeout is set in voila.json; the hub's settings, the guide, docs/voila.md and
  BENCHMARKS.md state that value.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START = "<!-- burst table: written by benchmarks/run.py -->"
END = "<!-- end burst table -->"


def _block(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    assert START in text and END in text, f"{path.name} has no burst table markers"
    return text[text.index(START):text.index(END)]


@pytest.mark.parametrize("copy", ["README.md", "docs/voila.md"])
def test_burst_table_copies_match_benchmarks(copy):
    source = _block(ROOT / "BENCHMARKS.md")
    assert "| N at once |" in source, "BENCHMARKS.md has no burst table: run make bench"
    assert _block(ROOT / copy) == source, f"{copy}: the burst table differs from BENCHMARKS.md (rerun make bench)"


def _cull() -> int:
    return int(json.loads((ROOT / "voila.json").read_text())["MappingKernelManager"]["cull_idle_timeout"])


def test_one_idle_cull_timeout_everywhere():
    seconds = _cull()
    assert 0 < seconds < 20 * 60, "closed tabs' kernels are culled sooner than 20 minutes"
    minutes = seconds // 60
    hub = (ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py").read_text()
    assert f"--MappingKernelManager.cull_idle_timeout={seconds}" in hub
    for page in ("facilitator-guide/troubleshooting.md", "facilitator-guide/deploying.md"):
        text = " ".join((ROOT / page).read_text(encoding="utf-8").split())
        assert f"{minutes} minutes" in text, f"{page} does not state the {minutes}-minute timeout"
    voila_doc = (ROOT / "docs" / "voila.md").read_text(encoding="utf-8")
    assert f"| `MappingKernelManager.cull_idle_timeout` | `{seconds}` (s) |" in voila_doc
    for path in ("BENCHMARKS.md", "facilitator-guide/troubleshooting.md", "facilitator-guide/deploying.md",
                 "deploy/jupyterhub/jupyterhub_config.py"):
        text = (ROOT / path).read_text(encoding="utf-8")
        stated = {int(x) for x in re.findall(r"cull_idle_timeout`?[ =]`?(\d+)", text)}
        assert stated <= {seconds}, f"{path} states another cull timeout: {sorted(stated)}"
