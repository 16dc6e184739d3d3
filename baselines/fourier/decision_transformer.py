"""A Decision Transformer with a linear or a Fourier action head, trained offline on minatar-replay.

The Decision Transformer (Chen et al., NeurIPS 2021) reads an episode as tokens (return-to-go, state,
action) per step and predicts each action from the tokens up to its state: behaviour cloning
conditioned on the return still to come. At play time it is asked for a high return (here the best
episode return in its data) and the return-to-go falls by each reward received. Gillman et al.
(ICLR 2025) replaced the linear layer that maps the last hidden state to action logits with a
Fourier head over the actions in bin order (datasets_src/fourier/minatar/games.py), so that related actions
get related probabilities; this file runs both heads on the same data, model and seeds.

Read top to bottom: settings, the data (a replay folder -> arrays), the model (minGPT-style blocks),
batches of context windows, the training loop, the agent that plays, and one full run (train, play,
score, write the results).
"""

import hashlib
import json
import math
import re
import time
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import torch
import torch.nn.functional as F
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from torch import Tensor, nn

from synthsuite.baselines.fourier.head import FourierHead
from synthsuite.datasets_src.access import DatasetSource, open_dataset
from synthsuite.datasets_src.executors import one_torch_thread
from synthsuite.datasets_src.fourier.minatar.games import Game, get_game
from synthsuite.evaluation.fourier.minatar.evaluator import Episodes, evaluate_policy, normalized_return, play
from synthsuite.evaluation.results import ModelInfo, Result, combine_seeds
from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.atomic import atomic_write_text
from synthsuite.kernel.errors import UserError

PAPER_GAMMA = 1e-6  # the Fourier head paper's regularisation weight in its Atari runs
IGNORE = -100  # target of padded positions


# --- settings --------------------------------------------------------------------------------------


