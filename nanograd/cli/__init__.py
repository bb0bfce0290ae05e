"""The `nanograd` command line: derivatives of typed expressions, checks of hand-worked ones, drawings.

Exit status: 0 done (verify: the claim is right); 1 verify: the claim is wrong, or diff: backprop
and the closed form disagree (a bug in nanograd: please report it); 2 anything else: bad input or
usage, work too large for --timeout, an output that cannot be written, or an unforeseen error.
A crash never exits 1, which would read as a verdict, and never shows a traceback.
"""
from __future__ import annotations

import argparse
import math
import os
import sys

from ..core.budget import within
from ..errors import InputError, NanogradError, TimeBudgetError
from .derivatives import diff_command, verify_command
from .drawings import demo_command, explain_command, graph_command
from .grade import add_grade
from .reading import NOTATION, dash_values
from .stepper import add_stepper
from .steps import add_steps
from .trace import add_trace

# sympy (and what needs it) is imported inside the commands: about a second, which input refused
# by the parser, `--help` and usage errors never pay.

EXPR_HELP = ("the expression, e.g. 'x^2 sin(y)' or 'x**2*sin(y)' (the notation is below); - reads it "
             "from standard input")
AT_HELP = "the point, e.g. x=1.5,y=0.3 (values may be constant expressions such as pi/4)"
LATEX_HELP = "read EXPR (and CLAIM) as LaTeX even without a backslash"
TIMEOUT = 10.0  # seconds a command may take by default
REPORT = "this is a bug in nanograd: please report it with the command that caused it"


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (seconds > 0 and math.isfinite(seconds)):
        raise argparse.ArgumentTypeError(f"--timeout {text}: a positive number of seconds")
    return seconds


