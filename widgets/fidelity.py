"""Check that an instrument's text is transcribed from its source document, strictly.

Every transcribed field (items, details, explanations, options, bands, guidance, discussion,
instructions) must be found in the source, inside the exercise's own line ranges
(``source.lines``), as one unbroken run of the source's characters. Between the source's
characters only these may differ:

- whitespace (line breaks, spaces, tab-only lines of the PDF extraction);
- a hyphen that ends a source line (``organiza-`` / ``tion``): the transcription may keep it
  (``recovery-oriented``) or drop it (``organization``);
- page furniture: lines holding nothing but a page number, and running headers (a line the data
  file names in ``source.furniture``);
- source lines the data file names in ``source.skip`` (a sidebar the PDF extraction interleaved
  with the body text), and words of the other column on a shared line (``source.interleaved``,
  line and exact words): they are removed before matching, nothing else is;
- a gap the data marks with :data:`GAP` where the source itself has words missing.

Nothing is fuzzy: a dropped, added or changed word, or a changed punctuation mark, fails. The
items (with their details) must also follow the source's order, and an item's ``number`` must
be the label the source prints in front of it (``1.``, ``a)``, ``A.``); where the source numbers
an item or a question and the data does not, that fails too. Words cut from the end or the start
of an item are caught as well: between two consecutive items the source may hold only what the
data accounts for (other fields, section titles, option labels, numbers, bullets, answer boxes,
and text the data names in ``source.omitted``), and each range of ``source.lines`` must end on
the exercise's last line of text.

A line-end hyphen is judged by the words of all the source documents: kept where the joined word
is not a word the sources use elsewhere (``recovery-oriented``), dropped where it is and the
hyphenated form is not (``organization``, never ``organiza-tion``). A hyphen followed by a space
(``trauma- informed``) must be so in the source.

Titles are the kit's headings and are not checked, nor are the fields the schema marks as the
kit's own (``kit_note``, a scale whose ``by_kit`` is true). Used by the test suite and
``peerkit validate --sources``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from .instruments import GAP, Instrument, parse_ranges
from .reading import Reading

__all__ = ["GAP", "Field", "Mismatch", "SourceText", "check", "source_text", "text_fields"]

EXEMPT_LABELS = {"True", "False", "T", "F"}
SOFT = "\x00"  # stands for a hyphen that ends a source line
_WS = re.compile(r"\s+")
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,3}\s*$", re.I)
_MD_LIST = re.compile(r"^\s*[-*]\s+")


@dataclass(frozen=True)
class Mismatch:
    field: str
    text: str
    problem: str = "not found in the source"

    def __str__(self) -> str:
        short = self.text if len(self.text) < 90 else self.text[:87] + "..."
        return f"{self.field}: {self.problem}: {short!r}"


@dataclass(frozen=True)
class Field:
    """One transcribed text; ``ordered`` fields must follow each other in the source."""

    path: str
    text: str
    ordered: bool = False
    number: str | None = None
    numbered: bool = False  # an item or question: the source's number, if it prints one, is required
    lines: str | None = None  # other line ranges than the instrument's (an occasion's)


@dataclass(frozen=True)
class SourceText:
    """The kept characters of a source (no whitespace), each with its line number; ``soft`` maps
    the position of each line-end hyphen to the two halves of the word it splits."""

    chars: str
    line_of: tuple[int, ...]
    soft: dict[int, tuple[str, str]]
    problems: tuple[str, ...] = ()

    def line_at(self, pos: int) -> int:
        return self.line_of[min(pos, len(self.line_of) - 1)] if self.line_of else 0


@lru_cache(maxsize=16)
def _lines(path: str) -> tuple[str, ...]:
    return tuple(Path(path).read_text(encoding="utf-8").splitlines())


_TAIL = re.compile(r"([A-Za-z]+)-\s*$")
_HEAD = re.compile(r"^\s*([A-Za-z]+(?:-[A-Za-z]+)*)")
_VOCAB_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")


@lru_cache(maxsize=4)
def vocabulary(seeds_dir: str) -> frozenset[str]:
    """Every word of the source documents, lower case, except halves split at a line end."""
    words: set[str] = set()
    for doc in sorted(Path(seeds_dir).glob("*.txt")):
        lines = _lines(str(doc))
        broken_before = False
        for line in lines:
            found = _VOCAB_WORD.findall(line)
            if broken_before and found:
                found = found[1:]
            broken_before = bool(_TAIL.search(line))
            if broken_before and found:
                found = found[:-1]
            words.update(w.lower() for w in found)
    return frozenset(words)


def source_text(path: Path | str, ranges: str | None = None, skip: str | None = None,
                furniture: tuple[str, ...] = (), interleaved: tuple = ()) -> SourceText:
    """The source's text within ``ranges`` (all of it when None), without the ``skip`` lines,
    page numbers and furniture, squashed to its non-whitespace characters; a hyphen ending a
    line before a letter becomes :data:`SOFT`."""
    lines = _lines(str(path))
    keep = parse_ranges(ranges) if ranges else [(1, len(lines))]
    dropped = {n for a, b in (parse_ranges(skip) if skip else []) for n in range(a, b + 1)}
    furn = {" ".join(f.split()) for f in furniture}
    cuts: dict[int, list[str]] = {}
    for cut in interleaved:
        cuts.setdefault(cut.line, []).append(cut.text)
    problems: list[str] = []
    kept: list[tuple[int, str]] = []
    for a, b in keep:
        for n in range(a, min(b, len(lines)) + 1):
            line = lines[n - 1]
            for text in cuts.get(n, ()):
                if text not in line:
                    problems.append(f"source.interleaved: line {n} does not hold {text!r}")
                line = line.replace(text, " ", 1)
            if n in dropped or _PAGE_NUMBER.match(line) or " ".join(line.split()) in furn:
                continue
            if line.strip():
                kept.append((n, line))
    chars: list[str] = []
    line_of: list[int] = []
    soft: dict[int, tuple[str, str]] = {}
    pos = 0
    for k, (n, line) in enumerate(kept):
        text = _WS.sub("", line)
        nxt = kept[k + 1][1] if k + 1 < len(kept) else ""
        tail, head = _TAIL.search(line), _HEAD.match(nxt)
        if tail and head:
            text = text[:-1] + SOFT
            soft[pos + len(text) - 1] = (tail.group(1), head.group(1))
        chars.append(text)
        line_of.extend([n] * len(text))
        pos += len(text)
    return SourceText("".join(chars), tuple(line_of), soft, tuple(problems))


def _pattern(text: str) -> re.Pattern[str]:
    """The squashed text as a regex: a line-end hyphen of the source may come between any two
    characters (dropped) or stand for a hyphen of the text (kept); a gap marker matches nothing."""
    parts = [p for p in text.split(GAP)]
    out = []
    for part in parts:
        chars = [c for c in part if not c.isspace()]
        out.append(f"{SOFT}?".join("[-\x00]" if c == "-" else re.escape(c) for c in chars))
    return re.compile(f"{SOFT}?".join(p for p in out if p))


def _paragraphs(text: str) -> list[str]:
    # line breaks (paragraphs in folded YAML text) and markdown list markers are layout
    return [p for p in (_MD_LIST.sub("", x) for x in text.split("\n")) if p.strip()]


def text_fields(ins: Instrument) -> Iterator[tuple[str, str]]:
    """(field path, text) for every transcribed text of an instrument."""
    for f in fields(ins):
        yield f.path, f.text


def _reading_fields(r: Reading) -> Iterator[Field]:
    """Reading material is read in the source's order: every text of it is ``ordered``."""
    if r.source.credit:
        yield Field("source.credit", r.source.credit)
    for k, part in enumerate(r.parts):
        where = f"parts[{k}]"
        if part.heading:
            yield Field(f"{where}.heading", part.heading, ordered=True)
        if part.text:
            yield Field(f"{where}.text", part.text, ordered=True)
        for j, e in enumerate(part.entries):
            yield Field(f"{where}.entries[{j}]", e.text, ordered=True, number=e.number, numbered=True)
            for d, detail in enumerate(e.details):
                yield Field(f"{where}.entries[{j}].details[{d}]", detail, ordered=True)
        if part.after:
            yield Field(f"{where}.after", part.after, ordered=True)