class DTConfig(BaseModel):
    """Model and training settings. The defaults are sized for a CPU (the paper: 6 layers, 8 heads,
    128 dimensions, context 30, batch 128, 5 epochs of 500,000 steps on a GPU)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n_layer: int = Field(2, ge=1)
    n_head: int = Field(4, ge=1)
    n_embd: int = Field(64, ge=1)
    context: int = Field(20, ge=1, description="steps per window; 3 tokens each")
    dropout: float = Field(0.1, ge=0.0, lt=1.0)
    batch_size: int = Field(64, ge=1)
    steps: int = Field(3_000, ge=1, description="gradient steps")
    learning_rate: float = Field(6e-4, gt=0.0)
    weight_decay: float = Field(0.1, ge=0.0)
    warmup_steps: int = Field(200, ge=0)
    grad_clip: float = Field(1.0, gt=0.0)
    eval_every: int = Field(500, ge=0, description="steps between learning-curve points; 0: none")
    eval_episodes: int = Field(20, ge=1, description="episodes per learning-curve point")
    episodes: int = Field(100, ge=1, description="episodes of the final evaluation")

    @model_validator(mode="after")
    def _heads_divide(self) -> "DTConfig":
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd ({self.n_embd}) must be a multiple of n_head ({self.n_head})")
        return self


def make_config(**settings: Any) -> DTConfig:
    """A `DTConfig`, or one UserError line naming the first bad setting."""
    try:
        return DTConfig(**settings)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "settings"
        raise UserError(
            f"invalid Decision Transformer setting {where!r}: {error['msg']}", "fix the value"
        ) from None


@dataclass(frozen=True)
class HeadSpec:
    """`linear`, `fourier` (N = actions − 1), `fourier-N`, or `fourier-N-gammaG` (default γ = 1e-6)."""

    name: str
    num_frequencies: int | None = None  # None: linear
    gamma: float = 0.0

    @classmethod
    def parse(cls, text: str, num_actions: int) -> "HeadSpec":
        if text == "linear":
            return cls("linear")
        match = re.fullmatch(r"fourier(?:-(\d+))?(?:-gamma([0-9.eE+-]+))?", text)
        if match is None:
            raise UserError(f"unknown head {text!r}", "use linear, fourier, fourier-N or fourier-N-gammaG")
        frequencies = int(match[1]) if match[1] else num_actions - 1
        try:
            gamma = float(match[2]) if match[2] else PAPER_GAMMA
        except ValueError:
            raise UserError(
                f"head {text!r}: {match[2]!r} is not a number", "write e.g. fourier-4-gamma1e-6"
            ) from None
        if frequencies < 1 or gamma < 0:
            raise UserError(f"head {text!r}: N must be >= 1 and gamma >= 0", "e.g. fourier-4-gamma1e-6")
        return cls(text, frequencies, gamma)


# --- the data --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replay:
    """One game's log as arrays in step order, without the run's unfinished last episode."""

    game: Game
    frames: np.ndarray  # (T, *frame)
    actions: np.ndarray  # (T,) int64, bin order
    returns_to_go: np.ndarray  # (T,) float32
    episode_ids: np.ndarray  # (T,)
    episode_steps: np.ndarray  # (T,)
    segment_starts: np.ndarray  # (T,) the first index of each step's stretch of one episode without gaps

    @property
    def best_return(self) -> float:
        """The highest return of an episode that starts in the data: the return the agent is asked for."""
        starts = self.episode_steps == 0
        return float(self.returns_to_go[starts].max()) if starts.any() else float(self.returns_to_go.max())


def load_replay(dataset: str | Path, game_name: str) -> tuple[Replay, DatasetSource]:
    """The `train` split of one game from a minatar-replay folder (or ORG/NAME in the local hub)."""
    source = open_dataset(dataset, configs=[game_name])
    if source.manifest.get("dataset") != "minatar-replay":
        raise UserError(
            f"{source.folder} holds {source.manifest.get('dataset')!r}, not minatar-replay",
            "pass a minatar-replay folder",
        )
    if game_name not in source.manifest["configs"]:
        raise UserError(
            f"{source.folder} has no config {game_name!r}",
            f"generate it: synthsuite generate minatar-replay --config {game_name}",
        )
    game = get_game(game_name, source.manifest["options"].get("emulator", "minatar"))
    columns = [
        "first_step",
        "observation",
        "action",
        "terminal",
        "truncated",
        "episode_id",
        "episode_step",
        "return_to_go",
    ]
    table = source.read(game_name, "train", columns).sort_by("first_step")
    native_actions = _flat(table.column("action")).astype(np.int64)
    first = table.column("first_step").to_numpy()
    lengths = np.diff(_offsets(table.column("action")))
    step_index = np.concatenate([np.arange(n) + f for f, n in zip(first, lengths, strict=True)])
    frames = _flat(table.column("observation"), levels=2).reshape(
        len(native_actions), *game.observation_shape
    )
    episode_ids = _flat(table.column("episode_id"))
    ends = _flat(table.column("terminal")) | _flat(table.column("truncated"))
    keep = np.ones(len(native_actions), dtype=bool)
    if not ends[-1]:  # the run's last episode is unfinished: its returns-to-go are not what it would earn
        keep &= episode_ids != episode_ids[-1]
    if not keep.any():
        raise UserError(
            f"the {game_name} replay in {source.folder} holds no finished episode",
            "generate a larger profile",
        )
    ordered = game.order(native_actions)
    if np.any(ordered < 0):
        raise UserError(
            f"the {game_name} replay holds actions outside the game's action set", "regenerate it"
        )
    episode_ids, index = episode_ids[keep], step_index[keep]
    new_segment = np.ones(len(index), dtype=bool)
    new_segment[1:] = (episode_ids[1:] != episode_ids[:-1]) | (index[1:] != index[:-1] + 1)
    starts = np.flatnonzero(new_segment)
    replay = Replay(
        game=game,
        frames=frames[keep],
        actions=ordered[keep],
        returns_to_go=_flat(table.column("return_to_go"))[keep],
        episode_ids=episode_ids,
        episode_steps=_flat(table.column("episode_step")).astype(np.int64)[keep],
        segment_starts=starts[np.cumsum(new_segment) - 1],
    )
    return replay, source


def _flat(column: pa.ChunkedArray, levels: int = 1) -> np.ndarray:
    """The values of a list column (rows concatenated); `levels` = 2 for the Array2D frames."""
    array = column.combine_chunks()
    if isinstance(array, pa.ExtensionArray):
        array = array.storage
    for _ in range(levels):
        array = array.flatten()
    return array.to_numpy(zero_copy_only=False)


def _offsets(column: pa.ChunkedArray) -> np.ndarray:
    return column.combine_chunks().offsets.to_numpy()


# --- the model -------------------------------------------------------------------------------------


class CausalSelfAttention(nn.Module):
    def __init__(self, config: DTConfig) -> None:
        super().__init__()
        self.n_head, self.dropout = config.n_head, config.dropout
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd)
        self.proj = nn.Linear(config.n_embd, config.n_embd)
        self.resid_drop = nn.Dropout(config.dropout)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        batch, tokens, width = x.shape
        q, k, v = (
            t.view(batch, tokens, self.n_head, width // self.n_head).transpose(1, 2)
            for t in self.qkv(x).split(width, dim=-1)
        )
        dropout = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout)
        return self.resid_drop(self.proj(y.transpose(1, 2).reshape(batch, tokens, width)))


class Block(nn.Module):
    def __init__(self, config: DTConfig) -> None:
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(config.n_embd), nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.mlp = nn.Sequential(
            nn.Linear(config.n_embd, 4 * config.n_embd),
            nn.GELU(),
            nn.Linear(4 * config.n_embd, config.n_embd),
            nn.Dropout(config.dropout),
        )

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        x = x + self.attn(self.ln1(x), mask)
        return x + self.mlp(self.ln2(x))


def state_encoder(game: Game, width: int) -> nn.Module:
    """MinAtar: one 3x3 convolution, as its DQN. Atari: the Nature DQN stem, as the DT paper."""
    channels, height, columns = game.agent_input_shape
    if game.emulator == "minatar":
        layers = [nn.Conv2d(channels, 16, 3), nn.ReLU(), nn.Flatten()]
    else:
        layers = [
            nn.Conv2d(channels, 32, 8, stride=4), nn.ReLU(), nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(),
            nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
        ]  # fmt: skip
    flat = nn.Sequential(*layers)(torch.zeros(1, channels, height, columns)).shape[-1]
    return nn.Sequential(*layers, nn.Linear(flat, width), nn.Tanh())


class DecisionTransformer(nn.Module):
    """Tokens (R_t, s_t, a_t) per step; the output at s_t's token is the distribution of a_t.

    Position = a learnt embedding of the step within the episode (shared by its three tokens) plus one of
    the token's place in the window, as the DT's Atari model. Returns-to-go enter divided by `return_scale`.
    """

    def __init__(
        self, config: DTConfig, game: Game, head: HeadSpec, max_timestep: int, return_scale: float
    ) -> None:
        super().__init__()
        width, actions = config.n_embd, game.num_actions
        self.config, self.game, self.head_spec = config, game, head
        self.max_timestep, self.return_scale = max_timestep, return_scale
        self.state_embedding = state_encoder(game, width)
        self.return_embedding = nn.Sequential(nn.Linear(1, width), nn.Tanh())
        self.action_embedding = nn.Sequential(nn.Embedding(actions, width), nn.Tanh())
        self.timestep_embedding = nn.Embedding(max_timestep + 1, width)
        self.token_position = nn.Parameter(torch.zeros(1, 3 * config.context, width))
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(width)
        self.apply(_init_weights)
        if head.num_frequencies is None:
            self.head: nn.Module = nn.Linear(width, actions, bias=False)
            nn.init.normal_(self.head.weight, std=0.02)
        else:
            with warnings.catch_warnings():
                # N >= actions/2 aliases at the bin centres, but the density's non-negativity still limits
                # how peaked it can be below N = actions - 1: with 3 actions and N = 1 no action can get
                # more than 2/3 of the mass. So the small action sets of MinAtar need N near actions - 1.
                warnings.filterwarnings("ignore", message="FourierHead: num_frequencies")
                self.head = FourierHead(width, actions, head.num_frequencies, head.gamma)

    def forward(
        self, states: Tensor, actions: Tensor, returns: Tensor, timesteps: Tensor, valid: Tensor
    ) -> Tensor:
        """(B, K, *state), (B, K) long, (B, K), (B, K) long, (B, K) bool -> head outputs (B, K, actions)."""
        batch, steps = actions.shape
        state_tokens = self.state_embedding(states.flatten(0, 1)).view(batch, steps, -1)
        return_tokens = self.return_embedding((returns / self.return_scale).unsqueeze(-1))
        action_tokens = self.action_embedding(actions)
        tokens = torch.stack([return_tokens, state_tokens, action_tokens], dim=2)  # (B, K, 3, width)
        tokens = tokens + self.timestep_embedding(timesteps.clamp(max=self.max_timestep)).unsqueeze(2)
        x = self.drop(tokens.flatten(1, 2) + self.token_position[:, : 3 * steps])
        token_valid = valid.repeat_interleave(3, dim=1)
        causal = torch.ones(3 * steps, 3 * steps, dtype=torch.bool, device=x.device).tril()
        # padded keys are hidden; every token still sees itself, so no attention row is empty
        mask = (causal & token_valid[:, None, :]) | torch.eye(3 * steps, dtype=torch.bool, device=x.device)
        for block in self.blocks:
            x = block(x, mask.unsqueeze(1))
        return self.head(self.ln_f(x)[:, 1::3])

    def loss(self, outputs: Tensor, targets: Tensor) -> Tensor:
        """Cross-entropy on the action bins (padded positions ignored), plus the Fourier head's penalty."""
        if isinstance(self.head, FourierHead):
            return self.head.loss(outputs, targets, ignore_index=IGNORE)
        return F.cross_entropy(outputs.flatten(0, 1), targets.flatten(), ignore_index=IGNORE)


