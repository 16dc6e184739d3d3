"""The main process's side of the render worker: find and check the Blender Python, start one
worker per process (lazily, killed at exit, restarted if it died), send jobs, read answers.

The main venv never imports bpy (bpy 5.0.1 pins numpy<2; see worker.py). Which Python runs
Blender: $SYNTHSUITE_BLENDER_PYTHON, else `<repo>/.venv-blender/bin/python` (what `make` builds),
else this interpreter if it can import bpy.
"""

import atexit
import ctypes
import ctypes.util
import importlib.util
import json
import multiprocessing.util
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any

from synthsuite.kernel.errors import UserError

BLENDER_PYTHON_ENV = "SYNTHSUITE_BLENDER_PYTHON"
BPY_VERSION = "5.0.1"
PYTHON_VERSION = "3.11"
WORKER = Path(__file__).with_name("worker.py")
REPO = Path(__file__).resolve().parents[2]
EGL_ENGINES = ("workbench", "eevee")  # Cycles renders on the CPU without OpenGL
DRI_DIRS = (
    "/usr/lib/x86_64-linux-gnu/dri",
    "/usr/lib/aarch64-linux-gnu/dri",
    "/usr/lib64/dri",
    "/usr/lib/dri",
)
SOFTWARE_DRI = ("swrast_dri.so", "kms_swrast_dri.so")
_FIX_VENV = (
    f"run `make .venv-blender` (or: python3.11 -m venv .venv-blender && .venv-blender/bin/pip install "
    f"bpy=={BPY_VERSION} av==18.1.0), or point ${BLENDER_PYTHON_ENV} at a Python {PYTHON_VERSION} "
    f"with bpy {BPY_VERSION} and av"
)


def blender_python() -> Path:
    """The Python that runs Blender (not checked; see `check_blender`)."""
    configured = os.environ.get(BLENDER_PYTHON_ENV)
    if configured:
        return Path(configured)
    default = REPO / ".venv-blender" / "bin" / "python"
    if not default.exists() and importlib.util.find_spec("bpy") is not None:
        return Path(sys.executable)
    return default


@cache
def probe(python: Path) -> dict[str, str]:
    """What `worker.py --probe` reports under `python` (cached per process: ~1 s)."""
    where = f"${BLENDER_PYTHON_ENV}={python}" if os.environ.get(BLENDER_PYTHON_ENV) else str(python)
    if not python.exists():
        raise UserError(f"no Blender Python at {where}", _FIX_VENV)
    try:
        result = subprocess.run(
            [str(python), "-s", str(WORKER), "--probe"],
            capture_output=True,
            text=True,
            timeout=120,
            env=_worker_env(),
        )
        info = json.loads(result.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, json.JSONDecodeError, IndexError) as exc:
        said = getattr(exc, "stderr", None) or (result.stderr if "result" in locals() else "")
        last = said.strip().splitlines()[-1:] if isinstance(said, str) else []
        reason = f" ({last[0]})" if last else ""
        raise UserError(f"{where} is not a working Python {PYTHON_VERSION}{reason}", _FIX_VENV) from None
    if not info["python"].startswith(PYTHON_VERSION + "."):
        raise UserError(
            f"{where} is Python {info['python']}; bpy {BPY_VERSION} needs Python {PYTHON_VERSION}", _FIX_VENV
        )
    if "bpy_error" in info:
        raise UserError(f"bpy does not import under {where} ({info['bpy_error']})", _FIX_VENV)
    if info["bpy"] != BPY_VERSION:
        raise UserError(f"{where} has bpy {info['bpy']}, the force datasets need {BPY_VERSION}", _FIX_VENV)
    if "av_error" in info:
        raise UserError(f"PyAV does not import under {where} ({info['av_error']})", _FIX_VENV)
    return info


def check_blender() -> dict[str, str]:
    """Raise UserError unless the Blender Python works; return its versions."""
    return probe(blender_python())


