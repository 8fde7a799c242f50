"""What PyTorch's objects are, for the PyTorch front end (``frameworks/torch.py``).

Each behaviour a rule relies on is verified by running PyTorch: ``docs/torch-semantics.md``, with the
experiment in ``docs/torch-experiments/``. Names are canonical dotted paths (``torch.nn.Linear``), whatever
alias the code imported them by.
"""

from __future__ import annotations

from typing import Final

# --- activations ------------------------------------------------------------------------------------------

SOFTMAX: Final = "softmax"
LOG_SOFTMAX: Final = "log_softmax"
SIGMOID: Final = "sigmoid"
LINEAR: Final = "linear"
"""No activation after the last layer: raw logits."""
RELU: Final = "relu"
TANH: Final = "tanh"

ACTIVATION_MODULES: Final = {
    # nn modules applied to the output: activation, and whether it takes a ``dim`` (positional index 0).
    "torch.nn.Softmax": SOFTMAX,
    "torch.nn.LogSoftmax": LOG_SOFTMAX,
    "torch.nn.Sigmoid": SIGMOID,
    "torch.nn.ReLU": RELU,
    "torch.nn.Tanh": TANH,
}

ACTIVATION_FUNCTIONS: Final = {
    # Functions and tensor methods; the input tensor is their first argument (or the receiver), ``dim`` the next.
    "torch.nn.functional.softmax": SOFTMAX,
    "torch.softmax": SOFTMAX,
    "torch.special.softmax": SOFTMAX,
    "torch.Tensor.softmax": SOFTMAX,
    "torch.nn.functional.log_softmax": LOG_SOFTMAX,
    "torch.log_softmax": LOG_SOFTMAX,
    "torch.special.log_softmax": LOG_SOFTMAX,
    "torch.Tensor.log_softmax": LOG_SOFTMAX,
    "torch.sigmoid": SIGMOID,
    "torch.nn.functional.sigmoid": SIGMOID,
    "torch.special.expit": SIGMOID,
    "torch.Tensor.sigmoid": SIGMOID,
    "torch.relu": RELU,
    "torch.nn.functional.relu": RELU,
    "torch.Tensor.relu": RELU,
    "torch.tanh": TANH,
    "torch.nn.functional.tanh": TANH,
    "torch.Tensor.tanh": TANH,
}

NORMALISING: Final = frozenset({SOFTMAX, LOG_SOFTMAX})
"""Activations that act along one ``dim``."""

# --- layers -----------------------------------------------------------------------------------------------

WIDTH_LAYERS: Final = {
    # The layer that sets the output width: (keyword, position) of the width argument.
    "torch.nn.Linear": ("out_features", 1),
    "torch.nn.LazyLinear": ("out_features", 0),
    "torch.nn.Bilinear": ("out_features", 2),
    "torch.nn.Conv1d": ("out_channels", 1),
    "torch.nn.Conv2d": ("out_channels", 1),
    "torch.nn.Conv3d": ("out_channels", 1),
}

TRANSPARENT_MODULES: Final = frozenset({
    # Change neither the width nor the range of the output at inference.
    "torch.nn.Dropout", "torch.nn.Dropout1d", "torch.nn.Dropout2d", "torch.nn.Dropout3d", "torch.nn.AlphaDropout",
    "torch.nn.Identity",
})
TRANSPARENT_FUNCTIONS: Final = frozenset({
    "torch.nn.functional.dropout", "torch.Tensor.contiguous", "torch.Tensor.float", "torch.Tensor.double",
    "torch.Tensor.to", "torch.Tensor.cpu", "torch.Tensor.cuda", "torch.Tensor.clone",
})
RESHAPING_FUNCTIONS: Final = frozenset({
    # Keep the values, change the shape: an axis-dependent verdict (a width, a ``dim``) no longer holds.
    "torch.squeeze", "torch.Tensor.squeeze", "torch.unsqueeze", "torch.Tensor.unsqueeze", "torch.flatten",
    "torch.Tensor.flatten", "torch.reshape", "torch.Tensor.reshape", "torch.Tensor.view", "torch.Tensor.permute",
    "torch.Tensor.transpose", "torch.transpose", "torch.permute",
})
RESHAPING_MODULES: Final = frozenset({"torch.nn.Flatten", "torch.nn.Unflatten"})

SEQUENTIAL: Final = "torch.nn.Sequential"
ORDERED_DICT: Final = "collections.OrderedDict"

MODULE_BASES: Final = frozenset({
    # Subclasses are models: calling an instance runs its ``forward``.
    "torch.nn.Module", "pytorch_lightning.LightningModule", "pytorch_lightning.core.LightningModule",
    "lightning.LightningModule", "lightning.pytorch.LightningModule", "lightning.pytorch.core.LightningModule",
})
MODULE_WRAPPERS: Final = frozenset({
    # Calls that return a module computing the same outputs as the one they are given (position 0).
    "torch.nn.DataParallel", "torch.nn.parallel.DataParallel", "torch.nn.parallel.DistributedDataParallel",
    "torch.compile", "torch.jit.script",
})
MODULE_SELF_METHODS: Final = frozenset({
    # nn.Module methods that return the module itself (``model = Net().to(device)``).
    "to", "cuda", "cpu", "float", "double", "half", "bfloat16", "train", "eval", "requires_grad_", "type",
})

# --- losses -----------------------------------------------------------------------------------------------

