"""The package layout: one sub-package per stage, no import cycles (type-only imports included), privacy."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SITING = Path(__file__).resolve().parents[1] / "siting"


def _modules() -> dict[str, Path]:
    mods = {}
    for path in SITING.rglob("*.py"):
        parts = path.relative_to(SITING.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = path
    return mods


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, list[str]]]:
    """Every ``siting`` import anywhere in the module (top level, functions, TYPE_CHECKING blocks)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            if base.split(".")[0] == "siting":
                found.append((base, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.split(".")[0] == "siting"]
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the siting modules it imports (a name imported from a package counts as the submodule)."""
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        targets = set()
        for base, names in _imports(name, path):
            subs = [f"{base}.{n}" for n in names if f"{base}.{n}" in MODULES]
            targets.update(subs or ([base] if base in MODULES else []))
            targets.update(base for n in names if f"{base}.{n}" not in MODULES and base in MODULES)
        graph[name] = targets - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of a directed graph as a list of nodes, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def _stage(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_module_import_cycle():
    assert find_cycle(import_graph()) is None


def test_stages_form_a_layered_graph():
    stages: dict[str, set[str]] = {}
    top_level = {m for m in MODULES if m.count(".") == 1 and MODULES[m].name != "__init__.py"}
    for module, targets in import_graph().items():
        if module == "siting" or module in top_level:
            continue
        for t in targets:
            if t != "siting" and t not in top_level and _stage(t) != _stage(module):
                stages.setdefault(_stage(module), set()).add(_stage(t))
    assert find_cycle(stages) is None, stages


def test_at_most_twelve_modules_directly_under_siting():
    flat = sorted(p.name for p in SITING.glob("*.py"))
    assert len(flat) <= 12, flat
    for stage in (
        "inputs",
        "network",
        "config",
        "ranking",
        "delivery",
        "costs",
        "locate",
        "design",
        "maps",
        "pipeline",
        "app",
        "cli",
    ):
        assert (SITING / stage / "__init__.py").is_file(), stage


def test_design_sits_above_costs_and_locate_below_pipeline():
    graph = import_graph()
    used = {_stage(t) for m, ts in graph.items() if _stage(m) == "design" for t in ts}
    assert used <= {"design", "costs", "locate", "milp", "highs", "solve_threads", "forked", "workers", "errors"}, used
    users = {_stage(m) for m, ts in graph.items() for t in ts if _stage(t) == "design"}
    assert users <= {"design", "pipeline", "app", "cli", "siting"}, users


def test_no_package_imports_another_packages_private_names():
    for name, path in MODULES.items():
        for base, names in _imports(name, path):
            for imported in [base.rpartition(".")[2], *names]:
                if not imported.startswith("_") or imported.startswith("__"):
                    continue
                owner = base if f"{base}.{imported}" not in MODULES else f"{base}.{imported}"
                assert _stage(owner) == _stage(name), f"{name} imports {imported} from {base}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_says_what_it_owns(name):
    doc = ast.get_docstring(ast.parse(MODULES[name].read_text()))
    assert doc and doc.splitlines()[0].strip().endswith("."), f"{name}: open with a one-line docstring"


def test_config_is_a_pure_schema():
    """config/ parses TOML into dataclasses; what needs a stage is checked in app/."""
    for module, targets in import_graph().items():
        if _stage(module) == "config":
            assert {_stage(t) for t in targets} <= {"config", "errors"}, (module, sorted(targets))


def test_the_cli_reaches_the_stages_only_through_the_app():
    """The CLI parses and prints: running, chaining stages and writing run folders live in siting.app."""
    running = {"pipeline", "share", "national", "locate", "ranking", "delivery", "costs", "config"}
    for module, targets in import_graph().items():
        if _stage(module) == "cli":
            assert not {_stage(t) for t in targets} & running, (module, sorted(targets))


def _third_party_imports(path: Path) -> set[str]:
    """Top-level names of every import in a module (anywhere in it: top level, functions, TYPE_CHECKING)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
    return found


def test_only_the_milp_helper_talks_to_highs():
    """One place builds HiGHS models (siting.milp, on instances from siting.highs): no stage imports highspy."""
    users = sorted(name for name, path in MODULES.items() if "highspy" in _third_party_imports(path))
    assert users == ["siting.highs", "siting.milp"], users


def test_every_file_the_suite_runs_first_exists():
    """tests/conftest.py HEAVY_FIRST orders the xdist workers' files: a renamed file would silently fall back."""
    # read from the file: under xdist ``import conftest`` may find another folder's conftest.py
    repo = SITING.parent
    tree = ast.parse((repo / "tests" / "conftest.py").read_text())
    (HEAVY_FIRST,) = [
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "HEAVY_FIRST" for t in node.targets)
    ]
    missing = [name for name in HEAVY_FIRST if not (repo / name).is_file()]
    assert missing == [] and len(set(HEAVY_FIRST)) == len(HEAVY_FIRST)
