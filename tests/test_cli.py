"""The terminal: `analyze --json` leaves clean JSON and a quiet stderr (no MediaPipe/TFLite start-up
lines), native errors still get through, --debug works anywhere on the line, every argument has
help with an example, and `sessions` / `audit verify` print JSON too."""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from interview.cli import _parser, configure_logging, main
from interview.images import ImageError
from models.native_stderr import quiet_native_start
from tests.conftest import dev_file

NATIVE_CHATTER = ["InitGoogle", "XNNPACK", "Feedback manager", "inference_feedback_manager", "W0000", "I0000"]


def test_analyze_json_is_clean_and_stderr_holds_only_the_headline(models_ready, tmp_path):
    """Not a terminal, so no progress bar: stderr is exactly the headline. The challenge makes the
    hand landmarker start too (the hand-over-face check needs it)."""
    db = tmp_path / "sessions.db"
    command = [sys.executable, "-m", "interview", "analyze", str(dev_file("A_talking_head/vr_face3.mp4")), "--json",
               "--challenge", "hand_over_face@1", "--out", str(tmp_path / "out"), "--db", str(db), "--face-db", "off"]
    result = subprocess.run(command, capture_output=True, text=True, env=os.environ | {"GLOG_minloglevel": "0"})
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    overall = summary["overall"]
    assert result.stderr == f"{overall['status_label'].upper()}: {overall['headline']}\n"
    assert not any(marker in result.stderr for marker in NATIVE_CHATTER)
    assert summary["measurements"]["face_visible_ratio"] > 0.9

    listed = json.loads(subprocess.run([sys.executable, "-m", "interview", "sessions", "--json", "--db", str(db)],
                                       capture_output=True, text=True, check=True).stdout)
    assert [(s["id"], s["status"], s["decision"]) for s in listed] == [(summary["session_id"], overall["status"], None)]
    verified = subprocess.run([sys.executable, "-m", "interview", "audit", "verify", "--json", "--db", str(db)],
                              capture_output=True, text=True)
    assert verified.returncode == 0 and json.loads(verified.stdout)["ok"] is True


def test_native_chatter_is_dropped_and_native_errors_are_kept(capfd):
    with quiet_native_start():
        os.write(2, b"WARNING: Logging before InitGoogle() is written to STDERR\n"
                    b"W0000 00:00:1796056435.848410    5645 face_landmarker_graph.cc:181] Sets acceleration\n"
                    b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n"
                    b"E0000 00:00:1796056435.9    5645 calculator_graph.cc:12] the graph failed\n"
                    b"terminate called after throwing an instance of 'std::runtime_error'\n")
    err = capfd.readouterr().err
    assert err == ("E0000 00:00:1796056435.9    5645 calculator_graph.cc:12] the graph failed\n"
                   "terminate called after throwing an instance of 'std::runtime_error'\n")


def test_a_logged_exception_is_one_line_without_debug(capsys):
    configure_logging(debug=False)
    try:
        try:
            {}["liveness"]
        except KeyError:
            logging.getLogger("interview.session").exception("the %s check failed", "liveness")
        lines = capsys.readouterr().err.splitlines()
        assert lines == ["interview-verify: error: the liveness check failed (KeyError: 'liveness'; "
                         "run with --debug for the traceback)"]
    finally:
        logging.basicConfig(handlers=[logging.NullHandler()], force=True)


@pytest.mark.parametrize("argv", [["--debug", "match", "missing-a.jpg", "missing-b.jpg"],
                                  ["match", "missing-a.jpg", "--debug", "missing-b.jpg"],
                                  ["match", "missing-a.jpg", "missing-b.jpg", "--debug"]])
def test_debug_is_accepted_anywhere_and_shows_the_exception(argv):
    try:
        with pytest.raises(ImageError):
            main(argv)
    finally:
        configure_logging(debug=False)  # our loggers back to the root's level
        logging.basicConfig(handlers=[logging.NullHandler()], force=True)
        os.environ.pop("INTERVIEW_VERIFY_NATIVE_LOGS", None)


def test_without_debug_a_missing_photo_is_one_line(capsys):
    assert main(["match", "missing-a.jpg", "missing-b.jpg"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_every_argument_has_help_and_every_command_an_example():
    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    if sub._subparsers is None:
                        assert "example:\n  interview-verify" in (sub.epilog or ""), f"{path} {name} has no example"
                    walk(sub, f"{path} {name}")
            elif action.dest != "help":
                assert action.help, f"{path} {action.option_strings or action.dest} has no help"

    walk(_parser(), "interview-verify")


def test_version_and_python_dash_m():
    result = subprocess.run([sys.executable, "-m", "interview", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("interview-verify ")


def test_native_warnings_at_any_frame_are_filtered_when_stderr_is_not_a_terminal():
    """LiteRT logs an 'input tensor not aligned' warning at a random frame, long after start-up: a
    command whose stderr is a file or pipe passes fd 2 through the chatter filter for its whole run,
    and keeps every other line (a native error, our own messages) in order."""
    stderr = _stderr_of("with filtered_stderr():\n"
                        "    os.write(2, b'W0000 00:00:1796118873.822281   31493 inference_runner_litert.cc:1433] Input tensor "
                        "memory is not aligned\\n')\n"
                        "    os.write(2, b'E0000 00:00:1796118873.9   31493 calculator.cc:12] a real native error\\n')\n"
                        "    print('REVIEW: the headline', file=sys.stderr)\n")
    assert stderr == ("E0000 00:00:1796118873.9   31493 calculator.cc:12] a real native error\n"
                      "REVIEW: the headline\n")


def test_a_short_command_loses_no_stderr_line_to_the_filter():
    """A command that fails at once (a one-line error) leaves the filter before its thread has
    started: the thread must not depend on the saved stderr still being open. 200 short blocks in a
    row, each line must arrive."""
    stderr = _stderr_of("sys.setswitchinterval(1e-6)  # threads switch as often as they can: the race shows\n"
                        "for i in range(200):\n"
                        "    with filtered_stderr():\n"
                        "        os.write(2, f'line {i}\\n'.encode())\n")
    assert stderr.splitlines() == [f"line {i}" for i in range(200)]


def _stderr_of(body: str) -> str:
    """What a fresh Python running `body` (with os, sys and filtered_stderr imported) writes to
    stderr, which is a pipe here, not a terminal; it must exit cleanly."""
    code = "import os, sys\nfrom models.native_stderr import filtered_stderr\n" + body
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert result.returncode == 0, result.stderr
    return result.stderr


@pytest.mark.parametrize("region, words", [("10,20,30", "give X,Y,WIDTH,HEIGHT"), ("0,0,-5,100", "more than 0"),
                                           ("1250,0,640,360", "less than 64 pixels a side of the 1280x720 picture")])
def test_a_wrong_region_is_one_line_before_any_analysis(region, words, capsys, tmp_path):
    """--region names the candidate's tile; a malformed one is refused by the parser, one outside the
    picture before anything is analysed or written."""
    out = tmp_path / "out"
    try:
        code = main(["analyze", str(dev_file("C_deepfake/ffpp_004_real.mp4")), "--region", region, "--out", str(out),
                     "--db", str(tmp_path / "s.db"), "--face-db", "off"])
    except SystemExit as exc:  # argparse's own exit, after its one-line usage error
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err, err
    assert not out.exists()
