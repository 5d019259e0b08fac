"""Declarative base, constraint naming convention, the UTC datetime type and aliases
made once."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, aliased, mapped_column, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


@functools.cache
def shared_alias(model, name: str):
    """An alias of ``model`` named ``name``, made once per process. A fresh alias builds
    its column collection again on first use (milliseconds for a wide model), which
    policies that alias a table on every list, feed and search paid on every request.
    Made on first use, not at import: an alias configures the mappers."""
    return aliased(model, name=name)


def upsert_insert(target):
    """INSERT into ``target`` (a model or table) in the session's dialect, so the statement
    has ``on_conflict_do_nothing`` / ``on_conflict_do_update`` (PostgreSQL and SQLite
    spell ON CONFLICT alike; SQLAlchemy has one construct per dialect)."""
    from sqlalchemy.dialects import postgresql, sqlite

    from flo_portal.core.extensions import db

    table = getattr(target, "__table__", target)
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


LIKE_ESCAPE = "\\"


def contains_pattern(term: str) -> str:
    """``%term%`` for ``LIKE ... ESCAPE LIKE_ESCAPE``: a ``%`` or ``_`` typed in a search box
    matches itself, not any text."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def any_contains(term: str, *columns) -> sa.ColumnElement[bool]:
    """The filter of a list's search box: ``term`` inside any of ``columns``, ignoring
    case (``lower(column) LIKE '%term%'``). The caller trims ``term`` and skips an empty one."""
    like = contains_pattern(term.lower())
    return sa.or_(*(sa.func.lower(column).like(like, escape=LIKE_ESCAPE) for column in columns))


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC; always hands back aware UTC datetimes.

    SQLite has no time zones, so values are normalised to UTC on the way in and
    tagged UTC on the way out. Naive datetimes are refused: they are bugs.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def str_enum(enum_cls: type, length: int = 40) -> sa.Enum:
    """A portable enum column storing the StrEnum's *values* (not its names)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
        create_constraint=False,
    )
