"""Forms of the drawings pages (parsing only; the rules live in the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from sheetflow.drawings.models import (
    DISCIPLINE_MAX,
    NAME_MAX,
    NUMBER_MAX,
    POSITION_LIMIT,
    REVISION_MAX,
    STATUS_TEXT_MAX,
    TITLE_MAX,
    Area,
    DrawingSet,
    DrawingStatus,
)

DATE = forms.DateInput(attrs={"type": "date"})


def choose_from(field: forms.Field, queryset: QuerySet[Any]) -> None:
    """Offer the rows of this project only (the fields are declared with none)."""
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{field!r} is not a model choice field")
    field.queryset = queryset


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else single(data, initial)


class UploadForm(forms.Form):
    pdf_files = MultipleFileField(
        label="PDF files",
        widget=MultipleFileInput(attrs={"accept": "application/pdf,.pdf"}),
        allow_empty_file=True,
    )
    area = forms.ModelChoiceField(queryset=Area.objects.none(), empty_label=None)
    drawing_set = forms.ModelChoiceField(
        queryset=DrawingSet.objects.none(), required=False, empty_label="(no set)", label="Set"
    )
    new_set_name = forms.CharField(max_length=NAME_MAX, required=False, label="…or a new set named")
    drawing_date = forms.DateField(widget=DATE)
    received_date = forms.DateField(widget=DATE)
    revision_number = forms.CharField(max_length=REVISION_MAX, initial="0", label="Revision")
    revision_status = forms.CharField(
        max_length=STATUS_TEXT_MAX, required=False, label="Revision status"
    )

    def __init__(self, *args: Any, areas: Any, sets: Any, **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs["initial"] = {
            "drawing_date": today,
            "received_date": today,
            **(kwargs.get("initial") or {}),
        }
        super().__init__(*args, **kwargs)
        choose_from(self.fields["area"], areas)
        choose_from(self.fields["drawing_set"], sets)


class DrawingForm(forms.Form):
    number = forms.CharField(max_length=NUMBER_MAX)
    title = forms.CharField(max_length=TITLE_MAX, required=False)
    discipline = forms.CharField(max_length=DISCIPLINE_MAX, required=False)
    area = forms.ModelChoiceField(queryset=Area.objects.none(), empty_label=None)
    status = forms.ChoiceField(choices=DrawingStatus.choices)
    position = forms.IntegerField(min_value=-POSITION_LIMIT, max_value=POSITION_LIMIT)

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self.fields["area"], areas)


class RevisionForm(forms.Form):
    revision_number = forms.CharField(max_length=REVISION_MAX, label="Revision")
    revision_status = forms.CharField(max_length=STATUS_TEXT_MAX, required=False, label="Status")
    drawing_date = forms.DateField(widget=DATE)
    received_date = forms.DateField(widget=DATE)
    drawing_set = forms.ModelChoiceField(
        queryset=DrawingSet.objects.none(), required=False, empty_label="(no set)", label="Set"
    )

    def __init__(self, *args: Any, sets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self.fields["drawing_set"], sets)


class NameForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX)
    date = forms.DateField(widget=DATE, required=False)


class DisciplineForm(forms.Form):
    letters = forms.CharField(max_length=10, label="Prefix")
    name = forms.CharField(max_length=DISCIPLINE_MAX, label="Discipline")
