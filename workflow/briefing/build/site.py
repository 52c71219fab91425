"""The published site: every edition of the briefing, an index of them, and `latest/`.

    python -m briefing.build.site --reports reports --previous-site previous-site --out site
    python -m briefing.build.site --fetch https://owner.github.io/repo/ --out previous-site

Layout of the site (what GitHub Pages serves)::

    index.html                      editions, newest first: date, data checksum, HTML and PDF
    editions.json                   the manifest: every edition, every file with size and SHA-256
    latest/                         a copy of the newest edition (stable links), index.html → briefing.html
    editions/<date>-<data12>/       one edition: briefing.html, briefing.pdf, briefing.json,
                                    briefing.docx and what-changed.docx (editions that have them),
                                    modalities/<modality>.html and .pdf

An edition is named by its build date and the first 12 characters of its data package checksum,
both read from its own briefing.json (`build_date`, `provenance.data.package`).

How earlier editions survive. actions/deploy-pages replaces the whole site on every deploy and
Pages keeps no history, so the site carries its own inventory: `editions.json`. Before a deploy
the publishing workflow downloads the live site's `editions.json` and then every file it lists
(`--fetch`, which checks each file's size and SHA-256 against the manifest) into a local
"previous site"; assembling copies every earlier edition from there, checked again, adds the new
one and writes index, `latest/` and manifest anew. Nothing else has to be kept anywhere: no
branch, no cache, no artifact that expires. A first edition has no `editions.json` to find (HTTP
404, or no such file), which is not an error; any other failure to download, or a file that does
not match the manifest, stops the run, so a deploy never drops an edition it could not fetch.
Each edition takes about 2.5 MB; Pages sites may hold 1 GB.

Re-running with an edition that is already on the site (same date and data checksum, e.g. a
workflow re-run, or a code change committed on the same day as the data) replaces that edition's
files with the new build and adds no second entry. Assembly writes nothing that depends on the
clock or the machine, so assembling the same inputs twice gives byte-identical sites.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

MANIFEST = "editions.json"
MANIFEST_FORMAT = 1
CORE_FILES = ("briefing.html", "briefing.pdf", "briefing.json")
# The Word edition and the tracked-changes document of what changed: earlier editions have neither,
# and an edition without a previous one has no what-changed.docx.
WORD_FILES = ("briefing.docx", "what-changed.docx")
# What an edition may hold; anything else named in a downloaded manifest is refused (no "../").
FILE_PATTERN = re.compile(
    r"^(briefing\.(html|pdf|json|docx)|what-changed\.docx|references\.(ris|json)|modalities/[A-Za-z0-9][A-Za-z0-9_-]*\.(html|pdf)|analyses/[A-Za-z0-9][A-Za-z0-9_-]*\.(csv|R))$"
)
EDITION_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}-[0-9a-f]{12}$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CHECKSUM_PATTERN = re.compile(r"^[0-9a-f]{12,}$")
# Both pages carry one Content-Security-Policy: no scripts, nothing fetched, inline styles only
# (written literally in the templates; the tests hold both to it).


class SiteError(Exception):
    """The site cannot be assembled or fetched without losing or corrupting an edition."""


# --- editions ------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def edition_files(reports: Path) -> list[str]:
    """The files of the edition in `reports/`, as site-relative POSIX paths, in a fixed order."""
    missing = [name for name in CORE_FILES if not (reports / name).is_file()]
    if missing:
        raise SiteError(f"{reports}: no {', '.join(missing)}; build the briefing first")
    # Each modality's notebook page and its printed per-study detail (briefing.pdf links to it).
    modalities = sorted(
        p.relative_to(reports).as_posix() for p in (reports / "modalities").glob("*") if p.suffix in (".html", ".pdf")
    )
    # What each modality pooled, for a statistician: its study-level rows and metafor script.
    analyses = sorted(
        p.relative_to(reports).as_posix() for p in (reports / "analyses").glob("*") if p.suffix in (".csv", ".R")
    )
    # The reference list for reference managers (RIS, CSL-JSON) and the Word documents, in editions
    # built since they exist.
    references = [name for name in ("references.ris", "references.json") if (reports / name).is_file()]
    word = [name for name in WORD_FILES if (reports / name).is_file()]
    return list(CORE_FILES) + word + references + modalities + analyses


def describe(briefing: dict[str, Any], source: str = "briefing.json") -> dict[str, Any]:
    """The manifest entry of an edition, from its briefing.json (files are added later)."""
    build_date = briefing.get("build_date")
    provenance = briefing.get("provenance") or {}
    package = (provenance.get("data") or {}).get("package")
    if not isinstance(build_date, str) or not DATE_PATTERN.match(build_date):
        raise SiteError(f"{source}: build_date {build_date!r} is not a YYYY-MM-DD date")
    if not isinstance(package, str) or not CHECKSUM_PATTERN.match(package):
        raise SiteError(f"{source}: provenance.data.package {package!r} is not a hex checksum")
    commit = provenance.get("commit") or {}
    edition_id = f"{build_date}-{package[:12]}"
    return {
        "id": edition_id,
        "build_date": build_date,
        "build_epoch": provenance.get("build_epoch"),
        "data_checksum": package,
        "commit": commit.get("sha"),
        "dirty": commit.get("dirty"),
        "title": briefing.get("title") or "Evidence briefing",
        "path": f"editions/{edition_id}/",
    }


def _sort_key(entry: dict[str, Any]) -> tuple:
    epoch = entry.get("build_epoch")
    return (entry["build_date"], epoch if isinstance(epoch, int) else -1, entry["id"])


def _file_entries(root: Path, names: list[str]) -> list[dict[str, Any]]:
    return [{"path": name, "bytes": (root / name).stat().st_size, "sha256": sha256(root / name)} for name in names]


def _check_entry(entry: Any, where: str) -> dict[str, Any]:
    """A manifest entry read from a previous site, refused unless its names are safe to use."""
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not EDITION_PATTERN.match(entry["id"]):
        raise SiteError(f"{where}: an edition without a valid id: {entry!r:.200}")
    if not isinstance(entry.get("build_date"), str) or not entry["id"].startswith(entry["build_date"] + "-"):
        raise SiteError(f"{where}: edition {entry['id']} has build_date {entry.get('build_date')!r}")
    checksum = entry.get("data_checksum")
    if (
        not isinstance(checksum, str)
        or not CHECKSUM_PATTERN.match(checksum)
        or not entry["id"].endswith("-" + checksum[:12])
    ):
        raise SiteError(f"{where}: edition {entry['id']} has data_checksum {checksum!r}")
    if entry.get("path") != f"editions/{entry['id']}/":
        raise SiteError(f"{where}: edition {entry['id']} is not under editions/{entry['id']}/")
    if not isinstance(entry.get("commit"), (str, type(None))) or not isinstance(entry.get("title"), str):
        raise SiteError(f"{where}: edition {entry['id']} has a malformed commit or title")
    files = entry.get("files")
    if not isinstance(files, list) or not files:
        raise SiteError(f"{where}: edition {entry['id']} lists no files")
    for f in files:
        if not (
            isinstance(f, dict)
            and isinstance(f.get("path"), str)
            and FILE_PATTERN.match(f["path"])
            and isinstance(f.get("sha256"), str)
            and isinstance(f.get("bytes"), int)
        ):
            raise SiteError(f"{where}: edition {entry['id']} lists an unexpected file {f!r:.200}")
    names = {f["path"] for f in files}
    if not set(CORE_FILES) <= names:
        raise SiteError(f"{where}: edition {entry['id']} lacks {sorted(set(CORE_FILES) - names)}")
    return entry


def read_manifest(text: str, where: str) -> list[dict[str, Any]]:
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SiteError(f"{where}: not JSON ({exc})") from exc
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != MANIFEST_FORMAT
        or not isinstance(manifest.get("editions"), list)
    ):
        raise SiteError(f"{where}: not an editions manifest of format {MANIFEST_FORMAT}")
    entries = [_check_entry(e, where) for e in manifest["editions"]]
    ids = [e["id"] for e in entries]
    if len(ids) != len(set(ids)):
        raise SiteError(f"{where}: an edition is listed twice")
    return entries


def previous_editions(previous_site: Path | None) -> list[dict[str, Any]]:
    """The editions of the previous site; none when there is no previous site (first edition)."""
    if previous_site is None:
        return []
    if not previous_site.is_dir():
        raise SiteError(f"previous site {previous_site} does not exist (pass an empty one for a first edition)")
    manifest = previous_site / MANIFEST
    if not manifest.is_file():
        if any(previous_site.iterdir()):
            raise SiteError(f"{previous_site} holds files but no {MANIFEST}: refusing to guess which editions it has")
        return []
    return read_manifest(manifest.read_text(encoding="utf-8"), str(manifest))


def _verify(path: Path, expected: dict[str, Any], edition: str) -> None:
    if not path.is_file():
        raise SiteError(f"edition {edition}: {expected['path']} is missing")
    if path.stat().st_size != expected["bytes"] or sha256(path) != expected["sha256"]:
        raise SiteError(f"edition {edition}: {expected['path']} does not match its checksum in {MANIFEST}")


# --- assembling ----------------------------------------------------------------------------------


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    os.chmod(target, 0o644)


def assemble(
    reports: Path, previous_site: Path | None, out: Path, templates: Path = Path("templates")
) -> dict[str, Any]:
    """Write the site to `out` (replacing it whole, only once everything is in place) and return
    the manifest. `templates`: the project's templates folder (its site/ pages)."""
    # Long because all or nothing: everything is staged in one place, then swapped in at once.
    reports = Path(reports)
    out = Path(out)
    previous_site = Path(previous_site) if previous_site is not None else None
    names = edition_files(reports)
    briefing_json = reports / "briefing.json"
    new = describe(json.loads(briefing_json.read_text(encoding="utf-8")), str(briefing_json))
    new["files"] = _file_entries(reports, names)

    found = previous_editions(previous_site)
    earlier = [e for e in found if e["id"] != new["id"]]
    replaced = len(earlier) != len(found)

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        for entry in earlier:
            assert previous_site is not None
            for f in entry["files"]:
                source = previous_site / entry["path"] / f["path"]
                _verify(source, f, entry["id"])
                _copy(source, staging / "editions" / entry["id"] / f["path"])
        for name in names:
            _copy(reports / name, staging / new["path"] / name)

        editions = sorted(earlier + [new], key=_sort_key, reverse=True)
        manifest = {"format": MANIFEST_FORMAT, "latest": editions[0]["id"], "editions": editions}
        latest = editions[0]
        for f in latest["files"]:
            _copy(staging / latest["path"] / f["path"], staging / "latest" / f["path"])
        (staging / "latest" / "index.html").write_text(render_latest(latest, templates), encoding="utf-8")
        (staging / "index.html").write_text(render_index(manifest, templates), encoding="utf-8")
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        for path in [staging, *staging.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)

        if out.exists():
            old = out.parent / f".{out.name}.old"
            if old.exists():
                shutil.rmtree(old)
            out.rename(old)
            staging.rename(out)
            shutil.rmtree(old)
        else:
            staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    action = "replaced" if replaced else "added"
    print(f"{out}: {action} edition {new['id']}; {len(editions)} edition(s), latest {manifest['latest']}")
    return manifest


