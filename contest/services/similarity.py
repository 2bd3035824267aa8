"""Cross-entry similarity, pure: word shingles, MinHash LSH candidates, exact Jaccard, and
the passages two texts share. No database, no Flask (``essay_similarity`` feeds it the
entries of a stage and stores what it finds; ``bench/bench_similarity.py`` times it).

Texts are compared as words: NFC, case-folded, optionally without diacritics (``fold``:
"Đại hội" = "dai hoi", so a copy retyped without accents is still found), every run of
letters and digits one word. A text's shingles are its runs of ``k`` consecutive words
(default 5), hashed to 32 bits; two texts' similarity is the Jaccard index of their
shingle sets (shared / all). Every pair at or above the threshold is found without
comparing all pairs: MinHash signatures (``datasketch``, 128 permutations) go into an LSH
index tuned to the threshold, and each candidate pair it returns is checked exactly on
the shingle sets, so what is reported is exact; LSH may miss a pair just above the
threshold with a small probability (about 1 % at 0.5 with 128 permutations).

``datasketch`` rather than scikit-learn: it does exactly this (MinHash, LSH) on numpy and
scipy, without scikit-learn's much larger install and its model machinery; TF-IDF cosine
would also rank shared common words, where shingles only see copied word runs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

from question_bank.text import fold_one_for_one

DEFAULT_SHINGLE_WORDS = 5
DEFAULT_THRESHOLD = 0.5
NUM_PERM = 128
MAX_PAIRS = 5_000  # a threshold set too low must not fill the database

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Word:
    start: int  # where the word is in the original text
    end: int
    key: str  # what is compared: case-folded, maybe without diacritics


@dataclass(frozen=True)
class Pair:
    a: int  # the two documents' ids, a < b
    b: int
    jaccard: float
    shared: int  # shingles in both


def _keyed(text: str, fold: bool) -> str:
    keyed = fold_one_for_one(text) if fold else text.casefold()
    return keyed if len(keyed) == len(text) else text.lower()  # ß → ss: keep the places


def nfc(text: str) -> str:
    """``text`` in NFC (stored text already is: then this is a cheap check)."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def words(text: str, *, fold: bool = False) -> list[Word]:
    """The words of ``text`` (in NFC: see ``nfc``) with their places."""
    return [Word(m.start(), m.end(), m.group()) for m in _WORD.finditer(_keyed(text, fold))]


def _shingles(keys: list[str], k: int) -> list[int]:
    # Python's hash of a tuple of str: fast, and the same for the same words within one
    # process (every comparison of a run happens in one); 32 bits, as MinHash takes.
    if not keys:
        return []
    if len(keys) < k:
        return [hash(tuple(keys)) & 0xFFFFFFFF]
    return [hash(t) & 0xFFFFFFFF for t in zip(*(keys[j:] for j in range(k)), strict=False)]


def shingle_list(ws: list[Word], k: int = DEFAULT_SHINGLE_WORDS) -> list[int]:
    """The hashed ``k``-word shingles of ``ws``, in order (one per start position); a text
    shorter than ``k`` words is one shingle of all of them."""
    return _shingles([w.key for w in ws], k)


def shingle_set(text: str, *, k: int = DEFAULT_SHINGLE_WORDS, fold: bool = False) -> set[int]:
    """The shingles of ``text`` as a set (the fast path: no word places)."""
    return set(_shingles(_WORD.findall(_keyed(nfc(text), fold)), k))


def jaccard(a: set[int], b: set[int]) -> float:
    if not a and not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def _identity(value):
    return value


def similar_pairs(
    documents: Iterable[tuple[int, str]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    k: int = DEFAULT_SHINGLE_WORDS,
    fold: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[Pair]:
    """Every pair of ``documents`` ((id, text), ids unique) whose shingle sets have a
    Jaccard index ≥ ``threshold``, most similar first (at most ``MAX_PAIRS``).
    ``progress(done, total)`` is called as documents are indexed."""
    docs = list(documents)
    sets = {doc_id: shingle_set(text, k=k, fold=fold) for doc_id, text in docs}
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    ids = [doc_id for doc_id, _text in docs if sets[doc_id]]
    sketches = {}
    for start in range(0, len(ids), 100):  # one permutation draw per batch (``bulk``)
        batch = ids[start : start + 100]
        made = MinHash.bulk([list(sets[i]) for i in batch], num_perm=NUM_PERM, hashfunc=_identity)
        for doc_id, sketch in zip(batch, made, strict=True):
            sketches[doc_id] = sketch
            lsh.insert(doc_id, sketch)
        if progress is not None:
            progress(start + len(batch), len(ids))
    seen: set[tuple[int, int]] = set()
    pairs = []
    for doc_id, sketch in sketches.items():
        for other in lsh.query(sketch):
            key = (min(doc_id, other), max(doc_id, other))
            if other == doc_id or key in seen:
                continue
            seen.add(key)
            a, b = sets[key[0]], sets[key[1]]
            score = jaccard(a, b)
            if score >= threshold:
                pairs.append(Pair(key[0], key[1], score, len(a & b)))
    pairs.sort(key=lambda p: (-p.jaccard, p.a, p.b))
    return pairs[:MAX_PAIRS]


# --- the passages two texts share -------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    text: str
    shared: bool  # part of a run of words the other text has too


def _covered(ws: list[Word], mine: list[int], common: set[int], k: int) -> list[bool]:
    """Which words of a text lie in one of its shingles that the other text has."""
    covered = [False] * len(ws)
    span = k if len(ws) >= k else len(ws)
    for start, shingle in enumerate(mine):
        if shingle in common:
            for i in range(start, min(start + span, len(ws))):
                covered[i] = True
    return covered


def _pieces(text: str, ws: list[Word], covered: list[bool]) -> list[Piece]:
    pieces: list[Piece] = []
    at = 0
    i = 0
    while i < len(ws):
        if not covered[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(ws) and covered[j + 1]:
            j += 1
        if ws[i].start > at:
            pieces.append(Piece(text[at : ws[i].start], False))
        pieces.append(Piece(text[ws[i].start : ws[j].end], True))
        at = ws[j].end
        i = j + 1
    if at < len(text):
        pieces.append(Piece(text[at:], False))
    return pieces


def shared_passages(
    text_a: str, text_b: str, *, k: int = DEFAULT_SHINGLE_WORDS, fold: bool = False
) -> tuple[list[Piece], list[Piece], float]:
    """Both texts cut into pieces, the runs of words they share marked (for the organiser's
    side-by-side view), and their Jaccard index. The pieces are of the NFC text."""
    text_a, text_b = nfc(text_a), nfc(text_b)
    wa, wb = words(text_a, fold=fold), words(text_b, fold=fold)
    sa, sb = shingle_list(wa, k), shingle_list(wb, k)
    common = set(sa) & set(sb)
    return (
        _pieces(text_a, wa, _covered(wa, sa, common, k)),
        _pieces(text_b, wb, _covered(wb, sb, common, k)),
        jaccard(set(sa), set(sb)),
    )
