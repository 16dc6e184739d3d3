"""The force-prompt model on CPU with a tiny random CogVideoX: the branch, the pipeline, the words,
the released checkpoints' layout and bad input (docs/force-prompt.md)."""

import json
import sys
from fractions import Fraction

import av
import numpy as np
import pytest
import torch

from synthsuite.baselines.force.prompt import forces, tiny
from synthsuite.baselines.force.prompt.controlnet import (
    ForceControlEncoder,
    ForceControlNet,
    apply_control,
    causal_pool,
    controlled_forward,
    rotary_embedding,
)
from synthsuite.baselines.force.prompt.pipeline import ForcePromptPipeline, to_uint8, write_mp4
from synthsuite.datasets_src.executors import one_torch_thread
from synthsuite.kernel.errors import UserError

PointForce, Wind = forces.PointForce, forces.Wind
W, H, T = tiny.WIDTH, tiny.HEIGHT, tiny.FRAMES


@pytest.fixture(autouse=True)
def _one_thread():
    with one_torch_thread():  # a fair share of the shared CPU, and results independent of the core count
        yield


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return tiny.save_base(tmp_path_factory.mktemp("force-prompt") / "base")


@pytest.fixture(scope="module")
def parts():
    return tiny.components(seed=0)


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (H, W, 3), dtype=np.uint8)


def _inputs(transformer, batch=2, frames=3, seed=0):
    """Random base inputs (noisy + image latents, text, timestep, rotary) and a control video."""
    g = torch.Generator().manual_seed(seed)
    config = transformer.config
    h, w = config.sample_height, config.sample_width
    return {
        "hidden_states": torch.randn(batch, frames, config.in_channels, h, w, generator=g),
        "encoder_hidden_states": torch.randn(
            batch, config.max_text_seq_length, config.text_embed_dim, generator=g
        ),
        "timestep": torch.tensor([999, 10][:batch]),
        "image_rotary_emb": rotary_embedding(transformer, frames, h, w, torch.device("cpu")),
        "control": torch.rand(batch, 4 * (frames - 1) + 1, 3, 8 * h, 8 * w, generator=g),
    }


def _perturb(branch: ForceControlNet, seed=1) -> ForceControlNet:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in branch.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g))
    return branch


# ---------------------------------------------------------------- the control encoder


