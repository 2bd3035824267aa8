"""Version numbers of the caches that every app process and server must agree on
(``contest.services.shared_cache``): one row per cache, bumped in the transaction that
makes the cached data stale."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from contest.extensions import db


class CacheVersion(db.Model):
    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
