"""The paper's human study as a kit: two-alternative forced-choice pairs, a static web form, Table 1.

Force Prompting judged its models by a 2AFC study (reference A6): raters saw two videos made for the
same first frame and force and chose, per criterion (force adherence, realistic physics, visual
quality), the better one; Table 1 reports the % preferring the first model per scene type.

- `make_study` pairs two submission folders (model A, model B) on the benchmark ids both hold. Which
  side shows A is drawn per pair from (study seed, id), so raters cannot learn it; the videos are
  copied under neutral names. It writes `index.html` (the form: no server, opens from disk; the
  answers download as JSON), `videos/`, and `key.json` (which side is which model: keep it from
  the raters).
- `aggregate` reads the key and any number of answer files into Table 1's form: per scene type and
  criterion, the % of choices preferring A, with a 95% Wilson score interval for a binomial share.

Browsers play H.264, VP9 and AV1, not MPEG-4 Part 2 (the computed baselines' codec): re-encode those
before a study.
"""

import html
import json
import shutil
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from synthsuite.evaluation.force.videos import open_submission
from synthsuite.kernel.atomic import atomic_write_text
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.seeding import derive_seed
from synthsuite.kernel.stats import proportion_interval

CRITERIA = {
    "adherence": "Which video follows the force better (direction and strength)?",
    "physics": "Which video has more realistic physics?",
    "quality": "Which video looks better (visual quality)?",
}
KEY = "key.json"


@dataclass(frozen=True)
class Pair:
    pair: str  # neutral id shown to raters
    sample_id: str
    scene_type: str
    left: str  # "A" or "B"
    force: str  # the force in words, shown with the videos


