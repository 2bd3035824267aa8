"""Translatable messages for the services, which know no Flask (docs/architecture.md).

``_`` translates now (inside a request: the request's language); ``lazy_gettext`` when
shown. The web layer registers the translator (``contest.web.locale``). The mechanism is the
question bank package's, so the bank's row errors translate the same way.
"""

from question_bank.i18n import LazyText, _, gettext, lazy_gettext, set_translator

__all__ = ["LazyText", "_", "gettext", "lazy_gettext", "set_translator"]
