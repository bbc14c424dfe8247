"""Writes for the drawings tool (one module per feature, re-exported here).

Like every app's services, these trust their caller on who may act: pages and the API fetch
the project with ``project_get`` for the action a service names in its docstring ("Needs
…"), and objects inside it through selectors. A service checks the business rules only.
"""

from sheetflow.drawings.services.catalog import (
    area_create,
    area_delete,
    area_update,
    discipline_delete,
    discipline_for,
    discipline_map,
    discipline_set,
    set_create,
    set_delete,
    set_get_or_create,
    set_update,
)
from sheetflow.drawings.services.layouts import layout_reset, layout_save, upload_apply_rule
from sheetflow.drawings.services.publishing import (
    PublishItem,
    PublishReport,
    drawings_publish_pending,
    drawings_unpublish_current,
    queue_publish,
    revisions_set_published,
)
from sheetflow.drawings.services.rendering import revision_render
from sheetflow.drawings.services.revisions import (
    drawing_delete,
    drawing_update,
    live_revisions,
    revision_delete,
    revision_update,
    revisions_publish,
    revisions_unpublish,
)
from sheetflow.drawings.services.setup import project_setup
from sheetflow.drawings.services.uploads import (
    SheetEdit,
    UploadedFile,
    upload_confirm,
    upload_create,
    upload_discard,
    uploads_expire,
)

__all__ = [
    "PublishItem",
    "PublishReport",
    "SheetEdit",
    "UploadedFile",
    "area_create",
    "area_delete",
    "area_update",
    "discipline_delete",
    "discipline_for",
    "discipline_map",
    "discipline_set",
    "drawing_delete",
    "drawing_update",
    "drawings_publish_pending",
    "drawings_unpublish_current",
    "layout_reset",
    "layout_save",
    "live_revisions",
    "project_setup",
    "queue_publish",
    "revision_delete",
    "revision_render",
    "revision_update",
    "revisions_publish",
    "revisions_set_published",
    "revisions_unpublish",
    "set_create",
    "set_delete",
    "set_get_or_create",
    "set_update",
    "upload_apply_rule",
    "upload_confirm",
    "upload_create",
    "upload_discard",
    "uploads_expire",
]
