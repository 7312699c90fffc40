"""Submit -> stored latency: ``Store.submit`` round trips from 1, 20 and 60 processes at once,
on SQLite and PostgreSQL, against a bare SQLAlchemy INSERT of the same payload (same run, same
database, same concurrency); and end to end in the browser (click Submit -> "Submitted" shown)
against a bare ipywidgets button round trip on the same Voila.

Each submitter is its own process (forked), opens its own Store (as a Voila kernel does), joins
as its own participant of a facilitator-led session whose open exercise is the 39-item program
self-evaluation (as in the room: every submit checks the live state), waits at a barrier, then
submits it,
alternating two full answer sets so that every submission stores a new revision. The baseline
processes insert the same answers (JSON) into a table of their own, one transaction per row; on
SQLite with the store's settings (WAL, the same busy timeout). After each level the stored rows
are counted against the acknowledged ones.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
import traceback
import uuid

import sqlalchemy as sa

from . import harness as h
from .stats import Row, median, pct

INSTRUMENT = "program-self-evaluation"
E2E_INSTRUMENT = "misconceptions"


def _answers(ins, k: int) -> dict:
    vals = [o.value for o in ins.scale_for(ins.items[0]).options]
    return {item.id: vals[(i + k) % len(vals)] for i, item in enumerate(ins.items)}


# -- workers (forked) -----------------------------------------------------------------------

def _store_worker(url: str, participant_id: int, count: int, barrier, queue) -> None:
    from peerkit.instruments import get_instrument
    from peerkit.store import Store

    lat, errors, acks = [], [], 0
    try:
        ins = get_instrument(INSTRUMENT)
        answers = [_answers(ins, 0), _answers(ins, 1)]
        store = Store(url, busy_timeout=30.0)
        store.current_answers(participant_id, ins.id)  # connected and warm, like an open kernel
        barrier.wait(timeout=120)
        for k in range(count):
            t0 = time.perf_counter()
            try:
                sub = store.submit(participant_id, ins, answers[k % 2])
                lat.append(time.perf_counter() - t0)
                acks += 1 if sub.created else 0
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(f"{type(exc).__name__}: {exc}")
        store.close()
    except Exception:  # noqa: BLE001
        errors.append(traceback.format_exc())
    queue.put({"lat": lat, "errors": errors, "acks": acks})


def _raw_engine(url: str, busy_timeout: float = 30.0) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": busy_timeout})

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            cur = dbapi_connection.cursor()
            cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.close()

        return engine
    return sa.create_engine(url)


RAW = sa.Table("bench_raw_insert", sa.MetaData(),
               sa.Column("id", sa.Integer, primary_key=True),
               sa.Column("participant_id", sa.Integer, nullable=False),
               sa.Column("answers", sa.JSON, nullable=False),
               sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False))


def _raw_worker(url: str, participant_id: int, count: int, barrier, queue) -> None:
    import datetime as dt

    from peerkit.instruments import get_instrument

    lat, errors, acks = [], [], 0
    try:
        ins = get_instrument(INSTRUMENT)
        answers = [_answers(ins, 0), _answers(ins, 1)]
        engine = _raw_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.select(sa.func.count()).select_from(RAW))
        barrier.wait(timeout=120)
        for k in range(count):
            t0 = time.perf_counter()
            try:
                with engine.begin() as conn:
                    conn.execute(RAW.insert().values(participant_id=participant_id, answers=answers[k % 2],
                                                     submitted_at=dt.datetime.now(dt.timezone.utc)))
                lat.append(time.perf_counter() - t0)
                acks += 1
            except Exception as exc:  # noqa: BLE001
                errors.append(f"{type(exc).__name__}: {exc}")
        engine.dispose()
    except Exception:  # noqa: BLE001
        errors.append(traceback.format_exc())
    queue.put({"lat": lat, "errors": errors, "acks": acks})


def _run_level(worker, url: str, pids: list[int], count: int, timeout: float = 300.0) -> dict:
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(len(pids) + 1)
    queue = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(url, pid, count, barrier, queue), daemon=True) for pid in pids]
    for p in procs:
        p.start()
    barrier.wait(timeout=120)
    t0 = time.perf_counter()
    got = []
    try:
        for _ in procs:
            got.append(queue.get(timeout=timeout))
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
    wall = time.perf_counter() - t0
    lat = [x for g in got for x in g["lat"]]
    errors = [e for g in got for e in g["errors"]]
    return {"lat": lat, "errors": errors, "acks": sum(g["acks"] for g in got), "wall": wall,
            "median": median(lat), "p95": pct(lat, 95), "n": len(lat)}


# -- backends ---------------------------------------------------------------------------------

def postgres_url() -> str | None:
    """$PEERKIT_TEST_POSTGRES_URL, else the URL .ci/run sets up, if a server answers there."""
    url = os.environ.get("PEERKIT_TEST_POSTGRES_URL", "").strip() or \
        "postgresql+psycopg://peerkit:peerkit@127.0.0.1:5432/peerkit_test"
    try:
        eng = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 5})
        with eng.connect() as c:
            c.execute(sa.text("SELECT 1"))
        eng.dispose()
        return url
    except Exception:  # noqa: BLE001
        return None


class PgSchema:
    """A schema of its own in the PostgreSQL database (search_path in the URL), dropped afterwards."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.schema = f"peerkit_bench_{uuid.uuid4().hex[:10]}"
        self.admin = sa.create_engine(base, poolclass=sa.pool.NullPool)
        with self.admin.begin() as c:
            c.exec_driver_sql(f'CREATE SCHEMA "{self.schema}"')
        self.url = sa.engine.make_url(base).update_query_dict(
            {"options": f"-csearch_path={self.schema}"}).render_as_string(hide_password=False)

    def drop(self) -> None:
        with self.admin.begin() as c:
            c.exec_driver_sql("SET lock_timeout = '20s'")
            c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        self.admin.dispose()