@cache
def missing_egl(
    library: str = "EGL", vendor: str = "EGL_mesa", dri_dirs: tuple[str, ...] = DRI_DIRS
) -> list[str]:
    """The Mesa EGL pieces Workbench/EEVEE need that this machine lacks (empty: all present).

    Checked here because Blender without them aborts the whole process (SIGABRT) instead of
    raising. `library` is the GL vendor-neutral libEGL, `vendor` Mesa's EGL implementation."""
    missing = []
    for name, package in ((library, "libegl1"), (vendor, "libegl-mesa0")):
        found = ctypes.util.find_library(name)
        try:
            if found is None:
                raise OSError
            ctypes.CDLL(found)
        except OSError:
            missing.append(f"lib{name}.so ({package})")
    driver_dirs = [os.environ["LIBGL_DRIVERS_PATH"]] if os.environ.get("LIBGL_DRIVERS_PATH") else dri_dirs
    if not any((Path(d) / f).is_file() for d in driver_dirs for f in SOFTWARE_DRI):
        missing.append("a Mesa DRI driver such as swrast_dri.so (libgl1-mesa-dri)")
    return missing


def check_egl(engine: str, **where: Any) -> None:
    """Raise UserError when `engine` needs Mesa EGL and this machine lacks it."""
    if engine not in EGL_ENGINES:
        return
    missing = missing_egl(**where)
    if missing:
        raise UserError(
            f"the {engine} engine needs OpenGL through Mesa EGL; this machine lacks {', '.join(missing)}",
            "apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri, or --set engine=cycles (CPU, no OpenGL)",
        )


def _worker_env() -> dict[str, str]:
    """No PYTHONPATH/PYTHONHOME of the main venv; a fixed hash seed, so that the iteration order
    of sets of strings in the scene code cannot change the scene between runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONHASHSEED"] = "0"
    return env


@dataclass(frozen=True)
class RenderResult:
    mp4: bytes
    first_frame: bytes
    labels: dict[str, Any]
    frames: int
    size: tuple[int, int]
    seconds: dict[str, float]


class RenderWorker:
    """One `worker.py` process; its stderr goes to a log file whose tail explains a failure."""

    def __init__(self, python: Path) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="synthsuite-force-"))
        self.log: IO[bytes] = open(self.tmp / "worker.log", "ab")  # noqa: SIM115 (closed in close())
        self.process = subprocess.Popen(
            [str(python), "-s", str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            bufsize=1,
            env=_worker_env(),
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def render(self, kind: str, scene: dict[str, Any], settings: dict[str, Any]) -> RenderResult:
        workdir = Path(tempfile.mkdtemp(prefix="job-", dir=self.tmp))
        try:
            self.log.truncate(0)  # the log holds this job only (appends land at the new end)
            job = {"kind": kind, "scene": scene, "settings": settings, "workdir": str(workdir)}
            try:
                self.process.stdin.write(json.dumps(job) + "\n")
                self.process.stdin.flush()
                line = self.process.stdout.readline()
            except (BrokenPipeError, OSError):
                line = ""
            if not line:
                raise RuntimeError(self._death_message(kind, settings["engine"]))
            answer = json.loads(line)
            if not answer["ok"]:
                raise RuntimeError(
                    f"the Blender worker failed on a {kind} scene: {answer['error']}\n{answer['traceback']}"
                )
            return RenderResult(
                mp4=Path(answer["mp4"]).read_bytes(),
                first_frame=Path(answer["first_frame"]).read_bytes(),
                labels=answer["labels"],
                frames=answer["frames"],
                size=tuple(answer["size"]),
                seconds=answer["seconds"],
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _death_message(self, kind: str, engine: str) -> str:
        code = self.process.wait()
        self.log.flush()
        tail = (self.tmp / "worker.log").read_text(errors="replace").splitlines()[-20:]
        hint = " (SIGABRT: for workbench/eevee, is Mesa EGL installed?)" if code == -6 else ""
        head = f"the Blender worker died on a {kind} scene, exit code {code}{hint}; its last output:"
        return "\n".join([head, *tail])

    def close(self) -> None:
        if self.alive():
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


_worker: RenderWorker | None = None


def render(kind: str, scene: dict[str, Any], settings: dict[str, Any]) -> RenderResult:
    """Render one scene in this process's worker, started now if there is none or it died."""
    global _worker
    check_egl(settings["engine"])
    if _worker is None or not _worker.alive():
        if _worker is not None:
            _worker.close()
        _worker = RenderWorker(blender_python())
    return _worker.render(kind, scene, settings)


def shutdown() -> None:
    """Stop this process's worker. Registered twice: atexit does not run in multiprocessing's
    workers (they leave through os._exit), its finalizers do. A killed process's worker ends on
    the end of its stdin."""
    global _worker
    if _worker is not None:
        _worker.close()
        _worker = None


atexit.register(shutdown)
multiprocessing.util.Finalize(None, shutdown, exitpriority=10)
