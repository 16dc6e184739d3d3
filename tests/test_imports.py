"""The import graph: namespaced imports only, layers that point one way, no cycles.

The static checks read every module's imports with `ast` (module level and inside functions), so a
cycle or an upward import fails here even when it happens to work at run time. The slow test imports
every module alone in a fresh interpreter (`python -c "import X"`), which catches what the static
graph cannot (an import that only breaks when it runs first).
"""

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {  # module prefix -> folder
    "synthsuite": ROOT / "synthsuite",
    "synthsuite.datasets_src": ROOT / "datasets_src",
    "synthsuite.baselines": ROOT / "baselines",
    "synthsuite.evaluation": ROOT / "evaluation",
    "synthsuite.leaderboard": ROOT / "leaderboard",
}
PILLAR_NAMES = ("datasets_src", "baselines", "evaluation", "leaderboard")
# layer of each module prefix (most specific first): a module may import only its own or lower layers
LAYERS = [
    ("synthsuite.kernel", 0),
    ("synthsuite.datasets_src", 1),
    ("synthsuite.evaluation", 2),
    ("synthsuite.baselines", 3),
    ("synthsuite.leaderboard", 3),
    ("synthsuite", 4),  # the front door: the CLI, its commands and the public API
]


def _modules() -> dict[str, Path]:
    found = {}
    for prefix, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            relative = path.relative_to(folder).with_suffix("")
            parts = [p for p in relative.parts if p != "__init__"]
            if "evaluate_module" in relative.parts:  # loaded by `evaluate` from its folder, not imported
                continue
            name = ".".join([prefix, *parts])
            if prefix == "synthsuite" and parts and parts[0] in PILLAR_NAMES:
                continue
            found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path, module: str) -> list[tuple[str, int]]:
    """(imported module, line) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            found.append((base, node.lineno))
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return found


def _layer(module: str) -> int:
    return next(level for prefix, level in LAYERS if module == prefix or module.startswith(prefix + "."))


def _edges() -> dict[str, set[str]]:
    edges = {}
    for module, path in MODULES.items():
        edges[module] = {name for name, _ in _imports(path, module) if name in MODULES and name != module}
    return edges


def test_no_bare_pillar_imports_anywhere():
    files = [*MODULES.values(), *(ROOT / "tests").glob("*.py"), *(ROOT / "benchmarks").glob("*.py")]
    bad = []
    for path in [*files, ROOT / "app.py"]:
        for name, line in _imports(path, "x"):
            if name.split(".")[0] in PILLAR_NAMES:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not bad, "import the pillars as synthsuite.<pillar>: " + "; ".join(bad[:5])


def test_imports_point_down_the_layers():
    upward = []
    for module, targets in _edges().items():
        for target in targets:
            if _layer(target) > _layer(module):
                upward.append(f"{module} -> {target}")
    assert not upward, "; ".join(sorted(upward))


def test_evaluation_never_imports_baselines_and_the_kernel_imports_no_pillar():
    for module, targets in _edges().items():
        if module.startswith("synthsuite.evaluation"):
            assert not any(t.startswith("synthsuite.baselines") for t in targets), module
        if module.startswith("synthsuite.kernel"):
            assert all(t.startswith("synthsuite.kernel") or t == "synthsuite" for t in targets), module


def test_no_import_cycles():
    edges = _edges()
    # a package importing its own submodules (e.g. to re-export) is not a cycle through it
    graph = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in edges.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert not cycles, f"import cycles: {cycles}"


def test_the_fourier_head_imports_without_the_suites_extras():
    code = (
        "import sys; from synthsuite.fourier import FourierHead; "
        "heavy = ('datasets', 'pyarrow', 'matplotlib', 'minatar', 'pandas'); "
        "heavy = [m for m in heavy if m in sys.modules]; "
        "print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.slow
def test_every_module_imports_alone():
    """Each module in a fresh interpreter (one per core at a time): no module needs another imported first."""
    modules = [
        m for m in sorted(MODULES) if not m.endswith(("_blender", ".blender_tools", ".__main__"))
    ]  # bpy exists only in the render worker's venv; __main__ runs the CLI

    def import_alone(module: str) -> str | None:
        result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
        return f"{module}: {result.stderr.strip().splitlines()[-1]}" if result.returncode else None

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        failed = [line for line in pool.map(import_alone, modules) if line]
    assert not failed, "\n".join(failed)
