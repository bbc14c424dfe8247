"""The change sequence: numbers per project, taken inside the writing transaction."""

from __future__ import annotations

from django.db import transaction

from sheetflow.drawings import sequence
from sheetflow.drawings.models import Area, ProjectSequence
from sheetflow.drawings.selectors import revision_count
from tests.cast import Cast


def test_every_project_gets_a_counter_a_default_area_and_disciplines(cast: Cast) -> None:
    assert ProjectSequence.objects.filter(project=cast.gc_project).exists()
    area = Area.objects.get(project=cast.gc_project)
    assert area.name == "General"
    assert area.change_seq == sequence.current_seq(cast.gc_project.pk) == 1


def test_numbers_are_consecutive_per_project(cast: Cast) -> None:
    with transaction.atomic():
        first = sequence.next_seq(cast.gc_project.pk)
        block = sequence.reserve(cast.gc_project.pk, 5)
        after = sequence.next_seq(cast.gc_project.pk)
        other = sequence.next_seq(cast.sub_project.pk)
    assert (first, block, after) == (2, 3, 8)
    assert other == 2
    assert sequence.current_seq(cast.gc_project.pk) == 8


def test_a_new_project_has_no_revisions(cast: Cast) -> None:
    assert revision_count(project=cast.gc_project) == 0
