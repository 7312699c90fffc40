"""Accessibility checks in Chromium: axe-core, focus visibility, small screens.

- :func:`audit` injects ``axe.min.js`` (the npm package ``axe-core``, installed into
  ``tests/a11y/node_modules`` by ``make test``) into a page, runs every default rule (WCAG 2.x A/AA
  and best practices) and records the violations by impact; :func:`assert_no_serious` fails on
  "serious" and "critical" ones and prints the others.
- :data:`RESULTS` collects every audit of the session; the conftest prints a summary at the end
  and writes it to ``test-artifacts/a11y-summary.md``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pytest

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
IMPACTS = ("critical", "serious", "moderate", "minor")
FAILING = ("critical", "serious")

# Parts of Voila's page that the kit cannot change from Python and that are excluded from the
# audit (CSS selectors). Empty: every violation axe found in Voila's own chrome could be fixed by
# CSS, or it was in content the kit controls.
VOILA_CHROME_EXCLUDE: list[str] = []


def axe_source() -> str:
    """axe.min.js, or skip (locally) / fail (CI, PEERKIT_REQUIRE_BROWSER=1) when it is missing."""
    if not AXE_JS.exists():
        msg = (f"{AXE_JS.relative_to(HERE.parent.parent)} is missing: run `make test` (or "
               "`npm ci` in tests/a11y) to install axe-core from the npm registry")
        if os.environ.get("PEERKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"accessibility audit required (PEERKIT_REQUIRE_BROWSER=1) but {msg}", pytrace=False)
        pytest.skip(msg)
    return AXE_JS.read_text(encoding="utf-8")


@dataclass
class Violation:
    rule: str
    impact: str
    help: str
    targets: list[str]
    summary: str

    def line(self) -> str:
        where = ", ".join(self.targets[:4]) + (f" (+{len(self.targets) - 4} more)" if len(self.targets) > 4 else "")
        return f"[{self.impact}] {self.rule}: {self.help} — {len(self.targets)} node(s): {where}"


@dataclass
class PageAudit:
    page: str
    url: str
    violations: list[Violation] = field(default_factory=list)
    waived: list[Violation] = field(default_factory=list)
    passes: int = 0

    def by_impact(self) -> dict[str, int]:
        out = {k: 0 for k in IMPACTS}
        for v in self.violations:
            out[v.impact] = out.get(v.impact, 0) + 1
        return out

    @property
    def failing(self) -> list[Violation]:
        return [v for v in self.violations if v.impact in FAILING]


RESULTS: list[PageAudit] = []
EXTRA_CHECKS: list[tuple[str, str, bool]] = []  # (check, page, passed) for the summary


_RUN_AXE = """async (exclude) => {
  const context = exclude.length ? {include: [document], exclude: exclude.map(s => [s])} : document;
  const r = await axe.run(context, {resultTypes: ['violations'], reporter: 'v1'});
  return {
    passes: r.passes.length,
    violations: r.violations.map(v => ({
      id: v.id, impact: v.impact || 'minor', help: v.help,
      nodes: v.nodes.map(n => ({target: n.target.join(' '),
                                summary: (n.failureSummary || '').split('\\n').slice(1).join(' ')}))
    }))
  };
}"""


def audit(page: Any, name: str, *, exclude: Iterable[str] = (), waive: dict | None = None) -> PageAudit:
    """Run axe on ``page`` (recorded in :data:`RESULTS` as ``name``).

    ``waive``: ``{(rule, target substring): reason}`` for violations in code this suite may not
    change yet (another engineer's files); they are reported as waived, not as failures.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    raw = page.evaluate(_RUN_AXE, [*VOILA_CHROME_EXCLUDE, *exclude])
    result = PageAudit(name, page.url, passes=raw["passes"])
    for v in raw["violations"]:
        nodes = v["nodes"]
        waived_nodes, kept_nodes = [], []
        for n in nodes:
            reason = next((r for (rule, sub), r in (waive or {}).items()
                           if rule == v["id"] and sub in n["target"]), None)
            (waived_nodes if reason else kept_nodes).append(n)
        for bucket, group in ((result.violations, kept_nodes), (result.waived, waived_nodes)):
            if group:
                bucket.append(Violation(v["id"], v["impact"], v["help"], [n["target"] for n in group],
                                        "; ".join(dict.fromkeys(n["summary"] for n in group if n["summary"]))))
    RESULTS.append(result)
    return result


def report(result: PageAudit) -> str:
    lines = [f"axe: {result.page}: " + ", ".join(f"{k} {n}" for k, n in result.by_impact().items())]
    lines += ["  " + v.line() for v in result.violations]
    lines += ["  waived (owner's fix pending): " + v.line() for v in result.waived]
    return "\n".join(lines)


def assert_no_serious(result: PageAudit) -> None:
    """Print every violation; fail on serious and critical ones."""
    print(report(result))
    bad = result.failing
    assert not bad, f"axe found serious/critical violations on {result.page}:\n" + "\n".join(
        f"  {v.line()}\n      {v.summary[:600]}" for v in bad)


# -- other checks -------------------------------------------------------------------------

FOCUS_STYLE_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const w = parseFloat(s.outlineWidth) || 0;
  return {tag: el.tagName.toLowerCase(), type: el.type || '', text: (el.innerText || el.value || '').slice(0, 40),
          cls: String(el.className || ''), outlineStyle: s.outlineStyle, outlineWidth: w,
          outlineColor: s.outlineColor, boxShadow: s.boxShadow,
          focusVisible: el.matches(':focus-visible')};
}"""


def focus_indicator(page: Any) -> dict:
    """The focused element and whether it shows a focus indicator (an outline of at least 2 px
    or a box-shadow)."""
    info = page.evaluate(FOCUS_STYLE_JS)
    assert info is not None, "nothing has keyboard focus"
    # Chrome draws ``outline-style: auto`` as its own 2 px focus ring, whatever the width says
    outline = info["outlineStyle"] == "auto" or (info["outlineStyle"] not in ("none", "")
                                                 and info["outlineWidth"] >= 2)
    shadow = info["boxShadow"] not in ("none", "")
    info["visible"] = bool(outline or shadow)
    return info


def assert_focus_visible(page: Any, step: str) -> dict:
    info = focus_indicator(page)
    EXTRA_CHECKS.append(("focus visible", step, info["visible"]))
    assert info["visible"], f"{step}: focus is not visible on {info}"
    return info


SCROLL_JS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"

TARGETS_JS = """(root) => {
  const scope = document.querySelector(root) || document;
  const out = [];
  for (const el of scope.querySelectorAll('button, input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    if (r.width === 0 && r.height === 0) continue;            // not rendered (display: none)
    if (s.visibility === 'hidden') continue;
    out.push({tag: el.tagName.toLowerCase(), type: el.type || '', w: r.width, h: r.height,
              name: (el.innerText || el.value || el.getAttribute('title') || el.placeholder || '').slice(0, 50)});
  }
  return out;
}"""

FONTS_JS = """(root) => {
  const scope = document.querySelector(root);
  if (!scope) return [];
  const out = [];
  const seen = new Set();
  const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const t = walker.currentNode;
    const text = t.textContent.trim();
    if (!text) continue;
    const el = t.parentElement;
    if (!el || seen.has(el)) continue;
    seen.add(el);
    if (el.closest('style, script')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;              // not rendered
    const s = getComputedStyle(el);
    if (s.clip === 'rect(0px, 0px, 0px, 0px)' || (r.width <= 1 && r.height <= 1)) continue; // screen-reader only
    out.push({text: text.slice(0, 50), size: parseFloat(s.fontSize), tag: el.tagName.toLowerCase(),
              cls: String(el.className || '').slice(0, 60)});
  }
  for (const el of scope.querySelectorAll('button, input, select, textarea')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (el.type === 'radio' || el.type === 'checkbox') continue;   // no text of their own
    out.push({text: '<' + el.tagName.toLowerCase() + '> ' + (el.innerText || el.value || el.placeholder || '').slice(0, 40),
              size: parseFloat(getComputedStyle(el).fontSize), tag: el.tagName.toLowerCase(), cls: ''});
  }
  return out;
}"""


def small_screen_problems(page: Any, name: str, root: str = ".peerkit-app", *, min_target: float = 24,
                          min_font: float = 16) -> list[str]:
    """Sideways scrolling, tap targets under 24 x 24 px and text under 16 px inside ``root``."""
    problems = []
    scroll_w, client_w = page.evaluate(SCROLL_JS)
    if scroll_w > client_w:
        problems.append(f"scrolls sideways: scrollWidth {scroll_w} > clientWidth {client_w}")
    EXTRA_CHECKS.append(("no sideways scrolling at 375 px", name, scroll_w <= client_w))
    small = [t for t in page.evaluate(TARGETS_JS, root)
             if t["w"] < min_target - 0.01 or t["h"] < min_target - 0.01]
    problems += [f"tap target {t['w']:.0f} x {t['h']:.0f} px < {min_target:.0f}: <{t['tag']} {t['type']}> {t['name']!r}"
                 for t in small]
    EXTRA_CHECKS.append(("tap targets >= 24 px", name, not small))
    tiny = [f for f in page.evaluate(FONTS_JS, root) if f["size"] < min_font - 0.01]
    problems += [f"text {f['size']:.1f} px < {min_font:.0f}: <{f['tag']} class={f['cls']!r}> {f['text']!r}"
                 for f in tiny]
    EXTRA_CHECKS.append(("text >= 16 px", name, not tiny))
    return problems


# -- the summary ------------------------------------------------------------------------------

def summary_markdown(duration_s: float | None = None) -> str:
    if not RESULTS and not EXTRA_CHECKS:
        return ""
    totals = {k: 0 for k in IMPACTS}
    for r in RESULTS:
        for k, n in r.by_impact().items():
            totals[k] += n
    lines = ["# Accessibility audit (tests/a11y)", ""]
    lines.append(f"axe-core in Chromium: {len(RESULTS)} page state(s) checked; violations (rules) by impact: "
                 + ", ".join(f"{k} {n}" for k, n in totals.items())
                 + (f"; {duration_s:.0f} s." if duration_s is not None else "."))
    if RESULTS:
        lines += ["", "| page | critical | serious | moderate | minor | waived | rules |",
                  "|---|---|---|---|---|---|---|"]
    for r in RESULTS:
        b = r.by_impact()
        rules = ", ".join(f"{v.rule} ({v.impact})" for v in r.violations) or "–"
        waived = ", ".join(v.rule for v in r.waived) or "–"
        lines.append(f"| {r.page} | {b['critical']} | {b['serious']} | {b['moderate']} | {b['minor']} | {waived} | {rules} |")
    if EXTRA_CHECKS:
        lines += ["", "| check | passed (pages or steps) | failed on |", "|---|---|---|"]
        by: dict[str, list[tuple[str, bool]]] = {}
        for check, page, ok in EXTRA_CHECKS:
            by.setdefault(check, []).append((page, ok))
        for check, rows in by.items():
            failed = sorted({p for p, ok in rows if not ok})
            passed = len({p for p, ok in rows if ok} - set(failed))
            lines.append(f"| {check} | {passed} | {', '.join(failed) or '–'} |")
    return "\n".join(lines) + "\n"
