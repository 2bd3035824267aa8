"""Ranking a round: pure functions over plain records (no Flask, no database).

The rules (product.md §3), in one place, reused by the close-round service, the pages,
the exports and the tests:

* Only finished, ranked attempts count: the caller passes no practice attempt, no attempt
  in progress, and nobody who may not rank (staff, the round's exclusion list, the
  disqualified).
* Each participant counts with their **best** attempt, chosen by exactly the same key as
  the ranking itself.
* The key is the round's preset (``PRESETS``), best first; the attempt id always closes
  the chain, so the order is total and repeatable whatever the input order (G6):

  ``score``       higher score first;
  ``prediction``  smaller ``|prediction − actual|`` first; an attempt with no prediction
                  ranks after every attempt that has one;
  ``duration``    shorter duration first;
  ``submitted``   earlier submission first;
  ``attempts``    fewer finished ranked attempts of the participant first;
  ``attempt_id``  lower attempt id first.

* Ranks are positions 1, 2, 3… (no shared ranks: the order is total).

Every preset starts with ``score``. The database layer relies on it: it only loads, for
each participant, the attempts that reach the participant's highest score, since no
other attempt can be their best.

The actual value of the prediction question comes from a registry of targets
(``TARGETS``) over the round's facts (``RoundFacts``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from operator import itemgetter
from typing import NamedTuple

from contest.services.i18n import LazyText, _, lazy_gettext

PRESETS: dict[str, tuple[str, ...]] = {
    "default": ("score", "prediction", "duration", "submitted"),
    "vcnet": ("score", "prediction", "submitted"),
    "phu_yen": ("score", "duration", "prediction"),
    "dong_nai": ("score", "duration", "attempts"),
}
DEFAULT_PRESET = "default"
assert all(chain[0] == "score" for chain in PRESETS.values())

# Sorts after every real distance (predictions are at most 10^12).
NO_PREDICTION = 1 << 62


@dataclass(frozen=True, slots=True)
class Criterion:
    """How people read one key of the chain: ``short`` in a preset's name (the organiser's
    choice), ``rule`` on the rules and winners pages, ``decided`` in "ranks above the next
    one because …"."""

    short: LazyText
    rule: LazyText
    decided: LazyText


# The one registry of the ranking keys' texts: the rules page, the form's choices, the
# results pages and the exports all read it (tests compare the rules page with it).
CRITERIA: dict[str, Criterion] = {
    "score": Criterion(
        lazy_gettext("Điểm"),
        lazy_gettext("nhiều câu trả lời đúng hơn"),
        lazy_gettext("nhiều câu trả lời đúng hơn"),
    ),
    "prediction": Criterion(
        lazy_gettext("dự đoán"),
        lazy_gettext("dự đoán gần với đáp án câu hỏi dự đoán hơn (không dự đoán xếp sau)"),
        lazy_gettext("dự đoán gần với đáp án hơn"),
    ),
    "duration": Criterion(
        lazy_gettext("thời gian"),
        lazy_gettext("thời gian làm bài ngắn hơn"),
        lazy_gettext("thời gian làm bài ngắn hơn"),
    ),
    "submitted": Criterion(
        lazy_gettext("nộp sớm"),
        lazy_gettext("nộp bài sớm hơn"),
        lazy_gettext("nộp bài sớm hơn"),
    ),
    "attempts": Criterion(
        lazy_gettext("ít lượt thi"),
        lazy_gettext("ít lượt thi hơn"),
        lazy_gettext("ít lượt thi hơn"),
    ),
    "attempt_id": Criterion(
        lazy_gettext("mã lượt thi"),
        lazy_gettext("nếu vẫn bằng nhau: lượt thi được ghi nhận trước (mã lượt thi nhỏ hơn)"),
        lazy_gettext(
            "nộp lượt thi được ghi nhận trước (mã lượt thi nhỏ hơn), "
            "vì bằng nhau ở mọi tiêu chí khác"
        ),
    ),
}


def preset_label(preset: str) -> str:
    """The organiser's name for a preset: 'Điểm → dự đoán → thời gian → nộp sớm (mặc định)'."""
    label = " → ".join(str(CRITERIA[key].short) for key in PRESETS[preset])
    if preset != DEFAULT_PRESET:
        return label
    return _("%(chain)s (mặc định)", chain=label)


