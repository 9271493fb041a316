"""A worker that dies without saying so (kill -9, then replaced by the server) leaves no live
gauge behind: the database connections it held are not counted as in use for ever after."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
# A worker that checks out three connections and is killed holding them.
HOLDS_THREE = "import os; from api import observe; observe.DB_IN_USE.inc(3); os._exit(0)"


def in_use(text: str) -> float:
    for family in text_string_to_metric_families(text):
        if family.name == "xunfang_db_pool_in_use":
            return sum(s.value for s in family.samples)
    raise AssertionError("no xunfang_db_pool_in_use in the exposition")


def test_a_killed_workers_connections_leave_the_in_use_gauge(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", HOLDS_THREE], env=env, check=True, cwd=ROOT)
    assert list(tmp_path.glob("gauge_livesum_*.db")), "the dead worker left its gauge file"
    scrape = "import sys; from api import observe; sys.stdout.write(observe.exposition()[0].decode())"
    text = subprocess.run(
        [sys.executable, "-c", scrape], env=env, check=True, cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert in_use(text) == 0