def fields(ins: Instrument | Reading) -> Iterator[Field]:
    """Every transcribed text of an exercise (items and their details are ``ordered``) or of
    reading material (all of it ``ordered``)."""
    if isinstance(ins, Reading):
        yield from _reading_fields(ins)
        return
    if ins.instructions:
        yield Field("instructions", ins.instructions)
    if ins.source.credit:
        yield Field("source.credit", ins.source.credit)
    scales = [("scale", ins.scale)] + [(f"sections.{s.id}.scale", s.scale) for s in ins.sections]
    for section in ins.sections:
        if section.instructions:
            yield Field(f"sections.{section.id}.instructions", section.instructions)
        for k, col in enumerate(section.columns):
            yield Field(f"sections.{section.id}.columns[{k}]", col)
        if section.footnote:
            yield Field(f"sections.{section.id}.footnote", section.footnote)
        for item in section.items:
            if item.heading:
                yield Field(f"items.{item.id}.heading", item.heading, ordered=True)
            yield Field(f"items.{item.id}.text", item.text, ordered=True, number=item.number, numbered=True)
            for k, d in enumerate(item.details):
                yield Field(f"items.{item.id}.details[{k}]", d, ordered=True)
            if item.explanation:
                yield Field(f"items.{item.id}.explanation", item.explanation)
            if item.scale:
                scales.append((f"items.{item.id}.scale", item.scale))
    for where, scale in scales:
        if scale is None or scale.by_kit:
            continue
        for o in scale.options:
            if o.label not in EXEMPT_LABELS:
                yield Field(f"{where}.options[{o.value!r}].label", o.label)
            if o.description:
                yield Field(f"{where}.options[{o.value!r}].description", o.description)
    for band in ins.scoring.bands:
        yield Field(f"scoring.bands[{band.label}].label", band.label)
        if band.text:
            yield Field(f"scoring.bands[{band.label}].text", band.text)
    for g in ins.guidance:
        if g.text:
            yield Field(f"guidance[{g.title}].text", g.text)
        for k, p in enumerate(g.points):
            yield Field(f"guidance[{g.title}].points[{k}]", p, number=g.numbers[k] if g.numbers else None,
                        numbered=True)
    if ins.discussion:
        if ins.discussion.intro:
            yield Field("discussion.intro", ins.discussion.intro)
        for q in ins.discussion.questions:
            yield Field(f"discussion.{q.id}", q.text, number=q.number, numbered=True)
    for occ in ins.occasions:
        if occ.instructions:
            yield Field(f"occasions.{occ.id}.instructions", occ.instructions, lines=occ.lines)


