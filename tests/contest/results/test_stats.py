"""The organisers' statistics: figures, server-side SVG charts (no script, no inline
style: CSP), most-missed questions (a wrong answer key shows up), and the .xlsx."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from contest.models import Role
from contest.results import charts
from contest.services import attempt_saves, attempts, stats
from tests.conftest import NOW
from tests.contest.results.test_results import finished, password_hash, people  # noqa: F401
from tests.contest.services.test_exports import assert_cells_safe


@pytest.fixture
def sat_round(db, make_round, make_bank, people, make_unit):  # noqa: F811
    """Six participants sat a 4-question round (every paper holds the same 4 questions);
    everyone answered one of them with the same wrong option (as if the key were wrong)."""
    r = make_round(make_bank(n=4), question_count=4, time_limit_minutes=10)
    school = make_unit("Trường THPT Thống Kê", headcount=10)
    crowd = people(4) + people(2, unit_id=school.id)
    start = NOW - timedelta(minutes=30)
    wrong_question = None
    for i, user in enumerate(crowd):
        attempt, _ = attempts.start_attempt(r, user, now=start + timedelta(seconds=i))
        by_id = {q.question_id: q for q in attempt.questions}
        if wrong_question is None:
            wrong_question = min(by_id)
        for q in attempt.questions:
            if q.question_id == wrong_question:
                choice = [
                    next(
                        o["id"]
                        for o in q.options
                        if o["id"] not in q.correct_option_ids and "A" in o["text"]
                    )
                ]
            elif q.position <= i % 4:
                choice = list(q.correct_option_ids)
            else:
                continue
            attempt_saves.save_answer(attempt, q.question_id, choice, arrived_at=start)
        attempt_saves.submit_attempt(attempt, arrived_at=start + timedelta(minutes=2 + i))
        db.session.commit()
    return r, school, wrong_question


def test_figures(db, sat_round):
    r, school, wrong_question = sat_round
    f = stats.collect(r.contest, r)
    assert f.participants == 6 and f.attempts == 6 and f.in_progress == 0
    assert f.per_round[0]["participants"] == 6
    assert sum(d["attempts"] for d in f.per_day) == 6
    by_unit = {u["unit_id"]: u for u in f.by_unit}
    assert by_unit[school.id]["participants"] == 2 and by_unit[school.id]["rate"] == 0.2
    assert f.by_category[0]["participants"] == 6
    assert sum(s["attempts"] for s in f.scores) == 6
    assert f.average_duration_ms is not None and 120_000 <= f.average_duration_ms <= 420_000
    top = f.missed[0]
    assert top["question_id"] == wrong_question and top["wrong_share"] == 1.0
    assert top["common_wrong_share"] == 1.0 and "Phương án A" in top["common_wrong"]
    assert "Phương án B" in top["key"]
    assert f.missed_sample == 6


def test_dashboard_page_and_download(client, db, sat_round, make_user, login):
    r, _school, _q = sat_round
    login(make_user(role=Role.organiser))
    html = client.get(f"/ban-to-chuc/ket-qua/thong-ke?round_id={r.id}").get_data(as_text=True)
    assert "<svg" in html and "<rect" in html and "Phổ điểm" in html
    assert 'id="stat-participants">6<' in html
    assert "Câu hỏi bị trả lời sai nhiều nhất" in html and "table-warning" in html
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script (CSP)
    contest_wide = client.get(f"/ban-to-chuc/ket-qua/thong-ke?contest_id={r.contest_id}")
    assert contest_wide.status_code == 200
    response = client.get(f"/ban-to-chuc/ket-qua/thong-ke.xlsx?round_id={r.id}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    sheets = assert_cells_safe(response.data)
    assert {
        "Theo đợt",
        "Theo ngày",
        "Theo đơn vị",
        "Theo đối tượng",
        "Phổ điểm",
        "Câu sai nhiều",
    } <= set(sheets)


def test_empty_dashboard(client, db, make_user, login, make_round):
    login(make_user(role=Role.organiser))
    r = make_round()
    html = client.get(f"/ban-to-chuc/ket-qua/thong-ke?round_id={r.id}").get_data(as_text=True)
    assert "Chưa có lượt thi nào." in html


def test_chart_geometry():
    chart = charts.vertical_chart(
        "x", [("a", 0, "0"), ("b", 10, "10"), ("c", 5, "5")], width=300, height=100
    )
    heights = [b.h for b in chart.bars]
    assert heights[0] == 0 and heights[1] > heights[2] > 0
    assert all(b.y + b.h <= 100 for b in chart.bars)
    chart = charts.horizontal_chart("y", [("long " * 20, 3, "3")])
    assert chart.bars[0].label.startswith("…") and len(chart.bars[0].label) == 34
