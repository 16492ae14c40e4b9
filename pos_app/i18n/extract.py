"""Find every text marked with `t(...)`/`tn(...)` in the code, and compare with the catalogs.

AST-based (no regular expressions over source): a call counts when its name is what the module
imported from `pos_app.i18n` as `t` or `tn` (also under another name, `import ... as _`).
The texts must be literals - a variable cannot be translated ahead of time - so any other
first argument is reported with its place. Thread: any (a command and a test, not the till).
"""
from __future__ import annotations

import ast
import string
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("pos_app", "ui", "sync", "hardware")


@dataclass(frozen=True)
class Text:
    """One marked text: `source` (German), `plural` for `tn`, and where it is used."""

    source: str
    plural: str | None
    places: tuple[str, ...]


@dataclass
class Extraction:
    texts: dict[str, Text] = field(default_factory=dict)
    not_literal: list[str] = field(default_factory=list)  # "file:line: t(<expr>)"

    def add(self, source: str, plural: str | None, place: str) -> None:
        known = self.texts.get(source)
        places = (*known.places, place) if known else (place,)
        self.texts[source] = Text(source, plural or (known.plural if known else None), places)


def _marker_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> "t", "tn" or "N_" for what the module imported from pos_app.i18n."""
    names: dict[str, str] = {}
    for node in tree.body:  # a module that may import only the standard library defines its own
        if isinstance(node, ast.FunctionDef) and node.name in ("t", "tn", "N_"):  # (pos_app.limits)
            names[node.name] = node.name
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "pos_app.i18n":
            for alias in node.names:
                if alias.name in ("t", "tn", "N_"):
                    names[alias.asname or alias.name] = alias.name
    return names


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def extract_file(path: Path, into: Extraction, root: Path = ROOT) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    markers = _marker_names(tree)
    if not markers:
        return
    relative = path.relative_to(root).as_posix()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in markers):
            continue
        kind = markers[node.func.id]
        place = f"{relative}:{node.lineno}"
        wanted = 2 if kind == "tn" else 1
        args = [_literal(a) for a in node.args[:wanted]]
        if len(node.args) < wanted or any(a is None for a in args):
            into.not_literal.append(f"{place}: {ast.unparse(node)[:90]}")
            continue
        into.add(args[0], args[1] if kind == "tn" else None, place)  # type: ignore[arg-type]


def extract(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> Extraction:
    result = Extraction()
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts or path.parent.name == "i18n":
                continue  # the layer itself marks no texts
            extract_file(path, result, root)
    return result


def placeholders(text: str) -> set[str]:
    """The named parameters of a text ("{number}", "{total:>8}" -> {"number", "total"})."""
    try:
        return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return {"<broken braces>"}
