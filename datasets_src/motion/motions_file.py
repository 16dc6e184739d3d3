"""Reading anyone's motions from parquet, strictly, and writing corrected ones.

A motions file has one row per clip: `joints` (frames x 22 x 3 as nested lists, an Array3D column
of this suite's datasets, or a flat list of frames*66 numbers), optionally `sample_id` (strings;
default: the row number) and `fps` (default: the --fps given, 20). Joints are in HumanML3D's order,
metres, z up (or y up, converted with `up="y"`). Every check runs before anything is corrected, and
a bad file is refused with one line naming the first problem.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from synthsuite.datasets_src.motion.clip import MotionClip, clip_problem, fps_ok
from synthsuite.datasets_src.motion.skeleton import JOINT_NAMES, NUM_JOINTS, PARENTS, from_y_up
from synthsuite.kernel.errors import UserError

MAX_BYTES = 1 << 30  # 1 GiB
MAX_ROWS = 100_000
MAX_BONE, MIN_BONE = 0.8, 0.01  # m: a bone outside this is not a person's, or the order is wrong
UPRIGHT = 0.5  # m: the head's mean height above the ankles along the up axis (a squat keeps ~0.9)
FORMAT_FIX = (
    "write one row per clip with `joints` (frames x 22 x 3, HumanML3D order, metres) and optional "
    "`sample_id`, `fps`"
)


@dataclass(frozen=True)
class Motions:
    ids: list[str]
    clips: list[MotionClip]


def read_motions(path: Path, fps: float = 20.0, up: str = "z") -> Motions:
    """Every clip of `path`, validated; UserError on the first problem."""
    if not path.is_file():
        raise UserError(f"motions file {path} does not exist", "pass a parquet file of motions")
    if path.stat().st_size > MAX_BYTES:
        raise UserError(
            f"{path} is {path.stat().st_size / 2**30:.1f} GiB, over the {MAX_BYTES >> 30} GiB limit",
            "split it into several files",
        )
    try:
        parquet = pq.ParquetFile(path)
        names = parquet.schema_arrow.names
        if parquet.metadata.num_rows > MAX_ROWS:
            raise UserError(f"{path} has {parquet.metadata.num_rows:,} rows, over {MAX_ROWS:,}", "split it")
        if "joints" not in names:
            raise UserError(f"{path} has no column 'joints' (it has {', '.join(names)})", FORMAT_FIX)
        table = parquet.read(columns=[c for c in ("sample_id", "joints", "fps") if c in names])
    except (OSError, pa.ArrowInvalid) as exc:
        raise UserError(f"{path} is not a readable parquet file ({exc})", FORMAT_FIX) from None
    if table.num_rows == 0:
        raise UserError(f"{path} holds no motions", FORMAT_FIX)
    if not fps_ok(fps):
        raise UserError(f"--fps {fps} does not divide the simulator's 200 Hz", "use e.g. 20, 25, 40 or 50")
    ids = _ids(path, table)
    rates = _rates(path, table, fps)
    clips = []
    for row, (sample_id, value, rate) in enumerate(
        zip(ids, table.column("joints").to_pylist(), rates, strict=True)
    ):
        joints = _array(path, sample_id, value)
        if up == "y":
            joints = from_y_up(joints)
        problem = clip_problem(joints, rate) or skeleton_problem(joints)
        if problem is not None:
            raise UserError(f"{path}: motion {sample_id!r} (row {row}): {problem}", FORMAT_FIX)
        clips.append(MotionClip(joints, rate))
    return Motions(ids, clips)


def _ids(path: Path, table: pa.Table) -> list[str]:
    if "sample_id" not in table.column_names:
        return [str(i) for i in range(table.num_rows)]
    ids = table.column("sample_id").to_pylist()
    if any(not isinstance(i, str) for i in ids):
        raise UserError(f"{path}: column 'sample_id' must hold strings, without nulls", FORMAT_FIX)
    if len(set(ids)) != len(ids):
        raise UserError(f"{path}: sample ids repeat", "give every motion a unique sample_id")
    return ids


def _rates(path: Path, table: pa.Table, fps: float) -> list[float]:
    if "fps" not in table.column_names:
        return [float(fps)] * table.num_rows
    rates = table.column("fps").to_pylist()
    for rate in rates:
        if not isinstance(rate, int | float) or isinstance(rate, bool) or not fps_ok(rate):
            raise UserError(
                f"{path}: unknown fps {rate!r}", "use a rate dividing 200 Hz, e.g. 20 (HumanML3D's)"
            )
    return [float(r) for r in rates]


def _array(path: Path, sample_id: str, value) -> np.ndarray:
    try:
        joints = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise UserError(f"{path}: motion {sample_id!r} is not an array of numbers", FORMAT_FIX) from None
    if joints.ndim == 1 and joints.size % (NUM_JOINTS * 3) == 0:
        joints = joints.reshape(-1, NUM_JOINTS, 3)
    if joints.ndim == 3 and joints.shape[1:] == (NUM_JOINTS * 3, 1):
        joints = joints.reshape(-1, NUM_JOINTS, 3)
    return joints


def skeleton_problem(joints: np.ndarray) -> str | None:
    """Why these 22 joints are not a HumanML3D skeleton standing z up, or None.

    Bones (joint to parent) must be 1-80 cm long on average, the head at least 0.5 m above the
    ankles along z on average, and each
    foot joint ahead of its ankle relative to where the hips face (else left and right, or the
    order, are wrong)."""
    bones = np.linalg.norm(joints[:, 1:] - joints[:, list(PARENTS[1:])], axis=2).mean(axis=0)
    for child, length in enumerate(bones, start=1):
        if not MIN_BONE <= length <= MAX_BONE:
            return (
                f"the bone {JOINT_NAMES[PARENTS[child]]} -> {JOINT_NAMES[child]} is {length:.2f} m long: "
                f"the joints are not 22 in HumanML3D's order, in metres"
            )
    height = np.mean(joints[:, 15, 2] - 0.5 * (joints[:, 7, 2] + joints[:, 8, 2]))
    if height < UPRIGHT:
        return (
            f"the head is {height:.2f} m above the ankles along z, not a standing person's "
            f"{UPRIGHT} m or more: the motion is not z up (pass --up y for HumanML3D's axes)"
        )
    left = joints[:, 1] - joints[:, 2]
    forward = np.cross(left, np.array([0.0, 0.0, 1.0]))
    forward /= np.maximum(np.linalg.norm(forward, axis=1, keepdims=True), 1e-9)
    for ankle, foot in ((7, 10), (8, 11)):
        if np.mean(((joints[:, foot] - joints[:, ankle]) * forward).sum(1)) <= 0:
            return "the feet point backwards: left and right (or the joint order) are swapped"
    return None


def write_corrected(path: Path, ids: list[str], results: list, up: str = "z") -> None:
    """The corrected motions (same axes as the input) with before/after metrics, atomically."""
    from synthsuite.datasets_src.motion.metrics import METRIC_NAMES
    from synthsuite.datasets_src.motion.skeleton import to_y_up
    from synthsuite.kernel.atomic import atomic_write_bytes

    def joints_of(result) -> list:
        joints = result.motion.joints.astype(np.float32)
        return (to_y_up(joints) if up == "y" else joints).tolist()

    columns = {
        "sample_id": pa.array(ids, pa.string()),
        "joints": pa.array([joints_of(r) for r in results], pa.list_(pa.list_(pa.list_(pa.float32())))),
        "fps": pa.array([r.motion.fps for r in results], pa.float32()),
        "ok": pa.array([r.ok for r in results], pa.bool_()),
        "message": pa.array([r.message for r in results], pa.string()),
        "residual_force": pa.array([r.residual_force for r in results], pa.float32()),
        "residual_force_ratio": pa.array([r.residual_force_ratio for r in results], pa.float32()),
        "tracking_error": pa.array([r.tracking_error for r in results], pa.float32()),
    }
    for name in METRIC_NAMES:
        columns[f"before_{name}"] = pa.array([getattr(r.before, name) for r in results], pa.float32())
        columns[f"after_{name}"] = pa.array([getattr(r.after, name) for r in results], pa.float32())
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(columns), sink, compression="zstd")
    atomic_write_bytes(path, sink.getvalue().to_pybytes())