# --- pages ---------------------------------------------------------------------------------------


def _environment(templates: Path):
    import jinja2  # only assembling needs it; fetching runs on the standard library alone

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(templates) / "site")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_index(manifest: dict[str, Any], templates: Path) -> str:
    editions = manifest["editions"]
    latest = next(e for e in editions if e["id"] == manifest["latest"])
    return _environment(templates).get_template("index.html.j2").render(latest=latest, editions=editions)


def render_latest(latest: dict[str, Any], templates: Path) -> str:
    return _environment(templates).get_template("latest.html.j2").render(latest=latest)


# --- fetching the published site -----------------------------------------------------------------


class NotFound(Exception):
    pass


def _is_url(location: str) -> bool:
    return urllib.parse.urlsplit(location).scheme in ("http", "https", "file")


def _read(location: str, relative: str) -> bytes:
    """One file of the site at `location` (a URL or a directory). NotFound when it is not there;
    any other failure is an error."""
    if not _is_url(location):
        path = Path(location) / relative
        if not path.is_file():
            raise NotFound(str(path))
        return path.read_bytes()
    url = urllib.parse.urljoin(location.rstrip("/") + "/", urllib.parse.quote(relative))
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme == "file":
        request: str | urllib.request.Request = url
    else:
        # Pages sits behind a CDN that caches for minutes: ask for the current files.
        url += ("&" if "?" in url else "?") + f"fresh={time.time_ns()}"
        request = urllib.request.Request(url, headers={"Cache-Control": "no-cache", "User-Agent": "briefing-site"})
    last: Exception | None = None
    for attempt in range(4):
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - the configured site
                return response.read()
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                raise NotFound(url) from exc
            if exc.code < 500 and exc.code not in (408, 429):
                raise SiteError(f"{url}: HTTP {exc.code}") from exc
            last = exc
        except urllib.error.URLError as exc:
            if scheme == "file":
                raise NotFound(url) from exc
            last = exc
        except (TimeoutError, ConnectionError) as exc:
            last = exc
        time.sleep(2**attempt)
    raise SiteError(f"{url}: {last}")


