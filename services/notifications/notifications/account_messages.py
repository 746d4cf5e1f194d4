"""The "Messages" page of an account: every e-mail the portal wrote to its address.

Mixed into ``NotificationsService`` (imported as a module, see ``service.py``). The address
is the one the accounts projection (``contacts``) holds, and only the e-mails written since
the account has held it are listed: an address given up by one account and taken by another
does not show the first one's mail. An account the projection does not know yet, or a closed
one, has no message to read.
"""

from __future__ import annotations

from nameko.rpc import rpc

from chassis import identity
from contracts import notifications, paging
from contracts.errors import EXPECTED, Forbidden
from notifications import domain
from notifications.repository import Contacts, Messages

LOGIN_REQUIRED = "Connectez-vous pour lire vos messages."


class AccountMessages:
    """Needs the ``db`` dependency of the service it is mixed into."""

    @rpc(expected_exceptions=EXPECTED)
    def list_account_messages(self, caller, page=None, size=None):
        """One page of the e-mails sent to the caller's address, newest first."""
        account_id = identity.load(caller).get("account_id")
        if not account_id:
            raise Forbidden(LOGIN_REQUIRED)
        page, size = paging.page_request(page, size)
        with self.db.session() as session:
            contact = Contacts(session).find(account_id)
            found, total = ([], 0)
            if contact is not None and contact.email:
                found, total = Messages(session).list(
                    contact.email, page, size, since=contact.email_as_of
                )
            views = [domain.account_message_view(message) for message in found]
        return notifications.AccountMessagePage().dump(paging.page_view(views, page, size, total))
