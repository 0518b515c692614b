"""The house rules of the package: no import cycles, and the library never imports a stage."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = {"leakgan": REPO / "leakgan", "leakgan.kernels": REPO / "kernels"}


def module_files() -> dict[str, Path]:
    """Every module of the installed package, by dotted name."""
    out = {}
    for package, root in PACKAGES.items():
        for path in root.rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([package, *parts])] = path
    return out


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's own modules that `name` imports anywhere in its file (type-checking-only imports aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found = set()
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = name.split(".") if is_package else name.split(".")[:-1]
                parent = parent[: len(parent) - (node.level - 1)]
                base = ".".join(parent + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    files = module_files()
    known = set(files)
    graph = {name: imports_of(name, path, known) for name, path in files.items()}
    # importing a.b.c runs the __init__ of a and a.b: an edge to a parent package is not a cycle of code
    return {n: {t for t in targets if not n.startswith(t + ".")} for n, targets in graph.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_package_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle)


def test_the_library_never_imports_a_stage():
    offenders = {name: sorted(t for t in targets if t.startswith("leakgan.stages"))
                 for name, targets in import_graph().items()
                 if not name.startswith("leakgan.stages") and name != "leakgan.cli"}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_checker_finds_a_cycle_and_a_stage_import(tmp_path):
    # The two checks above must be able to fail: a tiny graph with both faults.
    graph = {"leakgan.a": {"leakgan.b"}, "leakgan.b": {"leakgan.stages.x"}, "leakgan.stages.x": {"leakgan.a"}}
    assert find_cycle(graph) == ["leakgan.a", "leakgan.b", "leakgan.stages.x", "leakgan.a"]
    path = tmp_path / "m.py"
    path.write_text("from leakgan.stages import pretrain\nif TYPE_CHECKING:\n    import leakgan.x\n")
    assert imports_of("leakgan.m", path, {"leakgan.stages", "leakgan.stages.pretrain", "leakgan.x"}) == {
        "leakgan.stages.pretrain", "leakgan.stages"}


@pytest.mark.parametrize("module", ["leakgan.config", "leakgan.models.registry", "leakgan.layout"])
def test_modules_the_snakefile_reads_do_not_import_torch(module):
    import subprocess
    import sys

    code = f"import sys, {module}; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
