"""Units (a tree of agencies, communes, schools…) and participant categories."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.db import enum_column
from contest.extensions import db


class UnitKind(enum.Enum):
    province = "province"
    commune = "commune"
    department = "department"
    school = "school"
    organisation = "organisation"
    other = "other"


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("parent_id", "name_key"),
        CheckConstraint("headcount IS NULL OR headcount >= 0", name="headcount_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind), default=UnitKind.other)
    headcount: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.name")

    @property
    def path(self) -> str:
        names, node, seen = [], self, set()
        while node is not None and node.id not in seen:
            seen.add(node.id)
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.name!r}>"


class Category(db.Model):
    """Đối tượng dự thi: an admin-editable list (Cán bộ, công chức…; Học sinh, sinh viên…)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
