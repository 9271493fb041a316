"""What patrols, visits and station inspections share, in one package:

- wire.py: the answer every kind carries, and the checks on what came in;
- put.py: the idempotent PUT;
- evidence.py: status and flags settled from what the server holds, and who may attach photos;
- review.py: approve, return, reopen;
- kinds.py: each record kind as one descriptor.

api/patrols.py, api/visits.py and api/inspections.py say what is particular to each kind. The
names below are this package's surface (`from api import records; records.put_record(...)`).
"""

from api.records import kinds
from api.records.evidence import (
    Attach,
    arrived_photos,
    check_attach,
    detail,
    evaluate,
    issue_items_without_photos,
    record_evidence,
    settle,
    street_path,
    version_labels,
    with_evidence,
)
from api.records.put import put_answer, put_record
from api.records.review import REOPEN_WINDOW, refuse_own, reopen, review, reviews_out
from api.records.wire import (
    EARLIEST,
    FAR_FUTURE,
    AuthorOut,
    AwareTime,
    FlagOut,
    LocationOut,
    RecordOut,
    ReviewIn,
    ReviewOut,
    Since,
    Until,
    author_out,
    body_hash,
    check_checklist_items,
    check_photo_ids,
    check_times,
    created,
    flags_out,
    location_columns,
    location_out,
    record_fields,
    visible_author,
)

__all__ = [
    "EARLIEST",
    "FAR_FUTURE",
    "REOPEN_WINDOW",
    "Attach",
    "AuthorOut",
    "AwareTime",
    "FlagOut",
    "LocationOut",
    "RecordOut",
    "ReviewIn",
    "ReviewOut",
    "Since",
    "Until",
    "arrived_photos",
    "author_out",
    "body_hash",
    "check_attach",
    "check_checklist_items",
    "check_photo_ids",
    "check_times",
    "created",
    "detail",
    "evaluate",
    "flags_out",
    "issue_items_without_photos",
    "kinds",
    "location_columns",
    "location_out",
    "put_answer",
    "put_record",
    "record_evidence",
    "record_fields",
    "refuse_own",
    "reopen",
    "review",
    "reviews_out",
    "settle",
    "street_path",
    "version_labels",
    "visible_author",
    "with_evidence",
]