def fetch(location: str, dest: Path) -> list[dict[str, Any]]:
    """Download the published site at `location` (http(s):// or file:// URL, or a directory) into
    `dest`: its manifest and every file the manifest lists, each checked against its checksum.
    Returns the editions found; none (and an empty `dest`) when there is no published site yet."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise SiteError(f"{dest} is not empty")
    try:
        text = _read(location, MANIFEST)
    except NotFound:
        print(f"No {MANIFEST} at {location}: no edition has been published yet.")
        return []
    editions = read_manifest(text.decode("utf-8"), f"{location} {MANIFEST}")
    for entry in editions:
        for f in entry["files"]:
            relative = f"{entry['path']}{f['path']}"
            try:
                data = _read(location, relative)
            except NotFound as exc:
                raise SiteError(f"{location}: {relative} is listed in {MANIFEST} but missing") from exc
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            _verify(target, f, entry["id"])
    (dest / MANIFEST).write_bytes(text)
    print(f"Fetched {len(editions)} edition(s) from {location} into {dest}.")
    return editions


# --- command line --------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m briefing.build.site",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--reports", type=Path, help="assemble: the new edition (briefing.html, .pdf, .json, modalities/)"
    )
    mode.add_argument(
        "--fetch", metavar="URL_OR_DIR", help="download the published site (its editions.json and every file it lists)"
    )
    p.add_argument(
        "--previous-site",
        default="",
        help="assemble: the previous site's directory (as --fetch wrote it); empty for a first edition",
    )
    p.add_argument("--templates", type=Path, default=Path("templates"), help="assemble: the templates folder")
    p.add_argument(
        "--out", type=Path, required=True, help="the site directory to write (assemble) or to download into (fetch)"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.fetch is not None:
            fetch(args.fetch, args.out)
        else:
            previous = Path(args.previous_site) if args.previous_site else None
            if previous is not None and _is_url(args.previous_site):
                raise SiteError("--previous-site takes a directory; download a published site with --fetch first")
            assemble(args.reports, previous, args.out, args.templates)
    except SiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
