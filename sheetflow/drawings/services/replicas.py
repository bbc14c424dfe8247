"""Apply one window of an upstream project's changes to a group of downstream projects.

A window is the upstream rows whose ``change_seq`` lies in ``(lo, hi]``. Reading current rows
rather than a log coalesces repeated edits. Every downstream of the group gets the same window
from the same statements: the group is a scratch table of ``(downstream, seq)`` that each
INSERT … SELECT or UPDATE joins, so a window costs a fixed number of statements whether it
goes to one downstream or to five hundred — this is what makes a publish reach a thousand
downstreams in seconds, and an initial copy of 50,000 revisions take seconds.

Copies are matched to their upstream rows by ``(downstream project, upstream_uuid)``, which is
unique in the database: every statement is idempotent, so replaying a window is a no-op.

Which rows are copied: published, live upstream revisions, with the area, set and drawing
they hang on (created on first need, from their current upstream state). An upstream row
whose copy already exists is updated from upstream (single source of truth), whatever the
copy's own published state. An upstream revision that was unpublished or deleted marks its
copy *withdrawn upstream*; a later re-publish clears the mark. A window never deletes.

The caller holds the downstreams' change counters (``seq`` comes from them) and calls this
inside the window's transaction; this module knows nothing of connections. It also owns what
ending a connection does to the copies (``remove_unpublished_copies``, ``release_copies``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection as db
from django.db.models import Exists, Field, Model, OuterRef

from sheetflow.drawings import sequence
from sheetflow.drawings.models import Area, Drawing, DrawingSet, Revision
from sheetflow.drawings.services._common import stamp_all
from sheetflow.drawings.services.revisions import drawing_refresh


def _table(model: type[Model]) -> str:
    return db.ops.quote_name(model._meta.db_table)


def _col(model: type[Model], name: str) -> str:
    found = model._meta.get_field(name)
    assert isinstance(found, Field)
    return db.ops.quote_name(found.column)


# Scratch tables, temporary (per database session, never shared between workers).
GROUP = "sync_group"  # (down, seq): the downstreams of this window and their change number
WANTED_REVISIONS = "sync_wanted_revisions"  # (down, id): upstream revisions each one needs
WANTED_DRAWINGS = "sync_wanted_drawings"  # (down, id): upstream drawings each one needs


def _new_uuid_sql() -> str:
    # UUIDField is a native uuid on PostgreSQL and 32 hex characters on SQLite.
    if db.vendor == "postgresql":
        return "gen_random_uuid()"
    return "lower(hex(randomblob(16)))"


@dataclass(frozen=True)
class GroupWindow:
    """One window of one upstream's changes for a group of downstreams (ids only)."""

    upstream_id: int
    lo: int
    hi: int
    now: dt.datetime
    members: list[tuple[int, int]]  # (downstream project id, change_seq its rows get)
    company_name: str
    project_name: str