def _one_backend(name: str, url: str, levels: list[tuple[int, int]], log) -> dict:
    from peerkit.store import Store

    engine = _raw_engine(url)
    RAW.metadata.create_all(engine)
    engine.dispose()
    out = {}
    for procs, count in levels:
        store = Store(url)
        # the room's moment: a facilitator-led session with the exercise open for answers
        session = store.create_live_session(f"Bench {procs}", "bench-pass")
        store.open_exercise(session.id, INSTRUMENT)
        pids = [store.join(session.id, f"Submitter {i}", ("supervisor", "peer_specialist")[i % 2]).id
                for i in range(procs)]
        store.close()
        res = _run_level(_store_worker, url, pids, count)
        base = _run_level(_raw_worker, url, pids, count)
        with Store(url) as s:
            with s.engine.connect() as c:
                stored = c.execute(sa.text(
                    "SELECT count(*) FROM responses r JOIN participants p ON p.id = r.participant_id "
                    "WHERE p.session_id = :sid"), {"sid": session.id}).scalar()
        res["stored"] = stored
        out[procs] = {"store": res, "raw": base, "count": count}
        log(f"  submit[{name}] {procs} processes × {count}: store median {res['median'] * 1000:.1f} ms "
            f"p95 {res['p95'] * 1000:.1f} ms; bare INSERT median {base['median'] * 1000:.1f} ms "
            f"p95 {base['p95'] * 1000:.1f} ms; acknowledged {res['acks']}, stored {stored}, "
            f"errors {len(res['errors'])}/{len(base['errors'])}")
    return out


# -- end to end in the browser -------------------------------------------------------------------

