"""A modality's notebook: executed with papermill, then shown as one offline HTML page (nbconvert,
JupyterLab look). Both in one process, so the page costs no second interpreter and import."""

from __future__ import annotations

import html
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from briefing.build import interrupt

# What the W3C checker rejects in nbconvert's page and is of no use on a static one: WebKit
# scrollbar pseudo-classes, a quoted box-shadow and `overflow: overlay` in JupyterLab's CSS, and
# the <style scoped> inside each table's <div> (pandas' markup, which briefing.present.tables keeps; the
# offline template restates its rules).
INVALID_HTML = (
    (re.compile(r"^[^{}<\n]*::-webkit-scrollbar-track:(?:horizontal|vertical)\s*\{[^}]*\}\n?", re.M), ""),
    (re.compile(r"box-shadow: '([^']*)';"), r"box-shadow: \1;"),
    (re.compile(r"overflow: overlay;"), "overflow: auto;"),
    (re.compile(r"<style scoped[^>]*>.*?</style>", re.S), ""),
)


def inert_markdown(markdown: str | list[str]) -> str:
    """Markdown the notebook displays is built from the data, and nbconvert renders the HTML and
    links in it as they are: HTML is escaped to text and link brackets made literal, so a field
    holding `<img onerror=...>` or `[x](javascript:...)` shows as written. Emphasis still works."""
    text = "".join(markdown) if isinstance(markdown, list) else markdown
    return re.sub(r"([\[\]])", r"\\\1", html.escape(text, quote=False))


def _socket_kernel_manager() -> type:
    """A kernel manager whose kernel listens on Unix sockets named after its own connection file.
    Over TCP, jupyter_client picks each port by binding it and letting it go, so two notebook jobs
    starting their kernels at once can pick the same port: "Address already in use", and the
    kernel dies (seen in this project's tests on 2 cores)."""
    import tempfile
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum, List, default

    class SocketKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)
        clients: List[Any] = List()  # nbclient leaves open the client of a kernel it did not start

        def client(self, **kwargs: Any) -> Any:
            self.clients.append(super().client(**kwargs))
            return self.clients[-1]

        @default("connection_file")
        def _unique_connection_file(self) -> str:
            # The sockets are named after this file, so it must be unique per kernel; short, as a
            # socket's path may not exceed about 100 characters (macOS's temporary folder is long).
            return str(Path(tempfile.gettempdir()) / f"kernel-{uuid.uuid4().hex[:16]}.json")

        async def _async_wait(self, pollinterval: float = 0.1) -> None:
            # After killing the kernel, jupyter_client polls for its exit every 0.1 s: the first
            # poll comes too soon, so every job waited 0.1 s for a process that exits at once.
            await super()._async_wait(pollinterval=min(pollinterval, 0.005))

    return SocketKernelManager


