"""The humanoid: dm_control's CMU humanoid (Apache-2.0), loaded from the installed dm-control package.

Why this model: its bodies follow the CMU motion-capture skeleton (pelvis, three spine segments,
two neck segments, clavicles, 3-DoF hips and shoulders, knees, 2-DoF ankles, toes), so the 22
joints of HumanML3D map onto body origins with only two interpolated points (spine3 and the
collars), and its proportions (1.51 m to the head's base, 52 kg) are a person's. MuJoCo's own
`humanoid.xml` has no neck, clavicles or toes. The XML file is read as it ships; we change only
numbers after compiling (`load_humanoid`), never the file.

Changes to the compiled model, and why:
- elliptic friction cones with impratio 10 (with the default pyramidal cones a standing foot
  creeps ~1 cm/s under the PD's loads);
- physics timestep 1/200 s with the implicit-in-velocity integrator (`implicitfast`): the PD
  damping lives in the actuators, and implicit damping keeps high-gain tracking stable at 10
  physics steps per 20-fps frame;
- no self-collision (body geoms collide with the floor only), as in most motion-imitation setups:
  it removes contact pairs that mocap-like motions touch by accident and halves the step cost;
- root assistance (see load_humanoid and tracking.py): six bounded servos pull the pelvis toward
  a mocap body that carries the reference root pose; MuJoCo computes them every step, with
  implicit damping, so they stay stable at any gain;
- the 56 motors become PD actuators (`general`, affine bias) whose gains the controller sets from
  the apparent inertia each frame; their torque limits are an adult's peak torques per kg (TORQUE_PER_KG);
- joint springs and dampers are removed (the PD sets posture and damping); armature stays.
"""

import hashlib
import importlib.util
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from synthsuite.datasets_src.motion.skeleton import JOINT_NAMES, NUM_JOINTS
from synthsuite.kernel.errors import UserError

MODEL_RELATIVE_PATH = "suite/humanoid_CMU.xml"
TIMESTEP = 0.005  # 10 physics steps per 20-fps frame
# Joint torque limits, N·m per kg of body mass, by joint name prefix (the model weighs 52 kg). The
# CMU motors' gears (20-120 N·m) are an RL design with 40 N·m ankles; these are an adult's peak
# torques, rounded: ~4 N·m/kg at the hip and back, 3.5 at the knee, 2.5 at the ankle.
TORQUE_PER_KG = (
    (("lfemur", "rfemur", "lowerback", "upperback", "thorax"), 4.0),
    (("ltibia", "rtibia"), 3.5),
    (("lfoot", "rfoot"), 2.5),
    (("lhumerus", "rhumerus"), 1.5),
    (
        ("ltoes", "rtoes", "lowerneck", "upperneck", "head", "lclavicle", "rclavicle", "lradius", "rradius"),
        1.0,
    ),
    (("lwrist", "rwrist", "lhand", "rhand", "lfingers", "rfingers", "lthumb", "rthumb"), 0.3),
)
# HumanML3D joint -> (CMU body, offset in the body's frame, as a fraction of the offset to a child body)
# The offsets place spine3 halfway up the thorax and the collars 40% along the clavicles.
SKELETON_BODIES = (
    ("root", None, 0.0),
    ("lfemur", None, 0.0),
    ("rfemur", None, 0.0),
    ("upperback", None, 0.0),
    ("ltibia", None, 0.0),
    ("rtibia", None, 0.0),
    ("thorax", None, 0.0),
    ("lfoot", None, 0.0),
    ("rfoot", None, 0.0),
    ("thorax", "lowerneck", 0.5),
    ("ltoes", None, 0.0),
    ("rtoes", None, 0.0),
    ("upperneck", None, 0.0),
    ("lclavicle", "lhumerus", 0.4),
    ("rclavicle", "rhumerus", 0.4),
    ("head", None, 0.0),
    ("lhumerus", None, 0.0),
    ("rhumerus", None, 0.0),
    ("lradius", None, 0.0),
    ("rradius", None, 0.0),
    ("lhand", None, 0.0),
    ("rhand", None, 0.0),
)
# Degrees of freedom that 22 joint positions cannot observe: held at zero by IK and by the PD.
UNOBSERVED_JOINT_PREFIXES = ("lfingers", "rfingers", "lthumb", "rthumb", "lhand", "rhand", "ltoes", "rtoes")
HINGE_ACTUATORS = 56  # the XML's motors, one per hinge; the six root-assistance servos follow
ASSIST_REFERENCE, ASSIST_SITE = "reference_root", "pelvis_frame"
ASSIST_AXES = ("forward", "left", "up", "roll", "pitch", "yaw")
# The root frame of the zero pose faces -y; this quaternion turns it to face +x with z up.
FACING_X = np.array([0.5, 0.5, 0.5, 0.5])


