"""Apply one window of upstream changes to one downstream project, set-based.

A window is the upstream rows whose ``change_seq`` lies in ``(lo, hi]``. Reading current rows
rather than a log coalesces repeated edits. Each statement is an INSERT … SELECT or an UPDATE
over the whole window, so the cost per window is a fixed number of statements, not one per
row — this is what makes an initial copy of 50,000 revisions take seconds.

Copies are matched to their upstream rows by ``(downstream project, upstream_uuid)``, which is
unique in the database: every statement is idempotent, so replaying a window is a no-op.

Which rows are copied: published, live upstream revisions, with the area, set and drawing
they hang on (created on first need, from their current upstream state). An upstream row
whose copy already exists is updated from upstream (single source of truth), whatever the
copy's own published state. An upstream revision that was unpublished or deleted marks its
copy *withdrawn upstream*; a later re-publish clears the mark. Nothing is ever deleted here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection as db
from django.db.models import Field, Model

from sheetflow.drawings.models import Area, Drawing, DrawingSet, Revision


def _table(model: type[Model]) -> str:
    return db.ops.quote_name(model._meta.db_table)


def _col(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return db.ops.quote_name(field.column)


WANTED_REVISIONS = "sync_wanted_revisions"
WANTED_DRAWINGS = "sync_wanted_drawings"


def _new_uuid_sql() -> str:
    # UUIDField is a native uuid on PostgreSQL and 32 hex characters on SQLite.
    if db.vendor == "postgresql":
        return "gen_random_uuid()"
    return "lower(hex(randomblob(16)))"


@dataclass(frozen=True)
class Window:
    """One window of upstream changes for one connection."""

    upstream_id: int
    downstream_id: int
    lo: int
    hi: int
    seq: int  # the downstream change_seq given to every row this window writes
    now: dt.datetime
    company_name: str
    project_name: str


@dataclass
class Applied:
    """What a window did downstream."""

    created: int = 0  # new revision copies
    updated: int = 0  # existing revision copies refreshed
    withdrawn: int = 0


class _Sql:
    """Builds the statements for one model: which columns are copied, which are set here."""

    def __init__(self, model: type[Model], copied: list[str], fixed: dict[str, str]) -> None:
        self.model = model
        self.table = _table(model)
        self.copied = copied
        # Every other concrete column must be set explicitly (the database has no defaults
        # for Django fields), so a new field on the model fails loudly here, not silently.
        names = [
            f.name
            for f in model._meta.concrete_fields
            if not f.primary_key and f.name not in copied
        ]
        missing = set(names) - set(fixed)
        if missing:
            raise RuntimeError(f"sync: say how to copy {model.__name__}.{sorted(missing)}")
        self.fixed = {name: fixed[name] for name in names}

    def insert_columns(self) -> str:
        return ", ".join(_col(self.model, n) for n in [*self.copied, *self.fixed])

    def insert_values(self, alias: str) -> str:
        values = [f"{alias}.{_col(self.model, n)}" for n in self.copied]
        return ", ".join([*values, *self.fixed.values()])


def _statements() -> dict[str, Any]:
    """The SQL of a window, built once per process (names come from the models)."""
    t_area, t_set, t_drawing, t_rev = (_table(m) for m in (Area, DrawingSet, Drawing, Revision))
    c = _col
    uuid_sql = _new_uuid_sql()
    # Parameters are named in the order they appear; see _params().
    area = _Sql(
        Area,
        ["name", "position"],
        {
            "uuid": uuid_sql,
            "project": "%(down)s",
            "change_seq": "%(seq)s",
            "deleted_at": "NULL",
            "upstream_uuid": f"u.{c(Area, 'uuid')}",
            "created_at": "%(now)s",
        },
    )
    dset = _Sql(
        DrawingSet,
        ["name", "date"],
        {
            "uuid": uuid_sql,
            "project": "%(down)s",
            "change_seq": "%(seq)s",
            "deleted_at": "NULL",
            "upstream_uuid": f"u.{c(DrawingSet, 'uuid')}",
            "created_at": "%(now)s",
        },
    )
    drawing = _Sql(
        Drawing,
        ["number", "title", "discipline", "status", "position"],
        {
            "uuid": uuid_sql,
            "project": "%(down)s",
            "change_seq": "%(seq)s",
            "deleted_at": "NULL",
            "upstream_uuid": f"u.{c(Drawing, 'uuid')}",
            "area": f"da.{c(Area, 'id')}",
            "current_revision": "NULL",
            "latest_revision": "NULL",
            "is_synced": "%(true)s",
            "upstream_company_name": "%(company)s",
            "upstream_project_name": "%(project)s",
            "created_at": "%(now)s",
        },
    )
    revision = _Sql(
        Revision,
        [
            "revision_number",
            "revision_status",
            "title",
            "drawing_date",
            "received_date",
            "sheet",
            "thumbnail",
            "image",
            "render_failed",
            "source_name",
        ],
        {
            "uuid": uuid_sql,
            "project": "%(down)s",
            "change_seq": "%(seq)s",
            "deleted_at": "NULL",
            "upstream_uuid": f"u.{c(Revision, 'uuid')}",
            "drawing": f"dd.{c(Drawing, 'id')}",
            "drawing_set": f"ds.{c(DrawingSet, 'id')}",
            "is_published": "%(false)s",
            "published_at": "NULL",
            "published_by": "NULL",
            "withdrawn_upstream_at": "NULL",
            "created_at": "%(now)s",
            "created_by": "NULL",
        },
    )

    # Upstream revisions in the window that are published and live: the ones to copy.
    in_window = (
        f"u.{c(Revision, 'project')} = %(up)s AND u.{c(Revision, 'change_seq')} > %(lo)s "
        f"AND u.{c(Revision, 'change_seq')} <= %(hi)s"
    )
    publishable = (
        f"{in_window} AND u.{c(Revision, 'is_published')} = %(true)s "
        f"AND u.{c(Revision, 'deleted_at')} IS NULL"
    )

    def copy_exists(table: str, model: type[Model], alias: str = "u") -> str:
        return (
            f"EXISTS (SELECT 1 FROM {table} x WHERE x.{c(model, 'project')} = %(down)s "
            f"AND x.{c(model, 'upstream_uuid')} = {alias}.{c(model, 'uuid')})"
        )

    def changed(model: type[Model], alias: str = "u") -> str:
        return (
            f"{alias}.{c(model, 'project')} = %(up)s AND {alias}.{c(model, 'change_seq')} > %(lo)s "
            f"AND {alias}.{c(model, 'change_seq')} <= %(hi)s"
        )

    # The revisions a window touches: published ones to copy, and any with a copy already
    # (to refresh). Their drawings, sets and areas must have copies before they do, and so
    # must the areas of drawings whose copies are refreshed (a drawing may change area).
    wanted_revs = (
        f"SELECT u.{c(Revision, 'id')} FROM {t_rev} u WHERE {publishable} "
        f"UNION SELECT u.{c(Revision, 'id')} FROM {t_rev} u "
        f"WHERE {in_window} AND {copy_exists(t_rev, Revision)}"
    )
    # Worked out once per window into two scratch tables (temporary: per connection, never
    # shared), then used by the statements that copy areas, sets and drawings.
    wanted_rev_ids = f"SELECT w.id FROM {WANTED_REVISIONS} w"
    wanted_drawings_sql = (
        f"SELECT r.{c(Revision, 'drawing')} FROM {t_rev} r "
        f"WHERE r.{c(Revision, 'id')} IN ({wanted_rev_ids}) "
        f"UNION SELECT u.{c(Drawing, 'id')} FROM {t_drawing} u "
        f"WHERE {changed(Drawing)} AND {copy_exists(t_drawing, Drawing)}"
    )
    wanted_drawings = f"SELECT w.id FROM {WANTED_DRAWINGS} w"
    wanted_sets = (
        f"SELECT r.{c(Revision, 'drawing_set')} FROM {t_rev} r "
        f"WHERE r.{c(Revision, 'id')} IN ({wanted_rev_ids}) "
        f"AND r.{c(Revision, 'drawing_set')} IS NOT NULL"
    )
    wanted_areas = (
        f"SELECT w.{c(Drawing, 'area')} FROM {t_drawing} w "
        f"WHERE w.{c(Drawing, 'id')} IN ({wanted_drawings})"
    )
    scratch = [
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {WANTED_REVISIONS} (id BIGINT PRIMARY KEY)",
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {WANTED_DRAWINGS} (id BIGINT PRIMARY KEY)",
        f"DELETE FROM {WANTED_REVISIONS}",
        f"DELETE FROM {WANTED_DRAWINGS}",
        f"INSERT INTO {WANTED_REVISIONS} (id) {wanted_revs}",
        f"INSERT INTO {WANTED_DRAWINGS} (id) {wanted_drawings_sql}",
    ]

    def insert_parents(sql: _Sql, model: type[Model], table: str, wanted: str) -> str:
        return (
            f"INSERT INTO {table} ({sql.insert_columns()}) "
            f"SELECT {sql.insert_values('u')} FROM {table} u "
            f"WHERE u.{c(model, 'id')} IN ({wanted}) AND NOT {copy_exists(table, model)}"
        )

    def refresh(sql: _Sql, model: type[Model], table: str, extra: dict[str, str]) -> str:
        """UPDATE the copies of upstream rows changed in the window, from upstream."""
        up = (
            f"(SELECT {{col}} FROM {table} u "
            f"WHERE u.{c(model, 'uuid')} = {table}.{c(model, 'upstream_uuid')})"
        )
        sets = [f"{c(model, n)} = " + up.format(col=f"u.{c(model, n)}") for n in sql.copied]
        sets += [f"{c(model, n)} = {expr}" for n, expr in extra.items()]
        sets.append(f"{c(model, 'change_seq')} = %(seq)s")
        # Copies this window has just created are current already.
        return (
            f"UPDATE {table} SET {', '.join(sets)} "
            f"WHERE {c(model, 'project')} = %(down)s AND {c(model, 'created_at')} <> %(now)s "
            f"AND {c(model, 'upstream_uuid')} IN "
            f"(SELECT u.{c(model, 'uuid')} FROM {table} u WHERE u.{c(model, 'project')} = %(up)s "
            f"AND u.{c(model, 'change_seq')} > %(lo)s AND u.{c(model, 'change_seq')} <= %(hi)s)"
        )

    area_of_copy = (
        f"(SELECT da.{c(Area, 'id')} FROM {t_drawing} u JOIN {t_area} ua "
        f"ON ua.{c(Area, 'id')} = u.{c(Drawing, 'area')} JOIN {t_area} da "
        f"ON da.{c(Area, 'project')} = %(down)s "
        f"AND da.{c(Area, 'upstream_uuid')} = ua.{c(Area, 'uuid')} "
        f"WHERE u.{c(Drawing, 'uuid')} = {t_drawing}.{c(Drawing, 'upstream_uuid')})"
    )
    set_of_copy = (
        f"(SELECT ds.{c(DrawingSet, 'id')} FROM {t_rev} u JOIN {t_set} us "
        f"ON us.{c(DrawingSet, 'id')} = u.{c(Revision, 'drawing_set')} JOIN {t_set} ds "
        f"ON ds.{c(DrawingSet, 'project')} = %(down)s "
        f"AND ds.{c(DrawingSet, 'upstream_uuid')} = us.{c(DrawingSet, 'uuid')} "
        f"WHERE u.{c(Revision, 'uuid')} = {t_rev}.{c(Revision, 'upstream_uuid')})"
    )
    withdrawn = (
        f"CASE WHEN (SELECT u.{c(Revision, 'is_published')} = %(true)s "
        f"AND u.{c(Revision, 'deleted_at')} IS NULL FROM {t_rev} u "
        f"WHERE u.{c(Revision, 'uuid')} = {t_rev}.{c(Revision, 'upstream_uuid')}) "
        f"THEN NULL ELSE COALESCE({c(Revision, 'withdrawn_upstream_at')}, %(now)s) END"
    )

    # The area of a new drawing copy may be one whose copy this window just made; the set of
    # a new revision copy likewise, so parents are inserted first.
    insert_drawings = (
        f"INSERT INTO {t_drawing} ({drawing.insert_columns()}) "
        f"SELECT {drawing.insert_values('u')} FROM {t_drawing} u "
        f"JOIN {t_area} ua ON ua.{c(Area, 'id')} = u.{c(Drawing, 'area')} "
        f"JOIN {t_area} da ON da.{c(Area, 'project')} = %(down)s "
        f"AND da.{c(Area, 'upstream_uuid')} = ua.{c(Area, 'uuid')} "
        f"WHERE u.{c(Drawing, 'id')} IN ({wanted_drawings}) "
        f"AND NOT {copy_exists(t_drawing, Drawing)}"
    )
    # Driven from the window's upstream revisions (an index range), never from the
    # downstream's copies: CROSS JOIN makes SQLite keep this order, so the cost follows the
    # window's size, not the size of the downstream project.
    insert_revisions = (
        f"INSERT INTO {t_rev} ({revision.insert_columns()}) "
        f"SELECT {revision.insert_values('u')} FROM {t_rev} u "
        f"CROSS JOIN {t_drawing} ud CROSS JOIN {t_drawing} dd "
        f"LEFT JOIN {t_set} us ON us.{c(DrawingSet, 'id')} = u.{c(Revision, 'drawing_set')} "
        f"LEFT JOIN {t_set} ds ON ds.{c(DrawingSet, 'project')} = %(down)s "
        f"AND ds.{c(DrawingSet, 'upstream_uuid')} = us.{c(DrawingSet, 'uuid')} "
        f"WHERE {publishable} AND ud.{c(Drawing, 'id')} = u.{c(Revision, 'drawing')} "
        f"AND dd.{c(Drawing, 'project')} = %(down)s "
        f"AND dd.{c(Drawing, 'upstream_uuid')} = ud.{c(Drawing, 'uuid')} "
        f"AND NOT {copy_exists(t_rev, Revision)}"
    )
    # Copies whose upstream revision changed in the window (edited, unpublished, deleted,
    # re-published), excluding the ones this window has just created.
    refresh_revisions = refresh(
        revision,
        Revision,
        t_rev,
        {
            "drawing_set": set_of_copy,
            "withdrawn_upstream_at": withdrawn,
        },
    )
    count_withdrawn = (
        f"SELECT COUNT(*) FROM {t_rev} WHERE {c(Revision, 'project')} = %(down)s "
        f"AND {c(Revision, 'change_seq')} = %(seq)s "
        f"AND {c(Revision, 'withdrawn_upstream_at')} IS NOT NULL"
    )
    # Drawings whose revisions changed in this window get their pointers recomputed, set-based:
    # the newest live revision (latest) and the newest published one (current), by drawing
    # date, received date, then id — the drawings app's order.
    touched = (
        f"SELECT r.{c(Revision, 'drawing')} FROM {t_rev} r "
        f"WHERE r.{c(Revision, 'project')} = %(down)s AND r.{c(Revision, 'change_seq')} = %(seq)s"
    )

    def newest(column: str, only_published: bool) -> str:
        published = f"AND r.{c(Revision, 'is_published')} = %(true)s " if only_published else ""
        return (
            f"WITH ranked AS (SELECT r.{c(Revision, 'drawing')} AS drawing_id, "
            f"r.{c(Revision, 'id')} AS revision_id, ROW_NUMBER() OVER (PARTITION BY "
            f"r.{c(Revision, 'drawing')} ORDER BY r.{c(Revision, 'drawing_date')} DESC, "
            f"r.{c(Revision, 'received_date')} DESC, r.{c(Revision, 'id')} DESC) AS n "
            f"FROM {t_rev} r WHERE r.{c(Revision, 'drawing')} IN ({touched}) "
            f"AND r.{c(Revision, 'deleted_at')} IS NULL {published}) "
            f"UPDATE {t_drawing} SET {c(Drawing, column)} = ranked.revision_id FROM ranked "
            f"WHERE ranked.drawing_id = {t_drawing}.{c(Drawing, 'id')} AND ranked.n = 1"
        )

    pointers = [
        newest("latest_revision", only_published=False),
        newest("current_revision", only_published=True),
    ]
    return {
        "scratch": scratch,
        "statements": [
            ("areas", insert_parents(area, Area, t_area, wanted_areas)),
            ("sets", insert_parents(dset, DrawingSet, t_set, wanted_sets)),
            ("refresh_areas", refresh(area, Area, t_area, {})),
            ("refresh_sets", refresh(dset, DrawingSet, t_set, {})),
            ("drawings", insert_drawings),
            (
                "refresh_drawings",
                refresh(
                    drawing, Drawing, t_drawing, {"area": area_of_copy, "is_synced": "%(true)s"}
                ),
            ),
            ("revisions", insert_revisions),
            ("refresh_revisions", refresh_revisions),
        ],
        "count_withdrawn": count_withdrawn,
        "pointers": pointers,
    }


_SQL: dict[str, Any] | None = None


def _sql() -> dict[str, Any]:
    global _SQL
    key = db.vendor
    if _SQL is None or _SQL.get("vendor") != key:
        _SQL = {"vendor": key, **_statements()}
    return _SQL


def _params(window: Window) -> dict[str, Any]:
    return {
        "up": window.upstream_id,
        "down": window.downstream_id,
        "lo": window.lo,
        "hi": window.hi,
        "seq": window.seq,
        "now": db.ops.adapt_datetimefield_value(window.now),
        "true": True,
        "false": False,
        "company": window.company_name,
        "project": window.project_name,
    }


def apply_window(window: Window) -> Applied:
    """Apply the window's upstream changes downstream (call inside the window's transaction)."""
    sql = _sql()
    params = _params(window)
    applied = Applied()
    with db.cursor() as cursor:
        for statement in sql["scratch"]:
            cursor.execute(statement, params)
        for name, statement in sql["statements"]:
            cursor.execute(statement, params)
            if name == "revisions":
                applied.created = max(cursor.rowcount, 0)
            elif name == "refresh_revisions":
                applied.updated = max(cursor.rowcount, 0)
        if applied.created or applied.updated:
            for statement in sql["pointers"]:
                cursor.execute(statement, params)
        if applied.updated:
            cursor.execute(sql["count_withdrawn"], params)
            applied.withdrawn = int(cursor.fetchone()[0])
    return applied
