"""Question papers: a round's question pool (cached per process, as long as the shared
quiz cache version says it is current: ``shared_cache``) and the paper of one attempt,
drawn deterministically from its seed.

A paper is a list of plain dicts (position, question id and version, text, options shown,
correct option ids), written once into the attempt's rows: later edits of the bank never
change a paper already drawn.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

from sqlalchemy import select

from contest.extensions import db
from contest.models.question import Option, Question
from contest.models.quiz import Round
from contest.services import question_images, shared_cache
from contest.services.errors import PoolTooSmall
from contest.services.i18n import _
from question_bank import select as draw


@dataclass(frozen=True)
class PoolQuestion:
    id: int
    version: int
    topic: str
    difficulty: str
    text: str
    options: tuple[tuple[int, str, bool], ...]  # (option id, text, is_correct)
    image: dict | None = None  # the picture as the API gives it (question_images)


# Keyed by (database, round id): one process may serve several databases (tests, tools).
# Each entry: (loaded at, bank ids, the pool, the pool as the draw takes it, by id, the
# shared quiz cache version it was loaded under).
_pool_cache: dict[tuple[str, int], tuple[float, tuple, list[PoolQuestion], list, dict, int]] = {}
_pool_lock = threading.Lock()
# A safety net only: every change made through the app bumps the shared version, which
# every process checks on each use (changes typed into the database by hand are not).
POOL_TTL_SECONDS = 300.0


def _clear_pools() -> None:
    with _pool_lock:
        _pool_cache.clear()


shared_cache.on_stale(shared_cache.QUIZ, _clear_pools)


def invalidate_pool(round_id: int | None = None) -> None:
    """The pools are stale: called after editing a round's draw and after any change to a
    bank's questions, inside the transaction that makes it. This process forgets its pools
    now; every process and server sees the new version once that transaction commits
    (``shared_cache``; ORM changes to rounds, banks, questions and options mark it by
    themselves, bulk writes must call this)."""
    shared_cache.mark_stale(shared_cache.QUIZ)


def load_pool(bank_ids: list[int]) -> list[PoolQuestion]:
    """Active, current questions of the given banks with their options."""
    if not bank_ids:
        return []
    questions = db.session.scalars(
        select(Question)
        .where(
            Question.bank_id.in_(bank_ids),
            Question.is_active.is_(True),
            Question.is_current.is_(True),
        )
        .order_by(Question.id)
    ).all()
    options: dict[int, list[Option]] = {}
    if questions:
        for opt in db.session.scalars(
            select(Option)
            .where(Option.question_id.in_([q.id for q in questions]))
            .order_by(Option.question_id, Option.position)
        ):
            options.setdefault(opt.question_id, []).append(opt)
    # One query for the pool's pictures (none when no question has one).
    images = question_images.images_of_questions(q.id for q in questions if q.image_id)
    return [
        PoolQuestion(
            q.id,
            q.version,
            q.topic,
            q.difficulty.value,
            q.text,
            tuple((o.id, o.text, o.is_correct) for o in options.get(q.id, [])),
            images.get(q.id),
        )
        for q in questions
    ]


def round_pool(round_: Round) -> list[PoolQuestion]:
    """The round's question pool, cached while the shared quiz version is unchanged (the
    start rush reads it thousands of times)."""
    return _cached_pool(round_)[2]


def _cached_pool(round_, version: int | None = None) -> tuple:
    """The cached entry; ``version`` is the shared quiz version when the caller has just
    read it (one read per request), else it is read here."""
    key = (str(db.session.get_bind().engine.url), round_.id)
    banks = tuple(sorted(round_.bank_ids or []))
    if version is None:
        version = shared_cache.version(shared_cache.QUIZ)
    now = time.monotonic()
    with _pool_lock:
        cached = _pool_cache.get(key)
        if (
            cached
            and cached[1] == banks
            and cached[5] == version
            and now - cached[0] < POOL_TTL_SECONDS
        ):
            return cached
    pool = load_pool(list(banks))
    # Built once per pool, not once per paper: the start rush draws thousands of papers.
    candidates = [draw.Candidate(q.id, q.topic, q.difficulty) for q in pool]
    entry = (now, banks, pool, candidates, {q.id: q for q in pool}, version)
    with _pool_lock:
        _pool_cache[key] = entry
    return entry


def quotas_of(round_: Round) -> list[draw.Quota]:
    """The round's quotas (topic × difficulty counts) as the drawing code takes them; each is
    exact on every paper (the rule: ``question_bank.select``'s docstring)."""
    return [
        draw.Quota(q.get("topic") or None, q.get("difficulty") or None, int(q["count"]))
        for q in (round_.quotas or [])
        if int(q.get("count") or 0) > 0
    ]


def check_draw(round_: Round) -> list[str]:
    """Problems (translated) that would stop a paper being drawn for this round: the bank
    lacks questions for a quota line or for the rest of the paper (questions matching no
    line), or the lines contradict each other. The round form shows them; an empty list
    means every seed draws a paper."""
    pool = round_pool(round_)
    if not pool:
        return [_("Chưa chọn ngân hàng câu hỏi, hoặc ngân hàng không có câu hỏi đang dùng.")]
    return draw.check_quotas(
        [draw.Candidate(q.id, q.topic, q.difficulty) for q in pool],
        round_.question_count,
        quotas_of(round_),
    )


def build_paper(round_: Round, seed: int, *, version: int | None = None) -> list[dict]:
    """The questions of one paper, drawn and shuffled deterministically from ``seed``
    (``version``: the shared quiz version, when the caller has just read it).

    Raises ``PoolTooSmall`` when the pool cannot satisfy the count or the quotas.
    """
    _at, _banks, _pool, candidates, by_id, _version = _cached_pool(round_, version)
    try:
        ids = draw.select_questions(
            candidates,
            round_.question_count,
            quotas_of(round_),
            seed=seed,
        )
    except draw.PoolTooSmall as exc:
        raise PoolTooSmall(exc.message) from exc
    if not round_.shuffle_questions:
        ids = sorted(ids)
    rng = random.Random(seed)
    paper = []
    for position, qid in enumerate(ids):
        q = by_id[qid]
        options = list(q.options)
        if round_.shuffle_options:
            rng.shuffle(options)
        paper.append(
            {
                "position": position,
                "question_id": q.id,
                "question_version": q.version,
                "text": q.text,
                "options": [{"id": oid, "text": text} for oid, text, _ok in options],
                "correct_option_ids": sorted(oid for oid, _text, ok in options if ok),
                # Not a column of the paper's rows (the inserts ignore it): the served
                # question row keeps its picture, a new picture being a new version.
                "image": q.image,
            }
        )
    return paper
