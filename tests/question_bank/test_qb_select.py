"""Deterministic draws with quotas (style.md: random.Random(seed); G2 permutations)."""

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from question_bank import Candidate, PoolTooSmall, Quota, check_quotas, select_questions, shuffled

TOPICS = ["Lịch sử Đảng", "Đại hội XIV", "Lai Châu"]
LEVELS = ["easy", "medium", "hard"]


def make_pool(per_group=5):
    pool, next_id = [], 1
    for topic in TOPICS:
        for level in LEVELS:
            for _ in range(per_group):
                pool.append(Candidate(next_id, topic, level))
                next_id += 1
    return pool


def group_counts(pool, ids):
    by_id = {c.id: c for c in pool}
    return Counter((by_id[i].topic, by_id[i].difficulty) for i in ids)


def test_same_seed_same_paper_and_pool_order_does_not_matter():
    pool = make_pool()
    quotas = [Quota("Lai Châu", "hard", 2), Quota(None, "easy", 3)]
    first = select_questions(pool, 10, quotas, seed=42)
    reordered = list(reversed(pool))
    random.Random(1).shuffle(reordered)
    assert select_questions(reordered, 10, quotas, seed=42) == first
    assert select_questions(pool, 10, quotas, seed=42) == first
    assert select_questions(pool, 10, quotas, seed=43) != first
    assert len(set(first)) == 10


def test_quotas_met_exactly_when_they_fill_the_paper():
    pool = make_pool()
    quotas = [
        Quota(t, lvl, 1 + i % 2)
        for i, (t, lvl) in enumerate((t, lvl) for t in TOPICS for lvl in LEVELS)
    ]
    n = sum(q.count for q in quotas)
    ids = select_questions(pool, n, quotas, seed=7)
    counts = group_counts(pool, ids)
    assert {key: counts[key] for key in counts} == {
        (q.topic, q.difficulty): q.count for q in quotas
    }


def test_topic_and_level_match_ignoring_case_spacing_and_label():
    pool = make_pool()
    ids = select_questions(pool, 3, [Quota("  lai  CHÂU ", "Khó", 3)], seed=1)
    assert set(group_counts(pool, ids)) == {("Lai Châu", "hard")}


def test_pool_too_small_names_the_quota():
    pool = [Candidate(i, "Đảng bộ tỉnh", "hard") for i in range(3)]
    pool += [Candidate(10 + i, "Khác", "easy") for i in range(10)]
    with pytest.raises(PoolTooSmall) as info:
        select_questions(pool, 10, [Quota("Đảng bộ tỉnh", "hard", 5)], seed=0)
    assert info.value.message.startswith(
        "Chủ đề «Đảng bộ tỉnh», mức Khó: cần 5 câu nhưng ngân hàng chỉ có 3 câu đang dùng."
    )
    assert info.value.problems == check_quotas(pool, 10, [Quota("Đảng bộ tỉnh", "hard", 5)])


def test_other_problems():
    pool = make_pool(per_group=1)  # 9 questions
    assert check_quotas(pool, 9) == []
    assert check_quotas(pool, 10) == [
        "Đề cần 10 câu nhưng ngân hàng chỉ có 9 câu đang dùng. "
        "Vui lòng thêm câu hỏi vào ngân hàng hoặc giảm số câu yêu cầu."
    ]
    problems = check_quotas(pool, 2, [Quota(None, "hard", 2), Quota(None, "easy", 1)])
    assert problems[0].startswith("Tổng số câu theo cơ cấu đề (3) lớn hơn số câu của đề (2).")
    # Overlapping lines share questions: a hard Lai Châu question counts for both.
    assert check_quotas(pool, 2, [Quota(None, "hard", 2), Quota("Lai Châu", None, 1)]) == []
    assert check_quotas(pool, 5, [Quota(None, "medium", 4)])[0].startswith(
        "Mức Trung bình (mọi chủ đề): cần 4 câu"
    )
    assert check_quotas(pool, 5, [Quota("Lai Châu", None, 4)])[0].startswith(
        "Chủ đề «Lai Châu» (mọi mức độ): cần 4 câu"
    )
    with pytest.raises(ValueError):
        check_quotas(pool, 3, [Quota(None, None, -1)])


def test_overlapping_quotas():
    pool = [Candidate(1, "X", "hard"), Candidate(2, "X", "hard"), Candidate(3, "Y", "easy")]
    quotas = [Quota("X", None, 2), Quota(None, "hard", 1)]
    problems = check_quotas(pool, 3, quotas)
    assert len(problems) == 1 and "chồng lên nhau" in problems[0]
    with pytest.raises(PoolTooSmall):
        select_questions(pool, 3, quotas, seed=0)

    # Exactly 2 of X and exactly 1 hard: X-easy, X-hard and never Y-hard.
    pool = [Candidate(1, "X", "hard"), Candidate(2, "X", "easy"), Candidate(3, "Y", "hard")]
    quotas = [Quota(None, "hard", 1), Quota("X", None, 2)]
    for seed in range(50):
        assert sorted(select_questions(pool, 2, quotas, seed=seed)) == [1, 2]
    # A third question would have to match neither line: there is none.
    assert (
        "1 câu còn lại phải là câu không thuộc mức Khó hoặc chủ đề «X»"
        in (check_quotas(pool, 3, quotas)[0])
    )


