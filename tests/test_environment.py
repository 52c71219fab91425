"""The documented set-ups agree: requirements.txt (pip, `make`), environment.yml (conda, by hand)
and workflow/envs/briefing.yaml (the rules' environment under `snakemake --sdm conda`) pin the same
versions; environment.yml installs the project's package too."""

import os
import subprocess
import venv
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# environment.yml's pip section installs the project's package; the rules' copy leaves it out.
LOCAL_PACKAGE = "--editable ."


def pip_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def conda_file(path: Path) -> tuple[dict[str, str], list[str]]:
    """The pins of a conda environment file, and the lines of its pip section that are not pins."""
    env = yaml.safe_load(path.read_text())
    pins, other = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, str) and "=" in dep:
            name, version = dep.split("=", 1)
            pins[name.lower()] = version
        elif isinstance(dep, dict):  # the pip: block, for what conda does not package
            for line in dep["pip"]:
                if "==" in line:
                    name, version = line.split("==")
                    pins[name.lower().replace("_", "-")] = version
                else:
                    other.append(line)
    return pins, other


@pytest.mark.parametrize("path", ["environment.yml", "workflow/envs/briefing.yaml"])
def test_conda_and_pip_pin_the_same_versions(path):
    conda, _ = conda_file(ROOT / path)
    assert conda.pop("python") == "3.11"
    assert conda == pip_pins()


def test_environment_yml_installs_the_package_and_the_rules_environment_does_not_need_it():
    _, by_hand = conda_file(ROOT / "environment.yml")
    _, rules = conda_file(ROOT / "workflow" / "envs" / "briefing.yaml")
    assert by_hand == [LOCAL_PACKAGE]
    assert rules == []  # Snakemake copies the file first: a relative path would not resolve
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        text = smk.read_text()
        assert "environment.yml" not in text
        assert text.count("conda:") == text.count('"../envs/briefing.yaml"'), smk.name


def test_every_pin_is_exact():
    assert all(v and "*" not in v for v in pip_pins().values())


@pytest.mark.e2e  # pip, in a fresh venv
def test_the_pip_section_installs_the_package_in_a_clean_venv(tmp_path):
    """What conda runs for environment.yml's pip section (pip install -r <its lines>, from the
    file's folder), for the one line that is not a pin: the package installs and imports."""
    clean = tmp_path / "clean"
    venv.EnvBuilder(with_pip=True).create(clean)
    python = clean / "bin" / "python"
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(LOCAL_PACKAGE + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV")}
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-r", str(requirements)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    found = subprocess.run(
        [str(python), "-c", "import briefing, pathlib; print(pathlib.Path(briefing.__file__).parent)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(found.stdout.strip()) == ROOT / "workflow" / "briefing"
