"""``peerkit``: the command line for facilitators and maintainers.

    peerkit [--db URL] session create --title T [--passcode P] [--date YYYY-MM-DD] [--self-paced]
    peerkit session list | close ID | open ID | passcode ID
    peerkit export SESSION --format csv|xlsx|json -o FILE
    peerkit import FILE [--new-code] [--passcode P] [--check]
    peerkit purge SESSION [--yes]
    peerkit facilitator-key [--set KEY]
    peerkit demo
    peerkit validate [--sources DIR]
    peerkit db current | upgrade
    peerkit serve [--host H] [--port N] [--all-interfaces] [--db URL] [--no-demo]

SESSION is a session id or its join code. The database is ``--db URL``, else
``$PEERKIT_DB_URL``, else the default SQLite file (see :func:`peerkit.store.default_url`).
Problems are reported in one clear line on stderr with exit status 2 (``validate``
exits 1 when a data file is wrong).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

from .store import Store, StoreError, WorkshopSession

__all__ = ["build_parser", "main"]


class CliError(Exception):
    """A usage problem reported as one line (exit status 2)."""


# -- helpers -------------------------------------------------------------------------------


def _store(args: argparse.Namespace) -> Store:
    return Store(args.db) if args.db else Store()


def _resolve_session(store: Store, ref: str) -> WorkshopSession:
    ref = ref.strip()
    if ref.isdigit():
        return store.get_session(int(ref))
    found = store.find_session(ref)
    if found is None:
        raise CliError(f"no session with id or join code {ref!r} (see: peerkit session list)")
    return found


def _passcode(given: str | None, *, confirm: bool = True) -> str:
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise CliError("no passcode given: use --passcode, or run in a terminal to be asked for one")
    first = getpass.getpass("Facilitator passcode: ")
    if confirm and getpass.getpass("Repeat the passcode: ") != first:
        raise CliError("the two passcodes differ; nothing was changed")
    return first


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _print_session(s: WorkshopSession) -> None:
    print(f"{s.id}\t{s.join_code}\t{s.status}\t{s.date or ''}\t{s.title}")


# -- commands -------------------------------------------------------------------------------


def cmd_session_create(args: argparse.Namespace) -> int:
    passcode = _passcode(args.passcode)
    with _store(args) as store:
        s = store.create_live_session(args.title, passcode, args.date,
                                      mode="self_paced" if args.self_paced else "facilitator")
    print(f"Created session {s.id}: {s.title}")
    print(f"Join code: {s.join_code}")
    print("Facilitator-led: participants see the exercise you open on the dashboard." if not args.self_paced
          else "Self-paced: participants choose their exercises.")
    return 0


def cmd_session_list(args: argparse.Namespace) -> int:
    with _store(args) as store:
        found = store.list_sessions()
    if not found:
        print("No sessions yet (create one: peerkit session create --title ...)")
        return 0
    print("id\tjoin code\tstatus\tdate\ttitle")
    for s in found:
        _print_session(s)
    return 0


def _set_status(status: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        with _store(args) as store:
            s = _resolve_session(store, args.session)
            store.set_status(s.id, status)
        print(f"Session {s.id} ({s.join_code}, {s.title}) is now {status}")
        return 0

    return run


def cmd_session_passcode(args: argparse.Namespace) -> int:
    passcode = _passcode(args.passcode)
    with _store(args) as store:
        s = _resolve_session(store, args.session)
        store.set_passcode(s.id, passcode)
    print(f"The passcode of session {s.id} ({s.join_code}) was changed")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .transfer import export_session

    with _store(args) as store:
        s = _resolve_session(store, args.session)
        path = export_session(store, s.id, args.output, args.format)
    print(f"Exported session {s.id} ({s.join_code}, {s.title}) to {path}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .transfer import check_file, import_file

    if args.check:
        payload, warnings = check_file(args.file)
        for w in warnings:
            print(f"warning: {w}", file=sys.stderr)
        print(f"{args.file} is valid: {len(payload['participants'])} participants, "
              f"{len(payload['responses'])} responses (nothing was written)")
        return 0
    with _store(args) as store:
        result = import_file(store, args.file, new_code=args.new_code, passcode=args.passcode)
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    s = result.session
    print(f"Imported session {s.id} ({s.join_code}, {s.title}, {s.status}): {result.participants} participants, "
          f"{result.pairs} pairs, {result.responses} responses, {result.notes} notes")
    if result.passcode:
        print(f"Facilitator passcode: {result.passcode} (change it: peerkit session passcode {s.id})")
    if s.status == "closed":
        print(f"The session is closed; to let participants in: peerkit session open {s.id}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    with _store(args) as store:
        s = _resolve_session(store, args.session)
        if not args.yes:
            if not sys.stdin.isatty():
                raise CliError("purge deletes the session and all its answers; add --yes to confirm")
            answer = input(f"Delete session {s.id} '{s.title}' ({s.join_code}) and all its answers? "
                           "Type the join code to confirm: ")
            if answer.strip().upper().replace("-", "") != s.join_code.replace("-", ""):
                print("Nothing was deleted.")
                return 1
        from .transfer import exports_folder, purge_session

        removed = purge_session(store, s.id)
    print(f"Purged session {s.id} ({s.join_code}, {s.title}): its participants, answers, drafts, notes and "
          f"devices, and {len(removed)} export or report file{'s' if len(removed) != 1 else ''} in "
          f"{exports_folder()}.")
    for path in removed:
        print(f"  deleted {path}")
    print("Copies saved elsewhere (downloads, e-mail, backups, printouts) are not touched; see the guide's "
          "Privacy page.")
    return 0


def cmd_facilitator_key(args: argparse.Namespace) -> int:
    with _store(args) as store:
        if args.set:
            store.set_facilitator_key(args.set)
            print("The facilitator key is set (only its hash is stored).")
        else:
            key = store.new_facilitator_key()
            print(f"New facilitator key (the old one no longer works): {key}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    with _store(args) as store:
        s = store.load_demo()
        people = store.participants(s.id)
        status = store.submission_status(s.id)
    print(f"Demo session {s.id}: join code {s.join_code}, passcode 'demo', {len(people)} participants, "
          f"{len(status)} responses")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .instruments import instrument_files, load_instrument, InstrumentError
    from .reading import load_reading, reading_files

    files = instrument_files()
    readings = set(reading_files())
    if not files:
        raise CliError("no instrument files found (looked in data/instruments; set PEERKIT_DATA to change)")
    failures = 0
    failed: set[Path] = set()
    # the folder of source documents: --sources, else $PEERKIT_SEEDS (as the tests use it)
    sources_arg = args.sources or os.environ.get("PEERKIT_SEEDS", "").strip() or None
    sources = Path(sources_arg) if sources_arg else None
    if sources is not None and not sources.is_dir():
        raise CliError(f"--sources {sources}: no such folder")
    for path in files + sorted(readings):
        try:
            ins = load_reading(path) if path in readings else load_instrument(path)
        except InstrumentError as exc:
            failures += 1
            failed.add(path)
            print(f"ERROR {exc}")
            continue
        if sources is None:
            print(f"OK    {path.name}")
            continue
        from .fidelity import check

        try:
            mismatches = check(ins, sources)
        except OSError as exc:
            failures += 1
            failed.add(path)
            print(f"ERROR {path}: cannot read the source document {ins.source.document} "
                  f"({exc.strerror or exc})")
            continue
        if mismatches:
            failures += 1
            failed.add(path)
            print(f"ERROR {path}: {len(mismatches)} field(s) not found in {ins.source.document}")
            for m in mismatches:
                print(f"        {m}")
        else:
            print(f"OK    {path.name} (text matches {ins.source.document})")
    bad_readings = sum(1 for p in readings if p in failed)
    print(f"{len(files) - (failures - bad_readings)} of {len(files)} instrument files OK")
    if readings:
        print(f"{len(readings) - bad_readings} of {len(readings)} reading material files OK")
    return 1 if failures else 0


def _paper(args: argparse.Namespace) -> str:
    return "a4" if args.a4 else args.paper


def cmd_report(args: argparse.Namespace) -> int:
    from .reports import PdfUnavailable, write_pair_report, write_session_report

    with _store(args) as store:
        s = _resolve_session(store, args.session)
        print(f"Preparing the {'pair' if args.pair else 'session'} report of session {s.id} ({s.title}) ...",
              file=sys.stderr)
        try:
            if args.pair is not None:
                pairs = {p.id for p in store.pairs(s.id)}
                if args.pair not in pairs:
                    known = ", ".join(str(p) for p in sorted(pairs)) or "none"
                    raise CliError(f"session {s.id} has no pair {args.pair} (its pairs: {known})")
                path = write_pair_report(store, args.pair, args.output, s.id, fmt=args.format, paper=_paper(args))
            else:
                path = write_session_report(store, args.output, s.id, fmt=args.format, paper=_paper(args),
                                            names=not args.no_names, min_group=3 if args.no_names else 1)
        except PdfUnavailable as exc:
            raise CliError(str(exc)) from exc
    print(f"Wrote {path}")
    return 0


def cmd_blank_forms(args: argparse.Namespace) -> int:
    from .reports import PdfUnavailable, write_blank_forms

    try:
        paths = write_blank_forms(args.output, fmt=args.format, paper=_paper(args))
    except PdfUnavailable as exc:
        raise CliError(str(exc)) from exc
    print(f"Wrote {len(paths) - 1} blank forms ({args.format.upper()}) and an index to "
          f"{Path(args.output) / 'index.html'}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from .instruments import Instrument

    print(json.dumps(Instrument.model_json_schema(), indent=2, ensure_ascii=False))
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    """Print the database's schema revision without changing anything."""
    import sqlalchemy as sa

    from .store import HEAD_REVISION, default_url
    from .store.schema import alembic_version

    url = args.db or default_url()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            found = (conn.execute(sa.select(alembic_version.c.version_num)).scalar()
                     if sa.inspect(conn).has_table("alembic_version") else None)
    except sa.exc.SQLAlchemyError as exc:
        raise CliError(f"cannot read the database: {str(getattr(exc, 'orig', exc)).splitlines()[0]}") from exc
    finally:
        engine.dispose()
    if found is None:
        print(f"No peerkit revision recorded (a new database, or one of the first release). "
              f"Opening it with peerkit, or `peerkit db upgrade`, brings it to {HEAD_REVISION}.")
    elif found == HEAD_REVISION:
        print(f"{found} (current)")
    else:
        print(f"{found} (this peerkit's newest is {HEAD_REVISION}: run `peerkit db upgrade`)")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Create or upgrade the database to this peerkit's newest schema (answers are kept)."""
    with _store(args) as store:
        print(f"{store.safe_url} is at revision {store.schema_version()} (current)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve notebooks/ in Voila and print the links to hand out (see :mod:`peerkit.serve`)."""
    from .serve import ServeError, run

    try:
        return run(args)
    except ServeError as exc:
        raise CliError(str(exc)) from None


# -- parser -------------------------------------------------------------------------------


def _paper_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--paper", choices=("letter", "a4"), default="letter",
                   help="paper size of the PDF and of printing the HTML (default: letter, US Letter)")
    p.add_argument("--a4", action="store_true", help="A4 paper (the same as --paper a4)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="peerkit", description="Peer-support workshop kit: sessions, data, serving.")
    parser.add_argument("--db", metavar="URL", default=None,
                        help="database URL (default: $PEERKIT_DB_URL, else var/peerkit.sqlite)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    session = sub.add_parser("session", help="create, list, open or close workshop sessions")
    ssub = session.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = ssub.add_parser("create", help="create a session and print its join code")
    p.add_argument("--title", required=True)
    p.add_argument("--passcode", help="facilitator passcode (asked for when omitted)")
    p.add_argument("--date", type=_date, help="workshop date, YYYY-MM-DD")
    p.add_argument("--self-paced", action="store_true",
                   help="participants choose their exercises (default: facilitator-led, the room follows "
                        "the exercise opened on the dashboard)")
    p.set_defaults(func=cmd_session_create)
    p = ssub.add_parser("list", help="list sessions")
    p.set_defaults(func=cmd_session_list)
    for name, status in (("close", "closed"), ("open", "open")):
        p = ssub.add_parser(name, help=f"{name} a session")
        p.add_argument("session", metavar="SESSION", help="session id or join code")
        p.set_defaults(func=_set_status(status))
    p = ssub.add_parser("passcode", help="change a session's facilitator passcode")
    p.add_argument("session", metavar="SESSION", help="session id or join code")
    p.add_argument("--passcode", help="the new passcode (asked for when omitted)")
    p.set_defaults(func=cmd_session_passcode)

    p = sub.add_parser("export", help="export a session to CSV, XLSX or JSON")
    p.add_argument("session", metavar="SESSION", help="session id or join code")
    p.add_argument("--format", choices=("csv", "xlsx", "json"), help="default: from the file extension")
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import", help="import a session from CSV, XLSX or JSON (validated first)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--new-code", action="store_true", help="give the imported session a new join code")
    p.add_argument("--passcode", help="passcode for a session imported from CSV/XLSX (else one is generated)")
    p.add_argument("--check", action="store_true", help="only validate the file; write nothing")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("purge", help="delete a session and all its answers")
    p.add_argument("session", metavar="SESSION", help="session id or join code")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_purge)

    p = sub.add_parser("facilitator-key",
                       help="make a new facilitator key (needed to create sessions in the dashboard)")
    p.add_argument("--set", metavar="KEY", default=None, help="use this key instead of a new random one")
    p.set_defaults(func=cmd_facilitator_key)

    p = sub.add_parser("demo", help="load the demo session (idempotent)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("validate", help="check every instrument file in data/instruments")
    p.add_argument("--sources", metavar="DIR", help="also check the text against the source documents in DIR "
                   "(default: $PEERKIT_SEEDS when set)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("report", help="write a printable session or pair report (HTML or PDF)")
    p.add_argument("session", metavar="SESSION", help="session id or join code")
    p.add_argument("--pair", type=int, metavar="PAIR", help="a pair's report instead of the session's")
    p.add_argument("--format", choices=("html", "pdf"), default="html")
    p.add_argument("--no-names", action="store_true",
                   help="a handout for the room: no names, groups under 3 left out")
    _paper_arguments(p)
    p.add_argument("-o", "--output", metavar="DIR", default=".", help="folder to write into (default: here)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("blank-forms", help="write printable blank forms of every exercise")
    p.add_argument("--format", choices=("html", "pdf"), default="html",
                   help="one HTML page or one PDF per exercise (default: html)")
    _paper_arguments(p)
    p.add_argument("-o", "--output", metavar="DIR", default="blank-forms", help="folder (default: blank-forms)")
    p.set_defaults(func=cmd_blank_forms)

    db = sub.add_parser("db", help="show or upgrade the database's schema revision")
    dsub = db.add_subparsers(dest="db_command", required=True, metavar="{current,upgrade}")
    dsub.add_parser("current", help="print the schema revision, changing nothing").set_defaults(func=cmd_db_current)
    dsub.add_parser("upgrade", help="create or upgrade the database (answers are kept)").set_defaults(
        func=cmd_db_upgrade)

    p = sub.add_parser("schema", help="print the instrument schema as JSON Schema")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("serve", help="start the kit in Voila and print the links to hand out")
    from .serve import add_arguments as _serve_arguments

    _serve_arguments(p)
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (``peerkit`` exits with it)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CliError, StoreError, ValueError, OSError) as exc:
        message = str(exc).strip() or type(exc).__name__
        print(f"peerkit: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("peerkit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
