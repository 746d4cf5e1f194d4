"""Queries of the generic démarche requests, behind ``demarche_domain.DemarcheRequests``."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Text, and_, cast, func, or_, select, text
from sqlalchemy.orm import Session, selectinload

from chassis.paging import fetch_page
from contracts.demarches import ESPACE_PUBLIC
from requests_service.models import (
    DemarcheAttachment,
    DemarcheCounter,
    DemarcheRequest,
    DemarcheStatusChange,
    DemarcheView,
    Report,
)

NEXT_NUMBER = text(
    "SET LOCAL synchronous_commit TO OFF;"
    f" INSERT INTO {DemarcheCounter.__tablename__} (demarche, year, last_value)"
    " VALUES (:demarche, :year, 1) ON CONFLICT (demarche, year) DO UPDATE"
    f" SET last_value = {DemarcheCounter.__tablename__}.last_value + 1 RETURNING last_value"
)
"""One round trip, one implicit transaction: the setting lasts only for it."""

NOT_A_REPORT = DemarcheRequest.demarche != ESPACE_PUBLIC.code
"""Public-space reports share the table but have their own reads (``repository.Reports``),
pages and schemas: the generic reads by id, number or account leave them out."""


class DemarcheRequests:
    """Démarche requests of one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def next_sequence(self, demarche: str, year: int) -> int:
        """The next number of ``demarche`` in ``year``, atomically, even with concurrent
        submissions (one series per démarche; public-space reports use ``espace_public``'s).

        Taken outside the submission's transaction, in one statement that commits at once: the
        counter row is locked only while it is incremented, not until the whole submission
        commits, so concurrent submissions do not queue behind each other (a submission that
        fails leaves a gap in the numbers). That commit need not wait for the disk: the
        submission's own commit comes later in the same write-ahead log, so no request is ever
        durable with a number the counter could give again.
        """
        autocommit = {"isolation_level": "AUTOCOMMIT"}
        with self.session.get_bind().connect().execution_options(**autocommit) as connection:
            values = {"demarche": demarche, "year": year}
            return connection.execute(NEXT_NUMBER, values).scalar_one()

    def add(self, **fields: Any) -> DemarcheRequest:
        request = DemarcheRequest(history=[], **fields)
        self.session.add(request)
        self.session.flush()
        return request

    def add_status_change(self, request: DemarcheRequest, **fields: Any) -> DemarcheStatusChange:
        change = DemarcheStatusChange(**fields)
        request.history.append(change)
        self.session.flush()
        return change

    def add_attachment(self, request: DemarcheRequest, **fields: Any) -> DemarcheAttachment:
        attachment = DemarcheAttachment(size=len(fields["data"]), **fields)
        request.attachments.append(attachment)
        self.session.flush()
        return attachment

    def attachment_data(self, request: DemarcheRequest, attachment_id: int) -> Any | None:
        """(content type, bytes) of one of the request's files, or None."""
        query = select(DemarcheAttachment.content_type, DemarcheAttachment.data).where(
            DemarcheAttachment.request_id == request.id, DemarcheAttachment.id == attachment_id
        )
        return self.session.execute(query).one_or_none()

    def get(self, request_id: int, for_change: bool = False) -> DemarcheRequest | None:
        """The request; ``for_change`` locks its row until commit."""
        query = self._query().where(DemarcheRequest.id == request_id, NOT_A_REPORT)
        if for_change:
            query = query.with_for_update(of=DemarcheRequest).execution_options(
                populate_existing=True
            )
        return self.session.scalars(query).one_or_none()

    def find_by_number(self, tracking_number: str) -> DemarcheRequest | None:
        query = self._query().where(
            DemarcheRequest.tracking_number == tracking_number, NOT_A_REPORT
        )
        return self.session.scalars(query).one_or_none()

    def list(
        self, demarche: str, status: str | None, page: int, size: int
    ) -> tuple[list[DemarcheRequest], int]:
        """One page of one démarche, newest first, optionally with one status only."""
        query = (
            self._query()
            .where(DemarcheRequest.demarche == demarche)
            .order_by(DemarcheRequest.submitted_at.desc(), DemarcheRequest.id.desc())
        )
        if status is not None:
            query = query.where(DemarcheRequest.status == status)
        return fetch_page(self.session, query, page, size)

    def search(self, criteria: Any, page: int, size: int) -> tuple[list[DemarcheRequest], int]:
        """One page of the requests ``criteria`` (``demarche_office.Criteria``) select,
        oldest first: a queue is worked from its oldest request."""
        query = self._query().where(*conditions(criteria))
        query = query.order_by(DemarcheRequest.submitted_at, DemarcheRequest.id)
        return fetch_page(self.session, query, page, size)

    def export(self, criteria: Any, limit: int) -> list[DemarcheRequest]:
        """At most ``limit`` selected requests, oldest first, without their history."""
        query = select(DemarcheRequest).where(*conditions(criteria))
        query = query.order_by(DemarcheRequest.submitted_at, DemarcheRequest.id).limit(limit)
        return list(self.session.scalars(query))

    def add_view(self, request: DemarcheRequest, **fields: Any) -> None:
        self.session.add(DemarcheView(request=request, **fields))

    def views(self, page: int, size: int) -> tuple[list[Any], int]:
        """The log of agents' views, newest first, with each request's number."""
        query = (
            select(DemarcheView)
            .options(selectinload(DemarcheView.request).load_only(DemarcheRequest.tracking_number))
            .order_by(DemarcheView.viewed_at.desc(), DemarcheView.id.desc())
        )
        return fetch_page(self.session, query, page, size)

    def list_by_account(self, account_id: str) -> list[DemarcheRequest]:
        query = self._query().where(DemarcheRequest.account_id == account_id, NOT_A_REPORT)
        return list(self.session.scalars(query))

    @staticmethod
    def _query():
        return select(DemarcheRequest).options(
            selectinload(DemarcheRequest.history), selectinload(DemarcheRequest.attachments)
        )


