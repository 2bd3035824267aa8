"""The funnel of a contest (issue 15 item 3, docs/funnel.md): round levels, each lower
round's advancement rule, computing who goes on from its published result, confirming
that list, and the one check on the start path.

A computed list is a draft (``Advancement``) until an organiser confirms it; only then are
the target round's ``Qualifier`` rows replaced. Recomputing after a regrade or a new
published version shows who is added and removed, and changes nothing until confirmed:
the list in force never changes silently. Functions flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, func, select

from contest.extensions import db
from contest.models import Attempt, Round, Unit, UnitKind, User
from contest.models.funnel import Advancement, AdvancementRule, Qualifier
from contest.models.results import ResultRow, RoundResult
from contest.services import advancement, audit, ranking, result_pages
from contest.services.errors import Conflict, NotFound, ValidationFailed
from contest.services.funnel_quotas import parse_quotas, quota_problem  # noqa: F401 (re-exported)
from contest.services.i18n import _

GROUP_KINDS = (advancement.OWN_UNIT, *(kind.value for kind in UnitKind))


@dataclass(frozen=True)
class FunnelInput:
    """One round's place in the funnel, as the organiser's form gives it."""

    level: str | None
    target_round_id: int | None = None
    group_kind: str = advancement.OWN_UNIT
    top_k: int | None = None
    min_score: int | None = None
    quotas: dict[int, int] | None = None


@dataclass(frozen=True)
class Computed:
    advancement: Advancement
    unchanged: bool  # the same as the list in force (nothing new was stored)


# --- reading -------------------------------------------------------------------------


def rule_of(round_id: int) -> AdvancementRule | None:
    return db.session.get(AdvancementRule, round_id)


def is_qualified(round_id: int, user_id: int) -> bool:
    """Whether the participant may enter a qualified-only round: one primary-key read."""
    return bool(
        db.session.scalar(
            select(
                exists().where(Qualifier.round_id == round_id, Qualifier.participant_id == user_id)
            )
        )
    )


def listed_condition(round_id: int, participant_id):
    """Exists: ``participant_id`` (a column) is on ``round_id``'s list (for queries over
    users, e.g. who has not yet taken part in a qualified-only round)."""
    return exists().where(
        Qualifier.round_id == round_id, Qualifier.participant_id == participant_id
    )


def source_names(round_id: int) -> list[str]:
    """The names of the rounds that feed ``round_id``."""
    return list(
        db.session.scalars(
            select(Round.name)
            .join(AdvancementRule, AdvancementRule.source_round_id == Round.id)
            .where(AdvancementRule.target_round_id == round_id)
            .order_by(Round.opens_at, Round.id)
        )
    )


def entry_text(round_id: int) -> str:
    """'Vòng này chỉ dành cho người được vào từ vòng …' for a qualified-only round."""
    names = ", ".join(source_names(round_id)) or "—"
    return _("Vòng này chỉ dành cho người được vào từ vòng %(rounds)s.", rounds=names)


def refusal(round_id: int) -> str:
    """Why someone not on the list may not start a qualified-only round."""
    missing = _("Bạn không có tên trong danh sách được vào vòng này.")
    return f"{entry_text(round_id)} {missing}"


def in_force(source_round_id: int) -> Advancement | None:
    """The confirmed advancement of a source round now applied (its newest confirmed),
    None when that list was taken off with its rule (``changes["withdrawn"]``)."""
    made = db.session.scalar(
        select(Advancement)
        .where(
            Advancement.source_round_id == source_round_id, Advancement.confirmed_at.is_not(None)
        )
        .order_by(Advancement.id.desc())
        .limit(1)
    )
    return None if made is not None and made.changes.get("withdrawn") else made


def newest(source_round_id: int) -> Advancement | None:
    return db.session.scalar(
        select(Advancement)
        .where(Advancement.source_round_id == source_round_id)
        .order_by(Advancement.id.desc())
        .limit(1)
    )


def get_advancement(advancement_id: int) -> Advancement:
    found = db.session.get(Advancement, advancement_id)
    if found is None:
        raise NotFound(_("Không tìm thấy danh sách được vào vòng sau."))
    return found


# --- the rule --------------------------------------------------------------------------


def _check(round_: Round, data: FunnelInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.level is not None and data.level not in advancement.LEVELS:
        errors["level"] = _("Cấp không hợp lệ.")
    if data.target_round_id is None:
        return errors
    target = db.session.get(Round, data.target_round_id)
    if target is None or target.contest_id != round_.contest_id or target.id == round_.id:
        errors["target_round_id"] = _("Hãy chọn một đợt thi khác của cùng cuộc thi.")
    elif data.level is None or target.funnel_level is None:
        errors["target_round_id"] = _("Đợt thi này và đợt thi được chuyển lên đều phải có cấp.")
    elif advancement.LEVEL_ORDER[target.funnel_level] <= advancement.LEVEL_ORDER.get(
        data.level, 99
    ):
        errors["target_round_id"] = _("Đợt thi được chuyển lên phải ở cấp cao hơn.")
    if data.group_kind not in GROUP_KINDS:
        errors["group_kind"] = _("Cách chia đơn vị không hợp lệ.")
    if data.top_k is None and data.min_score is None:
        errors["top_k"] = _("Hãy nhập số người mỗi đơn vị hoặc điểm tối thiểu.")
    elif data.top_k is not None and not 0 < data.top_k <= 100_000:
        errors["top_k"] = _("Số người mỗi đơn vị phải từ 1 đến 100.000.")
    if data.min_score is not None and not 0 <= data.min_score <= 100_000:
        errors["min_score"] = _("Điểm tối thiểu phải từ 0 đến 100.000.")
    problem = quota_problem(data.quotas or {}, data.group_kind)
    if problem and "group_kind" not in errors:
        errors["quotas"] = problem
    return errors


def _level_problem(round_: Round, level: str | None) -> str | None:
    """A new level must stay below every round this one is fed into from."""
    order = advancement.LEVEL_ORDER
    for rule in db.session.scalars(
        select(AdvancementRule).where(AdvancementRule.target_round_id == round_.id)
    ):
        lower = rule.source_round.funnel_level
        if level is None or (lower is not None and order[lower] >= order[level]):
            return _(
                "Cấp của đợt thi này phải cao hơn cấp của đợt %(name)s chuyển lên.",
                name=(rule.source_round.name),
            )
    return None


def _has_attempts(round_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Attempt.round_id == round_id))))


def _refresh_qualified_only(round_id: int) -> None:
    target = db.session.get(Round, round_id)
    fed = db.session.scalar(select(exists().where(AdvancementRule.target_round_id == round_id)))
    if target is not None and target.qualified_only != bool(fed):
        target.qualified_only = bool(fed)


def save_round_funnel(
    round_: Round, data: FunnelInput, *, actor: User | None, now: datetime
) -> AdvancementRule | None:
    """Set the round's level and its advancement rule (none when ``target_round_id`` is
    None). The target round becomes qualified-only. Changing or removing the target of a
    rule whose target already has attempts is refused (Conflict); removing a rule takes
    its list off the target. Raises ValidationFailed."""
    errors = _check(round_, data)
    problem = None if "level" in errors else _level_problem(round_, data.level)
    if problem:
        errors["level"] = problem
    if errors:
        raise ValidationFailed(errors)
    rule = rule_of(round_.id)
    old_target = rule.target_round_id if rule is not None else None
    if old_target is not None and old_target != data.target_round_id:
        if _has_attempts(old_target):
            raise Conflict(
                _("Đợt thi được chuyển lên đã có lượt thi: không thể đổi hoặc bỏ quy tắc chuyển.")
            )
        db.session.execute(delete(Qualifier).where(Qualifier.source_round_id == round_.id))
        withdrawn = in_force(round_.id)  # its list is off: no longer "in force" if put back
        if withdrawn is not None:
            withdrawn.changes = {**withdrawn.changes, "withdrawn": True}
        db.session.delete(rule)
        db.session.flush()
        rule = None
    round_.funnel_level = data.level
    if data.target_round_id is not None:
        rule = rule or AdvancementRule(source_round_id=round_.id)
        rule.target_round_id = data.target_round_id
        rule.group_kind, rule.top_k, rule.min_score = data.group_kind, data.top_k, data.min_score
        rule.quotas = {str(k): v for k, v in sorted((data.quotas or {}).items())}
        rule.updated_at, rule.updated_by_id = now, actor.id if actor else None
        db.session.add(rule)
    db.session.flush()
    for rid in {old_target, data.target_round_id} - {None}:
        _refresh_qualified_only(rid)
    audit.record(
        actor,
        "funnel.rule",
        "round",
        round_.id,
        now=now,
        level=data.level,
        target_round_id=data.target_round_id,
        group_kind=data.group_kind if data.target_round_id else None,
        top_k=data.top_k,
        min_score=data.min_score,
        quotas=len(data.quotas or {}),
    )
    db.session.flush()
    return rule


def frozen_rule(rule: AdvancementRule) -> dict:
    return {
        "target_round_id": rule.target_round_id,
        "group_kind": rule.group_kind,
        "top_k": rule.top_k,
        "min_score": rule.min_score,
        "quotas": dict(rule.quotas or {}),
    }


# --- computing and confirming ----------------------------------------------------------


def _rows_of(result: RoundResult, group_kind: str) -> list[advancement.Row]:
    parents = {
        uid: (parent, kind.value)
        for uid, parent, kind in db.session.execute(select(Unit.id, Unit.parent_id, Unit.kind))
    }
    stmt = select(
        ResultRow.participant_id,
        ResultRow.rank,
        ResultRow.score,
        ResultRow.unit_id,
        ResultRow.decided_by,
    ).where(ResultRow.result_id == result.id)
    return [
        advancement.Row(pid, rank, score, advancement.group_of(uid, group_kind, parents), key)
        for pid, rank, score, uid, key in db.session.execute(stmt)
    ]


def _published(round_: Round) -> RoundResult:
    result = result_pages.published_result(round_.id)
    if result is None:
        raise Conflict(
            _(
                "Kết quả đợt %(name)s chưa được công bố: chưa thể tính người được vào vòng sau.",
                name=round_.name,
            )
        )
    return result


def compute(round_: Round, *, actor: User | None, now: datetime) -> Computed:
    """Apply the round's rule to its newest published result. The same list as the one in
    force (same version, rule and people) stores nothing; otherwise a draft is stored with
    who it adds and removes, for an organiser to confirm. Raises NotFound, Conflict."""
    # Serialised with confirmations (the same row lock): a draft never duplicates a list
    # being confirmed at the same moment.
    db.session.execute(select(Round.id).where(Round.id == round_.id).with_for_update())
    rule = rule_of(round_.id)
    if rule is None:
        raise NotFound(_("Đợt thi này chưa có quy tắc chuyển lên vòng sau."))
    result = _published(round_)
    quotas = {int(k): int(v) for k, v in (rule.quotas or {}).items()}
    outcome = advancement.advance(
        _rows_of(result, rule.group_kind),
        advancement.Rule(rule.top_k, rule.min_score, quotas),
        ranking.chain_of(result.tie_break),
    )
    qualified = [
        {"p": r.participant_id, "u": r.group_id, "r": r.rank, "s": r.score}
        for r in outcome.qualified
    ]
    frozen = frozen_rule(rule)
    current = in_force(round_.id)
    if _same(current, result.id, frozen, qualified):
        return Computed(current, True)
    latest = newest(round_.id)
    if (
        latest is not None
        and not latest.is_confirmed
        and _same(latest, result.id, frozen, qualified)
    ):
        return Computed(latest, False)
    changes = _changes(current, qualified, outcome, rule.target_round_id)
    made = Advancement(
        source_round_id=round_.id,
        target_round_id=rule.target_round_id,
        result_id=result.id,
        rule=frozen,
        qualified=qualified,
        groups=[_group_json(g) for g in outcome.groups],
        changes=changes,
        created_at=now,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(made)
    db.session.flush()
    audit.record(
        actor,
        "funnel.compute",
        "round",
        round_.id,
        now=now,
        advancement_id=made.id,
        result_version=result.version,
        qualified=len(qualified),
        added=len(changes["added"]),
        removed=len(changes["removed"]),
    )
    return Computed(made, False)


def _changes(current, qualified: list[dict], outcome, target_round_id: int) -> dict:
    """Who a new list adds and removes against the one in force, how many were left out
    for want of a unit, and how many removed have already started the next round."""
    changes = advancement.diff(
        [q["p"] for q in current.qualified] if current else [], [q["p"] for q in qualified]
    )
    return {
        **changes,
        "ungrouped": outcome.ungrouped,
        "removed_started": _started(target_round_id, changes["removed"]),
    }


def _started(round_id: int, participant_ids: list[int]) -> int:
    """How many of these already have an attempt in the round (they keep it)."""
    if not participant_ids:
        return 0
    return db.session.scalar(
        select(func.count(func.distinct(Attempt.participant_id))).where(
            Attempt.round_id == round_id, Attempt.participant_id.in_(participant_ids)
        )
    )


def _same(made: Advancement | None, result_id: int, rule: dict, qualified: list) -> bool:
    return (
        made is not None
        and made.result_id == result_id
        and made.rule == rule
        and made.qualified == qualified
    )


def _group_json(group: advancement.Group) -> dict:
    return {
        "u": group.group_id,
        "n": group.took_part,
        "c": group.passed_cutoff,
        "k": group.limit,
        "q": len(group.qualified),
        "t": group.boundary_key,
    }


def confirm(made: Advancement, *, actor: User | None, now: datetime) -> int:
    """Apply a draft: the target round's list from this source becomes this one. Refused
    (Conflict) when it is not the newest computation, when the source round has a newer
    published version, or when the rule changed since. Returns how many are on the list.
    Two confirmations at once are serialised on the source round's row."""
    db.session.execute(select(Round.id).where(Round.id == made.source_round_id).with_for_update())
    db.session.refresh(made)
    if made.is_confirmed:
        raise Conflict(_("Danh sách này đã được xác nhận."))
    latest, rule = newest(made.source_round_id), rule_of(made.source_round_id)
    source = db.session.get(Round, made.source_round_id)
    published = result_pages.published_result(made.source_round_id)
    if (
        latest is None
        or latest.id != made.id
        or rule is None
        or frozen_rule(rule) != made.rule
        or published is None
        or published.id != made.result_id
    ):
        raise Conflict(
            _(
                "Kết quả hoặc quy tắc của đợt %(name)s đã thay đổi. Hãy tính lại danh sách.",
                name=source.name if source else "",
            )
        )
    db.session.execute(delete(Qualifier).where(Qualifier.source_round_id == made.source_round_id))
    db.session.flush()
    taken = set(
        db.session.scalars(
            select(Qualifier.participant_id).where(Qualifier.round_id == made.target_round_id)
        )
    )
    fresh = [q for q in made.qualified if q["p"] not in taken]
    db.session.add_all(
        Qualifier(
            round_id=made.target_round_id,
            participant_id=q["p"],
            source_round_id=made.source_round_id,
            advancement_id=made.id,
            unit_id=q["u"],
        )
        for q in fresh
    )
    made.confirmed_at, made.confirmed_by_id = now, actor.id if actor else None
    audit.record(
        actor,
        "funnel.confirm",
        "round",
        made.source_round_id,
        now=now,
        advancement_id=made.id,
        target_round_id=made.target_round_id,
        qualified=len(made.qualified),
        added=len(made.changes.get("added", [])),
        removed=len(made.changes.get("removed", [])),
    )
    db.session.flush()
    return len(made.qualified)