@pytest.mark.parametrize("frames", [1, 2, 9, 13, 33, 49, 50])
@pytest.mark.parametrize(("height", "width"), [(64, 96), (48, 80), (480, 720)])
def test_control_encoder_shapes_for_any_frame_count_and_resolution(frames, height, width):
    encoder = ForceControlEncoder(3, 8, 96, 32)
    latent = (frames - 1) // 4 + 1
    out = encoder(torch.rand(1, frames, 3, height, width), latent)
    assert out.shape == (1, latent, 32, height // 8, width // 8)
    assert torch.isfinite(out).all()


def test_pooling_is_the_originals_two_halvings_for_49_frames():
    x = torch.randn(2, 49, 3, 4, 5)
    halved = torch.cat([x[:, :1], x[:, 1:].unflatten(1, (24, 2)).mean(2)], dim=1)  # 1 + 24 pairs
    quartered = torch.cat([halved[:, :1], halved[:, 1:].unflatten(1, (12, 2)).mean(2)], dim=1)
    assert torch.allclose(causal_pool(x, 25), halved, atol=1e-6)
    assert torch.allclose(causal_pool(causal_pool(x, 25), 13), quartered, atol=1e-6)
    assert torch.equal(causal_pool(x, 13)[:, 0], x[:, 0])  # latent 0 is frame 0 alone, as the causal VAE


# ---------------------------------------------------------------- the branch


def test_zero_initialised_branch_gives_exactly_the_base_output(parts):
    transformer = parts["transformer"]
    branch = ForceControlNet.from_transformer(transformer, num_layers=2)
    inputs = _inputs(transformer)
    control = inputs.pop("control")
    with torch.no_grad():
        plain = transformer(**inputs, return_dict=False)[0]
        controlled = controlled_forward(transformer, branch, control=control, **inputs)
        assert torch.equal(plain, controlled)
        changed = controlled_forward(transformer, _perturb(branch), control=control, **inputs)
    assert not torch.allclose(plain, changed)


def test_branch_copies_the_first_blocks_and_starts_its_control_channels_at_zero(parts):
    transformer = parts["transformer"]
    branch = ForceControlNet.from_transformer(transformer, num_layers=1, variant="wind")
    mine, theirs = branch.transformer_blocks[0].state_dict(), transformer.transformer_blocks[0].state_dict()
    assert mine.keys() == theirs.keys() and all(torch.equal(mine[k], theirs[k]) for k in mine)
    channels = transformer.config.in_channels
    assert torch.equal(branch.patch_embed.proj.weight[:, :channels], transformer.patch_embed.proj.weight)
    assert not branch.patch_embed.proj.weight[:, channels:].any()
    assert all(not p.any() for p in branch.projections.parameters())
    assert branch.config.variant == "wind" and branch.config.num_layers == 1
    with pytest.raises(UserError, match="num_layers must be in"):
        ForceControlNet.from_transformer(transformer, num_layers=3)


def test_control_weight_scales_the_residuals(parts):
    transformer = parts["transformer"]
    branch = _perturb(ForceControlNet.from_transformer(transformer, num_layers=2))
    inputs = _inputs(transformer, batch=1)
    control = inputs.pop("control")
    with torch.no_grad():
        plain = transformer(**inputs, return_dict=False)[0]
        off = controlled_forward(transformer, branch, control=control, weight=0.0, **inputs)
        per_block = controlled_forward(transformer, branch, control=control, weight=[0.0, 0.0], **inputs)
        on = controlled_forward(transformer, branch, control=control, weight=1.0, **inputs)
    assert torch.equal(plain, off) and torch.equal(plain, per_block) and not torch.allclose(plain, on)
    assert not transformer.transformer_blocks[0]._forward_hooks  # the hooks are gone after the call
    with (
        pytest.raises(UserError, match="2 control weights for 1 branch blocks"),
        apply_control(transformer, [torch.zeros(1)], [1.0, 1.0]),
    ):
        pass


def test_save_then_load_is_exact(parts, tmp_path):
    transformer = parts["transformer"]
    branch = _perturb(ForceControlNet.from_transformer(transformer, num_layers=2, text_only=True))
    branch.save_pretrained(tmp_path / "branch")
    loaded = ForceControlNet.from_pretrained(tmp_path / "branch")
    assert loaded.config.text_only and loaded.config.num_layers == 2
    inputs = _inputs(transformer)
    with torch.no_grad():
        assert all(torch.equal(a, b) for a, b in zip(branch(**inputs), loaded(**inputs), strict=True))
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in branch.state_dict().items())


def test_the_released_checkpoint_layout_round_trips(parts, tmp_path):
    """A file in the original's layout ({"state_dict"} of its CogVideoXControlnet: controlnet_encode_*,
    Conv3d zero convs) loads into the same numbers; a wrong file is one line."""
    transformer = parts["transformer"]
    released = ForceControlNet(
        **ForceControlNet.config_from_transformer(
            transformer, num_layers=2, use_positional_embeddings=True, use_learned_positional_embeddings=False
        )
    )
    _perturb(released)
    state = released.released_state_dict()
    assert "controlnet_encode_first.0.weight" in state and "controlnet_encode_second.1.bias" in state
    assert state["controlnet_zero_convs_after.1.weight"].shape == (32, 32, 1, 1, 1)
    torch.save({"state_dict": state}, tmp_path / "step-5000-checkpoint-point-force.pt")
    loaded = ForceControlNet.from_released(tmp_path / "step-5000-checkpoint-point-force.pt", transformer)
    inputs = _inputs(transformer)
    with torch.no_grad():
        assert all(torch.equal(a, b) for a, b in zip(released(**inputs), loaded(**inputs), strict=True))
    with pytest.raises(UserError, match="does not exist"):
        ForceControlNet.from_released(tmp_path / "missing.pt", transformer)
    torch.save({"state_dict": {"something": torch.zeros(1)}}, tmp_path / "other.pt")
    with pytest.raises(UserError, match="does not have the released layout"):
        ForceControlNet.from_released(tmp_path / "other.pt", transformer)
    (tmp_path / "text.pt").write_text("not a checkpoint")
    with pytest.raises(UserError, match="is not a released force-prompting checkpoint"):
        ForceControlNet.from_released(tmp_path / "text.pt", transformer)


# ---------------------------------------------------------------- the pipeline


