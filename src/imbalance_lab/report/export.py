"""Run the report notebook through papermill and export it as one offline HTML page.

nbconvert's default ``lab`` template loads require.js and MathJax from a CDN
(``HTMLExporter.require_js_url`` / ``mathjax_url`` default to cdnjs URLs, and
the ``jupyter_widgets`` and ``mermaid_js`` blocks import scripts from
unpkg/cdnjs). The page must open offline with no external scripts or fonts,
so :func:`offline_exporter` extends the lab template with those four blocks
emptied; the lab CSS is inlined by nbconvert itself (its only ``url()``\\ s
are data URIs), figures are PNG outputs, which the template writes as
``data:`` URIs, and code cells are hidden (``exclude_input``).
"""

from __future__ import annotations

import os
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import jinja2

from imbalance_lab import KERNEL_NAME
from imbalance_lab.errors import InvalidParameterError

#: The report notebook in the repository (``notebooks/report.ipynb``).
NOTEBOOK = Path(__file__).resolve().parents[3] / "notebooks" / "report.ipynb"

_OFFLINE_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{#- The lab template, with every block that loads a script from the network emptied. -#}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def offline_exporter():
    """An :class:`nbconvert.HTMLExporter` whose page loads nothing from the
    network: lab template minus require.js, MathJax, Mermaid and widget
    scripts; input cells and prompts hidden; images embedded; no anchor links."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"offline.html.j2": _OFFLINE_TEMPLATE})],
        template_file="offline.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        exclude_anchor_links=True,
        # Belt and braces: should a block come back in a later nbconvert, an
        # empty URL loads nothing from the network.
        require_js_url="",
        mathjax_url="",
        jquery_url="",
        widget_renderer_url="",
    )


def export_html(notebook: str | Path, html: str | Path) -> Path:
    """Write ``notebook`` (executed) as the offline page ``html``, atomically."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    body, _ = offline_exporter().from_notebook_node(nb, resources={"metadata": {"name": "report"}})
    return _write_atomic(Path(html), body.encode("utf-8"))


def execute_notebook(output: str | Path, parameters: dict, *, notebook: str | Path | None = None,
                     kernel_name: str = KERNEL_NAME, timeout: int | None = None,
                     progress_bar: bool = False) -> Path:
    """Run the report notebook with ``parameters`` through papermill into
    ``output``; ``progress_bar`` shows papermill's bar of cells on stderr."""
    from imbalance_lab import kernels

    source = Path(notebook) if notebook is not None else NOTEBOOK
    if not source.is_file():
        raise InvalidParameterError(
            "notebook", str(source),
            "the report notebook is missing; run from a checkout of imbalance-lab "
            "(notebooks/report.ipynb) or pass its path",
        )
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    kernels.execute_notebook(source, output, parameters, kernel_name=kernel_name, cwd=source.parent,
                             execution_timeout=timeout, progress_bar=progress_bar)
    return output


def _write_atomic(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # mkstemp makes the file private; a report is meant to be read.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


#: Attributes that make a browser fetch something.
_FETCHING_ATTRIBUTES = {"src", "href", "srcset", "data", "poster", "action", "formaction"}
_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*([^'")\s]+)""", re.IGNORECASE)
_REMOTE = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)


class _References(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if not value:
                continue
            if name in _FETCHING_ATTRIBUTES and not (tag == "a" and name == "href"):
                candidates = [v.split()[0] for v in value.split(",")] if name == "srcset" else [value]
                self.found += [f"<{tag} {name}={c}>" for c in candidates if _REMOTE.match(c)]
            elif name == "style":
                self._css(value, f"<{tag} style>")
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self._css(data, "<style>")

    def _css(self, text: str, where: str):
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)  # comments cite URLs harmlessly
        self.found += [f"{where} {u}" for u in _CSS_URL.findall(text) if _REMOTE.match(u)]


def external_references(html: str) -> list[str]:
    """Every resource ``html`` would load from the network: ``src``/``href``
    (links a reader clicks, ``<a href>``, excepted) and CSS ``url()`` /
    ``@import`` pointing at ``http://``, ``https://`` or ``//``. Empty for a
    page that opens offline."""
    parser = _References()
    parser.feed(html)
    parser.close()
    return parser.found