def _init_weights(module: nn.Module) -> None:
    """minGPT's initialisation: N(0, 0.02) weights, zero biases, unit LayerNorms."""
    if isinstance(module, nn.Linear | nn.Embedding):
        nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


def optimizer(model: DecisionTransformer, config: DTConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on the weights of linear and convolutional layers only (minGPT)."""
    decay, no_decay = [], []
    for module in model.modules():
        for name, parameter in module.named_parameters(recurse=False):
            weighs = name == "weight" and isinstance(module, nn.Linear | nn.Conv2d)
            (decay if weighs else no_decay).append(parameter)
    groups = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=config.learning_rate, betas=(0.9, 0.95))


# --- batches ---------------------------------------------------------------------------------------


def window_batch(replay: Replay, ends: np.ndarray, context: int) -> dict[str, Tensor]:
    """Windows of `context` steps ending at `ends`, left-padded where an episode started later."""
    index = ends[:, None] - context + 1 + np.arange(context)[None, :]
    valid = index >= replay.segment_starts[ends][:, None]
    index = np.where(valid, index, ends[:, None])  # padded slots repeat the last step; they are masked
    states = replay.game.inputs(replay.frames, replay.episode_ids, index.ravel())
    return {
        "states": torch.from_numpy(states).view(*index.shape, *states.shape[1:]),
        "actions": torch.from_numpy(np.where(valid, replay.actions[index], 0)),
        "returns": torch.from_numpy(replay.returns_to_go[index]),
        "timesteps": torch.from_numpy(replay.episode_steps[index]),
        "valid": torch.from_numpy(valid),
        "targets": torch.from_numpy(np.where(valid, replay.actions[index], IGNORE)),
    }


def learning_rate(config: DTConfig, step: int) -> float:
    """Linear warm-up, then cosine decay to 10% of the peak at the last step."""
    if step < config.warmup_steps:
        return config.learning_rate * (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    return config.learning_rate * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))


# --- training --------------------------------------------------------------------------------------


@dataclass
class Training:
    model: DecisionTransformer
    curve: list[dict[str, float]]  # learning-curve points: step, loss, mean_return (and more)
    seconds: float
    samples_per_second: float  # context windows per second of training (evaluations excluded)


def train(
    replay: Replay,
    config: DTConfig,
    head: HeadSpec,
    seed: int,
    evaluate: Callable[[DecisionTransformer], dict[str, float]] | None = None,
) -> Training:
    """`config.steps` steps on random windows; `evaluate` every `eval_every` steps and after the last."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = DecisionTransformer(
        config,
        replay.game,
        head,
        max_timestep=int(replay.episode_steps.max()),
        return_scale=max(1.0, replay.best_return),
    )
    adamw = optimizer(model, config)
    curve, losses, training_seconds = [], [], 0.0
    for step in range(config.steps):
        started = time.perf_counter()
        model.train()
        for group in adamw.param_groups:
            group["lr"] = learning_rate(config, step)
        batch = window_batch(
            replay, rng.integers(len(replay.actions), size=config.batch_size), config.context
        )
        outputs = model(
            batch["states"], batch["actions"], batch["returns"], batch["timesteps"], batch["valid"]
        )
        loss = model.loss(outputs, batch["targets"])
        adamw.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        adamw.step()
        losses.append(loss.item())
        training_seconds += time.perf_counter() - started
        done = step + 1
        if evaluate is not None and (
            (config.eval_every and done % config.eval_every == 0) or done == config.steps
        ):
            curve.append(
                {
                    "step": done,
                    "loss": float(np.mean(losses[-config.eval_every or -100 :])),
                    **evaluate(model),
                }
            )
    return Training(
        model, curve, training_seconds, config.steps * config.batch_size / max(training_seconds, 1e-9)
    )


