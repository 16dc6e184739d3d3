"""Training the force branch on a real tiny force-point build (Blender), on CPU with a tiny random
CogVideoX: the loss falls, checkpoints resume exactly, the base stays whole, the CLI trains and
generates, and the GPU benchmark script runs (docs/force-prompt.md)."""

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from conftest import build
from PIL import Image

from synthsuite.baselines.force.prompt import data, tiny, train
from synthsuite.baselines.force.prompt.controlnet import ForceControlNet
from synthsuite.datasets_src.access import open_dataset
from synthsuite.datasets_src.executors import one_torch_thread
from synthsuite.kernel.errors import UserError

ROOT = Path(__file__).resolve().parent.parent
TINY = {
    "frames": tiny.FRAMES,
    "layers": 1,
    "mixed_precision": "no",
    "warmup_steps": 1,
    "learning_rate": 1e-4,
}


@pytest.fixture(autouse=True)
def _one_thread():
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def balls(tmp_path_factory) -> Path:
    """force-point, tiny profile (3 train videos of 96x64, 15 frames), rendered by Blender."""
    out = tmp_path_factory.mktemp("force-prompt-data") / "force-point"
    build(out, dataset="force-point")
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return tiny.save_base(tmp_path_factory.mktemp("force-prompt-base") / "base")


def _listing(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_clips_follow_the_originals_choice_of_frames(balls):
    settings = data.ClipSettings(frames=9, width=48, height=32, text_only=True)
    source = open_dataset(balls, configs=["balls"])
    clips = data.clips_of(source, "point", settings)
    rows = {r["sample_id"]: r for r in source.read("balls", "train").to_pylist()}
    videos = dict(data.videos_of(source, "point", set(rows)))
    assert len(clips) == 3 and {c.sample_id for c in clips} == set(videos) == set(rows)
    for clip in clips:
        row = rows[clip.sample_id]
        assert (clip.start, clip.stride) == (round(10 / 24 * row["fps"]), 1)  # 10/24 s in, consecutive
        assert clip.labels[0] == pytest.approx(row["poke_x"] / 2) and clip.labels[1] == pytest.approx(
            row["poke_y"] / 2
        )
        assert clip.prompt.startswith(row["caption"].rstrip(". ")) and "The ball is moved" in clip.prompt
        frames = data.decode_clip(videos[clip.sample_id], clip, settings)
        assert frames.shape == (3, 9, 32, 48) and frames.min() >= -1 and frames.max() <= 1
    with pytest.raises(UserError, match="too few for a 49-frame clip"):
        data.clips_of(source, "point", data.ClipSettings(49, 96, 64, False))


def test_loss_falls_when_overfitting_two_tiny_videos(balls, base, tmp_path):
    """40 AdamW steps on 2 clips; the loss on a fixed set of (timestep, noise) draws goes down."""
    from diffusers import CogVideoXImageToVideoPipeline

    pipe = CogVideoXImageToVideoPipeline.from_pretrained(base)
    settings = train.TrainSettings(**TINY, batch_size=2)
    clip_settings = data.ClipSettings(tiny.FRAMES, tiny.WIDTH, tiny.HEIGHT, False)
    source = open_dataset(balls, configs=["balls"])
    clips = data.clips_of(source, "point", clip_settings)
    parts = {"tokenizer": pipe.tokenizer, "text_encoder": pipe.text_encoder, "vae": pipe.vae}
    parts["max_text_seq_length"] = pipe.transformer.config.max_text_seq_length
    index = data.precompute(
        parts, clips[:2], {"point": source}, tmp_path, clip_settings, seed=42, device=torch.device("cpu")
    )
    batches = train.Batches(tmp_path, index, settings, (tiny.WIDTH, tiny.HEIGHT))
    transformer = pipe.transformer.requires_grad_(False)
    branch = ForceControlNet.from_transformer(transformer, num_layers=2)
    optimizer = torch.optim.AdamW(branch.parameters(), lr=3e-4)

    def held_out() -> float:
        with torch.no_grad():
            draws = [batches(10_000 + k, torch.device("cpu")) for k in range(8)]
            return float(
                np.mean([train.diffusion_loss(transformer, branch, pipe.scheduler, *d).item() for d in draws])
            )

    before = held_out()
    for m in range(40):
        loss = train.diffusion_loss(transformer, branch, pipe.scheduler, *batches(m, torch.device("cpu")))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(branch.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
    after = held_out()
    assert after < 0.95 * before, (before, after)


def test_training_checkpoints_resumes_exactly_and_leaves_the_base_whole(balls, base, tmp_path):
    before = _listing(base)
    settings = train.TrainSettings(**TINY, steps=4, checkpoint_every=2, gradient_accumulation=2)
    straight = train.train(base, tmp_path / "straight", settings, datasets={"point": str(balls)})
    assert straight.steps == 4 and len(straight.losses) == 4 and all(np.isfinite(straight.losses))
    out = tmp_path / "straight"
    assert (out / "checkpoints" / "step-000002" / "controlnet" / "config.json").is_file()
    assert (out / "checkpoints" / "step-000004" / "step.json").is_file()
    summary = json.loads((out / "training.json").read_text())
    assert summary["steps_done"] == 4 and summary["settings"]["learning_rate"] == 1e-4
    assert summary["revisions"]["point"] == open_dataset(balls).data_revision("balls")
    assert _listing(base) == before and (base / "text_encoder").is_dir()  # training never touches the base

    # an interruption after step 2: the later checkpoint and the final branch are gone
    resumed = tmp_path / "resumed"
    shutil.copytree(out, resumed)
    shutil.rmtree(resumed / "checkpoints" / "step-000004")
    shutil.rmtree(resumed / "controlnet")
    (resumed / "training.json").unlink()  # log.jsonl keeps steps 3 and 4: they are dropped and redone
    cache = {p: p.stat().st_mtime_ns for p in (resumed / "cache").rglob("*.safetensors")}
    again = train.train(base, resumed, settings, datasets={"point": str(balls)})
    assert again.resumed_from == 2 and again.steps == 4
    assert again.losses == straight.losses[2:]
    assert (resumed / "log.jsonl").read_text() == (out / "log.jsonl").read_text()
    assert {p: p.stat().st_mtime_ns for p in cache} == cache  # the cache was reused, not rewritten
    one = ForceControlNet.from_pretrained(out / "controlnet").state_dict()
    two = ForceControlNet.from_pretrained(resumed / "controlnet").state_dict()
    assert all(torch.equal(v, two[k]) for k, v in one.items())
    assert any(v.any() for k, v in one.items() if k.startswith("projections."))  # it did learn

    with pytest.raises(UserError, match="holds a run with other settings"):
        other = train.TrainSettings(**{**TINY, "learning_rate": 1e-3}, steps=4, checkpoint_every=2)
        train.train(base, out, other, datasets={"point": str(balls)})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"frames": 13}, r"num_frames must be 1 \+ 8k"),
        ({"steps": 0}, "steps must be an integer >= 1"),
        ({"variant": "gravity"}, "unknown variant 'gravity'"),
        ({"variant": "joint", "text_only": True}, "trained per force kind"),
        ({"mixed_precision": "fp8"}, "unknown mixed precision"),
    ],
)
def test_bad_settings_are_one_line(change, message):
    with pytest.raises(UserError, match=message) as raised:
        train.TrainSettings(**{**TINY, **change}).check()
    assert "\n" not in str(raised.value)


