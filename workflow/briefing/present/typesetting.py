"""What the PDF's bytes depend on, pinned: the fonts it is set in and the program that subsets them.

WeasyPrint finds fonts through fontconfig, so by default the PDF is set in whatever the machine has
installed, and it subsets the embedded fonts with HarfBuzz when `libharfbuzz-subset` happens to be
present and with fontTools otherwise: two machines built two different PDFs from one commit. Here
the PDF step sees only the DejaVu fonts that the pinned matplotlib ships (the same files the
figures are drawn with), and always subsets with the pinned fontTools."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from xml.sax.saxutils import escape

# The CSS's generic families, mapped to the pinned files (no system fontconfig rules are read).
GENERIC_FAMILIES = {"sans-serif": "DejaVu Sans", "serif": "DejaVu Serif", "monospace": "DejaVu Sans Mono"}
# Python packages whose versions decide the PDF's bytes, beside the fonts.
PDF_PACKAGES = ("weasyprint", "pydyf", "fonttools", "pikepdf", "matplotlib")


def font_dir() -> Path:
    """matplotlib's own font folder, found without importing matplotlib (a second of start-up)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is not installed: the PDF's fonts come from its mpl-data folder")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


def font_files() -> list[Path]:
    return sorted(font_dir().glob("*.ttf"))


def fontconfig_file(folder: Path) -> Path:
    """A fontconfig configuration that knows the pinned fonts and nothing else."""
    aliases = "".join(
        f'  <alias binding="same"><family>{generic}</family><prefer><family>{family}</family></prefer></alias>\n'
        for generic, family in GENERIC_FAMILIES.items()
    )
    config = (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{escape(str(font_dir()))}</dir>\n  <cachedir>{escape(str(folder / 'cache'))}</cachedir>\n"
        f"{aliases}</fontconfig>\n"
    )
    path = folder / "fonts.conf"
    path.write_text(config, encoding="utf-8")
    return path


class _NoSubsetterWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "instead of HarfBuzz-Subset" not in record.getMessage()


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def pinned_fonts(epoch: int | None = None) -> Iterator[None]:
    """Layout and writing inside this block use only the pinned fonts and the fontTools subsetter.

    FONTCONFIG_FILE is read each time WeasyPrint makes a font configuration (one per document), so
    it is set for the block only. fontTools stamps each subset font with the time it was written
    unless SOURCE_DATE_EPOCH is set: `epoch` if given, else the briefing's own build date."""
    import weasyprint.pdf.fonts as pdf_fonts
    from fontTools import subset as fonttools_subset

    from briefing.core.epoch import build_epoch

    subsetter = pdf_fonts.harfbuzz_subset
    quiet = _NoSubsetterWarning()
    with (
        tempfile.TemporaryDirectory(prefix="briefing-fonts-") as folder,
        _environment(
            FONTCONFIG_FILE=str(fontconfig_file(Path(folder))),
            SOURCE_DATE_EPOCH=str(build_epoch() if epoch is None else epoch),
        ),
    ):
        # WeasyPrint subsets with HarfBuzz whenever it can load libharfbuzz-subset: a system
        # library whose version nothing pins. fontTools is pinned in constraints.txt.
        pdf_fonts.harfbuzz_subset = None
        pdf_fonts.subset = SimpleNamespace(Subsetter=_subsetter(fonttools_subset), Options=fonttools_subset.Options)
        logging.getLogger("weasyprint").addFilter(quiet)
        try:
            yield
        finally:
            logging.getLogger("weasyprint").removeFilter(quiet)
            pdf_fonts.harfbuzz_subset = subsetter
            pdf_fonts.subset = fonttools_subset


def _subsetter(fonttools_subset: Any) -> type:
    """fontTools' Subsetter, but dropping the tables it is told to drop before it starts: fontTools
    4.68 decompiles a font's GSUB and GPOS (to compact them) before it drops them, which was a
    quarter of a PDF's time (1.1 of 3.1 s for a 7-page part, profiled). The subset is the same
    bytes (tests/test_pdf_bytes.py)."""

    class Subsetter(fonttools_subset.Subsetter):  # type: ignore[misc, name-defined]
        def subset(self, font: Any) -> None:
            options = self.options
            kern = "GPOS" in font and not options.legacy_kern  # as fontTools' own pruning decides
            for tag in [t for t in font.keys() if t.strip() in options.drop_tables or (t == "kern" and kern)]:
                del font[tag]
            super().subset(font)

    return Subsetter


def _library_versions() -> dict[str, str]:
    """The system libraries that lay out and shape the text: not pinned by pip, so recorded."""
    import ctypes
    import ctypes.util

    from weasyprint.text.ffi import pango

    number = pango.pango_version()  # major * 10000 + minor * 100 + micro
    found = {"Pango, text layout": f"{number // 10000}.{number // 100 % 100}.{number % 100}"}
    try:
        harfbuzz = ctypes.CDLL(ctypes.util.find_library("harfbuzz") or "libharfbuzz.so.0")
        harfbuzz.hb_version_string.restype = ctypes.c_char_p
        found["HarfBuzz, text shaping"] = harfbuzz.hb_version_string().decode()
    except (OSError, AttributeError):
        found["HarfBuzz, text shaping"] = "version not found"
    return found


def dependencies() -> dict[str, object]:
    """For the provenance appendix: everything the PDF's bytes depend on."""
    packages = {}
    for name in PDF_PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = "not installed"
    listing = "".join(f"{p.name} {hashlib.sha256(p.read_bytes()).hexdigest()}\n" for p in font_files())
    return {
        "packages": packages,
        "libraries": _library_versions(),
        "subsetter": f"fontTools {packages['fonttools']}; HarfBuzz-Subset is never used",
        "fonts": {
            "folder": "matplotlib's mpl-data/fonts/ttf (DejaVu Sans for text, DejaVu Sans Mono for code)",
            "files": len(font_files()),
            "sha256": hashlib.sha256(listing.encode()).hexdigest(),
        },
    }
