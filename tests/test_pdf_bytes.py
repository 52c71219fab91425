"""The PDF's bytes depend only on what the set-up pins: the fonts come from the pinned matplotlib's
font folder (not from the system's fonts) and fontTools subsets them whether or not the system
has HarfBuzz-Subset, with the build's date, not the clock, stamped in them."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import workflow_env

pytestmark = pytest.mark.slow

# Run in a fresh interpreter: HarfBuzz-Subset is loaded (or not) when WeasyPrint is imported.
HIDE_HARFBUZZ_SUBSET = """
import cffi
real_dlopen = cffi.FFI.dlopen
def dlopen(self, name, *args, **kwargs):
    if name and "harfbuzz-subset" in str(name):
        raise OSError(f"{name}: hidden by the test, as on a machine without it")
    return real_dlopen(self, name, *args, **kwargs)
cffi.FFI.dlopen = dlopen
"""
RENDER = """
import sys
from pathlib import Path
import weasyprint.text.ffi
from briefing.present import printed
print("HarfBuzz-Subset", "loaded" if weasyprint.text.ffi.harfbuzz_subset else "absent")
html = Path(sys.argv[1]).read_text(encoding="utf-8")
Path(sys.argv[2]).write_bytes(printed.render_briefing_pdf(html, printed.PartStore(None)))
"""


def render_in_fresh_process(built: Path, out: Path, prelude: str = "") -> str:
    result = subprocess.run(
        [sys.executable, "-c", prelude + RENDER, str(built / "results" / "briefing.print.html"), str(out)],
        cwd=built,
        env=workflow_env(built),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def embedded_fonts(path: Path) -> list[tuple[str, bytes]]:
    """(PostScript name, the embedded font file) of every font in the PDF."""
    fonts = []
    for page in PdfReader(path).pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                fonts.append((str(descriptor["/FontName"]), descriptor["/FontFile2"].get_object().get_data()))
    return list(dict(fonts).items())


def test_the_pdf_is_the_same_with_and_without_harfbuzz_subset(built, tmp_path):
    present = render_in_fresh_process(built, tmp_path / "present.pdf")
    absent = render_in_fresh_process(built, tmp_path / "absent.pdf", HIDE_HARFBUZZ_SUBSET)
    assert "HarfBuzz-Subset loaded" in present  # the set-up installs it (Makefile TEST_DEBS)
    assert "HarfBuzz-Subset absent" in absent
    published = (built / "reports" / "briefing.pdf").read_bytes()
    assert (tmp_path / "present.pdf").read_bytes() == published
    assert (tmp_path / "absent.pdf").read_bytes() == published


@pytest.mark.parametrize(
    ("pdf", "stamped"),
    [("modalities/srs.pdf", "the build date"), ("briefing.pdf", "the parts' fixed date")],
)
def test_every_font_is_a_pinned_dejavu_font_stamped_with_a_date_the_build_fixes(built, pdf, stamped):
    """A modality's PDF stamps its fonts with the build's date; the briefing's, typeset in parts
    kept between builds, with a fixed one (printed.FONT_EPOCH), so that a new build date does not
    make every part new. Never the clock."""
    from fontTools.ttLib import TTFont

    from briefing.present import printed, typesetting

    pinned = {TTFont(p)["name"].getDebugName(4) for p in typesetting.font_files()}  # full names
    epoch = int(workflow_env(built)["SOURCE_DATE_EPOCH"]) if stamped == "the build date" else printed.FONT_EPOCH
    fonts = embedded_fonts(built / "reports" / pdf)
    assert fonts
    for name, data in fonts:
        font = TTFont(io.BytesIO(data))
        assert font["name"].getDebugName(4) in pinned, name
        head = font["head"]
        modified = dt.datetime(1904, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=head.modified)
        assert modified.timestamp() == epoch, name  # fontTools would stamp the wall clock


def test_fonts_installed_on_the_system_are_not_used(tmp_path):
    """A family the system has and the pinned folder lacks falls back to the pinned DejaVu Sans."""
    families = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=True).stdout
    system_only = next(
        (f.split(",")[0] for f in families.splitlines() if f.startswith(("DejaVu Math", "Liberation"))), None
    )
    if system_only is None:
        pytest.skip("no system font outside the pinned set to try")
    from briefing.present import render

    html = tmp_path / "x.html"
    html.write_text(
        f'<html lang="en"><title>t</title><p style="font-family: \'{system_only}\'">Pain relief</p></html>',
        encoding="utf-8",
    )
    render.render_pdf(html, tmp_path / "x.pdf")
    from fontTools.ttLib import TTFont

    assert [TTFont(io.BytesIO(data))["name"].getDebugName(4) for _, data in embedded_fonts(tmp_path / "x.pdf")] == [
        "DejaVu Sans"
    ]
