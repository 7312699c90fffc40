"""Binder links: each opens a notebook that exists, all use the one repository defined in
self-study.md, and the set the README and the guide promise is complete."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from ._util import GUIDE, ROOT, markdown_files

BINDER = re.compile(r"https://mybinder\.org/v2/gh/[^\s)\"'<>]+")
REPO_DEF = re.compile(r"^<!-- binder-repo: (?P<repo>[^ >]+) -->$", re.M)
SNIPPET = ROOT / ".helpers" / "README-binder-section.md"

# The notebooks that must be reachable from Binder: the start page, the self-study app, each unit.
REQUIRED = {"start.ipynb", "self-study.ipynb", *(f"unit-{n}.ipynb" for n in range(1, 7))}


def binder_links() -> list[tuple[Path, str]]:
    files = markdown_files() + ([SNIPPET] if SNIPPET.exists() else [])
    out = []
    for path in files:
        for url in BINDER.findall(path.read_text(encoding="utf-8")):
            out.append((path, url))
    return out


def repo_defined() -> str:
    found = REPO_DEF.findall((GUIDE / "self-study.md").read_text(encoding="utf-8"))
    assert len(found) == 1, "self-study.md must define the Binder repository once: <!-- binder-repo: OWNER/REPO -->"
    return found[0]


def urlpath(url: str) -> str:
    query = parse_qs(urlparse(url).query)
    assert "urlpath" in query, f"{url}: no urlpath (it would open JupyterLab, not the app)"
    return unquote(query["urlpath"][0])


LINKS = binder_links()


def test_there_are_binder_links() -> None:
    assert any(p.name == "self-study.md" for p, _ in LINKS)


@pytest.mark.parametrize("page,url", LINKS, ids=[f"{p.name}:{urlpath(u)}" for p, u in LINKS])
def test_binder_link_opens_an_existing_notebook_in_voila(page: Path, url: str) -> None:
    path = urlpath(url)
    assert path.startswith("voila/render/"), f"{page.name}: {url} should open Voila (urlpath=voila/render/...)"
    notebook = ROOT / path.removeprefix("voila/render/")
    assert notebook.suffix == ".ipynb", url
    assert notebook.exists(), f"{page.relative_to(ROOT)}: {url} opens {notebook.relative_to(ROOT)}, which does not exist"


@pytest.mark.parametrize("page,url", LINKS, ids=[f"{p.name}:{urlpath(u)}" for p, u in LINKS])
def test_binder_link_uses_the_one_repository(page: Path, url: str) -> None:
    repo = repo_defined()
    parts = urlparse(url).path.split("/")  # ['', 'v2', 'gh', OWNER, REPO, REF]
    assert "/".join(parts[3:5]) == repo, f"{page.name}: {url} does not use {repo} (defined in self-study.md)"


def test_self_study_page_links_every_required_notebook() -> None:
    text = (GUIDE / "self-study.md").read_text(encoding="utf-8")
    opened = {Path(urlpath(u)).name for u in BINDER.findall(text)}
    missing = REQUIRED - opened
    assert not missing, f"self-study.md has no Binder link for: {', '.join(sorted(missing))}"


def test_no_binder_folder_hides_the_root_environment() -> None:
    # Binder (repo2docker) ignores the repository's root configuration when binder/ or .binder/ exists.
    for name in ("binder", ".binder"):
        assert not (ROOT / name).is_dir(), (
            f"{name}/ exists: Binder would ignore environment.yml at the root; move the Binder files there "
            "or remove the folder")
