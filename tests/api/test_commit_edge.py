"""One commit per request, at the edge (api/deps.py), once the handler has returned: a commit
anywhere else in api/ or storage/queries/ goes through storage.db.commit_early, which names why
(a lock released early, an audit entry that outlives an error)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMIT = re.compile(r"\.commit\(\)")


def test_no_request_commits_but_at_the_edge_or_by_name():
    found = [
        str(path.relative_to(ROOT))
        for folder in ("api", "storage/queries")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for line in path.read_text().splitlines()
        if COMMIT.search(line)
    ]
    assert found == ["api/deps.py"]
