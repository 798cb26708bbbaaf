"""One session key for every worker: SECRET_KEY (required with Twilio), or the key kept in
the instance folder, made once even when several workers start at the same moment."""

from __future__ import annotations

import multiprocessing
import stat

import pytest

from services.core.secret_key import KEY_FILE, instance_key
from services.core.settings import ConfigError, load_settings
from tests.support.dashboard import LURAH_KETINTANG, log_in
from tests.support.whatsapp import TWILIO_SETTINGS


def test_twilio_without_secret_key_refuses_to_start_and_names_it():
    from wsgi import create_app

    with pytest.raises(ConfigError, match="needs SECRET_KEY"):
        load_settings({"IGNORE_ENVIRONMENT": True, **TWILIO_SETTINGS})
    with pytest.raises(ConfigError, match="needs SECRET_KEY"):
        create_app({"IGNORE_ENVIRONMENT": True, **TWILIO_SETTINGS})
    assert load_settings({"IGNORE_ENVIRONMENT": True, **TWILIO_SETTINGS,
                          "SECRET_KEY": "k" * 40}).secret_key == "k" * 40


def _app(overrides, instance_dir):
    from wsgi import create_app

    settings = {k: v for k, v in overrides.items() if k != "SECRET_KEY"}
    return create_app({**settings, "INSTANCE_DIR": str(instance_dir)})


def test_without_secret_key_every_app_of_the_instance_signs_with_one_key(overrides, tmp_path,
                                                                         roster):
    """Two apps are two gunicorn workers: a session one signs, the other accepts."""
    first, second = _app(overrides, tmp_path), _app(overrides, tmp_path)
    try:
        assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
        key_file = tmp_path / KEY_FILE
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert key_file.read_text().strip() == first.secret_key
        one, other = first.test_client(), second.test_client()
        log_in(one, first.extensions["layanan"], LURAH_KETINTANG)
        other.set_cookie("session", one.get_cookie("session").value)
        assert other.get("/dashboard").status_code == 200
    finally:
        first.extensions["layanan"].close()
        second.extensions["layanan"].close()


def test_a_restart_keeps_the_key_and_another_instance_has_its_own(tmp_path):
    assert instance_key(tmp_path / "a" / KEY_FILE) == instance_key(tmp_path / "a" / KEY_FILE)
    assert instance_key(tmp_path / "a" / KEY_FILE) != instance_key(tmp_path / "b" / KEY_FILE)
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700


def _race(path, barrier, results) -> None:
    barrier.wait()
    results.put(instance_key(path))


def test_workers_starting_together_all_get_the_one_key(tmp_path):
    context = multiprocessing.get_context("fork")
    workers = 8
    barrier, results = context.Barrier(workers), context.Queue()
    path = tmp_path / "instance" / KEY_FILE
    processes = [context.Process(target=_race, args=(path, barrier, results))
                 for _ in range(workers)]
    for process in processes:
        process.start()
    keys = [results.get(timeout=30) for _ in processes]
    for process in processes:
        process.join(30)
        assert process.exitcode == 0
    assert len(set(keys)) == 1 and keys[0] == path.read_text().strip()
    assert sorted(p.name for p in path.parent.iterdir()) == [KEY_FILE]   # no drafts left


def test_a_key_file_others_may_read_is_closed_to_them(tmp_path):
    path = tmp_path / KEY_FILE
    path.write_text("s" * 64)
    path.chmod(0o644)
    assert instance_key(path) == "s" * 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_unusable_key_file_refuses_to_start_and_says_what_to_do(tmp_path):
    path = tmp_path / KEY_FILE
    path.write_text("short\n")
    with pytest.raises(ConfigError, match="delete it"):
        instance_key(path)


def test_an_instance_folder_that_cannot_be_made_names_secret_key(tmp_path):
    blocker = tmp_path / "instance"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(ConfigError, match="set SECRET_KEY, or INSTANCE_DIR"):
        instance_key(blocker / KEY_FILE)
