"""PyTorch's counterpart of each op of the table, for the tests that hold nanograd against it."""
from __future__ import annotations

import operator


def torch_ops(torch) -> dict:
    """Op name -> the torch function (or definition, where torch has none) it is checked against."""
    return {
        "add": operator.add, "sub": operator.sub, "mul": operator.mul,
        "div": operator.truediv, "pow": operator.pow, "neg": operator.neg,
        "exp": torch.exp, "log": torch.log, "log10": torch.log10, "log2": torch.log2,
        "sqrt": torch.sqrt, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
        "sin": torch.sin, "cos": torch.cos, "abs": torch.abs, "sign": torch.sign,
        "tan": torch.tan, "asin": torch.asin, "acos": torch.acos, "atan": torch.atan,
        "sinh": torch.sinh, "cosh": torch.cosh, "asinh": torch.asinh, "acosh": torch.acosh,
        "atanh": torch.atanh,
        # torch has no function of these: their definitions, differentiated by torch
        "cot": lambda x: 1 / torch.tan(x), "sec": lambda x: 1 / torch.cos(x),
        "csc": lambda x: 1 / torch.sin(x), "coth": lambda x: 1 / torch.tanh(x),
        "sech": lambda x: 1 / torch.cosh(x), "csch": lambda x: 1 / torch.sinh(x),
        "cbrt": lambda x: torch.sign(x) * torch.abs(x) ** (1 / 3),
        "logb": lambda x, y: torch.log(x) / torch.log(y),
    }
