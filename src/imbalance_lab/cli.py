"""`imbalance-lab` command line: a thin layer over the package.

Each sub-command lives in ``imbalance_lab/commands/<name>.py`` with two
functions, ``add_arguments(parser)`` and ``run(args) -> int``; it is imported
only when used, so ``imbalance-lab --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from imbalance_lab import __version__
from imbalance_lab.errors import ImbalanceLabError

#: sub-command -> one-line help. The module is imbalance_lab.commands.<name>.
COMMANDS = {
    "datasets": "list every available data set with its size and imbalance",
    "sweep": "run a sweep config: data sets x ratios x schemes x models x seeds",
    "report": "write the HTML report, figures and tables of a results folder",
    "audit": "the equivalence audit: which models honour 'k copies = weight k'",
    "calibration": "the prior-shift simulation: calibration after re-balancing",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="imbalance-lab", description="imbalance-lab: when does class weight k equal k copies, and which way of handling class imbalance works best?")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_text in COMMANDS.items():
        module = _command_module(name)
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(sub_parser)
        sub_parser.set_defaults(_run=module.run)
    return parser


def _command_module(name: str):
    return importlib.import_module(f"imbalance_lab.commands.{name}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except ImbalanceLabError as exc:
        # A user error: say what to fix, without a traceback.
        print(f"imbalance-lab {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        # A path the user named cannot be read or written (an --out that is a
        # file, a folder without permission): say which, without a traceback.
        print(f"imbalance-lab {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"imbalance-lab {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
