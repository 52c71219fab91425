"""requirements.txt (pip) and environment.yml (conda) must pin the same versions."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def pip_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def conda_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and "=" in dep:
            name, version = dep.split("=", 1)
            pins[name.lower()] = version
        elif isinstance(dep, dict):  # the pip: block, for what conda does not package
            for line in dep["pip"]:
                name, version = line.split("==")
                pins[name.lower().replace("_", "-")] = version
    return pins


def test_conda_and_pip_pin_the_same_versions():
    conda = conda_pins()
    assert conda.pop("python") == "3.11"
    assert conda == pip_pins()


def test_every_pin_is_exact():
    assert all(v and "*" not in v for v in pip_pins().values())
