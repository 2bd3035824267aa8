"""Prize allocation: pure functions over plain records (no Flask, no database).

The rules (product.md §3):

* Tiers are given in order (default Giải Nhất 1, Nhì 2, Ba 3, Khuyến khích 10). Walking the
  ranking from the top, each participant who may win gets the best tier that still has a
  prize left; so a tier never gets more prizes than its count.
* One prize per participant per round.
* Staff, the round's exclusion list and the disqualified never rank (the caller leaves
  them out of the ranking; ``allocate`` skips them again if they slip through).
* Options (``Round.prize_options``, a JSON object; every key optional):

  ``min_score`` (int)          nobody below this score wins an individual prize;
  ``max_share`` (0 < x ≤ 1)    individual prizes ≤ floor(x × ranked participants);
  ``once_per_contest`` (bool)  a participant who won an individual prize in an earlier
                               round of the contest is skipped (the prize goes down);
  ``category_quotas``          ``{"<category id>": n}``: at most n individual prizes to
                               participants of that category;
  ``other_quota`` (int)        with ``category_quotas``: at most n prizes to everyone whose
                               category is not listed there;
  ``collective_method``        how units are ranked for the collective tiers
                               (``participants``, ``participation_rate`` or ``points``);
  ``points_top`` (int)         the points formula's top N (default 10 → 10 … 1 points);
  ``referral_prizes`` (int)    how many "Giải lan tỏa" go to those who brought the most
                               newcomers (``services/referral_prizes.py``; 0: none).

* A tier with ``"collective": true`` (Giải tập thể) goes to units, by the collective
  ranking, never to individuals.

A participant passed over while prizes were still being given gets a reason code
(``SKIP_*``) so the organiser page can say why (``SKIP_TEXT``, the one table of their words).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from contest.services.i18n import _, lazy_gettext
from contest.services.unit_ranking import DEFAULT_POINTS_TOP, DEFAULT_UNIT_METHOD, UNIT_METHODS

SKIP_EARLIER_WINNER = "earlier_winner"
SKIP_CATEGORY_QUOTA = "category_quota"
SKIP_NOT_ELIGIBLE = "not_eligible"
SKIP_BELOW_MIN_SCORE = "below_min_score"

SKIP_TEXT = {
    SKIP_EARLIER_WINNER: lazy_gettext(
        "đã đoạt giải ở đợt thi trước (mỗi người chỉ đoạt giải một lần)"
    ),
    SKIP_CATEGORY_QUOTA: lazy_gettext("đối tượng của người này đã đủ số giải"),
    SKIP_NOT_ELIGIBLE: lazy_gettext("không thuộc diện xét giải"),
    SKIP_BELOW_MIN_SCORE: lazy_gettext("chưa đạt điểm tối thiểu để xét giải"),
}


def skip_text(code: str | None) -> str:
    """Why a participant was passed over, in words ('' for no code)."""
    text = SKIP_TEXT.get(code or "")
    return "" if text is None else str(text)


class InvalidPrizeOptions(ValueError):
    """``Round.prize_options`` holds a value of the wrong shape; ``fields`` say which."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    count: int
    collective: bool = False


