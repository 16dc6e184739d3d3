"""Frozen feature extractors for the SynTheory probing baselines.

An extractor turns one clip (mono float32 at its `sample_rate`; embeddings.py decodes, resamples and
peak-normalises it) into one float32 vector per layer, pooled over time. Models load lazily on the
first clip, so an extractor is cheap to build and to pickle into worker processes; attributes whose
name starts with `_` hold what was loaded and are not pickled.

| name | what | layers (dims) |
|---|---|---|
| mel, chroma, mfcc | librosa at 22,050 Hz, as the SynTheory paper | one: 768, 72, 120 |
| handcrafted | mel + chroma + mfcc concatenated | one: 960 |
| basic-pitch | basic-pitch 0.4.0's ONNX model, intermediate tensors as extra graph outputs | 7 |
| crepe | torchcrepe 0.0.24 (tiny or full), forward hooks on the six conv blocks + pitch output | 7 |
| musicgen | MusicGen decoder hidden states (index 0 = embeddings), empty text condition | layers + 1 |
"""

import hashlib
import importlib
import importlib.metadata
import importlib.util
import inspect
import json
import sys
import types
import warnings
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from synthsuite.kernel.errors import UserError
from synthsuite.kernel.hashing import sha256_file

PROBES_FIX = "pip install 'synthsuite[probes]'"


def _version(distribution: str) -> str:
    return importlib.metadata.version(distribution)