def e2e(quick: bool, log) -> dict:
    """Click Submit -> the status says it was stored (participant app), vs a bare button round trip."""
    from playwright.sync_api import expect, sync_playwright

    from peerkit.instruments import get_instrument
    from peerkit.store import Store
    from tests.browser.pages import ParticipantPage, labels_for

    reps = 4 if quick else 12
    base = h.tmpdir("e2e")
    server = h.start_server(base)
    out: dict = {"reps": reps}
    try:
        with Store(server.db_url) as s:
            session = s.create_session("Bench e2e", "bench-pass")
        ins = get_instrument(E2E_INSTRUMENT)
        values = [True] * len(ins.items)
        with sync_playwright() as pw:
            browser = h.launch_browser(pw)
            try:
                ctx = browser.new_context()
                ctx.set_default_timeout(60_000)
                pp = ParticipantPage(ctx.new_page(), server.url("participant.ipynb")).open()
                pp.join(session.join_code, "Bench Person", "Supervisor")
                pp.choose(E2E_INSTRUMENT)
                pp.rate_buttons(labels_for(E2E_INSTRUMENT, values))
                pp.submit()  # revision 1, not timed
                first = ins.items[0].id
                status = pp.page.locator(".peerkit-form .peerkit-status")
                store_times = []
                for r in range(reps):
                    values[0] = not values[0]
                    pp.rate_buttons({first: labels_for(E2E_INSTRUMENT, values)[first]})
                    pp.expect_draft_saved()
                    t0 = time.perf_counter()
                    pp.page.locator(".peerkit-form .peerkit-submit").click()
                    expect(status).to_contain_text(f"revision {r + 2}", timeout=60_000)
                    store_times.append(time.perf_counter() - t0)
                with Store(server.db_url) as s:
                    p = [x for x in s.participants(session.id) if x.display_name == "Bench Person"][0]
                    out["stored_revisions"] = len(s.revisions(p.id, E2E_INSTRUMENT))
                ctx.close()

                ctx = browser.new_context()
                page = ctx.new_page()
                page.goto(server.url("bare.ipynb"), timeout=120_000)
                button = page.get_by_role("button", name="Ready")
                button.wait_for(state="visible", timeout=120_000)
                bare_times = []
                for r in range(reps + 1):
                    t0 = time.perf_counter()
                    button.click()
                    expect(page.get_by_text(f"clicked {r + 1}", exact=True)).to_be_visible(timeout=60_000)
                    if r:  # the first click warms up
                        bare_times.append(time.perf_counter() - t0)
                ctx.close()
            finally:
                browser.close()
    finally:
        server.stop()
    out.update(store=store_times, bare=bare_times)
    log(f"  submit[e2e] click->Submitted median {median(store_times) * 1000:.0f} ms; "
        f"bare button round trip median {median(bare_times) * 1000:.0f} ms")
    return out


def run(quick: bool = False, log=print, browser: bool = True) -> dict:
    levels = [(1, 20), (4, 10)] if quick else [(1, 100), (20, 10), (60, 5)]
    results: dict = {"levels": levels, "backends": {}}
    sqlite_dir = h.tmpdir("submit")
    results["backends"]["SQLite"] = _one_backend("SQLite", f"sqlite:///{sqlite_dir / 'bench.sqlite'}", levels, log)
    pg = postgres_url()
    if pg:
        schema = PgSchema(pg)
        try:
            results["backends"]["PostgreSQL"] = _one_backend("PostgreSQL", schema.url, levels, log)
        finally:
            schema.drop()
    else:
        results["postgres_skipped"] = "no PostgreSQL server answered (set PEERKIT_TEST_POSTGRES_URL)"
        log("  submit: PostgreSQL skipped (no server)")
    if browser and h.browser_available() is None:
        results["e2e"] = e2e(quick, log)

    rows = []
    for name, per in results["backends"].items():
        for procs, res in per.items():
            s, r = res["store"], res["raw"]
            errs = f"; ERRORS: {len(s['errors'])} store, {len(r['errors'])} raw" if s["errors"] or r["errors"] else ""
            lost = "" if s["stored"] == s["acks"] else f"; STORED {s['stored']} ≠ ACKNOWLEDGED {s['acks']}"
            rows += [
                Row("submit", f"{name}: Store.submit, {procs} process{'es' if procs > 1 else ''} at once, median",
                    s["median"], r["median"], "bare INSERT",
                    note=f"{s['n']} submissions ({res['count']} per process); stored = acknowledged = "
                         f"{s['stored']}{lost}{errs}" if not lost else f"{s['n']} submissions{lost}{errs}"),
                Row("submit", f"{name}: Store.submit, {procs} process{'es' if procs > 1 else ''} at once, p95",
                    s["p95"], r["p95"], "bare INSERT",
                    note=f"throughput {s['n'] / s['wall']:.0f}/s (bare INSERT {r['n'] / r['wall']:.0f}/s)"),
            ]
    if "e2e" in results:
        e = results["e2e"]
        rows += [
            Row("submit", "browser: click Submit → 'Submitted' shown, median", median(e["store"]), median(e["bare"]),
                "bare button round trip", note=f"{len(e['store'])} submissions, 1 participant; "
                                               f"{e.get('stored_revisions')} revisions stored"),
            Row("submit", "browser: click Submit → 'Submitted' shown, p95", pct(e["store"], 95), pct(e["bare"], 95),
                "bare button round trip"),
        ]
    results["rows"] = rows
    return results
