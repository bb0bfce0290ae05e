"""Compiled gradients: a graph traced once into straight-line Python for its forward and reverse
passes, generated from the table through a number system whose values are source text.

Imports only `errors` and `core`: it is a way of running the core's graphs, beneath the layers
(nn, symbolic) that use it.
"""
from .batch import BatchGradient, compile_batch
from .compiled import CompiledGradient, Run, compile
from .source import SOURCE, Source

__all__ = ["BatchGradient", "CompiledGradient", "Run", "compile", "compile_batch", "SOURCE",
           "Source"]
