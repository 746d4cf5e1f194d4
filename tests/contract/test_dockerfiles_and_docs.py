"""The Dockerfiles and the deployment guides agree with the code.

Dockerfiles are read as text: non-root, one process started by CMD, pinned installs of
exactly the repository packages each image needs. The guides must make every secret the
services need, and settings that were removed must not come back. Nothing is built.
"""

import json
import re
import tomllib
from pathlib import Path

import yaml

# Python packages whose name differs from their folder (docs/design.md, "Layout and names").
PACKAGES = {"requests": "requests_service"}
# Distribution names of the packages that live in this repository, and their folders.
LOCAL_PACKAGES = {"portail-contracts": "contracts", "portail-chassis": "chassis"}
# Settings of issue 2 that must not come back (agents have accounts since issue 3).
REMOVED_SETTINGS = ("GATEWAY_AGENT_PASSWORD", "agent-password")


def local_dependencies(root: Path, folder: str) -> set[str]:
    """Folders of the repository's packages that the package in `folder` needs, itself included."""
    needed, pending = set(), [folder]
    while pending:
        current = pending.pop()
        needed.add(current)
        pyproject = tomllib.loads((root / current / "pyproject.toml").read_text(encoding="utf-8"))
        for requirement in pyproject["project"].get("dependencies", []):
            name = re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()
            if name in LOCAL_PACKAGES and LOCAL_PACKAGES[name] not in needed:
                pending.append(LOCAL_PACKAGES[name])
    return needed


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            result.append((keyword.upper(), arguments.strip()))
    return result


