"""The Jupyter Book table of contents lists every page of the guide, and every page it lists exists."""

from __future__ import annotations

from pathlib import Path

import yaml

from ._util import GUIDE


def toc_files() -> list[str]:
    toc = yaml.safe_load((GUIDE / "_toc.yml").read_text(encoding="utf-8"))
    out = [toc["root"]]

    def walk(entries: list) -> None:
        for entry in entries or []:
            if "file" in entry:
                out.append(entry["file"])
            for key in ("chapters", "sections", "parts"):
                walk(entry.get(key, []))

    walk(toc.get("parts", []))
    walk(toc.get("chapters", []))
    return out


def page_id(path: Path) -> str:
    return path.relative_to(GUIDE).with_suffix("").as_posix()


def test_toc_is_a_jupyter_book_1_toc() -> None:
    toc = yaml.safe_load((GUIDE / "_toc.yml").read_text(encoding="utf-8"))
    assert toc["format"] == "jb-book"
    assert toc["root"] == "index"
    config = yaml.safe_load((GUIDE / "_config.yml").read_text(encoding="utf-8"))
    assert config["title"]


def test_every_listed_page_exists() -> None:
    missing = [f for f in toc_files() if not (GUIDE / f"{f}.md").exists()]
    assert not missing, f"_toc.yml lists pages that do not exist: {missing}"


def test_every_page_is_listed_once() -> None:
    listed = toc_files()
    assert len(listed) == len(set(listed)), "a page is listed twice in _toc.yml"
    pages = {page_id(p) for p in GUIDE.rglob("*.md") if "_build" not in p.relative_to(GUIDE).parts}
    unlisted = pages - set(listed)
    assert not unlisted, f"pages missing from _toc.yml: {sorted(unlisted)}"
