"""Every module of the package can be read in one sitting: none passes LIMIT lines.

A module that grows past the limit is split by responsibility (as ``transfer/``, ``plots/`` and
``instruments/`` were). SPLITTING names the modules being split right now; it only shrinks.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 600
SPLITTING: set[str] = set()


def _sizes() -> dict[str, int]:
    pkg = ROOT / "widgets"
    return {p.relative_to(pkg).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
            for p in sorted(pkg.rglob("*.py")) if "migrations" not in p.parts}


def test_no_module_passes_the_limit():
    sizes = _sizes()
    over = {name: n for name, n in sizes.items() if n > LIMIT and name not in SPLITTING}
    assert not over, f"modules over {LIMIT} lines (split them by responsibility): {over}"


def test_the_list_of_modules_being_split_is_current():
    sizes = _sizes()
    stale = sorted(name for name in SPLITTING if sizes.get(name, 0) <= LIMIT)
    assert not stale, f"remove from SPLITTING (no longer over {LIMIT} lines, or gone): {stale}"
