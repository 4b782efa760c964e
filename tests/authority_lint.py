"""One authority for who may see and do what: forum/permissions.py.

This lint finds, everywhere else, code and templates that decide access themselves: a test of
`is_admin`, a comparison of a membership, post or thread status or a community's visibility
(`x.status == "published"`, `status in ("member", "moderator")`), or of ownership
(`user.id == post.author_id`). Each finding names the file and line; move the rule into
forum/permissions.py and call it from there.

A line that compares such values for bookkeeping, not to decide access (keeping a count in
step with a status change, say), says so with a trailing `# bookkeeping: <why>` comment.

Run: `python tests/authority_lint.py` (./dev test does, before pytest).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("forum", "search", "moderation", "server.py")
AUTHORITY = {Path("forum/permissions.py")}
SKIP_PARTS = {"migrations"}
SKIP_FILES = {Path("forum/demo_content.py"), Path("forum/demo.py")}

ACCESS_WORDS = frozenset(
    {"public", "private", "member", "moderator", "pending", "removed", "published", "hidden"}
    | {"deleted", "merged", "held"}
)
ACCESS_ATTRS = frozenset({"status", "visibility", "is_admin"})
OWNER_ATTRS = frozenset({"author_id", "user_id"})
WAIVER = "# bookkeeping:"
# SQL written by hand (forum/reads.py): a status or visibility tested against a literal.
SQL_RULE = re.compile(
    r"\b(status|visibility|is_admin)\s*(=|<>|!=|\bIN\b|\bNOT IN\b)\s*\(?\s*('|TRUE|FALSE|1\b|0\b)",
    re.IGNORECASE,
)

TEMPLATE_RULES = [
    re.compile(r"\bis_admin\b"),
    re.compile(r"\.(status|visibility)\s*(==|!=|\bin\b|\bnot in\b)"),
    re.compile(r"(==|!=)\s*[\"'](" + "|".join(sorted(ACCESS_WORDS)) + r")[\"']"),
    re.compile(r"\bauthor(_id|\.id)?\s*(==|!=)\s*(user|me|actor)\b"),
]


def _words(node: ast.AST) -> bool:
    """An access word, or a tuple/list/set of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value in ACCESS_WORDS
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_words(e) for e in node.elts)
    return False


def _attr(node: ast.AST, names: frozenset[str]) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr in names
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return node.slice.value in names
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        # d.get("status") and the like
        return (
            node.func.attr == "get"
            and bool(node.args)
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in names
        )
    return False


def _decides(node: ast.Compare) -> str | None:
    sides = [node.left, *node.comparators]
    if any(_attr(s, ACCESS_ATTRS) for s in sides) or any(_words(s) for s in sides):
        return "compares a status, visibility or role"
    if any(_attr(s, OWNER_ATTRS) for s in sides) and any(
        isinstance(s, ast.Attribute) and s.attr == "id" for s in sides
    ):
        return "compares ownership"
    return None


def _tests_admin(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "is_admin" for n in ast.walk(node))


def python_findings(path: Path, text: str) -> Iterator[tuple[int, str]]:
    lines = text.splitlines()
    tree = ast.parse(text, str(path))
    for node in ast.walk(tree):
        reason = None
        if isinstance(node, ast.Compare):
            reason = _decides(node)
        elif isinstance(node, ast.If | ast.IfExp | ast.While | ast.Assert) and _tests_admin(
            node.test
        ):
            reason = "tests is_admin"
        elif isinstance(node, ast.BoolOp | ast.UnaryOp) and _tests_admin(node):
            reason = "tests is_admin"
        elif isinstance(node, ast.comprehension) and any(_tests_admin(i) for i in node.ifs):
            reason = "tests is_admin"
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL_RULE.search(node.value)
        ):
            reason = "decides access in SQL (use the predicate forum/permissions.py offers)"
        if reason is None:
            continue
        line = getattr(node, "lineno", 0)
        end = getattr(node, "end_lineno", line) or line
        if any(WAIVER in lines[n - 1] for n in range(line, end + 1)):
            continue
        yield line, reason


def template_findings(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if WAIVER in line:
            continue
        for rule in TEMPLATE_RULES:
            if rule.search(line):
                yield number, "decides access in a template (use the caps the route passes)"
                break


def findings(root: Path = ROOT) -> list[str]:
    found: set[str] = set()
    for source in SOURCES:
        base = root / source
        files = [base] if base.is_file() else sorted(base.rglob("*.py"))
        for path in files:
            rel = path.relative_to(root)
            if rel in AUTHORITY or rel in SKIP_FILES or SKIP_PARTS & set(rel.parts):
                continue
            for line, reason in python_findings(rel, path.read_text(encoding="utf-8")):
                found.add(f"{rel}:{line}: {reason}")
    for path in sorted((root / "templates").glob("*.html")):
        rel = path.relative_to(root)
        for line, reason in template_findings(path.read_text(encoding="utf-8")):
            found.add(f"{rel}:{line}: {reason}")
    return sorted(found, key=lambda f: (f.split(":")[0], int(f.split(":")[1])))


def main() -> int:
    found = findings()
    for finding in found:
        print(finding)
    if found:
        print(
            f"\n{len(found)} access rule(s) outside forum/permissions.py: move each into it "
            f"(or mark bookkeeping with '{WAIVER} <why>').",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