def test_pipeline_end_to_end_writes_an_mp4(base, image, tmp_path):
    pipe = ForcePromptPipeline.from_parts(base)
    branch = _perturb(ForceControlNet.from_transformer(pipe.transformer, num_layers=2))
    pipe = ForcePromptPipeline.from_parts(base, controlnet=branch)
    pipe.set_progress_bar_config(disable=True)
    assert (
        pipe.model_name() == "force-prompt-point" and type(pipe.scheduler).__name__ == "CogVideoXDPMScheduler"
    )
    poke = PointForce(x=40, y=30, angle_deg=90, force=0.5)
    run = {"num_frames": T, "num_inference_steps": 2}
    video = pipe(
        image, "a red ball on grass.", poke, generator=torch.Generator().manual_seed(0), **run
    ).frames
    assert video.shape == (1, T, H, W, 3) and video.min() >= 0 and video.max() <= 1
    again = pipe(
        image, "a red ball on grass.", poke, generator=torch.Generator().manual_seed(0), **run
    ).frames
    assert np.array_equal(video, again)
    other = pipe(
        image,
        "a red ball on grass.",
        PointForce(40, 30, 270, 0.5),
        generator=torch.Generator().manual_seed(0),
        **run,
    )
    assert not np.array_equal(video, other.frames)  # the force reaches the output
    path = write_mp4(to_uint8(video[0]), tmp_path / "out" / "video.mp4", fps=8)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        assert stream.codec_context.name == "h264" and stream.average_rate == Fraction(8)
    assert len(frames) == T and frames[0].shape == (H, W, 3)
    assert np.abs(frames[0].astype(int) - to_uint8(video[0, 0]).astype(int)).mean() < 12  # H.264, CRF 18
    assert sorted(p.name for p in path.parent.iterdir()) == ["video.mp4"]  # nothing partial left


def test_pipeline_save_then_load_gives_the_same_video(base, image, tmp_path):
    pipe = ForcePromptPipeline.from_parts(base)
    pipe = ForcePromptPipeline.from_parts(
        base,
        controlnet=_perturb(
            ForceControlNet.from_transformer(pipe.transformer, num_layers=1, variant="joint")
        ),
    )
    pipe.set_progress_bar_config(disable=True)
    run = {"num_frames": T, "num_inference_steps": 2}
    wind = Wind(angle_deg=180, speed=0.7)
    first = pipe(image, "a flag on a pole.", wind, generator=torch.Generator().manual_seed(3), **run).frames
    pipe.save_pretrained(tmp_path / "saved")
    assert json.loads((tmp_path / "saved" / "model_index.json").read_text())["controlnet"] == [
        "synthsuite.baselines.force.prompt.controlnet",
        "ForceControlNet",
    ]
    loaded = ForcePromptPipeline.from_pretrained(tmp_path / "saved")
    loaded.set_progress_bar_config(disable=True)
    second = loaded(
        image, "a flag on a pole.", wind, generator=torch.Generator().manual_seed(3), **run
    ).frames
    assert np.array_equal(first, second)


def test_text_only_models_see_words_not_the_control(base, image):
    """The fine-tuned text baseline runs on an all-zero control: two forces with the same words give the
    same video; the force model tells them apart. The zero-shot baseline is the base model."""
    pipe = ForcePromptPipeline.from_parts(base)
    zero_shot = pipe.model_name()
    text = ForcePromptPipeline.from_parts(
        base,
        controlnet=_perturb(ForceControlNet.from_transformer(pipe.transformer, num_layers=1, text_only=True)),
    )
    force = ForcePromptPipeline.from_parts(
        base, controlnet=_perturb(ForceControlNet.from_transformer(pipe.transformer, num_layers=1))
    )
    run = {"num_frames": T, "num_inference_steps": 1}
    near, far = PointForce(40, 30, 10, 0.5), PointForce(70, 50, 20, 0.6)  # both "forcefully, to the right"

    def video(p, f):
        p.set_progress_bar_config(disable=True)
        return p(image, "a ball.", f, generator=torch.Generator().manual_seed(0), **run).frames

    assert zero_shot == "text-zero-shot" and text.model_name() == "text-fine-tuned"
    assert np.array_equal(video(text, near), video(text, far))
    assert not np.array_equal(video(force, near), video(force, far))
    assert not np.array_equal(video(pipe, near), video(pipe, PointForce(40, 30, 180, 0.5)))  # words differ


# ---------------------------------------------------------------- the original's words


