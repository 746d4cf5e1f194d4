"""Local run of the whole portal (`make run` calls `python -m devstack.run`).

1. makes sure RabbitMQ answers (uses the one on localhost:5672, else starts Debian's
   ``rabbitmq-server``, installing it first when running as root with apt-get; see
   :mod:`devstack.rabbitmq`);
2. makes sure PostgreSQL answers (the one at ``LOCAL_POSTGRES_URL``, by default
   ``localhost:5432``, else an embedded server with its data in ``var/postgres``, see
   :mod:`devstack.postgres`) and creates the databases ``portail_<service>`` that are missing;
3. creates ``var/`` with a generated gateway secret key, the key pair that signs callers
   (``var/caller_signing_key.pem``: the gateway signs, the services get its public key) and
   the demo accounts' passwords;
4. exports the development settings (those databases, FranceConnect through the test provider
   :mod:`devstack.franceconnect` on port 8200, the map's tiles and geocoder through
   :mod:`devstack.geo` on port 8300);
5. migrates every service's database (``services/*/alembic.ini``);
6. creates, once, a demo administrator and demo agents (public space, SimpliCité, régie,
   état civil, vie pratique; accounts CLI), and the demo family a newcomer activates in
   "Mon compte famille" (:mod:`family.demo`), with an invoice to pay (:mod:`billing.demo`);
7. starts :mod:`devstack.seed` in the background (demo reports, once);
8. runs ``honcho start`` on ``devstack/devstack/Procfile`` (each service and the gateway under
   :mod:`devstack.supervise`, so one that stops does not take the others down), prints the
   addresses and the demo logins once the gateway is ready, and on Ctrl+C (or SIGTERM) stops
   the embedded PostgreSQL last, once every process of the portal has stopped.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from contracts import signed_caller
from devstack import franceconnect_state, queues
from devstack.postgres import PostgresUnavailable, ensure_databases, local_postgres
from devstack.processes import answers, say
from devstack.rabbitmq import DEFAULT_AMQP_URI, ensure_rabbitmq
from family.demo import DEMO_FIRST_NAMES, DEMO_IDENTIFIER, DEMO_NAME

REPO_ROOT = Path(__file__).resolve().parents[2]
PROCFILE = Path(__file__).resolve().parent / "Procfile"
PUBLIC_URL = "http://localhost:8000"
MAIL_PAGE_URL = "http://localhost:1080"
PAYMENTS_URL = "http://localhost:8100"
FRANCECONNECT_URL = "http://localhost:8200"
GEO_URL = "http://localhost:8300"
LOCAL_PORTS = {
    8000: "gateway",
    1025: "SMTP sink",
    1080: "SMTP sink (web)",
    8200: "FranceConnect test provider",
    8300: "tile server and geocoder stand-in",
    9100: "gateway metrics",
}
# Prometheus endpoints of the local run: the gateway's own port, each service's health port.
METRICS_URLS = [
    ("passerelle / gateway", "http://localhost:9100/metrics"),
    ("accounts", "http://localhost:8010/metrics"),
    ("requests", "http://localhost:8011/metrics"),
    ("family", "http://localhost:8012/metrics"),
    ("billing", "http://localhost:8013/metrics"),
    ("notifications", "http://localhost:8014/metrics"),
]
# Demo agent accounts of the local run: (file of the password in var/, e-mail, given name,
# family name, roles).
DEMO_ACCOUNTS = [
    ("demo_admin_password", "administrateur@exemple.fr", "Camille", "Admin", ["admin"]),
    (
        "demo_agent_password",
        "agent@exemple.fr",
        "Dominique",
        "Agent",
        ["agent_espace_public"],
    ),
    (
        "demo_simplicite_password",
        "simplicite@exemple.fr",
        "Claude",
        "SimpliCité",
        ["agent_simplicite"],
    ),
    (
        "demo_regie_password",
        "regie@exemple.fr",
        "Sacha",
        "Régie",
        ["agent_regie"],
    ),
    (
        "demo_etat_civil_password",
        "etat-civil@exemple.fr",
        "Dominique",
        "État civil",
        ["agent_etat_civil"],
    ),
    (  # a colleague, so that a request can be assigned to someone else
        "demo_etat_civil_2_password",
        "etat-civil-2@exemple.fr",
        "Morgan",
        "État civil",
        ["agent_etat_civil"],
    ),
    (
        "demo_vie_pratique_password",
        "vie-pratique@exemple.fr",
        "Alix",
        "Vie pratique",
        ["agent_vie_pratique"],
    ),
]
DEMO_ACCOUNTS_MARKER = "demo-accounts-created"

# Words for a readable demo password (no accents, so it is easy to type anywhere).
WORDS = [
    "tilleul",
    "platane",
    "saone",
    "rhone",
    "colline",
    "fontaine",
    "traboule",
    "belvedere",
    "lavoir",
    "jardin",
    "marronnier",
    "cerisier",
    "ecluse",
    "passerelle",
    "montee",
    "terrasse",
    "clocher",
    "verger",
    "muguet",
    "lilas",
    "glycine",
    "peuplier",
    "bouleau",
    "noisetier",
    "mirabelle",
]


def read_or_create(path: Path, make) -> str:
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    value = make()
    path.write_text(value + "\n", encoding="utf-8")
    path.chmod(0o600)
    return value


def demo_password() -> str:
    return "-".join(secrets.choice(WORDS) for _ in range(3)) + f"-{secrets.randbelow(90) + 10}"


def caller_keys(env: dict[str, str], var: Path) -> dict[str, str]:
    """The signing key (from the environment, else made once under ``var/``) and its public key."""
    private = env.get("CALLER_SIGNING_KEY") or read_or_create(
        var / "caller_signing_key.pem",
        lambda: signed_caller.private_pem(signed_caller.generate_key()).strip(),
    )
    public = signed_caller.public_pem(signed_caller.load_signing_key(private))
    return {"CALLER_SIGNING_KEY": private, "CALLER_VERIFY_KEY": public}


def service_dirs(root: Path = REPO_ROOT) -> list[Path]:
    """Every service with its own migrations: ``services/<name>/alembic.ini``."""
    return sorted(p.parent for p in root.glob("services/*/alembic.ini"))


def database_variable(service_dir: Path) -> str:
    return service_dir.name.upper().replace("-", "_") + "_DATABASE_URL"


def local_environment(database_urls: dict[str, str], root: Path = REPO_ROOT) -> dict[str, str]:
    """The settings of the local run; anything already set in the environment wins."""
    var = root / "var"
    var.mkdir(exist_ok=True)
    (var / "mail").mkdir(exist_ok=True)
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    defaults = {
        "PORTAL_ENV": "development",
        "PYTHONUNBUFFERED": "1",
        "AMQP_URI": DEFAULT_AMQP_URI,
        "GATEWAY_SECRET_KEY": read_or_create(
            var / "gateway_secret_key", lambda: secrets.token_urlsafe(48)
        ),
        "GATEWAY_PUBLIC_URL": PUBLIC_URL,
        # The test provider's defaults (python -m devstack.franceconnect, Procfile).
        "FRANCECONNECT_ISSUER": franceconnect_state.DEFAULT_ISSUER,
        "FRANCECONNECT_CLIENT_ID": franceconnect_state.DEFAULT_CLIENT_ID,
        "FRANCECONNECT_CLIENT_SECRET": franceconnect_state.DEFAULT_CLIENT_SECRET,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": "1025",
        # The map's stand-ins (python -m devstack.geo, Procfile): no outside server is reached.
        "MAP_TILE_URL": GEO_URL + "/{z}/{x}/{y}.png",
        "MAP_ATTRIBUTION": "Fond de carte neutre (développement)",
        "GEOCODER_URL": GEO_URL,
        # The town's own démarches: the example shipped in the repository.
        "DEMARCHES_FILE": str(root / "deploy" / "demarches.example.json"),
        **caller_keys(env, var),
    }
    for service_dir in service_dirs(root):
        defaults[database_variable(service_dir)] = database_urls[service_dir.name]
    for key, value in defaults.items():
        env.setdefault(key, value)
    return env


def migrate(env: dict[str, str], root: Path = REPO_ROOT) -> None:
    alembic = shutil.which("alembic", path=env["PATH"]) or "alembic"
    for service_dir in service_dirs(root):
        say(f"Migrations : {service_dir.relative_to(root)}")
        subprocess.run(
            [alembic, "-c", "alembic.ini", "upgrade", "head"], cwd=service_dir, env=env, check=True
        )


def demo_logins(root: Path = REPO_ROOT) -> list[tuple[str, str, list[str]]]:
    """(e-mail, password, roles) of the demo agents; the passwords are kept in ``var/``."""
    var = root / "var"
    return [
        (email, read_or_create(var / filename, demo_password), roles)
        for filename, email, _, _, roles in DEMO_ACCOUNTS
    ]


def create_demo_accounts(env: dict[str, str], root: Path = REPO_ROOT) -> None:
    """The demo administrator and agent, with the accounts CLI, each once: the e-mails
    created are listed in ``var/demo-accounts-created``."""
    marker = root / "var" / DEMO_ACCOUNTS_MARKER
    done = set(marker.read_text(encoding="utf-8").split()) if marker.exists() else set()
    passwords = {email: password for email, password, _ in demo_logins(root)}
    for _, email, given_name, family_name, roles in DEMO_ACCOUNTS:
        if email in done:
            continue
        command = [sys.executable, "-m", "accounts.cli", "create-agent", "--email", email]
        command += ["--given-name", given_name, "--family-name", family_name]
        command += [part for role in roles for part in ("--role", role)]
        command += ["--password", passwords[email]]
        if subprocess.run(command, cwd=root, env=env, check=False).returncode != 0:
            say(f"Compte de démonstration non créé / demo account not created: {email}")
            continue
        with marker.open("a", encoding="utf-8") as created:
            created.write(email + "\n")


def create_demo_family(env: dict[str, str], root: Path = REPO_ROOT) -> None:
    """The demo family (``family.demo``), added when its identifier is not in the database,
    and its first invoice (``billing.demo``), added when the family has none."""
    command = [sys.executable, "-m", "family.demo"]
    if subprocess.run(command, cwd=root, env=env, check=False).returncode != 0:
        say("Famille de démonstration non créée / demo family not created")
    command = [sys.executable, "-m", "billing.demo"]
    if subprocess.run(command, cwd=root, env=env, check=False).returncode != 0:
        say("Facture de démonstration non créée / demo invoice not created")


def banner(env: dict[str, str], logins: list[tuple[str, str, list[str]]]) -> str:
    url = env["GATEWAY_PUBLIC_URL"]
    line = "=" * 72
    accounts = "\n".join(
        f"      {email} / {password} ({', '.join(roles)})" for email, password, roles in logins
    )
    metrics = "\n".join(f"      {name:<21} {address}" for name, address in METRICS_URLS)
    return f"""
{line}
  Portail citoyen de {env.get("TOWN_NAME", "Caluire-et-Cuire")} : démarrage local
  Citizen portal: local run

  Portail / portal ............... {url}
  Créer un compte / sign up ...... {url}/compte/creer
  Espace agents / agent page ..... {url}/agents/connexion
{accounts}
  Rendez-vous passeport, CNI ..... {url}/rendez-vous
  Salle des fêtes ................ {url}/salle-des-fetes
  Mon compte famille ............. {url}/famille/activation
      n° {DEMO_IDENTIFIER}, nom {DEMO_NAME}, prénom {" ou ".join(DEMO_FIRST_NAMES)}
  Mes factures / invoices ........ {url}/famille/factures (après activation / once linked)
  Régie (agents) ................. {url}/agents/regie
  FranceConnect (test) ........... {FRANCECONNECT_URL}
  Paiement (simulateur) / payment  {PAYMENTS_URL}
  Carte et adresses (tuiles, BAN)  {GEO_URL}
  Courriels reçus / received mail  {MAIL_PAGE_URL}
  Métriques / metrics (Prometheus)
{metrics}

  Arrêt / stop: Ctrl+C
{line}
"""


def prepare_databases(root: Path = REPO_ROOT):
    """The local PostgreSQL (the embedded one, when started, is returned to be stopped) and
    the URL of each service's database."""
    (root / "var").mkdir(exist_ok=True)
    server_url, embedded = local_postgres(root / "var" / "postgres")
    where = "embarqué / embedded, var/postgres" if embedded else "local"
    say(f"PostgreSQL ({where}) : {server_url}")
    names = [service_dir.name for service_dir in service_dirs(root)]
    return embedded, ensure_databases(server_url, names)