def final_stage(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    start = max(index for index, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[start:]


def exec_form(arguments: str) -> list[str]:
    command = json.loads(arguments)
    assert isinstance(command, list) and command, 'use the exec form: ["program", ...]'
    return command


# --- Dockerfiles --------------------------------------------------------------------------


def test_dockerfile_runs_as_non_root_with_healthcheck(helpers, component):
    dockerfile = helpers.ROOT / helpers.COMPONENTS[component][0]
    assert dockerfile.is_file(), f"{dockerfile.relative_to(helpers.ROOT)} is missing"
    steps = final_stage(instructions(dockerfile))
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [arguments for keyword, arguments in steps if keyword == "USER"]
    assert users, "the image must switch to a non-root USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    keywords = [keyword for keyword, _ in steps]
    assert {"CMD", "HEALTHCHECK", "EXPOSE"} <= set(keywords)
    assert "ENTRYPOINT" not in keywords, "one process, started by CMD"
    assert ("STOPSIGNAL", "SIGTERM") in steps
    cmd = exec_form(dict(steps)["CMD"])
    assert "alembic" not in cmd and "sh" not in cmd


def test_dockerfile_installs_pinned_packages_from_the_repository_root(helpers, component):
    root = helpers.ROOT
    dockerfile, folder = helpers.COMPONENTS[component]
    steps = instructions(root / dockerfile)
    installs = [arguments for keyword, arguments in steps if "pip install" in arguments]
    assert installs, "no pip install"
    for command in installs:
        assert "--no-cache-dir" in command and "-c constraints.txt" in command
        assert f"./{folder}" in command
    sources = [
        part
        for keyword, arguments in steps
        if keyword == "COPY" and "--from=" not in arguments
        for part in arguments.split()[:-1]
        if not part.startswith("--")
    ]
    assert (root / folder / "pyproject.toml").is_file(), f"{folder}/ has no pyproject.toml"
    missing = [source for source in sources if not (root / source).exists()]
    assert missing == [], "COPY sources missing from the repository (the build context)"
    packages = {source.rstrip("/") for source in sources if source != "constraints.txt"}
    assert packages == local_dependencies(root, folder), "copy exactly the packages the image needs"
    for command in installs:
        assert set(re.findall(r"\./([\w/-]+)", command)) == packages


def test_service_image_runs_nameko_on_its_health_port(helpers, service):
    steps = final_stage(instructions(helpers.ROOT / helpers.COMPONENTS[service][0]))
    package = PACKAGES.get(service, service)
    cmd = exec_form(dict(steps)["CMD"])
    assert cmd == ["python", "-m", "chassis.run", "--config", "config.yml", f"{package}.service"]
    port = helpers.web_server_ports()[service]
    assert ("EXPOSE", str(port)) in steps
    env = " ".join(arguments for keyword, arguments in steps if keyword == "ENV")
    assert f"WEB_SERVER_ADDRESS=0.0.0.0:{port}" in env.split()


def test_gateway_and_sink_commands(helpers):
    gateway = dict(final_stage(instructions(helpers.ROOT / "gateway/Dockerfile")))
    assert exec_form(gateway["CMD"])[:1] == ["gunicorn"]
    assert "gateway:create_app()" in exec_form(gateway["CMD"])
    assert "0.0.0.0:8000" in exec_form(gateway["CMD"])
    assert set(gateway["EXPOSE"].split()) == {"8000", "9100"}, "the portal and its metrics"
    command = exec_form(gateway["CMD"])
    assert command[command.index("-c") + 1] == "python:gateway.gunicorn_config"
    sink = dict(final_stage(instructions(helpers.ROOT / "devstack/Dockerfile")))
    sink_cmd = exec_form(sink["CMD"])
    assert sink_cmd[:3] == ["python", "-m", "devstack.smtp_sink"]
    assert "--host" in sink_cmd and sink_cmd[sink_cmd.index("--host") + 1] == "0.0.0.0"
    assert set(sink["EXPOSE"].split()) == {"1025", "1080"}


def test_dockerignore_keeps_local_state_out_of_the_build_context(helpers):
    ignored = set((helpers.ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".git", ".venv", "var", "test-results", "**/__pycache__"} <= ignored


# --- Deployment guides ----------------------------------------------------------------------


def test_the_shared_agent_password_is_gone(deployment_file):
    text = deployment_file.read_text(encoding="utf-8")
    assert [word for word in REMOVED_SETTINGS if word in text] == []


def test_deploy_guide_makes_every_database_password(helpers):
    text = (helpers.ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    recipe = text.split("cat > .env <<EOF", 1)[1].split("EOF", 1)[0]
    for name in helpers.SERVICES:
        assert f"{name.upper()}_DB_PASSWORD=$(secret)" in recipe, name


def test_deploy_guide_makes_every_rabbitmq_login_and_the_caller_keys(helpers):
    text = (helpers.ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    recipe = text.split("cat > .env <<EOF", 1)[1].split("EOF", 1)[0]
    for name in [*helpers.SERVICES, "gateway"]:
        assert f"{name.upper()}_RABBITMQ_PASSWORD=$(secret)" in recipe, name
    assert "python -m contracts.signed_caller)" in recipe
    assert "Trust model" in text and "Rotating" in text


def test_the_pipeline_builds_scans_and_pushes_every_image_by_digest(helpers):
    pipeline = yaml.safe_load((helpers.ROOT / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    matrix = pipeline[".components"]["parallel"]["matrix"]
    built = {entry["COMPONENT"]: entry["DOCKERFILE"] for entry in matrix}
    assert built == {name: dockerfile for name, (dockerfile, _) in helpers.COMPONENTS.items()}
    for job in ("build", "scan", "push"):
        assert pipeline[job]["parallel"]["matrix"] == matrix, job
    scan = " ".join(pipeline["scan"]["script"])
    assert "trivy image" in scan and "--exit-code 1" in scan
    assert set(pipeline["push"]["needs"]) == {"build", "scan"}, "nothing unscanned is pushed"
    assert "--digestfile" in " ".join(pipeline["push"]["script"])
    assert "digest:" in " ".join(pipeline["overlay-images"]["script"])
    assert "bash .ci/run" in pipeline["test"]["script"]