@dataclass
class Applied:
    """What a window did in one downstream."""

    created: int = 0  # new revision copies
    updated: int = 0  # existing revision copies refreshed
    withdrawn: int = 0
    new_ids: list[int] = field(default_factory=list)  # the new revision copies, by id


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
    """The SQL of a window, built once per process (names come from the models).

    In every INSERT, ``g`` is the group row of the downstream being written (``g.down``,
    ``g.seq``) and ``u`` the upstream row being copied.
    """
    t_area, t_set, t_drawing, t_rev = (_table(m) for m in (Area, DrawingSet, Drawing, Revision))
    c = _col
    uuid_sql = _new_uuid_sql()
    own = {
        "uuid": uuid_sql,
        "project": "g.down",
        "change_seq": "g.seq",
        "deleted_at": "NULL",
        "created_at": "%(now)s",
    }
    area = _Sql(Area, ["name", "position"], {**own, "upstream_uuid": f"u.{c(Area, 'uuid')}"})
    dset = _Sql(
        DrawingSet, ["name", "date"], {**own, "upstream_uuid": f"u.{c(DrawingSet, 'uuid')}"}
    )
    drawing = _Sql(
        Drawing,
        ["number", "title", "discipline", "status", "position"],
        {
            **own,
            "upstream_uuid": f"u.{c(Drawing, 'uuid')}",
            "area": "m.area_copy",
            "current_revision": "NULL",
            "latest_revision": "NULL",
            "is_synced": "%(true)s",
            "upstream_company_name": "%(company)s",
            "upstream_project_name": "%(project)s",
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
            **own,
            "upstream_uuid": f"u.{c(Revision, 'uuid')}",
            "drawing": "m.drawing_copy",
            "drawing_set": "m.set_copy",
            "is_published": "%(false)s",
            "published_at": "NULL",
            "published_by": "NULL",
            "withdrawn_upstream_at": "NULL",
            "created_by": "NULL",
        },
    )

    def changed(model: type[Model], alias: str = "u") -> str:
        return (
            f"{alias}.{c(model, 'project')} = %(up)s AND {alias}.{c(model, 'change_seq')} > %(lo)s "
            f"AND {alias}.{c(model, 'change_seq')} <= %(hi)s"
        )

    # Upstream revisions in the window that are published and live: the ones to copy.
    in_window = changed(Revision)
    publishable = (
        f"{in_window} AND u.{c(Revision, 'is_published')} = %(true)s "
        f"AND u.{c(Revision, 'deleted_at')} IS NULL"
    )

    def copy_exists(table: str, model: type[Model], down: str = "g.down") -> str:
        # A lookup per row on the (project, upstream_uuid) index, not EXISTS: PostgreSQL turns
        # NOT EXISTS into an anti-join that may hash every project's copies.
        return (
            f"((SELECT x.{c(model, 'id')} FROM {table} x WHERE x.{c(model, 'project')} = {down} "
            f"AND x.{c(model, 'upstream_uuid')} = u.{c(model, 'uuid')} "
            f"AND x.{c(model, 'upstream_uuid')} IS NOT NULL) IS NOT NULL)"
        )

    # The revisions a window touches in each downstream: published ones to copy, and any with
    # a copy there already (to refresh). Their drawings, sets and areas must have copies
    # before they do, and so must the areas of drawings whose copies are refreshed (a drawing
    # may change area). Per downstream, so that a refresh in one never creates parents in
    # another. CROSS JOIN keeps SQLite driven by the window's index range.
    wanted_revs = (
        f"SELECT g.down, u.{c(Revision, 'id')} FROM {t_rev} u CROSS JOIN {GROUP} g "
        f"WHERE {publishable} "
        f"UNION SELECT g.down, u.{c(Revision, 'id')} FROM {t_rev} u CROSS JOIN {GROUP} g "
        f"WHERE {in_window} AND {copy_exists(t_rev, Revision)}"
    )
    wanted_drawings = (
        f"SELECT w.down, r.{c(Revision, 'drawing')} FROM {WANTED_REVISIONS} w "
        f"JOIN {t_rev} r ON r.{c(Revision, 'id')} = w.id "
        f"UNION SELECT g.down, u.{c(Drawing, 'id')} FROM {t_drawing} u CROSS JOIN {GROUP} g "
        f"WHERE {changed(Drawing)} AND {copy_exists(t_drawing, Drawing)}"
    )
    scratch = [
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {GROUP} "
        "(down BIGINT PRIMARY KEY, seq BIGINT NOT NULL)",
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {WANTED_REVISIONS} "
        "(down BIGINT NOT NULL, id BIGINT NOT NULL, PRIMARY KEY (down, id))",
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {WANTED_DRAWINGS} "
        "(down BIGINT NOT NULL, id BIGINT NOT NULL, PRIMARY KEY (down, id))",
        f"DELETE FROM {GROUP}",
        f"DELETE FROM {WANTED_REVISIONS}",
        f"DELETE FROM {WANTED_DRAWINGS}",
    ]
    wanted = [
        f"INSERT INTO {WANTED_REVISIONS} (down, id) {wanted_revs}",
        f"INSERT INTO {WANTED_DRAWINGS} (down, id) {wanted_drawings}",
    ]

    def insert_parents(sql: _Sql, model: type[Model], table: str, needed: str) -> str:
        """``needed`` yields (down, parent): the upstream parents each downstream needs."""
        return (
            f"INSERT INTO {table} ({sql.insert_columns()}) "
            f"SELECT {sql.insert_values('u')} FROM ({needed}) n "
            f"JOIN {GROUP} g ON g.down = n.down JOIN {table} u ON u.{c(model, 'id')} = n.parent "
            f"WHERE NOT {copy_exists(table, model)}"
        )

    needed_sets = (
        f"SELECT DISTINCT w.down AS down, r.{c(Revision, 'drawing_set')} AS parent "
        f"FROM {WANTED_REVISIONS} w JOIN {t_rev} r ON r.{c(Revision, 'id')} = w.id "
        f"WHERE r.{c(Revision, 'drawing_set')} IS NOT NULL"
    )
    needed_areas = (
        f"SELECT DISTINCT w.down AS down, d.{c(Drawing, 'area')} AS parent "
        f"FROM {WANTED_DRAWINGS} w JOIN {t_drawing} d ON d.{c(Drawing, 'id')} = w.id"
    )

    def refresh(sql: _Sql, model: type[Model], table: str, extra: dict[str, str]) -> str:
        """UPDATE the copies of upstream rows changed in the window, from upstream."""
        up = (
            f"(SELECT {{col}} FROM {table} u "
            f"WHERE u.{c(model, 'uuid')} = {table}.{c(model, 'upstream_uuid')})"
        )
        sets = [f"{c(model, n)} = " + up.format(col=f"u.{c(model, n)}") for n in sql.copied]
        sets += [f"{c(model, n)} = {expr}" for n, expr in extra.items()]
        sets.append(
            f"{c(model, 'change_seq')} = (SELECT g.seq FROM {GROUP} g "
            f"WHERE g.down = {table}.{c(model, 'project')})"
        )
        # Copies this window has just created are current already.
        return (
            f"UPDATE {table} SET {', '.join(sets)} "
            f"WHERE {c(model, 'project')} IN (SELECT g.down FROM {GROUP} g) "
            f"AND {c(model, 'upstream_uuid')} IS NOT NULL "
            f"AND {c(model, 'created_at')} <> %(now)s "
            f"AND {c(model, 'upstream_uuid')} IN "
            f"(SELECT u.{c(model, 'uuid')} FROM {table} u WHERE {changed(model)})"
        )

    area_of_copy = (
        f"(SELECT da.{c(Area, 'id')} FROM {t_drawing} u JOIN {t_area} ua "
        f"ON ua.{c(Area, 'id')} = u.{c(Drawing, 'area')} JOIN {t_area} da "
        f"ON da.{c(Area, 'project')} = {t_drawing}.{c(Drawing, 'project')} "
        f"AND da.{c(Area, 'upstream_uuid')} = ua.{c(Area, 'uuid')} "
        f"AND da.{c(Area, 'upstream_uuid')} IS NOT NULL "
        f"WHERE u.{c(Drawing, 'uuid')} = {t_drawing}.{c(Drawing, 'upstream_uuid')})"
    )
    set_of_copy = (
        f"(SELECT ds.{c(DrawingSet, 'id')} FROM {t_rev} u JOIN {t_set} us "
        f"ON us.{c(DrawingSet, 'id')} = u.{c(Revision, 'drawing_set')} JOIN {t_set} ds "
        f"ON ds.{c(DrawingSet, 'project')} = {t_rev}.{c(Revision, 'project')} "
        f"AND ds.{c(DrawingSet, 'upstream_uuid')} = us.{c(DrawingSet, 'uuid')} "
        f"AND ds.{c(DrawingSet, 'upstream_uuid')} IS NOT NULL "
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
    def copy_id(model: type[Model], table: str, of: str) -> str:
        """The id of the copy of upstream row ``of`` in the group member's project."""
        return (
            f"(SELECT x.{c(model, 'id')} FROM {table} x WHERE x.{c(model, 'project')} = g.down "
            f"AND x.{c(model, 'upstream_uuid')} = {of}.{c(model, 'uuid')} "
            f"AND x.{c(model, 'upstream_uuid')} IS NOT NULL)"
        )

    # The copies a new row hangs on are found by a lookup per row (a correlated subquery on
    # the (project, upstream_uuid) index): as a join, PostgreSQL plans them from statistics
    # that do not know about the copies this window has just made, and scans every project's.
    insert_drawings = (
        f"INSERT INTO {t_drawing} ({drawing.insert_columns()}) "
        f"SELECT {drawing.insert_values('u')} FROM ("
        f"SELECT w.id AS wid, w.down AS wdown, {copy_id(Area, t_area, 'ua')} AS area_copy "
        f"FROM {WANTED_DRAWINGS} w JOIN {GROUP} g ON g.down = w.down "
        f"JOIN {t_drawing} u ON u.{c(Drawing, 'id')} = w.id "
        f"JOIN {t_area} ua ON ua.{c(Area, 'id')} = u.{c(Drawing, 'area')} "
        f"WHERE NOT {copy_exists(t_drawing, Drawing)}) m "
        f"JOIN {GROUP} g ON g.down = m.wdown JOIN {t_drawing} u ON u.{c(Drawing, 'id')} = m.wid "
        f"WHERE m.area_copy IS NOT NULL"
    )
    # Driven from the window's upstream revisions (an index range), never from the
    # downstreams' copies: CROSS JOIN makes SQLite keep this order, so the cost follows the
    # window's size times the group's, not the size of the downstream projects. RETURNING
    # says which copies are new and where, without looking for them again.
    insert_revisions = (
        f"INSERT INTO {t_rev} ({revision.insert_columns()}) "
        f"SELECT {revision.insert_values('u')} FROM ("
        f"SELECT u.{c(Revision, 'id')} AS uid, g.down AS gdown, "
        f"{copy_id(Drawing, t_drawing, 'ud')} AS drawing_copy, "
        f"{copy_id(DrawingSet, t_set, 'us')} AS set_copy "
        f"FROM {t_rev} u CROSS JOIN {t_drawing} ud CROSS JOIN {GROUP} g "
        f"LEFT JOIN {t_set} us ON us.{c(DrawingSet, 'id')} = u.{c(Revision, 'drawing_set')} "
        f"WHERE {publishable} AND ud.{c(Drawing, 'id')} = u.{c(Revision, 'drawing')} "
        f"AND NOT {copy_exists(t_rev, Revision)}) m "
        f"JOIN {GROUP} g ON g.down = m.gdown JOIN {t_rev} u ON u.{c(Revision, 'id')} = m.uid "
        f"WHERE m.drawing_copy IS NOT NULL "
        f"RETURNING {c(Revision, 'id')}, {c(Revision, 'project')}"
    )
    # Copies whose upstream revision changed in the window (edited, unpublished, deleted,
    # re-published), excluding the ones this window has just created.
    refresh_revisions = (
        refresh(
            revision,
            Revision,
            t_rev,
            {"drawing_set": set_of_copy, "withdrawn_upstream_at": withdrawn},
        )
        + f" RETURNING {c(Revision, 'project')}"
    )
    count_withdrawn = (
        f"SELECT g.down, COUNT(*) FROM {GROUP} g JOIN {t_rev} r "
        f"ON r.{c(Revision, 'project')} = g.down AND r.{c(Revision, 'change_seq')} = g.seq "
        f"WHERE r.{c(Revision, 'withdrawn_upstream_at')} IS NOT NULL GROUP BY g.down"
    )
    # Drawings whose revisions changed in this window get their pointers recomputed, set-based:
    # the newest live revision (latest) and the newest published one (current), in the
    # drawings app's one order (Revision.NEWEST_FIRST).
    touched = (
        f"SELECT r.{c(Revision, 'drawing')} FROM {GROUP} g JOIN {t_rev} r "
        f"ON r.{c(Revision, 'project')} = g.down AND r.{c(Revision, 'change_seq')} = g.seq"
    )

    # Revision.NEWEST_FIRST, written as SQL.
    newest_first = ", ".join(
        f"r.{c(Revision, name.lstrip('-'))} {'DESC' if name.startswith('-') else 'ASC'}"
        for name in Revision.NEWEST_FIRST
    )

    def newest(column: str, only_published: bool) -> str:
        published = f"AND r.{c(Revision, 'is_published')} = %(true)s " if only_published else ""
        return (
            f"WITH ranked AS (SELECT r.{c(Revision, 'drawing')} AS drawing_id, "
            f"r.{c(Revision, 'id')} AS revision_id, ROW_NUMBER() OVER (PARTITION BY "
            f"r.{c(Revision, 'drawing')} ORDER BY {newest_first}) AS n "
            f"FROM {t_rev} r WHERE r.{c(Revision, 'drawing')} IN ({touched}) "
            f"AND r.{c(Revision, 'deleted_at')} IS NULL {published}) "
            f"UPDATE {t_drawing} SET {c(Drawing, column)} = ranked.revision_id FROM ranked "
            f"WHERE ranked.drawing_id = {t_drawing}.{c(Drawing, 'id')} AND ranked.n = 1"
        )

    return {
        "scratch": scratch,
        "wanted": wanted,
        "statements": [
            ("areas", insert_parents(area, Area, t_area, needed_areas)),
            ("sets", insert_parents(dset, DrawingSet, t_set, needed_sets)),
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
        "pointers": [
            newest("latest_revision", only_published=False),
            newest("current_revision", only_published=True),
        ],
    }


_SQL: dict[str, Any] | None = None


def sql() -> dict[str, Any]:
    """The window's statements for this database (the bench times them one by one)."""
    global _SQL
    key = db.vendor
    if _SQL is None or _SQL.get("vendor") != key:
        _SQL = {"vendor": key, **_statements()}
    return _SQL


def _params(window: GroupWindow) -> dict[str, Any]:
    return {
        "up": window.upstream_id,
        "lo": window.lo,
        "hi": window.hi,
        "now": db.ops.adapt_datetimefield_value(window.now),
        "true": True,
        "false": False,
        "company": window.company_name,
        "project": window.project_name,
    }


# Rows per INSERT of the group table: well under SQLite's limit on parameters.
_GROUP_CHUNK = 1000


def _fill_group(cursor: Any, members: list[tuple[int, int]]) -> None:
    for start in range(0, len(members), _GROUP_CHUNK):
        chunk = members[start : start + _GROUP_CHUNK]
        values = ", ".join(["(%s, %s)"] * len(chunk))
        cursor.execute(
            f"INSERT INTO {GROUP} (down, seq) VALUES {values}",
            [value for member in chunk for value in member],
        )


def _analyze(cursor: Any, *tables: str) -> None:
    # PostgreSQL has no statistics for a temporary table until asked: without them it plans
    # the joins on the group as if it held a few thousand rows, whatever it holds.
    if db.vendor == "postgresql":
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def apply_window(window: GroupWindow) -> dict[int, Applied]:
    """Apply the window's upstream changes to every downstream of the group.

    Call inside the window's transaction, holding the downstreams' change counters. Returns
    what it did in each downstream (every member has an entry).
    """
    statements = sql()
    params = _params(window)
    applied = {down: Applied() for down, _seq in window.members}
    with db.cursor() as cursor:
        for statement in statements["scratch"]:
            cursor.execute(statement)
        _fill_group(cursor, window.members)
        _analyze(cursor, GROUP)
        for statement in statements["wanted"]:
            cursor.execute(statement, params)
        _analyze(cursor, WANTED_REVISIONS, WANTED_DRAWINGS)
        for name, statement in statements["statements"]:
            cursor.execute(statement, params)
            if name == "revisions":
                for pk, down in cursor.fetchall():
                    applied[down].new_ids.append(pk)
            elif name == "refresh_revisions":
                for (down,) in cursor.fetchall():
                    applied[down].updated += 1
        for item in applied.values():
            item.new_ids.sort()
            item.created = len(item.new_ids)
        if any(item.created or item.updated for item in applied.values()):
            for statement in statements["pointers"]:
                cursor.execute(statement, params)
        if any(item.updated for item in applied.values()):
            cursor.execute(statements["count_withdrawn"], params)
            for down, count in cursor.fetchall():
                applied[down].withdrawn = int(count)
    return applied


def remove_unpublished_copies(downstream_id: int) -> None:
    """Undo: copies still unpublished downstream were shared by mistake and go; published stay.

    Copied drawings, sets and areas left without any revision go too. What stays becomes an
    ordinary downstream drawing (editable), keeping its provenance; its pointers change, so it
    is stamped like every drawings write. The copies removed were never published, so no
    project downstream of this one holds them, and they are deleted outright: a later approval
    copies them afresh, which a kept (soft-deleted) copy of the same upstream row would block.
    Call inside the transition's transaction.
    """
    sequence.hold(downstream_id)  # before the copies' rows: the lock order of sequence.py
    Revision.objects.filter(
        project_id=downstream_id, upstream_uuid__isnull=False, is_published=False
    ).delete()
    Drawing.objects.filter(project_id=downstream_id, upstream_uuid__isnull=False).exclude(
        Exists(Revision.objects.filter(drawing=OuterRef("pk")))
    ).delete()
    # Few are left (only what a downstream admin published within the undo window).
    kept = list(Drawing.objects.filter(project_id=downstream_id, upstream_uuid__isnull=False))
    for drawing in kept:
        drawing_refresh(drawing)
        drawing.is_synced = False
    stamp_all(downstream_id, kept)
    Drawing.objects.bulk_update(
        kept, ["current_revision", "latest_revision", "is_synced", "change_seq"]
    )
    DrawingSet.objects.filter(project_id=downstream_id, upstream_uuid__isnull=False).exclude(
        Exists(Revision.objects.filter(drawing_set=OuterRef("pk")))
    ).delete()
    Area.objects.filter(project_id=downstream_id, upstream_uuid__isnull=False).exclude(
        Exists(Drawing.objects.filter(area=OuterRef("pk")))
    ).delete()


def release_copies(downstream_id: int) -> None:
    """Disconnect: copying stops; the copies become ordinary downstream drawings.

    Only the local ``is_synced`` flag changes, which no sync copies (a project downstream of
    this one keeps its own), so the rows keep their change numbers. Call inside the
    transition's transaction.
    """
    sequence.hold(downstream_id)
    Drawing.objects.filter(project_id=downstream_id, upstream_uuid__isnull=False).update(
        is_synced=False
    )