def describe_force(row: dict[str, Any]) -> str:
    """The asked force in words for raters, e.g. 'push toward 135° (up and to the left), strength 0.55'."""
    angle = row.get("angle", row.get("wind_angle"))
    strength = row.get("force", row.get("wind_speed"))
    names = (
        "right",
        "up and to the right",
        "up",
        "up and to the left",
        "left",
        "down and to the left",
        "down",
        "down and to the right",
    )
    way = names[int(((angle + 22.5) % 360) // 45)]
    what = (
        "wind blowing" if "wind_angle" in row else f"push at pixel ({row['poke_x']:.0f}, {row['poke_y']:.0f})"
    )
    return f"{what} toward {angle:.0f}° ({way}), strength {strength:.2f}"


def make_study(
    rows: Sequence[dict[str, Any]],
    model_a: Path,
    model_b: Path,
    out: Path,
    *,
    names: tuple[str, str],
    seed: int,
) -> list[Pair]:
    """Pair the videos of two submissions on the benchmark rows both hold; write the form and the key."""
    if out.exists():
        raise UserError(f"{out} already exists", "pass a new folder for the study")
    videos_a = {r.sample_id: r for r in open_submission(model_a)[0]}
    videos_b = {r.sample_id: r for r in open_submission(model_b)[0]}
    shared = [r for r in rows if r["sample_id"] in videos_a and r["sample_id"] in videos_b]
    if not shared:
        raise UserError(f"{model_a} and {model_b} share no benchmark id", "pass two submissions for one task")
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "videos").mkdir(parents=True)
    pairs = []
    for i, row in enumerate(shared):
        left = (
            "A"
            if np.random.default_rng(derive_seed("force-study", seed, row["sample_id"])).random() < 0.5
            else "B"
        )
        pair = Pair(f"pair-{i:03d}", row["sample_id"], row["scene_type"], left, describe_force(row))
        sides = {"A": videos_a[row["sample_id"]], "B": videos_b[row["sample_id"]]}
        for side, model in (("L", left), ("R", "B" if left == "A" else "A")):
            ref = sides[model]
            target = staging / "videos" / f"{pair.pair}-{side}{Path(ref.path).suffix if ref.path else '.mp4'}"
            if ref.path is not None:
                shutil.copyfile(ref.path, target)
            else:
                target.write_bytes(ref.data or b"")
        pairs.append(pair)
    key = {"seed": seed, "models": {"A": names[0], "B": names[1]}, "pairs": [p.__dict__ for p in pairs]}
    atomic_write_text(staging / KEY, json.dumps(key, indent=1) + "\n")
    atomic_write_text(staging / "index.html", form_html(pairs, sorted((staging / "videos").iterdir())))
    staging.rename(out)
    return pairs


def form_html(pairs: Sequence[Pair], files: Sequence[Path]) -> str:
    """A self-contained page: per pair two looping videos and one left/right question per criterion;
    'Download answers' saves {rater, answers: [{pair, criterion, choice}]} as a JSON file."""
    by_pair = {f.name.rsplit("-", 1)[0] + "-" + f.stem.rsplit("-", 1)[1]: f.name for f in files}
    public = [
        {"pair": p.pair, "force": p.force, "left": by_pair[f"{p.pair}-L"], "right": by_pair[f"{p.pair}-R"]}
        for p in pairs
    ]
    data = json.dumps({"pairs": public, "criteria": CRITERIA}).replace("</", "<\\/")
    return _PAGE.replace("__DATA__", data).replace("__COUNT__", html.escape(str(len(pairs))))


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Force video study</title>
<style>
body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}
.pair{border-top:1px solid #ccc;padding:1em 0}.videos{display:flex;gap:1em}
.videos figure{margin:0;flex:1}video{width:100%;background:#000}
fieldset{border:none;padding:.2em 0}.missing{color:#b00}
</style></head><body>
<h1>Which video follows the force?</h1>
<p>__COUNT__ pairs. Each pair shows two videos made from the same first picture and the same force.
For every question choose the left or the right video.
Then press <b>Download answers</b> and send the file.</p>
<p><label>Your rater id: <input id="rater" autocomplete="off"></label></p>
<div id="pairs"></div>
<p><button id="download">Download answers</button> <span id="status"></span></p>
<script>
const STUDY = __DATA__;
const root = document.getElementById("pairs");
for (const p of STUDY.pairs) {
  const div = document.createElement("div"); div.className = "pair"; div.id = p.pair;
  const title = document.createElement("h3"); title.textContent = p.pair + ": " + p.force; div.append(title);
  const row = document.createElement("div"); row.className = "videos";
  for (const [side, file] of [["Left", p.left], ["Right", p.right]]) {
    const fig = document.createElement("figure"); const v = document.createElement("video");
    v.src = "videos/" + file; v.controls = true; v.loop = true; v.muted = true; v.autoplay = true;
    const cap = document.createElement("figcaption"); cap.textContent = side;
    fig.append(v, cap); row.append(fig);
  }
  div.append(row);
  for (const [criterion, question] of Object.entries(STUDY.criteria)) {
    const fs = document.createElement("fieldset"); fs.append(question + " ");
    for (const choice of ["left", "right"]) {
      const label = document.createElement("label"); const input = document.createElement("input");
      input.type = "radio"; input.name = p.pair + ":" + criterion; input.value = choice;
      label.append(input, " " + choice + " "); fs.append(label);
    }
    div.append(fs);
  }
  root.append(div);
}
document.getElementById("download").onclick = () => {
  const answers = []; let missing = 0;
  for (const p of STUDY.pairs) for (const criterion of Object.keys(STUDY.criteria)) {
    const chosen = document.querySelector(`input[name="${p.pair}:${criterion}"]:checked`);
    if (chosen) answers.push({pair: p.pair, criterion, choice: chosen.value}); else missing++;
  }
  const rater = document.getElementById("rater").value.trim();
  document.getElementById("status").textContent = missing ? missing + " questions unanswered" : "";
  const blob = new Blob([JSON.stringify({rater, answers}, null, 1)], {type: "application/json"});
  const link = document.createElement("a"); link.href = URL.createObjectURL(blob);
  link.download = "answers-" + (rater || "anonymous") + ".json"; link.click();
};
</script></body></html>
"""


def wilson(successes: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a binomial share (`stats.proportion_interval`); (0, 1) when n is 0."""
    if n == 0:
        return 0.0, 1.0
    interval = proportion_interval(successes, n)
    return interval.low, interval.high


def aggregate(study: Path, answer_files: Sequence[Path]) -> dict[str, Any]:
    """Table 1: per scene type and criterion, % of choices preferring model A, n and a 95% interval."""
    try:
        key = json.loads((study / KEY).read_text())
    except (OSError, json.JSONDecodeError):
        raise UserError(f"{study / KEY} is missing or not JSON", "pass the folder make_study wrote") from None
    sides = {p["pair"]: (p["left"], p["scene_type"]) for p in key["pairs"]}
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    raters = set()
    for path in answer_files:
        try:
            answers = json.loads(Path(path).read_text())
            items = answers["answers"]
        except (OSError, json.JSONDecodeError, KeyError, TypeError):
            raise UserError(
                f"{path} is not an answers file of the study form", "pass the downloaded JSON"
            ) from None
        raters.add(answers.get("rater") or str(path))
        for item in items:
            if item.get("pair") not in sides or item.get("criterion") not in CRITERIA:
                raise UserError(f"{path}: unknown pair or criterion {item!r}", "use answers of this study")
            if item.get("choice") not in ("left", "right"):
                raise UserError(f"{path}: choice must be left or right, got {item.get('choice')!r}", "fix it")
            left, scene_type = sides[item["pair"]]
            chose_a = (item["choice"] == "left") == (left == "A")
            for group in (scene_type, "all"):
                cell = counts[(group, item["criterion"])]
                cell[0] += chose_a
                cell[1] += 1
    table = {}
    for (group, criterion), (wins, n) in sorted(counts.items()):
        low, high = wilson(wins, n)
        table.setdefault(group, {})[criterion] = {
            "percent_a": 100.0 * wins / n,
            "n": n,
            "ci95": [100.0 * low, 100.0 * high],
        }
    return {"models": key["models"], "raters": len(raters), "table": table}


def table_markdown(result: dict[str, Any]) -> str:
    """Table 1's layout: a row per scene type, Adh / Real / Vis as % preferring model A [95% CI]."""
    a, b = result["models"]["A"], result["models"]["B"]
    lines = [
        f"% of choices preferring {a} over {b} ({result['raters']} raters; 95% Wilson intervals)",
        "",
        "| scene type | adherence | physics | quality |",
        "|---|---|---|---|",
    ]
    for group, cells in result["table"].items():
        shown = [
            f"{c['percent_a']:.0f} [{c['ci95'][0]:.0f}, {c['ci95'][1]:.0f}] (n={c['n']})" if c else "–"
            for c in (cells.get(k) for k in CRITERIA)
        ]
        lines.append(f"| {group} | " + " | ".join(shown) + " |")
    return "\n".join(lines)
