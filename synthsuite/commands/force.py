"""The force suite's commands. Building the parsers imports neither torch nor diffusers (tested):
the work is imported inside the handlers."""

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from synthsuite.commands.conventions import add_json, add_progress, bare_help, emit, note, show_progress
from synthsuite.kernel.errors import UserError

if TYPE_CHECKING:
    from synthsuite.evaluation.results import Result


def register(commands: argparse._SubParsersAction, baselines: argparse._SubParsersAction) -> None:
    """The force suite's baselines and its human-study command."""
    _add_force_prompt(baselines)
    _add_force_computed(baselines)
    _add_force_study(commands)


FORCE_PROMPT_EPILOG = """examples:
  synthsuite baseline force-prompt tiny-base /tmp/tiny-cogvideox
  synthsuite baseline force-prompt train --base /tmp/tiny-cogvideox --variant point --out runs/tiny \\
      --point data/force-point-tiny --set frames=9 --set steps=20 --set mixed_precision=no
  synthsuite baseline force-prompt generate --model runs/tiny --image first.png \\
      --prompt "A red ball on grass." --poke 48,30,90,0.5 --frames 9 --out video.mp4
  synthsuite baseline force-prompt train --base THUDM/CogVideoX-5b-I2V --variant wind --out runs/wind
  synthsuite baseline force-prompt generate --base THUDM/CogVideoX-5b-I2V \\
      --released step-5000-checkpoint-point-force.pt --image apple.png --prompt "..." --poke 360,200,135,0.5

Multi-GPU: accelerate launch --config_file baselines/force/prompt/configs/accelerate_4gpu_deepspeed.yaml \\
  -m synthsuite baseline force-prompt train ... (docs/force-prompt.md).
"""
# TrainSettings' fields and defaults, written out: building the parser must not import torch
TRAIN_SETTINGS = (
    "layers (6), frames (49), steps (5000), batch_size (1), gradient_accumulation (2), learning_rate (1e-5), "
    "weight_decay (1e-4), max_grad_norm (1.0), warmup_steps (250), cycles (1), checkpoint_every (500), "
    "seed (42), mixed_precision (bf16|fp16|no), gradient_checkpointing (true), weight (1.0)"
)


