"""Force-adherence tasks: a model's videos for the force benchmark, measured from their pixels.

Each task pins the content revision of one config of the `tiny` build of force-benchmark (144 x 96,
13 frames at 2 fps), the build made on this project's machines:

    synthsuite generate force-benchmark --profile tiny --workers 2      # seed 0, Cycles 4 spp

`small` and `paper` builds (the paper's 49 frames of 720 x 480 at 8 fps, CogVideoX's output) get
tasks of their own once built: `force_task(config, name=..., repo_id=..., revision=..., profile=...)`
makes them, and SYNTHSUITE_TASKS registers them without a release. A submission must match the
pinned build's videos: frame count, size, frame rate and a common codec (evaluation/force/videos.py).
"""

from synthsuite.evaluation.tasks import DatasetRef, Metric, PredictionFormat, TaskMetadata

REPO = "synthsuite/force-benchmark-tiny"
PROFILE = "tiny"
REFERENCE = (
    "Gillman, Herrmann, Freeman, Aggarwal, Luo, D. Sun, C. Sun. Force Prompting: Video Generation Models "
    "Can Learn and Generalize Physics-based Control Signals. NeurIPS 2025."
)
REVISIONS = {
    "point-benchmark": "3c52aaaf516e0974e82d96b7bb1032fae1e4c59e2c1670959f910114540e2132",
    "wind-benchmark": "7702f431489fc5e77fdc0b1b787a2cdcbd65be9d1ddc2f70c8b9a7fe9b74c787",
    "mass-study": "923da4be84814167a8ee19c8584c287a11a9eb820faf50ac0f3f8439d21c45ff",
}


def _share(name: str) -> Metric:
    return Metric(name=name, higher_is_better=True, range=(0.0, 1.0))


def _direction_metrics(types: tuple[str, ...]) -> tuple[Metric, ...]:
    return (
        _share("within_30"),
        Metric(name="angular_error", higher_is_better=False, range=(0.0, 180.0)),
        *(_share(f"within_30_{t}") for t in types),
        _share("moving"),
    )


SPEC = {
    "point-benchmark": {
        "name": "point-adherence",
        "label": "angle",
        "input": "first_frame and caption, and the point force: poke_x, poke_y (pixels, origin bottom-left), "
        "angle (degrees, 0 = right, 90 = up) and force (0..1); as a control video: "
        "synthsuite.datasets_src.force.control.point_force_control(poke_x, poke_y, angle, force, ...)",
        "description": "Poke one object of the first frame: does the generated video move the poked region "
        "in the asked direction, farther for a stronger poke, and leave the rest of the scene still? The "
        "poked region is followed by a point tracker from the poke point; scores: the share of videos whose "
        "motion lies within 30° of the asked angle (main; per scene type too), the mean angular error (90° "
        "for a video without motion), Spearman's correlation of displacement with strength within each group "
        "of "
        "one scene at several strengths, and the share of videos whose far-away pixels stay still.",
        "metrics": (
            *_direction_metrics(("linear", "oscillatory", "complex")),
            Metric(name="spearman_strength", higher_is_better=True, range=(-1.0, 1.0)),
            _share("still_rest"),
        ),
        "main": "within_30",
    },
    "wind-benchmark": {
        "name": "wind-adherence",
        "label": "wind_angle",
        "input": "first_frame and caption, and the wind: wind_angle (degrees, 0 = right, 90 = up) and "
        "wind_speed (0..1); as a control video: synthsuite.datasets_src.force.control.wind_control(...)",
        "description": "Blow a wind over the first frame: does the generated video move along the wind, and "
        "more for a stronger wind? The dominant direction of the moving regions (the summed optical flow of "
        "every pixel that moves) against the wind angle: the share within 30° (main; per scene type too) and "
        "the mean angular error; Spearman's correlation of motion energy with wind speed within groups.",
        "metrics": (
            *_direction_metrics(("tethered", "aerodynamic", "fluid")),
            Metric(name="spearman_speed", higher_is_better=True, range=(-1.0, 1.0)),
        ),
        "main": "within_30",
    },
    "mass-study": {
        "name": "mass-study",
        "label": "force",
        "input": "first_frame and caption, and a push to the right: poke_x, poke_y, angle, force "
        "(F = 0.125 n, n = 1..8) on a soccer ball or a bowling ball (4x the mass)",
        "description": "The paper's mass study (Fig. 6c) without an object detector: the ball is tracked "
        "from the poke point and its distance from the first to the last frame measured along the push. "
        "Scores: how often the soccer ball goes farther than the bowling ball at equal F, ground, colour "
        "and seed (main), "
        "Spearman's correlation of distance with F per ball kind and their mean, and the slope and R² of the "
        "line through distance against F per kind (distance as a fraction of the frame width).",
        "metrics": (
            _share("ordering_accuracy"),
            Metric(name="spearman_force", higher_is_better=True, range=(-1.0, 1.0)),
            *(
                Metric(name=f"{m}_{k}", higher_is_better=True, range=r)
                for k in ("soccer", "bowling")
                for m, r in (("spearman_force", (-1.0, 1.0)), ("slope", (-100.0, 100.0)), ("r2", (0.0, 1.0)))
            ),
        ),
        "main": "ordering_accuracy",
    },
}


def force_task(config: str, *, name: str, repo_id: str, revision: str, profile: str) -> TaskMetadata:
    spec = SPEC[config]
    return TaskMetadata(
        name=name,
        suite="force",
        description=spec["description"],
        dataset=DatasetRef(repo_id=repo_id, config=config, revision=revision, profile=profile),
        splits=("test",),
        eval_split="test",
        input=spec["input"],
        predictions=PredictionFormat(kind="video", column="video", label_column=spec["label"]),
        metrics=spec["metrics"],
        main_score=spec["main"],
        version="1.0.0",
        reference=REFERENCE,
    )


TASKS = [
    force_task(
        config,
        name=f"force/{SPEC[config]['name']}",
        repo_id=REPO,
        revision=REVISIONS[config],
        profile=PROFILE,
    )
    for config in SPEC
]