def _number_before(src: SourceText, pos: int, number: str) -> bool:
    """The source prints ``number`` (followed by '.', ')' or nothing) just before ``pos``."""
    before = src.chars[max(0, pos - len(number) - 2):pos].replace(SOFT, "-")
    return any(before.endswith(number + sep) for sep in (".", ")", ":", ""))


def _hyphens(src: SourceText, start: int, end: int, para: str, vocab: frozenset[str]) -> str | None:
    """A problem with the line-end hyphens of the match ``src.chars[start:end]``, or None."""
    field = [c for c in para.replace(GAP, "") if not c.isspace()]
    i = 0
    for j in range(start, end):
        c = src.chars[j]
        if c == SOFT:
            kept = i < len(field) and field[i] == "-"
            if kept:
                i += 1
            head, tail = src.soft[j]
            joined, hyphened = (head + tail).lower(), f"{head}-{tail}".lower()
            if kept and joined in vocab and hyphened not in vocab:
                return (f"'{head}-{tail}' is split by a line break of the source (line {src.line_at(j)}): "
                        f"write '{head}{tail}'")
            if not kept and joined not in vocab:
                return (f"'{head}{tail}' joins a hyphenated word the source breaks at a line end "
                        f"(line {src.line_at(j)}): write '{head}-{tail}'")
        else:
            i += 1
    return None


_LIST_NUMBER = re.compile(r"(?:^|[^\w,.()\x00-])(\d{1,2})[.)]$")
_SPACED_HYPHEN = re.compile(r"\w+- \w+")


def check(ins: Instrument | Reading, seeds_dir: Path) -> list[Mismatch]:
    """Return the text fields of ``ins`` that are not transcribed exactly from its source."""
    path = seeds_dir / ins.source.document
    furniture, cuts = ins.source.furniture, ins.source.interleaved
    main = source_text(path, ins.source.lines, ins.source.skip, furniture, cuts)
    vocab = vocabulary(str(seeds_dir))
    lines_text = "\n".join(" ".join(x.split()) for x in _lines(str(path)))
    others: dict[str, SourceText] = {}
    out: list[Mismatch] = [Mismatch("source.interleaved", p.split(": ", 1)[1], "not in the source")
                           for p in main.problems]
    cursor = 0  # the ordered fields: each starts after the previous one ended
    covered: set[int] = set()
    spans: list[tuple[int, int, bool]] = []
    for f in fields(ins):
        src = main
        if f.lines:
            if f.lines not in others:
                others[f.lines] = source_text(path, f.lines, ins.source.skip, furniture, cuts)
            src = others[f.lines]
        start = cursor if f.ordered else 0
        for k, para in enumerate(_paragraphs(f.text)):
            pat = _pattern(para)
            if not pat.pattern:
                continue
            m = pat.search(src.chars, start)
            if m is None:
                anywhere = pat.search(src.chars)
                if anywhere is not None and f.ordered:
                    out.append(Mismatch(f.path, para.strip(),
                                        f"out of the source's order (found at line {src.line_at(anywhere.start())}, "
                                        f"before the previous item)"))
                else:
                    where = ins.source.lines if not f.lines else f.lines
                    out.append(Mismatch(f.path, para.strip(), f"not found in the source (lines {where})"))
                break
            if f.number and k == 0 and not _number_before(src, m.start(), f.number):
                out.append(Mismatch(f.path, para.strip(),
                                    f"the source does not number it {f.number!r} (line {src.line_at(m.start())})"))
                break
            if f.numbered and not f.number and k == 0:
                label = _LIST_NUMBER.search(src.chars[max(0, m.start() - 5):m.start()])
                if label:
                    where = "numbers" if ".points[" in f.path else "number"
                    out.append(Mismatch(f.path, para.strip(), f"the source numbers it {label.group(1)!r} "
                                        f"(line {src.line_at(m.start())}): set '{where}'"))
                    break
            problem = _hyphens(src, m.start(), m.end(), para, vocab)
            if problem is None:
                for spaced in _SPACED_HYPHEN.findall(para):
                    if spaced not in lines_text:
                        problem = f"'{spaced}': the source has no space after this hyphen"
                        break
            if problem:
                out.append(Mismatch(f.path, para.strip(), problem))
                break
            if src is main:
                covered.update(main.line_of[m.start():m.end()])
                spans.append((m.start(), m.end(), f.ordered))
            start = m.end() if f.ordered else start
            if f.ordered:
                cursor = m.end()
    if not out:
        out += _range_problems(ins, main, covered)
    if not out:
        out += _gap_problems(ins, main, spans)
    return out


