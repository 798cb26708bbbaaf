"""The media settings: defaults under the instance folder, switches read from the environment."""

from __future__ import annotations

import pytest

from services.core.settings import ConfigError, load_settings


def test_defaults_keep_media_under_the_instance_folder(tmp_path):
    settings = load_settings({"IGNORE_ENVIRONMENT": True, "INSTANCE_DIR": str(tmp_path)})
    assert settings.media_dir == tmp_path.resolve() / "media"
    assert settings.media_delete_at_twilio is True and settings.media_fetch_thread is True
    assert (settings.media_link_hours, settings.media_fetch_attempts) == (24, 12)


def test_the_environment_sets_them(tmp_path):
    settings = load_settings(dotenv_path=tmp_path / "no.env", environ={
        "MEDIA_DIR": str(tmp_path / "foto"), "MEDIA_DELETE_AT_TWILIO": "0",
        "MEDIA_LINK_HOURS": "2", "MEDIA_FETCH_ATTEMPTS": "3", "MEDIA_FETCH_THREAD": "false"})
    assert settings.media_dir == (tmp_path / "foto").resolve()
    assert settings.media_delete_at_twilio is False and settings.media_fetch_thread is False
    assert (settings.media_link_hours, settings.media_fetch_attempts) == (2, 3)


@pytest.mark.parametrize("key, value", [("MEDIA_LINK_HOURS", "0"), ("MEDIA_LINK_HOURS", "x"),
                                        ("MEDIA_FETCH_ATTEMPTS", "0")])
def test_a_bad_value_stops_the_start_with_its_name(key, value):
    with pytest.raises(ConfigError, match=key):
        load_settings({"IGNORE_ENVIRONMENT": True, key: value})
