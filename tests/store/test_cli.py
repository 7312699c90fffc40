"""The ``peerkit`` command line (in-process via main([...]) and through the installed script)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from peerkit.cli import main
from peerkit.fidelity import text_fields
from peerkit.instruments import load_all
from peerkit.store import Store


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_session_commands(db_url: str, capsys) -> None:
    code, out, err = run(capsys, "--db", db_url, "session", "create", "--title", "Spring workshop",
                         "--passcode", "s3cret", "--date", "2026-03-01")
    assert code == 0, err
    join_code = re.search(r"Join code: (\w{3}-\w{3})", out).group(1)
    with Store(db_url) as store:
        s = store.find_session(join_code)
        assert s.title == "Spring workshop" and str(s.date) == "2026-03-01"
        assert store.check_passcode(s.id, "s3cret")

    code, out, _ = run(capsys, "--db", db_url, "session", "list")
    assert code == 0 and join_code in out and "Spring workshop" in out and "open" in out
    code, out, _ = run(capsys, "--db", db_url, "session", "close", join_code.lower())
    assert code == 0 and "now closed" in out
    code, out, _ = run(capsys, "--db", db_url, "session", "open", str(s.id))
    assert code == 0 and "now open" in out
    code, out, _ = run(capsys, "--db", db_url, "session", "passcode", str(s.id), "--passcode", "other")
    assert code == 0
    with Store(db_url) as store:
        assert store.check_passcode(s.id, "other")


def test_db_url_from_environment(db_url: str, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERKIT_DB_URL", db_url)
    code, out, _ = run(capsys, "session", "create", "--title", "From env", "--passcode", "pw")
    assert code == 0
    with Store(db_url) as store:
        assert [s.title for s in store.list_sessions()] == ["From env"]


def test_errors_are_one_line_with_status_2(db_url: str, capsys) -> None:
    for args, text in [
        (("session", "close", "999"), "no session with id 999"),
        (("session", "open", "ZZZ-ZZX"), "no session with id or join code"),
        (("export", "999", "-o", "x.csv"), "no session with id 999"),
        (("session", "create", "--title", "No passcode"), "no passcode given"),
        (("session", "create", "--title", "", "--passcode", "pw"), "needs a title"),
    ]:
        code, out, err = run(capsys, "--db", db_url, *args)
        assert code == 2, args
        assert err.startswith("peerkit: error: ") and text in err, err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_bad_arguments_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["session", "create", "--title", "T", "--date", "March"])
    assert info.value.code == 2
    assert "is not a date" in capsys.readouterr().err


def test_export_import_purge(db_url: str, capsys, tmp_path: Path, instruments) -> None:
    with Store(db_url) as store:
        s = store.create_session("W", "pw")
        a = store.join(s.id, "Ann", "supervisor")
        b = store.join(s.id, "Ben", "peer_specialist")
        store.set_pair(a.id, b.id)
        store.submit(a.id, instruments["sia"], {"p1": "S", "p2": "A"})
        store.submit(b.id, instruments["sia"], {"p1": "I"})
    outputs = {}
    for fmt in ("csv", "xlsx", "json"):
        path = tmp_path / f"out.{fmt}"
        code, out, err = run(capsys, "--db", db_url, "export", s.join_code, "--format", fmt, "-o", str(path))
        assert code == 0, err
        assert path.exists() and "Exported session" in out
        outputs[fmt] = path
    code, out, _ = run(capsys, "--db", db_url, "export", str(s.id), "-o", str(tmp_path / "guess.json"))
    assert code == 0 and json.loads((tmp_path / "guess.json").read_text())["session"]["title"] == "W"

    code, out, _ = run(capsys, "--db", db_url, "import", str(outputs["xlsx"]), "--check")
    assert code == 0 and "is valid" in out and "nothing was written" in out
    code, out, err = run(capsys, "--db", db_url, "import", str(outputs["json"]))
    assert code == 2 and "already has a session with join code" in err
    code, out, err = run(capsys, "--db", db_url, "import", str(outputs["csv"]), "--new-code",
                         "--passcode", "fresh")
    assert code == 0, err
    assert "2 participants, 1 pairs, 2 responses" in out and "session open" in out
    new_id = int(re.search(r"Imported session (\d+)", out).group(1))
    with Store(db_url) as store:
        assert store.check_passcode(new_id, "fresh")

    code, out, err = run(capsys, "--db", db_url, "purge", str(s.id))
    assert code == 2 and "--yes" in err
    code, out, err = run(capsys, "--db", db_url, "purge", s.join_code, "--yes")
    assert code == 0 and "Purged" in out
    code, out, err = run(capsys, "--db", db_url, "import", str(outputs["json"]))
    assert code == 0, err
    assert "(open)" not in out and ", open)" in out  # the JSON backup keeps the status
    with Store(db_url) as store:
        restored = store.find_session(s.join_code)
        assert restored is not None and store.check_passcode(restored.id, "pw")

    bad = tmp_path / "bad.csv"
    bad.write_text(outputs["csv"].read_text(encoding="utf-8").replace(",sia,1,,p1,S,", ",sia,1,,p1,Q,"),
                   encoding="utf-8")
    code, out, err = run(capsys, "--db", db_url, "import", str(bad), "--new-code")
    assert code == 2
    assert "nothing was imported" in err and "row 2, column 'value'" in err and "'Q'" in err


def test_demo(db_url: str, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run(capsys, "--db", db_url, "demo")
    assert code == 0, err
    assert "12 participants" in out and "passcode 'demo'" in out
    code, out2, _ = run(capsys, "--db", db_url, "demo")
    assert code == 0 and out2 == out


def _sources_for(folder: Path, data: Path) -> Path:
    """A source document holding every fixture text, so the fidelity check passes."""
    folder.mkdir()
    lines: list[str] = []
    for ins in load_all(data).values():  # each instrument's texts on the first of its source lines
        first = int(ins.source.lines.split("-")[0])
        lines += [""] * (first - 1 - len(lines))
        lines.insert(first - 1, " ".join(" ".join(t.split()) for _, t in text_fields(ins)))
    (folder / "fixture.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_validate(capsys, tmp_path: Path, fixture_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PEERKIT_SEEDS", raising=False)
    code, out, _ = run(capsys, "validate")
    assert code == 0 and "6 of 6 instrument files OK" in out and "text matches" not in out

    sources = _sources_for(tmp_path / "seeds", fixture_data)
    code, out, _ = run(capsys, "validate", "--sources", str(sources))
    assert code == 0, out
    assert "text matches fixture.txt" in out
    monkeypatch.setenv("PEERKIT_SEEDS", str(sources))  # the tests' variable is the default folder
    code, out, _ = run(capsys, "validate")
    assert code == 0 and "text matches fixture.txt" in out
    monkeypatch.delenv("PEERKIT_SEEDS")

    wrong = tmp_path / "wrong-seeds"  # another folder: fidelity caches documents by path
    wrong.mkdir()
    (wrong / "fixture.txt").write_text("nothing of it\n", encoding="utf-8")
    code, out, _ = run(capsys, "validate", "--sources", str(wrong))
    assert code == 1 and "not found in the source" in out

    broken = tmp_path / "data"
    shutil.copytree(fixture_data, broken)
    (broken / "instruments" / "quiz.yaml").write_text("id: quiz\nversion: 0\n", encoding="utf-8")
    monkeypatch.setenv("PEERKIT_DATA", str(broken))
    code, out, _ = run(capsys, "validate")
    assert code == 1 and "ERROR" in out and "quiz.yaml" in out and "5 of 6" in out

    code, out, err = run(capsys, "validate", "--sources", str(tmp_path / "nowhere"))
    assert code == 2 and "no such folder" in err


def test_installed_script_reports_errors_without_traceback(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("peerkit")
    if not script.exists():
        pytest.skip("the peerkit script is not installed in this environment")
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    ok = subprocess.run([str(script), "--db", db, "session", "create", "--title", "T", "--passcode", "p"],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "Join code:" in ok.stdout
    bad = subprocess.run([str(script), "--db", db, "purge", "12345", "--yes"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "peerkit: error: There is no session with id 12345"
    locked_dir = tmp_path / "f"
    locked_dir.write_text("x")
    bad = subprocess.run([str(script), "--db", f"sqlite:///{locked_dir / 'x' / 'p.sqlite'}", "session", "list"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and str(locked_dir / "x") in bad.stderr


def test_facilitator_key_command(db_url: str, capsys) -> None:
    code, out, err = run(capsys, "--db", db_url, "facilitator-key")
    assert code == 0, err
    key = re.search(r"New facilitator key \(the old one no longer works\): ([A-Z0-9-]{19})", out).group(1)
    with Store(db_url) as store:
        assert store.check_facilitator_key(key)
    code, out, err = run(capsys, "--db", db_url, "facilitator-key", "--set", "our room key 42")
    assert code == 0 and "is set" in out
    with Store(db_url) as store:
        assert not store.check_facilitator_key(key)
        assert store.check_facilitator_key("OUR ROOM KEY 42")
    code, _, err = run(capsys, "--db", db_url, "facilitator-key", "--set", "short")
    assert code == 2 and "at least 8" in err


def test_serve_prints_the_facilitator_key_once(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from peerkit.serve import prepare_store

    monkeypatch.delenv("PEERKIT_FACILITATOR_KEY", raising=False)
    first, second = io.StringIO(), io.StringIO()
    prepare_store(db_url, False, first)
    prepare_store(db_url, False, second)
    key = re.search(r"keep it somewhere safe\): ([A-Z0-9-]{19})", first.getvalue()).group(1)
    assert key not in second.getvalue() and "peerkit facilitator-key" in second.getvalue()
    monkeypatch.setenv("PEERKIT_FACILITATOR_KEY", "configured-key-123")
    third = io.StringIO()
    prepare_store(db_url, False, third)
    assert "PEERKIT_FACILITATOR_KEY" in third.getvalue()
    with Store(db_url) as store:
        assert store.check_facilitator_key("configured-key-123") and not store.check_facilitator_key(key)


def test_purge_deletes_the_sessions_export_and_report_files(db_url: str, capsys, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from peerkit.dashboard.common import export_dir
    from peerkit.transfer import exports_folder

    monkeypatch.setenv("PEERKIT_HOME", str(tmp_path / "home"))
    assert exports_folder() == export_dir()  # the folder the dashboard writes to
    with Store(db_url) as store:
        s = store.create_session("Unit 1", "pw")
        other = store.create_session("Unit 12", "pw")
        a, b = store.join(s.id, "A", "supervisor"), store.join(s.id, "B", "peer_specialist")
        pair = store.set_pair(a.id, b.id)
        c, d = store.join(other.id, "C", "supervisor"), store.join(other.id, "D", "peer_specialist")
        other_pair = store.set_pair(c.id, d.id)
    folder = export_dir()
    mine = [folder / f"session-{s.id}-unit-1-20261201-101010.csv",
            folder / f"session-{s.id}-unit-1-20261201-101010-handout.html",
            folder / f"pair-{pair}-a-and-b-20261201-101010.pdf"]
    keep = [folder / f"session-{other.id}-unit-12-20261201-101010.csv",
            folder / f"session-{s.id}0-not-this.csv",
            folder / f"pair-{other_pair}-c-and-d-20261201-101010.html",
            folder / "blank-forms.zip"]
    for path in mine + keep:
        path.write_text("names and answers", encoding="utf-8")
    code, out, err = run(capsys, "--db", db_url, "purge", str(s.id), "--yes")
    assert code == 0, err
    assert "3 export or report files" in out and "not touched" in out
    assert not any(p.exists() for p in mine)
    assert all(p.exists() for p in keep)