def _add_force_prompt(baselines: argparse._SubParsersAction) -> None:
    parser = baselines.add_parser(
        "force-prompt",
        help="the Force Prompting model: CogVideoX image-to-video with a force ControlNet (train, generate)",
        description="Train the force branch of CogVideoX image-to-video on the force datasets, or generate "
        "a video from a first frame, a prompt and a force; also the paper's text-only baselines.",
        epilog=FORCE_PROMPT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    bare_help(parser)

    tiny = actions.add_parser(
        "tiny-base",
        help="write a tiny random CogVideoX image-to-video model (96x64, 9 frames) to try everything offline",
    )
    tiny.add_argument("out", type=Path, help="folder to write (must not exist)")
    tiny.add_argument("--seed", type=int, default=0, help="weights seed (default 0)")
    tiny.add_argument(
        "--resolution",
        default="96x64",
        metavar="WxH",
        help="frame size, multiples of 16 (default 96x64, the force datasets' tiny profile; the tiny "
        "force-benchmark is 144x96)",
    )
    add_json(tiny)
    tiny.set_defaults(handler=_tiny_base)

    train = actions.add_parser(
        "train",
        help="train the force branch (or the text-only fine-tuned baseline); resumes by itself",
        description="Precompute T5 embeddings and VAE latents (cached, resumable), then train the branch "
        "with the paper's recipe. Run the same command again after an interruption: it resumes from the "
        "last checkpoint. Writes OUT/controlnet/ (the branch), OUT/checkpoints/, OUT/log.jsonl and "
        "OUT/training.json; the base model is only read.",
    )
    train.add_argument(
        "--base", required=True, help="CogVideoX image-to-video base: a diffusers folder or Hub id"
    )
    train.add_argument(
        "--variant",
        default="point",
        help="point, wind or joint (50/50 point and wind batches); default point",
    )
    train.add_argument(
        "--text-only",
        action="store_true",
        help="the paper's text-only fine-tuned baseline: all-zero control, the force in words in the prompts",
    )
    train.add_argument(
        "--point", metavar="DATASET", help="force-point folder or ORG/NAME (default synthsuite/force-point)"
    )
    train.add_argument(
        "--wind", metavar="DATASET", help="force-wind folder or ORG/NAME (default synthsuite/force-wind)"
    )
    train.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="run folder (resumes when it exists)"
    )
    train.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"training setting (repeatable): {TRAIN_SETTINGS}",
    )
    add_progress(train)
    add_json(train)
    train.set_defaults(handler=_train)

    generate = actions.add_parser(
        "generate",
        help="generate one video from a first frame, a prompt and a force; writes an mp4",
        description="Run the pipeline (CogVideoXDPMScheduler, 50 steps, CFG 6 by default). Without --model, "
        "--controlnet or --released it is the paper's text-only zero-shot baseline (the base model, force in "
        "words).",
    )
    generate.add_argument(
        "--base", help="base model folder or Hub id (default: the one --model was trained on)"
    )
    generate.add_argument(
        "--model", type=Path, metavar="RUN", help="a `train` output folder (its final branch)"
    )
    generate.add_argument(
        "--controlnet",
        type=Path,
        metavar="DIR",
        help="a branch folder (e.g. RUN/checkpoints/step-N/controlnet)",
    )
    generate.add_argument(
        "--released", type=Path, metavar="PT", help="the original's step-5000-checkpoint-*.pt"
    )
    generate.add_argument(
        "--released-variant", default="point", help="point or wind: what --released was trained on"
    )
    generate.add_argument(
        "--image", type=Path, required=True, help="first frame (PNG/JPEG), exactly the model's size"
    )
    generate.add_argument("--prompt", required=True, help="a detailed CogVideoX-style prompt")
    generate.add_argument(
        "--poke",
        action="append",
        default=[],
        metavar="X,Y,ANGLE,STRENGTH",
        help="a point force: pixel (origin bottom-left), degrees in [0, 360) (0 right, 90 up), strength in "
        "[0, 1]; repeat for several forces (their blobs add)",
    )
    generate.add_argument(
        "--wind", metavar="ANGLE,SPEED", help="a wind: degrees in [0, 360), speed in [0, 1]"
    )
    generate.add_argument(
        "--object", default="object", help="the poked object's name, for the text-only prompts"
    )
    generate.add_argument(
        "--frames", type=int, default=49, help="frames: 1 + 8k, e.g. 49 (default) or 9 (tiny)"
    )
    generate.add_argument("--steps", type=int, default=50, help="denoising steps (default 50)")
    generate.add_argument(
        "--guidance", type=float, default=6.0, help="classifier-free guidance scale (default 6)"
    )
    generate.add_argument(
        "--weight", type=float, default=1.0, help="weight of the branch's residuals (default 1)"
    )
    generate.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    generate.add_argument(
        "--fps", type=int, default=8, help="frame rate of the generated frames (default 8, the paper's)"
    )
    generate.add_argument(
        "--every",
        type=int,
        default=1,
        metavar="N",
        help="write every N-th frame at fps/N, as a force-benchmark profile's frame step (tiny 4, small 2, "
        "paper 1: the default)",
    )
    generate.add_argument("--out", type=Path, required=True, help="the mp4 to write")
    add_progress(generate)
    add_json(generate)
    generate.set_defaults(handler=_generate)


def _quiet(args: argparse.Namespace) -> None:
    """No loading bars from diffusers and transformers unless progress is shown."""
    if not show_progress(args):
        import diffusers
        import transformers

        diffusers.utils.logging.disable_progress_bar()
        transformers.utils.logging.disable_progress_bar()


