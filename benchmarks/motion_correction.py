"""Motion suite figures, written to reference/runs/motion/ (docs tables: benchmarks/motion_tables.py).

    python benchmarks/motion_correction.py speed [--per-family 1] [--refine 2]
    python benchmarks/motion_correction.py score --dataset BUILD [--workers 2]
    python benchmarks/motion_correction.py figures --dataset BUILD

`speed`, side by side in one run: the corrector against raw MuJoCo stepping of the same model and
the same number of steps, clip generation per family and the paper profile's projected time, the
optional CEM refinement (speed.json). Times are CPU seconds of this
process (`time.process_time`), which the machine's load barely changes, and wall seconds; the load
average is recorded.

`score`: the corrector on every motion of a build's `pairs` test split, scored as the
motion/correction task scores it, with each artifact type's metric before and after and the
distance to the clean source per family, and the build's bytes per clip (correction-<profile>.json).
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from synthsuite.datasets_src.motion import artifacts, corrector, families, synthesis
from synthsuite.datasets_src.motion.clip import MotionClip
from synthsuite.datasets_src.motion.generator import SIZES
from synthsuite.datasets_src.motion.skeleton import FPS

ROOT = Path(__file__).resolve().parent.parent
RUNS = ROOT / "reference" / "runs" / "motion"


def cpu_and_wall(function, *args, **kwargs):
    cpu, wall = time.process_time(), time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.process_time() - cpu, time.perf_counter() - wall


def raw_steps(humanoid, qpos0: np.ndarray, steps: int) -> float:
    """CPU seconds of `steps` plain mj_step calls of the same model from the same first pose."""
    import mujoco

    data = mujoco.MjData(humanoid.model)
    data.qpos[:] = qpos0
    mujoco.mj_forward(humanoid.model, data)
    start = time.process_time()
    mujoco.mj_step(humanoid.model, data, nstep=steps)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    modes = parser.add_subparsers(dest="mode", required=True)
    speed_parser = modes.add_parser("speed", help="corrector vs raw mj_step, generation, refinement")
    speed_parser.add_argument("--per-family", type=int, default=1, help="clips generated per family")
    speed_parser.add_argument(
        "--refine", type=int, default=2, help="clips corrected again with CEM refinement"
    )
    speed_parser.add_argument("--seed", type=int, default=0)
    score_parser = modes.add_parser("score", help="the corrector on a build's pairs test split")
    score_parser.add_argument("--dataset", type=Path, required=True, help="a motion-correction build")
    score_parser.add_argument("--workers", type=int, default=2)
    figures_parser = modes.add_parser(
        "figures", help="docs/img: a strip per family, corrections before/after"
    )
    figures_parser.add_argument("--dataset", type=Path, required=True, help="a motion-correction build")
    args = parser.parse_args()
    {"speed": speed, "score": score, "figures": figures}[args.mode](args)


def figures(args: argparse.Namespace) -> None:
    """docs/img/motion-families.png (three moments of one clean clip per family, rendered by MuJoCo on
    EGL) and docs/img/motion-correction.png (each artifact's metric before and after correction, from
    reference/runs/motion/correction-small.json)."""
    from synthsuite.datasets_src.motion import video

    video.prepare_backend()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from synthsuite.datasets_src.access import open_dataset
    from synthsuite.datasets_src.motion.humanoid import load_humanoid

    source = open_dataset(args.dataset, configs=["clean"])
    table = source.read("clean", "train", ["family", "caption", "qpos"]).to_pydict()
    humanoid = load_humanoid()
    picked = {}
    for i, family in enumerate(table["family"]):
        picked.setdefault(family, i)
    fig, axes = plt.subplots(len(picked), 1, figsize=(7.5, 1.9 * len(picked)))
    for ax, (family, i) in zip(axes, picked.items(), strict=True):
        qpos = np.asarray(table["qpos"][i], dtype=np.float64)
        moments = qpos[np.linspace(0, len(qpos) - 1, 4).astype(int)[1:]]
        ax.imshow(np.concatenate(video.render_frames(humanoid, moments, 240, 180), axis=1))
        ax.set_title(f"{family}: {table['caption'][i]}", fontsize=8, loc="left")
        ax.axis("off")
    fig.tight_layout()
    img = ROOT / "docs" / "img"
    fig.savefig(img / "motion-families.png", dpi=80)
    record = json.loads((RUNS / "correction-small.json").read_text())
    kinds = artifacts.ARTIFACTS
    fig, axes = plt.subplots(1, len(kinds), figsize=(12, 2.6))
    for ax, kind in zip(axes, kinds, strict=True):
        metric = artifacts.METRIC_OF[kind]
        rows = [r for r in record["rows"] if kind in r["artifacts"]]
        values = [np.mean([r[state][metric] for r in rows]) for state in ("clean", "before", "after")]
        ax.bar(["clean", "artifacted", "corrected"], values, color=["#7a9", "#d75", "#58b"])
        ax.set_title(f"{kind} ({metric}, {len(rows)} motions)", fontsize=9)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    fig.savefig(img / "motion-correction.png", dpi=90)
    print(f"wrote {img / 'motion-families.png'} and {img / 'motion-correction.png'}")


def score(args: argparse.Namespace) -> None:
    from synthsuite.datasets_src.access import open_dataset
    from synthsuite.datasets_src.motion.batch import correct_all
    from synthsuite.evaluation.motion.scoring import motion_scores

    source = open_dataset(args.dataset, configs=["clean", "pairs"])
    families_summary = clean_summary(source)
    table = source.read("pairs", "test").to_pydict()
    clips = [
        MotionClip(np.asarray(j, dtype=np.float64), f)
        for j, f in zip(table["joints"], table["fps"], strict=True)
    ]
    started = time.perf_counter()
    results = correct_all(clips, corrector.CorrectorSettings(), workers=args.workers)
    wall = time.perf_counter() - started
    clean = [np.asarray(j, dtype=np.float64) for j in table["clean_joints"]]
    scores = motion_scores(
        table["sample_id"], [r.motion.joints for r in results], clean, [c.joints for c in clips],
        table["artifacts"], np.asarray(table["fps"]),
    )  # fmt: skip
    rows = [
        {
            "sample_id": table["sample_id"][i],
            "family": table["family"][i],
            "artifacts": table["artifacts"][i],
            "ok": result.ok,
            "attempts": result.attempts,
            "distance_m": float(np.linalg.norm(result.motion.joints - clean[i], axis=2).mean()),
            "residual_force_ratio": result.residual_force_ratio,
            "before": result.before.as_dict(),
            "after": result.after.as_dict(),
            "clean": {k: float(table[f"clean_{k}"][i]) for k in result.before.as_dict()},
        }
        for i, result in enumerate(results)
    ]
    configs = source.manifest["configs"]
    record = {
        "command": "python benchmarks/motion_correction.py score "
        f"--dataset {args.dataset} --workers {args.workers}",
        "dataset_revision": source.data_revision("pairs"),
        "profile": source.manifest["profile"],
        "wall_s": wall,
        "load_average": os.getloadavg(),
        "scores": scores,
        "bytes_per_clip": {
            config: sum(s["download_bytes"] for s in entry["splits"].values())
            / sum(s["num_examples"] for s in entry["splits"].values())
            for config, entry in configs.items()
        },
        "clean_families": families_summary,
        "rows": rows,
    }
    RUNS.mkdir(parents=True, exist_ok=True)
    target = RUNS / f"correction-{source.manifest['profile']}.json"
    target.write_text(json.dumps(record, indent=1) + "\n")
    for key, value in scores.items():
        print(f"{key:24s} {value:9.2f}")
    print(f"wrote {target.relative_to(ROOT)}")


def clean_summary(source) -> dict:
    """Per family, over every split of the `clean` config: clips, frames, draws, residual, metrics."""
    metrics = ["penetrate", "float", "skate", "jitter"]
    columns = ["family", "frames", "attempts", "residual_force", "tracking_error", *metrics]
    tables = [source.read("clean", split, columns).to_pydict() for split in source.splits("clean")]
    merged = {c: [v for t in tables for v in t[c]] for c in columns}
    out = {}
    for family in dict.fromkeys(merged["family"]):
        mine = [i for i, f in enumerate(merged["family"]) if f == family]
        out[family] = {"clips": len(mine)} | {
            c: [float(merged[c][i]) for i in mine] for c in columns if c != "family"
        }
    return out


def quick() -> list[tuple[str, str, str, float, str]]:
    """Rows for benchmarks/bench.py: one clip of every family, an artifact injected in each (the kinds
    in turn, as `speed`), corrected; seconds of motion per CPU second."""
    humanoid = corrector._humanoid()
    motion_seconds = cpu_seconds = 0.0
    for f, name in enumerate(families.FAMILIES):
        rng = np.random.default_rng([0, f, 0])
        clip = synthesis.synthesize(humanoid, name, rng)
        joints, _, _ = artifacts.inject(clip.joints, artifacts.KINDS[f % len(artifacts.KINDS)], rng, FPS)
        _, cpu, _ = cpu_and_wall(corrector.correct, MotionClip(joints, FPS))
        motion_seconds, cpu_seconds = motion_seconds + joints.shape[0] / FPS, cpu_seconds + cpu
    return [
        (
            f"motion corrector, one clip of each of {len(families.FAMILIES)} families: x real time per core",
            f"{motion_seconds:.0f} s of motion in {cpu_seconds:.1f} CPU s",
            "real time",
            motion_seconds / cpu_seconds,
            ">= 20",
        )
    ]


def speed(args: argparse.Namespace) -> None:
    humanoid = corrector._humanoid()
    timestep = humanoid.model.opt.timestep
    generated, corrected = [], []
    clips = []
    for f, name in enumerate(families.FAMILIES):
        for k in range(args.per_family):
            rng = np.random.default_rng([args.seed, f, k])
            clip, cpu, wall = cpu_and_wall(synthesis.synthesize, humanoid, name, rng)
            generated.append({"family": name, "frames": clip.joints.shape[0], "attempts": clip.attempts,
                              "cpu_s": cpu, "wall_s": wall, "residual": clip.residual_force})  # fmt: skip
            clips.append((name, clip, rng))
            print(
                f"generated {name:15s} {clip.joints.shape[0]:4d} frames in {cpu:5.2f} CPU s "
                f"({clip.attempts} draws)"
            )

    for i, (name, clip, rng) in enumerate(clips):
        kind = artifacts.KINDS[i % len(artifacts.KINDS)]
        joints, kinds, _ = artifacts.inject(clip.joints, kind, rng, FPS)
        result, cpu, wall = cpu_and_wall(corrector.correct, MotionClip(joints, FPS))
        frames = joints.shape[0]
        steps = (frames - 1) * round(1 / (FPS * timestep))
        raw = raw_steps(humanoid, clip.qpos[0], steps)
        seconds = frames / FPS
        corrected.append({"family": name, "artifacts": kinds, "frames": frames, "ok": result.ok,
                          "attempts": result.attempts, "cpu_s": cpu, "wall_s": wall, "raw_cpu_s": raw,
                          "clip_s": seconds, "residual": result.residual_force_ratio})  # fmt: skip
        print(
            f"corrected {name:15s} {'+'.join(kinds):28s} {seconds / cpu:5.1f}x real time per core "
            f"(raw mj_step {seconds / raw:5.1f}x, overhead {cpu / raw:4.2f}x)"
        )

    refined = []
    for name, clip, rng in clips[: args.refine]:
        joints, kinds, _ = artifacts.inject(clip.joints, "skating", rng, FPS)
        motion = MotionClip(joints, FPS)
        plain = corrector.correct(motion)
        settings = corrector.CorrectorSettings(refine_iterations=3, refine_samples=8)
        result, cpu, _ = cpu_and_wall(corrector.correct, motion, settings)
        refined.append(
            {
                "family": name,
                "residual_before": plain.residual_force_ratio,
                "residual_after": result.residual_force_ratio,
                "error_before": plain.tracking_error,
                "error_after": result.tracking_error,
                "cpu_s": cpu,
                "clip_s": joints.shape[0] / FPS,
            }
        )
        print(
            f"refined   {name:15s} residual {plain.residual_force_ratio:.3f} -> "
            f"{result.residual_force_ratio:.3f} x weight, in {cpu:.1f} CPU s"
        )

    clip_s = sum(c["clip_s"] for c in corrected)
    summary = {
        "corrector_x_real_time_per_core": clip_s / sum(c["cpu_s"] for c in corrected),
        "raw_mj_step_x_real_time_per_core": clip_s / sum(c["raw_cpu_s"] for c in corrected),
        "overhead_vs_raw_mj_step": sum(c["cpu_s"] for c in corrected)
        / sum(c["raw_cpu_s"] for c in corrected),
        "corrections_per_cpu_s": len(corrected) / sum(c["cpu_s"] for c in corrected),
        "generation_cpu_s_per_clip": float(np.mean([g["cpu_s"] for g in generated])),
        "generation_cpu_s_per_clip_second": sum(g["cpu_s"] for g in generated)
        / sum(g["frames"] / FPS for g in generated),
    }
    paper_clips = sum(SIZES["clean"]["paper"]) + sum(SIZES["pairs"]["paper"])
    paper_cpu = paper_clips * summary["generation_cpu_s_per_clip"]
    summary["paper_clips"] = paper_clips
    summary["paper_projected_minutes_2_workers"] = paper_cpu / 2 / 60
    summary["paper_projected_minutes_ray_64_cpus"] = paper_cpu / 64 / 60
    if refined:
        summary["refinement_residual_before"] = float(np.mean([r["residual_before"] for r in refined]))
        summary["refinement_residual_after"] = float(np.mean([r["residual_after"] for r in refined]))
        summary["refinement_cpu_s_per_clip_second"] = sum(r["cpu_s"] for r in refined) / sum(
            r["clip_s"] for r in refined
        )
    record = {
        "command": "python benchmarks/motion_correction.py speed "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if k != "mode"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "load_average": os.getloadavg(),
        "summary": summary,
        "generated": generated,
        "corrected": corrected,
        "refined": refined,
    }
    RUNS.mkdir(parents=True, exist_ok=True)
    (RUNS / "speed.json").write_text(json.dumps(record, indent=1) + "\n")
    print()
    for key, value in summary.items():
        print(f"{key:42s} {value:10.2f}")
    print(f"load average {os.getloadavg()[0]:.1f}; wrote {(RUNS / 'speed.json').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
