"""The house rules of the package: no import cycles, and the library never imports a stage."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

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


@pytest.mark.parametrize("module", ["leakgan.config", "leakgan.registry", "leakgan.layout"])
def test_modules_the_snakefile_reads_do_not_import_torch(module):
    import subprocess
    import sys

    code = f"import sys, {module}; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# ---------------------------------------------------------------- no name-string dispatch on models

# Where a registered model's name may be written as a string: the registry itself, the config (its blocks are
# named after the models) and the table of the paper's published numbers (data keyed by model).
NAMES_ALLOWED_IN = {"leakgan/registry.py", "leakgan/report/paper_numbers.py"}
PACKAGE_NAME = "leakgan"  # the package and the command are called as one model is: allowed where it means them
PACKAGE_NAME_USES = {"leakgan/cli.py", "leakgan/codeversion.py", "leakgan/eval/provenance.py"}


def model_name_literals(path: Path, names: set[str]) -> list[tuple[int, str]]:
    """(line, name) of every string constant in a Python file that is exactly a registered model's name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names]


def test_no_module_dispatches_on_a_model_name():
    import re

    from leakgan import registry

    names = set(registry.names())
    found = []
    for path in sorted((REPO / "leakgan").rglob("*.py")) + sorted((REPO / "kernels").rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel in NAMES_ALLOWED_IN:
            continue
        for line, name in model_name_literals(path, names):
            if name == PACKAGE_NAME and rel in PACKAGE_NAME_USES:
                continue
            found.append(f"{rel}:{line}: {name!r}")
    quoted = re.compile(r"""["'](%s)["']""" % "|".join(map(re.escape, sorted(names))))
    for path in sorted((REPO / "workflow" / "rules").glob("*.smk")) + [REPO / "Snakefile"]:
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if quoted.search(text.split("#")[0]):
                found.append(f"{path.relative_to(REPO).as_posix()}:{number}: {text.strip()}")
    assert found == []


def test_the_name_check_finds_a_dispatch(tmp_path):
    path = tmp_path / "m.py"
    path.write_text('if model == "rankgan":\n    pass\nstream = "rankgan-init"\n')
    assert model_name_literals(path, {"rankgan", "mle"}) == [(1, "rankgan")]


MUTATORS = {"append", "extend", "insert", "update", "setdefault", "pop", "popitem", "clear", "add", "discard",
            "remove"}


def mutated_module_state(path: Path) -> set[str]:
    """Module-level names of a file that some function changes: a container it fills or empties, or a `global`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {t.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
           for t in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(t, ast.Name)}
    found = set()
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.Global):
                found.update(n for n in node.names if n in top)
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS
                  and isinstance(node.func.value, ast.Name) and node.func.value.id in top):
                found.add(node.func.value.id)
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
                targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
                found.update(t.value.id for t in targets if isinstance(t, ast.Subscript)
                             and isinstance(t.value, ast.Name) and t.value.id in top)
    return found


def test_no_module_keeps_mutable_state_but_the_registry():
    """No function changes module-level state (labels remembered between calls, counters, flags): the registry's
    table of models alone is filled, by `register`. Caches are functools.lru_cache."""
    allowed = {("leakgan/registry.py", "_MODELS"), ("leakgan/data/corpus.py", "_STATE")}  # a worker process's state
    found = [(path.relative_to(REPO).as_posix(), name) for path in sorted((REPO / "leakgan").rglob("*.py"))
             for name in sorted(mutated_module_state(path))]
    assert [f for f in found if f not in allowed] == []


def test_the_state_check_finds_remembered_labels(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("_LABELS = {}\nFLAG = False\n\ndef remember(x):\n    _LABELS.update(x)\n\n"
                    "def mark():\n    global FLAG\n    FLAG = True\n\ndef local():\n    d = {}\n    d['a'] = 1\n")
    assert mutated_module_state(path) == {"_LABELS", "FLAG"}
