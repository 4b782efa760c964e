"""Email digests against a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller

from forum import accounts, digests, notifications


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.content)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, f"smtp://127.0.0.1:{controller.port}"
    controller.stop()


async def test_opted_in_people_get_one_digest_of_their_unread_notifications(
    app, make_user, make_community, make_thread, smtp
):
    inbox, url = smtp
    reader = await make_user(username="digest_reader")
    quiet = await make_user(username="no_digest")
    await accounts.set_email_digest(reader, True)
    thread = await make_thread(
        reader, await make_community(members=(reader,)), title="Crop damage claims"
    )
    about = {"by": "colleague", "title": thread.title, "post_id": 7, "thread_id": thread.id}
    await notifications.notify(reader.id, "reply", **about)
    await notifications.notify(quiet.id, "reply", **about)

    sent = await digests.send_due(
        url, site_url="http://forum.example", sender="Chaupal <c@example.org>"
    )

    assert sent == 1
    assert len(inbox.messages) == 1
    text = inbox.messages[0].decode()
    assert "digest_reader@example.org" in text
    assert "Crop damage claims" in text and "http://forum.example/p/7" in text
    # Nothing new since: no second digest.
    assert await digests.send_due(url, site_url="http://forum.example", sender="c@example.org") == 0
    assert len(inbox.messages) == 1


async def test_read_notifications_are_not_emailed(app, make_user, smtp):
    inbox, url = smtp
    reader = await make_user(username="reads_everything")
    await accounts.set_email_digest(reader, True)
    await notifications.notify(reader.id, "reply", by="x", title="Old news", post_id=1, thread_id=1)
    await notifications.mark_read(reader)

    assert await digests.send_due(url, site_url="http://f", sender="c@example.org") == 0
    assert inbox.messages == []


async def test_a_failed_send_leaves_the_digest_due(app, make_user):
    reader = await make_user(username="unlucky")
    await accounts.set_email_digest(reader, True)
    await notifications.notify(reader.id, "reply", by="x", title="Retry me", post_id=1, thread_id=1)
    closed = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there

    with pytest.raises(OSError):
        await digests.send_due(closed, site_url="http://f", sender="c@example.org")

    await reader.refresh_from_db()
    assert reader.digest_sent_at is None