@dataclass(frozen=True)
class PrizeOptions:
    """The allocation options of a round (see the module docstring for each key)."""

    min_score: int | None = None
    max_share: float | None = None
    once_per_contest: bool = False
    category_quotas: Mapping[int, int] = field(default_factory=dict)
    other_quota: int | None = None
    collective_method: str = DEFAULT_UNIT_METHOD
    points_top: int = DEFAULT_POINTS_TOP
    referral_prizes: int = 0

    @classmethod
    def from_dict(cls, data: Mapping | None) -> PrizeOptions:
        """Read ``Round.prize_options``. Raises InvalidPrizeOptions."""
        data = dict(data or {})
        errors: dict[str, str] = {}

        def whole(name, low=0):
            value = data.get(name)
            if value is None or value == "":
                return None
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                errors[name] = _("phải là số nguyên từ %(low)s trở lên", low=low)
                return None
            return value

        min_score = whole("min_score")
        other_quota = whole("other_quota")
        points_top = whole("points_top", 1)
        referral_prizes = whole("referral_prizes")
        share = data.get("max_share")
        if share in (None, ""):
            share = None
        elif isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
            errors["max_share"] = _("phải lớn hơn 0 và không quá 1")
            share = None
        quotas: dict[int, int] = {}
        raw = data.get("category_quotas") or {}
        if not isinstance(raw, Mapping):
            errors["category_quotas"] = _("phải là {mã đối tượng: số giải}")
        else:
            for key, value in raw.items():
                try:
                    cid = int(key)
                except (TypeError, ValueError):
                    errors["category_quotas"] = _("mã đối tượng phải là số")
                    continue
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    errors["category_quotas"] = _("số giải phải là số nguyên không âm")
                    continue
                quotas[cid] = value
        method = data.get("collective_method") or DEFAULT_UNIT_METHOD
        if method not in UNIT_METHODS:
            errors["collective_method"] = _("không hợp lệ")
        once = data.get("once_per_contest", False)
        if not isinstance(once, bool):
            errors["once_per_contest"] = _("phải là true hoặc false")
        if errors:
            raise InvalidPrizeOptions(errors)
        return cls(
            min_score=min_score,
            max_share=share,
            once_per_contest=once,
            category_quotas=quotas,
            other_quota=other_quota,
            collective_method=method,
            points_top=points_top or DEFAULT_POINTS_TOP,
            referral_prizes=referral_prizes or 0,
        )

    def to_dict(self) -> dict:
        """The JSON form stored in ``Round.prize_options`` (defaults left out)."""
        out: dict = {}
        if self.min_score is not None:
            out["min_score"] = self.min_score
        if self.max_share is not None:
            out["max_share"] = self.max_share
        if self.once_per_contest:
            out["once_per_contest"] = True
        if self.category_quotas:
            out["category_quotas"] = {str(k): v for k, v in sorted(self.category_quotas.items())}
        if self.other_quota is not None:
            out["other_quota"] = self.other_quota
        if self.collective_method != DEFAULT_UNIT_METHOD:
            out["collective_method"] = self.collective_method
        if self.points_top != DEFAULT_POINTS_TOP:
            out["points_top"] = self.points_top
        if self.referral_prizes:
            out["referral_prizes"] = self.referral_prizes
        return out


def tiers_from(raw: Iterable[Mapping]) -> list[Tier]:
    """``Round.prize_tiers`` as Tier records, in order (blank or non-positive ones dropped)."""
    tiers = []
    for t in raw or ():
        count = int(t.get("count") or 0)
        name = str(t.get("name") or "").strip()
        tiers.append(Tier(name, max(count, 0), bool(t.get("collective"))))
    return tiers


@dataclass(frozen=True, slots=True)
class Contender:
    """A ranked participant, as the allocation sees them (in ranking order)."""

    participant_id: int
    score: int
    category_id: int | None = None


@dataclass(frozen=True, slots=True)
class Award:
    holder_id: int  # a participant id, or a unit id for collective tiers
    tier_index: int  # index into the round's full tier list
    tier_name: str


@dataclass
class Allocation:
    awards: dict[int, Award]  # participant id → award, in ranking order
    skipped: dict[int, str]  # participant id → SKIP_* code
    cap: int | None  # the share cap in prizes, when set


def prize_cap(options: PrizeOptions, participants: int) -> int | None:
    """The most individual prizes the share cap allows (None: no cap)."""
    if options.max_share is None:
        return None
    # A tiny epsilon keeps 0.5 × 10 at 5 despite floating point.
    return math.floor(options.max_share * participants + 1e-9)


