"""Settings come from the environment, fail loudly on bad values, and deploy cleanly."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from imaging_ops.env import env_bool, env_int, env_list
from imaging_ops.pdf_signing import _development_pem

ROOT = Path(__file__).resolve().parents[2]
ENV_READ = re.compile(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"')


def test_a_malformed_boolean_names_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be true or false"):
        env_bool("DEBUG", False)


def test_a_malformed_number_names_the_variable(monkeypatch):
    monkeypatch.setenv("API_TOKEN_TTL_HOURS", "a day")
    with pytest.raises(ImproperlyConfigured, match="API_TOKEN_TTL_HOURS must be a whole number"):
        env_int("API_TOKEN_TTL_HOURS", 24, minimum=1)
    monkeypatch.setenv("API_TOKEN_TTL_HOURS", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("API_TOKEN_TTL_HOURS", 24, minimum=1)


def test_lists_are_comma_separated(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "a.example.org, b.example.org,")
    assert env_list("ALLOWED_HOSTS", []) == ["a.example.org", "b.example.org"]


def test_readme_lists_every_environment_variable_the_code_reads():
    readme = (ROOT / "README.md").read_text()
    read_in_code = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        read_in_code |= set(ENV_READ.findall(path.read_text()))
    read_in_code |= {"DATABASE_URL", "REDIS_URL", "BENCH_DATABASE_URL"}
    missing = sorted(name for name in read_in_code if f"`{name}`" not in readme)
    assert read_in_code, "no environment variables found: the pattern is wrong"
    assert missing == [], f"README does not list {missing}"


def _deploy_check(tmp_path, **extra):
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "production-key-for-the-deploy-check-0123456789",
        "ALLOWED_HOSTS": "imaging.example.org",
        "PUBLIC_BASE_URL": "https://imaging.example.org",
        "VAR_DIR": str(tmp_path),
        **extra,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    pem = tmp_path / "facility.pem"
    pem.write_bytes(_development_pem())
    result = _deploy_check(
        tmp_path, IMAGING_OPS_SIGNING_KEY=str(pem), IMAGING_OPS_SIGNING_CERT=str(pem)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_the_deploy_check_warns_of_the_development_signing_certificate(tmp_path):
    result = _deploy_check(tmp_path)
    assert result.returncode != 0
    assert "imaging_ops.W101" in result.stdout + result.stderr


def test_a_signing_key_that_is_not_there_fails_the_check(tmp_path):
    missing = str(tmp_path / "missing.pem")
    result = _deploy_check(
        tmp_path, IMAGING_OPS_SIGNING_KEY=missing, IMAGING_OPS_SIGNING_CERT=missing
    )
    assert result.returncode != 0 and "imaging_ops.E101" in result.stdout + result.stderr


def test_the_api_schema_generates_without_warnings(tmp_path):
    env = {**os.environ, "DEBUG": "true", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
