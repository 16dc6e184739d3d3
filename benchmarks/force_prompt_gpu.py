"""The force-prompt model on a GPU: a short real training run and inference, with memory and speed.

    python benchmarks/force_prompt_gpu.py --base /models/CogVideoX-5b-I2V --point /data/force-point \
        --steps 300 --frames 25 --out /scratch/force-prompt-bench --json bench.json
    python benchmarks/force_prompt_gpu.py --tiny --point DATA --steps 3 --out /tmp/bench  # on CPU

It trains the branch with the paper's recipe (train.TrainSettings; warm-up shortened to a tenth of
the steps) for `--steps` optimizer steps, then generates one video with the trained branch
(CogVideoXDPMScheduler, CFG 6, `--infer-steps` steps) from the first test video's first frame and
force, and prints: precompute time, optimizer steps/s and seconds per clip, peak GPU memory in
training, seconds per denoising step and peak memory in inference.

"Reduced resolution" for CogVideoX-5b-I2V means fewer frames: its learned positional embeddings
fix the frame size at 720x480 (diffusers refuses another), so `--frames 25` (7 latent frames,
about half the tokens of 49) is the cheaper setting; inference runs at the paper's 49 frames
unless `--infer-frames` says otherwise. The paper's full run for comparison (reference A5):
5,000 steps of 8 clips (4 GPUs x batch 1 x 2 accumulation) on 4x A100 80 GB in about a day,
i.e. ~17 s per optimizer step, ~8.6 s per clip per GPU (docs/force-prompt.md).
"""

import argparse
import io
import json
import resource
import sys
import time
from pathlib import Path

import torch


def _peak_memory_gb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB; the process's peak RSS


def _reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default="THUDM/CogVideoX-5b-I2V", help="base model folder or Hub id")
    parser.add_argument(
        "--tiny", action="store_true", help="a tiny random base instead (runs on CPU in seconds)"
    )
    parser.add_argument("--point", required=True, help="force-point dataset folder or ORG/NAME")
    parser.add_argument("--steps", type=int, default=300, help="optimizer steps (default 300)")
    parser.add_argument("--frames", type=int, help="training clip frames (default 25; tiny 9)")
    parser.add_argument("--layers", type=int, help="branch blocks (default 6, the paper's; tiny 1)")
    parser.add_argument("--infer-steps", type=int, default=50, help="denoising steps (default 50)")
    parser.add_argument("--infer-frames", type=int, help="frames generated (default 49; tiny 9)")
    parser.add_argument("--mixed-precision", help="bf16 (default on GPU) or no (default on CPU)")
    parser.add_argument("--out", type=Path, required=True, help="run folder (a rerun resumes the training)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    from PIL import Image

    from synthsuite.baselines.force.prompt import forces, tiny
    from synthsuite.baselines.force.prompt.pipeline import ForcePromptPipeline
    from synthsuite.baselines.force.prompt.train import TrainSettings, train
    from synthsuite.datasets_src.access import open_dataset

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    base = args.base
    if args.tiny:
        base = args.out / "tiny-base"
        if not base.exists():
            tiny.save_base(base)
    frames = args.frames or (tiny.FRAMES if args.tiny else 25)
    precision = args.mixed_precision or ("bf16" if device.type == "cuda" else "no")
    settings = TrainSettings(
        variant="point",
        layers=args.layers or (1 if args.tiny else 6),
        frames=frames,
        steps=args.steps,
        warmup_steps=max(1, args.steps // 10),
        checkpoint_every=args.steps,
        mixed_precision=precision,
    )
    _reset_peak(device)
    result = train(base, args.out / "run", settings, datasets={"point": args.point})
    train_peak = _peak_memory_gb(device)
    steps_done = result.steps - result.resumed_from
    clips = steps_done * settings.batch_size * settings.gradient_accumulation

    # inference with the trained branch, from the first test video's first frame and force
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    pipe = ForcePromptPipeline.from_parts(base, controlnet=args.out / "run" / "controlnet", torch_dtype=dtype)
    pipe.to(device)
    if device.type == "cuda":
        pipe.vae.enable_slicing()
        pipe.vae.enable_tiling()
    pipe.set_progress_bar_config(disable=True)
    width, height = pipe.size
    row = open_dataset(args.point, configs=["balls"]).read("balls", "test").slice(0, 1).to_pylist()[0]
    first = Image.open(io.BytesIO(row["first_frame"]["bytes"])).convert("RGB").resize((width, height))
    sx, sy = width / row["width"], height / row["height"]
    force = forces.PointForce(
        min(row["poke_x"] * sx, width - 1),
        min(row["poke_y"] * sy, height - 1),
        row["angle"] % 360,
        row["force"],
    )
    infer_frames = args.infer_frames or (tiny.FRAMES if args.tiny else 49)
    _reset_peak(device)
    started = time.perf_counter()
    video = pipe(
        first,
        row["caption"],
        force,
        num_frames=infer_frames,
        num_inference_steps=args.infer_steps,
        generator=torch.Generator().manual_seed(0),
    ).frames
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    infer_seconds = time.perf_counter() - started
    figures = {
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "base": str(base),
        "mixed_precision": precision,
        "train_frames": frames,
        "branch_layers": settings.layers,
        "steps": steps_done,
        "precompute_s": round(result.precompute_seconds, 2),
        "train_s": round(result.train_seconds, 2),
        "steps_per_s": round(steps_done / result.train_seconds, 4) if steps_done else None,
        "s_per_clip": round(result.train_seconds / clips, 3) if clips else None,
        "train_peak_gb": round(train_peak, 2),
        "last_loss": result.losses[-1] if result.losses else None,
        "infer_frames": infer_frames,
        "infer_steps": args.infer_steps,
        "infer_s": round(infer_seconds, 2),
        "infer_s_per_step": round(infer_seconds / args.infer_steps, 3),
        "infer_peak_gb": round(_peak_memory_gb(device), 2),
        "video_shape": list(video.shape),
    }
    print(f"{'figure':<18}{'value':>14}")
    for key, value in figures.items():
        print(f"{key:<18}{value!s:>14}")
    paper = 24 * 3600 / 5000
    if figures["s_per_clip"]:
        print(
            f"paper: ~{paper:.1f} s per optimizer step of 8 clips on 4 A100s (~{paper / 2:.1f} s per clip "
            f"per GPU); here {figures['s_per_clip']:.2f} s per clip at {frames} frames"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
