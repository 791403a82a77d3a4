"""Every path README.md names is a real page: a reader who types one does not land on a 404."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
# `/path/` in backticks, a Markdown link to /path, or a full local address.
PATH_PATTERNS = [r"`(/[^`\s]*)`", r"\]\((/[^)\s]*)\)", r"http://127\.0\.0\.1:8000(/[^\s`)]*)"]


def readme_paths() -> list[str]:
    text = README.read_text(encoding="utf-8")
    found = {match for pattern in PATH_PATTERNS for match in re.findall(pattern, text)}
    # A template such as `/api/v1/accounts/{id}/` names no single page.
    return sorted(path for path in found if not re.search(r"[{<]", path))


def test_the_readme_names_its_pages():
    paths = readme_paths()

    assert {"/portfolio/", "/scoring/runs/", "/imports/layouts/", "/api/schema/"} <= set(paths)
    assert "/scoring/" not in paths  # no page there: the runs are at /scoring/runs/


@pytest.mark.parametrize("path", readme_paths())
def test_a_path_in_the_readme_is_a_page(client, director, path):
    client.force_login(director)

    response = client.get(path)

    assert response.status_code != 404, path
    assert response.status_code < 500, path
