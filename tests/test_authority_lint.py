"""The lint that keeps forum/permissions.py the one authority (tests/authority_lint.py): the
tree passes it, and it does catch rules written elsewhere, so it cannot pass by finding
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import authority_lint


def test_no_access_rule_is_written_outside_the_authority() -> None:
    assert authority_lint.findings() == []


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ('def f(thread):\n    return thread.status == "published"\n', "status"),
        ('def f(c):\n    return c.visibility != "private"\n', "status"),
        ('def f(s):\n    return s in ("member", "moderator")\n', "status"),
        ("def f(user):\n    if user.is_admin:\n        return 1\n", "is_admin"),
        ("def f(user, post):\n    return user.id == post.author_id\n", "ownership"),
        ("SQL = \"SELECT id FROM threads t WHERE t.status = 'published'\"\n", "SQL"),
    ],
)
def test_a_rule_written_in_a_service_is_named_by_file_and_line(
    tmp_path: Path, source: str, reason: str
) -> None:
    root = _tree(tmp_path, {"forum/planted.py": "\n" + source, "templates/ok.html": "<p></p>"})
    found = authority_lint.findings(root)
    assert found, source
    assert all(f.startswith("forum/planted.py:") for f in found)
    assert any(reason in f for f in found), found
    line = int(found[0].split(":")[1])
    assert line >= 2  # the planted line, not the file


def test_a_rule_written_in_a_template_is_found() -> None:
    planted = '{% if thread.status == "pending" %}Awaiting{% endif %}\n'
    found = list(authority_lint.template_findings("<p></p>\n" + planted))
    assert [line for line, _ in found] == [2]


def test_the_authority_itself_and_marked_bookkeeping_pass(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "forum/permissions.py": 'def f(t):\n    return t.status == "published"\n',
            "forum/counts.py": (
                "def counted(status):\n"
                '    return status == "published"  # bookkeeping: what counts count\n'
            ),
            "templates/ok.html": "{% if caps.can_edit %}Edit{% endif %}\n",
        },
    )
    assert authority_lint.findings(root) == []


def test_the_real_services_would_be_caught_without_the_authority(tmp_path: Path) -> None:
    """Copy the authority's rules into a service: the lint names them."""
    text = (authority_lint.ROOT / "forum" / "permissions.py").read_text(encoding="utf-8")
    root = _tree(tmp_path, {"forum/copied.py": text, "templates/ok.html": ""})
    assert len(authority_lint.findings(root)) > 10
