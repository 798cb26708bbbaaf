"""The delivery settings that keep exactly-once honest: a send must end (client time-out)
well within the lease that keeps other senders off its message."""

from __future__ import annotations

import pytest

from services.core.settings import ConfigError, load_settings

BASE = {"IGNORE_ENVIRONMENT": True, "MESSAGING_TRANSPORT": "console"}


def test_defaults_retry_a_long_twilio_outage_and_lease_well_past_the_time_out():
    settings = load_settings(BASE)
    assert (settings.twilio_timeout_seconds, settings.outbox_lease_seconds) == (10.0, 60.0)
    assert settings.outbox_max_attempts == 16   # ≈ 1 h 45 min of backoff before giving up


@pytest.mark.parametrize("extra, problem", [
    ({"TWILIO_TIMEOUT_SECONDS": "0"}, "TWILIO_TIMEOUT_SECONDS"),
    ({"TWILIO_TIMEOUT_SECONDS": "10", "OUTBOX_LEASE_SECONDS": "15"}, "OUTBOX_LEASE_SECONDS"),
    ({"OUTBOX_LEASE_SECONDS": "abc"}, "OUTBOX_LEASE_SECONDS"),
])
def test_a_lease_shorter_than_two_time_outs_is_refused_at_start(extra, problem):
    with pytest.raises(ConfigError, match=problem):
        load_settings({**BASE, **extra})


def test_short_values_for_tests_are_accepted():
    settings = load_settings({**BASE, "TWILIO_TIMEOUT_SECONDS": "0.5",
                              "OUTBOX_LEASE_SECONDS": "2"})
    assert settings.outbox_lease_seconds == 2.0
