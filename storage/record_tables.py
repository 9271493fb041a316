"""The record kinds as storage knows them: one `RecordTable` per kind (patrols, visits, station
inspections), said once, from which the shared queries are built: the record lookups and pages,
the review queue, the ledger's exports, the desk's counts, the tasks a record opens, the audit
log's names and the operators' metrics. They look a kind up here and never branch on it.

Adding a record kind here: its model (storage/models.py) and migration, its code in
storage/vocabulary.py, and its `RecordTable` below (what it is about, its time, its own ledger
columns)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from storage.models import Facility, Inspection, OrgUnit, Patrol, Subject, Visit
from storage.vocabulary import RECORD_KINDS, VISIT_TYPES, RecordKind

Record = Patrol | Visit | Inspection
RecordModel = type[Record]
# The queries answer rows of the model they are given (a union of models in, the union out).
R = TypeVar("R", bound=Record)


# eq=False: the fields are SQL columns, whose == builds SQL; tables compare by identity.
@dataclass(frozen=True, eq=False)
class RecordTable(Generic[R]):
    kind: RecordKind
    model: type[R]
    # What a record is about (its site): the column naming it, in the record and in its tasks, and
    # the site's table, which has a `name`. An inspection's site is the station, its own unit.
    site: Any
    site_model: type[Facility] | type[Subject] | type[OrgUnit]
    # The record's own time: pages, periods and the ledger's order use it.
    time: Any
    # The ledger's (台账) columns of this kind beyond those every record has (id, unit, author,
    # time, position, status, flags, photos, latest review); a column of the site's table is read
    # through a join on `site`.
    ledger: Sequence[Any]
    # A column that splits the kind into types, and its codes: the review queue shows and filters
    # by it (a visit's visit_type); a kind without one shows its own code as its type.
    type_column: Any = None
    types: tuple[str, ...] = ()

    @property
    def site_name(self) -> str:
        """The site column's name: records and tasks both call it so."""
        return str(self.site.key)

    @property
    def site_is_unit(self) -> bool:
        return self.site_model is OrgUnit


PATROLS = RecordTable(
    kind="patrol",
    model=Patrol,
    site=Patrol.facility_id,
    site_model=Facility,
    time=Patrol.started_at,
    ledger=(Facility.name.label("facility"), Patrol.ended_at, Patrol.checklist, Patrol.notes),
)
VISITS = RecordTable(
    kind="visit",
    model=Visit,
    site=Visit.subject_id,
    site_model=Subject,
    time=Visit.visited_at,
    ledger=(
        Subject.name.label("subject"),
        Subject.category,
        Subject.phone,
        Subject.id_number,
        Visit.visit_type,
        Visit.summary,
        Visit.needs,
        Visit.cash_yuan,
        Visit.goods,
        Visit.follow_up_needed,
        Visit.no_photo_reason,
        Visit.award,
    ),
    type_column=Visit.visit_type,
    types=VISIT_TYPES,
)
INSPECTIONS = RecordTable(
    kind="inspection",
    model=Inspection,
    site=Inspection.org_unit_id,
    site_model=OrgUnit,
    time=Inspection.started_at,
    ledger=(OrgUnit.standard, Inspection.ended_at, Inspection.checklist, Inspection.notes),
)

# In the vocabulary's order of kinds.
TABLES: tuple[RecordTable[Any], ...] = (PATROLS, VISITS, INSPECTIONS)
MODELS: tuple[RecordModel, ...] = tuple(t.model for t in TABLES)
_BY_MODEL: dict[type, RecordTable[Any]] = {t.model: t for t in TABLES}
_BY_KIND: dict[str, RecordTable[Any]] = {t.kind: t for t in TABLES}
if tuple(_BY_KIND) != RECORD_KINDS:
    raise RuntimeError(f"record tables {tuple(_BY_KIND)} are not the vocabulary's record kinds {RECORD_KINDS}")


def table_of(model: type[R]) -> RecordTable[R]:
    """The table of a record model."""
    return _BY_MODEL[model]


def table_named(kind: str) -> RecordTable[Any]:
    """The table of a record kind's code (KeyError for a code that is none)."""
    return _BY_KIND[kind]
