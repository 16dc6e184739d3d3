"""The `fourier-forecast` baseline, top to bottom: train a Chronos-style T5 forecaster with a linear
or a Fourier vocabulary head on kernel-synth + tsmixup, then forecast the zero-shot tasks.

Chronos's training recipe (its `scripts/training/train.py`), at a budget a CPU can pay:

1. Corpora: tsmixup with probability 0.9, kernel-synth with 0.1 (the paper's mixture). A series is
   kept if it has at least min_past + prediction_length values (60 + 24 here; Chronos 60 + 64).
2. A training window: a series of the drawn corpus uniformly, a forecast start t uniformly in
   [min_past, len - prediction_length]; the context is the (up to) context_length values before t,
   left-padded with NaN (masked), the label the prediction_length values from t.
3. Tokens: the context is mean-scaled and binned (tokenizer.py), an EOS token appended; the label is
   binned with the context's scale, then EOS; label tokens of NaN values are ignored (-100).
4. Loss: cross-entropy of the head's output (for a Fourier head, on log(y + 1e-5), as the paper), plus
   the Fourier head's regularisation penalty; AdamW, lr 1e-3 decaying linearly to 0, no warm-up,
   gradients clipped at norm 1, dropout 0.1.
5. Forecasts: 20 sample paths per series by ancestral sampling (temperature 1, top-k 50, top-p 1,
   EOS forbidden until the horizon), decoded back to values; the distribution of every step of the
   first path (softmax of the head's output over the 4,096 tokens) is kept for smoothness, as the
   paper measured it.

Every head gets the same budget (steps x batch of windows, drawn in the same order for a given seed)
and the same model body (the same draws from torch's generator for a given seed).
"""

import hashlib
import io
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import GenerationConfig, T5ForConditionalGeneration

from synthsuite.baselines.timeseries.model import Head, build_model, head_penalty, parameter_count
from synthsuite.baselines.timeseries.tokenizer import (
    EOS_TOKEN_ID,
    PAD_TOKEN_ID,
    MeanScaleUniformBins,
    chronos_config,
    make_tokenizer,
)
from synthsuite.datasets_src.access import open_dataset
from synthsuite.evaluation.evaluator import evaluate_predictions
from synthsuite.evaluation.results import ModelInfo, Result, combine_seeds
from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.evaluation.timeseries.scoring import write_forecasts
from synthsuite.kernel.atomic import atomic_write_text
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.seeding import derive_seed

CORPORA = ("tsmixup", "kernel-synth")


@dataclass(frozen=True)
class TrainSettings:
    size: str = "cpu"  # model.SIZES
    binning: str = "mixed"  # the paper's; or "uniform" (Chronos's)
    context_length: int = 128  # Chronos: 512
    prediction_length: int = 24  # Chronos: 64; the longest horizon of the tasks
    min_past: int = 60
    batch_size: int = 16  # Chronos: 256 (32 x 8 GPUs)
    steps: int = 600  # Chronos: 200,000
    learning_rate: float = 1e-3
    max_grad_norm: float = 1.0
    tsmixup_probability: float = 0.9
    num_samples: int = 20
    top_k: int = 50
    eval_series_per_batch: int = 8
    threads: int = 1


# ---------------------------------------------------------------------------------------- data


def load_corpus(dataset: str | Path, min_length: int) -> list[np.ndarray]:
    """Every series of a training corpus with at least `min_length` values, as float32 arrays."""
    source = open_dataset(dataset, configs=["default"])
    column = source.read("default", "train", ["target"]).column("target")
    return [s for s in (np.asarray(v, dtype=np.float32) for v in column.to_pylist()) if len(s) >= min_length]


def training_windows(
    rng: np.random.Generator, corpora: list[list[np.ndarray]], settings: TrainSettings
) -> tuple[torch.Tensor, torch.Tensor]:
    """(contexts, labels): a batch of windows, contexts left-padded with NaN to context_length."""
    probabilities = [settings.tsmixup_probability, 1 - settings.tsmixup_probability]
    contexts = np.full((settings.batch_size, settings.context_length), np.nan, dtype=np.float32)
    labels = np.empty((settings.batch_size, settings.prediction_length), dtype=np.float32)
    for row in range(settings.batch_size):
        corpus = corpora[rng.choice(len(corpora), p=probabilities)]
        series = corpus[rng.integers(len(corpus))]
        start = int(rng.integers(settings.min_past, len(series) - settings.prediction_length + 1))
        context = series[max(0, start - settings.context_length) : start]
        contexts[row, settings.context_length - len(context) :] = context
        labels[row] = series[start : start + settings.prediction_length]
    return torch.from_numpy(contexts), torch.from_numpy(labels)


