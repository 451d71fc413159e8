"""``grader``: the command line. Each subcommand lives in its own module, which provides
``add_arguments(parser)`` and ``main(args) -> int``."""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = {
    "run": ("grader.runner", "grade one submission in isolation (folder or .zip)"),
    "gradescope": ("grader.gradescope", "Gradescope's run_autograder: /autograder/submission "
                                        "-> /autograder/results/results.json"),
    "batch": ("grader.batch", "grade a whole class in parallel, resumably"),
    "validate": ("grader.validate", "prove the suite sound: reference 100 %, template 0, "
                                    "every mutant loses points"),
    "export-student": ("grader.export", "write the student starter repository"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, help_text) in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module).add_arguments(sp)
        sp.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(importlib.import_module(args._module).main(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