class Extractor(ABC):
    """One frozen representation. Subclasses set the class variables and implement layers/extract."""

    name: ClassVar[str]
    version: ClassVar[str]  # bump whenever the numbers it produces change
    sample_rate: ClassVar[int]  # audio is resampled to this rate before extract()
    uses_torch: ClassVar[bool] = False  # workers then pin torch to one thread
    requires: ClassVar[tuple[tuple[str, str], ...]] = ()  # (importable module, the fix when it is missing)

    @abstractmethod
    def layers(self) -> list[str]:
        """Layer names in depth order."""

    def identity(self) -> dict[str, str]:
        """Name, version and every option or file that changes the numbers (the cache key)."""
        return {"name": self.name, "version": self.version}

    @abstractmethod
    def extract(self, audio: np.ndarray) -> dict[str, np.ndarray]:
        """Mono float32 at `sample_rate` -> {layer: float32 vector}, pooled over time."""

    def family(self) -> list["Extractor"]:
        """Extractors whose features one pass of `extract_family` yields, this one included.

        embed() fills the cache of every member at once, so e.g. mel, chroma, mfcc and handcrafted
        decode, resample and analyse each clip once between them.
        """
        return [self]

    def extract_family(self, audio: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
        """{member name: its extract(audio)} for every member of `family()`."""
        return {self.name: self.extract(audio)}

    def __getstate__(self) -> dict[str, Any]:
        return {key: (None if key.startswith("_") else value) for key, value in self.__dict__.items()}


def _check_choice(option: str, value: object, choices: tuple[object, ...]) -> None:
    if value not in choices:
        raise UserError(f"unknown {option} {value!r}", f"choose one of: {', '.join(str(c) for c in choices)}")


# ---------------------------------------------------------------------------------------------
# Hand-made features (librosa), as the SynTheory paper


def summarise(features: np.ndarray) -> np.ndarray:
    """bands x frames -> [mean, std, mean of 1st diff, its std, mean of 2nd diff, its std] (6 x bands).

    Differences are plain frame-to-frame differences (np.diff), not librosa's smoothed deltas,
    as the SynTheory code does.
    """
    features = features.astype(np.float64)
    blocks = []
    for order in (0, 1, 2):
        differences = np.diff(features, n=order, axis=1)
        blocks += [differences.mean(axis=1), differences.std(axis=1)]
    return np.concatenate(blocks).astype(np.float32)


HANDMADE_PARTS = ("mel", "chroma", "mfcc")
MEL_UNITS = ("db", "power")


def handmade_parts(audio: np.ndarray, parts: tuple[str, ...], mel_unit: str) -> dict[str, np.ndarray]:
    """The summarised librosa features named in `parts`, each computed once.

    librosa defaults throughout (n_fft 2048, hop 512): 128 mel bands, chroma_cqt (its tuning
    estimated per clip), 20 MFCCs. The MFCCs are taken from the same dB mel-spectrogram, which is
    exactly what `librosa.feature.mfcc(y=...)` computes internally.
    """
    import librosa

    rate = HandmadeExtractor.sample_rate
    out: dict[str, np.ndarray] = {}
    if "mel" in parts or "mfcc" in parts:
        power = librosa.feature.melspectrogram(y=audio, sr=rate)
        decibels = librosa.power_to_db(power)
        if "mel" in parts:
            out["mel"] = summarise(decibels if mel_unit == "db" else power)
        if "mfcc" in parts:
            out["mfcc"] = summarise(librosa.feature.mfcc(S=decibels, sr=rate, n_mfcc=20))
    if "chroma" in parts:
        with warnings.catch_warnings():  # silent clips (flagged is_silent) have no pitch to tune to
            warnings.filterwarnings("ignore", message="Trying to estimate tuning from empty frequency set")
            out["chroma"] = summarise(librosa.feature.chroma_cqt(y=audio, sr=rate))
    return out


class HandmadeExtractor(Extractor):
    """Base of mel, chroma, mfcc and handcrafted: one layer, the concatenation of `parts`.

    `mel_unit="db"` (default) summarises the mel-spectrogram in dB; `"power"` uses the power
    mel-spectrogram as the original SynTheory code did. It changes only `mel` and `handcrafted`.
    """

    version = "1"
    sample_rate = 22050
    requires = (("librosa", PROBES_FIX),)
    parts: ClassVar[tuple[str, ...]]

    def __init__(self, mel_unit: str = "db") -> None:
        _check_choice("mel_unit", mel_unit, MEL_UNITS)
        self.mel_unit = mel_unit

    def layers(self) -> list[str]:
        return [self.name]

    def identity(self) -> dict[str, str]:
        identity = {**super().identity(), "librosa": _version("librosa")}
        if "mel" in self.parts:
            identity["mel_unit"] = self.mel_unit
        return identity

    def extract(self, audio: np.ndarray) -> dict[str, np.ndarray]:
        return self._join(handmade_parts(audio, self.parts, self.mel_unit))

    def family(self) -> list[Extractor]:
        return list(self._members())

    def extract_family(self, audio: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
        parts = handmade_parts(audio, HANDMADE_PARTS, self.mel_unit)
        return {member.name: member._join(parts) for member in self._members()}

    def _members(self) -> list["HandmadeExtractor"]:
        kinds = (MelExtractor, ChromaExtractor, MfccExtractor, HandcraftedExtractor)
        return [kind(self.mel_unit) for kind in kinds]

    def _join(self, parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {self.name: np.concatenate([parts[part] for part in self.parts])}


class MelExtractor(HandmadeExtractor):
    name = "mel"
    parts = ("mel",)


class ChromaExtractor(HandmadeExtractor):
    name = "chroma"
    parts = ("chroma",)


class MfccExtractor(HandmadeExtractor):
    name = "mfcc"
    parts = ("mfcc",)


class HandcraftedExtractor(HandmadeExtractor):
    name = "handcrafted"
    parts = HANDMADE_PARTS


# ---------------------------------------------------------------------------------------------
# basic-pitch (Spotify, ICASSP 2022): its ONNX model with intermediate tensors exposed

_BP_RATE = 22050
_BP_HOP = 256  # samples per output frame
_BP_WINDOW = 2 * _BP_RATE - _BP_HOP  # samples per model input (43,844)
_BP_OVERLAP_FRAMES = 30  # frames shared by consecutive windows; half is cut from each side
_BP_FPS = _BP_RATE // _BP_HOP  # 86 output frames per second
_BP_INPUT = "serving_default_input_2:0"
# layer -> (tensor of the ONNX graph, its time axis). The model has three branches off the
# harmonic-stacked CQT: contour (pitch salience), note (from contour) and onset (from note + CQT).
# Conv tensors are (batch, channels, time, pitch) and are flattened per frame as channels x pitch.
_BP_LAYERS = {
    "cqt": ("model_1/batch_normalization/FusedBatchNormV3;model_1/batch_normalization/FusedBatchNormV33", 1),
    "contour_conv": ("Relu__38:0", 2),
    "contour": ("StatefulPartitionedCall:0", 1),
    "note_conv": ("Relu__42:0", 2),
    "note": ("StatefulPartitionedCall:1", 1),
    "onset_conv": ("Relu__35:0", 2),
    "onset": ("StatefulPartitionedCall:2", 1),
}


def basic_pitch_model_path() -> Path:
    """The ONNX file inside the installed basic-pitch wheel (found without importing basic_pitch,
    whose import probes for TensorFlow, CoreML and TFLite and logs a warning for each)."""
    spec = importlib.util.find_spec("basic_pitch")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(
            "Python module 'basic_pitch' is not installed", "pip install --no-deps basic-pitch==0.4.0"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "saved_models" / "icassp_2022" / "nmp.onnx"


def basic_pitch_windows(audio: np.ndarray) -> np.ndarray:
    """Cut a clip into the model's input windows as basic-pitch's inference does: half an overlap of
    zeros in front, windows of 43,844 samples every 36,164, the last one zero-padded."""
    overlap = _BP_OVERLAP_FRAMES * _BP_HOP
    padded = np.concatenate([np.zeros(overlap // 2, np.float32), audio.astype(np.float32)])
    starts = range(0, len(padded), _BP_WINDOW - overlap)
    windows = np.zeros((len(starts), _BP_WINDOW, 1), np.float32)
    for index, start in enumerate(starts):
        chunk = padded[start : start + _BP_WINDOW]
        windows[index, : len(chunk), 0] = chunk
    return windows


def basic_pitch_unwrap(frames: np.ndarray, n_samples: int) -> np.ndarray:
    """(windows, time, features) -> (time, features): drop half the overlap on each side of every
    window, join the windows and cut to the clip's length, as basic-pitch's `unwrap_output`."""
    half = _BP_OVERLAP_FRAMES // 2
    joined = frames[:, half:-half].reshape(-1, frames.shape[-1])
    return joined[: int(np.floor(n_samples * (_BP_FPS / _BP_RATE)))]


class BasicPitchExtractor(Extractor):
    """basic-pitch's model, probed at the CQT, its three conv layers and its three output heads."""

    name = "basic-pitch"
    version = "1"
    sample_rate = _BP_RATE
    requires = (
        ("onnxruntime", PROBES_FIX),
        ("onnx", "pip install onnx==1.23.2"),
        ("basic_pitch", "pip install --no-deps basic-pitch==0.4.0"),
    )

    def __init__(self) -> None:
        self._session: Any = None

    def layers(self) -> list[str]:
        return list(_BP_LAYERS)

    def identity(self) -> dict[str, str]:
        return {
            **super().identity(),
            "model_sha256": sha256_file(basic_pitch_model_path()),
            "onnxruntime": _version("onnxruntime"),
        }

    def extract(self, audio: np.ndarray) -> dict[str, np.ndarray]:
        session = self._loaded()
        tensors = session.run(
            [tensor for tensor, _ in _BP_LAYERS.values()], {_BP_INPUT: basic_pitch_windows(audio)}
        )
        out = {}
        for (layer, (_, time_axis)), value in zip(_BP_LAYERS.items(), tensors, strict=True):
            frames = np.moveaxis(value, time_axis, 1)
            frames = frames.reshape(frames.shape[0], frames.shape[1], -1)
            out[layer] = (
                basic_pitch_unwrap(frames, len(audio)).mean(axis=0, dtype=np.float64).astype(np.float32)
            )
        return out

    def _loaded(self) -> Any:
        if self._session is None:
            import onnx
            import onnxruntime

            model = onnx.load(basic_pitch_model_path())
            produced = {output for node in model.graph.node for output in node.output}
            missing = [tensor for tensor, _ in _BP_LAYERS.values() if tensor not in produced]
            if missing:
                raise UserError(
                    f"basic-pitch's ONNX graph has no tensor {missing[0]!r} (another basic-pitch version?)",
                    "pip install --no-deps basic-pitch==0.4.0",
                )
            outputs = {output.name for output in model.graph.output}
            for tensor, _ in _BP_LAYERS.values():
                if tensor not in outputs:
                    model.graph.output.append(onnx.helper.make_empty_tensor_value_info(tensor))
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1  # parallelism comes from worker processes
            options.inter_op_num_threads = 1
            self._session = onnxruntime.InferenceSession(
                model.SerializeToString(), options, providers=["CPUExecutionProvider"]
            )
        return self._session


# ---------------------------------------------------------------------------------------------
# CREPE (torchcrepe): six conv blocks and the pitch output


def import_torchcrepe() -> types.ModuleType:
    """Import torchcrepe without torchaudio.

    torchcrepe 0.0.24 imports torchaudio at package import, only for `torchcrepe.load.audio`
    (reading files), which is never called here; torchaudio is not installed because its wheels
    pull a CUDA torch. A placeholder module stands in during the import and is removed afterwards,
    so no other code sees a torchaudio.
    """
    if "torchcrepe" in sys.modules or "torchaudio" in sys.modules:
        return importlib.import_module("torchcrepe")
    placeholder = types.ModuleType("torchaudio")
    sys.modules["torchaudio"] = placeholder
    try:
        return importlib.import_module("torchcrepe")
    finally:
        if sys.modules.get("torchaudio") is placeholder:
            del sys.modules["torchaudio"]


CREPE_CAPACITIES = ("tiny", "full")


class CrepeExtractor(Extractor):
    """CREPE on 1,024-sample frames at 16 kHz every `hop_ms` (torchcrepe's framing: zero-padded
    ends, each frame mean-centred and scaled to unit std).

    Layers conv1..conv6: each conv block's output after its batch norm (before its max-pool),
    averaged over frames and over the positions inside a frame (channels-d). `pitch`: the 360-bin
    pitch activation averaged over frames. CPU cost grows with 1/hop_ms; `full` is ~30x `tiny`.
    """

    name = "crepe"
    version = "1"
    sample_rate = 16000
    uses_torch = True
    requires = (("torch", PROBES_FIX), ("torchcrepe", "pip install --no-deps torchcrepe==0.0.24"))

    def __init__(self, capacity: str = "tiny", hop_ms: int = 10) -> None:
        _check_choice("capacity", capacity, CREPE_CAPACITIES)
        if not isinstance(hop_ms, int) or not 1 <= hop_ms <= 1000:
            raise UserError(
                f"hop_ms must be an integer from 1 to 1000, got {hop_ms!r}", "pass e.g. hop_ms=10"
            )
        self.capacity = capacity
        self.hop_ms = hop_ms
        self._model: Any = None
        self._captured: dict[str, Any] = {}

    def layers(self) -> list[str]:
        return [f"conv{block}" for block in range(1, 7)] + ["pitch"]

    def weights_path(self) -> Path:
        spec = importlib.util.find_spec("torchcrepe")
        if spec is None or not spec.submodule_search_locations:
            raise UserError(
                "Python module 'torchcrepe' is not installed", "pip install --no-deps torchcrepe==0.0.24"
            )
        return Path(next(iter(spec.submodule_search_locations))) / "assets" / f"{self.capacity}.pth"

    def identity(self) -> dict[str, str]:
        return {
            **super().identity(),
            "capacity": self.capacity,
            "hop_ms": str(self.hop_ms),
            "weights_sha256": sha256_file(self.weights_path()),
            "torch": _version("torch"),
        }

    def extract(self, audio: np.ndarray) -> dict[str, np.ndarray]:
        import torch

        torchcrepe = import_torchcrepe()
        model = self._loaded()
        signal = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))[None]
        hop = self.sample_rate * self.hop_ms // 1000
        with torch.inference_mode():
            frames = torch.cat(
                list(torchcrepe.preprocess(signal, self.sample_rate, hop_length=hop, pad=True))
            )
            pitch = model(frames)
        out = {layer: self._captured.pop(layer).mean(dim=(0, 2, 3)).numpy() for layer in self.layers()[:-1]}
        out["pitch"] = pitch.mean(dim=0).numpy()
        return out

    def _loaded(self) -> Any:
        if self._model is None:
            import torch

            torchcrepe = import_torchcrepe()
            model = torchcrepe.Crepe(self.capacity)
            model.load_state_dict(torch.load(self.weights_path(), map_location="cpu", weights_only=True))
            model.eval()
            self._captured = {}
            for block in range(1, 7):
                norm = getattr(model, f"conv{block}_BN")
                norm.register_forward_hook(self._capture(f"conv{block}"))
            self._model = model
        return self._model

    def _capture(self, layer: str) -> Any:
        def hook(_module: Any, _inputs: Any, output: Any) -> None:
            self._captured[layer] = output

        return hook


# ---------------------------------------------------------------------------------------------
# MusicGen (transformers): decoder hidden states

_CHECKPOINT_FILES = ["config.json", "generation_config.json", "*.safetensors", "*.safetensors.index.json"]


def local_checkpoint(model: str) -> Path:
    """A local folder as is; a Hub id through the Hub cache (downloads when online)."""
    if Path(model).is_dir():
        return Path(model)
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(model, allow_patterns=_CHECKPOINT_FILES))
    except Exception as exc:  # offline, unknown repo, network: all mean "not available here"
        raise UserError(
            f"MusicGen checkpoint {model!r} is not a local folder and could not be fetched "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})",
            "pass model=<folder with config.json and *.safetensors>, or download it where the Hub is "
            f"reachable (`hf download {model}`) and point HF_HOME at that cache",
        ) from None


class MusicgenExtractor(Extractor):
    """MusicGen's decoder LM as the SynTheory paper probes it: the clip at 32 kHz is encoded to
    EnCodec codes, which go into the decoder as they are (no delay pattern) with an empty text
    condition; every decoder hidden state (index 0 = embeddings, the last one after the final
    layer norm) is averaged over time.

    The empty text is the single end-of-sequence token the T5 tokenizer gives for "", so no
    tokenizer files are needed. `device` is e.g. "cuda" on a GPU machine.
    """

    name = "musicgen"
    version = "1"
    sample_rate = 32000
    uses_torch = True
    requires = (("torch", PROBES_FIX), ("transformers", PROBES_FIX))

    def __init__(self, model: str = "facebook/musicgen-small", device: str = "cpu") -> None:
        self.model = model
        self.device = device
        self._folder: Path | None = None
        self._weights_sha256: str | None = None
        self._network: Any = None

    def checkpoint(self) -> Path:
        if self._folder is None:
            self._folder = local_checkpoint(self.model)
        return self._folder

    def layers(self) -> list[str]:
        config_path = self.checkpoint() / "config.json"
        try:
            depth = json.loads(config_path.read_text())["decoder"]["num_hidden_layers"]
        except (OSError, ValueError, KeyError, TypeError):
            raise UserError(
                f"{config_path} is not a MusicGen config (no decoder.num_hidden_layers)",
                "pass a MusicgenForConditionalGeneration checkpoint",
            ) from None
        return [f"hidden_{index:02d}" for index in range(depth + 1)]

    def weights_sha256(self) -> str:
        """sha256 over the config and the safetensors files (name and hash of each)."""
        if self._weights_sha256 is None:
            folder = self.checkpoint()
            files = sorted(
                p for p in folder.iterdir() if p.name == "config.json" or p.suffix == ".safetensors"
            )
            if not any(p.suffix == ".safetensors" for p in files):
                raise UserError(
                    f"{folder} holds no *.safetensors weights", "save the model with save_pretrained()"
                )
            listing = "".join(f"{p.name}\t{sha256_file(p)}\n" for p in files)
            self._weights_sha256 = hashlib.sha256(listing.encode()).hexdigest()
        return self._weights_sha256

    def identity(self) -> dict[str, str]:
        return {
            **super().identity(),
            "model": self.model,
            "weights_sha256": self.weights_sha256(),
            "device": self.device.split(":")[0],  # GPU kernels give slightly different floats
            "torch": _version("torch"),
            "transformers": _version("transformers"),
        }

    def extract(self, audio: np.ndarray) -> dict[str, np.ndarray]:
        import torch

        network = self._loaded()
        text = torch.tensor([[network.config.text_encoder.eos_token_id]], device=self.device)
        waveform = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)).to(self.device)[None, None]
        with torch.inference_mode():
            output = network(
                input_ids=text,
                attention_mask=torch.ones_like(text),
                input_values=waveform,
                padding_mask=torch.ones((1, waveform.shape[-1]), dtype=torch.long, device=self.device),
                output_hidden_states=True,
            )
        states = output.decoder_hidden_states
        return {f"hidden_{i:02d}": s[0].mean(dim=0).float().cpu().numpy() for i, s in enumerate(states)}

    def _loaded(self) -> Any:
        if self._network is None:
            import torch
            from transformers import MusicgenForConditionalGeneration

            network = MusicgenForConditionalGeneration.from_pretrained(self.checkpoint(), dtype=torch.float32)
            rate = network.config.audio_encoder.sampling_rate
            if rate != self.sample_rate:
                raise UserError(
                    f"{self.model}'s audio encoder runs at {rate} Hz, not {self.sample_rate} Hz",
                    "use a MusicGen checkpoint (32 kHz EnCodec)",
                )
            if network.config.text_encoder.eos_token_id is None:
                raise UserError(
                    f"{self.model}'s text encoder has no eos_token_id", "use a MusicGen checkpoint"
                )
            self._network = network.to(self.device).eval()
        return self._network


# ---------------------------------------------------------------------------------------------

_EXTRACTORS: dict[str, type[Extractor]] = {
    kind.name: kind
    for kind in (
        MelExtractor,
        ChromaExtractor,
        MfccExtractor,
        HandcraftedExtractor,
        BasicPitchExtractor,
        CrepeExtractor,
        MusicgenExtractor,
    )
}
EXTRACTOR_NAMES: tuple[str, ...] = tuple(_EXTRACTORS)


def get_extractor(name: str, **options: Any) -> Extractor:
    """The extractor called `name`; UserError for an unknown name or option or a missing package."""
    kind = _EXTRACTORS.get(name)
    if kind is None:
        raise UserError(f"unknown extractor {name!r}", f"choose one of: {', '.join(EXTRACTOR_NAMES)}")
    for module, fix in kind.requires:
        if importlib.util.find_spec(module) is None:
            raise UserError(f"extractor {name!r} needs the Python module {module!r}", fix)
    parameters = inspect.signature(kind).parameters
    unknown = sorted(set(options) - set(parameters))
    if unknown:
        accepted = ", ".join(parameters) or "none"
        raise UserError(f"extractor {name!r} has no option {unknown[0]!r}", f"its options are: {accepted}")
    return kind(**options)
