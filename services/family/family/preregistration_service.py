"""Entrypoints of the crèche and school pre-registrations (``contracts.family_preregistration``).

A mixin of :class:`family.service.FamilyService`, imported there as a module; it uses the
service's ``db`` and ``outbox``. Rules are in :mod:`family.preregistration`, the town's
crèches and school sectors in :mod:`family.town`.
"""

from __future__ import annotations

from nameko.rpc import rpc

from chassis import identity
from chassis.types import utcnow
from contracts import family as family_contract
from contracts import family_preregistration as contract
from contracts.base import load_or_invalid
from contracts.errors import EXPECTED, Forbidden, Invalid, NotFound
from family import domain, preregistration
from family.dossier import paris_today
from family.models import Family
from family.preregistration_models import Preregistration
from family.preregistration_repository import Preregistrations
from family.repository import Families
from family.town import town

NOT_FOUND = "Préinscription introuvable."
BY_THE_FAMILY = "Une préinscription est faite par la famille depuis son espace."
CRECHE_FIELDS = ("desired_start", "days_per_week", "hours_per_week", "creches")


class PreregistrationEntrypoints:
    """Families pre-register children in a crèche or a school; agents move them along."""

    @staticmethod
    def _linked_family(session, who: dict, family_id) -> Family:
        """The family of a linked account (agents submit nothing on a family's behalf)."""
        found, as_agent = domain.find_visible_family(Families(session), who, family_id)
        if as_agent:
            raise Forbidden(BY_THE_FAMILY)
        return found

    def _submit(self, session, found: Family, who: dict, row: Preregistration) -> dict:
        Preregistrations(session).add(row, found, who["account_id"], utcnow())
        event = preregistration.submitted_event(row, found.identifier)
        schema = contract.PreregistrationSubmitted()
        self.outbox.add(session, contract.PREREGISTRATION_SUBMITTED, schema, event)
        return preregistration.view(town(), row, found.identifier)

    @rpc(expected_exceptions=EXPECTED)
    def submit_creche_preregistration(self, caller, family_id, payload):
        """A crèche pre-registration (contracts.family_preregistration.CrecheRequest)."""
        who = identity.load(caller)
        data = load_or_invalid(contract.CrecheRequest(), payload)
        preregistration.check_creche_request(town(), data, paris_today(utcnow()))
        row = Preregistration(
            kind="creche",
            child_first_name=data["child_first_name"],
            child_last_name=data["child_last_name"],
            birth_date=data["birth_date"] if data["born"] else None,
            expected_birth_date=None if data["born"] else data["expected_birth_date"],
            **{name: data[name] for name in CRECHE_FIELDS},
        )
        with self.db.session() as session:
            found = self._linked_family(session, who, family_id)
            view = self._submit(session, found, who, row)
        return contract.Preregistration().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def list_creches(self, caller):
        """The town's crèches a family may choose (contracts.family_preregistration.School)."""
        identity.load(caller)
        creches = [{"code": code, "name": name} for code, name in town().creches.items()]
        return contract.School(many=True).dump(creches)

    @rpc(expected_exceptions=EXPECTED)
    def get_school_options(self, caller, family_id):
        """Whether the family may pre-register online, and its sector schools."""
        who = identity.load(caller)
        with self.db.session() as session:
            found = self._linked_family(session, who, family_id)
            refusal = preregistration.school_refusal(town(), found)
            options = {
                "allowed": refusal is None,
                "refusal": refusal,
                "school_year": preregistration.school_year(paris_today(utcnow())),
                "sector": town().sector_of(found.address),
            }
        return contract.SchoolOptions().dump(options)

    @rpc(expected_exceptions=EXPECTED)
    def submit_school_preregistration(self, caller, family_id, payload):
        """A school pre-registration in the sector school (contracts...SchoolRequest)."""
        who = identity.load(caller)
        data = load_or_invalid(contract.SchoolRequest(), payload)
        today = paris_today(utcnow())
        with self.db.session() as session:
            found = self._linked_family(session, who, family_id)
            child = self._school_child(found, data)
            school, level = preregistration.school_choice(town(), found, child, today)
            school_year = preregistration.school_year(today)
            row = Preregistration(
                kind="ecole", school=school["code"], level=level, school_year=school_year,
                creches=[], **child,
            )  # fmt: skip
            view = self._submit(session, found, who, row)
        return contract.Preregistration().dump(view)

    @staticmethod
    def _school_child(found: Family, data: dict) -> dict:
        """The child of the request: one of the family's (by id), or one not yet known."""
        if data["child_id"] is None:
            keys = ("child_first_name", "child_last_name", "birth_date")
            return {key: data[key] for key in keys}
        child = next((c for c in found.children if c.id == data["child_id"]), None)
        if child is None:
            message = preregistration.UNKNOWN_CHILD
            raise Invalid(message, {"child_id": [message]})
        return {
            "child_id": child.id,
            "child_first_name": child.first_name,
            "child_last_name": child.last_name,
            "birth_date": child.birth_date,
        }

    @rpc(expected_exceptions=EXPECTED)
    def list_preregistrations(self, caller, family_id):
        """The family's pre-registrations, newest first (linked accounts and agents)."""
        who = identity.load(caller)
        with self.db.session() as session:
            found, _ = domain.find_visible_family(Families(session), who, family_id)
            rows = Preregistrations(session).of_family(found)
            views = [preregistration.view(town(), row, found.identifier) for row in rows]
        return contract.Preregistration(many=True).dump(views)

    @rpc(expected_exceptions=EXPECTED)
    def list_all_preregistrations(self, caller, kind=None, status=None):
        """Pre-registrations of every family, oldest first, by kind and status (agents)."""
        identity.require_role(caller, family_contract.AGENT_ROLES)
        kind = kind if kind in contract.KINDS else None
        status = status if status in contract.STATUSES else None
        with self.db.session() as session:
            found = Preregistrations(session).all(kind, status)
            views = [preregistration.view(town(), row, identifier) for row, identifier in found]
        return contract.Preregistration(many=True).dump(views)

    @rpc(expected_exceptions=EXPECTED)
    def change_preregistration_status(self, caller, preregistration_id, payload):
        """Move a pre-registration on, with a comment for the family (agents)."""
        who = identity.require_role(caller, family_contract.AGENT_ROLES)
        data = load_or_invalid(contract.ChangeStatus(), payload)
        now = utcnow()
        with self.db.session() as session:
            store = Preregistrations(session)
            row = store.lock(preregistration_id)
            if row is None:
                raise NotFound(NOT_FOUND)
            preregistration.check_transition(row.kind, row.status, data["status"])
            row.status = data["status"]
            store.add_step(row, data["comment"], who["account_id"], now)
            identifier = store.family_identifier(row)
            event = preregistration.status_event(row, identifier, data["comment"], now)
            schema = contract.PreregistrationStatusChanged()
            self.outbox.add(session, contract.PREREGISTRATION_STATUS_CHANGED, schema, event)
            view = preregistration.view(town(), row, identifier)
        return contract.Preregistration().dump(view)
