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
    problems = check_quotas(pool, 2, [Quota(None, "hard", 2), Quota("Lai Châu", None, 1)])
    assert problems[0].startswith("Tổng số câu theo cơ cấu đề (3) lớn hơn số câu của đề (2).")
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

    # Satisfiable only if the "hard" quota leaves X's questions to the topic quota.
    pool = [Candidate(1, "X", "hard"), Candidate(2, "X", "easy"), Candidate(3, "Y", "hard")]
    quotas = [Quota(None, "hard", 1), Quota("X", None, 2)]
    for seed in range(50):
        assert sorted(select_questions(pool, 3, quotas, seed=seed)) == [1, 2, 3]


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


def matchable(candidates, quotas):
    """Independent check (Kuhn's augmenting paths over single slots): can every quota slot
    get its own matching candidate?"""
    slots = [q for q in quotas for _ in range(q.count)]
    owner = {}

    def fits(q, c):
        return q.topic in (None, c.topic) and q.difficulty in (None, c.difficulty)

    def assign(slot, seen):
        for c in candidates:
            if c.id not in seen and fits(slots[slot], c):
                seen.add(c.id)
                if c.id not in owner or assign(owner[c.id], seen):
                    owner[c.id] = slot
                    return True
        return False

    return all(assign(i, set()) for i in range(len(slots)))


def satisfies(pool, ids, quotas):
    chosen = [c for c in pool if c.id in set(ids)]
    return matchable(chosen, quotas)


@settings(max_examples=150, deadline=None, database=None)
@given(scenarios())
def test_select_property(scenario):
    pool, n, quotas, seed = scenario
    problems = check_quotas(pool, n, quotas)
    feasible = (len(pool) >= n >= sum(q.count for q in quotas)) and matchable(pool, quotas)
    assert (problems == []) == feasible
    if problems:
        with pytest.raises(PoolTooSmall):
            select_questions(pool, n, quotas, seed=seed)
        return
    ids = select_questions(pool, n, quotas, seed=seed)
    assert len(ids) == n == len(set(ids))
    assert set(ids) <= {c.id for c in pool}
    assert satisfies(pool, ids, quotas)
    assert select_questions(list(reversed(pool)), n, quotas, seed=seed) == ids
