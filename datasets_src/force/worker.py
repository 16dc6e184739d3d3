"""The render worker: one persistent Blender process per engine worker, run by `runner.py` as

    <blender-python> -s <repo>/datasets_src/force/worker.py

under the Blender venv's Python (bpy 5.0.1 pins numpy<2; the main venv has numpy 2, so the two
never share a process), with no PYTHONPATH and PYTHONHASHSEED=0. Neither the main venv's
site-packages nor the script's folder are on sys.path; the package `synthsuite.datasets_src` is registered
from this file's location instead, so the scene modules import as `synthsuite.datasets_src.force.*`
without importing anything else of the project.

Protocol: one JSON job per line on stdin, one JSON answer per line on stdout.
  job:    {"kind": "balls"|"flags", "scene": {...}, "settings": {...}, "workdir": "<empty dir>"}
  answer: {"ok": true, "mp4": path, "first_frame": path, "labels": {...}, "frames": n,
           "seconds": {"scene": s, "blender_render": s, "encode": s}}
       or {"ok": false, "error": "<one line>", "traceback": "..."}
Blender and Cycles print progress on the C stdout, so the protocol gets a private copy of the
stdout descriptor and everything else printed goes to stderr (which the runner logs to a file).
`--probe` prints the versions (or why bpy does not import) as one JSON line and exits.
"""

import importlib
import importlib.util
import json
import os
import sys
import time
import traceback
import types
from fractions import Fraction
from pathlib import Path

RENDERERS = {
    "balls": "balls_blender.render_ball_scene",
    "flags": "flags_blender.render_flag_scene",
    "benchmark": "benchmark_blender.render_benchmark_scene",
}


def _register_package() -> None:
    """Make `synthsuite.datasets_src` importable from this file's location, without the main venv.

    `synthsuite` is registered as an empty package (its kernel is not needed by the scenes), and
    `synthsuite.datasets_src` from the folder above this file."""
    here = Path(__file__).resolve().parent
    if sys.path and Path(sys.path[0]).resolve() == here:
        sys.path.pop(0)  # else datasets_src/force/*.py would also import as top-level modules
    root = types.ModuleType("synthsuite")
    root.__path__ = []
    sys.modules["synthsuite"] = root
    package_dir = here.parent
    spec = importlib.util.spec_from_file_location(
        "synthsuite.datasets_src",
        package_dir / "__init__.py",
        submodule_search_locations=[str(package_dir)],
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["synthsuite.datasets_src"] = module
    spec.loader.exec_module(module)
    root.datasets_src = module


def probe() -> dict[str, str]:
    """Versions that change the rendered bytes, or the reason bpy / PyAV cannot be imported."""
    info = {"python": ".".join(map(str, sys.version_info[:3])), "executable": sys.executable}
    try:
        import bpy

        info["bpy"] = bpy.app.version_string
    except Exception as exc:  # any failure to import is reported, not raised
        info["bpy_error"] = f"{type(exc).__name__}: {exc}"
    try:
        import av
        import numpy

        from synthsuite.datasets_src.force import video

        info.update(av=av.__version__, x264=video.x264_build(), numpy=numpy.__version__)
        info["libavcodec"] = ".".join(map(str, av.library_versions["libavcodec"]))
    except Exception as exc:
        info["av_error"] = f"{type(exc).__name__}: {exc}"
    return info


class _RenderClock:
    """Blender's own render time: seconds between each render_pre and render_post handler call."""

    def __init__(self, bpy) -> None:
        self.seconds, self._started = 0.0, 0.0
        bpy.app.handlers.render_pre.append(self._pre)
        bpy.app.handlers.render_post.append(self._post)

    def _pre(self, *_args) -> None:
        self._started = time.perf_counter()

    def _post(self, *_args) -> None:
        self.seconds += time.perf_counter() - self._started


def run_job(job: dict) -> dict:
    import bpy

    from synthsuite.datasets_src.force import video

    module_name, function_name = RENDERERS[job["kind"]].split(".")
    render = getattr(importlib.import_module(f"synthsuite.datasets_src.force.{module_name}"), function_name)
    workdir = Path(job["workdir"])
    frames_dir = workdir / "frames"
    frames_dir.mkdir()

    started = time.perf_counter()
    bpy.ops.wm.read_factory_settings(use_empty=True)  # no state from the previous scene
    clock = _RenderClock(bpy)  # after the reset, which clears non-persistent handlers
    labels = render(job["scene"], job["settings"], str(frames_dir))
    scene_seconds = time.perf_counter() - started

    started = time.perf_counter()
    paths = sorted(frames_dir.glob("frame_*.png"))
    if not paths:
        raise RuntimeError(f"the {job['kind']} renderer wrote no frame_*.png into {frames_dir}")
    frames = [video.read_png(path) for path in paths]
    if len({frame.shape for frame in frames}) != 1:
        raise RuntimeError(f"rendered frames differ in size: {sorted({f.shape for f in frames})}")
    # the benchmark's clips play at CogVideoX's 8 fps (`video_fps`); the training sets at 24 fps
    fps = Fraction(job["settings"].get("video_fps", video.SCENE_FPS), job["settings"]["frame_step"])
    video.encode_mp4(frames, fps, workdir / "video.mp4")
    (workdir / "first_frame.png").write_bytes(video.png_bytes(frames[0]))
    return {
        "mp4": str(workdir / "video.mp4"),
        "first_frame": str(workdir / "first_frame.png"),
        "labels": labels,
        "frames": len(frames),
        "size": [int(frames[0].shape[1]), int(frames[0].shape[0])],
        "seconds": {
            "scene": scene_seconds,
            "blender_render": clock.seconds,
            "encode": time.perf_counter() - started,
        },
    }


def serve() -> None:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # C-level prints of Blender and Cycles go to stderr from now on
    sys.stdout = sys.stderr
    for line in sys.stdin:
        try:
            answer = {"ok": True, **run_job(json.loads(line))}
        except Exception as exc:
            message = " ".join(f"{type(exc).__name__}: {exc}".split())  # one line
            answer = {"ok": False, "error": message, "traceback": traceback.format_exc()}
        protocol.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    _register_package()
    if sys.argv[1:] == ["--probe"]:
        print(json.dumps(probe()))
    else:
        serve()
