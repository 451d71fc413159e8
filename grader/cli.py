"""grader: grade autograd exercises with their spec suite, one submission or a whole class.

Each subcommand lives in its own module, which provides ``add_arguments(parser)`` and
``main(args) -> int``; ``python -m grader`` is the same command line."""

from __future__ import annotations

import argparse
import importlib
import sys

from grader.atomic import UnusableFolder
from grader.settings import SettingError

SUBCOMMANDS = {
    "run": ("grader.run.runner", "grade one submission in isolation (folder or .zip)"),
    "gradescope": ("grader.autograder", "Gradescope's run_autograder: /autograder/submission "
                                        "-> /autograder/results/results.json"),
    "batch": ("grader.run.batch", "grade a whole class in parallel, resumably"),
    "validate": ("grader.validate", "prove the suite sound: reference 100 %, template 0, "
                                    "every mutant loses points"),
    "export-student": ("grader.export", "write the student starter repository"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, help_text) in SUBCOMMANDS.items():
        # argparse %-formats help strings (not descriptions): "100 %" must be "100 %%" there
        sp = sub.add_parser(name, help=help_text.replace("%", "%%"), description=help_text)
        importlib.import_module(module).add_arguments(sp)
        sp.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(importlib.import_module(args._module).main(args) or 0)
    except (SettingError, UnusableFolder) as exc:  # a bad value, wherever it was read
        print(f"grader {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"grader {args.command}: interrupted", file=sys.stderr)
        return 130