def _headings(ins: Instrument | Reading) -> list[str]:
    """Text the source prints between items that the data holds as headings or labels (checked
    only here, as what may stand between items), or names as left out on purpose."""
    out = [ins.title, ins.source.exercise or "", *ins.source.omitted]
    if isinstance(ins, Reading):
        out += [p.title or "" for p in ins.parts]
        return [t for t in out if t]
    out += [s.title or "" for s in ins.sections]
    scales = [ins.scale, *(s.scale for s in ins.sections), *(i.scale for i in ins.items)]
    for scale in scales:
        for o in (scale.options if scale else ()):
            out += [o.label, o.description or ""]
    out += [g.title for g in ins.guidance] + ([ins.discussion.title or ""] if ins.discussion else [])
    out += [o.label for o in ins.occasions]
    return [t for t in out if t]


_WORDISH = re.compile(r"[A-Za-z’']{3,}")


def _gap_problems(ins: Instrument | Reading, main: SourceText, spans: list[tuple[int, int, bool]]) -> list[Mismatch]:
    """Between two consecutive items the source may hold only what the data accounts for: other
    fields, headings and labels, numbers, bullets and answer boxes. Words left over there were
    dropped from an item (its end or the next one's start)."""
    covered = bytearray(len(main.chars))
    for a, b, _ in spans:
        covered[a:b] = b"\x01" * (b - a)
    removable = sorted({_WS.sub("", t) for t in _headings(ins)}, key=len, reverse=True)
    ordered = sorted((a, b) for a, b, o in spans if o)
    out = []
    for (_, end), (start, _) in zip(ordered, ordered[1:]):
        gap = "".join(c for i, c in enumerate(main.chars[end:start], end) if not covered[i])
        gap = gap.replace(SOFT, "-").replace("*", "")  # Markdown emphasis of a converted source
        for text in removable:
            gap = gap.replace(text, " ")
        for word in _WORDISH.findall(gap):
            if len(set(word.lower())) > 1:  # "eee" is the extraction's bullets, "TF" the answer boxes
                out.append(Mismatch("items", gap.strip()[:120], f"source text between two items (after line "
                                    f"{main.line_at(end - 1)}) is in no field: a word dropped from an item? "
                                    "(name text left out on purpose in source.omitted)"))
                break
    return out


def _range_problems(ins: Instrument, main: SourceText, covered: set[int]) -> list[Mismatch]:
    """Each range of ``source.lines`` ends on the last line holding the exercise's text (a range
    may start with the exercise's heading); a repeated administration's range (an occasion's
    ``lines``) may hold the same text again."""
    out = []
    kept = sorted(set(main.line_of))
    repeats = {r for o in ins.occasions if o.lines for r in parse_ranges(o.lines)}
    for a, b in parse_ranges(ins.source.lines):
        inside = [n for n in kept if a <= n <= b]
        used = [n for n in inside if n in covered]
        if not used:
            if (a, b) not in repeats:
                out.append(Mismatch("source.lines", f"{a}-{b}", "no text of the exercise is in this range"))
        elif inside[-1] != used[-1]:
            out.append(Mismatch("source.lines", f"{a}-{b}",
                                f"the exercise's text ends at line {used[-1]}, not at {inside[-1]}"))
    return out
