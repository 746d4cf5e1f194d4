"""The SMTP sink's web page, in French: the list of received mail and one message.

Pure rendering (message dicts from ``devstack.mail_store`` in, UTF-8 HTML out), kept apart
from the HTTP handler in ``devstack.mail_web`` so that the markup reads on its own. Every
value from a message is escaped; a message's HTML goes in a sandboxed ``srcdoc`` frame.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from urllib.parse import quote

try:
    from zoneinfo import ZoneInfo

    PARIS = ZoneInfo("Europe/Paris")
except Exception:  # no tz database: show UTC
    PARIS = UTC

PAGE_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f6f6}
header{background:#00567a;color:#fff;padding:1rem 1.5rem}
header h1{margin:0;font-size:1.5rem}
header a{color:#fff}
main{padding:1rem 1.5rem;max-width:70rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid #ccc;vertical-align:top}
pre{white-space:pre-wrap;word-break:break-word;background:#fff;border:1px solid #ccc;
padding:1rem}
iframe{width:100%;min-height:30rem;border:1px solid #ccc;background:#fff}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:bold}
dd{margin:0}
button{font:inherit;padding:.4rem .8rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
"""


def _format_date(value: str) -> str:
    """An ISO date as people in France read it, in Paris time."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S")


def render_page(title: str, body: str) -> bytes:
    """A whole page around `body` (already HTML), with the shared header and style."""
    e = html.escape
    return (
        "<!DOCTYPE html>\n"
        '<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)} – Courriels reçus</title>\n"
        f"<style>{PAGE_STYLE}</style>\n</head>\n<body>\n"
        '<header><h1><a href="/">Courriels reçus</a></h1>'
        "<p>Boîte de réception locale du portail (développement et tests) : "
        "aucun courriel ne part vraiment.</p></header>\n"
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    ).encode()


def render_index(messages: list[dict]) -> bytes:
    """The list of messages, newest first, with a button that empties the box."""
    e = html.escape
    if not messages:
        body = "<p>Aucun courriel reçu pour l’instant.</p>"
    else:
        rows = "\n".join(
            "<tr>"
            f'<td><time datetime="{e(m["date"])}">{e(_format_date(m["date"]))}</time></td>'
            f"<td>{e(', '.join(m['to']))}</td>"
            f'<td><a href="/messages/{quote(m["id"])}">{e(m["subject"] or "(sans objet)")}</a></td>'
            "</tr>"
            for m in reversed(messages)
        )
        count = len(messages)
        label = "courriel" if count == 1 else "courriels"
        body = (
            f"<p>{count} {label}, du plus récent au plus ancien.</p>\n"
            "<table>\n<caption class='visually-hidden'>Courriels reçus</caption>\n"
            '<thead><tr><th scope="col">Date</th><th scope="col">Destinataires</th>'
            '<th scope="col">Objet</th></tr></thead>\n'
            f"<tbody>\n{rows}\n</tbody>\n</table>\n"
            '<form method="post" action="/vider">'
            '<p><button type="submit">Vider la boîte</button></p></form>'
        )
    return render_page("Liste", body)


def render_message(message: dict) -> bytes:
    """One message: its headers, text, HTML (sandboxed) and attachment names."""
    e = html.escape
    parts = []
    if message["text"] is not None:
        parts.append(f"<h2>Texte</h2>\n<pre>{e(message['text'])}</pre>")
    if message["html"] is not None:
        parts.append(
            "<h2>HTML</h2>\n"
            '<iframe sandbox="" referrerpolicy="no-referrer" title="Contenu HTML du courriel" '
            f'srcdoc="{e(message["html"], quote=True)}"></iframe>\n'
            "<details><summary>Code source HTML</summary>\n"
            f"<pre>{e(message['html'])}</pre></details>"
        )
    if not parts:
        parts.append("<p>Ce courriel n’a ni texte ni HTML.</p>")
    if message["attachments"]:
        items = "".join(
            f"<li>{e(a['filename'] or '(sans nom)')} ({e(a['content_type'])}, {a['size']} octets)</li>"
            for a in message["attachments"]
        )
        parts.append(f"<h2>Pièces jointes</h2>\n<ul>{items}</ul>")
    body = (
        f"<h2>{e(message['subject'] or '(sans objet)')}</h2>\n<dl>"
        f"<dt>Date</dt><dd>{e(_format_date(message['date']))}</dd>"
        f"<dt>De</dt><dd>{e(message['from'])}</dd>"
        f"<dt>À</dt><dd>{e(', '.join(message['to']))}</dd>"
        f"<dt>Objet</dt><dd>{e(message['subject'])}</dd>"
        "</dl>\n"
        f'<p><a href="/messages/{quote(message["id"])}.eml">Message brut (.eml)</a> · '
        '<a href="/">Retour à la liste</a></p>\n' + "\n".join(parts)
    )
    return render_page(message["subject"] or "(sans objet)", body)
