"""The demo's funnel (docs/funnel.md): the closed demo round is the local level and sends
the top 3 of each unit to an upcoming province final that only they may enter."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from contest.demo.bank import DEMO_BANK_NAME
from contest.demo.quiz import DEMO_CONTEST_TITLE
from contest.demo.results import DEMO_ROUND_NAME
from contest.extensions import db
from contest.models import Contest, Round
from contest.services import advancement, funnel, round_lifecycle, rounds
from contest.services.banks import get_bank_by_name

DEMO_FINAL_NAME = "Chung kết cấp tỉnh"
DEMO_TOP_K = 3


def load_demo_funnel(*, now: datetime) -> Round | None:
    """Create the final and its confirmed list once; later calls change nothing. Returns
    the final (None when the demo contest, its closed round or the bank is missing)."""
    contest = db.session.scalar(select(Contest).where(Contest.title == DEMO_CONTEST_TITLE))
    bank = get_bank_by_name(DEMO_BANK_NAME)
    if contest is None or bank is None:
        return None
    by_name = {r.name: r for r in contest.rounds}
    source = by_name.get(DEMO_ROUND_NAME)
    if source is None:
        return None
    if DEMO_FINAL_NAME in by_name:
        return by_name[DEMO_FINAL_NAME]
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(days=21)
    final = rounds.save_round(
        contest,
        rounds.RoundInput(
            name=DEMO_FINAL_NAME,
            opens_at=start,
            closes_at=start + timedelta(days=7),
            question_count=20,
            time_limit_minutes=15,
            max_attempts=1,
            bank_ids=[bank.id],
        ),
        actor=None,
        now=now,
    )
    round_lifecycle.publish_round(final, actor=None, now=now)
    funnel.save_round_funnel(final, funnel.FunnelInput(level="province"), actor=None, now=now)
    rule = funnel.FunnelInput(
        level="unit", target_round_id=final.id, group_kind=advancement.OWN_UNIT, top_k=DEMO_TOP_K
    )
    funnel.save_round_funnel(source, rule, actor=None, now=now)
    made = funnel.compute(source, actor=None, now=now).advancement
    funnel.confirm(made, actor=None, now=now)
    return final
