"""Entrypoints of the Dossier Unique and of the SimpliCité agents' tools (``contracts.family_dossier``).

A mixin of :class:`family.service.FamilyService`, imported there as a module (nameko treats every
class of the service module that has entrypoints as a service). It uses the service's ``db``
and ``outbox``. Rules are in :mod:`family.dossier` and :mod:`family.agents`.
"""

from __future__ import annotations

import base64
import logging

from nameko.rpc import rpc

from chassis import identity
from chassis.types import utcnow
from contracts import family as family_contract
from contracts import family_dossier as contract
from contracts.base import load_or_invalid
from contracts.errors import EXPECTED, Forbidden, Invalid, NotFound
from family import agents, certificates, domain, dossier, dossier_views, preregistration
from family.dossier_repository import Dossiers
from family.repository import Families

log = logging.getLogger("family.health_reads")

BIRTH_BY_THE_FAMILY = "Une naissance est déclarée par la famille depuis son espace."


def _own_creche_request(dossiers: Dossiers, found, reference: str):
    row = dossiers.creche_preregistration(found, reference)
    if row is None or preregistration.reference(row.kind, row.id, row.submitted_at) != (
        reference.strip()
    ):
        unknown = dossier.PREREGISTRATION_UNKNOWN
        raise Invalid(unknown, {"preregistration": [unknown]})
    return row


