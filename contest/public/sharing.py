"""Sharing (docs/sharing.md): the public round page, the Open Graph and Twitter meta of
every public contest, round and results page, their 1200 × 630 share cards, the referral
cookie, and the share box of a participant's own result.

Absolute URLs start at ``PUBLIC_BASE_URL`` when it is set (the address people know the
site by, behind any proxy), else at the request's own host.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from contest.db import utcnow
from contest.extensions import db
from contest.models import Role, User
from contest.public.views import bp
from contest.services import funnel, og_cards, referral_prizes, referrals, result_pages, rounds
from contest.services.formatting import format_datetime_vn
from contest.web import referral_link

CARD_MAX_AGE = 3600  # a card changes only with the contest's texts: its URL carries a hash


@bp.before_app_request
def _capture_referral():
    referral_link.capture()


@bp.after_app_request
def _store_referral(response):
    return referral_link.store(response)


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` on the public address (``PUBLIC_BASE_URL`` or the
    request's host)."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    return base + url_for(endpoint, **values)


def _published_round(round_id: int):
    round_ = rounds.get_round_any(round_id)
    if not (round_.is_published and round_.contest.is_published):
        abort(404)
    return round_


def _dates(contest, round_=None) -> str:
    """The dates a card and description show: the round's window, else the contest's
    (its own dates, else the span of its published rounds), in Vietnam time."""
    if round_ is not None:
        start, end = round_.opens_at, round_.closes_at
    else:
        published = rounds.published_rounds(contest)
        start = contest.starts_at or min((r.opens_at for r in published), default=None)
        end = contest.ends_at or max((r.closes_at for r in published), default=None)
    if start is None or end is None:
        return ""
    return f"{format_datetime_vn(start, '%d/%m/%Y')} – {format_datetime_vn(end, '%d/%m/%Y')}"


def _card(kind: str, contest, round_=None) -> og_cards.Card:
    kicker = {"contest": _("Cuộc thi"), "round": _("Đợt thi"), "result": _("Kết quả")}[kind]
    return og_cards.Card(
        kicker=kicker,
        title=contest.title,
        subtitle=round_.name if round_ is not None else "",
        dates=_dates(contest, round_),
        organiser=_(current_app.config["ORGANISER_NAME"]),
        site=_(current_app.config["SITE_NAME"]),
    )


def _card_response(card: og_cards.Card):
    data, digest = og_cards.cached_png(card, current_app.config["SHARE_CARD_DIR"])
    response = current_app.response_class(data, mimetype="image/png")
    response.set_etag(digest)
    response.cache_control.public = True
    response.cache_control.max_age = CARD_MAX_AGE
    return response.make_conditional(request)


@bp.route("/anh-chia-se/cuoc-thi/<slug>.png")
def card_contest(slug: str):
    return _card_response(_card("contest", rounds.get_contest_by_slug(slug)))


@bp.route("/anh-chia-se/dot-thi/<int:round_id>.png")
def card_round(round_id: int):
    round_ = _published_round(round_id)
    return _card_response(_card("round", round_.contest, round_))


@bp.route("/anh-chia-se/ket-qua/<int:round_id>.png")
def card_result(round_id: int):
    round_ = _published_round(round_id)
    if result_pages.published_result(round_id) is None:
        abort(404)
    return _card_response(_card("result", round_.contest, round_))


@bp.route("/dot-thi/<int:round_id>")
def round_page(round_id: int):
    """A round's public page: its window, its rules in numbers, the way in, its results."""
    round_ = _published_round(round_id)
    return render_template(
        "public/round.html",
        round=round_,
        contest=round_.contest,
        state=rounds.state_of(round_, utcnow()),
        result=result_pages.published_result(round_id),
        entry=funnel.entry_text(round_id) if round_.qualified_only else None,
    )


def _description(kind: str, contest, round_) -> str:
    dates = _dates(contest, round_)
    if kind == "result":
        return _(
            "Kết quả %(round)s — %(contest)s: danh sách đoạt giải đã được công bố.",
            round=round_.name,
            contest=contest.title,
        )
    if kind == "round":
        return _(
            "%(round)s của %(contest)s, từ %(dates)s. Đăng ký tài khoản và tham gia ngay.",
            round=round_.name,
            contest=contest.title,
            dates=dates,
        )
    if contest.summary:
        return contest.summary
    return _(
        "Tham gia %(contest)s trên %(site)s.",
        contest=contest.title,
        site=_(current_app.config["SITE_NAME"]),
    )


@bp.app_template_global()
def share_meta(contest, round_=None, kind: str = "contest") -> Markup:
    """The Open Graph and Twitter meta of a public page (``kind``: contest, round or
    result). ``og:url`` keeps a valid ``?ref`` so a re-shared link still credits."""
    if kind == "contest":
        page = public_url(request.endpoint, **(request.view_args or {}))
        image = public_url("public.card_contest", slug=contest.slug)
        title = contest.title
    else:
        page = public_url(request.endpoint, **(request.view_args or {}))
        endpoint = "public.card_result" if kind == "result" else "public.card_round"
        image = public_url(endpoint, round_id=round_.id)
        title = f"{round_.name} — {contest.title}"
        if kind == "result":
            title = _("Kết quả %(round)s — %(contest)s", round=round_.name, contest=contest.title)
    ref = request.args.get("ref", "")
    if referrals.referrer_of(ref) is not None:
        page += ("&" if "?" in page else "?") + "ref=" + quote(ref)
    digest = _card(kind, contest, round_).digest()[:16]
    return Markup(
        render_template(
            "public/_og_meta.html",
            og={
                "title": title,
                "description": _description(kind, contest, round_),
                "url": page,
                "image": f"{image}?v={digest}",
                "image_alt": title,
                "site": _(current_app.config["SITE_NAME"]),
            },
        )
    )


@bp.app_template_global()
def share_box(contest, round_=None) -> dict | None:
    """For a participant's own result: their referral link (made on first use), the
    Facebook share URL and how many came through it. None for anyone else."""
    if not (current_user.is_authenticated and current_user.role is Role.participant):
        return None
    code = referrals.code_for(current_user, now=utcnow())
    db.session.commit()
    url = public_url("quiz.contest_page", slug=contest.slug, ref=code)
    return {
        "url": url,
        "facebook": "https://www.facebook.com/sharer/sharer.php?u=" + quote(url, safe=""),
        "title": contest.title,
        "credited": referrals.credited_count(current_user.id),
        "finished": (
            referrals.round_count(round_.id, current_user.id) if round_ is not None else None
        ),
    }


@bp.app_template_global()
def referral_winners(result) -> list[dict]:
    """The "giải lan tỏa" winners of a result version, for the results pages: place, the
    number of newcomers who finished an attempt, the person (shown masked like the other
    winners) and the prize's name."""
    if result is None:
        return []
    winners = referrals.round_winners(result)
    ids = [s.referrer_id for s in winners]
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    return [
        {
            "rank": s.rank,
            "count": s.count,
            "reached_at": s.reached_at,
            "person": people[s.referrer_id],
            "prize": str(referral_prizes.PRIZE_NAME),
        }
        for s in winners
        if s.referrer_id in people
    ]