REPORT_TABLE = Report.__table__


def report_where(condition: Any) -> Any:
    """The requests that are reports meeting ``condition`` (on the ``reports`` table)."""
    return DemarcheRequest.id.in_(select(REPORT_TABLE.c.id).where(condition))


def conditions(criteria: Any) -> list[Any]:
    """The WHERE clauses of a queue's criteria."""
    found = [DemarcheRequest.demarche.in_(criteria.demarches)]
    if criteria.status is not None:
        found.append(DemarcheRequest.status == criteria.status)
    if criteria.submitted_from is not None:
        found.append(DemarcheRequest.submitted_at >= criteria.submitted_from)
    if criteria.submitted_before is not None:
        found.append(DemarcheRequest.submitted_at < criteria.submitted_before)
    if criteria.overdue is not None:
        late = [
            and_(
                DemarcheRequest.demarche == rule.demarche,
                DemarcheRequest.status.in_(rule.statuses),
                DemarcheRequest.submitted_at < rule.before,
                *(
                    [report_where(REPORT_TABLE.c.category == rule.category)]
                    if rule.category
                    else []
                ),
            )
            for rule in criteria.overdue
        ]
        found.append(or_(*late))
    if criteria.search:  # in the number, the answers' values (not their names), the place
        answers = func.jsonb_path_query_array(DemarcheRequest.payload, "$.*")
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", criteria.search) + "%"
        found.append(
            or_(
                DemarcheRequest.tracking_number.ilike(pattern, escape="\\"),
                cast(answers, Text).ilike(pattern, escape="\\"),
                report_where(REPORT_TABLE.c.address.ilike(pattern, escape="\\")),
            )
        )
    if criteria.assigned_to is not None:
        found.append(DemarcheRequest.assigned_to == criteria.assigned_to)
    if criteria.unassigned:
        found.append(DemarcheRequest.assigned_to.is_(None))
    return found
