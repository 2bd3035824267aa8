"""The demo question bank shipped with the package (built by ``scripts/build_demo_bank.py``)."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

__all__ = ["demo_bank_bytes", "demo_bank_path"]


def demo_bank_path() -> Traversable:
    """Return the packaged ``data/demo_bank.xlsx`` (a ``pathlib.Path`` for a normal install)."""
    return files("question_bank").joinpath("data", "demo_bank.xlsx")


def demo_bank_bytes() -> bytes:
    """Return the bytes of the packaged demo bank (60 questions), ready for ``parse_bank``."""
    return demo_bank_path().read_bytes()
