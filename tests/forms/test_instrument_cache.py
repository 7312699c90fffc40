"""The parsed-instrument cache: same result as parsing, new key on any change, damage ignored."""

from __future__ import annotations

import shutil

from peerkit import instrument_cache
from peerkit.forms import available_instruments
from peerkit.instruments import data_dir


def test_cache_gives_the_parsed_instruments_and_follows_the_files(tmp_path, monkeypatch):
    monkeypatch.setenv("PEERKIT_HOME", str(tmp_path / "home"))
    data = tmp_path / "data"
    shutil.copytree(data_dir() / "instruments", data / "instruments")
    first = available_instruments(data)
    cache = list((tmp_path / "home" / "cache").glob("instruments-*.pickle"))
    assert len(cache) == 1 and first
    assert available_instruments(data) == first  # read back from the cache
    # a changed file is a new key: the cache never serves stale text
    path = sorted((data / "instruments").glob("*.yaml"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert available_instruments(data) == first
    assert len(list((tmp_path / "home" / "cache").glob("instruments-*.pickle"))) == 2
    # a damaged cache file is ignored and rebuilt
    for c in (tmp_path / "home" / "cache").glob("instruments-*.pickle"):
        c.write_bytes(b"not a pickle")
    assert available_instruments(data) == first


def test_unwritable_cache_folder_still_loads(tmp_path, monkeypatch):
    blocker = tmp_path / "home"
    blocker.write_text("a file where the folder would be")
    monkeypatch.setenv("PEERKIT_HOME", str(blocker))
    found = available_instruments()
    assert found and "readiness-timeline" in found
