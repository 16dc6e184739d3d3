"""The force-prompt model's cost on CPU, and its paper-scale cost split counted without running it.

    python benchmarks/force_prompt_cpu.py            # measure, print the tables
    python benchmarks/force_prompt_cpu.py --write    # ... and write reference/runs/force/prompt-cpu.json
    python benchmarks/docs_tables.py --write         # then: the tables of docs/force-prompt.md, benchmarks.md

Side by side, on one torch thread (what the tests use):

* the tiny pipeline (96x64, 9 frames, CFG 6): seconds per denoising step without a branch (the
  zero-shot text baseline), with a 1-block and a 2-block branch; the whole call; the process's peak
  resident memory;
* one forward (CFG batch of 2) of the tiny base transformer, the tiny branch and the control
  encoder alone;
* the control encoder at paper size (2 x 49 x 3 x 480 x 720 in, the paper's 192 -> 96 -> 32
  channels) on CPU;
* paper scale, counted on PyTorch's meta device (no weights, no memory): FLOPs of one CFG forward
  of CogVideoX-5b-I2V's transformer (42 blocks), of the 6-block branch and of the control encoder.

The tables are the generated region `force-prompt-cpu` (benchmarks/force_tables.py) of
docs/force-prompt.md and docs/benchmarks.md, rendered from the JSON; `python benchmarks/docs_tables.py`
(run by the default tests) fails when they and the JSON disagree.
"""

import argparse
import importlib.util
import json
import os
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "reference" / "runs" / "force" / "prompt-cpu.json"
PAPER_BASE = {  # CogVideoX-5b-I2V's transformer config
    "num_attention_heads": 48,
    "attention_head_dim": 64,
    "in_channels": 32,
    "out_channels": 16,
    "time_embed_dim": 512,
    "text_embed_dim": 4096,
    "num_layers": 42,
    "sample_width": 90,
    "sample_height": 60,
    "sample_frames": 49,
    "patch_size": 2,
    "max_text_seq_length": 226,
    "use_rotary_positional_embeddings": True,
    "use_learned_positional_embeddings": True,
}