# --- the agent -------------------------------------------------------------------------------------


class DTPolicy:
    """The model as an evaluator `Policy`: per episode, the last `context` steps of (R, s, a, t).

    It asks for `target_return` at the first step and lowers the return-to-go by every reward.
    """

    def __init__(self, model: DecisionTransformer, target_return: float) -> None:
        self.model, self.target_return = model, target_return
        self.context = model.config.context

    def reset(self, num_envs: int) -> None:
        self.histories = [deque(maxlen=self.context) for _ in range(num_envs)]
        self.to_go = np.full(num_envs, self.target_return, dtype=np.float32)

    def probabilities(self, envs: np.ndarray, observations: np.ndarray, steps: np.ndarray) -> np.ndarray:
        for env, observation, step in zip(envs, observations, steps, strict=True):
            self.histories[env].append([observation, self.to_go[env], int(step), 0])  # action: not chosen yet
        width = max(len(self.histories[env]) for env in envs)
        states = np.zeros((len(envs), width, *observations.shape[1:]), dtype=np.float32)
        returns = np.zeros((len(envs), width), dtype=np.float32)
        timesteps, actions = np.zeros((2, len(envs), width), dtype=np.int64)
        valid = np.zeros((len(envs), width), dtype=bool)
        for row, env in enumerate(envs):
            history = self.histories[env]
            start = width - len(history)  # left-pad, as in training
            for column, (state, to_go, step, action) in enumerate(history, start=start):
                states[row, column], returns[row, column] = state, to_go
                timesteps[row, column], actions[row, column] = step, action
            valid[row, start:] = True
        self.model.eval()
        with torch.no_grad():
            outputs = self.model(
                torch.from_numpy(states), torch.from_numpy(actions), torch.from_numpy(returns),
                torch.from_numpy(timesteps), torch.from_numpy(valid),
            )  # fmt: skip
        return outputs[:, -1].double().softmax(-1).numpy()

    def observe(self, envs: np.ndarray, actions: np.ndarray, rewards: np.ndarray) -> None:
        for env, action, reward in zip(envs, actions, rewards, strict=True):
            self.histories[env][-1][3] = int(action)
            self.to_go[env] -= reward


