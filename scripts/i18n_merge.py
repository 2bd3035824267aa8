"""Rebuild the English catalogue from the source: extract every message (Python and
templates, as ``make messages`` does), keep the translations the catalogue has, add the
ones given in JSON files ({"Vietnamese message id": "English"}), write messages.po and
compile messages.mo. Lists the messages still without English.

    python scripts/i18n_merge.py [PARTS_DIR]      (default: no extra translations)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "contest" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "lazy_ngettext": (1, 2),
    "N_": None,
}


def _wanted_directory(dirpath: str) -> bool:
    """Babel skips folders starting with "_" by default; templates/_macros has messages."""
    name = Path(dirpath).name
    return not name.startswith(".") and name not in ("__pycache__", "node_modules")


def extracted() -> Catalog:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    template = Catalog(locale="en")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=KEYWORDS,
        strip_comment_tags=True,
        directory_filter=_wanted_directory,
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def main() -> int:
    parts: dict[str, str] = {}
    if len(sys.argv) > 1:
        for path in sorted(Path(sys.argv[1]).glob("*.json")):
            parts.update(json.loads(path.read_text(encoding="utf-8")))
    with PO.open("rb") as f:
        old = read_po(f)
    known = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in old if m.id}
    catalog = Catalog(locale="en", project="hoi-thi-truc-tuyen", fuzzy=False)
    missing = []
    for message in extracted():
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        string = known.get(key) or parts.get(key) or ""
        if isinstance(message.id, tuple) and not isinstance(string, tuple | list):
            string = (string, string) if string else ("", "")
        if not string or (isinstance(string, tuple | list) and not all(string)):
            missing.append(key)
        catalog.add(
            message.id,
            tuple(string) if isinstance(string, list) else string,
            locations=message.locations,
            auto_comments=message.auto_comments,
        )
    with PO.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False, sort_output=False)
    with PO.with_suffix(".mo").open("wb") as f:
        write_mo(f, catalog)
    print(f"{len(catalog)} messages, {len(missing)} without English")
    for key in missing:
        print("  missing:", key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
