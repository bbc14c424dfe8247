"""API: exports of the drawing log (CSV) and of the current set (zip of sheet PDFs)."""

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Router

from sheetflow.accounts.authed import request_user
from sheetflow.common.api import errors
from sheetflow.drawings import export, selectors
from sheetflow.drawings.schemas import LogQuery
from sheetflow.drawings.views_export import csv_response, zip_response
from sheetflow.projects.permissions import Action, project_get

router = Router(tags=["drawings"])

P = "/projects/{project_id}"


@router.get(f"{P}/drawings/export.csv", response={200: None, **errors(401, 403, 404, 422)})
def log_csv(
    request: HttpRequest, project_id: int, filters: Query[LogQuery]
) -> StreamingHttpResponse:
    """The drawing log as CSV: exactly the drawings the same filters list, in the same order."""
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.DRAWINGS_VIEW
    )
    return csv_response(request_user(request), project, filters.to_filters())


@router.get(
    f"{P}/drawings/current-set.zip", response={200: None, **errors(400, 401, 403, 404, 422)}
)
def current_set_zip(
    request: HttpRequest, project_id: int, filters: Query[LogQuery]
) -> StreamingHttpResponse:
    """The current set (latest published revision of each drawing the filters show) as a zip
    of PDFs named "A-101 - First Floor Plan.pdf"; 400 export_too_large past the bounds."""
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.DRAWINGS_VIEW
    )
    log = selectors.drawing_log(
        user=request_user(request), project=project, filters=filters.to_filters()
    )
    return zip_response(project, export.current_set(log))
