"""The offline HTML export: no script, style or font from the network, code
hidden, figures embedded as data URIs. Built on a hand-made executed
notebook, so no kernel is needed."""

import base64
import io

import matplotlib.pyplot as plt
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from imbalance_lab.report import export


def _png() -> str:
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [1, 0])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=50)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture()
def executed(tmp_path):
    """An executed notebook as papermill leaves it: code, an image, a table."""
    nb = new_notebook(cells=[
        new_markdown_cell("# A report\n\nSome *markdown* with a [table link](tables/x.csv)."),
        new_code_cell("def secret_code_cell():\n    pass", execution_count=1, outputs=[
            new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"}),
            new_output("display_data", data={
                "text/html": "<table class='dataframe'><tr><td>0.5</td></tr></table>",
                "text/plain": "0.5"}),
        ]),
    ], metadata={"kernelspec": {"name": "imbalance-lab", "display_name": "x", "language": "python"}})
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)
    return path


def test_external_references_finds_every_kind_of_remote_load():
    page = """<html><head>
      <script src="https://cdnjs.example/require.js"></script>
      <link rel="stylesheet" href="//fonts.example/css">
      <style>/* see https://in.a.comment */ @import "http://x.example/a.css";
        @font-face { src: url('https://fonts.example/f.woff2'); }</style>
      </head><body>
      <a href="https://a.link.a.reader.clicks">fine</a>
      <img src="data:image/png;base64,AAAA"><img srcset="img/local.png 1x, https://cdn/x.png 2x">
      <div style="background: url(http://bg.example/x.png)"></div>
      <script src="local.js"></script></body></html>"""
    assert export.external_references(page) == [
        "<script src=https://cdnjs.example/require.js>",
        "<link href=//fonts.example/css>",
        "<style> http://x.example/a.css",
        "<style> https://fonts.example/f.woff2",
        "<img srcset=https://cdn/x.png>",
        "<div style> http://bg.example/x.png",
    ]


def test_the_default_nbconvert_page_would_go_online(executed):
    # The reason for the offline template: nbconvert's own lab page loads
    # require.js and MathJax from a CDN. (If this ever passes empty, the
    # offline template may be simplified.)
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_filename(str(executed))
    remote = export.external_references(body)
    assert any("require" in r for r in remote) and any("mathjax" in r.lower() for r in remote)


def test_the_report_page_opens_offline(executed, tmp_path):
    html = export.export_html(executed, tmp_path / "report.html")
    text = html.read_text(encoding="utf-8")
    assert export.external_references(text) == []
    assert "secret_code_cell" not in text  # code hidden
    assert "In&nbsp;[" not in text and "In [" not in text  # no prompts
    assert f'src="data:image/png;base64,{_png()[:40]}' in text  # figure embedded
    assert "<table class='dataframe'>" in text or '<table class="dataframe">' in text
    assert 'href="tables/x.csv"' in text  # relative links stay
    assert "anchor-link" not in text.split("</style>")[-1]
    assert oct(html.stat().st_mode & 0o444) == oct(0o444)  # readable by everyone


def test_a_missing_notebook_is_named(tmp_path):
    from imbalance_lab.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="report notebook is missing"):
        export.execute_notebook(tmp_path / "out.ipynb", {}, notebook=tmp_path / "nope.ipynb")