def _tiny_base(args: argparse.Namespace) -> None:
    if args.out.exists():
        raise UserError(f"{args.out} already exists", "pass a new folder")
    from synthsuite.baselines.force.prompt import tiny

    width, _, height = args.resolution.partition("x")
    if not (width.isdigit() and height.isdigit()):
        raise UserError(f"--resolution {args.resolution!r} is not WIDTHxHEIGHT", "e.g. --resolution 144x96")
    tiny.save_base(args.out, seed=args.seed, width=int(width), height=int(height))
    data = {"base": str(args.out), "width": int(width), "height": int(height), "seed": args.seed}
    emit(
        args,
        data,
        f"wrote a tiny random CogVideoX image-to-video model ({args.resolution}, up to 49 frames) "
        f"to {args.out}",
    )


def _train(args: argparse.Namespace) -> None:
    import dataclasses
    import math

    from synthsuite.commands.key_values import parse_key_values

    values = parse_key_values(args.set, "--set", "steps=500")
    from synthsuite.baselines.force.prompt.train import TrainSettings, train

    _quiet(args)

    known = {f.name for f in dataclasses.fields(TrainSettings)} - {"variant", "text_only"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise UserError(
            f"unknown training setting {unknown[0]!r}", f"choose from: {', '.join(sorted(known))}"
        )
    if "betas" in values:
        values["betas"] = tuple(values["betas"])
    settings = TrainSettings(variant=args.variant, text_only=args.text_only, **values)
    datasets = {kind: value for kind, value in (("point", args.point), ("wind", args.wind)) if value}
    result = train(args.base, args.out, settings, datasets=datasets, progress=show_progress(args))
    last = f", last loss {result.losses[-1]:.4f}" if result.losses else ""
    data = {
        "run": str(args.out),
        "controlnet": str(args.out / "controlnet"),
        "resumed_from": result.resumed_from,
        "steps": result.steps,
        "last_loss": result.losses[-1] if result.losses and math.isfinite(result.losses[-1]) else None,
        "log": str(args.out / "log.jsonl"),
        "seconds": round(result.seconds, 3),
    }
    emit(
        args,
        data,
        f"trained steps {result.resumed_from}..{result.steps}{last}; "
        f"the branch is in {args.out / 'controlnet'}",
    )


def _parse_numbers(text: str, count: int, flag: str, example: str) -> list[float]:
    parts = text.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != count:
        raise UserError(
            f"{flag} {text!r} is not {count} comma-separated numbers", f"write it as e.g. {flag} {example}"
        )
    return numbers


def _generate(args: argparse.Namespace) -> None:
    """Check the inputs that need no model first, then load and run."""
    import json

    if args.every < 1 or args.fps % args.every:
        raise UserError(
            f"--every {args.every} does not divide --fps {args.fps}", "e.g. --every 4 with --fps 8"
        )
    if args.steps < 1:
        raise UserError(f"--steps must be at least 1, got {args.steps}", "pass --steps 50 (the paper's)")
    if bool(args.poke) == bool(args.wind):
        raise UserError(
            "give the force as --poke (repeatable) or --wind", "e.g. --poke 48,30,90,0.5 or --wind 180,0.7"
        )
    if sum(x is not None for x in (args.model, args.controlnet, args.released)) > 1:
        raise UserError("--model, --controlnet and --released each name a branch", "pass at most one of them")
    if not args.image.is_file():
        raise UserError(f"image {args.image} does not exist", "pass the first frame as a PNG or JPEG file")
    base, controlnet = args.base, args.controlnet
    if args.model is not None:
        run = args.model / "run.json"
        if not (args.model / "controlnet" / "config.json").is_file() or not run.is_file():
            raise UserError(
                f"{args.model} holds no finished training run (run.json, controlnet/)",
                "pass the --out folder of a finished `synthsuite baseline force-prompt train`",
            )
        base = base or json.loads(run.read_text())["base"]
        controlnet = args.model / "controlnet"
    if base is None:
        raise UserError("no base model", "pass --base (e.g. THUDM/CogVideoX-5b-I2V or a folder)")

    from PIL import Image, UnidentifiedImageError

    from synthsuite.baselines.force.prompt import forces

    try:
        image = Image.open(args.image).convert("RGB")
    except (OSError, UnidentifiedImageError):
        raise UserError(f"cannot read {args.image} as an image", "pass a PNG or JPEG file") from None
    if args.wind:
        force = forces.Wind(*_parse_numbers(args.wind, 2, "--wind", "180,0.7"))
    else:
        force = [forces.PointForce(*_parse_numbers(p, 4, "--poke", "48,30,90,0.5")) for p in args.poke]
    forces.check_force(force, *image.size)  # before loading anything

    import torch

    from synthsuite.baselines.force.prompt.pipeline import ForcePromptPipeline, to_uint8, write_mp4

    _quiet(args)

    pipe = ForcePromptPipeline.from_parts(
        base, controlnet=controlnet, released=args.released, variant=args.released_variant
    )
    pipe.set_progress_bar_config(disable=not show_progress(args))
    output = pipe(
        image,
        args.prompt,
        force,
        weight=args.weight,
        object_description=args.object,
        num_frames=args.frames,
        num_inference_steps=args.steps,
        guidance_scale=args.guidance,
        generator=torch.Generator().manual_seed(args.seed),
    )
    frames = to_uint8(output.frames[0])[:: args.every]
    fps = args.fps // args.every
    write_mp4(frames, args.out, fps=fps)
    data = {"video": str(args.out), "model": pipe.model_name(), "frames": len(frames), "fps": fps}
    emit(args, data, f"wrote {args.out} ({pipe.model_name()}, {len(frames)} frames at {fps} fps)")


COMPUTED_EPILOG = """examples:
  synthsuite baseline force-computed                                  # every baseline on every force task
  synthsuite baseline force-computed --task force/point-adherence --baseline warp --baseline still
  synthsuite baseline force-computed --dataset DIR --out results/force
"""


def _add_force_computed(baselines: argparse._SubParsersAction) -> None:
    parser = baselines.add_parser(
        "force-computed",
        help="videos made by a formula (still, text-only stand-in, warp) and the ground truth, scored",
        description="Write each baseline's videos for a force task's benchmark rows as a submission folder "
        "and score it like any model's: OUT/<task>/<baseline>/*.mp4 and OUT/<task>/<baseline>.results.json. "
        "Baselines: still (first frame repeated), text-only (a warp in a random direction: ignores the "
        "force), warp (the first frame pushed along the force or sheared along the wind), ground-truth.",
        epilog=COMPUTED_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--task", action="append", metavar="TASK", help="force task (repeatable; default: all)"
    )
    parser.add_argument(
        "--baseline",
        action="append",
        metavar="NAME",
        help="still, text-only, warp, ground-truth (default: all)",
    )
    parser.add_argument("--dataset", help="force-benchmark folder or ORG/NAME (default: the task's repo)")
    parser.add_argument("--seed", type=int, default=0, help="the text-only directions' seed (default 0)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("results/force"),
        metavar="DIR",
        help="output folder (default results/force)",
    )
    add_json(parser)
    parser.set_defaults(handler=_force_computed)


def _force_computed(args: argparse.Namespace) -> None:
    from synthsuite.baselines.force import computed
    from synthsuite.evaluation.tasks import get_task, list_tasks
    from synthsuite.kernel.errors import check_choice

    names = args.baseline or list(computed.BASELINES)
    for name in names:
        check_choice("force baseline", name, computed.BASELINES)
    tasks = [get_task(t) for t in args.task] if args.task else list_tasks("force")
    for task in tasks:
        if task.suite != "force":
            raise UserError(f"{task.name} is not a force task", "see `synthsuite tasks --suite force`")
    results = []
    for task in tasks:
        for name in dict.fromkeys(names):
            result = computed.run(task, name, args.out, dataset=args.dataset, seed=args.seed)
            note(args, f"{task.name} {name}: {task.main_score} {result.main_score:.3f}")
            results.append((task.main_score, name, result))
    note(args, f"wrote videos and results to {args.out}")
    data = [{"baseline": name, **result.model_dump(mode="json")} for _, name, result in results]
    emit(args, data, lambda: _print_computed(results))


def _print_computed(results: list[tuple[str, str, "Result"]]) -> None:
    """(main score's name, baseline, result) rows as a table."""
    print(f"\n{'task':<24}{'baseline':<14}main score")
    for main_score, name, result in results:
        print(f"{result.task.name:<24}{name:<14}{main_score} {result.main_score:.3f}")


STUDY_EPILOG = """examples:
  synthsuite force-study make --task force/point-adherence --a runs/fp/videos --b runs/text/videos \\
      --names force-prompt text-only --out study/
  synthsuite force-study aggregate study/ answers-*.json
"""


def _add_force_study(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "force-study",
        help="the paper's human study: 2AFC pairs and a static web form, then Table 1 with intervals",
        description="make: pair two models' videos for a force task (sides drawn at random per pair) and "
        "write a static web form (index.html, no server; raters download their answers as JSON) with the "
        "videos and key.json. aggregate: read the answers into the paper's Table 1 form, % preferring "
        "model A per scene type and criterion with 95% Wilson intervals.",
        epilog=STUDY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    bare_help(parser)
    make = actions.add_parser("make", help="write the pairs, the form and the key")
    make.add_argument("--task", required=True, help="a force task, e.g. force/point-adherence")
    make.add_argument("--a", type=Path, required=True, help="model A's submission (folder or parquet)")
    make.add_argument("--b", type=Path, required=True, help="model B's submission")
    make.add_argument(
        "--names", nargs=2, default=("A", "B"), metavar=("A", "B"), help="the two models' names"
    )
    make.add_argument("--dataset", help="force-benchmark folder or ORG/NAME (default: the task's repo)")
    make.add_argument("--seed", type=int, default=0, help="seed of the sides (default 0)")
    make.add_argument("--out", type=Path, required=True, help="the study folder to write (must not exist)")
    add_json(make)
    make.set_defaults(handler=_study_make)
    agg = actions.add_parser("aggregate", help="Table 1 from the study's key and the raters' answer files")
    agg.add_argument("study", type=Path, help="the folder `make` wrote")
    agg.add_argument("answers", type=Path, nargs="+", help="answer files downloaded from the form")
    add_json(agg)
    agg.set_defaults(handler=_study_aggregate)


def _study_make(args: argparse.Namespace) -> None:
    from synthsuite.evaluation.evaluator import open_task_dataset
    from synthsuite.evaluation.force import study
    from synthsuite.evaluation.tasks import get_task

    task = get_task(args.task)
    if task.suite != "force":
        raise UserError(f"{task.name} is not a force task", "see `synthsuite tasks --suite force`")
    source, _ = open_task_dataset(task, args.dataset)
    columns = [c for c in source.read(task.dataset.config, task.eval_split).column_names if c not in
               ("video", "first_frame")]  # fmt: skip
    rows = source.read(task.dataset.config, task.eval_split, columns).to_pylist()
    pairs = study.make_study(rows, args.a, args.b, args.out, names=tuple(args.names), seed=args.seed)
    data = {
        "study": str(args.out),
        "task": task.name,
        "models": {"A": args.names[0], "B": args.names[1]},
        "pairs": len(pairs),
        "form": str(args.out / "index.html"),
        "key": str(args.out / "key.json"),
    }
    emit(
        args,
        data,
        f"wrote {len(pairs)} pairs to {args.out}: send index.html and videos/ to raters, keep key.json",
    )


def _study_aggregate(args: argparse.Namespace) -> None:
    from synthsuite.evaluation.force import study

    result = study.aggregate(args.study, args.answers)
    emit(args, result, study.table_markdown(result))
