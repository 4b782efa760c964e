"""Rate limits shared through Redis, as several workers use them (CHAUPAL_REDIS_URL)."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from forum.errors import TooManyRequests
from moderation.limits import make_limiter

REDIS_URL = os.environ.get("CHAUPAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


def redis_running() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url() -> str:
    if not redis_running():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return REDIS_URL


async def test_two_limiters_on_one_redis_share_the_count(redis_url):
    overrides = {"CHAUPAL_RATE_POST_USER": "3/minute"}
    worker_a = make_limiter(redis_url, overrides)
    worker_b = make_limiter(redis_url, overrides)
    person = uuid.uuid4().hex  # a fresh key per run

    await worker_a.check("post", "user", person)
    await worker_b.check("post", "user", person)
    await worker_a.check("post", "user", person)
    with pytest.raises(TooManyRequests) as refused:
        await worker_b.check("post", "user", person)
    assert 1 <= refused.value.retry_after <= 60