def tokenize(
    tokenizer: MeanScaleUniformBins, contexts: torch.Tensor, labels: torch.Tensor
) -> dict[str, torch.Tensor]:
    input_ids, attention_mask, scale = tokenizer.context_input_transform(contexts)
    label_ids, label_mask = tokenizer.label_input_transform(labels, scale)
    label_ids[~label_mask] = -100
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": label_ids}


# ------------------------------------------------------------------------------------- training


def train(
    model: T5ForConditionalGeneration,
    tokenizer: MeanScaleUniformBins,
    corpora: list[list[np.ndarray]],
    settings: TrainSettings,
    seed: int,
    progress: bool,
) -> dict[str, Any]:
    """Train in place; the loss curve and throughput."""
    rng = np.random.default_rng(derive_seed("fourier-forecast", "windows", seed))
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / settings.steps)
    model.train()
    curve, window, tokens = [], [], 0
    load_before, started = os.getloadavg()[0], time.perf_counter()
    bar = tqdm(range(settings.steps), desc="training", unit="step", disable=not progress)
    for step in bar:
        batch = tokenize(tokenizer, *training_windows(rng, corpora, settings))
        loss = model(**batch).loss + head_penalty(model)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), settings.max_grad_norm)
        optimizer.step()
        schedule.step()
        tokens += batch["input_ids"].numel() + batch["labels"].numel()
        window.append(loss.item())
        if (step + 1) % 25 == 0:
            curve.append({"step": step + 1, "loss": float(np.mean(window))})
            bar.set_postfix(loss=f"{curve[-1]['loss']:.3f}")
            window = []
    seconds = time.perf_counter() - started
    return {
        "curve": curve,
        "train_seconds": seconds,
        "tokens": tokens,
        "tokens_per_second": tokens / seconds,
        "load_average": [load_before, os.getloadavg()[0]],
    }


# ------------------------------------------------------------------------------------ forecasting


