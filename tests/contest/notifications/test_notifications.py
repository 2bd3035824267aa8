"""Issue 15 item 6: notifications by email read back from a real SMTP server (aiosmtpd):
a round that opens tells its eligible participants once, the one-day reminder only those
with attempts left, a published result tells winners their prize; an opted-out
participant gets nothing; the one-click link works without signing in and is refused
when tampered; the SMS / Zalo logging channel logs no phone number."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from contest.jobs import schedule
from contest.models.notification import Notification, NotificationOptOut
from contest.services import notifications, result_closing, result_publishing
from tests.conftest import NOW, csrf_from
from tests.contest.results.test_results import finished
from tests.smtp import smtp_server

OFF_LINK = re.compile(r"http://localhost(/tat-thong-bao/\S+)")


@pytest.fixture
def inbox(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_FROM", "hoithi@example.vn")
    monkeypatch.setitem(app.config, "NOTIFY_BATCH", 2)  # several batches with a few people
    with smtp_server(app.config) as box:
        yield box


def _settings():
    from contest.jobs.notification_kinds import settings

    return settings()


def test_an_open_round_mails_its_eligible_participants_once(
    db, make_user, make_unit, make_round, inbox
):
    other_unit = make_unit()
    yes = [make_user(), make_user(), make_user()]
    make_user(unit_id=other_unit.id)  # not eligible: another unit
    make_user(email=None)  # no address
    off = make_user()
    notifications.set_notifications(off, False, now=NOW)
    db.session.commit()
    round_ = make_round(
        opens_at=NOW - timedelta(hours=2), eligible_unit_ids=[yes[0].unit_id], name="Tuần 2"
    )
    schedule.tick(NOW)
    assert inbox.to() == sorted(u.email for u in yes)  # three people, two batches
    message = inbox.messages[0]
    assert "Tuần 2" in message["Subject"] and "đã mở" in message["Subject"]
    body = message.get_content()
    assert f"/dot-thi/{round_.id}" in body and "(giờ Việt Nam)" in body
    assert message["List-Unsubscribe"]
    schedule.tick(NOW + timedelta(minutes=5))  # the next tick, and a batch run again
    notifications.send_batch("opened", round_.id, now=NOW, settings=_settings())
    assert len(inbox.messages) == 3
    assert db.session.scalar(select(func.count(Notification.id))) == 3


def test_the_reminder_goes_only_to_those_with_attempts_left(db, make_user, make_round, inbox):
    round_ = make_round(
        opens_at=NOW - timedelta(days=5), closes_at=NOW + timedelta(hours=20), max_attempts=2
    )
    used_up, one_left, none_yet = make_user(), make_user(), make_user()
    for _ in range(2):
        finished(db, round_, used_up, score=5)
    finished(db, round_, one_left, score=5)
    finished(db, round_, used_up, score=5, practice=True)
    db.session.commit()
    schedule.tick(NOW)
    assert inbox.to() == sorted([one_left.email, none_yet.email])
    bodies = {m["To"]: m.get_content() for m in inbox.messages}
    assert "còn 1 lượt thi" in bodies[one_left.email]
    assert "còn 2 lượt thi" in bodies[none_yet.email]
    assert all("sắp kết thúc" in m["Subject"] for m in inbox.messages)


def test_a_published_result_tells_winners_their_prize(db, make_user, make_round, inbox):
    round_ = make_round(
        opens_at=NOW - timedelta(days=9),
        closes_at=NOW - timedelta(days=2),
        prize_tiers=[{"name": "Giải Nhất", "count": 1}],
    )
    first, second = make_user(), make_user()
    finished(db, round_, first, score=10)
    finished(db, round_, second, score=4)
    db.session.commit()
    outcome = result_closing.close_round(round_, actor=None, now=NOW)
    result_publishing.publish_result(round_, outcome.result.id, actor=None, now=NOW, early=True)
    db.session.commit()
    schedule.tick(NOW)
    bodies = {m["To"]: m.get_content() for m in inbox.messages}
    assert set(bodies) == {first.email, second.email}
    assert "Giải Nhất" in bodies[first.email] and "hạng 1" in bodies[first.email]
    assert "Giải Nhất" not in bodies[second.email] and "hạng 2" in bodies[second.email]
    assert f"/dot-thi/{round_.id}/ket-qua" in bodies[first.email]


def test_the_link_turns_them_off_without_signing_in_and_refuses_a_tampered_one(
    client, db, make_user, make_round, inbox
):
    user = make_user()
    make_round(opens_at=NOW - timedelta(hours=1))
    schedule.tick(NOW)
    path = OFF_LINK.search(inbox.messages[0].get_content()).group(1)
    tampered = client.get(path[:-2] + ("BB" if path.endswith("AA") else "AA"))
    assert tampered.status_code == 400 and "không đúng" in tampered.get_data(as_text=True)
    assert db.session.get(NotificationOptOut, user.id) is None
    done = client.get(path)
    assert done.status_code == 200 and "không nhận thư báo" in done.get_data(as_text=True)
    assert db.session.get(NotificationOptOut, user.id).source == "link"
    make_round(opens_at=NOW - timedelta(hours=1))  # another round: nothing for them
    schedule.tick(NOW + timedelta(minutes=5))
    assert len(inbox.messages) == 1


def test_the_profile_checkbox_turns_them_off_and_on(client, db, make_user, login):
    user = make_user()
    login(user)
    page = client.get("/ho-so").get_data(as_text=True)
    assert 'name="wanted"' in page and "checked" in page
    token = csrf_from(client, "/ho-so")
    client.post("/ho-so/thong-bao", data={"csrf_token": token})
    assert notifications.is_opted_out(user.id)
    client.post("/ho-so/thong-bao", data={"csrf_token": token, "wanted": "y"})
    assert not notifications.is_opted_out(user.id)


def test_the_sms_and_zalo_logging_channels_log_no_phone_number(
    app, db, make_user, make_round, inbox, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "NOTIFY_CHANNELS", ["email", "sms", "zalo"])
    user = make_user()
    no_mail = make_user(email=None)
    round_ = make_round(opens_at=NOW - timedelta(hours=1))
    with caplog.at_level(logging.INFO, logger="contest.services.notify_channels"):
        schedule.tick(NOW)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("notify ")]
    assert len(lines) == 4  # two channels × two people
    for person in (user, no_mail):
        assert person.phone not in caplog.text and person.full_name not in caplog.text
        assert any(f"user={person.id} " in line for line in lines)
    assert inbox.to() == [user.email]
    channels = db.session.scalars(
        select(Notification.channels).where(Notification.round_id == round_.id)
    )
    assert sorted(channels) == ["email,sms,zalo", "sms,zalo"]


class RecordingGateway:
    """A provider as a deployment plugs one in: the class itself in the app's config."""

    needs = "phone"
    sent: list = []

    def __init__(self, config):
        self.config = config

    def send(self, recipient, message):
        RecordingGateway.sent.append((recipient.phone, message.round_id, message.short))


def test_a_provider_class_in_the_config_sends_the_sms(
    app, db, make_user, make_round, inbox, monkeypatch
):
    monkeypatch.setitem(app.config, "NOTIFY_CHANNELS", ["sms"])
    monkeypatch.setitem(app.config, "NOTIFY_SMS_PROVIDER", RecordingGateway)
    monkeypatch.setattr(RecordingGateway, "sent", [])
    user = make_user()
    round_ = make_round(opens_at=NOW - timedelta(hours=1))
    schedule.tick(NOW)
    assert [(phone, rid) for phone, rid, _short in RecordingGateway.sent] == [
        (user.phone, round_.id)
    ]
    assert inbox.to() == []


def test_a_provider_named_by_a_string_is_refused():
    from contest.services import notify_channels

    with pytest.raises(TypeError, match="NOTIFY_SMS_PROVIDER"):
        notify_channels.notifier_for("sms", {"NOTIFY_SMS_PROVIDER": "mypackage.sms:Gateway"})