@pytest.mark.parametrize(
    ("force", "words"),
    [
        (PointForce(1, 1, 135, 0.9), "The apple is moved very forcefully, upwards and to the left"),
        (PointForce(1, 1, 0, 0.1), "The apple is moved not very forcefully, to the right"),
        (
            PointForce(1, 1, 337.5, 0.25),
            "The apple is moved not very forcefully, to the right",
        ),  # wraps first
        (PointForce(1, 1, 337.4, 0.75), "The apple is moved forcefully, downwards and to the right"),
        (PointForce(1, 1, 270, 0.5), "The apple is moved forcefully, downwards"),
        (Wind(330, 0.1), "The wind is very soft, blowing to the right"),
        (Wind(180, 0.3), "The wind is soft, blowing to the left"),
        (Wind(250, 0.6), "The wind is medium strength, blowing downwards and to the left"),
        (Wind(90, 1.0), "The wind is very strong, blowing upwards"),
    ],
)
def test_force_words_are_the_originals(force, words):
    assert forces.force_words(force, width=W, height=H, object_description="apple") == words


def test_the_prompt_loses_its_end_punctuation_before_the_words():
    text = forces.prompt_with_force("A red apple on a table... ", Wind(0, 0.3), width=W, height=H)
    assert text == "A red apple on a table. The wind is soft, blowing to the right"
    two = forces.force_words([PointForce(1, 1, 90, 0.5), PointForce(2, 2, 180, 1.0)], width=W, height=H)
    assert two == "The object is moved forcefully, upwards; The object is moved very forcefully, to the left"


# ---------------------------------------------------------------- bad input: one line


@pytest.mark.parametrize(
    ("force", "message"),
    [
        (PointForce(10, 10, 360, 0.5), r"angle_deg must be in \[0, 360\), got 360"),
        (PointForce(10, 10, -1, 0.5), r"angle_deg must be in \[0, 360\)"),
        (PointForce(10, 10, 90, 1.5), r"strength must be in \[0, 1\], got 1.5"),
        (PointForce(96, 10, 90, 0.5), r"x \(image width 96\) must be in \[0, 95\]"),
        (PointForce(10, -3, 90, 0.5), r"y \(image height 64\) must be in \[0, 63\]"),
        ([PointForce(1, 1, 0, 0), PointForce(1, 1, float("nan"), 0)], r"point force 1 angle_deg"),
        (Wind(400, 0.5), r"wind angle_deg must be in \[0, 360\)"),
        (Wind(10, -0.1), r"wind speed must be in \[0, 1\]"),
        ([], "non-empty list"),
        ("left", "must be a PointForce"),
    ],
)
def test_bad_forces_are_one_line(force, message):
    with pytest.raises(UserError, match=message) as raised:
        forces.check_force(force, W, H)
    assert "\n" not in str(raised.value) and "; fix: " in str(raised.value)


def test_bad_pipeline_input_is_one_line(base, image, tmp_path):
    pipe = ForcePromptPipeline.from_parts(base)
    poke = PointForce(40, 30, 90, 0.5)
    cases = [
        (lambda: pipe(image[:32], "a ball", poke, num_frames=T), "image is 96x32, the model generates 96x64"),
        (lambda: pipe(image, "a ball", poke, num_frames=13), r"num_frames must be 1 \+ 8k"),
        (lambda: pipe(image, "a ball", None, num_frames=T), "no force given"),
        (lambda: ForcePromptPipeline.from_parts(tmp_path / "nowhere"), "does not exist"),
        (
            lambda: ForcePromptPipeline.from_parts(base, released=tmp_path / "x.pt"),
            "checkpoint file .* does not exist",
        ),
        (lambda: ForcePromptPipeline.from_parts(base, controlnet=tmp_path), "no force-prompt branch"),
    ]
    for call, message in cases:
        with pytest.raises(UserError, match=message) as raised:
            call()
        assert "\n" not in str(raised.value)
    wind_only = ForcePromptPipeline.from_parts(
        base, controlnet=ForceControlNet.from_transformer(pipe.transformer, num_layers=1, variant="wind")
    )
    with pytest.raises(UserError, match="trained on wind forces, got a point force"):
        wind_only(image, "a ball", poke, num_frames=T)
    pipe.text_encoder = None
    with pytest.raises(UserError, match="no text encoder"):
        pipe(image, "a ball", poke, num_frames=T)


