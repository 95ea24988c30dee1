"""The deploy files agree with the code: every component is there, on its port, with settings its class reads.

No Docker here: the local Procfile, the compose file and the Kubernetes manifests are parsed and checked against
each component's ``Settings`` (``<PREFIX>_<FIELD>`` or ``PORTAL_<FIELD>``), and the settings each file gives a
component are loaded through that class, so a production configuration that would refuse to start fails here.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from honcho.environ import parse as parse_dotenv
from honcho.environ import parse_procfile
from sqlalchemy.engine import make_url
from starlette.routing import Match

from portal_runtime.migrations import SERVICES as MIGRATABLE
from portal_runtime.settings import PortalSettings, ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NAMESPACE = "carm-portal"


@dataclass(frozen=True)
class Component:
    name: str  # compose and Kubernetes name, key of GATEWAY_SERVICES / PORTAL_INTERNAL_URLS
    process: str  # name in the local Procfile
    package: str
    prefix: str
    port: int
    readiness: str = "/readyz"  # database and broker reachable
    liveness: str = "/healthz"  # the process answers

    @property
    def is_service(self) -> bool:
        return self.name != "gateway"

    def settings_class(self) -> type[PortalSettings]:
        return importlib.import_module(f"{self.package}.config").Settings  # type: ignore[no-any-return]

    def env_names(self) -> set[str]:
        """Every environment variable the component's settings read."""
        cls = self.settings_class()
        return {prefix + field.upper() for field in cls.model_fields for prefix in (self.prefix, "PORTAL_")}

    def load_settings(self, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
        for name in os.environ:
            if name.startswith(PREFIXES):
                monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return self.settings_class()()


SERVICES = (
    Component("identity", "identity", "identity", "IDENTITY_", 8001),
    Component("business-registry", "registry", "business_registry", "REGISTRY_", 8002),
    Component("delegation", "delegation", "delegation", "DELEGATION_", 8003),
    Component("ledger", "ledger", "ledger", "LEDGER_", 8004),
    Component("rulings", "rulings", "rulings", "RULINGS_", 8005),
    Component("notifications", "notifications", "notifications", "NOTIFICATIONS_", 8006),
)
# The gateway's /healthz is the whole stack's health; its own, for probes, is /livez.
GATEWAY = Component("gateway", "gateway", "portal_gateway", "GATEWAY_", 8000, readiness="/livez", liveness="/livez")
COMPONENTS = (*SERVICES, GATEWAY)
PREFIXES = ("PORTAL_", *(c.prefix for c in COMPONENTS))
BY_NAME = {c.name: c for c in COMPONENTS}


def uvicorn_argv(component: Component, host: str) -> list[str]:
    return [
        "uvicorn",
        f"{component.package}.main:create_app",
        "--factory",
        "--host",
        host,
        "--port",
        str(component.port),
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "20",
    ]


def assert_known_settings(component: Component, names: set[str], where: str) -> None:
    unknown = sorted(names - component.env_names())
    assert not unknown, f"{where}: {component.name} sets {unknown}, which its Settings class does not read"


# ---------------------------------------------------------------- the components themselves


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.name)
def test_settings_classes_use_the_documented_prefix_then_portal(component: Component) -> None:
    cls = component.settings_class()
    assert cls.model_config["env_prefix"] == component.prefix
    assert issubclass(cls, PortalSettings)  # the PORTAL_ fallback lives there
    assert cls.model_fields["port"].default == component.port
    if component.is_service:
        assert issubclass(cls, ServiceSettings)
        assert MIGRATABLE[component.name][0] == component.package


def served_by_the_app(app: Any, path: str) -> bool:
    """A GET of ``path`` reaches one of the app's own routes (not the gateway's catch-all forwarding route)."""
    scope = {"type": "http", "method": "GET", "path": path, "root_path": ""}
    for route in app.router.routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return "{path:path}" not in getattr(route, "path", "")
    return False


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.name)
def test_probe_paths_are_served_by_the_component(component: Component, monkeypatch: pytest.MonkeyPatch) -> None:
    app = importlib.import_module(f"{component.package}.main").create_app(component.load_settings({}, monkeypatch))
    for path in {component.readiness, component.liveness, "/healthz"}:
        assert served_by_the_app(app, path), f"{component.name} does not serve GET {path}"


# ---------------------------------------------------------------- local stack (make run)


