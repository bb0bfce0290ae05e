"""Neural nets the micrograd way: modules (`Neuron`, `Layer`, `MLP`), losses, optimizers and toy
data sets. `nanograd.losses`, `nanograd.optim` and `nanograd.datasets` name the submodules here.
"""
from . import datasets, losses, optim
from .modules import MLP, Layer, Module, Neuron

__all__ = ["MLP", "Layer", "Module", "Neuron", "datasets", "losses", "optim"]
