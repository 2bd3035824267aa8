"""Helpers for the round form tests: read a rendered form back as a browser would post it."""

from __future__ import annotations

from bs4 import BeautifulSoup

from contest.models import Role, Round


def form_fields(html: str) -> list[tuple[str, str]]:
    """The name/value pairs a browser would post for the page's main form (the POST form
    with the most fields, not the menu's sign-out button): inputs, checked checkboxes,
    textareas and selected options; disabled fields left out."""
    soup = BeautifulSoup(html, "html.parser")
    forms = soup.find_all("form", attrs={"method": "post"})
    assert forms, "no form on the page"
    form = max(forms, key=lambda f: len(f.find_all(["input", "textarea", "select"])))
    pairs: list[tuple[str, str]] = []
    for tag in form.find_all(["input", "textarea", "select"]):
        name = tag.get("name")
        if not name or tag.has_attr("disabled"):
            continue
        if tag.name == "textarea":
            text = tag.text  # a browser drops the newline right after <textarea>
            pairs.append((name, text[2:] if text.startswith("\r\n") else text.removeprefix("\n")))
        elif tag.name == "select":
            options = tag.find_all("option")
            chosen = [o for o in options if o.has_attr("selected")]
            if not chosen and options and not tag.has_attr("multiple"):
                chosen = options[:1]  # a browser posts a single select's first option
            pairs.extend((name, o.get("value", o.text)) for o in chosen)
        elif tag.get("type") in ("checkbox", "radio"):
            if tag.has_attr("checked"):
                pairs.append((name, tag.get("value", "on")))
        elif tag.get("type") not in ("submit", "button"):
            pairs.append((name, tag.get("value", "")))
    return pairs


def as_multidict(pairs: list[tuple[str, str]]):
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)


def round_columns(round_: Round) -> dict:
    """Every column of the round row."""
    return {c.key: getattr(round_, c.key) for c in Round.__mapper__.column_attrs}


def edit_path(round_: Round) -> str:
    return f"/ban-to-chuc/cuoc-thi/{round_.contest_id}/dot-thi/{round_.id}/sua"


def sign_in_organiser(make_user, login):
    user = make_user(role=Role.organiser)
    login(user)
    return user
