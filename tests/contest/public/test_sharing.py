"""Sharing (issue 15 item 4): Open Graph and Twitter meta on every public contest, round and
results page, absolute URLs, and the 1200 × 630 PNG share card (size, text kept inside,
cache on disk with ETag and Cache-Control)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from contest.services import og_cards, result_closing, result_publishing
from tests.conftest import NOW

META_RE = re.compile(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">')


def meta_of(html: str) -> dict[str, str]:
    return {k: unescape(v) for k, v in META_RE.findall(html)}


def assert_share_meta(meta: dict[str, str], base: str) -> None:
    for key in ("og:title", "og:description", "og:image", "og:url", "og:type"):
        assert meta.get(key), key
    assert meta["og:locale"] == "vi_VN"
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["og:url"].startswith(base) and meta["og:image"].startswith(base)
    assert meta["og:image:width"] == "1200" and meta["og:image:height"] == "630"


def published_result(db, round_, make_user):
    round_.closes_at = NOW - timedelta(hours=1)
    round_.opens_at = NOW - timedelta(days=2)
    db.session.commit()
    outcome = result_closing.close_round(round_, actor=None, now=NOW)
    result_publishing.publish_result(
        round_, outcome.result.id, actor=make_user(), now=NOW, early=True
    )
    db.session.commit()
    return outcome.result


def test_contest_round_and_results_pages_have_og_and_twitter_meta(
    app, client, db, make_round, make_user
):
    r = make_round()
    contest = r.contest
    base = "http://localhost"
    pages = {
        f"/cuoc-thi/{contest.slug}": contest.title,
        f"/dot-thi/{r.id}": r.name,
        f"/dot-thi/{r.id}/ket-qua": r.name,  # not yet published: the round's card
    }
    for path, title in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        meta = meta_of(response.get_data(as_text=True))
        assert_share_meta(meta, base)
        assert title in meta["og:title"]
        assert meta["og:url"] == base + path
    published_result(db, r, make_user)
    meta = meta_of(client.get(f"/dot-thi/{r.id}/ket-qua").get_data(as_text=True))
    assert_share_meta(meta, base)
    assert meta["og:title"].startswith("Kết quả")
    assert f"/anh-chia-se/ket-qua/{r.id}.png" in meta["og:image"]


def test_public_base_url_is_used_when_set(app, client, db, make_round):
    r = make_round()
    app.config["PUBLIC_BASE_URL"] = "https://hoithi.example.vn"
    try:
        meta = meta_of(client.get(f"/cuoc-thi/{r.contest.slug}").get_data(as_text=True))
    finally:
        app.config["PUBLIC_BASE_URL"] = ""
    assert meta["og:url"] == f"https://hoithi.example.vn/cuoc-thi/{r.contest.slug}"
    assert meta["og:image"].startswith(
        f"https://hoithi.example.vn/anh-chia-se/cuoc-thi/{r.contest.slug}.png?v="
    )


def test_card_is_a_1200_by_630_png_cached_on_disk_with_etag(app, client, db, make_round):
    r = make_round()
    folder = Path(app.config["SHARE_CARD_DIR"])
    path = f"/anh-chia-se/dot-thi/{r.id}.png"
    first = client.get(path)
    assert first.status_code == 200 and first.mimetype == "image/png"
    image = Image.open(io.BytesIO(first.data))
    assert image.format == "PNG" and image.size == (1200, 630)
    assert (
        "public" in first.headers["Cache-Control"]
        and "max-age=3600" in first.headers["Cache-Control"]
    )
    etag = first.headers["ETag"].strip('"')
    assert (folder / f"{etag}.png").read_bytes() == first.data
    # A second request is read from disk; the browser's copy is answered 304.
    mtime = (folder / f"{etag}.png").stat().st_mtime_ns
    assert client.get(path).data == first.data
    assert (folder / f"{etag}.png").stat().st_mtime_ns == mtime
    assert client.get(path, headers={"If-None-Match": f'"{etag}"'}).status_code == 304
    for other in (f"/anh-chia-se/cuoc-thi/{r.contest.slug}.png",):
        assert Image.open(io.BytesIO(client.get(other).data)).size == (1200, 630)


def test_unpublished_things_have_no_card(client, db, make_round):
    draft = make_round(published_at=None)
    assert client.get(f"/anh-chia-se/dot-thi/{draft.id}.png").status_code == 404
    assert client.get(f"/dot-thi/{draft.id}").status_code == 404
    r = make_round()
    assert client.get(f"/anh-chia-se/ket-qua/{r.id}.png").status_code == 404
    hidden = make_round(published=False)
    assert client.get(f"/anh-chia-se/cuoc-thi/{hidden.contest.slug}.png").status_code == 404


def test_card_shows_the_contest_round_dates_and_organiser_and_no_personal_data(
    app, client, db, make_round
):
    r = make_round()
    with app.test_request_context():
        from contest.public.sharing import _card

        card = _card("round", r.contest, r)
    assert card.title == r.contest.title and card.subtitle == r.name
    assert card.dates == (
        f"{(r.opens_at + timedelta(hours=7)).strftime('%d/%m/%Y')} – "
        f"{(r.closes_at + timedelta(hours=7)).strftime('%d/%m/%Y')}"
    )
    assert card.organiser == app.config["ORGANISER_NAME"]
    texts = [line.text for line in og_cards.layout(card)]
    assert r.name in texts and card.dates in texts


words = st.text(
    alphabet=st.sampled_from("aăâbcdđeêghiklmnoôơpqrstuưvxyÀẢÃÁẠẰẲẴẮẶẦẨẪẤẬỀỂỄẾỆỒỔỖỐỘỜỞỠỚỢỪỬỮỨỰ–-"),
    min_size=1,
    max_size=40,
)
texts = st.lists(words, min_size=0, max_size=40).map(" ".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=texts, subtitle=texts, organiser=texts, dates=st.booleans())
def test_no_text_ever_runs_off_the_card_or_overlaps(title, subtitle, organiser, dates):
    card = og_cards.Card(
        kicker="Đợt thi",
        title=title,
        subtitle=subtitle,
        dates="01/12/2026 – 31/12/2026" if dates else "",
        organiser=organiser,
        site="Hội thi trực tuyến",
    )
    lines = og_cards.layout(card)
    for line in lines:
        left, top, right, bottom = line.box
        assert left >= 0 and right <= og_cards.WIDTH - og_cards.MARGIN + 1, line
        assert top >= 0 and bottom <= og_cards.HEIGHT, line
    ordered = sorted(lines, key=lambda line: line.box[1])
    for upper, lower in zip(ordered, ordered[1:], strict=False):
        assert upper.box[3] <= lower.box[1] + 2, (upper, lower)
    # Everything but the organiser stays above the bottom band.
    top_block = [line for line in lines if line.box[1] < og_cards.BAND_TOP]
    assert all(line.box[3] <= og_cards.BAND_TOP for line in top_block)
    # The title is shown whole, or cut with an ellipsis.
    shown = " ".join(line.text for line in lines if line.bold and line.colour == og_cards.WHITE)
    assert (
        shown.replace(" ", "") == " ".join(title.split()).replace(" ", "")
        or shown.endswith(og_cards.ELLIPSIS)
        or not title.strip()
    )


def test_card_digest_changes_with_any_input():
    a = og_cards.Card("Cuộc thi", "Tên", "Tuần 1", "01/12/2026", "Ban Tổ chức", "Hội thi")
    assert (
        a.digest()
        != og_cards.Card(
            "Cuộc thi", "Tên", "Tuần 2", "01/12/2026", "Ban Tổ chức", "Hội thi"
        ).digest()
    )
    png = og_cards.render_png(a)
    assert Image.open(io.BytesIO(png)).size == (1200, 630)
