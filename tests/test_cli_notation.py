"""The command line reads the notation people type: values that start with '-', --latex, names
run together (said on stderr), and `--help` lists the functions and the notation.

Run in process through `main` (the same argv handling as `python -m nanograd`); oracle: the
exit status and verdict of `verify`, whose own correctness tests/test_verify.py checks.
"""
from __future__ import annotations

import pytest

from nanograd.calculus import FUNCTIONS
from nanograd.cli import main
from nanograd.cli.reading import VALUE_OPTIONS, dash_values


@pytest.mark.parametrize("argv, status", [
    (["verify", "5/x", "--wrt", "x", "--claim", "-5/x**2"], 0),
    (["verify", "5/x", "--wrt", "x", "--claim", "-5/x^2"], 0),
    (["verify", "5/x", "--wrt", "x", "--claim", "-5x^-2"], 0),
    (["verify", "5/x", "--wrt", "x", "--claim", "-6/x^2"], 1),
    (["verify", "-6*sin(x)", "--wrt", "x", "--claim", "-6cos x"], 0),
    (["verify", "--wrt", "x", "-6sin x", "--claim", "-6cos(x)"], 0),
    (["verify", "-x^2", "--wrt", "x", "--claim", "-2x", "--at", "x=-1"], 0),
    (["verify", "x^2", "--wrt", "x", "--claim=-2x"], 1),
    (["verify", "--wrt", "x", "--claim", "2x", "--", "x^2"], 0),
    (["verify", "\\frac{1}{x}", "--wrt", "x", "--claim", "-\\frac{1}{x^{2}}"], 0),
    (["verify", "xy", "--wrt", "x", "--claim", "y"], 0),  # y is named by the claim, x by --wrt
    (["verify", "sin^2 x", "--wrt", "x", "--claim", "2sin x cos x"], 0),
    (["verify", "|x - 1/2|", "--wrt", "x", "--claim", "(x - 1/2)/|x - 1/2|"], 0),
    (["verify", "log_2(x)", "--wrt", "x", "--claim", "1/(x ln 2)"], 0),
])
def test_verify_reads_typed_notation(argv, status, capsys):
    assert main(argv) == status, capsys.readouterr()


def test_diff_with_a_negative_expression_first(capsys):
    assert main(["diff", "-6*sin(x)", "--wrt", "x"]) == 0
    out = capsys.readouterr().out
    assert "-6⋅sin(x)" in out or "-6*sin(x)" in out
    assert "cos(x)" in out


def test_a_split_name_is_said(capsys):
    assert main(["diff", "xy^2", "--wrt", "x", "--at", "x=1,y=2"]) == 0
    captured = capsys.readouterr()
    assert "read xy as x*y in EXPR" in captured.err
    assert "f(x, y)" in captured.out  # two variables: the split reading is the one shown


@pytest.mark.parametrize("argv", [
    ["steps", "xy^2", "--wrt", "x", "--at", "x=1,y=2"],
    ["trace", "sinxy", "--at", "x=1,y=2"],
    ["stepper", "√(secht)", "--at", "t=1.2"],
    ["graph", "xy", "--at", "x=1,y=2"],
    ["explain", "xy", "--wrt", "x", "--at", "x=1,y=2"],
])
def test_every_command_splits_names_by_the_variables_its_options_give(argv, capsys, tmp_path):
    # found by the command-line fuzz: steps, trace and stepper read EXPR without the names
    # of --at and --wrt, so `stepper '√(secht)' --at t=1.2` had a variable secht
    if argv[0] in ("stepper", "graph"):
        argv = [*argv, "-o", str(tmp_path / ("page.html" if argv[0] == "stepper" else "graph.dot"))]
    assert main(argv) == 0, capsys.readouterr().err
    assert "nanograd: read " in capsys.readouterr().err


def test_latex_option_reads_letters_as_names(capsys):
    assert main(["diff", "ab", "--latex", "--wrt", "a"]) == 0
    assert "read ab as a*b" in capsys.readouterr().err
    assert main(["diff", "ab", "--wrt", "ab"]) == 0  # without it, ab is one name


def test_a_name_run_together_with_unknown_parts_gets_a_hint(capsys):
    assert main(["verify", "xy^2", "--wrt", "x", "--claim", "1"]) == 2
    assert "xy is one name" in capsys.readouterr().err


def test_options_are_still_options():
    assert dash_values(["verify", "x", "-h"]) == ["verify", "x", "-h"]
    assert dash_values(["graph", "x", "-o", "a.svg"]) == ["graph", "x", "-o", "a.svg"]
    assert dash_values(["diff", "-x", "--wrt", "x"]) == ["diff", "--wrt", "x", "--", "-x"]
    assert dash_values(["verify", "x", "--claim", "-1"]) == ["verify", "x", "--claim=-1"]
    assert dash_values(["diff", "--", "-x"]) == ["diff", "--", "-x"]
    # not math: left for argparse to refuse
    assert dash_values(["diff", "-x'", "--wrt", "x"]) == ["diff", "-x'", "--wrt", "x"]


def test_value_options_are_those_of_the_parser():
    import argparse

    found = set()
    original = argparse.ArgumentParser.add_argument

    def record(self, *names, **kwargs):
        action = original(self, *names, **kwargs)
        if action.option_strings and action.nargs != 0:
            found.update(action.option_strings)
        return action

    argparse.ArgumentParser.add_argument = record  # type: ignore[method-assign]
    try:
        with pytest.raises(SystemExit):
            main(["--help"])
    finally:
        argparse.ArgumentParser.add_argument = original  # type: ignore[method-assign]
    assert found - {"-h", "--help"} <= VALUE_OPTIONS


def test_help_lists_the_functions_and_the_notation(capsys):
    for argv in (["--help"], ["verify", "--help"], ["diff", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = capsys.readouterr().out
        assert all(name in out for name in FUNCTIONS)
        for notation in ("x^2", "2x", "sin^2", "sin^-1", "|x - 1/2|", "log_2(x)", "\\frac{a}{b}",
                         "read xy as x*y"):
            assert notation in out, (argv, notation)
