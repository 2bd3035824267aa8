"""Translatable text for code that knows no Flask.

Messages are written in Vietnamese (the source language: each Vietnamese text is its own
message id) and marked with ``_`` (translated now) or ``lazy_gettext`` (translated each time
it is shown, for module-level tables and class attributes). Parameters are named:
``_("Dòng %(row)s: thiếu đáp án.", row=5)``.

Nothing here knows where translations come from: the host application registers a
translator once (``set_translator``; the web layer registers Flask-Babel's, which knows the
request's language). Without one, every message is its Vietnamese id, as the CLI prints it.
``pybabel extract`` finds ``_`` and ``lazy_gettext`` calls (babel.cfg, ``make messages``).
"""

from __future__ import annotations

from collections.abc import Callable

_translator: Callable[[str], str] | None = None


def set_translator(translator: Callable[[str], str] | None) -> None:
    """Use ``translator(message_id) -> text`` from now on (None: the Vietnamese ids)."""
    global _translator
    _translator = translator


def gettext(message: str, **params: object) -> str:
    """``message`` in the current language, with ``%(name)s`` placeholders filled."""
    text = _translator(message) if _translator is not None else message
    return text % params if params else text


_ = gettext


class LazyText:
    """A message translated each time it is turned into text.

    It is not a ``str`` (so it cannot be stored or sent by mistake untranslated): templates
    and ``str()`` turn it into text; the web layer's JSON provider does too.
    """

    __slots__ = ("message", "params")

    def __init__(self, message: str, params: dict[str, object]):
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return gettext(self.message, **self.params)

    def __repr__(self) -> str:
        return f"lazy_gettext({self.message!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyText):
            return (self.message, self.params) == (other.message, other.params)
        return str(self) == other

    def __hash__(self) -> int:
        return hash(self.message)

    def __add__(self, other: object) -> str:
        return str(self) + str(other)

    def __radd__(self, other: object) -> str:
        return str(other) + str(self)

    def __contains__(self, item: str) -> bool:
        return item in str(self)

    def __len__(self) -> int:
        return len(str(self))

    def __bool__(self) -> bool:
        return bool(self.message)

    def format(self, *args: object, **kwargs: object) -> str:
        return str(self).format(*args, **kwargs)

    def __mod__(self, values: object) -> str:
        return str(self) % values


def lazy_gettext(message: str, **params: object) -> LazyText:
    """``message``, translated when shown (module-level tables, class attributes)."""
    return LazyText(message, params)
