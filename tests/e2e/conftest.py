"""Helpers of the end-to-end tests: everything goes through the gateway's HTTP interface.

The running portal is the session fixture ``stack`` of the ``devstack.stack`` plugin
(``pytest -p devstack.stack tests/e2e``).
"""

from __future__ import annotations

import base64
import io
import re
import time
import uuid
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import requests
from PIL import ExifTags, Image

TRACKING_NUMBER = re.compile(r"ESP-(\d{4})-(\d{6})")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TIMEOUT = 30
MAIL_TIMEOUT = 30
SESSION_COOKIE = "portail_session"
CONFIRM_SUBJECT = "Confirmez votre adresse e-mail"


class Page(HTMLParser):
    """What the tests read in an HTML page: form values, texts by element id, links."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self.links: list[str] = []
        self._open: list[tuple[str, str]] = []  # (tag, key) of elements whose text we keep
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if (tag == "input" and a.get("type") not in ("radio", "checkbox", "file")) or (
            tag == "input" and "checked" in a
        ):
            self.values[a.get("name", "")] = a.get("value", "")
        if tag == "textarea":
            self.values[a.get("name", "")] = ""
            self._open.append((tag, "value:" + a.get("name", "")))
        elif "id" in a and tag not in ("input", "br", "img", "meta", "link"):
            self._open.append((tag, "id:" + a["id"]))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index]
                return

    def handle_data(self, data: str) -> None:
        for _, key in self._open:
            kind, name = key.split(":", 1)
            target = self.values if kind == "value" else self.texts
            target[name] = target.get(name, "") + data

    def text(self, element_id: str) -> str:
        return " ".join(self.texts.get(element_id, "").split())


class Portal:
    """The gateway as a citizen, a partner app or an agent uses it."""

    def __init__(self, stack) -> None:
        self.stack = stack
        self.base = stack.gateway_url

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path: str, session: requests.Session | None = None, **kw) -> requests.Response:
        return (session or requests).get(self.url(path), timeout=TIMEOUT, **kw)

    def csrf(self, session: requests.Session, path: str) -> str:
        page = session.get(self.url(path), timeout=TIMEOUT)
        assert page.status_code == 200, f"GET {path}: {page.status_code}"
        found = CSRF.search(page.text)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def submit_form(
        self,
        fields: dict[str, str],
        photo: tuple[str, bytes, str] | None = None,
        session: requests.Session | None = None,
        headers: dict | None = None,
    ) -> requests.Response:
        """POST the report form as a browser does (CSRF token from the page); no redirect."""
        session = session or client()
        token = self.csrf(session, "/signalements/nouveau")
        files = {"photo": photo} if photo else {"photo": ("", b"", "application/octet-stream")}
        return session.post(
            self.url("/signalements/nouveau"),
            data={**fields, "csrf_token": token},
            files=files,
            headers=headers,
            allow_redirects=False,
            timeout=TIMEOUT,
        )

    def submit_api(self, body: dict, headers: dict | None = None) -> requests.Response:
        """POST a JSON report as a visitor with an address of its own (see :func:`client`)."""
        return client().post(
            self.url("/api/v1/reports"), json=body, headers=headers, timeout=TIMEOUT
        )

    def post_form(
        self, session: requests.Session, path: str, fields: dict, form_page: str | None = None
    ) -> requests.Response:
        """POST a form as a browser does, with the CSRF token of ``form_page`` (else ``path``)."""
        token = self.csrf(session, form_page or path)
        return session.post(
            self.url(path),
            data={**fields, "csrf_token": token},
            allow_redirects=False,
            timeout=TIMEOUT,
        )

    def agent_session(self, login: tuple[str, str] | None = None) -> requests.Session:
        """A session logged in on the agent page (the stack's public-space agent by default)."""
        email, password = login or self.stack.agent_login
        session = client()
        answer = self.post_form(
            session, "/agents/connexion", {"email": email, "password": password}
        )
        assert answer.status_code == 303, f"agent login of {email}: {answer.status_code}"
        return session

    # -- accounts
    def mail_link(self, email: str, subject: str, path: str) -> str:
        """Path and query of the ``path?jeton=`` link in the e-mail ``subject`` to ``email``."""
        text = self.stack.wait_for_message(email, subject, MAIL_TIMEOUT)["text"]
        link = re.search(rf"https?://[^\s\"<>]+{re.escape(path)}\?jeton=[^\s\"<>]+", text)
        assert link, f"no {path} link in {subject!r}: {text}"
        url = urlsplit(link.group(0))
        return f"{url.path}?{url.query}"

    def register_and_confirm(self, email: str, password: str) -> None:
        """Create an account with every field filled, then open its confirmation link."""
        visitor = client()
        answer = self.post_form(visitor, "/compte/creer", registration(email, password))
        assert answer.status_code == 200, answer.text[:500]
        assert email in answer.text
        link = self.mail_link(email, CONFIRM_SUBJECT, "/compte/confirmation")
        confirmed = self.get(link, visitor)
        assert confirmed.status_code == 200, confirmed.text[:500]

    def log_in(self, session: requests.Session, email: str, password: str) -> requests.Response:
        return self.post_form(session, "/connexion", {"email": email, "password": password})

    def citizen_session(self, email: str, password: str) -> requests.Session:
        """A new visitor logged in with ``email`` and ``password`` (sent on to Mon espace)."""
        session = client()
        answer = self.log_in(session, email, password)
        assert answer.status_code == 303, f"login of {email}: {answer.status_code}"
        assert answer.headers["Location"].endswith("/mon-espace")
        assert session.cookies.get(SESSION_COOKIE)
        return session

    def is_logged_out(self, session: requests.Session) -> bool:
        """/compte sends a visitor without a valid session to the login page."""
        answer = self.get("/compte", session, allow_redirects=False)
        return answer.status_code in (302, 303) and "/connexion" in answer.headers["Location"]

    def count_reports(self) -> int:
        return self.stack.count_rows("requests", "reports")

    def count_outbox(self) -> int:
        return self.stack.count_rows("requests", "outbox_events")


def client() -> requests.Session:
    """A visitor with an address of its own (the gateway trusts one proxy's
    X-Forwarded-For), so that per-IP rate limits never add up across tests."""
    session = requests.Session()
    session.headers["X-Forwarded-For"] = "10.{}.{}.{}".format(*uuid.uuid4().bytes[:3])
    return session


def new_password() -> str:
    """Long and of four kinds of characters, as the password policy asks."""
    return f"Tilleul-Saone-{uuid.uuid4().hex[:10]}-8!"


def registration(email: str, password: str) -> dict[str, str]:
    """Every field of the registration form."""
    return {
        "email": email,
        "password": password,
        "password_confirmation": password,
        "civility": "madame",
        "given_name": "Élise",
        "family_name": "Montessuy",
        "street": "3 rue Jean Moulin",
        "postal_code": "69300",
        "city": "Caluire-et-Cuire",
        "phone": "04 78 98 88 00",
        "email_notifications": "1",
    }


def report_fields(email: str, overrides: dict | None = None) -> dict[str, str]:
    """A valid report as the form sends it (French decimal commas in the coordinates).

    Every test reports at the same place: the citizen has already seen the similar open
    reports and makes their own (``nouveau_quand_meme``), as the second submit of the form
    does; tests/browser/test_report_map.py covers the suggestion itself."""
    fields = {
        "category": "voirie",
        "address": "12 avenue Général de Gaulle, Caluire-et-Cuire",
        "latitude": "45,7953",
        "longitude": "4,8467",
        "description": "Nid-de-poule profond sur la chaussée, devant le numéro 12.",
        "email": email,
        "nouveau_quand_meme": "1",
    }
    fields.update(overrides or {})
    return fields


def api_body(email: str, photo: bytes | None = None, overrides: dict | None = None) -> dict:
    body = {
        "category": "eclairage_public",
        "address": "Place Jules Ferry, Caluire-et-Cuire",
        "latitude": 45.7953,
        "longitude": 4.8467,
        "description": "Le lampadaire à l'angle de la place ne s'allume plus le soir.",
        "email": email,
    }
    if photo is not None:
        body["photo"] = {"filename": "lampadaire.jpg", "data": base64.b64encode(photo).decode()}
    body.update(overrides or {})
    return body


def make_jpeg_with_gps() -> bytes:
    """A small real JPEG whose EXIF carries a camera make and a GPS position."""
    image = Image.new("RGB", (320, 240), (200, 120, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Appareil de test"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (45.0, 47.0, 43.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (4.0, 50.0, 48.0),
        }
    )
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo), "no GPS written"
    return data


