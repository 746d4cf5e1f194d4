"""Queries of the ``requests`` database, behind the small interfaces ``domain.Reports`` and
``authors.AccountReports``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from chassis.paging import fetch_page
from contracts.demarches import ESPACE_PUBLIC
from requests_service.demarche_repository import DemarcheRequests
from requests_service.models import DemarcheStatusChange, Report, ReportFollower, ReportPhoto
from requests_service.photos import CleanPhoto


class Reports:
    """Reports of one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def next_sequence(self, year: int) -> int:
        """The next number of ``year``, from the ``espace_public`` series of the démarche
        counters (``DemarcheRequests.next_sequence``: taken at once, outside the submission's
        transaction)."""
        return DemarcheRequests(self.session).next_sequence(ESPACE_PUBLIC.code, year)

    def add(self, *, photos: list[CleanPhoto], **fields: Any) -> Report:
        """A new report; its empty history and its photos are known, so reading them (the
        answer, the event) after the flush sends no query."""
        report = Report(history=[], followers=[], **fields)
        report.photos = [
            ReportPhoto(
                position=position,
                filename=photo.filename,
                content_type=photo.content_type,
                width=photo.width,
                height=photo.height,
                size=len(photo.data),
                data=photo.data,
            )
            for position, photo in enumerate(photos, start=1)
        ]
        self.session.add(report)
        self.session.flush()
        return report

    def add_status_change(self, report: Report, **fields: Any) -> DemarcheStatusChange:
        change = DemarcheStatusChange(**fields)
        report.history.append(change)
        self.session.flush()
        return change

    def open_in_box(
        self, category: str, statuses: tuple[str, ...], box: tuple[float, float, float, float]
    ) -> list[Report]:
        """Reports of ``category`` in ``statuses`` whose point lies in ``box``
        (lat_min, lat_max, lon_min, lon_max)."""
        lat_min, lat_max, lon_min, lon_max = box
        query = select(Report).where(
            Report.category == category,
            Report.status.in_(statuses),
            Report.latitude.between(lat_min, lat_max),
            Report.longitude.between(lon_min, lon_max),
        )
        return list(self.session.scalars(query))

    def add_follower(
        self, report: Report, *, email: str, account_id: str | None, at, key: str
    ) -> None:
        follower = ReportFollower(
            email=email, account_id=account_id, followed_at=at, unsubscribe_key=key
        )
        report.followers.append(follower)
        self.session.flush()

    def remove_follower(self, follower: ReportFollower) -> None:
        self.session.delete(follower)
        self.session.flush()

    def forget_followers(self, account_id: str) -> set[str]:
        """Remove the closed account's follows; the addresses they held."""
        rows = self.session.scalars(
            select(ReportFollower).where(ReportFollower.account_id == account_id)
        ).all()
        for row in rows:
            self.session.delete(row)
        return {row.email for row in rows}

    def get(self, report_id: int) -> Report | None:
        return self._one(self._one_query().where(Report.id == report_id))

    def lock(self, report_id: int) -> Report | None:
        """The report, its row locked until commit: concurrent changes of it run one by one."""
        return self._one(self._one_query().where(Report.id == report_id).with_for_update(of=Report))

    def find_by_number(self, tracking_number: str) -> Report | None:
        return self._one(self._one_query().where(Report.tracking_number == tracking_number))

    def _one(self, query) -> Report | None:
        return self.session.scalars(query).unique().one_or_none()

    def list(self, status: str | None, page: int, size: int) -> tuple[list[Report], int]:
        """One page, newest first, optionally with one status only; and how many in all."""
        query = self._query().order_by(Report.submitted_at.desc(), Report.id.desc())
        if status is not None:
            query = query.where(Report.status == status)
        return fetch_page(self.session, query, page, size)

    def open_points(self, statuses: tuple[str, ...], limit: int) -> list[Report]:
        """Reports in ``statuses`` that have a point, newest first, at most ``limit`` (no
        history or photo loaded: a marker needs neither)."""
        query = (
            select(Report)
            .where(Report.status.in_(statuses), Report.latitude.is_not(None))
            .order_by(Report.submitted_at.desc(), Report.id.desc())
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def list_by_account(self, account_id: str) -> list[Report]:
        """The reports of one account, newest first."""
        query = (
            self._query()
            .where(Report.account_id == account_id)
            .order_by(Report.submitted_at.desc(), Report.id.desc())
        )
        return list(self.session.scalars(query))

    def photo_data(self, photo: ReportPhoto) -> bytes:
        """The stored JPEG of one photo (deferred column, loaded only here)."""
        query = select(ReportPhoto.data).where(ReportPhoto.id == photo.id)
        return self.session.scalars(query).one()

    @staticmethod
    def _query():
        # Lists of reports: the history and the photos (bytes deferred) in one query each.
        return select(Report).options(selectinload(Report.history), selectinload(Report.photos))

    @staticmethod
    def _one_query():
        # One report: its photos (3 at most, bytes deferred) come joined to its row; its
        # history, which grows, in one more query.
        return select(Report).options(selectinload(Report.history), joinedload(Report.photos))
