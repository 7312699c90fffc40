"""The README's layout names files and folders that exist: when a module is split, moved or
renamed, the layout has to follow (a package's description names its modules too)."""

from __future__ import annotations

import re
from pathlib import Path

from ._util import ROOT

# a module or folder named in a description: "model.py", "migrations/", "templates/"
NAMED = re.compile(r"(?<![\w./<`-])([a-z_][a-z0-9_]*(?:\.py|/))(?![\w/])")


def layout_entries() -> list[tuple[Path, list[str]]]:
    """(folder the entry is in, the entry's names) for every entry of the README's layout block,
    with the modules and folders a package's description names (``store/core.py``); entries
    indented under ``widgets/`` are in ``widgets/``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"^## Layout\n+```\n(.*?)^```", text, re.M | re.S)
    assert block, "README.md has no '## Layout' section with a code block"
    entries: list[tuple[Path, list[str], list[str]]] = []
    for line in block.group(1).splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent in (0, 2):
            head, _, description = line.strip().partition("  ")
            base = ROOT if indent == 0 else ROOT / "widgets"
            entries.append((base, [n.strip() for n in head.split(",")], [description]))
        else:  # the description goes on
            entries[-1][2].append(line)
    out = []
    for base, names, description in entries:
        inside = [n for n in names if n.endswith("/")]
        mentioned = NAMED.findall(" ".join(description)) if len(inside) == 1 else []
        out.append((base, names + [inside[0] + m for m in mentioned]))
    return out


def test_every_file_the_layout_names_exists() -> None:
    entries = layout_entries()
    assert any(base == ROOT / "widgets" for base, _ in entries), "the layout lists no modules of widgets/"
    missing = [str((base / name).relative_to(ROOT)) for base, names in entries for name in names
               if not (base / name).exists()]
    assert not missing, f"README.md's layout names files that do not exist: {', '.join(missing)}"


def test_the_layout_check_reads_package_descriptions() -> None:
    names = {name for base, found in layout_entries() if base == ROOT / "widgets" for name in found}
    assert {"store/core.py", "store/migrations/", "instruments/model.py", "plots/tables.py",
            "transfer/export.py"} <= names
