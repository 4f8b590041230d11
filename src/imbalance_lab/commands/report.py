"""`imbalance-lab report RESULTS_DIR|CONFIG`: write the HTML report, figures and tables."""

from __future__ import annotations

import argparse
from pathlib import Path

#: A RESULTS_DIR argument that is a file with one of these endings is a sweep config.
CONFIG_SUFFIXES = (".yaml", ".yml")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results_dir", metavar="RESULTS_DIR|CONFIG",
                        help="results folder written by `imbalance-lab sweep` (e.g. results/default), "
                             "or the sweep's config (YAML): its results folder, results/<name>, "
                             "as the sweep resolves it")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="write report.html, figures/ and tables/ here (default: the results folder)")
    parser.add_argument("--metric", dest="metrics", action="append", metavar="NAME",
                        help="a main metric to show (repeatable; default: every main metric with values)")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    parser.add_argument("--posthoc", default="nemenyi", choices=["nemenyi", "conover"],
                        help="post-hoc test after Friedman's (default nemenyi)")
    parser.add_argument("--baseline", default=None, metavar="SCHEME",
                        help="scheme the others are compared with (default 'none' when it was run)")
    parser.add_argument("--check", action="store_true",
                        help="open the page in headless Chromium: no console errors, every image "
                             "rendered; saves report.png beside it")


def run(args: argparse.Namespace) -> int:
    from imbalance_lab.errors import InvalidParameterError
    from imbalance_lab.folders import check_output_folder
    from imbalance_lab.report import build_report

    if args.out is not None:  # under the flag's own name, before the folder or a config is read
        check_output_folder(args.out, "--out", "the report")
    if args.results_dir.strip() == "":  # Path("") would be the working folder
        raise InvalidParameterError("results_dir", args.results_dir, "a results folder or a config (it is empty)")
    results_dir = Path(args.results_dir)
    if results_dir.is_file() and results_dir.suffix.lower() in CONFIG_SUFFIXES:
        from imbalance_lab.sweep import results_folder

        results_dir = results_folder(results_dir)  # a config error is raised here, before any work
    files = build_report(results_dir, args.out, metrics=args.metrics, alpha=args.alpha,
                         posthoc=args.posthoc, baseline=args.baseline, check_browser=args.check,
                         progress=True)
    print(f"figures: {len(files.figures)} files in {files.html.parent / 'figures'}")
    print(f"tables:  {len(files.tables)} files in {files.html.parent / 'tables'}")
    if files.page_check is not None:
        check = files.page_check
        print(f"browser: {len(check.images)} images, screenshot {files.screenshot}")
        if not check.ok:
            for problem in check.problems():
                print(f"browser: {problem}")
            print(f"report:  {files.html} (the browser check FAILED)")
            return 1
    print(f"report:  {files.html}")
    return 0
