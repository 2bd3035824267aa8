"""One registry per rule (docs/architecture.md): the tie-break presets, the prediction
targets and the difficulty words are each defined once, and every page, form and enum reads
them from there."""

from __future__ import annotations

import html
import re

import pytest

from contest.models import Difficulty, PredictionTarget, TieBreak
from contest.quiz.forms import RoundForm
from contest.services import ranking
from question_bank import DIFFICULTY_LABELS
from question_bank import Difficulty as BankDifficulty

ITEM = re.compile(r"<li>(.*?)</li>", re.S)


def test_enums_take_their_members_from_the_registries():
    assert [t.value for t in TieBreak] == list(ranking.PRESETS)
    assert [t.value for t in PredictionTarget] == list(ranking.TARGETS)
    assert [d.value for d in Difficulty] == [d.value for d in BankDifficulty]
    assert set(DIFFICULTY_LABELS) == {d.value for d in Difficulty}


def test_every_key_of_every_preset_has_its_words():
    for preset, chain in ranking.PRESETS.items():
        assert chain[0] == "score"
        assert set(ranking.chain_of(preset)) <= set(ranking.CRITERIA)
        assert len(ranking.chain_text(preset)) == len(chain) + 1  # the attempt id closes it


@pytest.mark.parametrize("preset", list(ranking.PRESETS))
def test_rules_page_states_the_registry_chain(client, db, make_round, preset):
    r = make_round()
    r.tie_break = TieBreak(preset)
    r.prediction_target = PredictionTarget.participants
    db.session.commit()
    page = client.get(f"/cuoc-thi/{r.contest.slug}").get_data(as_text=True)
    start = page.index(html.escape(r.name, quote=False), page.index("Cách xếp hạng"))
    items = [html.unescape(i) for i in ITEM.findall(page[start : page.index("</ol>", start)])]
    assert items == ranking.chain_text(preset)
    assert ranking.target_text("participants") in html.unescape(page)


def test_round_form_offers_every_preset_and_target_from_the_registry(app):
    with app.test_request_context("/"):
        form = RoundForm(meta={"csrf": False})
        assert [c.value for c in form.tie_break.choices] == list(ranking.PRESETS)
        assert [c.label for c in form.tie_break.choices] == [
            "Điểm → dự đoán → thời gian → nộp sớm (mặc định)",
            "Điểm → dự đoán → nộp sớm",
            "Điểm → thời gian → dự đoán",
            "Điểm → thời gian → ít lượt thi",
        ]
        assert [c.value for c in form.prediction_target.choices] == list(ranking.TARGETS)
        assert [c.label for c in form.prediction_target.choices] == [
            str(t.choice) for t in ranking.TARGETS.values()
        ]


def test_difficulty_words_are_the_bank_words():
    assert [d.label for d in Difficulty] == ["Dễ", "Trung bình", "Khó"]
