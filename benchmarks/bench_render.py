"""Time-to-render and kernel memory: participant app vs a bare one-widget notebook, same Voila.

For each mode (cold: a kernel per page load; preheated: ``--preheat_kernel=True --pool_size=N``)
one Voila serves participant.ipynb (the kit's, copied) and bare.ipynb. Each measurement opens a
fresh browser context (no HTTP cache), navigates, and waits for the first widget (the participant
app's "Join code" field; the bare notebook's button). The kernel behind the page is found by the
page's kernel id and its RSS/USS read with psutil; the modules loaded in it are listed through a
second kernel client. Loads alternate between the two notebooks; between loads the server and
its kernels are let go quiet (so a pool refills before the next load).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from . import harness as h
from .stats import Row, median

NOTEBOOKS = ("bare.ipynb", "participant.ipynb")


def _quiet(server: h.Server) -> None:
    h.wait_quiet(lambda: [h.psutil.Process(server.pid), *server.kernels()], timeout=30)


def _wait_pool(server: h.Server, expected: int, timeout: float = 180.0) -> float:
    t0 = h.time.monotonic()
    server.wait_for_kernels(expected, timeout)
    _quiet(server)
    return h.time.monotonic() - t0


def who_imports(modules: list[str], db_url: str) -> dict[str, list[str]]:
    """Run the participant notebook's code in a fresh interpreter with an import hook; for each of
    ``modules`` that gets imported, the stack (peerkit frames first) that imported it."""
    code = json.load(open(h.ROOT / "notebooks" / "participant.ipynb"))["cells"]
    src = "\n".join("".join(c["source"]) for c in code if c["cell_type"] == "code")
    script = textwrap.dedent(f"""
        import sys, json, traceback, importlib.abc
        WATCH = set({modules!r})
        found = {{}}
        class Hook(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                top = name.split('.')[0]
                if top in WATCH and top not in found:
                    found[top] = [f"{{f.filename}}:{{f.lineno}} {{f.line}}" for f in traceback.extract_stack()[:-1]
                                  if 'importlib' not in f.filename]
                return None
        sys.meta_path.insert(0, Hook())
        exec(compile({src!r}, 'participant.ipynb', 'exec'), {{'__name__': '__main__'}})
        print(json.dumps(found))
    """)
    env = {**h.os.environ, "PEERKIT_DB_URL": db_url}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    try:
        found = json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"?": [out.stderr[-2000:]]}
    return {m: [f for f in frames if "peerkit" in f or "participant.ipynb" in f][-4:] or frames[-4:]
            for m, frames in found.items()}


def run(quick: bool = False, log=print) -> dict:
    reps = 2 if quick else 5
    pool = 2
    results: dict = {"modes": {}, "reps": reps, "pool_size": pool}
    from playwright.sync_api import sync_playwright

    for mode, extra in (("cold", []), ("preheated", ["--preheat_kernel=True", f"--pool_size={pool}"])):
        base = h.tmpdir(f"render-{mode}")
        server = h.start_server(base, extra)
        mres: dict = {"voila_started_in_s": server.voila.started_in, "loads": {nb: [] for nb in NOTEBOOKS}}
        try:
            if mode == "preheated":
                mres["pool_filled_in_s"] = _wait_pool(server, pool * len(NOTEBOOKS))
                mres["kernels_at_start"] = len(server.kernels())
            else:
                _quiet(server)
            with sync_playwright() as pw:
                browser = h.launch_browser(pw)
                try:
                    for nb in NOTEBOOKS:  # warm-up (server templates, OS caches); not counted
                        tab = h.time_to_render(browser, server, nb)
                        h.close_tab(tab)
                        _wait_pool(server, pool * len(NOTEBOOKS)) if mode == "preheated" else _quiet(server)
                    for r in range(reps):
                        for nb in NOTEBOOKS:
                            tab = h.time_to_render(browser, server, nb)
                            mem = h.memory_of([tab["kernel"]]) if tab["kernel"] else []
                            entry = {"seconds": tab["seconds"], **(mem[0] if mem else {})}
                            if r == 0 and tab["kernel"] is not None:
                                entry["modules"] = h.kernel_modules(tab["kernel"])
                            mres["loads"][nb].append(entry)
                            log(f"  render[{mode}] {nb}: {tab['seconds']:.2f} s, "
                                f"RSS {entry.get('rss', 0) / 1e6:.0f} MB")
                            h.close_tab(tab)
                            if mode == "preheated":
                                _wait_pool(server, pool * len(NOTEBOOKS))
                            else:
                                _quiet(server)
                    # ?code= fills in the join code (a link or QR code handed out by the facilitator)
                    tab = h.time_to_render(browser, server, "participant.ipynb", "code=ABC-DEF")
                    mres["code_prefill"] = tab["page"].get_by_label("Join code").input_value()
                    h.close_tab(tab)
                finally:
                    browser.close()
        finally:
            server.stop()
        results["modes"][mode] = mres

    rows = []
    cold = results["modes"]["cold"]["loads"]
    for mode, mres in results["modes"].items():
        loads = mres["loads"]
        b_t = median([e["seconds"] for e in loads["bare.ipynb"]])
        p_t = median([e["seconds"] for e in loads["participant.ipynb"]])
        b_m = median([e["rss"] for e in loads["bare.ipynb"] if "rss" in e])
        p_m = median([e["rss"] for e in loads["participant.ipynb"] if "rss" in e])
        b_u = median([e["uss"] for e in loads["bare.ipynb"] if "uss" in e])
        p_u = median([e["uss"] for e in loads["participant.ipynb"] if "uss" in e])
        rows += [
            Row("render", f"time to first widget, participant app ({mode})", p_t, b_t, f"bare ({mode})",
                note=f"median of {reps} fresh tabs"),
            Row("render", f"kernel RSS, participant app ({mode})", p_m, b_m, f"bare ({mode})", kind="mb"),
            Row("render", f"kernel USS, participant app ({mode})", p_u, b_u, f"bare ({mode})", kind="mb",
                note="memory the kernel alone holds"),
        ]
        if mode == "preheated":
            cb = median([e["seconds"] for e in cold["bare.ipynb"]])
            cp = median([e["seconds"] for e in cold["participant.ipynb"]])
            rows += [
                Row("render", "time to first widget, participant: preheated vs cold", p_t, cp, "cold"),
                Row("render", "time to first widget, bare: preheated vs cold", b_t, cb, "cold"),
            ]
    stdlib = set(sys.stdlib_module_names)

    def third_party(names) -> list[str]:
        return sorted(m for m in names if m not in stdlib and not m.startswith("_"))

    for mode, mres in results["modes"].items():
        mods = mres["loads"]["participant.ipynb"][0].get("modules", [])
        bare_mods = mres["loads"]["bare.ipynb"][0].get("modules", [])
        mres["participant_modules"] = mods
        mres["heavy_in_participant"] = [m for m in h.HEAVY if m in mods]
        mres["participant_extra_modules"] = third_party(set(mods) - set(bare_mods))
    cold_mods = set(results["modes"]["cold"]["participant_modules"])
    pre = results["modes"].get("preheated")
    if pre:
        pre["extra_vs_cold"] = third_party(set(pre["participant_modules"]) - cold_mods)
    heavy = sorted({m for mres in results["modes"].values() for m in mres["heavy_in_participant"]})
    results["heavy_in_participant"] = heavy
    results["participant_extra_modules"] = results["modes"]["cold"]["participant_extra_modules"]
    if heavy:
        results["heavy_imported_by"] = who_imports(heavy, f"sqlite:///{h.tmpdir('who') / 'x.sqlite'}")
    results["rows"] = rows
    return results
