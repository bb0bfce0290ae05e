"""Drawings: a graph of Scalars (`draw_dot`), a network as blocks (`draw_model`), frames of
backprop step by step (`render_steps`), writing any of them to a file (`render`), and a web page
that steps through forward evaluation and backprop (`stepper`).

Imports graphviz, so nanograd's facade loads this package only when a drawing is asked for.
"""
from .backends import Digraph, NoRendererError, find_renderer, pipe
from .dot import draw_dot
from .files import SUFFIXES, render, save_plot
from .frames import render_steps
from .model import draw_model
from .stepper import Stepper, stepper

__all__ = ["Digraph", "NoRendererError", "find_renderer", "pipe", "draw_dot", "SUFFIXES",
           "render", "save_plot", "render_steps", "draw_model", "Stepper", "stepper"]