def test_a_run_that_cannot_start_writes_nothing(balls, base, tmp_path):
    settings = train.TrainSettings(**{**TINY, "frames": 17}, steps=1)  # the tiny videos hold 15 frames
    with pytest.raises(UserError, match="too few for a 17-frame clip"):
        train.train(base, tmp_path / "run", settings, datasets={"point": str(balls)})
    assert not (tmp_path / "run").exists()


def test_cli_trains_then_generates_an_mp4(balls, base, tmp_path, capsys):
    from synthsuite.cli import main

    run = tmp_path / "run"
    sets = ["frames=9", "layers=1", "steps=2", "mixed_precision=no", "checkpoint_every=1", "warmup_steps=0"]
    command = [
        "baseline",
        "force-prompt",
        "train",
        "--base",
        str(base),
        "--point",
        str(balls),
        "--out",
        str(run),
    ]
    assert main([*command, *[a for s in sets for a in ("--set", s)], "--text-only"]) == 0
    assert "trained steps 0..2" in capsys.readouterr().out
    assert ForceControlNet.from_pretrained(run / "controlnet").config.text_only

    row = open_dataset(balls).read("balls", "test").to_pylist()[0]
    first = tmp_path / "first.png"
    first.write_bytes(row["first_frame"]["bytes"])
    assert Image.open(first).size == (tiny.WIDTH, tiny.HEIGHT)
    video = tmp_path / "video.mp4"
    poke = f"{row['poke_x']},{row['poke_y']},{row['angle'] % 360},{row['force']}"
    generate = ["baseline", "force-prompt", "generate", "--model", str(run), "--image", str(first)]
    generate += [
        "--prompt",
        row["caption"],
        "--poke",
        poke,
        "--object",
        "ball",
        "--frames",
        "9",
        "--steps",
        "2",
    ]
    assert main([*generate, "--out", str(video)]) == 0
    assert "text-fine-tuned" in capsys.readouterr().out
    with av.open(str(video)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 9

    assert main([*command, "--set", "learning_rat=1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown training setting 'learning_rat'" in err


def test_the_gpu_benchmark_script_runs_on_cpu_with_the_tiny_model(balls, tmp_path):
    figures = tmp_path / "figures.json"
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "force_prompt_gpu.py"),
        "--tiny",
        "--point",
        str(balls),
    ]
    command += [
        "--steps",
        "2",
        "--infer-steps",
        "1",
        "--out",
        str(tmp_path / "bench"),
        "--json",
        str(figures),
    ]
    env = {"OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    subprocess.run(command, check=True, capture_output=True, env=env, timeout=600)
    result = json.loads(figures.read_text())
    assert result["steps"] == 2 and result["device"] == "cpu" and result["video_shape"] == [1, 9, 64, 96, 3]
    assert result["steps_per_s"] > 0 and result["infer_s_per_step"] > 0


@pytest.mark.slow
def test_wind_and_joint_variants_train(balls, base, tmp_path):
    flags = tmp_path / "force-wind"
    build(flags, dataset="force-wind")
    settings = data.ClipSettings(tiny.FRAMES, tiny.WIDTH, tiny.HEIGHT, False)
    clips = data.clips_of(open_dataset(flags, configs=["flags"]), "wind", settings)
    assert sorted({c.stride for c in clips}) == [1]  # 15 frames hold no 9-frame clip at stride 2
    for variant in ("wind", "joint"):
        result = train.train(
            base,
            tmp_path / variant,
            train.TrainSettings(**TINY, variant=variant, steps=2),
            datasets={"point": str(balls), "wind": str(flags)},
        )
        assert result.steps == 2 and all(np.isfinite(result.losses))
    assert ForceControlNet.from_pretrained(tmp_path / "joint" / "controlnet").config.variant == "joint"