def chain_text(preset: str, text: Callable[[LazyText], str] = str) -> list[str]:
    """The whole chain of a preset in plain words, one line a key, the id last. ``text``
    turns each registry word into text (default: in the current language)."""
    return [text(CRITERIA[key].rule) for key in chain_of(preset)]


def decided_text(key: str | None) -> str:
    """Why a row ranks above the next one ('' for the last row)."""
    return str(CRITERIA[key].decided) if key else ""


class Entry(NamedTuple):
    """One finished, ranked attempt. (Named tuples: a round can have a million.)

    ``submitted_at`` only needs to compare correctly with the others (all aware, or all
    naive UTC).
    """

    attempt_id: int
    participant_id: int
    score: int
    total: int
    prediction: int | None
    duration_ms: int
    submitted_at: datetime


class Ranked(NamedTuple):
    """A participant's place: their best attempt and the derived keys."""

    rank: int
    entry: Entry
    attempts: int
    distance: int | None
    decided_by: str | None  # the key that puts this row above the next; None for the last


def chain_of(preset: str) -> tuple[str, ...]:
    """The preset's keys with ``attempt_id`` closing the chain. Raises KeyError."""
    return (*PRESETS[preset], "attempt_id")


def distance(prediction: int | None, actual: int | None) -> int | None:
    """|prediction − actual|; None when either is unknown."""
    if prediction is None or actual is None:
        return None
    return abs(prediction - actual)


# Entry fields by position: key functions index the tuple directly (a round can have a
# million entries, and attribute access on a named tuple costs a call each).
_ID, _PID, _SCORE, _TOTAL, _PREDICTION, _DURATION, _SUBMITTED = range(7)

# The key is one integer: each part of the chain, made a non-negative integer, in a fixed
# number of bits, most significant first. Integers sort several times faster than tuples,
# and the first part where two keys differ is found from their XOR (``rank``).
_BITS = {
    "score": 40,
    "prediction": 64,
    "duration": 48,
    "submitted": 72,
    "attempts": 32,
    "attempt_id": 64,
}
_SCORE_CEILING = 1 << 39
_ONE_US = timedelta(microseconds=1)
_EPOCH_NAIVE = datetime(1, 1, 1)
_EPOCH_AWARE = datetime(1, 1, 1, tzinfo=UTC)


def _getter(
    key: str, actual: int | None, counts: Mapping[int, int], aware: bool
) -> Callable[[Entry], int]:
    if key == "score":
        return lambda e: _SCORE_CEILING - e[_SCORE]
    if key == "prediction":
        if actual is None:
            return lambda e: 0
        return lambda e: NO_PREDICTION if e[_PREDICTION] is None else abs(e[_PREDICTION] - actual)
    if key == "duration":
        return itemgetter(_DURATION)
    if key == "submitted":
        epoch = _EPOCH_AWARE if aware else _EPOCH_NAIVE
        return lambda e: (e[_SUBMITTED] - epoch) // _ONE_US
    if key == "attempts":
        return lambda e: counts.get(e[_PID], 1)
    if key == "attempt_id":
        return itemgetter(_ID)
    raise KeyError(key)


def sort_key(
    preset: str, actual: int | None, counts: Mapping[int, int] | None = None, *, aware: bool = True
) -> Callable[[Entry], int]:
    """The ranking key of ``preset`` as a function of an entry (smaller is better): one
    integer packing the chain's parts (see ``_BITS``), so comparing two keys compares
    the parts in chain order.

    ``counts`` maps participant id → number of finished ranked attempts (the
    ``attempts`` key); a participant missing from it counts one attempt. ``aware``:
    whether submission times carry a time zone (all must agree). Scores, durations and
    ids are non-negative.
    """
    chain = chain_of(preset)
    g = [_getter(k, actual, counts or {}, aware) for k in chain]
    w = [_BITS[k] for k in chain]

    def key(e: Entry) -> int:
        value = 0
        for getter, width in zip(g, w, strict=True):
            value = value << width | getter(e)
        return value

    return key


