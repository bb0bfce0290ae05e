"""`nanograd diff` and `nanograd verify`: closed-form derivatives, and checks of hand-worked ones."""
from __future__ import annotations

import argparse
import json
import sys

from ..errors import InputError
from .reading import check_wrt, graph_at, read_expression, read_point
from .writing import (
    close,
    derivative_of,
    equation,
    function_of,
    latex,
    paint,
    pretty,
    printed,
    value_table,
)


def diff_command(args: argparse.Namespace) -> int:
    """The closed-form derivatives of EXPR and, with --at, their values computed two ways."""
    expression = read_expression(args.expr, "EXPR", args)
    wrt = args.wrt or list(expression.variables)
    check_wrt(expression, wrt)
    at = read_point(args.at, expression)
    out, leaves = graph_at(expression, at)
    from ..symbolic import evaluate, grad_expr  # sympy: loaded on first use

    nodes = [leaves[name] for name in wrt]
    derivatives = grad_expr(out, wrt=nodes)
    # simplify may write a form that has a value only in sympy's complex reading (|sinh(w)**(2/3)|):
    # it is printed, and the closed forms of the graph are evaluated
    shown = grad_expr(out, wrt=nodes, simplify=True) if args.simplify else derivatives
    exprs = [out.expr, *derivatives]  # f, then its derivatives: evaluated, and by backprop
    values: list
    numerics: list
    if at is None:
        values = numerics = [None] * len(exprs)
    else:
        out.backward()
        values = [evaluate(e, out) for e in exprs]
        numerics = [out.data] + [leaves[name].grad for name in wrt]
    if args.format == "json":
        print(json.dumps({"expr": printed(str, out.expr), "at": at, "value": values[0], "derivatives": [
            {"wrt": name, "expr": printed(str, d), "latex": latex(d), "value": value, "numeric": numeric}
            for name, d, value, numeric in zip(wrt, shown, values[1:], numerics[1:])]}, indent=2))
    else:
        f = function_of(expression)
        lefts = [f] + [derivative_of(f, name) for name in wrt]
        equations = [equation(left, e) for left, e in zip(lefts, [out.expr, *shown])]
        if args.format == "latex":
            print("\n".join(map(latex, equations)))
            if at is not None:
                point = ", ".join(f"{name}={value!r}" for name, value in at.items())
                print("\n" + "\n".join(rf"\left.{latex(left)}\right|_{{{point}}} = {value!r}"
                                        for left, value in zip(lefts, values)))
        else:
            print("\n\n".join(map(pretty, equations)))
            if at is not None:
                labels = [str(f.func)] + [f"d{f.func}/d{name}" for name in wrt]
                print("\n" + value_table(at, labels, values, numerics))
    if at is not None and not all(map(close, values, numerics)):
        print("nanograd diff: backprop and the closed form disagree; this is a bug in nanograd, "
              "please report it with the command above", file=sys.stderr)
        return 1
    return 0


def verify_command(args: argparse.Namespace) -> int:
    """Whether CLAIM is the derivative of EXPR: exit 0 if it is, 1 if not (with a point where they differ)."""
    expression = read_expression(args.expr, "EXPR", args)
    claim = read_expression(args.claim, "CLAIM", args)
    check_wrt(expression, [args.wrt])
    unknown = sorted(set(claim.variables) - set(expression.variables))
    if unknown:
        raise InputError(f"CLAIM uses {', '.join(unknown)}, which EXPR does not "
                        f"(EXPR's variables: {', '.join(expression.variables)})")
    out, leaves = graph_at(expression, read_point(args.at, expression))
    from ..calculus.verification import claim_form  # sympy: loaded on first use
    from ..calculus.verification import verify as check  # sympy: loaded on first use

    result = check(out, wrt=leaves[args.wrt], claim=claim_form(claim))
    f = function_of(expression)
    derivation = None
    if args.steps:
        from ..calculus.steps import steps  # sympy: loaded on first use

        derivation = steps(out, wrt=leaves[args.wrt]).marked(result.diagnosis)
    if args.format == "json":
        print(json.dumps(verification_json(result, derivation), indent=2))
    elif args.format == "latex":
        print(latex(equation(derivative_of(f, args.wrt), result.derivative)))
        print(latex(equation("claim", result.claim)))
        print(derivation.latex() if derivation else "")
        print("% " + str(result).replace("\n", "\n% "))
    else:
        print(pretty(equation(f, out.expr)))  # how EXPR was read
        print(pretty(equation(derivative_of(f, args.wrt), result.derivative)))
        print(pretty(equation("claim", result.claim)))
        print()
        if derivation:
            print(derivation, end="\n\n")
        print(paint(str(result), result.ok))
    return 0 if result.ok else 1


def verification_json(result, derivation=None) -> dict:
    """verify's verdict as JSON: right, method, counterexample, diagnosis (and the steps)."""
    c, d = result.counterexample, result.diagnosis
    return {
        "right": result.ok, "method": result.method, "derivative": str(result.derivative),
        "claim": str(result.claim),
        "counterexample": c and {"point": c.point, "derivative": c.derivative, "claim": c.claim,
                                 "reason": c.reason},
        "diagnosis": d and {"kind": d.kind, "expression": d.expression, "message": d.message,
                            "checked": d.checked},
        **({"steps": derivation.as_dict()} if derivation else {}),
    }
