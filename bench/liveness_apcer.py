"""Liveness over the labelled dev media: APCER / BPCER at the check's operating points, per-file
signals, and the check's own cost per frame.

APCER: share of presentation attacks not flagged; BPCER: share of bona fide (live) people flagged.
Two operating points, by the status a reviewer sees: "alert" (risk >= 0.7) and "review or alert"
(risk >= 0.4, where a person is asked to look); "insufficient" counts as not flagged. Each signal's thresholds were chosen by looking at these same files, so these
are development-set figures, not a held-out estimate.

Attacks: the replayed screen (tv_fake.mp4); still-photo videos (fixtures.still_photo_video) of the
Silent-Face printed photo (F1), tablet photo (F2) and two B_identity portraits; the same photos
moved by a hand (fixtures.liveness_media.handheld_photo_video, sheet tilt up to 14 degrees); a
clip looped twice (fixtures.liveness_media.looped_video). "Hard" attacks, reported apart: photos
tilted by up to 48 degrees, which MediaPipe reads as expression changes.
Bona fide: tv_real.mp4, vr_face2/3, the DFDC and FaceForensics++ originals, roop's target clip.
Deepfakes (live driver, swapped face) are listed for information: not presentation attacks.

    INTERVIEW_VERIFY_MODELS=/tmp/ivmodels python -m bench.liveness_apcer
"""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from fixtures import still_photo_video
from fixtures.cache import DevMediaMissing, dev_media
from fixtures.liveness_media import handheld_photo_video, looped_video
from interview.audio import analyse_audio
from interview.checks.base import CheckResult, SessionContext, SessionInputs
from interview.checks.liveness.check import LivenessCheck
from interview.config import AnalysisConfig
from interview.media import FileSource, probe, read_audio
from interview.perception import Perceiver
from interview.recording import SamplingPolicy

F1, F2 = "D_presentation_attack/sf_image_F1.jpg", "D_presentation_attack/sf_image_F2.jpg"
PORTRAITS = ("B_identity/df_img1.jpg", "B_identity/df_img18.jpg")

ATTACKS: dict[str, Callable[[], Path]] = {
    "tv_fake (screen replay)": lambda: dev_media("D_presentation_attack/tv_fake.mp4"),
    **{f"still {Path(p).stem}": (lambda p=p: still_photo_video(dev_media(p)).path) for p in (F1, F2, *PORTRAITS)},
    **{f"hand-held {Path(p).stem}": (lambda p=p: handheld_photo_video(dev_media(p)).path) for p in (F1, F2, *PORTRAITS)},
    "looped vr_face3": lambda: looped_video(dev_media("A_talking_head/vr_face3.mp4"), 1.0, 1.5, 2).path,
}
HARD_ATTACKS: dict[str, Callable[[], Path]] = {
    f"tilted 48deg {Path(p).stem}": (lambda p=p: handheld_photo_video(dev_media(p), seed=1, tilt_deg=50).path)
    for p in (F2, "B_identity/df_img18.jpg", "B_identity/df_img22.jpg")
}
BONA_FIDE = {Path(p).stem: (lambda p=p: dev_media(p)) for p in (
    "D_presentation_attack/tv_real.mp4", "A_talking_head/vr_face2.mp4", "A_talking_head/vr_face3.mp4",
    "C_deepfake/dfdc_lynaeydofd_real.mp4", "C_deepfake/ffpp_004_real.mp4", "C_deepfake/roop_target.mp4")}
DEEPFAKES = {Path(p).stem: (lambda p=p: dev_media(p)) for p in (
    "C_deepfake/dfdc_widuwuoiur_fake.mp4", "C_deepfake/ffpp_004_982_NeuralTextures.mp4",
    "C_deepfake/roop_snapshot_swapped.mp4")}


def run(path: Path) -> tuple[CheckResult, float, float]:
    """(liveness result, seconds of video, ms per frame spent in the liveness check itself)."""
    info = probe(path)
    policy = SamplingPolicy()
    check, perceiver = LivenessCheck(AnalysisConfig(), SessionInputs()), Perceiver(policy)
    spent, frames = 0.0, 0
    try:
        for frame in FileSource(info, policy).frames():
            obs = perceiver.observe(frame)
            started = time.perf_counter()
            check.update(obs, frame)
            spent += time.perf_counter() - started
            frames += 1
    finally:
        perceiver.close()
    audio = analyse_audio(read_audio(info)[0], transcribe=False)
    started = time.perf_counter()
    result = check.assess(SessionContext(media=info, audio=audio, analysed_frames=frames))
    finish_ms = (time.perf_counter() - started) * 1000
    return result, info.duration_s, (spent * 1000 + finish_ms) / max(1, frames)


def table(title: str, entries: dict[str, Callable[[], Path]]) -> list[CheckResult]:
    print(f"\n{title}")
    print(f"  {'file':<28} {'status':<12} {'risk':>5} {'cov':>5}  {'ms/frame':>8}  signals that fired")
    results = []
    for name, build in entries.items():
        try:
            path = build()
        except DevMediaMissing as missing:
            print(f"  {name:<28} skipped: {missing}")
            continue
        result, _, cost = run(path)
        fired = ", ".join(f"{f.signal} {f.risk:.2f}" for f in result.findings) or "-"
        print(f"  {name:<28} {result.status:<12} {result.risk:5.2f} {result.coverage:5.2f}  {cost:8.1f}  {fired}")
        results.append(result)
    return results


def error_rate(results: list[CheckResult], flagged: tuple[str, ...], attacks: bool) -> str:
    """Attacks not flagged (APCER) or bona fide flagged (BPCER), by the status a reviewer sees."""
    if not results:
        return "n/a"
    errors = sum((r.status not in flagged) if attacks else (r.status in flagged) for r in results)
    return f"{errors}/{len(results)} = {errors / len(results):.0%}"


def main() -> None:
    attacks = table("Presentation attacks", ATTACKS)
    hard = table("Hard attacks (photo tilted up to 48 degrees)", HARD_ATTACKS)
    bona = table("Bona fide (live people)", BONA_FIDE)
    table("Deepfakes (not presentation attacks; for information)", DEEPFAKES)
    print(f"\nOperating points (thresholds chosen on these {len(attacks) + len(hard) + len(bona)} files):")
    for name, point in (("alert  (status alert)", ("alert",)), ("review (status review or alert)", ("review", "alert"))):
        print(f"  {name}: APCER {error_rate(attacks, point, True)} (hard attacks "
              f"{error_rate(hard, point, True)}), BPCER {error_rate(bona, point, False)}")


if __name__ == "__main__":
    main()
