"""Preview videos: the simulated humanoid rendered offscreen by MuJoCo (EGL), encoded as H.264 mp4.

MuJoCo chooses its OpenGL backend when it is first imported (the MUJOCO_GL variable), so
`prepare_backend` sets EGL before that happens, and `check_rendering` tries a context: a machine
without EGL gets one line naming the packages to install. The bytes depend on the poses, the Mesa
rasteriser and the PyAV/FFmpeg/x264 versions (recorded in the manifest's environment): x264 runs
on one thread with fixed options and the muxer in bit-exact mode.
"""

import os
import sys
from fractions import Fraction
from io import BytesIO

import numpy as np

from synthsuite.kernel.errors import UserError

WIDTH, HEIGHT = 320, 240
CRF = 23
EGL_FIX = (
    "install Mesa's EGL (apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri) and run with "
    "MUJOCO_GL=egl, or leave out --set video=true"
)


def prepare_backend() -> None:
    """Ask for EGL unless MuJoCo is already imported (then its backend is fixed) or one is chosen."""
    if "mujoco" not in sys.modules:
        os.environ.setdefault("MUJOCO_GL", "egl")
    os.environ.setdefault("LP_NUM_THREADS", "1")  # Mesa's rasteriser on one thread: one core per worker


def check_rendering() -> None:
    prepare_backend()
    backend = os.environ.get("MUJOCO_GL", "")
    try:
        import mujoco

        model = mujoco.MjModel.from_xml_string("<mujoco><worldbody><geom size='1'/></worldbody></mujoco>")
        renderer = mujoco.Renderer(model, 16, 16)
        renderer.close()
    except Exception as exc:  # missing libEGL, no device, a broken backend: one line for all
        raise UserError(
            f"MuJoCo cannot render offscreen (MUJOCO_GL={backend or 'unset'}: {type(exc).__name__})", EGL_FIX
        ) from None


def render_frames(humanoid, qpos: np.ndarray, width: int = WIDTH, height: int = HEIGHT) -> list[np.ndarray]:
    """RGB frames (H, W, 3) of the poses, seen from the humanoid's left-front by a camera that follows
    the pelvis over the floor."""
    import mujoco

    model = humanoid.model
    data = mujoco.MjData(model)
    camera = mujoco.MjvCamera()
    camera.type = mujoco.mjtCamera.mjCAMERA_FREE
    camera.distance, camera.elevation, camera.azimuth = 3.2, -12.0, 60.0
    renderer = mujoco.Renderer(model, height, width)
    # software rasterisers are slow with shadows, reflections and the skybox: a plain scene
    off = (mujoco.mjtRndFlag.mjRND_SHADOW, mujoco.mjtRndFlag.mjRND_REFLECTION, mujoco.mjtRndFlag.mjRND_SKYBOX)
    frames = []
    try:
        for q in qpos:
            data.qpos[:] = q
            mujoco.mj_forward(model, data)
            camera.lookat[:] = [q[0], q[1], 0.85]
            renderer.update_scene(data, camera)
            for flag in off:
                renderer.scene.flags[flag] = 0
            frames.append(renderer.render().copy())
    finally:
        renderer.close()
    return frames


def encode_mp4(frames: list[np.ndarray], fps: int) -> bytes:
    """H.264 (yuv420p) mp4 bytes of RGB frames; the same frames give the same bytes."""
    import av

    buffer = BytesIO()
    height, width, _ = frames[0].shape
    with av.open(buffer, "w", format="mp4", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.thread_count = 1
        stream.codec_context.options = {
            "crf": str(CRF),
            "preset": "medium",
            "flags": "+bitexact",
            "x264-params": "threads=1:lookahead-threads=1",
        }
        for rgb in frames:
            container.mux(stream.encode(_yuv420p(rgb)))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def _yuv420p(rgb: np.ndarray):
    """A yuv420p frame (BT.601, limited range) whose row padding is zero: FFmpeg's own conversion
    leaves the padding uninitialised, and x264 reads it, so the bytes would differ run to run."""
    import av

    height, width, _ = rgb.shape
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
    u, v = (c.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3)) for c in (u, v))
    frame = av.VideoFrame(width, height, "yuv420p")
    for plane, values in zip(frame.planes, (y, u, v), strict=True):
        rows = np.zeros((values.shape[0], plane.line_size), dtype=np.uint8)
        rows[:, : values.shape[1]] = np.clip(np.rint(values), 0, 255).astype(np.uint8)
        plane.update(rows.tobytes())
    return frame


def versions() -> dict[str, str]:
    import av

    return {"av": av.__version__, "libavcodec": ".".join(map(str, av.library_versions["libavcodec"]))}
