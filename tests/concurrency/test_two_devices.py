"""Two phones saving the same question at the same moments, against a live server (C5;
SQLite in the first pass of ``make test``, PostgreSQL in the second): afterwards the
database holds exactly what the replies said, the latest arrival among the applied saves,
and a device's lower number never overwrites its higher one (issue 10, item 7)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.concurrency.conftest import Browser, run_together


def stored_answer(race_app, attempt_id, question_id):
    from contest.extensions import db
    from contest.models import Answer

    with race_app.app_context():
        row = db.session.scalar(
            select(Answer).where(Answer.attempt_id == attempt_id, Answer.question_id == question_id)
        )
        return list(row.option_ids), row.client, row.seq


def started(race_server, race_round, race_user, n):
    round_id = race_round()
    phone = race_user()
    phones = [Browser(race_server).login(phone) for _ in range(n)]
    status, attempt = phones[0].call("POST", f"/api/rounds/{round_id}/attempts", {})
    assert status == 201, attempt
    return phones, attempt


def test_two_phones_racing_leave_the_latest_applied_save(
    race_server, race_app, race_round, race_user
):
    phones, attempt = started(race_server, race_round, race_user, 2)
    q = attempt["questions"][0]
    path = f"/api/attempts/{attempt['id']}/answers/{q['id']}"
    options = [o["id"] for o in q["options"]]

    def device(i):
        replies = []
        for seq in range(1, 16):  # one page saves one change after another
            choice = options[(i + seq) % len(options)]
            status, body = phones[i].call(
                "PUT", path, {"option_ids": [choice], "seq": seq, "client": f"phone-{i}"}
            )
            replies.append((status, choice, seq, body))
        return replies

    results = run_together(2, device)
    flat = [r for replies in results for r in replies]
    assert all(status == 200 for status, *_ in flat), [s for s, *_ in flat]
    applied = [
        (datetime.fromisoformat(b["saved_at"]), c, s, b) for _, c, s, b in flat if b["applied"]
    ]
    for _, choice, _, body in applied:  # "saved" only for what was stored
        assert body["option_ids"] == [choice]
    for *_, body in [r for r in flat if not r[3]["applied"]]:
        assert body["reason"] == "newer_save"  # one page never races itself
    last = max(at for at, *_ in applied)  # (the replies give milliseconds: ties allowed)
    candidates = [(b["option_ids"], b["client"], s) for at, _, s, b in applied if at == last]
    assert stored_answer(race_app, attempt["id"], q["id"]) in candidates


def test_a_burst_of_retries_from_one_phone_keeps_its_highest_number(
    race_server, race_app, race_round, race_user
):
    phones, attempt = started(race_server, race_round, race_user, 10)
    q = attempt["questions"][1]
    path = f"/api/attempts/{attempt['id']}/answers/{q['id']}"
    options = [o["id"] for o in q["options"]]

    def retry(i):  # ten requests of one page, numbered 1…10, all in flight at once
        return phones[i].call(
            "PUT", path, {"option_ids": [options[i % 4]], "seq": i + 1, "client": "one-phone"}
        )

    results = run_together(10, retry)
    assert all(status == 200 for status, _ in results), results
    assert stored_answer(race_app, attempt["id"], q["id"]) == ([options[9 % 4]], "one-phone", 10)
    for i, (_, body) in enumerate(results):
        if not body["applied"]:
            assert body["reason"] == "older_retry" and body["seq"] > i + 1
