"""One-time login links: random, hashed at rest, 15 minutes, single use, supervisors only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import LoginToken, Staff
from services.auth import LoginError, check_login, hash_token, issue_login_link, redeem_login
from services.core.context import Ctx

LURAH, SITI = "+6281200000901", "+6281200000101"


def _link(rt, phone):
    with rt.transaction() as db:
        staff = db.scalar(select(Staff).where(Staff.phone == phone))
        return issue_login_link(Ctx(db=db, now=rt.now(), rt=rt), staff)


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]


def test_a_link_redeems_once(rt, roster):
    token = _token(_link(rt, LURAH))
    assert check_login(rt, token).ok and check_login(rt, token).ok   # looking uses nothing
    with rt.sessions() as db:
        lurah_id = db.scalar(select(Staff.id).where(Staff.phone == LURAH))
        assert db.scalar(select(LoginToken.token_hash)) == hash_token(token)
    staff_id, login_id = redeem_login(rt, token)
    assert staff_id == lurah_id
    with rt.sessions() as db:
        assert db.get(LoginToken, login_id).used_at == rt.now()
    with pytest.raises(LoginError) as refused:
        redeem_login(rt, token)
    assert refused.value.code == "used"
    assert check_login(rt, token).error == "used"


def test_a_link_expires_after_fifteen_minutes(rt, roster, clock):
    token = _token(_link(rt, LURAH))
    clock.advance(minutes=14, seconds=59)
    assert check_login(rt, token).ok
    clock.advance(seconds=1)
    with pytest.raises(LoginError) as refused:
        redeem_login(rt, token)
    assert refused.value.code == "expired"


def test_links_are_random_and_unknown_ones_are_refused(rt, roster):
    assert _token(_link(rt, LURAH)) != _token(_link(rt, LURAH))
    with pytest.raises(LoginError) as refused:
        redeem_login(rt, "made-up")
    assert refused.value.code == "unknown"


def test_only_supervisors_get_links(rt, roster):
    with pytest.raises(LoginError) as refused:
        _link(rt, SITI)
    assert refused.value.code == "not_supervisor"


def test_a_supervisor_removed_after_the_link_was_sent_cannot_use_it(rt, roster):
    token = _token(_link(rt, LURAH))
    with rt.transaction() as db:
        db.scalar(select(Staff).where(Staff.phone == LURAH)).active = False
    with pytest.raises(LoginError) as refused:
        redeem_login(rt, token)
    assert refused.value.code == "not_supervisor"


def test_the_link_uses_the_public_base_url(rt, roster):
    link = _link(rt, LURAH)
    assert link.startswith(rt.settings.public_base_url + "/dashboard/login/")
    with rt.sessions() as db:
        row = db.scalar(select(LoginToken))
        assert row.expires_at - row.created_at == timedelta(minutes=15)


def test_a_new_link_clears_the_supervisors_spent_links(rt, roster, clock):
    """Links that can no longer start or carry a session are deleted when a new one is sent."""
    first = _token(_link(rt, LURAH))
    redeem_login(rt, first)
    clock.advance(hours=12, minutes=14)
    _link(rt, LURAH)
    with rt.sessions() as db:
        assert db.scalar(select(func.count()).select_from(LoginToken)) == 2
    clock.advance(minutes=2)                       # the first link's session is over now
    _link(rt, LURAH)
    with rt.sessions() as db:
        hashes = set(db.scalars(select(LoginToken.token_hash)))
    assert len(hashes) == 2 and hash_token(first) not in hashes