CROSS_ENTROPY: Final = "CrossEntropyLoss"
NLL: Final = "NLLLoss"
BCE: Final = "BCELoss"
BCE_WITH_LOGITS: Final = "BCEWithLogitsLoss"
MSE: Final = "MSELoss"

LOSS_MODULES: Final = {
    "torch.nn.CrossEntropyLoss": CROSS_ENTROPY,
    "torch.nn.NLLLoss": NLL,
    "torch.nn.BCELoss": BCE,
    "torch.nn.BCEWithLogitsLoss": BCE_WITH_LOGITS,
    "torch.nn.MSELoss": MSE,
}
LOSS_FUNCTIONS: Final = {
    "torch.nn.functional.cross_entropy": CROSS_ENTROPY,
    "torch.nn.functional.nll_loss": NLL,
    "torch.nn.functional.binary_cross_entropy": BCE,
    "torch.nn.functional.binary_cross_entropy_with_logits": BCE_WITH_LOGITS,
    "torch.nn.functional.mse_loss": MSE,
}
LOSS_WRITTEN: Final = {
    CROSS_ENTROPY: ("nn.CrossEntropyLoss", "F.cross_entropy"),
    NLL: ("nn.NLLLoss", "F.nll_loss"),
    BCE: ("nn.BCELoss", "F.binary_cross_entropy"),
    BCE_WITH_LOGITS: ("nn.BCEWithLogitsLoss", "F.binary_cross_entropy_with_logits"),
    MSE: ("nn.MSELoss", "F.mse_loss"),
}

# --- targets ----------------------------------------------------------------------------------------------

DATASETS: Final = {
    # torchvision datasets whose targets are class ids 0 .. n-1 (without a ``target_transform``).
    "torchvision.datasets.MNIST": 10,
    "torchvision.datasets.FashionMNIST": 10,
    "torchvision.datasets.KMNIST": 10,
    "torchvision.datasets.QMNIST": 10,
    "torchvision.datasets.CIFAR10": 10,
    "torchvision.datasets.CIFAR100": 100,
    "torchvision.datasets.SVHN": 10,
    "torchvision.datasets.STL10": 10,
}
FOLDER_DATASETS: Final = frozenset({
    # One class id per sample, 0 .. (number of sub-folders - 1): how many is not visible in the code.
    "torchvision.datasets.ImageFolder", "torchvision.datasets.DatasetFolder",
})
DATA_LOADER: Final = "torch.utils.data.DataLoader"
TENSOR_DATASET: Final = "torch.utils.data.TensorDataset"
ONE_HOT: Final = "torch.nn.functional.one_hot"
RANDINT: Final = "torch.randint"
EYE: Final = "torch.eye"
TRAINERS: Final = frozenset({"pytorch_lightning.Trainer", "lightning.Trainer", "lightning.pytorch.Trainer"})
"""Lightning's ``Trainer``: ``trainer.fit(model, train_dataloaders=loader)`` (or ``datamodule=dm``) runs
``model.training_step(batch, batch_idx)`` on the loader's batches; without a loader, on those of the data
module's ``train_dataloader()`` after its ``prepare_data()`` and ``setup("fit")``, else the model's own."""
DATA_SPLITS: Final = frozenset({"torch.utils.data.random_split", "torch.utils.data.Subset"})
"""Parts of a dataset: their samples, and so their targets, are the dataset's."""
PROCESS_STARTERS: Final = {
    # Calls that run a function in new processes: (its argument, the tuple of its arguments, the arguments the
    # starter puts first). spawn(fn, args=(a,), nprocs=n) runs fn(rank, a) in each process.
    "torch.multiprocessing.spawn": (("fn", 0), ("args", 1), ("rank",)),
    "torch.multiprocessing.start_processes": (("fn", 0), ("args", 1), ("rank",)),
    "torch.multiprocessing.Process": (("target", 1), ("args", 3), ()),
}
TENSOR_CONSTRUCTORS: Final = {
    # Calls that make a tensor of the values they are given: the dtype they impose (None: the input's).
    "torch.tensor": None, "torch.as_tensor": None, "torch.from_numpy": None, "torch.Tensor": "float",
    "torch.FloatTensor": "float", "torch.LongTensor": "long",
}
DTYPES: Final = {
    "torch.float": "float", "torch.float32": "float", "torch.float64": "float", "torch.double": "float",
    "torch.half": "float", "torch.float16": "float", "torch.long": "long", "torch.int64": "long",
}
LONG: Final = "long"
FLOAT: Final = "float"
TO_FLOAT: Final = frozenset({"float", "double", "half"})
TO_LONG: Final = frozenset({"long", "int"})
TARGET_PASS_THROUGH: Final = frozenset({"to", "cuda", "cpu", "squeeze", "view", "reshape", "flatten", "clone",
                                        "contiguous", "detach"})

PREFIXES: Final = ("torch.", "torchvision.", "pytorch_lightning.", "lightning.", "collections.OrderedDict")


def canonical_name(dotted: str) -> str:
    """``torch.nn.modules.linear.Linear`` is ``torch.nn.Linear``; ``torch.nn.modules.loss.CrossEntropyLoss`` too."""
    if dotted.startswith("torch.nn.modules."):
        return "torch.nn." + dotted.rsplit(".", 1)[-1]
    if dotted.startswith("torchvision.datasets.") and dotted.count(".") > 2:
        return "torchvision.datasets." + dotted.rsplit(".", 1)[-1]
    return dotted
