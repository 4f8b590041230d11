"""`imbalance-lab datasets`: list every data set with its size and imbalance.

The first call on a machine loads every public data set once (~15 s) and
caches the metadata; later calls read the cache. No network is used.
"""

from __future__ import annotations

import argparse
import sys

#: Columns of the human-readable table (``--format csv`` writes them all).
TABLE_COLUMNS = ("name", "source", "n", "n_features", "n_minority", "imbalance_ratio", "reference")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("table", "csv"),
        default="table",
        help="'table' for people (default); 'csv' writes every column, skipped data sets included",
    )
    parser.add_argument(
        "--refresh", action="store_true", help="rebuild the cached metadata of the public data sets"
    )


def run(args: argparse.Namespace) -> int:
    from imbalance_lab.datasets import catalog

    if not catalog.is_cached() or args.refresh:
        print(
            f"imbalance-lab datasets: loading every public data set once to list them "
            f"(cached in {catalog.cache_dir()})",
            file=sys.stderr,
        )
    frame = catalog.catalog_table(refresh=args.refresh)
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return 0
    ok = frame[frame["status"] == "ok"]
    table = ok.loc[:, list(TABLE_COLUMNS)].copy()
    table["imbalance_ratio"] = table["imbalance_ratio"].map(lambda r: f"{r:.2f}")
    for column in ("n", "n_features", "n_minority"):
        table[column] = table[column].astype(int)
    print(table.to_string(index=False))
    skipped = frame[frame["status"] != "ok"]
    print(f"\n{len(ok)} data sets; minority = label 1; imbalance_ratio = majority:minority.")
    for _, row in skipped.iterrows():
        print(f"skipped {row['name']} ({row['source']}): {row['reason']}", file=sys.stderr)
    return 0