# --- one run ---------------------------------------------------------------------------------------


def run(
    task: TaskMetadata,
    head: str,
    seed: int,
    config: DTConfig,
    *,
    dataset: str | Path | None = None,
    out: Path,
    replay: tuple[Replay, DatasetSource] | None = None,
) -> tuple[Result, dict[str, Any]]:
    """Train one model on the task's game, play `config.episodes` episodes, write its results and curve.

    Writes OUT/<task>/<head>/seed-<seed>.results.json and .curve.json, each atomically, after everything
    has succeeded.
    """
    from synthsuite.evaluation.fourier.minatar.tasks import NORMALIZATION

    replay_data, source = replay or load_replay(dataset or task.dataset.repo_id, task.dataset.config)
    spec = HeadSpec.parse(head, replay_data.game.num_actions)
    random, reference = NORMALIZATION[replay_data.game.name]
    target_return = replay_data.best_return

    def learning_curve_point(model: DecisionTransformer) -> dict[str, float]:
        outcome = play(
            replay_data.game, DTPolicy(model, target_return), config.eval_episodes, seed=1_000 + seed
        )
        return _scores(outcome, random, reference)

    with one_torch_thread():
        training = train(replay_data, config, spec, seed, learning_curve_point if config.eval_every else None)
        evaluation_started = time.perf_counter()
        result, outcome = evaluate_policy(
            task,
            DTPolicy(training.model, target_return),
            model=ModelInfo(
                name=f"decision-transformer/{spec.name}",
                revision=_weights_sha256(training.model),
                details={"head": spec.name, "seed": str(seed), "config": config.model_dump_json()},
            ),
            dataset=source.folder,
            episodes=config.episodes,
            seed=0,
            seeds=[seed],
            settings={
                "target_return": target_return,
                "training_steps": config.steps,
                "training_seconds": round(training.seconds, 2),
                "samples_per_second": round(training.samples_per_second, 1),
                "best_curve_normalized_return": max(
                    (p["normalized_return"] for p in training.curve), default=None
                ),
            },
        )
        evaluation_seconds = time.perf_counter() - evaluation_started
    curve = {
        "task": task.name,
        "head": spec.name,
        "seed": seed,
        "config": config.model_dump(),
        "points": training.curve,
        "final": _scores(outcome, random, reference),
        "mean_probabilities": outcome.mean_probabilities.tolist(),
        "action_names": replay_data.game.ordered_action_names,
        "samples_per_second": training.samples_per_second,
        "evaluation_episodes_per_second": config.episodes / evaluation_seconds,
    }
    folder = out / task.name / spec.name
    result.write(folder / f"seed-{seed}.results.json")
    atomic_write_text(folder / f"seed-{seed}.curve.json", json.dumps(curve, indent=1) + "\n")
    return result, curve


def _scores(outcome: Episodes, random: float, reference: float) -> dict[str, float]:
    return {
        "mean_return": outcome.mean_return,
        "normalized_return": normalized_return(outcome.mean_return, random, reference),
        "smoothness": outcome.smoothness,
    }


def _weights_sha256(model: nn.Module) -> str:
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().contiguous().numpy().tobytes())
    return digest.hexdigest()


def aggregate(task: TaskMetadata, results: list[Result], out: Path) -> Result:
    """One result over the seeds of one (task, head) (`results.combine_seeds`), written to
    OUT/<task>/<head>/results.json; the model revision hashes the per-seed weight hashes."""
    combined = combine_seeds(task, results, _PER_SEED)
    combined.write(out / task.name / results[0].model.details["head"] / "results.json")
    return combined


_PER_SEED = ("training_seconds", "samples_per_second", "best_curve_normalized_return", "return_std")
