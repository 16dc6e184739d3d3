"""A user's audio model on the SynTheory tasks, probed exactly as the built-in extractors are.

`ModelExtractor` wraps any `AudioEmbedder` (evaluation/syntheory/models.py) as an `Extractor`, so the
paper's protocol in run.py runs on it unchanged: the same decoding, resampling and peak
normalisation, the same time pooling, the same probe per layer, the same layer selection on
validation and the same scoring. `AudioEmbeddingRunner` is the runner the SynTheory record names
(`models={"audio-embedding": ...}`), which `synthsuite.evaluate` and `synthsuite evaluate
--model-class` use.
"""

import re
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from synthsuite.baselines.syntheory import run as probing
from synthsuite.baselines.syntheory.features import Extractor
from synthsuite.baselines.syntheory.probe import probe_settings
from synthsuite.evaluation.models import ModelRunner, RunnerSettings
from synthsuite.evaluation.results import ModelInfo, Result
from synthsuite.evaluation.syntheory.models import AudioEmbedder
from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.errors import UserError

RATES = (1_000, 384_000)  # sample rates accepted, Hz
FIX = "see docs/evaluate-your-model.md (the AudioEmbedder protocol)"


class ModelExtractor(Extractor):
    """An `AudioEmbedder` as an extractor. Its identity (the cache key, when caching) is the model's
    name, revision and class: change the revision whenever the weights change."""

    version = "model-1"

    def __init__(self, model: Any, identity: ModelInfo) -> None:
        rate = getattr(model, "sample_rate", None)
        if not isinstance(rate, int) or isinstance(rate, bool) or not RATES[0] <= rate <= RATES[1]:
            raise UserError(
                f"{identity.name}: sample_rate must be a whole number of Hz in {RATES[0]}..{RATES[1]}, "
                f"got {rate!r}",
                FIX,
            )
        self.model = model  # pickled into worker processes when workers > 1
        self.info = identity
        self.name = re.sub(r"[^A-Za-z0-9._-]+", "-", identity.name).strip("-.") or "model"
        self.sample_rate = rate
        self.uses_torch = "torch" in sys.modules  # then probed on one thread, as the built-in models
        self.known_layers: list[str] | None = None
        self.dims: dict[str, int] = {}

    def identity(self) -> dict[str, str]:
        kind = type(self.model)
        return {
            "name": self.name,
            "version": self.version,
            "model": self.info.name,
            "revision": self.info.revision,
            "class": f"{kind.__module__}.{kind.__qualname__}",
            "sample_rate": str(self.sample_rate),
        }

    def layers(self) -> list[str]:
        """The model's `layers` (a list, or a method giving one), else the layers of one call on a
        second of silence."""
        if self.known_layers is None:
            declared = getattr(self.model, "layers", None)
            if callable(declared):
                declared = declared()
            if declared is None:
                declared = list(self._call(np.zeros(self.sample_rate, np.float32)))
            names = [str(layer) for layer in declared]
            if not names or len(set(names)) != len(names) or any(not n or "/" in n for n in names):
                raise UserError(
                    f"{self.info.name}: layers must be distinct non-empty names without '/', got {names[:5]}",
                    FIX,
                )
            self.known_layers = names
        return self.known_layers

    def extract(self, audio: np.ndarray) -> dict[str, np.ndarray]:
        outputs = self._call(audio)
        layers = self.layers()
        if sorted(outputs) != sorted(layers):
            raise UserError(
                f"{self.info.name}: embed() gave layers {sorted(outputs)[:5]}, expected {layers[:5]}",
                "return the same layers for every clip",
            )
        return {layer: self._pooled(layer, outputs[layer]) for layer in layers}

    def _call(self, audio: np.ndarray) -> dict[str, Any]:
        outputs = self.model.embed(audio)
        if not hasattr(outputs, "items"):
            raise UserError(
                f"{self.info.name}: embed() returned {type(outputs).__name__}, not {{layer: array}}",
                FIX,
            )
        return {str(layer): value for layer, value in outputs.items()}

    def _pooled(self, layer: str, value: Any) -> np.ndarray:
        """One float32 vector: a (frames, dim) array is averaged over frames."""
        if hasattr(value, "detach"):  # a torch tensor
            value = value.detach().cpu().numpy()
        array = np.asarray(value, dtype=np.float64)
        if array.ndim == 2:
            array = array.mean(axis=0)
        if array.ndim != 1 or array.size == 0:
            raise UserError(
                f"{self.info.name}: layer {layer!r} has shape {np.shape(value)}, not (dim,) or (frames, dim)",
                FIX,
            )
        if not np.all(np.isfinite(array)):
            raise UserError(f"{self.info.name}: layer {layer!r} holds NaN or infinite values", FIX)
        if self.dims.setdefault(layer, array.size) != array.size:
            raise UserError(
                f"{self.info.name}: layer {layer!r} has {array.size} values, {self.dims[layer]} on an "
                "earlier clip",
                "give every clip vectors of the same size",
            )
        return array.astype(np.float32)


class ProbeSettings(RunnerSettings):
    probe: Literal["mlp", "linear"] = "mlp"  # the paper's MLP, or the fast linear probe
    seed: int = Field(0, ge=0)  # the probe's seed
    workers: int = Field(1, ge=1)  # extraction processes; > 1 needs a model that pickles
    cache: bool = False  # keep the embeddings under $SYNTHSUITE_CACHE, keyed by name and revision


class AudioEmbeddingRunner(ModelRunner):
    """The SynTheory protocol on a user's audio model: probes on every layer, best on validation."""

    name = "audio-embedding"
    protocol = AudioEmbedder
    settings = ProbeSettings

    def accepts(self, task: TaskMetadata) -> bool:
        return task.suite == "syntheory"

    def check(self, task: TaskMetadata, model: Any, settings: ProbeSettings) -> None:
        """One call on a second of silence (the datasets hold silent clips too): layers, shapes, values."""
        name = getattr(model, "name", None) or type(model).__name__
        extractor = ModelExtractor(model, ModelInfo(name=str(name)[:200], revision="-"))
        extractor.extract(np.zeros(extractor.sample_rate, np.float32))

    def run(
        self,
        task: TaskMetadata,
        model: Any,
        *,
        identity: ModelInfo,
        dataset: str | Path | None,
        out: Path,
        settings: ProbeSettings,
        progress: bool,
    ) -> Result:
        extractor = ModelExtractor(model, identity)
        details = {**identity.details, "features.layers": ",".join(extractor.layers())}
        keep = nullcontext(None) if settings.cache else tempfile.TemporaryDirectory(prefix="synthsuite-")
        with keep as scratch:
            return probing.run(
                task,
                extractor,
                probe_settings(settings.probe, settings.seed),
                out=out,
                dataset=str(dataset) if dataset is not None else None,
                workers=settings.workers,
                cache_root=Path(scratch) if scratch else None,
                progress=progress,
                model=identity.model_copy(update={"details": details}),
            )
