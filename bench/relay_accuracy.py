"""Accuracy of the relay check: lip-sync offset error, "someone else's voice", answer-latency error.

1. Offset: the 4 real talking heads with audio shifted by the fixture generator, perceived at
   15 fps (the default policy; 12.5 fps on 25 fps sources) and at 30 fps (every frame). Prints
   measured offset, absolute error (measured - shift) and relative error (measured - measured(0)
   - shift), and the confidence.
2. Someone else's voice: the session z (lag-curve peak prominence) with the clip's own audio
   and with vr_audio1.wav, and whether RelayCheck flags "speech the lips do not make".
3. Latency: answer latencies on generated interviews (gaps 0.3/1/2.5/4 s; mono by voice, stereo by
   channel) and the pauses at the reference turn changes of pyannote_sample.wav.
4. Cost of RelayCheck.finish per minute of audio (the per-frame cost is the landmarker's).

    INTERVIEW_VERIFY_MODELS=/tmp/ivmodels python -m bench.relay_accuracy
"""
from __future__ import annotations

import itertools
import time

import numpy as np

from fixtures.av_edit import replace_audio, shift_audio
from fixtures.cache import DevMediaMissing, dev_media
from fixtures.dialog import qa_dialog
from interview.audio import analyse_audio
from interview.checks.base import SessionContext, SessionInputs
from interview.checks.relay.check import RelayCheck
from interview.checks.relay.lipsync import GRID_HZ, MouthTrack, band_envelopes, estimate_sync
from interview.config import AnalysisConfig
from interview.media import FileSource, probe, read_audio, read_channel_power
from interview.perception import Perceiver
from interview.recording import AUDIO_RATE, SamplingPolicy
from models.outputs import Segment
from models.speech import speech_segments

CLIPS = ("A_talking_head/vr_face2.mp4", "A_talking_head/vr_face3.mp4",
         "C_deepfake/dfdc_lynaeydofd_real.mp4", "C_deepfake/dfdc_widuwuoiur_fake.mp4")
SHIFTS_MS = (-400, -240, -120, 0, 120, 240, 400)
RATES = (15.0, 30.0)


def perceive(path, fps: float) -> list:
    policy = SamplingPolicy(max_fps=fps)
    perceiver = Perceiver(policy)
    pairs = [(perceiver.observe(frame), frame) for frame in FileSource(probe(path), policy).frames()]
    perceiver.close()
    return pairs


def sync_of(pairs: list, path):
    track = MouthTrack()
    for obs, _ in pairs:
        track.add(obs.t, obs.face)
    samples, _ = read_audio(probe(path))
    envelopes = band_envelopes(samples, AUDIO_RATE, int(samples.size / AUDIO_RATE * GRID_HZ))
    return estimate_sync(track, envelopes, speech_segments(samples))


def run_check(pairs: list, path, transcribe: bool = False):
    media = probe(path)
    samples, _ = read_audio(media)
    check = RelayCheck(AnalysisConfig(), SessionInputs())
    for obs, frame in pairs:
        check.update(obs, frame)
    return check.assess(SessionContext(media, analyse_audio(samples, transcribe=transcribe), len(pairs),
                                       channels=read_channel_power(media)[0]))


def offset_table(perceived: dict) -> None:
    print("\n## Lip-sync offset (ms; positive = audio lags video)")
    print(f"{'clip':22s} {'fps':>4s} {'shift':>6s} {'measured':>9s} {'abs err':>8s} {'rel err':>8s} {'conf':>5s}")
    summary: dict[tuple[str, float], list] = {}
    for (clip, fps), pairs in perceived.items():
        base = None
        for shift in (0, *[s for s in SHIFTS_MS if s != 0]):
            est = sync_of(pairs, shift_audio(dev_media(clip), shift_ms=shift).path)
            if est is None:
                print(f"{clip.split('/')[-1][:22]:22s} {fps:4.0f} {shift:+6d} {'none':>9s}")
                continue
            base = est.offset_ms if shift == 0 else base
            abs_err, rel_err = est.offset_ms - shift, est.offset_ms - base - shift
            summary.setdefault((clip, fps), []).append((abs_err, rel_err, est.confidence))
            print(f"{clip.split('/')[-1][:22]:22s} {fps:4.0f} {shift:+6d} {est.offset_ms:+9.0f} {abs_err:+8.0f} "
                  f"{rel_err:+8.0f} {est.confidence:5.2f}")
    print("\nper clip: max |abs err|, max |rel err|, median confidence")
    for (clip, fps), rows in summary.items():
        a, r, c = np.array(rows).T
        print(f"  {clip.split('/')[-1][:22]:22s} {fps:4.0f} fps: {np.abs(a).max():4.0f} {np.abs(r).max():4.0f} {np.median(c):.2f}")


