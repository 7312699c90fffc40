"""Keep the generated parts of the facilitator guide in step with the kit's data and notebooks.

The session plans quote each exercise's directions, prompts and discussion questions exactly as
the exercise files in ``data/instruments/`` hold them. Rather than copying that text by hand, the
pages carry marked blocks that this script fills in:

    <!-- generated: overview unit-2.ipynb -->          the exercises the notebook shows (table)
    <!-- generated: prompts sia-recovery-principles --> directions, prompts, discussion questions
    <!-- generated: prompts role-clarity-checklist pre -->   ... for one occasion (pre / post)
    <!-- generated: others unit-2.ipynb -->            any exercise of that notebook the page does
                                                        not yet describe (normally empty)
    <!-- generated: live unit-2.ipynb -->              the order and steps in facilitator-led mode
    <!-- generated: reading cps-job-description -->    reading material (a source's text, no questions)
    <!-- generated: binder-links -->                   the Binder links (self-study.md)
    <!-- generated: coverage -->                       what the kit holds of each source (README.md)
    ...
    <!-- end generated -->

The text between the markers is replaced; everything else is written by hand and left alone. The
rendering comes from ``peerkit.pages``, the same functions the notebooks use, so a plan shows what
the notebook shows. The Binder repository is written once, in self-study.md, as
``<!-- binder-repo: OWNER/REPO -->``.

Usage (from the kit's folder, with the kit installed, e.g. ``.venv/bin/python``):

    python facilitator-guide/_build_plans.py            rewrite the generated blocks
    python facilitator-guide/_build_plans.py --check    change nothing; exit 1 if a page is stale
    python facilitator-guide/_build_plans.py --readme-snippet FILE
                                                        also write the README's Binder section

``tests/docs/test_plans.py`` runs the check.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

GUIDE = Path(__file__).resolve().parent
ROOT = GUIDE.parent

BLOCK = re.compile(
    r"(?m)(?P<open>^<!-- generated: (?P<spec>[^>]*?) -->\n)(?P<body>.*?)(?P<close><!-- end generated -->)",
    re.S,
)
BINDER_REPO = re.compile(r"^<!-- binder-repo: (?P<repo>[^ >]+) -->$", re.M)
BINDER_BASE = "https://mybinder.org/v2/gh/{repo}/HEAD?urlpath=voila/render/notebooks/{name}"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"

# The notebooks the Binder links open, in the order they are listed.
BINDER_NOTEBOOKS: tuple[tuple[str, str], ...] = (
    ("start.ipynb", "Start page (choose an app or a session plan)"),
    ("self-study.ipynb", "Self-study app: every exercise, on your own"),
    ("unit-1.ipynb", "Unit 1: Introduction to Peer Support Supervision"),
    ("unit-2.ipynb", "Unit 2: A System in Flux"),
    ("unit-3.ipynb", "Unit 3: The Birth of the CPS Profession"),
    ("unit-4.ipynb", "Unit 4: A close look at the CPS Training and Role"),
    ("unit-5.ipynb", "Unit 5: Supervision in a Culture of Recovery"),
    ("unit-6.ipynb", "Unit 6: Avoiding the Potholes"),
    ("handbook.ipynb", "Handbook exercises (organisations implementing peer roles)"),
    ("agency-supports.ipynb", "Agency supports for quality peer recovery services"),
    ("practice-guidelines.ipynb", "Practice guidelines for Peer Recovery Specialists"),
    ("pcrp-webinar.ipynb", "PCRP webinar: peer specialist roles"),
)


class GuideError(Exception):
    pass


def pages() -> list[Path]:
    """The guide's pages, and the README (its coverage paragraph is generated too)."""
    return sorted(p for p in GUIDE.rglob("*.md") if "_build" not in p.parts) + [ROOT / "README.md"]


def binder_repo() -> str:
    text = (GUIDE / "self-study.md").read_text(encoding="utf-8")
    found = BINDER_REPO.findall(text)
    if len(found) != 1:
        raise GuideError("self-study.md must define the Binder repository once, as "
                         "<!-- binder-repo: OWNER/REPO -->")
    return found[0]


def binder_url(name: str, repo: str | None = None) -> str:
    return BINDER_BASE.format(repo=repo or binder_repo(), name=name)


def binder_table(repo: str) -> str:
    rows = ["| open in Binder | what it is |", "|---|---|"]
    for name, title in BINDER_NOTEBOOKS:
        rows.append(f"| [{name.removesuffix('.ipynb')}]({binder_url(name, repo)}) | {title} |")
    return "\n".join(rows) + "\n"


def readme_snippet(repo: str) -> str:
    start = binder_url("start.ipynb", repo)
    study = binder_url("self-study.ipynb", repo)
    units = " · ".join(f"[Unit {n}]({binder_url(f'unit-{n}.ipynb', repo)})" for n in range(1, 7))
    sets = " · ".join(f"[{title.split(' (')[0].split(':')[0]}]({binder_url(name, repo)})"
                      for name, title in BINDER_NOTEBOOKS[8:])
    return (
        "## Try it without installing anything (Binder)\n\n"
        f"[![Open the kit in Binder]({BINDER_BADGE})]({start})\n\n"
        "Binder builds the kit in the cloud and opens it in your browser; the first start can take a "
        "few minutes, later starts are quicker. A Binder copy is for one person: it is deleted after "
        "about ten minutes without use, with every answer typed into it, so use it to try the kit or "
        "to study alone, not for a group session.\n\n"
        f"- [Self-study app]({study}): work through every exercise on your own.\n"
        f"- Session plans of the supervisor training: {units}\n"
        f"- Other exercise sets: {sets}\n\n"
        "All links are listed, with what each one opens, in "
        "[Self-study](facilitator-guide/self-study.md).\n"
    )


