"""Closing an account leaves its e-mail address in no table of any service.

The account registers, confirms its address, reports a problem while logged in (with a photo)
and receives its e-mails; then it is closed. Every text or JSON column of every table of every
service's database is then searched for the address (``information_schema``): outbox rows,
processed events, dead letters, outgoing messages, projections and the services' own tables.
"""

from __future__ import annotations

from sqlalchemy import bindparam, create_engine, text

REPORT_SUBJECT_START = "Votre signalement"
TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb")
COLUMNS = (
    "SELECT table_name, column_name FROM information_schema.columns"
    " WHERE table_schema = 'public' AND data_type IN :types ORDER BY table_name, column_name"
)


def places_holding(stack, value: str) -> list[str]:
    """``service.table.column`` of every text or JSON column where ``value`` appears."""
    found = []
    for service, url in sorted(stack.database_urls.items()):
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                query = text(COLUMNS).bindparams(bindparam("types", expanding=True))
                columns = connection.execute(query, {"types": list(TEXT_TYPES)}).all()
                for table, column in columns:
                    query = f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE :like'
                    if connection.execute(text(query), {"like": f"%{value}%"}).scalar_one():
                        found.append(f"{service}.{table}.{column}")
        finally:
            engine.dispose()
    return found


def test_apres_cloture_l_adresse_ne_reste_dans_aucune_table(
    stack, portal, helpers, new_email, jpeg_with_gps
):
    email, password = new_email(), helpers.new_password()
    portal.register_and_confirm(email, password)
    citizen = portal.citizen_session(email, password)
    answer = portal.submit_form(
        helpers.report_fields(email), ("rue.jpg", jpeg_with_gps, "image/jpeg"), citizen
    )
    assert answer.status_code == 303, answer.text[:1000]
    helpers.poll(
        lambda: any(m["subject"].startswith(REPORT_SUBJECT_START) for m in stack.messages(email)),
        30,
        "the report's confirmation e-mail",
    )
    assert places_holding(stack, email), "the address was never stored: nothing is tested"

    closed = portal.post_form(
        citizen, "/compte/cloturer", {"confirm": "1", "current_password": password}
    )
    assert closed.status_code == 303

    # The other services forget it when they handle account_closed: give them a moment.
    try:
        helpers.poll(lambda: not places_holding(stack, email), 30, "the address erased")
    except AssertionError:
        raise AssertionError(f"{email} still in {places_holding(stack, email)}") from None