class DossierEntrypoints:
    """The Dossier Unique updated by its family or an agent; agents' search, creation, decisions."""

    @rpc(expected_exceptions=EXPECTED)
    def get_dossier(self, caller, family_id):
        """The whole Dossier Unique with its waiting changes (contracts.family_dossier.Dossier)."""
        who = identity.load(caller)
        with self.db.session() as session:
            found, as_agent = domain.find_visible_family(Families(session), who, family_id)
            families, dossiers = Families(session), Dossiers(session)
            if as_agent:
                families.record_health_read(found, who["account_id"], utcnow())
                log.info("agent %s read the health data of family %s", who["account_id"], found.id)
            base = domain.family_view(found, families.health_of(found))
            view = dossier_views.dossier_view(base, dossiers, found)
        return contract.Dossier().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def update_dossier(self, caller, family_id, payload):
        """Apply or queue the sections sent (contracts.family_dossier.UpdateDossier)."""
        who = identity.load(caller)
        data = load_or_invalid(contract.UpdateDossier(), payload)
        certificate = self._certificate(data, dossier.is_agent(who))
        now = utcnow()
        with self.db.session() as session:
            domain.find_visible_family(Families(session), who, family_id)
            dossiers = Dossiers(session)
            found = dossiers.lock_family(str(family_id))
            outcome = dossier.update(dossiers, found, who, data, certificate, now)
            event = dossier.changed_event(found, who, outcome, now)
            self.outbox.add(session, contract.DOSSIER_CHANGED, contract.DossierChanged(), event)
            self._announce_quotient(session, outcome.quotient_event)
        return contract.UpdateOutcome().dump(outcome)

    @staticmethod
    def _certificate(data: dict, as_agent: bool):
        """The checked certificate of a quotient: required from a family, optional from agents."""
        upload = data.get("quotient", {}).get("certificate")
        if "quotient" not in data or (as_agent and upload is None):
            return None
        return certificates.prepare(upload)

    def _announce_quotient(self, session, event: dict | None) -> None:
        if event is not None:
            self.outbox.add(session, contract.QUOTIENT_CHANGED, contract.QuotientChanged(), event)

    @rpc(expected_exceptions=EXPECTED)
    def declare_birth(self, caller, family_id, payload):
        """A birth declared by the family (contracts.family_dossier.DeclareBirth): the child
        waits for an agent's validation with its birth certificate."""
        who = identity.load(caller)
        data = load_or_invalid(contract.DeclareBirth(), payload)  # every field's message at once
        certificate = certificates.prepare_field(data["certificate"], "certificate")
        now = utcnow()
        with self.db.session() as session:
            _, as_agent = domain.find_visible_family(Families(session), who, family_id)
            if as_agent:
                raise Forbidden(BIRTH_BY_THE_FAMILY)
            dossiers = Dossiers(session)
            found = dossiers.lock_family(str(family_id))
            links = {"certificate": certificate, "preregistration": None}
            if data["preregistration"]:
                links["preregistration"] = _own_creche_request(
                    dossiers, found, data["preregistration"]
                )
            change = dossier.declare_birth(dossiers, found, who, data, links, now)
            outcome = dossier.Update(pending=["birth"])
            event = dossier.changed_event(found, who, outcome, now)
            self.outbox.add(session, contract.DOSSIER_CHANGED, contract.DossierChanged(), event)
            view = dossier_views.change_view(change, found.identifier)
        return contract.DossierChangeView().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def list_dossier_history(self, caller, family_id):
        """Every change of the Dossier Unique, newest first (DossierChangeView)."""
        who = identity.load(caller)
        with self.db.session() as session:
            found, _ = domain.find_visible_family(Families(session), who, family_id)
            views = [
                dossier_views.change_view(c, found.identifier)
                for c in Dossiers(session).history_of(found)
            ]
        return contract.DossierChangeView(many=True).dump(views)

    @rpc(expected_exceptions=EXPECTED)
    def list_pending_changes(self, caller):
        """The changes families proposed that wait for an agent, oldest first (agents)."""
        identity.require_role(caller, family_contract.AGENT_ROLES)
        with self.db.session() as session:
            views = [
                dossier_views.change_view(c, fid) for c, fid in Dossiers(session).all_pending()
            ]
        return contract.DossierChangeView(many=True).dump(views)

    @rpc(expected_exceptions=EXPECTED)
    def decide_change(self, caller, change_id, payload):
        """Validate or refuse a waiting change, with a reason (contracts.family_dossier)."""
        who = identity.require_role(caller, family_contract.AGENT_ROLES)
        data = load_or_invalid(contract.DecideChange(), payload)
        now = utcnow()
        with self.db.session() as session:
            dossiers = Dossiers(session)
            change = dossiers.lock_change(change_id) if isinstance(change_id, int) else None
            quotient_event = dossier.decide(dossiers, change, who["account_id"], data, now)
            found = dossiers.family_of(change)
            event = dossier.decided_event(change, found)
            self.outbox.add(
                session, contract.DOSSIER_CHANGE_DECIDED, contract.DossierChangeDecided(), event
            )
            self._announce_quotient(session, quotient_event)
            view = dossier_views.change_view(change, found.identifier)
        return contract.DossierChangeView().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def get_quotient_certificate(self, caller, change_id):
        """The certificate sent with a quotient familial (agents), base64."""
        identity.require_role(caller, family_contract.AGENT_ROLES)
        with self.db.session() as session:
            dossiers = Dossiers(session)
            change = dossiers.lock_change(change_id) if isinstance(change_id, int) else None
            found = None if change is None else dossiers.certificate_of(change)
            if found is None:
                raise NotFound("Justificatif introuvable.")
            data = base64.b64encode(found.data).decode("ascii")
            view = {"filename": found.filename, "content_type": found.content_type, "data": data}
        return contract.Certificate().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def search_families(self, caller, query):
        """Families by identifier, family name, an adult's or a child's name (agents)."""
        identity.require_role(caller, family_contract.AGENT_ROLES)
        words = agents.search_words(query)
        with self.db.session() as session:
            views = [agents.summary_view(f) for f in Dossiers(session).search(words)]
        return contract.FamilySummary(many=True).dump(views)

    @rpc(expected_exceptions=EXPECTED)
    def erase_family(self, caller, family_id):
        """Erase a family and all its data, health included (agents; the right to erasure)."""
        who = identity.require_role(caller, family_contract.AGENT_ROLES)
        with self.db.session() as session:
            found, _ = domain.find_visible_family(Families(session), who, family_id)
            Dossiers(session).erase(found)
        log.info("agent %s erased family %s", who["account_id"], family_id)
        return {}

    @rpc(expected_exceptions=EXPECTED)
    def create_family(self, caller, payload):
        """A new family, with the next free identifier unless one is given (agents)."""
        identity.require_role(caller, family_contract.AGENT_ROLES)
        data = load_or_invalid(contract.CreateFamily(), payload)
        now = utcnow()
        with self.db.session() as session:
            created = agents.new_family(Families(session), Dossiers(session), data, now)
            if created.quotient_familial is not None:
                self._announce_quotient(session, dossier.quotient_event(created, now))
            view = agents.summary_view(created)
        return contract.FamilySummary().dump(view)