def _median_seconds(call, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def tiny_pipeline(steps: int) -> dict:
    from synthsuite.baselines.force.prompt import tiny
    from synthsuite.baselines.force.prompt.controlnet import ForceControlNet
    from synthsuite.baselines.force.prompt.forces import PointForce
    from synthsuite.baselines.force.prompt.pipeline import ForcePromptPipeline

    parts = tiny.components(seed=0)
    image = np.random.default_rng(0).integers(0, 256, (tiny.HEIGHT, tiny.WIDTH, 3), dtype=np.uint8)
    figures = {}
    for name, layers in (("no branch", 0), ("branch, 1 block", 1), ("branch, 2 blocks", 2)):
        branch = ForceControlNet.from_transformer(parts["transformer"], num_layers=layers) if layers else None
        pipe = ForcePromptPipeline(**parts, controlnet=branch)
        pipe.set_progress_bar_config(disable=True)
        stamps: list[float] = []

        def tick(_pipe, _i, _t, kwargs, stamps=stamps):
            stamps.append(time.perf_counter())
            return kwargs

        def run(pipe=pipe, stamps=stamps):
            stamps.clear()
            started = time.perf_counter()
            pipe(
                image,
                "a red ball on grass",
                PointForce(40, 30, 90, 0.5),
                num_frames=tiny.FRAMES,
                num_inference_steps=steps,
                generator=torch.Generator().manual_seed(0),
                callback_on_step_end=tick,
            )
            return time.perf_counter() - started, started

        run()  # warm-up
        calls = []
        per_step = []
        for _ in range(3):
            total, started = run()
            calls.append(total)
            per_step += list(np.diff([started, *stamps])[1:])  # the first interval holds T5 and setup
        figures[name] = {
            "s_per_step": round(statistics.median(per_step), 4),
            "s_per_call": round(statistics.median(calls), 3),
        }
    figures["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    return figures


def tiny_forwards(repeats: int) -> dict:
    from synthsuite.baselines.force.prompt import tiny
    from synthsuite.baselines.force.prompt.controlnet import ForceControlNet, rotary_embedding

    transformer = tiny.components(seed=0)["transformer"]
    branch = ForceControlNet.from_transformer(transformer, num_layers=2)
    config = transformer.config
    h, w = config.sample_height, config.sample_width
    inputs = {
        "hidden_states": torch.randn(2, 3, config.in_channels, h, w),
        "encoder_hidden_states": torch.randn(2, config.max_text_seq_length, config.text_embed_dim),
        "timestep": torch.tensor([500, 500]),
        "image_rotary_emb": rotary_embedding(transformer, 3, h, w, torch.device("cpu")),
    }
    control = torch.rand(2, tiny.FRAMES, 3, 8 * h, 8 * w)
    with torch.no_grad():
        seconds = {
            "base": _median_seconds(lambda: transformer(**inputs, return_dict=False), repeats),
            "branch": _median_seconds(lambda: branch(control=control, **inputs), repeats),
            "encoder": _median_seconds(lambda: branch.control_encoder(control, 3), repeats),
        }
    return {k: round(v * 1000, 3) for k, v in seconds.items()}  # ms


def paper_encoder(repeats: int) -> dict:
    from synthsuite.baselines.force.prompt.controlnet import ForceControlEncoder

    encoder = ForceControlEncoder(3, 8, 96, 32).eval()
    control = torch.rand(2, 49, 3, 480, 720)
    with torch.no_grad():
        seconds = _median_seconds(lambda: encoder(control, 13), repeats)
    return {"s": round(seconds, 3), "input_mb": round(control.numel() * 4 / 1e6, 1)}


def paper_flops() -> dict:
    from diffusers import CogVideoXTransformer3DModel
    from torch.utils.flop_counter import FlopCounterMode

    from synthsuite.baselines.force.prompt.controlnet import ForceControlNet, rotary_embedding

    with torch.device("meta"):
        base = CogVideoXTransformer3DModel(**PAPER_BASE)
        branch = ForceControlNet(**ForceControlNet.config_from_transformer(base, num_layers=6))
        hidden = torch.empty(2, 13, 32, 60, 90)
        text = torch.empty(2, 226, 4096)
        control = torch.empty(2, 49, 3, 480, 720)
    timestep = torch.tensor([500, 500], device="meta")
    rotary = rotary_embedding(base, 13, 60, 90, torch.device("meta"))
    counts = {}
    for name, call in (
        ("base", lambda: base(hidden, text, timestep, image_rotary_emb=rotary)),
        ("branch", lambda: branch(hidden, text, timestep, control, rotary)),
        ("encoder", lambda: branch.control_encoder(control, 13)),
    ):
        with FlopCounterMode(display=False) as counter:
            call()
        counts[name] = counter.get_total_flops()
    return {
        "tflop_per_cfg_forward": {k: round(v / 1e12, 3) for k, v in counts.items()},
        "base_params_b": round(sum(p.numel() for p in base.parameters()) / 1e9, 3),
        "branch_params_b": round(sum(p.numel() for p in branch.parameters()) / 1e9, 3),
    }


def table(figures: dict) -> str:
    """The tables of the docs (benchmarks/force_tables.py renders them, from the JSON)."""
    path = Path(__file__).with_name("force_tables.py")
    spec = importlib.util.spec_from_file_location("_force_tables_for_prompt_cpu", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.prompt_cpu_table(figures)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=10, help="denoising steps per tiny call (default 10)")
    parser.add_argument("--repeats", type=int, default=20, help="repeats of each tiny forward (default 20)")
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.relative_to(ROOT)}")
    args = parser.parse_args()

    torch.set_num_threads(1)
    figures = {
        "settings": {"steps": args.steps, "repeats": args.repeats, "torch_threads": 1},
        "machine": {"cpus": os.cpu_count(), "load_average_1min_before": round(os.getloadavg()[0], 2)},
        "tiny_pipeline": tiny_pipeline(args.steps),
        "tiny_forward_ms": tiny_forwards(args.repeats),
        "paper_encoder": paper_encoder(3),
        "paper_flops": paper_flops(),
    }
    figures["machine"]["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    print(table(figures))
    machine = figures["machine"]
    print(
        f"\nload average (1 min) before/after: {machine['load_average_1min_before']} / "
        f"{machine['load_average_1min_after']} on {machine['cpus']} CPUs"
    )
    if args.write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n")
        print(
            f"wrote {RESULTS.relative_to(ROOT)}; `python benchmarks/docs_tables.py --write` puts the "
            "tables in docs/force-prompt.md and docs/benchmarks.md"
        )


if __name__ == "__main__":
    main()