def run_portal(env: dict[str, str]) -> int:
    """``honcho start`` until it ends; Ctrl+C reaches honcho from the terminal, a SIGTERM sent
    to this process is passed on to it."""
    honcho = shutil.which("honcho", path=env["PATH"]) or "honcho"
    command = [honcho, "start", "-f", str(PROCFILE), "-d", str(REPO_ROOT)]
    process = subprocess.Popen(command, env=env)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: process.send_signal(signal.SIGTERM))
    status = process.wait()
    if status in (130, -signal.SIGINT, -signal.SIGTERM):  # Ctrl+C or a stop asked: a normal end
        say("Portail arrêté / portal stopped")
        return 0
    return status


def announce_when_ready(env: dict[str, str], text: str, seconds: float = 180) -> None:
    """Print ``text`` (the addresses and logins) once the gateway answers ``/readyz``, so the
    addresses are not shown before they work; say so if it never does."""
    ready = f"{env['GATEWAY_PUBLIC_URL']}/readyz"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(ready, timeout=2) as answer:
                if answer.status == 200:
                    print(text, flush=True)
                    return
        except OSError:
            pass
        time.sleep(0.5)
    say(f"La passerelle ne répond pas sur {ready} / the gateway is not ready: voir les journaux")


def main() -> None:
    os.chdir(REPO_ROOT)
    if not ensure_rabbitmq():
        sys.exit(1)
    queues.replace_classic_event_queues("/", say)
    try:
        embedded, database_urls = prepare_databases()
    except (PostgresUnavailable, subprocess.CalledProcessError) as error:
        say(f"PostgreSQL indisponible / unavailable: {error}")
        sys.exit(1)
    status = 1
    try:
        status = start(local_environment(database_urls))
    finally:
        if embedded is not None:
            say("Arrêt de PostgreSQL (embarqué) / stopping the embedded PostgreSQL")
            embedded.stop()
    sys.exit(status)


def start(env: dict[str, str]) -> int:
    """Migrations, demo data, then the portal's processes until they stop."""
    for port, what in LOCAL_PORTS.items():
        if answers("127.0.0.1", port, timeout=0.3):
            say(f"Attention : le port {port} ({what}) est déjà pris / port already in use")
    try:
        migrate(env)
    except subprocess.CalledProcessError as error:
        say(f"Échec des migrations / migrations failed: {error}")
        return 1
    create_demo_accounts(env)
    create_demo_family(env)
    seed = subprocess.Popen(
        [sys.executable, "-m", "devstack.seed", env["GATEWAY_PUBLIC_URL"], "var/demo-seeded"],
        env=env,
    )
    threading.Thread(target=seed.wait, daemon=True).start()  # reaped when it ends
    say("Démarrage du portail / starting the portal…")
    text = banner(env, demo_logins())
    threading.Thread(target=announce_when_ready, args=(env, text), daemon=True).start()
    return run_portal(env)


if __name__ == "__main__":
    main()
