"""Finding, parsing and loading the exercise files: YAML parsed with libyaml, validated into
an :class:`~peerkit.instruments.model.Instrument`, and every problem reported as an
:class:`InstrumentError` naming the file, the line and the field; :func:`load_all` is cached
until a file changes."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import yaml
from pydantic import ValidationError

from .model import Instrument


class InstrumentError(ValueError):
    """A data file is missing, unreadable or does not follow the schema."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        super().__init__(f"{self.path}: " + "; ".join(problems) if len(problems) == 1 else
                         f"{self.path}:\n  - " + "\n  - ".join(problems))


# -- locating and loading -------------------------------------------------

def data_dir() -> Path:
    """The folder holding ``instruments/``: ``$PEERKIT_DATA`` or the kit's ``data/``."""
    env = os.environ.get("PEERKIT_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "data"


def instrument_files(root: Path | None = None) -> list[Path]:
    folder = (root or data_dir()) / "instruments"
    return sorted(folder.glob("*.yaml"))


def _node_line(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """Follow a pydantic error location through the YAML node tree to a line (1-based)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if node is None:
            break
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for key, value in node.value:
                if key.value == part:
                    nxt = value
                    line = key.start_mark.line + 1
                    break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                node = None
        else:
            break
    return line


def _field(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def parse_instrument(text: str, path: Path | str = "<string>") -> Instrument:
    """Parse and validate YAML text; raises :class:`InstrumentError`."""
    return parse_model(Instrument, text, path)


def parse_model(model: Any, text: str, path: Path | str = "<string>") -> Any:
    """Parse YAML text into ``model`` (a pydantic model); raises :class:`InstrumentError`.

    The fast path parses with libyaml (a few ms for the whole kit; every Voila page is a
    new kernel that loads the instruments). Only when that fails is the text parsed again
    with the pure-Python loader, which keeps the line numbers the error message names.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            raw = yaml.load(text, Loader=fast)  # noqa: S506 - CSafeLoader is the safe loader
            if isinstance(raw, dict):
                return model.model_validate(raw)
        except (yaml.YAMLError, ValidationError):
            pass
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise InstrumentError(path, [f"{where}not valid YAML ({exc.problem})"]) from None
    except yaml.YAMLError as exc:
        raise InstrumentError(path, [f"not valid YAML ({exc})"]) from None
    if not isinstance(raw, dict):
        raise InstrumentError(path, ["line 1: the file must be a mapping with 'id', 'title', 'sections', ..."])
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            # pydantic adds union tags such as 'bool' / 'int' / 'str'; drop them
            loc = tuple(p for p in loc if p not in ("bool", "int", "str"))
            line = _node_line(node, loc)
            msg = err["msg"].removeprefix("Value error, ")
            where = f"line {line}, " if line else ""
            problems.append(f"{where}field '{_field(loc)}': {msg}")
        raise InstrumentError(path, problems) from None


def load_instrument(path: Path | str) -> Instrument:
    """Load one instrument file; raises :class:`InstrumentError` naming file, line and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstrumentError(path, ["file not found"]) from None
    except UnicodeDecodeError as exc:
        raise InstrumentError(path, [f"not UTF-8 text (byte {exc.start})"]) from None
    instrument = parse_instrument(text, path)
    if instrument.id != path.stem:
        raise InstrumentError(path, [f"line 1, field 'id': '{instrument.id}' must match the file name '{path.stem}'"])
    return instrument


def _iter_load(root: Path | None) -> Iterator[tuple[Path, Instrument | InstrumentError]]:
    for path in instrument_files(root):
        try:
            yield path, load_instrument(path)
        except InstrumentError as exc:
            yield path, exc


def validate_all(root: Path | None = None) -> list[InstrumentError]:
    """Check every file; return the errors (empty when all is well)."""
    return [res for _, res in _iter_load(root) if isinstance(res, InstrumentError)]


@lru_cache(maxsize=8)
def _load_all_cached(root: str, stamp: tuple[tuple[str, float], ...]) -> dict[str, Instrument]:
    out: dict[str, Instrument] = {}
    errors: list[InstrumentError] = []
    for _, res in _iter_load(Path(root)):
        if isinstance(res, InstrumentError):
            errors.append(res)
        else:
            out[res.id] = res
    if errors:
        raise errors[0] if len(errors) == 1 else InstrumentError(
            Path(root) / "instruments", [str(e) for e in errors]
        )
    return out


def load_all(root: Path | None = None) -> dict[str, Instrument]:
    """All instruments by id, in file-name order. Cached until a file changes."""
    root = root or data_dir()
    stamp = tuple((p.name, p.stat().st_mtime) for p in instrument_files(root))
    return dict(_load_all_cached(str(root), stamp))


def get_instrument(instrument_id: str, root: Path | None = None) -> Instrument:
    """One instrument by id; a clear :class:`KeyError` lists the known ids."""
    found = load_all(root)
    if instrument_id not in found:
        known = ", ".join(sorted(found)) or "none"
        raise KeyError(f"unknown instrument '{instrument_id}' (known: {known})")
    return found[instrument_id]


def sorted_by_source(instruments: dict[str, Instrument]) -> list[Instrument]:
    """Instruments grouped by document and ordered by their first source line."""

    def key(ins: Instrument) -> tuple[str, int]:
        first = re.match(r"\d+", ins.source.lines)
        return (ins.source.document, int(first.group()) if first else 0)

    return sorted(instruments.values(), key=key)
