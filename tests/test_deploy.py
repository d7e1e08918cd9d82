"""The container files: no Docker engine runs here, so check what can be checked without one —
the compose file's shape, the Dockerfile's health check, and the entrypoint script run for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_compose_has_api_and_app_on_one_home_volume_with_health_checks():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"api", "app"}
    for name, svc in services.items():
        assert "griffier-home:/data" in svc["volumes"], name
        assert "healthcheck" in svc and svc["healthcheck"]["test"][0] == "CMD", name
        assert all(p.startswith("127.0.0.1:") for p in svc["ports"]), name  # loopback unless proxied
    assert services["api"]["command"][:2] == ["griffier", "serve"]
    assert services["app"]["command"][:2] == ["griffier", "ui"]
    assert "/health" in " ".join(services["api"]["healthcheck"]["test"])
    assert "griffier-home" in compose["volumes"]


def test_dockerfile_uses_the_installer_and_declares_the_home_volume():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "bash scripts/install.sh" in text and "GRIFFIER_HOME=/data" in text
    assert 'VOLUME ["/data"]' in text and "HEALTHCHECK" in text and "USER griffier" in text


def test_entrypoint_creates_the_first_admin_once_then_runs_the_command(tmp_path):
    env = {**os.environ, "GRIFFIER_HOME": str(tmp_path / "home"), "GRIFFIER_ADMIN_USER": "beheer",
           "GRIFFIER_ADMIN_PASSWORD": "beheer-wachtwoord",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    script = str(ROOT / "scripts" / "docker-entrypoint.sh")
    out = subprocess.run(["bash", script, "bash", "-c", "echo started; echo ${GRIFFIER_ADMIN_PASSWORD:-unset}"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-2:] == ["started", "unset"]  # the password does not reach the service
    users = subprocess.run(["griffier", "users", "list", "--json"], env=env, capture_output=True, text=True)
    assert json.loads(users.stdout)["users"] == [{"username": "beheer", "role": "admin", "collections": ["*"]}]
    # A second start with another password changes nothing.
    env["GRIFFIER_ADMIN_PASSWORD"] = "ander-wachtwoord"
    assert subprocess.run(["bash", script, "true"], env=env, capture_output=True, timeout=120).returncode == 0
    from corpus.settings import load_settings
    from ui.office import Office

    office = Office(load_settings({"home": tmp_path / "home"}, env={}))
    assert office.authenticate("beheer", "beheer-wachtwoord").role == "admin"
