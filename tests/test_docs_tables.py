"""Every generated table in docs/ agrees with the results files that ship (benchmarks/docs_tables.py)."""

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from synthsuite.kernel import stats

ROOT = Path(__file__).resolve().parents[1]


def _docs_tables():
    """benchmarks/docs_tables.py, loaded by its path (benchmarks/ is a folder of scripts, not a package
    on sys.path: `pytest` and `python -m pytest` from any directory must both find it)."""
    name = "benchmarks.docs_tables"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "docs_tables.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


docs_tables = _docs_tables()


def test_every_generated_region_of_the_docs_agrees_with_reference_runs():
    problems = docs_tables.check()
    assert not problems, "\n".join(map(str, problems)) + "\nrun: python benchmarks/docs_tables.py --write"


def test_every_generator_is_used_by_a_doc():
    unused = [name for name, docs in docs_tables.usage().items() if not docs]
    assert not unused


def _copy_docs(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for doc in (ROOT / "docs").glob("*.md"):
        if docs_tables.REGION.search(doc.read_text()):
            shutil.copy(doc, docs / doc.name)
    assert list(docs.iterdir()), "no doc has a generated region"
    return docs


def test_an_edited_number_or_a_changed_file_is_caught_and_write_repairs_it(tmp_path):
    docs = _copy_docs(tmp_path)
    doc = next(docs.iterdir())
    text = doc.read_text()
    match = docs_tables.REGION.search(text)
    body = match["body"]
    edited = body.replace(next(c for c in body if c.isdigit()), "X", 1)
    doc.write_text(text[: match.start("body")] + edited + text[match.end("body") :])
    problems = docs_tables.check(docs)
    assert [(p.doc, p.name) for p in problems] == [(doc.name, match["name"])]
    assert "differs" in problems[0].message
    assert docs_tables.check(docs, write=True) and not docs_tables.check(docs)
    assert doc.read_text() == text
    # files that are gone make the check fail too
    assert docs_tables.check(docs, runs=tmp_path / "no-runs")


def test_an_unknown_generator_is_reported(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "x.md").write_text("a\n<!-- generated: no-such-table -->\n| 1 |\n<!-- end -->\n")
    (problem,) = docs_tables.check(docs)
    assert problem.name == "no-such-table" and "no generator" in problem.message


@pytest.mark.parametrize("df", [1, 2, 3, 4.5, 9, 29.3, 1000])
def test_t_quantiles_and_intervals_match_scipy(df):
    scipy_stats = pytest.importorskip("scipy.stats")
    for p in (0.5, 0.9, 0.975, 0.999):
        assert stats.t_quantile(p, df) == pytest.approx(scipy_stats.t.ppf(p, df), rel=1e-9, abs=1e-12)


def test_mean_and_difference_intervals_match_scipy():
    scipy_stats = pytest.importorskip("scipy.stats")
    values, others = [0.3, 0.1, 0.25, 0.4, 0.2], [0.5, 0.45, 0.7, 0.6]
    low, high = scipy_stats.t.interval(0.95, 4, loc=sum(values) / 5, scale=scipy_stats.sem(values))
    interval = stats.mean_interval(values)
    assert (interval.low, interval.high) == pytest.approx((low, high), rel=1e-9)
    welch = scipy_stats.ttest_ind(values, others, equal_var=False).confidence_interval(0.95)
    difference = stats.difference_interval(values, others)
    assert (difference.low, difference.high) == pytest.approx((welch.low, welch.high), rel=1e-9)
    assert difference.excludes(0.0) and not interval.excludes(0.25)


def test_spearman_matches_scipy_with_ties():
    scipy_stats = pytest.importorskip("scipy.stats")
    a, b = [3.0, 1.0, 2.0, 2.0, 5.0, 4.0], [0.1, 0.3, 0.2, 0.25, 0.9, 0.9]
    assert stats.spearman(a, b) == pytest.approx(scipy_stats.spearmanr(a, b).statistic, rel=1e-12)
    assert stats.spearman(a, a) == pytest.approx(1.0)
    assert stats.spearman(a, [-x for x in a]) == pytest.approx(-1.0)


@pytest.mark.parametrize(("successes", "n"), [(0, 20), (3, 20), (140, 180), (180, 180), (5000, 9936)])
def test_proportion_interval_matches_scipy_wilson(successes, n):
    scipy_stats = pytest.importorskip("scipy.stats")
    wilson = scipy_stats.binomtest(successes, n).proportion_ci(0.95, method="wilson")
    interval = stats.proportion_interval(successes, n)
    assert (interval.low, interval.high) == pytest.approx((wilson.low, wilson.high), rel=1e-9, abs=1e-12)
    assert interval.mean == successes / n and 0 <= interval.low <= interval.mean <= interval.high <= 1
