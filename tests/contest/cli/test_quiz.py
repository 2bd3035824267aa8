"""`quiz close-round`, `quiz export-winners` and `quiz export-results` (product.md §5)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from contest.models import AuditEntry, Exclusion, PredictionTarget
from contest.services import result_publishing
from tests.conftest import NOW
from tests.contest.results.test_results import (  # noqa: F401
    closed_round,
    finished,
    password_hash,
    people,
)
from tests.contest.services.test_exports import assert_cells_safe


def test_close_round_prints_the_result_and_is_idempotent(runner, db, closed_round, people):  # noqa: F811
    r = closed_round()
    a, b = people(2)
    finished(db, r, a, score=9)
    finished(db, r, b, score=8)
    out = runner.invoke(args=["quiz", "close-round", str(r.id)])
    assert out.exit_code == 0, out.output
    assert f"round {r.id}: closed, version 1, actual value 0, ranked 2, winners 2" in out.output
    again = runner.invoke(args=["quiz", "close-round", str(r.id)])
    assert again.exit_code == 0 and "unchanged (version 1" in again.output

    result_publishing.disqualify(r, a.id, "Thi hộ", actor=None, now=NOW)  # recomputes: version 2
    db.session.commit()
    assert "unchanged (version 2" in runner.invoke(args=["quiz", "close-round", str(r.id)]).output


def test_close_round_shows_changes(runner, db, closed_round, people):  # noqa: F811
    r = closed_round()
    a, b = people(2)
    finished(db, r, a, score=9)
    finished(db, r, b, score=8)
    runner.invoke(args=["quiz", "close-round", str(r.id)])
    # The list's table, not the round's settings: the next close reads it (no recompute
    # here, so that the close shows the change).
    db.session.add(Exclusion(contest_id=r.contest_id, round_id=r.id, user_id=a.id, reason="BTC"))
    db.session.commit()
    out = runner.invoke(args=["quiz", "close-round", str(r.id)])
    assert out.exit_code == 0
    assert "changes since version 1:" in out.output and "removed 1" in out.output
    assert f"participant {a.id}: Giải Nhất (rank 1) -> - (rank -)" in out.output
    assert f"participant {b.id}: Giải Nhì (rank 2) -> Giải Nhất (rank 1)" in out.output


def test_close_round_errors(runner, db, make_round, closed_round, people):  # noqa: F811
    assert runner.invoke(args=["quiz", "close-round", "999999"]).exit_code == 1
    still_open = make_round()
    out = runner.invoke(args=["quiz", "close-round", str(still_open.id)])
    assert out.exit_code == 1 and "chưa kết thúc" in out.output
    manual = closed_round(prediction_target=PredictionTarget.manual)
    out = runner.invoke(args=["quiz", "close-round", str(manual.id)])
    assert out.exit_code == 1 and "nhập đáp án" in out.output
    out = runner.invoke(args=["quiz", "close-round", str(manual.id), "--actual", "1234"])
    assert out.exit_code == 0 and "actual value 1234" in out.output
    computed = closed_round()
    out = runner.invoke(args=["quiz", "close-round", str(computed.id), "--actual", "5"])
    assert out.exit_code == 1 and "tự động" in out.output


def test_exports(runner, db, closed_round, people, tmp_path, monkeypatch):  # noqa: F811
    r = closed_round()
    crowd = people(5)
    for i, user in enumerate(crowd):
        finished(db, r, user, score=i, submitted_at=r.opens_at + timedelta(minutes=i))
    target = tmp_path / "giai.xlsx"
    out = runner.invoke(args=["quiz", "export-winners", str(r.id), str(target)])
    assert out.exit_code == 1 and "close-round" in out.output and not target.exists()
    runner.invoke(args=["quiz", "close-round", str(r.id)])

    out = runner.invoke(args=["quiz", "export-winners", str(r.id), str(target)])
    assert out.exit_code == 0, out.output
    assert out.output.strip() == f"wrote 3 rows to {target}"
    assert target.stat().st_mode & 0o077 == 0  # personal data: owner only
    assert_cells_safe(target.read_bytes())

    import contest.cli.quiz

    monkeypatch.setattr(contest.cli.quiz, "_interactive", lambda: True)
    full = tmp_path / "ket-qua.xlsx"
    out = runner.invoke(args=["quiz", "export-results", str(r.id), str(full)])
    assert out.exit_code == 0 and "exporting" in out.output
    assert f"wrote 5 rows to {full}" in out.output
    assert_cells_safe(full.read_bytes())
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "result.export")
    ).all()
    assert [(e.details["kind"], e.details["rows"], e.details["via"]) for e in entries] == [
        ("winners", 3, "cli"),
        ("results", 5, "cli"),
    ]

    missing_dir = tmp_path / "khong-co" / "x.xlsx"
    out = runner.invoke(args=["quiz", "export-results", str(r.id), str(missing_dir)])
    assert out.exit_code == 2 and "cannot write" in out.output
    assert runner.invoke(args=["quiz", "export-results", "999999", str(full)]).exit_code == 1