# -- rendering of one block -------------------------------------------------------------------

def _covered(text: str) -> set[str]:
    return {m.group("spec").split()[1] for m in BLOCK.finditer(text)
            if m.group("spec").split()[0] == "prompts" and len(m.group("spec").split()) > 1}


def render(spec: str, page_text: str, page: Path) -> str:
    from peerkit import pages as kit_pages
    from peerkit.instruments import load_all

    parts = spec.split()
    kind, args = parts[0], parts[1:]
    if kind == "overview":
        (notebook,) = args
        return kit_pages.set_overview_markdown(notebook)
    if kind == "prompts":
        instrument_id, *rest = args
        instruments = load_all()
        if instrument_id not in instruments:
            raise GuideError(f"{page.relative_to(ROOT)}: no exercise '{instrument_id}' in data/instruments "
                             "(renamed or removed?)")
        occasion = rest[0] if rest else None
        return kit_pages.prompts_markdown(instruments[instrument_id], occasion=occasion)
    if kind == "others":
        (notebook,) = args
        covered = _covered(page_text)
        missing = [ins for ins in kit_pages.instruments_in(notebook) if ins.id not in covered]
        if not missing:
            return ""
        out = ["## Other exercises in this set", "",
               "These exercises are in the notebook but this page has no plan for them yet; the "
               "directions and questions below come from their exercise files.", ""]
        for ins in missing:
            out.append(kit_pages.prompts_markdown(ins))
        return "\n".join(out)
    if kind == "live":  # the session plan's "In facilitator-led mode" note
        (notebook,) = args
        return kit_pages.facilitator_led_markdown(notebook)
    if kind == "reading":
        from peerkit.reading import load_readings

        (reading_id,) = args
        if reading_id not in load_readings():
            raise GuideError(f"{page.relative_to(ROOT)}: no reading material '{reading_id}' in data/reading")
        return kit_pages.reading_markdown(reading_id)
    if kind == "coverage":
        from peerkit.coverage import coverage_markdown

        return coverage_markdown()
    if kind == "binder-links":
        return binder_table(binder_repo())
    raise GuideError(f"{page.relative_to(ROOT)}: unknown generated block '{kind}'")


def rebuild(text: str, page: Path) -> str:
    def one(m: re.Match) -> str:
        body = render(m.group("spec").strip(), text, page)
        body = body.rstrip("\n") + "\n" if body.strip() else ""
        return m.group("open") + ("\n" + body + "\n" if body else "") + m.group("close")

    return BLOCK.sub(one, text)


def every_instrument_placed() -> list[str]:
    """Problems: exercises in data/ that no session plan covers."""
    from peerkit.instruments import load_all

    texts = "\n".join(p.read_text(encoding="utf-8") for p in pages())
    covered = _covered(texts)
    rendered_by_others = set()
    for m in BLOCK.finditer(texts):
        spec = m.group("spec").split()
        if spec[0] == "others":
            from peerkit import pages as kit_pages
            rendered_by_others |= {i.id for i in kit_pages.instruments_in(spec[1])}
    from peerkit.reading import load_readings

    read = {m.group("spec").split()[1] for m in BLOCK.finditer(texts) if m.group("spec").split()[0] == "reading"}
    return [f"exercise '{i}' (data/instruments/{i}.yaml) appears in no session plan; add a "
            f"'<!-- generated: prompts {i} -->' block to the page of its notebook"
            for i in sorted(load_all()) if i not in covered and i not in rendered_by_others] + [
        f"reading material '{r}' (data/reading/{r}.yaml) appears in no session plan; add a "
        f"'<!-- generated: reading {r} -->' block" for r in sorted(load_readings()) if r not in read]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fill in the generated blocks of the facilitator guide.")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a page is stale")
    parser.add_argument("--readme-snippet", metavar="FILE", help="write the README's Binder section to FILE")
    args = parser.parse_args(argv)

    stale: list[str] = []
    try:
        for page in pages():
            text = page.read_text(encoding="utf-8")
            new = rebuild(text, page)
            if new != text:
                stale.append(str(page.relative_to(ROOT)))
                if not args.check:
                    page.write_text(new, encoding="utf-8")
        problems = every_instrument_placed()
        if args.readme_snippet:
            Path(args.readme_snippet).write_text(readme_snippet(binder_repo()), encoding="utf-8")
    except GuideError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for p in problems:
        print(f"warning: {p}", file=sys.stderr)
    if args.check:
        if stale:
            print("out of date (run: python facilitator-guide/_build_plans.py): " + ", ".join(stale),
                  file=sys.stderr)
            return 1
        return 0
    for name in stale:
        print(f"updated {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
