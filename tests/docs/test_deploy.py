"""The JupyterHub configuration and the JupyterLite build script, without a hub or a browser."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from traitlets.config import Config

from ._util import ROOT, load_module

HUB_CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
DB_URL = "postgresql+psycopg://peerkit:secret@db.example.org:5432/peerkit"


def run_hub_config(monkeypatch: pytest.MonkeyPatch, db_url: str | None) -> Config:
    if db_url is None:
        monkeypatch.delenv("PEERKIT_DB_URL", raising=False)
    else:
        monkeypatch.setenv("PEERKIT_DB_URL", db_url)
    monkeypatch.delenv("PEERKIT_DIR", raising=False)
    c = Config()
    code = compile(HUB_CONFIG.read_text(encoding="utf-8"), str(HUB_CONFIG), "exec")
    exec(code, {"get_config": lambda: c, "__file__": str(HUB_CONFIG)})
    return c


def test_hub_opens_the_start_page_in_voila(monkeypatch: pytest.MonkeyPatch) -> None:
    c = run_hub_config(monkeypatch, DB_URL)
    default = c.Spawner.default_url
    assert default.startswith("/voila/render/")
    # notebook_dir is the kit's notebooks/ folder in the image: the page must exist there
    assert c.Spawner.notebook_dir.endswith("/notebooks")
    assert (ROOT / "notebooks" / default.removeprefix("/voila/render/")).exists()


def test_hub_passes_the_shared_database_to_every_server(monkeypatch: pytest.MonkeyPatch) -> None:
    c = run_hub_config(monkeypatch, DB_URL)
    assert c.Spawner.environment["PEERKIT_DB_URL"] == DB_URL
    assert c.Spawner.environment["PEERKIT_HOME"]
    assert any("strip_sources=True" in a for a in c.Spawner.args)


def test_hub_refuses_to_start_without_a_database(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit, match="PEERKIT_DB_URL"):
        run_hub_config(monkeypatch, None)


def test_lite_data_wheel_holds_every_exercise_file(tmp_path: Path) -> None:
    lite = load_module(ROOT / "deploy" / "jupyterlite" / "build.py", "peerkit_lite_build")
    wheel = lite.build_data_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    expected = {f"peerkit_data/instruments/{p.name}" for p in (ROOT / "data" / "instruments").glob("*.yaml")}
    assert expected <= set(names)
    assert any(n.endswith(".dist-info/RECORD") for n in names)


def test_lite_notebook_gets_the_install_cell(tmp_path: Path) -> None:
    lite = load_module(ROOT / "deploy" / "jupyterlite" / "build.py", "peerkit_lite_build")
    src = ROOT / "notebooks" / "self-study.ipynb"
    out = tmp_path / "self-study.ipynb"
    lite.lite_notebook(src, out)
    nb = json.loads(out.read_text(encoding="utf-8"))
    first = "".join(nb["cells"][0]["source"])
    assert "piplite.install" in first and "PEERKIT_DATA" in first
    assert nb["metadata"]["kernelspec"]["name"] == "python"
    assert len(nb["cells"]) == len(json.loads(src.read_text(encoding="utf-8"))["cells"]) + 1


def test_hub_voila_settings_match_the_kits_voila_json(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hub passes the same Voila and culling settings that `peerkit serve` reads from voila.json."""
    c = run_hub_config(monkeypatch, DB_URL)
    args = dict(a.removeprefix("--").split("=", 1) for a in c.Spawner.args)
    kit = json.loads((ROOT / "voila.json").read_text(encoding="utf-8"))
    for section, values in kit.items():
        for key, value in values.items():
            name = f"{section}.{key}"
            if name in args:
                assert args[name] == str(value), f"{name}: hub {args[name]} vs voila.json {value}"
    for key in ("cull_idle_timeout", "cull_interval", "cull_connected"):
        assert f"MappingKernelManager.{key}" in args
