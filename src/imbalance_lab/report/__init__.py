"""The report of a results folder: figures and statistics, as an HTML page.

:func:`build_report` runs ``notebooks/report.ipynb`` on a results folder
through papermill and exports ``report.html`` (code hidden, figures
embedded, no external scripts or fonts), ``figures/*.png|svg`` and
``tables/*.csv`` into it. The notebook only calls
:mod:`imbalance_lab.report.sections`; the statistics live in
:mod:`~imbalance_lab.report.stats`, the tables in
:mod:`~imbalance_lab.report.aggregate`, the plots in
:mod:`~imbalance_lab.report.figures`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ReportFiles", "build_report"]


@dataclass
class ReportFiles:
    """What :func:`build_report` wrote."""

    html: Path
    notebook: Path
    figures: list[Path]
    tables: list[Path]
    screenshot: Path | None = None
    page_check: object | None = None  # browser.PageCheck when the page was checked


def build_report(results_dir, out_dir=None, *, metrics=None, alpha: float = 0.05,
                 posthoc: str = "nemenyi", baseline: str | None = None, n_bins: int = 10,
                 check_browser: bool = False, notebook=None, timeout: int | None = None,
                 progress: bool = False) -> ReportFiles:
    """Write the report of ``results_dir`` into ``out_dir`` (default: the
    results folder itself): the executed ``report.ipynb``, ``report.html``,
    ``figures/`` and ``tables/``.

    Parameters and the folder are checked before the notebook starts (see
    :func:`imbalance_lab.report.sections.open_report`). With
    ``check_browser``, headless Chromium loads the page and a screenshot
    ``report.png`` is saved beside it; the result is in ``page_check``.
    With ``progress``, each step and the notebook's cells are shown on stderr.
    """
    from imbalance_lab.report import export, sections

    rep = sections.open_report(results_dir, out_dir, metrics=metrics, alpha=alpha,
                               posthoc=posthoc, baseline=baseline, n_bins=n_bins)
    if check_browser:
        from imbalance_lab.report import browser

        if browser.find_chromium() is None:
            raise browser.BrowserError("check_browser=True (report --check) needs headless Chromium, "
                                       f"and none of {', '.join(browser.CHROMIUM_NAMES)} is on PATH "
                                       "(install it with `make browser`)")
    out = rep.out_dir.resolve()
    parameters = {
        "results_dir": str(rep.results.path.resolve()), "out_dir": str(out),
        "metrics": rep.metrics, "alpha": rep.alpha, "posthoc": rep.posthoc,
        "baseline": rep.baseline, "n_bins": rep.n_bins,
    }
    say = _stderr if progress else _silent
    say(f"report: running the report notebook on {rep.results.path} into {out / 'report.ipynb'}")
    executed = export.execute_notebook(out / "report.ipynb", parameters, notebook=notebook,
                                       timeout=timeout, progress_bar=progress)
    say(f"report: exporting {out / 'report.html'}")
    html = export.export_html(executed, out / "report.html")
    files = ReportFiles(
        html=html, notebook=executed,
        figures=sorted((out / "figures").glob("*.png")) + sorted((out / "figures").glob("*.svg")),
        tables=sorted((out / "tables").glob("*.csv")),
    )
    if check_browser:
        from imbalance_lab.report import browser

        say("report: opening the page in headless Chromium")
        files.page_check = browser.check_page(html, out / "report.png")
        files.screenshot = files.page_check.screenshot
    return files


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _silent(message: str) -> None:
    pass