def model_path() -> Path:
    spec = importlib.util.find_spec("dm_control")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(
            "the humanoid model needs the dm-control package (it ships humanoid_CMU.xml)",
            "pip install 'synthsuite[motion]'",
        )
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_RELATIVE_PATH
    if not path.is_file():
        raise UserError(f"{path} is missing from dm-control", "pip install 'dm-control==1.0.50'")
    return path


def check_mujoco() -> None:
    """One line when MuJoCo or the model cannot be loaded (a missing extra, a broken GL backend)."""
    import os

    try:
        import mujoco  # noqa: F401  (MuJoCo imports its GL backend, chosen by MUJOCO_GL, with it)
    except Exception as exc:
        raise UserError(
            f"MuJoCo cannot be imported (MUJOCO_GL={os.environ.get('MUJOCO_GL') or 'unset'}: "
            f"{type(exc).__name__})",
            "pip install 'synthsuite[motion]'; unset MUJOCO_GL or set it to egl with Mesa's EGL installed",
        ) from None
    model_path()


def model_sha256() -> str:
    return hashlib.sha256(model_path().read_bytes()).hexdigest()


@dataclass(eq=False)  # hashed by identity: per-worker caches key on it
class Humanoid:
    """The compiled model with its skeleton mapping; one per worker (MjData is made per simulation)."""

    model: object  # mujoco.MjModel

    @cached_property
    def body_ids(self) -> np.ndarray:
        return np.array([self.model.body(name).id for name, _, _ in SKELETON_BODIES])

    @cached_property
    def offsets(self) -> np.ndarray:
        """Each skeleton point's offset in its body's frame (zero for body origins)."""
        out = np.zeros((NUM_JOINTS, 3))
        for j, (_, child, fraction) in enumerate(SKELETON_BODIES):
            if child is not None:
                out[j] = fraction * self.model.body(child).pos
        return out

    @cached_property
    def hinge_qpos(self) -> np.ndarray:
        """qpos addresses of the hinge joints (everything after the root's 7 coordinates)."""
        return np.arange(7, self.model.nq)

    @cached_property
    def hinge_dofs(self) -> np.ndarray:
        return np.arange(6, self.model.nv)

    @cached_property
    def observed_dofs(self) -> np.ndarray:
        """Root dofs and the hinges that the 22 joints determine (IK solves for these only)."""
        names = [self.model.joint(self.model.dof_jntid[d]).name for d in range(self.model.nv)]
        return np.array(
            [d for d, name in enumerate(names) if d < 6 or not name.startswith(UNOBSERVED_JOINT_PREFIXES)]
        )

    @cached_property
    def observed_hinges(self) -> np.ndarray:
        """Indices into the hinges (qpos address - 7) of the observed hinge dofs, in dof order."""
        return self.observed_dofs[self.observed_dofs >= 6] - 6

    @cached_property
    def hinge_range(self) -> tuple[np.ndarray, np.ndarray]:
        ranges = self.model.jnt_range[1:]
        return ranges[:, 0].copy(), ranges[:, 1].copy()

    @cached_property
    def actuator_dofs(self) -> np.ndarray:
        """The dof each joint actuator drives (they follow the XML's alphabetical order)."""
        return np.array([self.model.jnt_dofadr[j] for j in self.model.actuator_trnid[:HINGE_ACTUATORS, 0]])

    @cached_property
    def mass(self) -> float:
        return float(self.model.body_subtreemass[1])

    @cached_property
    def root_body(self) -> int:
        return self.model.body("root").id

    def joints(self, data) -> np.ndarray:
        """The 22 skeleton points (22, 3) of a state whose kinematics are computed."""
        ids = self.body_ids
        return data.xpos[ids] + np.einsum("jab,jb->ja", data.xmat[ids].reshape(-1, 3, 3), self.offsets)


