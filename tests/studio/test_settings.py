"""The settings file is driven by the environment, and every variable it reads is documented."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _names_read_by_settings() -> set[str]:
    source = (ROOT / "studio" / "settings.py").read_text()
    pattern = (
        r'(?:os\.environ\.get|os\.environ\[|env(?:bool|int|list|secret))\(?\s*"([A-Z][A-Z0-9_]+)"'
    )
    return set(re.findall(pattern, source))


def _names_in_env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_it_documents_every_environment_variable_in_env_example():
    read = _names_read_by_settings()
    assert "DATABASE_URL" in read and "REDIS_URL" in read
    missing = read - _names_in_env_example()
    assert not missing, f"document these in .env.example: {sorted(missing)}"


def _run_check(extra_env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # The browser tests' conftest allows async-unsafe calls in this process; production never does.
    inherited = {"DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in inherited}
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _run_check(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x" * 40 + "a-real-secret-from-the-environment-0123456789",
            "ALLOWED_HOSTS": "studio.example.com",
            "STUDIO_VAR_DIR": str(tmp_path),
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_refuses_to_start_in_production_without_a_secret_key(tmp_path):
    result = _run_check({"DEBUG": "0", "SECRET_KEY": "", "STUDIO_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_database_url_switches_to_postgresql():
    from studio.settings import database_from_url

    db = database_from_url("postgres://ann:s%40cret@db.internal:6543/films?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "ann",
        "s@cret",
        "db.internal",
        "6543",
        "films",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}
