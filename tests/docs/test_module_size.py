"""Every module of the package can be read in one sitting: none passes LIMIT lines.

A module that grows past the limit is split by responsibility (as ``transfer/``, ``plots/``,
``instruments/``, ``prep/`` and ``store/`` were).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 600


def test_no_module_passes_the_limit():
    pkg = ROOT / "widgets"
    sizes = {p.relative_to(pkg).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in sorted(pkg.rglob("*.py")) if "migrations" not in p.parts}
    assert len(sizes) > 40  # the package was found
    over = {name: n for name, n in sizes.items() if n > LIMIT}
    assert not over, f"modules over {LIMIT} lines (split them by responsibility): {over}"