def procfile() -> dict[str, str]:
    return dict(parse_procfile((DEPLOY / "local" / "Procfile").read_text()).processes)


def local_env() -> dict[str, str]:
    return parse_dotenv((DEPLOY / "local" / ".env").read_text())


def test_procfile_lists_every_process_with_its_port() -> None:
    processes = procfile()
    assert set(processes) == {"broker", "ready", *(c.process for c in COMPONENTS)}
    assert processes["broker"].split() == ["portal-broker", "--port", "9092"]
    for service in SERVICES:
        assert processes[service.process].split() == uvicorn_argv(service, "127.0.0.1")
        assert importlib.util.find_spec(f"{service.package}.main") is not None
    assert processes["gateway"].split() == ["python", "-m", "portal_gateway"]
    assert importlib.util.find_spec("portal_gateway.__main__") is not None, "python -m needs a __main__.py"
    assert processes["ready"].split() == ["python", "deploy/local/ready.py", f"http://127.0.0.1:{GATEWAY.port}"]


def test_ready_process_finds_every_service_port_in_the_procfile() -> None:
    spec = importlib.util.spec_from_file_location("local_ready", DEPLOY / "local" / "ready.py")
    assert spec is not None and spec.loader is not None
    ready = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ready)
    assert ready.service_ports() == {s.process: s.port for s in SERVICES}


def test_local_env_is_development_on_the_local_broker_with_the_dev_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    env = local_env()
    assert env["PORTAL_ENVIRONMENT"] == "development"
    assert env["PORTAL_SANDBOX"] == "1"
    assert env["PORTAL_KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:9092"  # the broker process's port
    assert env["PORTAL_CONTEXT_PUBLIC_KEY"] == "var/keys/context-public.jwk"  # what tools/devkeys.py writes
    assert env["GATEWAY_CONTEXT_PRIVATE_KEY"] == "var/keys/context-private.jwk"
    assert env["IDENTITY_TOTP_KEYS"] == "var/keys/identity-totp.keys"  # tools/devkeys.py writes it too
    urls = json.loads(env["PORTAL_INTERNAL_URLS"])
    assert urls == {s.name: f"http://127.0.0.1:{s.port}" for s in SERVICES}
    for component in COMPONENTS:
        own = {n for n in env if n.startswith(component.prefix)}
        assert_known_settings(component, own, "deploy/local/.env")
        settings = component.load_settings(env, monkeypatch)
        assert settings.environment == "development"
        if component.is_service:
            assert settings.database_url == f"sqlite+aiosqlite:///var/{component.name}.db"
        else:
            assert settings.services == urls  # the gateway's defaults are the Procfile's ports
    portal = {n for n in env if n.startswith("PORTAL_")}
    read_by_someone = set().union(*(c.env_names() for c in COMPONENTS))
    assert portal <= read_by_someone
    assert set(env) - portal - {n for n in env if n.startswith(PREFIXES)} <= {"PYTHONUNBUFFERED"}


# ---------------------------------------------------------------- compose


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())  # type: ignore[no-any-return]