def test_result_is_shuffled_not_grouped():
    pool = make_pool(per_group=10)
    papers = {tuple(select_questions(pool, 20, [], seed=s)) for s in range(20)}
    assert len(papers) == 20


def test_shuffled_is_a_deterministic_permutation():
    items = list(range(30))
    assert sorted(shuffled(items, 5)) == items
    assert shuffled(items, 5) == shuffled(items, 5)
    assert shuffled(items, 5) != shuffled(items, 6)
    assert items == list(range(30)), "the input is not modified"


@st.composite
def scenarios(draw):
    size = draw(st.integers(0, 25))
    pool = [
        Candidate(
            draw(st.integers(0, 10_000)) * 100 + i,
            draw(st.sampled_from(TOPICS)),
            draw(st.sampled_from(LEVELS)),
        )
        for i in range(size)
    ]
    quotas = draw(
        st.lists(
            st.builds(
                Quota,
                st.none() | st.sampled_from(TOPICS),
                st.none() | st.sampled_from(LEVELS),
                st.integers(0, 4),
            ),
            max_size=4,
        )
    )
    n = draw(st.integers(0, 20))
    return pool, n, quotas, draw(st.integers(0, 2**32))


def merged(quotas):
    """Lines naming the same topic and level add up (the module's rule)."""
    counts = Counter()
    for q in quotas:
        counts[(q.topic, q.difficulty)] += q.count
    return counts


def fits(key, candidate):
    topic, level = key
    return topic in (None, candidate.topic) and level in (None, candidate.difficulty)


def exactly_feasible(pool, n, quotas):
    """Independent check by enumeration over (topic, level) groups: can some paper of n
    distinct questions have exactly each quota's count of matching questions?"""
    wanted = merged(quotas)
    keys = list(wanted)
    groups = Counter((c.topic, c.difficulty) for c in {c.id: c for c in pool}.values())
    states = {((0,) * len(keys), 0)}
    for (topic, level), size in groups.items():
        hits = [fits(k, Candidate(0, topic, level)) for k in keys]
        states = {
            (tuple(c + x * h for c, h in zip(counts, hits, strict=True)), total + x)
            for counts, total in states
            for x in range(size + 1)
            if total + x <= n
            and all(c + x * h <= wanted[k] for c, h, k in zip(counts, hits, keys, strict=True))
        }
    return (tuple(wanted[k] for k in keys), n) in states


def meets_exactly(pool, ids, quotas):
    chosen = [c for c in pool if c.id in set(ids)]
    return all(sum(fits(key, c) for c in chosen) == count for key, count in merged(quotas).items())


@st.composite
def feasible_scenarios(draw):
    """A random pool, a paper picked from it, and quotas read off that paper: some paper
    meets them, so the draw must succeed."""
    pool = [
        Candidate(i, draw(st.sampled_from(TOPICS)), draw(st.sampled_from(LEVELS)))
        for i in range(draw(st.integers(1, 40)))
    ]
    paper = draw(st.lists(st.sampled_from(pool), unique=True, max_size=len(pool)))
    keys = draw(
        st.lists(
            st.tuples(st.none() | st.sampled_from(TOPICS), st.none() | st.sampled_from(LEVELS)),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    quotas = [Quota(t, lvl, sum(fits((t, lvl), c) for c in paper)) for t, lvl in keys]
    return pool, len(paper), quotas, draw(st.integers(0, 2**32))


@settings(max_examples=300, deadline=None, database=None)
@given(scenarios() | feasible_scenarios())
def test_select_property(scenario):
    """Over random pools, quotas and seeds: the check says yes exactly when a paper exists;
    every paper has n distinct questions of the pool, meets every quota exactly, and is the
    same for the same seed whatever the pool's order."""
    pool, n, quotas, seed = scenario
    problems = check_quotas(pool, n, quotas)
    assert (problems == []) == exactly_feasible(pool, n, quotas)
    if problems:
        assert all(p.strip() for p in problems)
        with pytest.raises(PoolTooSmall):
            select_questions(pool, n, quotas, seed=seed)
        return
    ids = select_questions(pool, n, quotas, seed=seed)
    assert len(ids) == n == len(set(ids))
    assert set(ids) <= {c.id for c in pool}
    assert meets_exactly(pool, ids, quotas)
    assert select_questions(list(reversed(pool)), n, quotas, seed=seed) == ids
    assert select_questions(pool, n, quotas, seed=seed) == ids
