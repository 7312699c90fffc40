"""Optional: build the guide with Jupyter Book 1.x when it is installed (it is not a test dependency).

Install it into the kit's environment with `pip install "jupyter-book<2"`, or point
PEERKIT_JUPYTER_BOOK at a `jupyter-book` executable from another environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ._util import GUIDE


def jupyter_book() -> str | None:
    env = os.environ.get("PEERKIT_JUPYTER_BOOK")
    if env:
        return env
    beside = Path(sys.executable).parent / "jupyter-book"
    return str(beside) if beside.exists() else shutil.which("jupyter-book")


@pytest.mark.slow
def test_guide_builds_with_jupyter_book(tmp_path: Path) -> None:
    exe = jupyter_book()
    if exe is None:
        msg = "jupyter-book is not installed (optional: pip install 'jupyter-book<2')"
        if os.environ.get("PEERKIT_REQUIRE_BOOK") == "1":
            pytest.fail(msg + "; PEERKIT_REQUIRE_BOOK=1 asks for the build")
        pytest.skip(msg)
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
    if "Jupyter Book      : 1." not in version and "Jupyter Book : 1." not in version and " 1." not in version:
        pytest.skip(f"needs Jupyter Book 1.x, found: {version.strip()[:80]}")
    copy = tmp_path / "guide"
    shutil.copytree(GUIDE, copy, ignore=shutil.ignore_patterns("_build"))
    # the guide links to the kit's files beside it (notebooks/, data/): give the copy the same neighbours
    # (its pages show screenshots from ../docs/screenshots)
    shutil.copytree(GUIDE.parent / "docs", tmp_path / "docs", ignore=shutil.ignore_patterns("_build"))
    result = subprocess.run([exe, "build", str(copy), "--warningiserror", "--keep-going"],
                            capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert (copy / "_build" / "html" / "index.html").exists(), output[-3000:]
    assert result.returncode == 0, output[-3000:]
