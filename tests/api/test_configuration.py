"""A configuration fault stops the start with a sentence saying what to set: it is never answered
later as a 503 (an outage the phones wait out) or a 500."""

from __future__ import annotations

import pytest

from api import map_config, weekly_print
from api.app import configuration_problem, create_app
from api.settings import ConfigurationError, Settings

NOWHERE = Settings(
    database_url="postgresql+asyncpg://x@127.0.0.1:9/x",
    minio_endpoint="127.0.0.1:9",
    minio_access_key="",
    minio_secret_key="",
)


@pytest.fixture(autouse=True)
def fresh_configuration():
    weekly_print.font_path.cache_clear()
    map_config.map_config.cache_clear()
    yield
    weekly_print.font_path.cache_clear()
    map_config.map_config.cache_clear()


def test_a_missing_pdf_font_stops_the_start_saying_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("XUNFANG_PDF_FONT", str(tmp_path / "no-such-font.ttc"))
    with pytest.raises(ConfigurationError, match="the PDF font is missing .*fonts-noto-cjk"):
        create_app(NOWHERE)
    assert "XUNFANG_PDF_FONT" in (configuration_problem() or "")


def test_an_unreadable_map_setting_stops_the_start(monkeypatch):
    monkeypatch.setenv("XUNFANG_MAP_MAX_ZOOM", "eighteen")
    with pytest.raises(ConfigurationError, match="XUNFANG_MAP_MAX_ZOOM"):
        create_app(NOWHERE)


def test_a_sound_configuration_starts():
    assert configuration_problem() is None