def poll(check: Callable[[], object], timeout: float, what: str) -> object:
    """The first truthy result of ``check``, or an AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still not true after {timeout:.0f} s")
        time.sleep(0.25)


def assert_stays(count: Callable[[], int], expected: int, seconds: float, what: str) -> None:
    """``count()`` equals ``expected`` during ``seconds`` (a late duplicate fails at once)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = count()
        assert found == expected, f"{what}: {found}, expected exactly {expected}"
        time.sleep(0.25)


@pytest.fixture(scope="session")
def portal(stack) -> Portal:
    return Portal(stack)


@pytest.fixture(scope="session")
def jpeg_with_gps() -> bytes:
    return make_jpeg_with_gps()


@pytest.fixture
def new_email(request) -> Callable[[str], str]:
    """Unique recipients, so that tests never see each other's mail."""
    base = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40]

    def make(tag: str = "") -> str:
        return f"{base}{'-' + tag if tag else ''}-{uuid.uuid4().hex[:8]}@exemple.fr"

    return make


@pytest.fixture
def helpers():
    """The module-level helpers above, for test modules (conftest cannot be imported)."""
    return HelperSet


class HelperSet:
    Page = Page
    client = staticmethod(client)
    new_password = staticmethod(new_password)
    SESSION_COOKIE = SESSION_COOKIE
    TRACKING_NUMBER = TRACKING_NUMBER
    registration = staticmethod(registration)
    CONFIRM_SUBJECT = CONFIRM_SUBJECT
    report_fields = staticmethod(report_fields)
    api_body = staticmethod(api_body)
    poll = staticmethod(poll)
    assert_stays = staticmethod(assert_stays)
