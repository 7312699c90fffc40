"""Every relative link in the facilitator guide, the README and the deploy notes points to a file
that exists; a link to a heading in another page of the guide points to a heading that exists."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest

from ._util import GUIDE, ROOT, anchors, is_external, links, markdown_files

FILES = markdown_files()


@pytest.mark.parametrize("page", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for line, target in links(page):
        if is_external(target) or target.startswith("#"):
            continue
        path_part = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if not path_part:
            continue
        resolved = (page.parent / path_part).resolve()
        if not resolved.exists():
            broken.append(f"{page.relative_to(ROOT)}:{line}: {target} -> {resolved.relative_to(ROOT) if resolved.is_relative_to(ROOT) else resolved} does not exist")
    assert not broken, "broken links:\n" + "\n".join(broken)


@pytest.mark.parametrize("page", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_anchors_into_guide_pages_exist(page: Path) -> None:
    bad = []
    for line, target in links(page):
        if is_external(target) or "#" not in target:
            continue
        path_part, anchor = target.split("#", 1)
        dest = (page.parent / unquote(path_part)).resolve() if path_part else page.resolve()
        if dest.suffix != ".md" or not dest.exists() or not dest.is_relative_to(GUIDE):
            continue
        if anchor not in anchors(dest):
            bad.append(f"{page.relative_to(ROOT)}:{line}: #{anchor} is not a heading of {dest.relative_to(ROOT)}")
    assert not bad, "\n".join(bad)


def test_the_guide_has_the_pages_the_readme_and_notebooks_point_to() -> None:
    for name in ("index.md", "before-the-session.md", "after-the-session.md", "privacy.md",
                 "troubleshooting.md", "self-study.md", "deploying.md", "dashboard.md"):
        assert (GUIDE / name).exists(), name
    for n in range(1, 7):
        assert (GUIDE / "session-plans" / f"unit-{n}.md").exists()
