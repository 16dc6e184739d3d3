"""The motion suite's command: `synthsuite correct MOTIONS.parquet --out DIR`."""

import argparse
import json
import os
from pathlib import Path

from synthsuite.commands.conventions import add_json, add_progress, emit, note, show_progress
from synthsuite.kernel.errors import UserError

EPILOG = """examples:
  synthsuite correct samples.parquet --out corrected/
  synthsuite correct mdm_samples.parquet --up y --fps 20 --workers 2 --out corrected/
  synthsuite correct samples.parquet --refine 3 --out corrected/

The file holds one row per motion: `joints` (frames x 22 x 3, HumanML3D joint order, metres, z up
unless --up y), optional `sample_id` and `fps`. Writes DIR/corrected.parquet (the simulated
motions and their metrics before and after) and DIR/report.json.
"""


def register(commands: argparse._SubParsersAction, baselines: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "correct",
        help="imitate motions in MuJoCo (physics correction) and report their physics metrics",
        description="Correct motions with the physics corrector (tracking control with a bounded residual "
        "root force on dm_control's CMU humanoid) and report Penetrate, Float, Skate, Phys-Err, Jitter "
        "and Overspeed before and after.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("motions", type=Path, metavar="MOTIONS.parquet", help="the motions to correct")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    parser.add_argument(
        "--fps", type=float, default=20.0, help="frame rate of rows without an fps (default 20)"
    )
    parser.add_argument(
        "--up", choices=("z", "y"), default="z", help="the input's up axis (y: HumanML3D's axes)"
    )
    parser.add_argument(
        "--refine",
        type=int,
        default=0,
        metavar="N",
        help="CEM iterations lowering the residual force (default 0)",
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes (default: all cores)"
    )
    add_progress(parser)
    add_json(parser)
    parser.set_defaults(handler=_correct)


def _correct(args: argparse.Namespace) -> None:
    """Read and check every motion, then correct; nothing is written when an input is wrong."""
    from synthsuite.datasets_src.motion import batch
    from synthsuite.datasets_src.motion.corrector import CorrectorSettings
    from synthsuite.datasets_src.motion.humanoid import check_mujoco
    from synthsuite.datasets_src.motion.motions_file import read_motions, write_corrected
    from synthsuite.kernel.atomic import atomic_write_text

    if args.workers < 1:
        raise UserError(f"--workers must be at least 1, got {args.workers}", "pass --workers 1 or more")
    if not 0 <= args.refine <= 50:
        raise UserError(f"--refine must be 0..50, got {args.refine}", "e.g. --refine 3")
    if args.out.exists() and not args.out.is_dir():
        raise UserError(f"--out {args.out} is a file", "pass a folder")
    check_mujoco()
    motions = read_motions(args.motions, args.fps, args.up)
    settings = CorrectorSettings(refine_iterations=args.refine)
    results = batch.correct_all(motions.clips, settings, workers=args.workers, progress=show_progress(args))
    args.out.mkdir(parents=True, exist_ok=True)
    write_corrected(args.out / "corrected.parquet", motions.ids, results, args.up)
    report = batch.report(motions.ids, results, settings)
    atomic_write_text(args.out / "report.json", json.dumps(report, indent=2, sort_keys=True) + "\n")
    note(args, f"wrote {args.out / 'corrected.parquet'} and {args.out / 'report.json'}")
    emit(args, report, lambda: _print_report(report))


def _print_report(report: dict) -> None:
    print(f"{'metric':<12}{'before':>10}{'after':>10}  (mean over {report['corrected']} corrected motions)")

    def number(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    for name, values in report["metrics"].items():
        print(f"{name:<12}{number(values['before']):>10}{number(values['after']):>10}  {values['unit']}")
    print(
        f"residual force: {number(report['residual_force_ratio'])} x body weight on average; "
        f"{report['failed']} of {report['motions']} motions could not be simulated"
    )
    for failure in report["failures"][:5]:
        print(f"  {failure['sample_id']}: {failure['message']}")