def mismatch_table(perceived: dict) -> None:
    print("\n## Someone else's voice (vr_audio1.wav) over the talking head")
    print(f"{'clip':22s} {'fps':>4s} {'own z':>6s} {'other z':>8s}  flagged: own / other")
    for (clip, fps), pairs in perceived.items():
        if "vr_face" not in clip:
            continue
        own_path = dev_media(clip)
        other_path = replace_audio(own_path, dev_media("A_talking_head/vr_audio1.wav")).path
        own, other = sync_of(pairs, own_path), sync_of(pairs, other_path)
        flags = [any(f.signal == "speech_not_from_lips" for f in run_check(pairs, path).findings)
                 for path in (own_path, other_path)]
        print(f"{clip.split('/')[-1][:22]:22s} {fps:4.0f} {own.z:6.2f} {other.z:8.2f}  {flags[0]} / {flags[1]}")


def latency_table() -> None:
    print("\n## Answer latency (s)")
    print(f"{'recording':28s} {'truth':>6s} {'measured':>9s} {'error':>7s}")
    for name, fixture in (("qa_dialog mono (voices)", qa_dialog()), ("qa_dialog stereo (channels)", qa_dialog(stereo=True))):
        answers = run_check([], fixture.path).measurements["answers"]
        for got, want in zip(answers, fixture.truth["turns"]):
            measured = got["latency_ms"] / 1000
            print(f"{name:28s} {want['gap_s']:6.2f} {measured:9.2f} {measured - want['gap_s']:+7.3f}")
        if len(answers) != len(fixture.truth["turns"]):
            print(f"{name:28s} found {len(answers)} answers of {len(fixture.truth['turns'])}")
    try:
        path = dev_media("E_speech/pyannote_sample.wav")
    except DevMediaMissing as missing:
        print(f"pyannote sample skipped: {missing}")
        return
    from interview.checks.relay.turns import Turn, build_turns, turn_gaps, two_voices, utterances

    samples, _ = read_audio(probe(path))
    envelopes = band_envelopes(samples, AUDIO_RATE, int(samples.size / AUDIO_RATE * GRID_HZ))
    spans = utterances(envelopes, speech_segments(samples))
    reference = []
    for line in path.with_suffix(".rttm").read_text().splitlines():
        fields = line.split()
        start = float(fields[3])
        reference.append(Turn(Segment(start, start + float(fields[4])), fields[7]))
    changes = turn_gaps(reference)
    pauses = [(a.end, b.start) for a, b in itertools.pairwise(spans)]
    labels = two_voices(samples, AUDIO_RATE, spans)
    by_voice = turn_gaps(build_turns(spans, [str(v) if v >= 0 else None for v in labels]))
    for end, start in changes:
        truth = start - end
        for source, found in (("pyannote pauses", pauses), ("pyannote by voice", by_voice)):
            near = [(e, s) for e, s in found if abs(e - end) <= 0.3 and abs(s - start) <= 0.3]
            if near:
                e, s = near[0]
                print(f"{source:28s} {truth:6.2f} {s - e:9.2f} {(s - e) - truth:+7.3f}")
            else:
                print(f"{source:28s} {truth:6.2f} {'missed':>9s}")
    false = [g for g in by_voice if not any(abs(g[0] - e) <= 0.3 for e, _ in changes)]
    print(f"pyannote by voice: {len(by_voice)} speaker changes found, {len(false)} at no reference change "
          f"(reference changes with overlap are not in this table)")


def cost() -> None:
    fixture = qa_dialog()
    samples, _ = read_audio(probe(fixture.path))
    long = np.tile(samples, 10)  # ~6 min of interview
    speech = [Segment(s.start + k * samples.size / AUDIO_RATE, s.end + k * samples.size / AUDIO_RATE)
              for k in range(10) for s in speech_segments(samples)]
    from interview.observations import AudioAnalysis

    audio = AudioAnalysis(long.size / AUDIO_RATE, AUDIO_RATE, tuple(speech), (), None, long)
    media = probe(fixture.path)
    start = time.perf_counter()
    RelayCheck(AnalysisConfig(), SessionInputs()).assess(SessionContext(media, audio, 0))
    seconds = time.perf_counter() - start
    print(f"\n## Cost: RelayCheck.assess on {audio.duration / 60:.1f} min of audio-only interview: "
          f"{seconds:.2f} s ({seconds / audio.duration * 60:.2f} s per minute)")


def main() -> None:
    perceived = {}
    for clip in CLIPS:
        for fps in RATES:
            try:
                perceived[(clip, fps)] = perceive(dev_media(clip), fps)
            except DevMediaMissing as missing:
                print(f"skipped {clip}: {missing}")
    offset_table(perceived)
    mismatch_table(perceived)
    latency_table()
    cost()


if __name__ == "__main__":
    main()
