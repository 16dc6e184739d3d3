"""SynTheory tasks: one per concept, on the label the paper probed.

Each concept exists at two pinned revisions: the paper profile (`syntheory/<concept>`, repo
`synthsuite/syntheory`) and the tiny profile (`syntheory-tiny/<concept>`, repo
`synthsuite/syntheory-tiny`) that tests and `make demo` run end to end in seconds. A revision is
the content hash of the config's shards (`synthsuite.datasets_src.access.data_revision`); a build with other
bytes is scored but never ranked.
"""

from synthsuite.datasets_src.syntheory import theory
from synthsuite.evaluation.tasks import DatasetRef, Metric, PredictionFormat, TaskMetadata

PAPER_REPO = "synthsuite/syntheory"
TINY_REPO = "synthsuite/syntheory-tiny"
REFERENCE = "Wei, Freeman, Donahue, Sun. Do Music Generation Models Encode Music Theory? ISMIR 2024."

CLASSIFICATION = (
    Metric(name="accuracy", higher_is_better=True, range=(0.0, 1.0)),
    Metric(name="macro_f1", higher_is_better=True, range=(0.0, 1.0)),
)
REGRESSION = (Metric(name="r2", higher_is_better=True, range=(-1.0, 1.0)),)

# concept -> (label column, class names or None for regression, what the label is)
CONCEPT_LABELS: dict[str, tuple[str, tuple[str, ...] | None, str]] = {
    "notes": ("root_note_pitch_class", theory.NOTE_NAMES, "the pitch class of a note"),
    "intervals": ("interval", theory.INTERVAL_NAMES, "the interval between two notes"),
    "scales": ("mode", tuple(theory.MODES), "the mode of a scale"),
    "chords": ("chord_type", tuple(theory.CHORD_TYPES), "the quality of a triad"),
    "chord_progressions": (
        "chord_progression",
        tuple(theory.progression_name(m, d) for m, d in theory.PROGRESSIONS),
        "which of 19 four-chord progressions is played",
    ),
    "time_signatures": (
        "time_signature",
        tuple(theory.time_signature_name(s) for s in theory.TIME_SIGNATURES),
        "the time signature of a click track",
    ),
    "tempos": ("bpm", None, "the tempo of a click track in BPM, extrapolating to unseen tempos"),
}

# data_revision of each config, read off the builds with the pinned environment (ENVIRONMENT.md)
PAPER_REVISIONS = {
    "chord_progressions": "335cb1c91ef8b020b89accf674621cbe7a642c26be139cb1eaa0c9d48d794622",
    "chords": "a62ed133588d2b25f8c07a1ec251c490ed700d5974bbb60484446005796348d5",
    "intervals": "e2938e5aac3fc89ba33cf0b57b8277888641db467d94a106f530125d3d4601a3",
    "notes": "ec149b3e017593b374ba4639474b6e56deab4227a06949ff6ca2bfbdb077b1ef",
    "scales": "7d12d12d603b4648fe4d256c5d113719c68d195933d8c04dd66fa991bfd195c3",
    "tempos": "3cf217ae946eca573c258ef7e20c20df07e7937d19d5d8d02cc3505def2efafa",
    "time_signatures": "fcd9a95d6fba72c6291dec84e65f6b4ea788ab02fbbe9adfa6bd626ef318724b",
}
TINY_REVISIONS = {
    "chord_progressions": "fcd863c170bb15a8aec88828d4c4ee3879553e35dd4ca994b4435f58218af85a",
    "chords": "0d6e572e9a64d9b5b8a524c852a377450ce8d9279ca81b42b3193f68395b536d",
    "intervals": "320f5f71527e90aa522c003aae539652fd13807f9370cd27004d1730084f4cc4",
    "notes": "43c35a8946121bee329a18c73fe5c8b5403f70022161846cc609b674b052758a",
    "scales": "a3247988c75ca76aca975ab206c0fce830e2a9a27e9b8bc4f846715aa9971908",
    "tempos": "20adae03eb246bd33959958f6303089b6444532b52578c1a7f3c6fee0cae5061",
    "time_signatures": "8698de6802bddd6e937eda47b9dd88f6e40ab1c4f2e189001e3784f067a1fb7c",
}


def concept_task(concept: str, *, name: str, repo_id: str, revision: str, profile: str) -> TaskMetadata:
    label, classes, what = CONCEPT_LABELS[concept]
    regression = classes is None
    return TaskMetadata(
        name=name,
        suite="syntheory",
        description=f"Probe frozen audio representations for {what} ({label}); the test split is scored.",
        dataset=DatasetRef(repo_id=repo_id, config=concept, revision=revision, profile=profile),
        splits=("train", "validation", "test"),
        eval_split="test",
        input="a 4 s mono audio clip (column `audio`); the MIDI column must not be used",
        predictions=PredictionFormat(
            kind="value" if regression else "class", label_column=label, classes=classes
        ),
        metrics=REGRESSION if regression else CLASSIFICATION,
        main_score="r2" if regression else "accuracy",
        exclude_rows_where="is_silent",
        version="1.0.0",
        reference=REFERENCE,
    )


TASKS = [
    *(
        concept_task(
            c, name=f"syntheory/{c}", repo_id=PAPER_REPO, revision=PAPER_REVISIONS[c], profile="paper"
        )
        for c in CONCEPT_LABELS
    ),
    *(
        concept_task(
            c, name=f"syntheory-tiny/{c}", repo_id=TINY_REPO, revision=TINY_REVISIONS[c], profile="tiny"
        )
        for c in CONCEPT_LABELS
    ),
]