class _Slots:
    """The individual prizes left, tier by tier, best tier first (at most the share cap)."""

    def __init__(self, tiers: Sequence[Tier], cap: int | None):
        self._slots = [
            [i, t.count] for i, t in enumerate(tiers) if not t.collective and t.count > 0
        ]
        self._position = 0
        self.remaining = sum(n for _i, n in self._slots)
        if cap is not None:
            self.remaining = min(self.remaining, cap)

    def take(self) -> int:
        """Give the best prize left; returns its index in the round's tier list."""
        while self._slots[self._position][1] == 0:
            self._position += 1
        index = self._slots[self._position][0]
        self._slots[self._position][1] -= 1
        self.remaining -= 1
        return index


class _Quotas:
    """The category quotas (``category_quotas`` and ``other_quota``) as prizes are given."""

    def __init__(self, options: PrizeOptions):
        self._quotas = options.category_quotas
        self._other = options.other_quota
        self._used: dict[int | None, int] = {}

    def take(self, category_id: int | None) -> bool:
        """Count a prize for the category; False (nothing counted) when its quota is full."""
        if not self._quotas:
            return True
        listed = category_id in self._quotas
        limit = self._quotas[category_id] if listed else self._other
        bucket = category_id if listed else None
        if limit is not None and self._used.get(bucket, 0) >= limit:
            return False
        self._used[bucket] = self._used.get(bucket, 0) + 1
        return True


def _passed_over(
    c: Contender, options: PrizeOptions, banned: frozenset[int], earlier: frozenset[int]
) -> str | None:
    """Why ``c`` gets no prize whatever is left: a SKIP_* code, '' for a score below the
    minimum (not recorded), None when they may win."""
    if c.participant_id in banned:
        return SKIP_NOT_ELIGIBLE
    if options.min_score is not None and c.score < options.min_score:
        return ""
    if c.participant_id in earlier:
        return SKIP_EARLIER_WINNER
    return None


def allocate(
    ranking: Iterable[Contender],
    tiers: Sequence[Tier],
    options: PrizeOptions,
    *,
    earlier_winners: Iterable[int] = (),
    ineligible: Iterable[int] = (),
    participants: int | None = None,
) -> Allocation:
    """Give the individual tiers to ``ranking`` (best first) by the rules above.

    ``earlier_winners`` are participants who won in an earlier round of the contest
    (skipped only with ``once_per_contest``); ``ineligible`` are never given anything.
    The share cap counts ``participants`` (default: the contenders in ``ranking`` other
    than the ineligible). ``ranking`` is read only as far as needed: a lazy iterable
    keeps a ranking of 300,000 cheap.
    """
    earlier = frozenset(earlier_winners) if options.once_per_contest else frozenset()
    banned = frozenset(ineligible)
    if participants is None:
        ranking = list(ranking)
        participants = sum(1 for c in ranking if c.participant_id not in banned)
    cap = prize_cap(options, participants)
    slots, quotas = _Slots(tiers, cap), _Quotas(options)
    awards: dict[int, Award] = {}
    skipped: dict[int, str] = {}
    for c in ranking:
        if slots.remaining <= 0:
            break
        pid = c.participant_id
        if pid in awards or pid in skipped:
            continue  # one prize per participant
        reason = _passed_over(c, options, banned, earlier)
        if reason is None and not quotas.take(c.category_id):
            reason = SKIP_CATEGORY_QUOTA
        if reason is not None:
            if reason:
                skipped[pid] = reason
            continue
        index = slots.take()
        awards[pid] = Award(pid, index, tiers[index].name)
    return Allocation(awards, skipped, cap)


def allocate_collective(
    unit_ids_in_order: Sequence[int], tiers: Sequence[Tier]
) -> dict[int, Award]:
    """Give the collective tiers to units in their collective ranking order (best first)."""
    awards: dict[int, Award] = {}
    queue = iter(unit_ids_in_order)
    for index, tier in enumerate(tiers):
        if not tier.collective:
            continue
        for _slot in range(tier.count):
            unit_id = next(queue, None)
            if unit_id is None:
                return awards
            awards[unit_id] = Award(unit_id, index, tier.name)
    return awards
