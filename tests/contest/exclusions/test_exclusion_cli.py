"""`quiz exclude ROUND_ID --phone P | --cccd C | --file F --reason R`, `quiz exclusions` and
`quiz unexclude` (product.md §5): exit codes, messages, the recompute of a closed round."""

from __future__ import annotations

from sqlalchemy import func, select

from contest.models import AuditEntry, Exclusion, Role
from contest.services import result_closing
from tests.conftest import NOW
from tests.contest.exclusions.conftest import row_of, xlsx
from tests.question_bank.qb_helpers import xlsx_bomb


def count(db) -> int:
    return db.session.scalar(select(func.count(Exclusion.id)))


def run(runner, *args):
    return runner.invoke(args=["quiz", *map(str, args)])


def test_exclude_by_phone_or_cccd_with_a_reason(runner, db, make_user, make_round):
    a, b = make_user(), make_user()
    r = make_round()
    out = run(runner, "exclude", r.id, "--phone", a.phone, "--reason", "Ban Tổ chức")
    assert out.exit_code == 0 and f"excluded user {a.id} from round {r.id}" in out.output
    out = run(runner, "exclude", r.id, "--cccd", b.id_number, "--reason", "BTC", "--contest-wide")
    assert out.exit_code == 0 and f"from contest {r.contest_id}" in out.output
    assert {(x.user_id, x.round_id) for x in db.session.scalars(select(Exclusion))} == {
        (a.id, r.id),
        (b.id, None),
    }
    sources = db.session.scalars(
        select(AuditEntry.details).where(AuditEntry.action == "exclusion.add")
    )
    assert all(d["source"] == "cli" for d in sources)

    listing = run(runner, "exclusions", r.id)
    assert listing.exit_code == 0
    assert f"{a.id}\t{a.full_name}\t" in listing.output and "\tround\tBan Tổ chức" in listing.output
    assert "\tcontest\tBTC" in listing.output and "2 excluded" in listing.output
    assert a.phone not in listing.output  # masked


def test_exclude_refusals_and_their_exit_codes(runner, db, make_user, make_round):
    a, judge = make_user(), make_user(role=Role.judge)
    r = make_round()
    out = run(runner, "exclude", r.id, "--phone", "0987000111", "--reason", "BTC")
    assert out.exit_code == 1 and "Chưa có ai đăng ký với số điện thoại" in out.output
    out = run(runner, "exclude", r.id, "--phone", a.phone)
    assert out.exit_code == 1 and "Vui lòng ghi lý do" in out.output
    out = run(runner, "exclude", r.id, "--phone", judge.phone, "--reason", "BTC")
    assert out.exit_code == 0 and "luôn được tự động" in out.output
    run(runner, "exclude", r.id, "--phone", a.phone, "--reason", "BTC")
    out = run(runner, "exclude", r.id, "--phone", a.phone, "--reason", "BTC")
    assert out.exit_code == 0 and "đã có trong danh sách" in out.output
    assert count(db) == 1
    assert run(runner, "exclude", 999999, "--phone", a.phone, "--reason", "x").exit_code == 1
    out = run(runner, "exclude", r.id, "--reason", "x")
    assert out.exit_code == 2 and "exactly one of" in out.output


def test_exclude_a_file(runner, db, make_user, make_round, tmp_path):
    a, b = make_user(), make_user()
    r = make_round()
    good = tmp_path / "ds.xlsx"
    good.write_bytes(xlsx([row_of(a, "Người ra đề"), row_of(b)]))
    out = run(runner, "exclude", r.id, "--file", good, "--reason", "Ban Tổ chức")
    assert out.exit_code == 0, out.output
    assert "excluded 2, already listed 0, staff 0, repeated rows 0" in out.output
    out = run(runner, "exclude", r.id, "--file", good, "--reason", "Ban Tổ chức")
    assert out.exit_code == 0 and "excluded 0, already listed 2" in out.output

    bad = tmp_path / "loi.xlsx"
    bad.write_bytes(xlsx([row_of(make_user(), "BTC"), ["Ai Đó", "", "", "", "0987000111"]]))
    out = run(runner, "exclude", r.id, "--file", bad, "--reason", "BTC")
    assert out.exit_code == 1
    assert "row 3, column Số điện thoại: Chưa có ai đăng ký" in out.output
    assert "chưa thêm ai" in out.output
    bomb = tmp_path / "bom.xlsx"
    bomb.write_bytes(xlsx_bomb(200))
    assert run(runner, "exclude", r.id, "--file", bomb, "--reason", "BTC").exit_code == 2
    missing = run(runner, "exclude", r.id, "--file", tmp_path / "khong-co.xlsx", "--reason", "x")
    assert missing.exit_code == 2
    assert count(db) == 2


def test_exclude_recomputes_a_closed_round_and_unexclude_undoes_it(
    runner, db, make_user, ranked_round
):
    board, other = make_user(), make_user()
    r = ranked_round((board, 10), (other, 5))
    result_closing.close_round(r, actor=None, now=NOW)
    db.session.commit()
    out = run(runner, "exclude", r.id, "--phone", board.phone, "--reason", "Ban Tổ chức")
    assert f"round {r.id}: recomputed, version 2 (not published), ranked 1" in out.output
    out = run(runner, "unexclude", r.id, "--phone", board.phone, "--contest-wide")
    assert out.exit_code == 1 and "this round only" in out.output
    out = run(runner, "unexclude", r.id, "--cccd", board.id_number)
    assert out.exit_code == 0 and f"removed user {board.id}" in out.output
    assert f"round {r.id}: recomputed, version 3 (not published), ranked 2" in out.output
    out = run(runner, "unexclude", r.id, "--phone", board.phone)
    assert out.exit_code == 1 and "not on this list" in out.output
    removed = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "exclusion.remove"))
    assert removed.details["user_id"] == board.id and removed.details["source"] == "cli"