def _column(
    key: str, entries: list[Entry], actual: int | None, counts: Mapping[int, int], aware: bool
) -> list[int]:
    """One part of every entry's key, as ``_getter`` computes it, a column at a time."""
    if key == "score":
        return [_SCORE_CEILING - v for v in map(itemgetter(_SCORE), entries)]
    if key == "prediction":
        if actual is None:
            return [0] * len(entries)
        return [
            NO_PREDICTION if v is None else abs(v - actual)
            for v in map(itemgetter(_PREDICTION), entries)
        ]
    if key == "duration":
        return list(map(itemgetter(_DURATION), entries))
    if key == "submitted":
        epoch = _EPOCH_AWARE if aware else _EPOCH_NAIVE
        return [(v - epoch) // _ONE_US for v in map(itemgetter(_SUBMITTED), entries)]
    if key == "attempts":
        return [counts.get(v, 1) for v in map(itemgetter(_PID), entries)]
    if key == "attempt_id":
        return list(map(itemgetter(_ID), entries))
    raise KeyError(key)


def keys_of(
    entries: list[Entry],
    preset: str,
    actual: int | None,
    counts: Mapping[int, int] | None = None,
    *,
    aware: bool = True,
) -> list[int]:
    """``sort_key`` of every entry, computed a column at a time (no call per entry and
    part: three times faster on a million entries)."""
    chain = chain_of(preset)
    keys = _column(chain[0], entries, actual, counts or {}, aware)
    for name in chain[1:]:
        width = _BITS[name]
        keys = [
            k << width | v
            for k, v in zip(keys, _column(name, entries, actual, counts or {}, aware), strict=True)
        ]
    return keys


def _part_finder(chain: tuple[str, ...]) -> Callable[[int, int], str]:
    """For two different keys, the name of the first part of the chain where they differ."""
    bounds = []
    low = sum(_BITS[k] for k in chain)
    for name in chain:
        low -= _BITS[name]
        bounds.append((low, name))

    def first_difference(a: int, b: int) -> str:
        top = (a ^ b).bit_length() - 1
        for low_bit, name in bounds:
            if top >= low_bit:
                return name
        return chain[-1]

    return first_difference


def _is_aware(entries: list[Entry]) -> bool:
    return bool(entries) and entries[0][_SUBMITTED].tzinfo is not None


def count_attempts(entries: Iterable[Entry]) -> dict[int, int]:
    """Participant id → number of entries (finished ranked attempts)."""
    counts: dict[int, int] = {}
    for e in entries:
        counts[e.participant_id] = counts.get(e.participant_id, 0) + 1
    return counts


def best_attempts(
    entries: Iterable[Entry],
    preset: str,
    actual: int | None,
    counts: Mapping[int, int] | None = None,
) -> dict[int, Entry]:
    """Participant id → their best entry by the ranking key of ``preset``."""
    return {r.entry.participant_id: r.entry for r in rank(entries, preset, actual, counts)}


class OrderMismatch(ValueError):
    """Entries handed to ``rank_sorted`` as sorted are not in the ranking key's order."""


def rank(
    entries: Iterable[Entry],
    preset: str,
    actual: int | None,
    counts: Mapping[int, int] | None = None,
) -> list[Ranked]:
    """Rank participants by their best entry, best first (see the module docstring).

    ``entries`` may hold several attempts per participant; ``counts`` (participant id →
    finished ranked attempts) is computed from ``entries`` when not given. Raises
    KeyError for an unknown preset.
    """
    entries = list(entries)
    if counts is None:
        counts = count_attempts(entries)
    aware = _is_aware(entries)
    decorated = list(
        zip(keys_of(entries, preset, actual, counts, aware=aware), entries, strict=True)
    )
    decorated.sort(key=itemgetter(0))
    ordered = [e for _k, e in decorated]
    del decorated
    return list(rank_sorted(ordered, preset, actual, counts, aware=aware))


def rank_sorted(
    entries: Iterable[Entry],
    preset: str,
    actual: int | None,
    counts: Mapping[int, int] | None = None,
    *,
    aware: bool,
    chunk: int = 20_000,
) -> Iterator[Ranked]:
    """``rank`` of entries that arrive already sorted by the ranking key (as the database
    orders them), in one streaming pass: the key of every entry is computed here and must
    be greater than the one before (else OrderMismatch: the caller sorts with ``rank``
    instead); each participant's first entry is their best; ranks are positions; each
    row's ``decided_by`` is the first part where its key differs from the next row's.

    ``counts`` as for ``rank`` (a participant missing from it counts one attempt);
    ``aware`` as for ``sort_key``. Keys are computed ``chunk`` entries at a time.
    """
    counts = counts if counts is not None else {}
    first_difference = _part_finder(chain_of(preset))
    seen: set[int] = set()
    add = seen.add
    previous = -1
    held: tuple[int, Entry] | None = None  # the last best entry, waiting for the next one
    position = 0
    it = iter(entries)
    while batch := list(islice(it, chunk)):
        keys = keys_of(batch, preset, actual, counts, aware=aware)
        for k, e in zip(keys, batch, strict=True):
            if k <= previous:
                raise OrderMismatch(f"attempt {e[_ID]} is out of the ranking order")
            previous = k
            pid = e[_PID]
            if pid in seen:
                continue
            add(pid)
            if held is not None:
                position += 1
                yield _ranked(position, held[1], counts, actual, first_difference(held[0], k))
            held = (k, e)
    if held is not None:
        yield _ranked(position + 1, held[1], counts, actual, None)


def _ranked(
    position: int, e: Entry, counts: Mapping[int, int], actual: int | None, decided: str | None
) -> Ranked:
    prediction = e[_PREDICTION]
    return Ranked(
        position,
        e,
        counts.get(e[_PID], 1),
        None if prediction is None or actual is None else abs(prediction - actual),
        decided,
    )


# --- the actual value of the prediction question ------------------------------------------


class ParticipantSummary(NamedTuple):
    """What the targets need of one eligible participant."""

    participant_id: int
    attempts: int  # finished ranked attempts
    perfect: bool  # at least one of them with every answer correct (score == total)


@dataclass(frozen=True, slots=True)
class RoundFacts:
    participants: int
    attempts: int
    perfect_participants: int


def summarise(entries: Iterable[Entry]) -> list[ParticipantSummary]:
    """One summary per participant of ``entries``."""
    counts: dict[int, int] = {}
    perfect: dict[int, bool] = {}
    for e in entries:
        counts[e.participant_id] = counts.get(e.participant_id, 0) + 1
        perfect[e.participant_id] = perfect.get(e.participant_id, False) or (
            e.total > 0 and e.score == e.total
        )
    return [ParticipantSummary(pid, n, perfect[pid]) for pid, n in counts.items()]


def facts_of(summaries: Iterable[ParticipantSummary]) -> RoundFacts:
    """Count participants, attempts and participants with a perfect attempt."""
    participants = attempts = perfect = 0
    for s in summaries:
        participants += 1
        attempts += s.attempts
        perfect += 1 if s.perfect else 0
    return RoundFacts(participants, attempts, perfect)


class ActualValueRequired(ValueError):
    """The target is ``manual`` and no value was given."""


def _manual(_facts: RoundFacts, manual: int | None) -> int:
    if manual is None:
        raise ActualValueRequired("the manual target needs the value")
    return manual


@dataclass(frozen=True, slots=True)
class Target:
    """A prediction target: its value from the round's facts (and the manual value), its
    words on the rules and results pages (``rule``) and in the organiser's form (``choice``)."""

    value: Callable[[RoundFacts, int | None], int]
    rule: LazyText
    choice: LazyText


# The one registry of prediction targets (the model's enum takes its members from it).
TARGETS: dict[str, Target] = {
    "perfect_participants": Target(
        lambda f, _m: f.perfect_participants,
        lazy_gettext("số người trả lời đúng tất cả các câu hỏi"),
        lazy_gettext("Số người trả lời đúng tất cả các câu"),
    ),
    "participants": Target(
        lambda f, _m: f.participants,
        lazy_gettext("số người tham gia"),
        lazy_gettext("Số người tham gia"),
    ),
    "attempts": Target(
        lambda f, _m: f.attempts,
        lazy_gettext("số lượt thi"),
        lazy_gettext("Số lượt thi"),
    ),
    "manual": Target(
        _manual,
        lazy_gettext("con số do Ban Tổ chức công bố khi kết thúc đợt thi"),
        lazy_gettext("Ban Tổ chức nhập khi đóng đợt"),
    ),
}
DEFAULT_TARGET = "perfect_participants"


def target_text(target: str, text: Callable[[LazyText], str] = str) -> str:
    """What the prediction question's answer is, in words ('số người tham gia'); ``text``
    as for ``chain_text``."""
    return text(TARGETS[target].rule)


def actual_value(target: str, facts: RoundFacts, manual: int | None = None) -> int:
    """The actual value of the prediction question. ``perfect_participants``: distinct
    eligible participants with a finished ranked attempt with every answer correct;
    ``participants``: distinct eligible participants with a finished ranked attempt;
    ``attempts``: their finished ranked attempts; ``manual``: the value given at close.
    Raises KeyError (unknown target) and ActualValueRequired."""
    return TARGETS[target].value(facts, manual)