def _subcommand(commands, name: str, run, examples: str,
                timed: bool = True) -> argparse.ArgumentParser:
    """A subcommand; `timed` ones get --timeout, a budget for the whole command (grade, which
    bounds each row instead, is not)."""
    parser = commands.add_parser(name, help=run.__doc__, description=run.__doc__,
                                 epilog="examples:\n" + examples + "\n\n" + NOTATION,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(run=run, budget=None)
    if timed:
        parser.add_argument("--timeout", dest="budget", type=_seconds, default=TIMEOUT,
                            metavar="SECONDS",
                            help=f"give up, with exit status 2, after this long (default {TIMEOUT:g})")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="nanograd", description="Derivatives two ways: numeric backprop and closed forms.",
        epilog="exit status: 0 done (verify: right), 1 verify: wrong, 2 bad input or usage\n\n" + NOTATION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    p = _subcommand(commands, "diff", diff_command,
                    "  nanograd diff 'x**2*sin(y)' --wrt x --wrt y\n"
                    "  nanograd diff 'log(1 + exp(x))' --wrt x --at x=0.5 --format json\n"
                    "Without --at no values are printed; the closed forms do not depend on a point.")
    p.add_argument("expr", metavar="EXPR", help=EXPR_HELP)
    p.add_argument("--wrt", action="append", metavar="NAME",
                   help="a variable to differentiate by (repeat for more; default: every variable)")
    p.add_argument("--at", action="append", metavar="POINT", help=AT_HELP)
    p.add_argument("--simplify", action="store_true", help="simplify the derivatives with sympy")
    p.add_argument("--format", choices=("text", "latex", "json"), default="text",
                   help="text (pretty, the default), latex, or one JSON object")
    p.add_argument("--latex", action="store_true", help=LATEX_HELP)

    p = _subcommand(commands, "verify", verify_command,
                    "  nanograd verify 'x**2*sin(x)' --wrt x --claim '2*x*sin(x) + x**2*cos(x)'\n"
                    "  nanograd verify 'sin^2 x' --wrt x --claim '2sin x cos x'\n"
                    "  nanograd verify 'sin(x)**2' --wrt x --claim 'sin(2*x)/2'   (wrong: exit 1)\n"
                    "  nanograd verify '\\frac{1}{x}' --wrt x --claim -1/x^2")
    p.add_argument("expr", metavar="EXPR", help=EXPR_HELP)
    p.add_argument("--wrt", required=True, metavar="NAME", help="the variable the claim is the derivative by")
    p.add_argument("--claim", required=True, metavar="CLAIM", help="the derivative worked out by hand")
    p.add_argument("--at", action="append", metavar="POINT", help=AT_HELP + "; tested first")
    p.add_argument("--latex", action="store_true", help=LATEX_HELP)
    p.add_argument("--format", choices=("text", "json", "latex"), default="text",
                   help="text (the default), one JSON object, or LaTeX")
    p.add_argument("--steps", action="store_true",
                   help="show the derivation step by step, the step where the claim went wrong marked")

    add_steps(commands, _subcommand, EXPR_HELP, AT_HELP)
    add_grade(commands, _subcommand)

    p = _subcommand(commands, "graph", graph_command,
                    "  nanograd graph 'tanh(w*x + b)' --at w=0.5,x=2,b=-1 -o neuron.svg")
    p.add_argument("expr", metavar="EXPR", help=EXPR_HELP)
    p.add_argument("--at", action="append", metavar="POINT", help=AT_HELP)
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="FILE.svg, FILE.png, or another suffix render knows (.pdf, .dot)")
    p.add_argument("--latex", action="store_true", help=LATEX_HELP)

    p = _subcommand(commands, "explain", explain_command,
                    "  nanograd explain 'sigmoid(w*x)' --wrt w --at w=0.5,x=2")
    p.add_argument("expr", metavar="EXPR", help=EXPR_HELP)
    p.add_argument("--wrt", required=True, metavar="NAME", help="the variable to differentiate by")
    p.add_argument("--at", action="append", metavar="POINT", help=AT_HELP)
    p.add_argument("--latex", action="store_true", help=LATEX_HELP)

    add_trace(commands, _subcommand, EXPR_HELP, AT_HELP)

    add_stepper(commands, _subcommand, EXPR_HELP, AT_HELP)

    p = _subcommand(commands, "demo", demo_command, "  nanograd demo --out example.svg")
    p.add_argument("--out", default="nanograd-demo.svg", metavar="PATH",
                   help="where to write the drawing (default: nanograd-demo.svg here)")

    args = parser.parse_args(dash_values(sys.argv[1:] if argv is None else argv))
    try:
        if sys.stdout is None:
            raise InputError("standard output is closed: there is nowhere to write the result")
        with within(args.budget):
            status = args.run(args)
        sys.stdout.flush()  # a full disk shows here, while it can still be reported
        return status
    except TimeBudgetError as error:
        return _fail(args, f"{error}. It was given --timeout {args.budget:g} seconds: try a "
                           "larger --timeout, or a smaller expression")
    except NanogradError as error:  # InputError among them
        return _fail(args, str(error))
    except BrokenPipeError:  # `nanograd demo | head` is not an error
        _silence(sys.stdout)
        _silence(sys.stderr)
        return 0
    except KeyboardInterrupt:
        return 130
    except OSError as error:  # an output that cannot be written: a directory, a full disk, /proc
        where = error.filename if error.filename is not None else "standard output"
        _silence(sys.stdout)
        return _fail(args, f"cannot write {where}: {error.strerror or error}")
    except Exception as error:  # the hook: nothing unforeseen escapes as exit 1
        return _fail(args, f"unexpected {type(error).__name__}: {error}; {REPORT}")


def _fail(args: argparse.Namespace, message: str) -> int:
    """Exit status 2, saying why on standard error when there is one."""
    try:
        if sys.stderr is not None:
            print(f"nanograd {args.command}: {message}", file=sys.stderr)
    except (OSError, ValueError):  # standard error closed or full too: the status still says it
        pass
    return 2


def _silence(stream) -> None:
    """Drop what a stream could not write, so that exiting does not try again and complain."""
    if stream is None:
        return
    try:
        stream.flush()
    except (OSError, ValueError):
        pass
    try:  # send whatever is left in its buffer to nowhere
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
    except (OSError, ValueError, AttributeError):
        pass