@torch.no_grad()
def forecast(
    model: T5ForConditionalGeneration,
    tokenizer: MeanScaleUniformBins,
    contexts: list[np.ndarray],
    horizon: int,
    settings: TrainSettings,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(samples (series, S, horizon), step distributions of the first path (series, horizon, 4096))."""
    model.eval()
    padded = np.full((len(contexts), settings.context_length), np.nan, dtype=np.float32)
    for row, context in enumerate(contexts):
        tail = context[-settings.context_length :]
        padded[row, settings.context_length - len(tail) :] = tail
    input_ids, attention_mask, scale = tokenizer.context_input_transform(torch.from_numpy(padded))
    config = GenerationConfig(
        min_new_tokens=horizon,
        max_new_tokens=horizon,
        do_sample=True,
        num_return_sequences=settings.num_samples,
        eos_token_id=EOS_TOKEN_ID,
        pad_token_id=PAD_TOKEN_ID,
        decoder_start_token_id=PAD_TOKEN_ID,
        temperature=1.0,
        top_k=settings.top_k,
        top_p=1.0,
        output_logits=True,
        return_dict_in_generate=True,
    )
    torch.manual_seed(seed)
    output = model.generate(input_ids=input_ids, attention_mask=attention_mask, generation_config=config)
    tokens = output.sequences[:, 1:].reshape(len(contexts), settings.num_samples, horizon)
    samples = tokenizer.output_transform(tokens, scale).numpy()
    first_path = torch.stack(output.logits, dim=1)[:: settings.num_samples]  # (series, horizon, vocab)
    return samples, first_path.float().softmax(-1).numpy()


def forecast_task(
    model: T5ForConditionalGeneration,
    tokenizer: MeanScaleUniformBins,
    task: TaskMetadata,
    zero_shot: str | Path,
    settings: TrainSettings,
    seed: int,
) -> tuple[list[str], list[np.ndarray], list[np.ndarray]]:
    """Forecast every series of the task's split: ids, samples (S, H) and step distributions (H, 4096)."""
    source = open_dataset(zero_shot, configs=[task.dataset.config])
    rows = source.read(task.dataset.config, task.eval_split, ["sample_id", "horizon", "context"]).to_pylist()
    ids, samples, pmfs = [], [], []
    by_horizon: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_horizon.setdefault(row["horizon"], []).append(row)
    for horizon, group in sorted(by_horizon.items()):
        for first in range(0, len(group), settings.eval_series_per_batch):
            chunk = group[first : first + settings.eval_series_per_batch]
            contexts = [np.asarray(r["context"], dtype=np.float32) for r in chunk]
            batch_seed = derive_seed("fourier-forecast", task.name, chunk[0]["sample_id"], seed)
            chunk_samples, chunk_pmfs = forecast(model, tokenizer, contexts, horizon, settings, batch_seed)
            ids.extend(r["sample_id"] for r in chunk)
            samples.extend(chunk_samples)
            pmfs.extend(chunk_pmfs)
    return ids, samples, pmfs


# ------------------------------------------------------------------------------------------ a run


def weights_sha256(model: torch.nn.Module) -> str:
    buffer = io.BytesIO()
    torch.save({k: v.contiguous() for k, v in sorted(model.state_dict().items())}, buffer)
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def run(
    head: Head,
    seed: int,
    settings: TrainSettings,
    tasks: list[TaskMetadata],
    *,
    kernel_synth: str | Path,
    tsmixup: str | Path,
    zero_shot: str | Path,
    out: Path,
    progress: bool = True,
) -> list[Result]:
    """Train one model (head, seed), forecast every task, score and write everything under `out`."""
    torch.set_num_threads(settings.threads)
    tokenizer = make_tokenizer(
        settings.binning, chronos_config(settings.context_length, settings.prediction_length)
    )
    min_length = settings.min_past + settings.prediction_length
    corpora = [load_corpus(tsmixup, min_length), load_corpus(kernel_synth, min_length)]
    torch.manual_seed(seed)
    model = build_model(settings.size, head)
    log = train(model, tokenizer, corpora, settings, seed, progress)
    info = ModelInfo(
        name=f"chronos-t5-{settings.size}-{head.name}",
        revision=weights_sha256(model),
        details={"head": head.name, "seed": str(seed), "parameters": str(parameter_count(model))},
    )
    results = []
    for task in tasks:
        started = time.perf_counter()
        ids, samples, pmfs = forecast_task(model, tokenizer, task, zero_shot, settings, seed)
        folder = out / task.name / head.name
        path = folder / f"seed-{seed}.parquet"
        write_forecasts(path, task, ids, samples, pmfs, info.model_dump())
        result = evaluate_predictions(task, path, dataset=zero_shot, model=info, seeds=[seed])
        result = result.model_copy(
            update={
                "settings": {
                    **result.settings,
                    **asdict(settings),
                    "forecast_seconds": time.perf_counter() - started,
                    "train_seconds": log["train_seconds"],
                    "tokens_per_second": log["tokens_per_second"],
                    "parameters": parameter_count(model),
                }
            }
        )
        result.write(folder / f"seed-{seed}.results.json")
        results.append(result)
    log_path = out / "fourier-forecast" / head.name / f"seed-{seed}.training.json"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(
        log_path,
        json.dumps({**log, "settings": asdict(settings), "parameters": parameter_count(model)}, indent=1),
    )
    return results


# --------------------------------------------------------------------------------- settings, seeds



def make_settings(**overrides: Any) -> TrainSettings:
    """TrainSettings with `--set` overrides, each checked (one line naming the bad one)."""
    from synthsuite.baselines.timeseries.model import SIZES
    from synthsuite.baselines.timeseries.tokenizer import BINNINGS

    defaults = asdict(TrainSettings())
    for key, value in overrides.items():
        if key not in defaults:
            raise UserError(f"unknown setting {key!r}", f"choose from {', '.join(defaults)}")
        expected = type(defaults[key])
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or isinstance(value, bool):
            raise UserError(
                f"setting {key}={value!r} is not a {expected.__name__}", f"e.g. {key}={defaults[key]}"
            )
        overrides[key] = value
    settings = TrainSettings(**{**defaults, **overrides})
    problems = [
        (settings.size not in SIZES, f"size must be one of {', '.join(SIZES)}"),
        (settings.binning not in BINNINGS, f"binning must be one of {', '.join(BINNINGS)}"),
        (not 1 <= settings.prediction_length <= 256, "prediction_length must be 1..256"),
        (settings.context_length < 1, "context_length must be at least 1"),
        (settings.min_past < 1, "min_past must be at least 1"),
        (settings.batch_size < 1 or settings.steps < 1, "batch_size and steps must be at least 1"),
        (
            not settings.learning_rate > 0 or not settings.max_grad_norm > 0,
            "learning_rate, max_grad_norm > 0",
        ),
        (not 0 <= settings.tsmixup_probability <= 1, "tsmixup_probability must be in [0, 1]"),
        (not 1 <= settings.num_samples <= 1000, "num_samples must be 1..1000"),
        (
            settings.top_k < 1 or settings.eval_series_per_batch < 1 or settings.threads < 1,
            "top_k, eval_series_per_batch and threads must be at least 1",
        ),
    ]
    for bad, why in problems:
        if bad:
            raise UserError(f"invalid settings: {why}", "fix the --set value")
    return settings


def aggregate(task: TaskMetadata, results: list[Result], out: Path) -> Result:
    """One result over the seeds of one (task, head) (`results.combine_seeds`: mean scores; per-seed
    values, standard deviation and 95% t half-width in `settings`), written to
    OUT/<task>/<head>/results.json."""
    combined = combine_seeds(task, results, ("forecast_seconds", "train_seconds", "tokens_per_second"))
    combined.write(out / task.name / results[0].model.details["head"] / "results.json")
    return combined