def compose_env(service: dict[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in service["environment"].items()}


def secret_paths(compose: dict[str, Any], service: dict[str, Any]) -> set[str]:
    assert all(name in compose["secrets"] for name in service.get("secrets", []))
    return {f"/run/secrets/{name}" for name in service.get("secrets", [])}


def test_compose_has_infrastructure_and_every_component(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "kafka", *BY_NAME}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert "./postgres/init.sql:/docker-entrypoint-initdb.d/init.sql:ro" in services["postgres"]["volumes"]
    kafka = services["kafka"]
    assert re.fullmatch(r"apache/kafka:3\.\d+\.\d+", kafka["image"])
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper
    assert kafka["environment"]["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    for name in BY_NAME:
        assert services[name]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    for name, path in {
        "context-public-key": "context-public.jwk",
        "context-private-key": "context-private.jwk",
        "identity-totp-keys": "identity-totp.keys",
    }.items():
        assert (DEPLOY / compose["secrets"][name]["file"]).resolve() == ROOT / "var" / "keys" / path


@pytest.mark.parametrize("component", SERVICES, ids=lambda c: c.name)
def test_compose_service(compose: dict[str, Any], component: Component, monkeypatch: pytest.MonkeyPatch) -> None:
    service = compose["services"][component.name]
    assert service["command"] == uvicorn_argv(component, "0.0.0.0")
    assert f"http://127.0.0.1:{component.port}{component.readiness}" in " ".join(service["healthcheck"]["test"])
    assert "ports" not in service  # only the gateway is published
    env = compose_env(service)
    assert_known_settings(component, set(env), "deploy/compose.yaml")
    assert env["PORTAL_CONTEXT_PUBLIC_KEY"] in secret_paths(compose, service)
    assert json.loads(env["PORTAL_INTERNAL_URLS"]) == {s.name: f"http://{s.name}:{s.port}" for s in SERVICES}

    settings = component.load_settings(env, monkeypatch)
    assert settings.environment == "production"
    assert settings.kafka_bootstrap_servers == "kafka:9092"
    assert settings.kafka_enable_idempotence is True
    url = make_url(settings.database_url)
    assert (url.drivername, url.host) == ("postgresql+asyncpg", "postgres")
    init_sql = (DEPLOY / "postgres" / "init.sql").read_text()
    assert f"CREATE ROLE {url.username} LOGIN PASSWORD '{url.password}';" in init_sql
    assert f"CREATE DATABASE {url.database} OWNER {url.username};" in init_sql


def test_compose_services_have_databases_of_their_own(compose: dict[str, Any]) -> None:
    urls = [make_url(compose_env(compose["services"][s.name])[f"{s.prefix}DATABASE_URL"]) for s in SERVICES]
    assert len({u.database for u in urls}) == len({u.username for u in urls}) == len(SERVICES)


def test_compose_gateway(compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    gateway = compose["services"]["gateway"]
    assert gateway["command"] == ["python", "-m", "portal_gateway"]
    assert gateway["ports"] == [f"{GATEWAY.port}:{GATEWAY.port}"]
    assert f"http://127.0.0.1:{GATEWAY.port}{GATEWAY.liveness}" in " ".join(gateway["healthcheck"]["test"])
    env = compose_env(gateway)
    assert_known_settings(GATEWAY, set(env), "deploy/compose.yaml")
    assert env["GATEWAY_CONTEXT_PRIVATE_KEY"] in secret_paths(compose, gateway)

    settings = GATEWAY.load_settings(env, monkeypatch)
    assert settings.environment == "production"
    assert (settings.host, settings.port) == ("0.0.0.0", GATEWAY.port)
    assert settings.services == {s.name: f"http://{s.name}:{s.port}" for s in SERVICES}
    assert settings.kafka_enable_idempotence is True
    url = make_url(settings.database_url)  # the gateway's own: outage windows and the store-and-forward queue
    assert (url.drivername, url.host) == ("postgresql+asyncpg", "postgres")
    init_sql = (DEPLOY / "postgres" / "init.sql").read_text()
    assert f"CREATE ROLE {url.username} LOGIN PASSWORD '{url.password}';" in init_sql
    assert f"CREATE DATABASE {url.database} OWNER {url.username};" in init_sql
    assert "postgres" in gateway["depends_on"]


# ---------------------------------------------------------------- Kubernetes


@pytest.fixture(scope="module")
def manifests() -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text()):
            key = (document["kind"], document["metadata"]["name"])
            assert key not in found, f"{key} defined twice"
            found[key] = document
    return found


def test_kustomization_lists_every_manifest(manifests: dict[tuple[str, str], dict[str, Any]]) -> None:
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    files = {p.name for p in (DEPLOY / "k8s").glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    assert kustomization["namespace"] == NAMESPACE
    assert ("Namespace", NAMESPACE) in manifests
    for (kind, _), document in manifests.items():
        if kind != "Namespace":
            assert document["metadata"]["namespace"] == NAMESPACE


def container_env(
    manifests: dict[tuple[str, str], dict[str, Any]], container: dict[str, Any], secret_value: str
) -> dict[str, str]:
    """The container's environment as Kubernetes builds it: ConfigMaps, then env; Secrets get ``secret_value``."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(manifests[("ConfigMap", source["configMapRef"]["name"])]["data"])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        elif item["valueFrom"]["secretKeyRef"]["name"] == "portal-internal":
            env[item["name"]] = "k" * 43  # what `secrets.token_urlsafe(32)` gives
        else:
            assert item["valueFrom"]["secretKeyRef"]["name"] == "portal-database"
            env[item["name"]] = secret_value
    return env


def mounted_files(pod: dict[str, Any], container: dict[str, Any]) -> set[str]:
    volumes = {v["name"]: v for v in pod["volumes"]}
    files = set()
    for mount in container.get("volumeMounts", []):
        secret = volumes[mount["name"]].get("secret")
        if secret:
            files |= {f"{mount['mountPath']}/{item['path']}" for item in secret["items"]}
    return files


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.name)
def test_kubernetes_component(
    manifests: dict[tuple[str, str], dict[str, Any]], component: Component, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment = manifests[("Deployment", component.name)]
    pod = deployment["spec"]["template"]["spec"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"] == {"path": component.readiness, "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": component.liveness, "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": component.port}]
    assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
    assert "memory" in container["resources"]["limits"]

    service = manifests[("Service", component.name)]
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"] == [{"name": "http", "port": component.port, "targetPort": "http"}]

    database_url = f"postgresql+asyncpg://{component.package}:secret@db:5432/{component.package}"
    env = container_env(manifests, container, database_url)
    assert_known_settings(component, set(env), "deploy/k8s")
    settings = component.load_settings(env, monkeypatch)
    assert settings.environment == "production"
    if component.is_service:
        assert container["command"] == uvicorn_argv(component, "0.0.0.0")
        assert settings.kafka_enable_idempotence is True
        assert settings.context_public_key in mounted_files(pod, container)
    else:
        assert container["command"] == ["python", "-m", "portal_gateway"]
        assert (settings.host, settings.port) == ("0.0.0.0", GATEWAY.port)
        assert settings.context_private_key in mounted_files(pod, container)
        assert settings.services == {s.name: f"http://{s.name}:{s.port}" for s in SERVICES}
        # Several replicas (the autoscaler): one set of rate-limit buckets for all of them.
        assert settings.rate_limit_redis_url.startswith("redis://")
    # Every component with a database migrates it in an init container, and does not race its replicas.
    assert settings.database_url == database_url
    assert settings.auto_migrate is False
    (init,) = pod["initContainers"]
    assert init["command"] == ["portal-migrate", "upgrade", component.name]
    init_settings = component.load_settings(container_env(manifests, init, database_url), monkeypatch)
    assert init_settings.database_url == database_url


def test_kubernetes_gateway_scales_horizontally(manifests: dict[tuple[str, str], dict[str, Any]]) -> None:
    hpa = manifests[("HorizontalPodAutoscaler", "gateway")]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "gateway"}
    assert 1 < hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]


# ---------------------------------------------------------------- image, CI, README


def test_dockerfile_builds_the_locked_workspace_as_a_non_root_user() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.findall(r"^FROM (\S+)", dockerfile, re.M) == ["python:3.11-slim", "python:3.11-slim"]
    assert "uv sync --frozen --no-dev" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]
    members = {p.relative_to(ROOT).as_posix() for pattern in workspace for p in ROOT.glob(pattern)}
    copied = set(re.findall(r"^COPY (\S+)/pyproject\.toml", dockerfile, re.M))
    assert copied == members, "the dependency layer must copy every workspace member's pyproject.toml"


def test_ci_runs_the_readme_test_command() -> None:
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    subprocess.run(["bash", "-n", str(ci)], check=True)
    assert "set -euo pipefail" in ci.read_text()
    assert "make test" in ci.read_text().splitlines()
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"^make test$", readme, re.M)
    assert re.search(r"^make run$", readme, re.M)
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test:.*\n\t\$\(VENV\)/bin/pytest -q$", makefile, re.M)


def test_devkeys_writes_the_totp_key_ring_once(tmp_path: Path) -> None:
    """The ring is never replaced (sealed TOTP secrets would become unreadable); identity reads what it writes."""
    import sys

    from identity.config import Settings as IdentitySettings
    from identity.factors.sealing import totp_key_ring

    devkeys = [sys.executable, str(ROOT / "tools" / "devkeys.py"), "--dir", str(tmp_path)]
    subprocess.run(devkeys, check=True)
    first = (tmp_path / "identity-totp.keys").read_text()
    subprocess.run([*devkeys, "--force"], check=True)  # --force replaces the context pair, never the ring
    assert (tmp_path / "identity-totp.keys").read_text() == first
    assert oct((tmp_path / "identity-totp.keys").stat().st_mode & 0o777) == "0o600"
    ring = totp_key_ring(IdentitySettings(environment="test", totp_keys=str(tmp_path / "identity-totp.keys")))
    assert ring.current.startswith("dev-")
