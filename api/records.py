"""What patrols and visits share: evidence settling once a record and its photos are both in."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from api.settings import EvidenceRules


async def settle_record(db_session: AsyncSession, *, record_id: uuid.UUID, rules: EvidenceRules) -> None:
    """Recompute status (incomplete/submitted) and flags of the record `record_id`, if it exists.
    Called after a record PUT and after each photo PUT (a photo may arrive before its record)."""
    # Filled in with patrols and visits.
    return None
