"""Essay similarity flags: ``similarity.similar_pairs`` over 2,000 entries of ~1,500
Vietnamese words (5-word shingles, Jaccard >= 0.5, MinHash LSH with 128 permutations and
an exact check of each candidate), with 20 planted near-copies (a few sentences changed,
added or dropped) that must all be found, and nothing else; then one pair's side-by-side
passages (what the organiser's pair page computes). Run by ``make bench`` (every
bench/bench_*.py); ``BENCH=similarity make bench`` runs only this one.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contest.services import similarity  # noqa: E402

ENTRIES = 2_000
WORDS_PER_ENTRY = 1_500
COPIES = 20
SYLLABLES = (
    "an ba bình cao chí công dân đại đảng đất đoàn giáo hạnh hòa học hội hùng khoa kinh "
    "lao lịch lực minh nam nghĩa nhân nông phát phúc quốc quyền sản sinh sống tâm tân thành "
    "thế thống tiến tình trí truyền trường tự văn việt xã xây yêu"
).split()


def vocabulary(rnd: random.Random, size: int = 6_000) -> list[str]:
    """Two-syllable Vietnamese-looking words (common words drawn more often)."""
    return [f"{rnd.choice(SYLLABLES)} {rnd.choice(SYLLABLES)}" for _ in range(size)]


def essay(rnd: random.Random, words: list[str]) -> list[str]:
    """~1,500 syllables (what a Vietnamese word count counts: space-separated)."""
    sentences, left = [], WORDS_PER_ENTRY // 2
    weights = [1 / (i + 1) for i in range(len(words))]  # Zipf-like: shared common phrases
    while left > 0:
        size = min(left, rnd.randint(6, 12))  # ~2 syllables a word: 12-24 syllables
        sentences.append(" ".join(rnd.choices(words, weights, k=size)).capitalize() + ".")
        left -= size
    return sentences


def near_copy(rnd: random.Random, sentences: list[str], words: list[str]) -> list[str]:
    edited = list(sentences)
    for _ in range(8):
        edited[rnd.randrange(len(edited))] = " ".join(rnd.choices(words, k=9)) + "."
    edited.insert(rnd.randrange(len(edited)), "Đây là câu tôi tự thêm vào bài.")
    del edited[rnd.randrange(len(edited))]
    return edited


def corpus(seed: int = 14) -> tuple[list[tuple[int, str]], set[tuple[int, int]]]:
    rnd = random.Random(seed)
    words = vocabulary(rnd)
    texts = [essay(rnd, words) for _ in range(ENTRIES - COPIES)]
    planted = set()
    for source in rnd.sample(range(len(texts)), COPIES):
        texts.append(near_copy(rnd, texts[source], words))
        planted.add((source + 1, len(texts)))
    return [(i + 1, " ".join(t)) for i, t in enumerate(texts)], planted


def main() -> int:
    documents, planted = corpus()
    words = sum(len(text.split()) for _, text in documents) / len(documents)  # syllables
    print(f"{len(documents):,} entries, {words:,.0f} words each on average")
    times, found = [], []
    for _ in range(2):
        started = time.perf_counter()
        found = similarity.similar_pairs(documents, threshold=0.5, k=5)
        times.append(time.perf_counter() - started)
    pairs = {(p.a, p.b) for p in found}
    print(
        f"similar_pairs (5-word shingles, Jaccard >= 0.5): {min(times):.2f} s "
        f"(best of 2), {len(pairs)} pairs, {len(pairs & planted)}/{len(planted)} planted copies"
        f" found, {len(pairs - planted)} others"
    )
    texts = dict(documents)
    a, b = sorted(planted)[0]
    started = time.perf_counter()
    left, right, score = similarity.shared_passages(texts[a], texts[b])
    took = time.perf_counter() - started
    marked = sum(1 for piece in left if piece.shared)
    print(f"shared_passages of one pair: {took * 1000:.0f} ms ({marked} passages, {score:.2f})")
    return 0 if pairs == planted else 1


if __name__ == "__main__":
    sys.exit(main())
