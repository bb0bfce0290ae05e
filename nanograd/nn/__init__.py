"""Neural nets the micrograd way: modules (`Neuron`, `Layer`, `MLP`), losses, optimizers and toy
data sets, and `compile_step` for a training step compiled once. `nanograd.losses`,
`nanograd.optim` and `nanograd.datasets` name the submodules here.
"""
from . import datasets, losses, optim
from .modules import MLP, Layer, Module, Neuron
from .training import TrainingStep, compile_step

__all__ = ["MLP", "Layer", "Module", "Neuron", "TrainingStep", "compile_step", "datasets", "losses",
           "optim"]