def torque_limits(model) -> np.ndarray:
    """Each joint actuator's torque bound, N·m (TORQUE_PER_KG times the body's mass)."""
    mass = float(model.body_subtreemass[1])
    limits = np.zeros(HINGE_ACTUATORS)
    for a in range(HINGE_ACTUATORS):
        name = model.joint(model.actuator_trnid[a, 0]).name
        limits[a] = mass * next(per_kg for prefixes, per_kg in TORQUE_PER_KG if name.startswith(prefixes))
    return limits


def load_humanoid() -> Humanoid:
    """The model as described above, plus the root assistance: a mocap body that carries the
    reference root pose, a site on the pelvis aligned with the body's heading frame, and six
    bounded servo actuators (force along, torque about, the reference frame's axes) between them."""
    import mujoco

    spec = mujoco.MjSpec.from_file(str(model_path()))
    reference = spec.worldbody.add_body(name=ASSIST_REFERENCE, mocap=True)
    reference.add_site(name=ASSIST_REFERENCE)
    spec.body("root").add_site(name=ASSIST_SITE, quat=FACING_X * np.array([1.0, -1.0, -1.0, -1.0]))
    for i, axis in enumerate(ASSIST_AXES):
        gear = np.zeros(6)
        gear[i] = 1.0
        actuator = spec.add_actuator(
            name=f"assist_{axis}", target=ASSIST_SITE, refsite=ASSIST_REFERENCE, gear=gear
        )
        actuator.trntype = mujoco.mjtTrn.mjTRN_SITE
    model = spec.compile()
    model.opt.timestep = TIMESTEP
    model.opt.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    # elliptic friction cones with a high impedance ratio: planted feet do not creep under load
    model.opt.cone = mujoco.mjtCone.mjCONE_ELLIPTIC
    model.opt.impratio = 10.0
    model.opt.iterations = 20  # Newton converges in ~5; bounded so a bad state cannot stall a step
    floor = model.geom("floor").id
    body_geoms = np.arange(model.ngeom) != floor
    model.geom_conaffinity[body_geoms] = 0  # body-floor contacts only
    model.geom_contype[body_geoms] = 1
    model.jnt_stiffness[:] = 0.0
    model.dof_damping[6:] = 0.0
    # every actuator becomes a servo: force = kp * (ctrl - length) - kv * velocity, gains set per frame
    model.actuator_gear[:HINGE_ACTUATORS, 0] = 1.0
    model.actuator_gaintype[:] = mujoco.mjtGain.mjGAIN_FIXED
    model.actuator_biastype[:] = mujoco.mjtBias.mjBIAS_AFFINE
    model.actuator_gainprm[:] = 0.0
    model.actuator_biasprm[:] = 0.0
    model.actuator_ctrllimited[:] = 0
    model.actuator_forcelimited[:] = 1
    limits = torque_limits(model)
    model.actuator_forcerange[:HINGE_ACTUATORS, 0] = -limits
    model.actuator_forcerange[:HINGE_ACTUATORS, 1] = limits
    humanoid = Humanoid(model)
    if len(JOINT_NAMES) != len(humanoid.body_ids) or model.nu != HINGE_ACTUATORS + 6:
        raise RuntimeError("skeleton mapping, joint names or actuators disagree")
    return humanoid
