"""The PWA's unit tests (outbox, sync, EXIF splice) under Vitest, so scripts/test covers them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PWA = Path(__file__).resolve().parents[2] / "pwa"


def test_pwa_unit_tests_pass() -> None:
    npm = shutil.which("npm")
    if npm is None or not (PWA / "node_modules").is_dir():
        pytest.fail("npm and pwa/node_modules are needed: run scripts/setup")
    result = subprocess.run([npm, "test", "--silent"], cwd=PWA, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