def start_kernel() -> Any:
    """A fresh Jupyter kernel, started before papermill is imported: papermill's import and its
    preparation of the notebook (about 0.3 s) then run while the kernel starts (about 0.5 s)."""
    from jupyter_core.utils import run_sync

    kernel = _socket_kernel_manager()(kernel_name="python3")
    # IPython's history in memory, not in a file, as nbclient starts its own kernels.
    run_sync(kernel.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"])
    return kernel


def stop_kernel(kernel: Any) -> None:
    """Kill the kernel at once, as nbclient does its own: once the last cell has run, its outputs
    are in the executed notebook and the summary is written (the cell's own write, closed before
    the cell returns); a graceful shutdown would only wait, about a second, for the kernel to
    tear down its imports."""
    from jupyter_core.utils import run_sync

    try:
        if kernel.has_kernel:  # alive, or killed by Ctrl-C: its process is waited for, either way
            run_sync(kernel.shutdown_kernel)(now=True)
    finally:
        run_sync(kernel.cleanup_resources)()
        for client in kernel.clients:
            client.stop_channels()


def execute(template: str | Path, executed: str | Path, parameters: dict[str, str], kernel: Any) -> Any:
    """Run the parameterized notebook in `kernel` (see `start_kernel`) and return the executed
    notebook; a failing cell raises PapermillExecutionError and the executed notebook shows where
    it stopped."""
    import papermill

    return papermill.execute_notebook(
        str(template),
        str(executed),
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        km=kernel,
        # Written once, when the last cell has run or one has failed, not after every cell and
        # output (about 40 validated writes, between the kernel's messages).
        request_save_on_cell_execute=False,
    )


def run(template: str | Path, executed: str | Path, parameters: dict[str, str], templates: str | Path) -> str:
    """Execute the notebook in a fresh kernel (see `execute`) and return its page (see
    `notebook_to_html`).

    nbconvert's import and first render (Jinja compiles, regexes, lexers: about 0.5 s of CPU) run
    in a thread while the kernel starts and runs the cells, when the main thread mostly waits on
    the kernel's sockets."""
    with interrupt.stops_kernel() as held:  # Ctrl-C kills the kernel: the run fails, unwinding
        kernel = held.hold(start_kernel())
        try:
            import papermill  # noqa: F401  # first: it imports nbformat and nbclient, which nbconvert imports too

            with ThreadPoolExecutor(max_workers=1) as pool:
                warming = pool.submit(warm_exporter, templates, template)
                notebook = execute(template, executed, parameters, kernel)
        finally:
            stop_kernel(kernel)
    return notebook_to_html(executed, templates, warming.result(), notebook)


def exporter(template: str | Path) -> Any:
    """The HTML exporter with the nbconvert template in the folder `template`
    (templates/nbconvert/offline: its name is the template's name)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    template = Path(template)
    exporter = HTMLExporter(template_name=template.name, extra_template_basedirs=[str(template.parent)])
    exporter.exclude_anchor_links = True
    # The notebook's default parameters (modality "srs") would confuse a reader of another
    # modality's page; papermill's injected cell below it shows the real ones.
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"parameters"}, enabled=True), enabled=True)
    return exporter


def warm_exporter(template: str | Path, notebook_path: str | Path) -> Any:
    """The exporter, having rendered the unexecuted notebook with one output of each kind the
    notebook shows: what a first render compiles once (templates, regexes, the Python lexer)
    is then compiled. The page is thrown away."""
    import nbformat
    from nbformat.v4 import new_output

    warm = exporter(template)
    notebook = nbformat.read(str(notebook_path), as_version=4)
    code = next(cell for cell in notebook.cells if cell.cell_type == "code")
    code.outputs = [
        new_output("display_data", {"text/markdown": "**a** [b]", "text/plain": "a"}),
        new_output("display_data", {"text/html": "<table><tr><td>a</td></tr></table>", "text/plain": "a"}),
        new_output("display_data", {"image/svg+xml": "<svg><text>a</text></svg>", "text/plain": "a"}),
        new_output("stream", name="stdout", text="a\n"),
    ]
    warm.from_notebook_node(notebook)
    return warm


def notebook_to_html(
    notebook_path: str | Path, template: str | Path, html_exporter: Any = None, notebook: Any = None
) -> str:
    """The executed notebook as one offline page, with the nbconvert template in the folder
    `template` (or `html_exporter`, made by `exporter(template)`); `notebook` is the notebook
    papermill has just written to `notebook_path`, if at hand (it is not read again)."""
    if notebook is None:
        import nbformat

        notebook = nbformat.read(str(notebook_path), as_version=4)
    # papermill records start/end times and durations; they are not part of the evidence and
    # would make every rebuild differ.
    notebook.metadata.pop("papermill", None)
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill gives it a random id
        for output in cell.get("outputs", []):
            if "text/markdown" in output.get("data", {}):
                output["data"]["text/markdown"] = inert_markdown(output["data"]["text/markdown"])
    html_exporter = html_exporter or exporter(template)
    body, _ = html_exporter.from_notebook_node(notebook, resources={"metadata": {"name": Path(notebook_path).stem}})
    for pattern, replacement in INVALID_HTML:
        body = pattern.sub(replacement, body)
    return body
