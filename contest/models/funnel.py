"""The funnel (issue 15 item 3): a lower level's round sends its best per unit to the next
level's round, which only they may enter.

``AdvancementRule`` is the rule of one source round (which round it feeds, how units are
grouped, top K, a cut-off, quotas per unit). ``Advancement`` is one computation of that
rule over a published result version: a draft until an organiser confirms it. Confirming
writes the target round's ``Qualifier`` rows (one indexed read per start, see
``contest.services.funnel``). The service is ``contest.services.funnel``; the pure rule is
``contest.services.advancement`` (docs/funnel.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import UTCDateTime, utcnow
from contest.extensions import db
from contest.models.quiz import Round


class AdvancementRule(db.Model):
    """How a round sends people on: to ``target_round_id``, grouped by ``group_kind``
    ("unit": the participant's own unit; else the nearest unit of that kind above it),
    the top ``top_k`` of each group and/or everyone with ``min_score`` or more;
    ``quotas`` ({"<unit id>": n}) replace K for the units named."""

    __tablename__ = "advancement_rules"
    __table_args__ = (
        CheckConstraint("top_k IS NULL OR top_k > 0", name="top_k_positive"),
        CheckConstraint("min_score IS NULL OR min_score >= 0", name="min_score_nonnegative"),
        CheckConstraint("source_round_id <> target_round_id", name="not_itself"),
    )

    source_round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    target_round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    group_kind: Mapped[str] = mapped_column(String(20), default="unit")
    top_k: Mapped[int | None] = mapped_column(Integer)
    min_score: Mapped[int | None] = mapped_column(Integer)
    quotas: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    source_round: Mapped[Round] = relationship(foreign_keys=[source_round_id])
    target_round: Mapped[Round] = relationship(foreign_keys=[target_round_id])


class Advancement(db.Model):
    """One computation of a rule over one result version of the source round. Never
    changed once written, except for its confirmation."""

    __tablename__ = "advancements"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    target_round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    result_id: Mapped[int] = mapped_column(ForeignKey("round_results.id"))
    # The rule as it was, the qualified [{"p": participant, "u": group unit, "r": rank,
    # "s": score}] in rank order, the per-unit summary, and what changed against the list
    # in force ({"added": [ids], "removed": [ids]}): ids only, no personal data.
    rule: Mapped[dict] = mapped_column(JSON, default=dict)
    qualified: Mapped[list] = mapped_column(JSON, default=list)
    groups: Mapped[list] = mapped_column(JSON, default=list)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Qualifier(db.Model):
    """A participant who may enter ``round_id`` (a round fed by a lower one), from the
    confirmed advancement of ``source_round_id``. The primary key is the start's lookup."""

    __tablename__ = "round_qualifiers"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    source_round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    advancement_id: Mapped[int] = mapped_column(ForeignKey("advancements.id"))
    unit_id: Mapped[int | None] = mapped_column(Integer)
