"""Build a JupyterLite site of the self-study notebook into ``_build/lite`` (``make lite``).

JupyterLite runs Python in the browser (Pyodide), so the site needs no server: copy the output
folder to any static web host. What this script does:

1. writes a wheel of the kit (``peerkit``, the package in ``widgets/``) and a small data wheel
   (``peerkit-data``) that carries ``data/instruments/*.yaml``, because a wheel of the kit alone has
   no data folder (both are plain zip files made here, so the build needs no network);
2. copies ``notebooks/self-study.ipynb`` with one first cell added that installs the kit into the
   browser's Python and points it at the data wheel and an in-browser store;
3. runs ``jupyter lite build``.

The build itself works offline. At run time the browser loads Pyodide and its packages (PyYAML,
pydantic, SQLAlchemy, IPython) from Pyodide's public CDN unless the site is given a full Pyodide
distribution (``--pyodide`` below). See facilitator-guide/self-study.md for what is known to work.

Usage: python deploy/jupyterlite/build.py [--output _build/lite] [--pyodide URL_OR_TARBALL]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ["self-study.ipynb"]
DATA_VERSION = "0.1.0"

BOOTSTRAP = """\
# JupyterLite only: install the kit into this browser tab's Python (takes a moment the first time).
# Your answers are kept in this tab's memory and are gone when you close or reload it.
import os
import piplite

await piplite.install(["pyyaml", "pydantic", "sqlalchemy", "ipywidgets"])
await piplite.install(["peerkit", "peerkit-data"], deps=False)

import peerkit_data

os.environ["PEERKIT_DATA"] = os.path.dirname(peerkit_data.__file__)
os.environ.setdefault("PEERKIT_HOME", "/tmp/peerkit")
"""


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _write_wheel(dest: Path, name: str, version: str, files: dict[str, bytes], summary: str) -> Path:
    dist = f"{name}-{version}.dist-info"
    files = dict(files)
    files[f"{dist}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: {version}\nSummary: {summary}\n"
    ).encode()
    files[f"{dist}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: peerkit\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = [_record_line(n, d) for n, d in files.items()] + [f"{dist}/RECORD,,"]
    files[f"{dist}/RECORD"] = ("\n".join(record) + "\n").encode()
    out = dest / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for arcname, data in files.items():
            zf.writestr(arcname, data)
    return out


def build_kit_wheel(dest: Path) -> Path:
    """A pure wheel of the kit's package (``widgets/`` installed as ``peerkit``), made without a
    build backend so that the build needs no network. Dependencies are installed separately."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    files: dict[str, bytes] = {}
    for path in sorted((ROOT / "widgets").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".typed"):
            files["peerkit/" + path.relative_to(ROOT / "widgets").as_posix()] = path.read_bytes()
    return _write_wheel(dest, "peerkit", project["version"], files, project.get("description", ""))


def build_data_wheel(dest: Path) -> Path:
    """A pure wheel holding data/instruments as the package ``peerkit_data``."""
    files: dict[str, bytes] = {"peerkit_data/__init__.py": b'"""The kit\'s exercise files."""\n'}
    for path in sorted((ROOT / "data" / "instruments").glob("*.yaml")):
        files[f"peerkit_data/instruments/{path.name}"] = path.read_bytes()
    return _write_wheel(dest, "peerkit_data", DATA_VERSION, files,
                        "The exercise files of peerkit (data/instruments)")


def lite_notebook(src: Path, dest: Path) -> None:
    nb = json.loads(src.read_text(encoding="utf-8"))
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "id": "peerkit-lite-bootstrap",
        "metadata": {"tags": ["jupyterlite-bootstrap"]},
        "outputs": [],
        "source": BOOTSTRAP.splitlines(keepends=True),
    }
    nb["cells"].insert(0, cell)
    nb.setdefault("metadata", {})["kernelspec"] = {
        "name": "python", "display_name": "Python (Pyodide)", "language": "python"}
    dest.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "_build" / "lite"))
    parser.add_argument("--pyodide", default=None,
                        help="a full Pyodide distribution (URL or .tar.bz2) to serve with the site")
    args = parser.parse_args(argv)

    work = ROOT / "_build" / "lite-src"
    shutil.rmtree(work, ignore_errors=True)
    (work / "content").mkdir(parents=True)
    wheels = work / "wheels"
    wheels.mkdir()

    build_kit_wheel(wheels)
    build_data_wheel(wheels)
    for name in NOTEBOOKS:
        src = ROOT / "notebooks" / name
        if not src.exists():
            print(f"missing notebook: {src}", file=sys.stderr)
            return 1
        lite_notebook(src, work / "content" / name)

    cmd = [str(Path(sys.executable).parent / "jupyter-lite"), "build", "--lite-dir", str(work),
           "--contents", str(work / "content"), "--output-dir", str(Path(args.output).resolve())]
    for whl in sorted(wheels.glob("*.whl")):
        cmd += ["--piplite-wheels", str(whl)]
    if args.pyodide:
        cmd += ["--pyodide", args.pyodide]
    subprocess.run(cmd, check=True, cwd=work)
    print(f"JupyterLite site written to {args.output}; serve that folder over HTTP, e.g.\n"
          f"  python -m http.server -d {args.output} 8000   then open "
          "http://127.0.0.1:8000/notebooks/index.html?path=self-study.ipynb")
    return 0


if __name__ == "__main__":
    sys.exit(main())
