"""Every code is written once, in storage/vocabulary.py: the tables' CHECKs, the request Literals
and the export labels are read from it, so they cannot disagree."""

from __future__ import annotations

from typing import get_args

import msgspec
from sqlalchemy import CheckConstraint

from api.records import RecordOut, ReviewIn
from api.review_queue import QueueItem
from api.visits import VisitIn
from api.weekly_report import WeeklyFigures
from storage import vocabulary as v
from storage.models import Patrol, Task, Visit


def checks(model: type) -> dict[str, str]:
    """A table's CHECKs by the name the model gives them (ck_<table>_<name> in the database)."""
    prefix = f"ck_{model.__tablename__}_"  # type: ignore[attr-defined]
    return {
        str(c.name).removeprefix(prefix): str(c.sqltext)
        for c in model.__table__.constraints  # type: ignore[attr-defined]
        if isinstance(c, CheckConstraint)
    }


def field_type(struct: type, name: str) -> object:
    return {f.name: f.type for f in msgspec.structs.fields(struct)}[name]


def test_each_labelled_vocabulary_has_a_chinese_label_for_every_code_and_no_other():
    for codes, labels in [
        (v.VISIT_TYPES, v.VISIT_TYPE_ZH),
        (v.RECORD_KINDS, v.RECORD_KIND_ZH),
        (v.UNIT_LEVELS, v.UNIT_LEVEL_ZH),
        (v.RECORD_STATUSES, v.RECORD_STATUS_ZH),
        (v.ITEM_RESULTS, v.ITEM_RESULT_ZH),
        (v.DECISIONS, v.DECISION_ZH),
        (v.SUBJECT_CATEGORIES, v.SUBJECT_CATEGORY_ZH),
        (v.AWARD_GRADES, v.AWARD_GRADE_ZH),
        (v.FLAG_CODES, v.FLAG_ZH),
        (v.STATION_STANDARDS, v.STATION_STANDARD_ZH),
    ]:
        assert set(labels) == set(codes)


def test_the_tables_checks_are_written_from_the_vocabulary():
    assert checks(Visit)["visit_type"] == "visit_type in (" + ",".join(f"'{c}'" for c in v.VISIT_TYPES) + ")"
    assert checks(Patrol)["status"] == v.check_in("status", v.RECORD_STATUSES)
    assert checks(Task)["record_kind"] == v.check_in("record_kind", v.RECORD_KINDS)
    assert checks(Task)["status"] == v.check_in("status", v.TASK_STATUSES)


def test_the_wire_types_take_their_codes_from_the_vocabulary():
    assert get_args(field_type(VisitIn, "visit_type")) == v.VISIT_TYPES
    assert get_args(field_type(ReviewIn, "decision")) == v.DECISIONS
    assert get_args(field_type(RecordOut, "status")) == v.RECORD_STATUSES
    assert set(get_args(field_type(QueueItem, "type"))) == set(v.RECORD_KINDS) | set(v.VISIT_TYPES)


def test_the_weekly_reports_paper_labels_every_figure_in_the_reports_order():
    # `visits` is the visits by type: the visit types' own labels say them.
    figures = [f.name for f in msgspec.structs.fields(WeeklyFigures) if f.name != "visits"]
    assert list(v.WEEKLY_FIGURE_ZH) == figures
