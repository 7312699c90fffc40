"""The notebooks as files: stored without outputs, titled, thin, and in step with the data.

Running them is nbval's job (``make test`` collects notebooks/*.ipynb with --nbval-lax; see the
repository's conftest.py); these checks keep them clean and complete without a kernel.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from peerkit.instruments import load_all
from peerkit.pages import APP_NOTEBOOKS, EXERCISE_SETS, instruments_in, notebooks_for

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ALL = sorted(NOTEBOOKS.glob("*.ipynb"))
EXPECTED = {"start.ipynb", *APP_NOTEBOOKS, *(s.notebook for s in EXERCISE_SETS)}


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def _code(book) -> str:
    return "\n".join(c.source for c in book.cells if c.cell_type == "code")


def test_the_expected_notebooks_exist():
    assert {p.name for p in ALL} == EXPECTED


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_stored_without_outputs_and_valid(path):
    book = _read(path)
    nbformat.validate(book)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a code cell has outputs; clear them before committing"
            assert cell.execution_count is None, f"{path.name}: clear the execution counts"
    assert book.metadata.get("kernelspec", {}).get("name") == "python3"
    assert book.metadata.get("title", "").startswith("peerkit"), "Voila shows metadata.title as the page title"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_code_cells_are_thin(path):
    for cell in _read(path).cells:
        if cell.cell_type == "code":
            lines = [ln for ln in cell.source.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
            assert len(lines) <= 6, f"{path.name}: keep code cells to a few lines; move logic to peerkit.pages"


@pytest.mark.parametrize("exercise_set", EXERCISE_SETS, ids=lambda s: s.notebook)
def test_every_tagged_exercise_has_its_cells(exercise_set):
    """Each instrument tagged for a notebook shows its prompts and its form there."""
    code = _code(_read(NOTEBOOKS / exercise_set.notebook))
    for ins in instruments_in(exercise_set.notebook):
        assert re.search(rf'prompts\("{re.escape(ins.id)}"', code), f"{exercise_set.notebook}: no prompts(\"{ins.id}\")"
        assert re.search(rf'exercise\("{re.escape(ins.id)}"', code), f"{exercise_set.notebook}: no exercise(\"{ins.id}\")"
    hosted = set(re.findall(r'exercise\("([a-z0-9_.-]+)"', code))
    strays = hosted - {i.id for i in instruments_in(exercise_set.notebook)}
    assert not strays, f"{exercise_set.notebook} shows exercises not tagged '{exercise_set.tag}': {sorted(strays)}"


@pytest.mark.parametrize("exercise_set", EXERCISE_SETS, ids=lambda s: s.notebook)
def test_every_reading_of_a_set_is_shown_in_its_notebook(exercise_set):
    from peerkit.reading import load_readings

    code = _code(_read(NOTEBOOKS / exercise_set.notebook))
    for r in load_readings().values():
        if exercise_set.tag in r.tags:
            assert re.search(rf'reading\("{re.escape(r.id)}"', code), f"{exercise_set.notebook}: no reading(\"{r.id}\")"


def test_every_reading_is_in_a_notebook():
    from peerkit.reading import load_readings

    tags = {s.tag for s in EXERCISE_SETS}
    assert not [r.id for r in load_readings().values() if not tags & set(r.tags)]


def test_every_instrument_is_in_a_notebook():
    homeless = sorted(i.id for i in load_all().values() if not notebooks_for(i))
    assert not homeless, f"no notebook hosts {homeless}: tag them (unit-N, handbook, slides, guidelines, webinar)"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_relative_links_point_at_notebooks(path):
    text = "\n".join(c.source for c in _read(path).cells if c.cell_type == "markdown")
    for target in re.findall(r"\]\(([^)#?]+\.ipynb)[^)]*\)", text):
        assert (NOTEBOOKS / target).exists(), f"{path.name} links to missing {target}"


def test_start_page_links_every_notebook():
    text = "\n".join(c.source for c in _read(NOTEBOOKS / "start.ipynb").cells)
    for name in EXPECTED - {"start.ipynb"}:
        assert f"]({name})" in text, f"start.ipynb does not link {name}"


def test_voila_configuration():
    conf = json.loads((ROOT / "voila.json").read_text())
    vc = conf["VoilaConfiguration"]
    assert vc["template"] == "lab"
    assert vc["strip_sources"] is True
    assert vc["show_tracebacks"] is False
    culling = conf["MappingKernelManager"]
    assert culling["cull_idle_timeout"] > 0 and culling["cull_interval"] > 0
    assert culling["cull_connected"] is False  # an open (if idle) participant tab keeps its kernel
