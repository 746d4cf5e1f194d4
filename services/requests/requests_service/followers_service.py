"""Entrypoints of open reports by place: similar reports and their followers (rules in
:mod:`requests_service.followers`) and the agents' map, a mixin of ``RequestsService``."""

from __future__ import annotations

from nameko.rpc import rpc

from chassis import identity
from chassis.throttle import Throttles
from chassis.types import utcnow
from contracts import requests
from contracts.base import load_or_invalid
from contracts.errors import EXPECTED
from requests_service import followers, limits
from requests_service.models import Throttle
from requests_service.repository import Reports


class FollowerEntrypoints:
    @rpc(expected_exceptions=EXPECTED)
    def list_open_report_points(self, caller):
        """Open reports placed on the map, for the agents' map (contracts.requests.
        ReportPoint)."""
        identity.require_role(caller, requests.AGENT_ROLES)
        with self.db.session() as session:
            found = Reports(session).open_points(followers.OPEN_STATUSES, requests.MAP_MAX_REPORTS)
            points = [followers.point_view(report) for report in found]
        return requests.ReportPoint(many=True).dump(points)

    @rpc(expected_exceptions=EXPECTED)
    def find_similar_reports(self, caller, payload):
        """Open reports of the same category within 50 m (contracts.requests.SimilarReport)."""
        identity.load(caller)
        data = load_or_invalid(requests.FindSimilarReports(), payload)
        with self.db.session() as session:
            found = followers.similar_reports(Reports(session), data)
        return requests.SimilarReport(many=True).dump(found)

    @rpc(expected_exceptions=EXPECTED)
    def unfollow_report(self, caller, payload):
        """Stop sending a report's e-mails to the follower whose key is given (contracts.
        requests.UnfollowReport): the link in each of their e-mails, no account needed."""
        identity.load(caller)
        data = load_or_invalid(requests.UnfollowReport(), payload)
        with self.db.session() as session:
            left = followers.unfollow(Reports(session), data)
        return requests.FollowedReport().dump(left)

    @rpc(expected_exceptions=EXPECTED)
    def follow_report(self, caller, payload):
        """Send an open report's status e-mails to one more address (contracts.requests.
        FollowReport); counted in the same limits as a new report."""
        who = identity.load(caller)
        data = load_or_invalid(requests.FollowReport(), payload)
        client_ip = data.pop("client_ip")
        with self.db.session() as session:
            lock = Throttles(session, Throttle).lock
            limits.count_submission(lock, client_ip, data["email"], utcnow())
        with self.db.session() as session:
            followed = followers.follow(Reports(session), who, data, utcnow())
        return requests.FollowedReport().dump(followed)
