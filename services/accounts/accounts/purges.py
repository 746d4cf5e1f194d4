"""How long the accounts service keeps what has served (see "Retention" in docs/design.md).

Sessions stay 30 days after they ended (the account's recent connections, for a citizen or an
operator looking into a suspicious login), e-mail links 7 days after they expired or were
used, login counters one day after their window opened once they block nothing.
"""

from __future__ import annotations

from datetime import timedelta

from chassis import retention

SESSIONS_KEPT = timedelta(days=30)
TOKENS_KEPT = timedelta(days=7)

RULES = (
    *retention.CHASSIS_RULES,
    retention.older_than("sessions", ("expires_at", "revoked_at"), SESSIONS_KEPT),
    retention.older_than("email_tokens", ("expires_at", "used_at"), TOKENS_KEPT),
    retention.throttle_rule("login_throttle"),
)
