"""The version of the code a stage runs: the package version and a hash of every module it can import.

A rule's params carry `code_version(stage, model)`, so upgrading the project
re-runs exactly the stages whose code changed. The modules are found by
reading `import` statements (anywhere in a file, so imports inside functions
count) from `leakgan.stages.<stage>` and, for a model, from the imports of its
registry entry's `parts` function (its class and trainers), following every
import of this package transitively. Nothing is imported, so the Snakefile
stays fast.
"""
from __future__ import annotations

import ast
import functools
import hashlib
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE = "leakgan"
KERNELS = "leakgan.kernels"  # installed from the top-level kernels/ folder of the checkout
# installed: leakgan/kernels; a checkout (editable install): the kernels/ folder beside leakgan/
KERNELS_DIR = next((p for p in (PACKAGE_DIR / "kernels", PACKAGE_DIR.parent / "kernels") if p.is_dir()),
                   PACKAGE_DIR / "kernels")


def module_file(name: str) -> Path | None:
    """The source file of a module of this package (None for other packages or names that are not modules)."""
    if name == KERNELS or name.startswith(KERNELS + "."):
        base = KERNELS_DIR / Path(*name.split(".")[2:])
    elif name == PACKAGE or name.startswith(PACKAGE + "."):
        base = PACKAGE_DIR.parent / Path(*name.split("."))
    else:
        return None
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(name: str, path: Path) -> set[str]:
    """The modules of this package a file imports (absolute and relative, at any depth of the file).

    The registry's `parts` functions are left out: each names one model's modules, which only that
    model's stages run (`_model_modules`).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    if name == REGISTRY:
        skip = _registry_parts()
        tree.body = [node for node in tree.body if not (isinstance(node, ast.FunctionDef) and node.name in skip)]
    return _imports_in(tree, name if path.name == "__init__.py" else name.rpartition(".")[0])


REGISTRY = "leakgan.registry"


@functools.lru_cache(maxsize=None)
def _registry_parts() -> frozenset[str]:
    from leakgan import registry

    return frozenset(spec.parts.__name__ for spec in registry.models().values() if spec.parts.__module__ == REGISTRY)


def _imports_in(tree: ast.AST, package: str) -> set[str]:
    """The modules of this package that the import statements in `tree` name (`package`: for relative imports)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return {n for n in found if module_file(n) is not None}


def closure(names: list[str]) -> dict[str, Path]:
    """Every module of this package reachable by imports from `names` (each with its parent packages)."""
    seen: dict[str, Path] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        path = module_file(name)
        if name in seen or path is None:
            continue
        seen[name] = path
        parent = name.rpartition(".")[0]
        todo.extend(([parent] if parent else []) + sorted(_imports(name, path)))
    return seen


def _model_modules(model: str) -> list[str]:
    """The modules a model's registry entry imports in its `parts` function (read, not run)."""
    import inspect
    import textwrap

    from leakgan import registry

    parts = registry.get(model).parts
    tree = ast.parse(textwrap.dedent(inspect.getsource(parts)))
    return sorted(_imports_in(tree, parts.__module__.rpartition(".")[0]))


@functools.lru_cache(maxsize=None)
def code_version(stage: str, model: str | None = None) -> str:
    """'<package version>+<12 hex>': the hash covers the source of every module the stage (and model) can import."""
    names = [f"{PACKAGE}.stages.{stage}"] + (_model_modules(model) if model else [])
    digest = hashlib.sha256()
    for name, path in sorted(closure(names).items()):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        version = "0"
    return f"{version}+{digest.hexdigest()[:12]}"