def test_a_base_without_its_text_encoder_is_refused_before_loading(base, tmp_path):
    """The original's train.py deleted the text encoder and inference then crashed (reference A7)."""
    import shutil

    crippled = tmp_path / "base"
    shutil.copytree(base, crippled)
    shutil.rmtree(crippled / "text_encoder")
    with pytest.raises(UserError, match=r"lacks text_encoder.*inference needs the text encoder"):
        ForcePromptPipeline.from_parts(crippled)


def test_cli_bad_input_is_one_line_and_exit_2(base, image, tmp_path, capsys):
    from PIL import Image

    from synthsuite.cli import main

    Image.fromarray(image).save(tmp_path / "first.png")
    common = [
        "baseline",
        "force-prompt",
        "generate",
        "--base",
        str(base),
        "--image",
        str(tmp_path / "first.png"),
    ]
    cases = [
        (["--prompt", "a ball", "--poke", "40,30,360,0.5"], "angle_deg must be in [0, 360)"),
        (["--prompt", "a ball", "--poke", "40,30,90"], "is not 4 comma-separated numbers"),
        (["--prompt", "a ball", "--wind", "90,2"], "wind speed must be in [0, 1]"),
        (["--prompt", "a ball"], "give the force as --poke"),
        (
            ["--prompt", "a ball", "--poke", "1,1,1,1", "--released", str(tmp_path / "no.pt")],
            "does not exist",
        ),
    ]
    for extra, message in cases:
        assert main([*common, *extra, "--out", str(tmp_path / "v.mp4")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err and "; fix: " in err, err
    assert not (tmp_path / "v.mp4").exists()


def test_building_the_cli_imports_neither_torch_nor_diffusers():
    import subprocess

    code = (
        "import argparse, sys\n"
        "from synthsuite.commands import force\n"
        "p = argparse.ArgumentParser(); c = p.add_subparsers()\n"
        "force.register(c, c.add_parser('baseline').add_subparsers())\n"
        "print('torch' in sys.modules, 'diffusers' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False False"


def test_the_force_evaluators_accept_the_pipelines_mp4(tmp_path, capsys):
    """The force-benchmark format check of evaluation/force (issue 13) on a video `generate` wrote at
    the tiny benchmark's format: 49 frames generated, every 4th written (13 frames of 144x96 at 2 fps)."""
    from PIL import Image

    from synthsuite.cli import main
    from synthsuite.datasets_src.force.benchmark_generator import PROFILES
    from synthsuite.evaluation.force import videos

    profile = PROFILES["tiny"]
    base = tiny.save_base(tmp_path / "base", width=profile.width, height=profile.height)
    pixels = np.random.default_rng(1).integers(0, 256, (profile.height, profile.width, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "first.png")
    video = tmp_path / "point-benchmark-00000.mp4"
    command = [
        "baseline",
        "force-prompt",
        "generate",
        "--base",
        str(base),
        "--image",
        str(tmp_path / "first.png"),
    ]
    command += ["--prompt", "a crate on a wooden floor", "--poke", "70,40,45,0.55", "--object", "crate"]
    command += ["--frames", "49", "--steps", "1", "--every", str(profile.frame_step), "--out", str(video)]
    assert main(command) == 0, capsys.readouterr().err
    expected = videos.VideoFormat(profile.frames, profile.width, profile.height, profile.fps)
    ref = videos.VideoRef("point-benchmark-00000", path=video)
    videos.check_format(ref, expected)  # raises a UserError when the evaluators would refuse it
    assert videos.decode_gray(ref, expected).shape == (profile.frames, profile.height, profile.width)
    with pytest.raises(UserError, match="frames"):
        videos.check_format(ref, videos.VideoFormat(49, profile.width, profile.height, profile.fps))


def test_the_prose_of_the_docs_quotes_the_results_file():
    """docs/force-prompt.md's text quotes the paper-scale cost split of reference/runs/force/prompt-cpu.json
    (its tables are the generated region `force-prompt-cpu`, checked by tests/test_docs_tables.py)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    figures = json.loads((root / "reference" / "runs" / "force" / "prompt-cpu.json").read_text())
    paper = figures["paper_flops"]["tflop_per_cfg_forward"]
    prose = (root / "docs" / "force-prompt.md").read_text()
    assert f"{paper['base']:.0f} TFLOP" in prose and f"adds {paper['branch'] / paper['base']:.0%}" in prose
