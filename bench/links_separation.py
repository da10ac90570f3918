"""How well voices and answers separate same from different people on dev-media (the link thresholds).

Voice: every dev clip with speech is one speaker (labels below, from MANIFEST.tsv); the two parties
of pyannote_sample.wav come from its .rttm. Pairs are "same speaker, other recording" (the case
that matters: one operative recorded twice), "same speaker, other half of one recording", and
"different speakers". Answers: the Whisper transcripts of every pair of different dev clips (none
reads the same text) give the highest similarity two unrelated passages reach. Rooms: every
genuine dev video's room against every other's (vr_face3 and the congresswoman's clip are one
source, one room), and three dev people composited into one generated room
(fixtures/room_composite.py), one of them by the same camera, two by a nudged, dimmed one.
Cameras: the sensor-noise pattern of every genuine dev video (frames as the analysis samples them,
no face masks: talking heads sit in the middle, the pattern is read in the corners); "same camera"
is MEAD M003's two clips (one actor, one session), GRID's clips (one corpus camera, MPEG-1 at
360x288) and three dev clips filmed by one synthetic sensor (fixtures/camera_noise.py); "different
cameras" are pairs from different sources, as compared (same size) and as a null (same mosaic size).
MEAD clips of different actors are reported apart (one studio, cameras not documented).

    python -m bench.links_separation
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fixtures.cache import DEV_MEDIA
from interview.links.answers import ANSWER_THRESHOLD, passage_similarity
from interview.links.voice import VOICE_THRESHOLD, voice_embedding
from interview.media import probe, read_audio
from interview.recording import AUDIO_RATE
from models.outputs import Segment

# file -> speaker; files absent here have a speaker found nowhere else in dev-media (or are not speech:
# lp_d3/6/8/9/14/19 and jm_real_1 have none; gc_sample_2 is an impersonator; wg_kim_lip_synced and
# vr_audio1 are voices of unknown origin).
SPEAKERS = {
    "A_talking_head/sp_MEAD_M003_level_1_disgusted_015.mp4": "MEAD M003",
    "A_talking_head/sp_MEAD_M003_level_1_happy_024.mp4": "MEAD M003",
    "A_talking_head/gr_pwij3p.mpg": "GRID s2",
    "A_talking_head/gr_id2_vcd_swwp2s.mpg": "GRID s2",
    "D_presentation_attack/tv_real.mp4": "tv man",
    "D_presentation_attack/tv_fake.mp4": "tv man",
    # the "woman before US flags" of video-retalking's examples is the congresswoman's clip of the
    # same source (their transcripts are identical)
    "A_talking_head/vr_face3.mp4": "A. Ocasio-Cortez",
    "A_talking_head/st_WDA_AlexandriaOcasioCortez_000.mp4": "A. Ocasio-Cortez",
}
SINGLES = (
    "A_talking_head/vr_face2.mp4", "C_deepfake/dfdc_lynaeydofd_real.mp4", "A_talking_head/st_WDA_KatieHill_000.mp4",
    "A_talking_head/st_RD_Radio2_000.mp4", "A_talking_head/st_RD_Radio34_000.mp4",
    "A_talking_head/st_WDA_BobMenendez_000.mp4", "A_talking_head/st_WDA_EdMarkey0_000.mp4",
    "A_talking_head/sp_MEAD_M024_level_2_surprised_010.mp4", "A_talking_head/sp_MEAD_M026_level_3_disgusted_018.mp4",
    "A_talking_head/sp_MEAD_M030_level_3_angry_016.mp4", "A_talking_head/sp_MEAD_W015_level_1_neutral_030.mp4",
    "A_talking_head/sp_MEAD_W023_level_2_surprised_010.mp4", "A_talking_head/sp_MEAD_W036_level_3_happy_007.mp4",
    "A_talking_head/sp_MEAD_W040_level_3_happy_029.mp4", "A_talking_head/gr_bbaf2n.mpg", "A_talking_head/gr_brbk7n.mpg",
    "A_talking_head/gr_lbax4n.mpg", "A_talking_head/gr_lbbc2a.mpg", "A_talking_head/gr_lrwp9a.mpg",
    "A_talking_head/gr_lwbsza.mpg", "A_talking_head/gr_sbia1a.mpg", "A_talking_head/gr_sbwe5n.mpg",
    "A_talking_head/gr_swiz3n.mpg", "A_talking_head/tp_driving.mp4", "A_talking_head/lp_d10.mp4",
    "A_talking_head/lp_d11.mp4", "A_talking_head/lp_d20.mp4", "A_talking_head/3d_obama.mp4",
    "A_talking_head/wg_kim_7s_raw.mp4", "E_speech/whisper_jfk.flac",
)
PYANNOTE = "E_speech/pyannote_sample.wav"
HALVES_FROM_S = 5.0  # recordings with this much speech also give a same-speaker pair of their two halves


@dataclass(frozen=True)
class Voice:
    speaker: str
    recording: str
    part: str  # "all", "first half", "second half"
    embedding: np.ndarray


def _speech(file: str) -> tuple[np.ndarray, list[Segment]]:
    from models.speech import speech_segments

    samples, _ = read_audio(probe(DEV_MEDIA / file))
    return samples, speech_segments(samples)


def _halves(spans: list[Segment]) -> tuple[list[Segment], list[Segment]]:
    total = sum(s.duration for s in spans)
    first, second, seen = [], [], 0.0
    for span in spans:
        middle = span.start + max(0.0, total / 2 - seen)
        if seen + span.duration <= total / 2:
            first.append(span)
        elif seen >= total / 2:
            second.append(span)
        else:
            first.append(Segment(span.start, middle))
            second.append(Segment(middle, span.end))
        seen += span.duration
    return first, second


def _rttm_turns(file: str) -> dict[str, list[Segment]]:
    turns: dict[str, list[Segment]] = {}
    for line in (DEV_MEDIA / file).with_suffix(".rttm").read_text().splitlines():
        fields = line.split()
        start, length = float(fields[3]), float(fields[4])
        turns.setdefault(fields[7], []).append(Segment(start, start + length))
    return turns


def voices() -> list[Voice]:
    found = []
    units = [(f, SPEAKERS.get(f, f), None) for f in (*SPEAKERS, *SINGLES)]
    samples, _ = read_audio(probe(DEV_MEDIA / PYANNOTE))
    units += [(PYANNOTE, f"pyannote {who}", spans) for who, spans in _rttm_turns(PYANNOTE).items()]
    for file, speaker, spans in units:
        audio, vad = (samples, spans) if spans is not None else _speech(file)
        recording = f"{file} {speaker}" if spans is not None else file
        whole = voice_embedding(audio, AUDIO_RATE, vad)
        if whole is None:
            continue
        found.append(Voice(speaker, recording, "all", whole))
        if sum(s.duration for s in vad) >= HALVES_FROM_S:
            for part, half in zip(("first half", "second half"), _halves(vad)):
                found.append(Voice(speaker, recording, part, voice_embedding(audio, AUDIO_RATE, half)))
    return found


def voice_table(found: list[Voice]) -> dict[str, list[tuple[float, str, str]]]:
    """(similarity, recording, recording) per kind of pair."""
    groups: dict[str, list[tuple[float, str, str]]] = {"same speaker, other recording": [], "same speaker, other half": [],
                                      "different speakers": []}
    for a, b in itertools.combinations(found, 2):
        similarity = (float(a.embedding @ b.embedding), f"{a.recording} ({a.part})", f"{b.recording} ({b.part})")
        if a.speaker != b.speaker and a.part == b.part == "all":
            groups["different speakers"].append(similarity)
        elif a.speaker == b.speaker and a.recording != b.recording and a.part == b.part == "all":
            groups["same speaker, other recording"].append(similarity)
        elif a.recording == b.recording and {a.part, b.part} == {"first half", "second half"}:
            groups["same speaker, other half"].append(similarity)
    return groups


def transcripts() -> dict[str, str]:
    from models.speech import shared_recognizer

    texts = {}
    for file in (*SPEAKERS, *SINGLES, PYANNOTE):
        samples, _ = read_audio(probe(DEV_MEDIA / file))
        segments, _ = shared_recognizer("tiny.en").transcribe(samples)
        texts[file] = " ".join(s.text for s in segments)
    return texts


def print_groups(groups: dict[str, list[tuple[float, str, str]]], threshold: float, number: str, shown: int,
                 highest_first: Callable[[str], bool]) -> None:
    """One line per kind of pair (spread and how many link), then its `shown` most telling pairs."""
    for name, pairs in groups.items():
        values = np.array([p[0] for p in pairs])
        linked = int((values >= threshold).sum())
        print(f"  {name:42s} n={values.size:4d}  min {values.min():{number}}  median {np.median(values):{number}}  "
              f"max {values.max():{number}}  linked {linked}/{values.size} ({100 * linked / values.size:.1f}%)")
        worst = sorted(pairs, reverse=highest_first(name))[:shown]
        print("\n".join(f"      {score:{number}}  {a}  {b}" for score, a, b in worst))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voice-only", action="store_true", help="skip the transcripts and rooms")
    parser.add_argument("--room-only", action="store_true", help="only the rooms")
    parser.add_argument("--camera-only", action="store_true", help="only the cameras")
    args = parser.parse_args()
    if args.camera_only:
        camera_table()
        return
    if args.room_only:
        room_table()
        return
    groups = voice_table(voices())
    print(f"voice (resemblyzer GE2E, numpy), link from cosine {VOICE_THRESHOLD}")
    print_groups(groups, VOICE_THRESHOLD, ".3f", 3, lambda name: name == "different speakers")
    if args.voice_only:
        return
    texts = transcripts()
    from interview.links.answers import MIN_SHINGLES, shingles

    pairs = [(a, b) for a, b in itertools.combinations(texts, 2) if SPEAKERS.get(a, a) != SPEAKERS.get(b, b)]
    comparable = [(a, b) for a, b in pairs if min(len(shingles(texts[a])), len(shingles(texts[b]))) >= MIN_SHINGLES]
    scores = sorted(((passage_similarity(texts[a], texts[b]), a, b) for a, b in comparable), reverse=True)
    print(f"answers: {len(pairs)} pairs of dev transcripts by different speakers, {len(comparable)} long enough to "
          f"compare ({MIN_SHINGLES}+ content-word pairs each); linked {sum(s >= ANSWER_THRESHOLD for s, _, _ in scores)} "
          f"(from {ANSWER_THRESHOLD}); highest:")
    for score, a, b in scores[:3]:
        print(f"  {score:.3f}  {a}  {b}")
    room_table()


COMPOSITES = (("A_talking_head/vr_face2.mp4", "as_is"), ("A_talking_head/st_WDA_KatieHill_000.mp4", "nudged"),
              ("C_deepfake/dfdc_lynaeydofd_real.mp4", "nudged"))
SAME_ROOM = {frozenset({"vr_face3.mp4", "st_WDA_AlexandriaOcasioCortez_000.mp4"})}


def room_table() -> None:
    import csv

    from fixtures.room_composite import same_room
    from interview.links.room import ROOM_THRESHOLD, room_matches, room_of

    with open(DEV_MEDIA / "MANIFEST.tsv") as handle:
        videos = [r["local_file"] for r in csv.DictReader(handle, delimiter="\t")
                  if r["kind"] == "video" and r["ground_truth"].startswith(("real", "live"))]
    rooms = {Path(v).name: room_of(str(DEV_MEDIA / v), probe(DEV_MEDIA / v).duration_s or 0.0) for v in videos}
    composites = {f"composite {Path(v).stem} ({c})": room_of(str(p), probe(p).duration_s or 0.0)
                  for v, c in COMPOSITES for p in [same_room(DEV_MEDIA / v, c).path]}
    plain = sorted(name for name, room in rooms.items() if room is None)
    print(f"room (ORB corners agreeing on one camera move), link from {ROOM_THRESHOLD}: {len(rooms)} genuine dev "
          f"videos, {len(plain)} without a corner in their room (plain backdrops, never linked)")
    found = {n: r for n, r in rooms.items() if r is not None}
    other = sorted(((room_matches(found[a], found[b]), a, b) for a, b in itertools.combinations(found, 2)
                    if frozenset({a, b}) not in SAME_ROOM), reverse=True)
    same = [(room_matches(found[a], found[b]), a, b) for a, b in map(sorted, SAME_ROOM)]
    shared = [(room_matches(composites[a], composites[b]), a, b) for a, b in itertools.combinations(composites, 2)]
    for name, pairs in (("same room, other people (composites)", shared), ("same room, one source", same),
                        ("different rooms", other)):
        values = np.array([p[0] for p in pairs])
        linked = int((values >= ROOM_THRESHOLD).sum())
        print(f"  {name:38s} n={values.size:4d}  min {values.min()}  max {values.max()}  linked {linked}/{values.size}")
        print("\n".join(f"      {score}  {a}  {b}" for score, a, b in sorted(pairs, reverse=True)[:2]))
    camera_table()


def _source(file: str) -> str:
    """The dev source a clip comes from (its file-name prefix; a lone clip is its own source)."""
    name = Path(file).name
    return next((p for p in ("gr_", "sp_MEAD", "st_", "lp_", "vr_", "camera ") if name.startswith(p)), name)


def _sensor(path: Path):
    from interview.links.camera import SensorNoise
    from interview.media import FileSource

    sensor = SensorNoise()
    for frame in FileSource(probe(path)).frames():
        sensor.update(frame)
    return sensor


def camera_table() -> None:
    import csv

    from fixtures.camera_noise import through_camera, virtual_camera
    from interview.links.camera import CAMERA_THRESHOLD, camera_similarity, pce, signs
    from interview.links.capture import NOISE_FLOOR

    with open(DEV_MEDIA / "MANIFEST.tsv") as handle:
        videos = [r["local_file"] for r in csv.DictReader(handle, delimiter="\t")
                  if r["kind"] == "video" and r["ground_truth"].startswith(("real", "live"))]
    sensors = {Path(v).name: _sensor(DEV_MEDIA / v) for v in videos}
    noise = sorted((s.noise_level, name) for name, s in sensors.items() if s.noise_level is not None)
    print(f"sensor noise in flat areas (no-noise trace under {NOISE_FLOOR}): genuine dev videos {noise[0][0]} "
          f"({noise[0][1]}) to {noise[-1][0]} ({noise[-1][1]}); a rendered clip at 30 fps: "
          f"{_sensor(virtual_camera().path).noise_level}")
    found = {name: f for name, s in sensors.items() if (f := s.fingerprint()) is not None}  # MIN_FRAMES or more
    for clip in ("A_talking_head/vr_face2.mp4", "A_talking_head/st_WDA_KatieHill_000.mp4", "C_deepfake/dfdc_lynaeydofd_real.mp4"):
        found[f"camera 1: {Path(clip).name}"] = _sensor(through_camera(DEV_MEDIA / clip, 1).path).fingerprint()
    mead_m003 = {n for n in found if n.startswith("sp_MEAD_M003")}
    groups: dict[str, list[tuple[float, str, str]]] = {
        "same camera: MEAD M003's two clips": [], "same camera: GRID": [], "same camera: one synthetic sensor": [],
        "MEAD, different actors (camera unknown)": [], "different cameras, same size (compared)": [],
        "different cameras, any size (null)": []}
    for a, b in itertools.combinations(found, 2):
        fa, fb = found[a], found[b]
        if _source(a) != _source(b):
            if fa["tile"] == fb["tile"]:
                groups["different cameras, any size (null)"].append((pce(signs(fa), signs(fb)), a, b))
            if fa["size"] == fb["size"]:
                groups["different cameras, same size (compared)"].append((camera_similarity(fa, fb), a, b))
            continue
        key = {"gr_": "same camera: GRID", "camera ": "same camera: one synthetic sensor"}.get(_source(a))
        if _source(a) == "sp_MEAD":
            key = "same camera: MEAD M003's two clips" if {a, b} <= mead_m003 else "MEAD, different actors (camera unknown)"
        if key:
            groups[key].append((camera_similarity(fa, fb), a, b))
    print(f"camera (sensor-noise PCE of the corner tiles), link from {CAMERA_THRESHOLD:g}: {len(videos)} genuine dev videos")
    print_groups(groups, CAMERA_THRESHOLD, "8.1f", 2, lambda name: True)
    null = groups["different cameras, any size (null)"]
    print("  leave one source out: the highest different-camera PCE of pairs with each source (threshold set apart "
          "from it: the chi-squared tail of PCE, chance 2e-15 at 60)")
    for source in sorted({_source(n) for n in found}):
        mine = [s for s, a, b in null if source in (_source(a), _source(b))]
        if mine:
            print(f"      {source:40s} pairs {len(mine):4d}  max {max(mine):6.1f}  linked {sum(s >= CAMERA_THRESHOLD for s in mine)}")

if __name__ == "__main__":
    main()
