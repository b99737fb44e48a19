"""The road to PyTorch: to_torch() and from_torch() keep weights and outputs (1e-12, float64)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from autograd_lite import nn

torch = pytest.importorskip("torch")
tnn = torch.nn

TOL = {"rtol": 1e-12, "atol": 1e-12}
RNG = np.random.default_rng(0)
IMAGE = RNG.normal(size=(2, 7, 7))
SEQUENCE = RNG.normal(size=(5, 3))
VECTOR = RNG.normal(size=4)


def ours_out(model: nn.Module, x: np.ndarray) -> np.ndarray:
    out = model(x)  # type: ignore[operator]
    return np.vectorize(float, otypes=[float])(np.array(out, dtype=object))


def torch_out(module: Any, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        out = module(torch.tensor(x)[None])  # a batch of one
    if isinstance(out, tuple):  # torch.nn.RNN: (output, h_n)
        out = out[0]
    return out[0].numpy()


def biased(model: nn.Module) -> nn.Module:
    """Give the biases (0 at first) nonzero values, so copying them is tested too."""
    for name, p in model.named_parameters():
        if name.split(".")[-2:][0] in ("b", "bias") or name.endswith(".b"):
            p.data = float(RNG.normal())
    return model


CASES: dict[str, tuple[Callable[[], nn.Module], np.ndarray]] = {
    "Neuron": (lambda: nn.Neuron(4, "sigmoid", seed=1), VECTOR),
    "Layer": (lambda: nn.Layer(4, 3, "tanh", seed=1), VECTOR),
    "MLP": (lambda: nn.MLP(4, [5, 3, 2], ["relu", "tanh", "linear"], seed=1), VECTOR),
    "Conv2d": (lambda: nn.Conv2d(2, 3, 3, stride=2, padding=1, activation="tanh", seed=1), IMAGE),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), IMAGE),
    "RNN": (lambda: nn.RNN(3, 4, activation="relu", seed=1), SEQUENCE),
    "Sequential": (
        lambda: nn.Sequential(
            nn.Conv2d(2, 2, 3, seed=1),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.MLP(8, [3, 2], seed=1),
        ),
        IMAGE,
    ),
}


@pytest.mark.parametrize("kind", CASES)
def test_to_torch_computes_the_same_outputs(kind: str) -> None:
    make, x = CASES[kind]
    model = biased(make())
    module = model.to_torch()
    assert isinstance(module, tnn.Module)
    assert all(p.dtype == torch.float64 for p in module.parameters())
    ours = ours_out(model, x)
    np.testing.assert_allclose(torch_out(module, x).reshape(ours.shape), ours, **TOL)


@pytest.mark.parametrize("kind", CASES)
def test_from_torch_brings_back_the_same_model(kind: str) -> None:
    make, x = CASES[kind]
    model = biased(make())
    cls = type(model)
    back = cls.from_torch(model.to_torch())
    assert type(back) is cls
    if kind != "Sequential":  # a Sequential comes back with its MLP as Layers
        assert back.config() == model.config()
        assert back.state_dict() == model.state_dict()
    np.testing.assert_allclose(ours_out(back, x), ours_out(model, x), **TOL)


def test_to_torch_copies_the_exact_numbers_in_torchs_layout() -> None:
    conv = biased(nn.Conv2d(2, 3, 2, seed=0))
    module = conv.to_torch()[0]
    assert module.weight[2, 1, 0, 1].item() == conv.weight[2][1][0][1].data
    assert module.bias[1].item() == conv.bias[1].data
    rnn = biased(nn.RNN(2, 3, seed=0))
    module = rnn.to_torch()
    assert module.weight_ih_l0[2, 1].item() == rnn.w_ih[2][1].data
    assert module.weight_hh_l0[0, 2].item() == rnn.w_hh[0][2].data
    assert module.bias_ih_l0[1].item() == rnn.b[1].data
    assert module.bias_hh_l0.abs().sum().item() == 0.0


def test_a_model_trained_in_torch_comes_back_with_its_weights() -> None:
    torch.manual_seed(0)
    module = tnn.Sequential(
        tnn.Conv2d(1, 2, 3, padding=1),
        tnn.ReLU(),
        tnn.MaxPool2d(2),
        tnn.Flatten(),
        tnn.Linear(8, 2),
    ).double()
    opt = torch.optim.SGD(module.parameters(), lr=0.1)
    x = torch.randn(3, 1, 4, 4, dtype=torch.float64)
    for _ in range(3):
        opt.zero_grad()
        module(x).pow(2).sum().backward()
        opt.step()
    ours = nn.Module.from_torch(module)
    assert isinstance(ours, nn.Sequential)
    assert [type(m).__name__ for m in ours] == ["Conv2d", "MaxPool2d", "Flatten", "Layer"]
    image = x[0].numpy()
    np.testing.assert_allclose(ours_out(ours, image), torch_out(module, image), **TOL)


def test_torch_rnn_with_two_biases_comes_back_with_their_sum() -> None:
    torch.manual_seed(1)
    module = tnn.RNN(2, 3, dtype=torch.float64)  # both biases random; not batch_first
    ours = nn.RNN.from_torch(module)
    xs = SEQUENCE[:, :2]
    with torch.no_grad():
        output, _ = module(torch.tensor(xs))  # one sequence, unbatched: (T, nin)
    np.testing.assert_allclose(ours_out(ours, xs), output.numpy(), **TOL)


def test_same_and_valid_padding_become_numbers() -> None:
    same = nn.Conv2d.from_torch(tnn.Conv2d(1, 1, 5, padding="same"))
    valid = nn.Conv2d.from_torch(tnn.Conv2d(1, 1, 3, padding="valid"))
    assert (same.padding, valid.padding) == (2, 0)


def test_module_from_torch_picks_the_class() -> None:
    assert isinstance(nn.Module.from_torch(tnn.Linear(2, 3)), nn.Layer)
    assert isinstance(nn.Module.from_torch(tnn.RNN(2, 3)), nn.RNN)
    assert isinstance(nn.Module.from_torch(tnn.Sequential(tnn.Linear(2, 3), tnn.Tanh())), nn.Layer)
    two = nn.Module.from_torch(tnn.Sequential(tnn.Linear(2, 3), tnn.Linear(3, 1)))
    assert isinstance(two, nn.Sequential) and len(two) == 2


def test_mlp_from_torch_reads_each_layers_activation() -> None:
    module = tnn.Sequential(tnn.Linear(2, 3), tnn.Sigmoid(), tnn.Linear(3, 2), tnn.ReLU())
    assert nn.MLP.from_torch(module).config()["activation"] == ["sigmoid", "relu"]


@pytest.mark.parametrize(
    ("cls", "module", "match"),
    [
        (nn.Conv2d, lambda: tnn.Conv2d(1, 1, 3, dilation=2), "dilation"),
        (nn.Conv2d, lambda: tnn.Conv2d(1, 1, (3, 2)), "kernel_size"),
        (nn.Conv2d, lambda: tnn.Conv2d(2, 2, 3, groups=2), "groups"),
        (nn.Conv2d, lambda: tnn.Conv2d(1, 1, 2, padding="same"), "even kernel"),
        (nn.MaxPool2d, lambda: tnn.MaxPool2d(2, stride=1), "stride"),
        (nn.RNN, lambda: tnn.RNN(2, 3, num_layers=2), "num_layers"),
        (nn.RNN, lambda: tnn.RNN(2, 3, bidirectional=True), "bidirectional"),
        (nn.Layer, lambda: tnn.Sequential(tnn.Linear(2, 3), tnn.Linear(3, 1)), "one Linear"),
        (nn.Neuron, lambda: tnn.Linear(2, 3), "1 output"),
        (nn.Conv2d, lambda: tnn.Linear(2, 3), "one Conv2d"),
        (nn.MLP, lambda: tnn.Sequential(tnn.Linear(2, 3), tnn.Linear(4, 1)), "3 outputs"),
    ],
)
def test_from_torch_refuses_what_has_no_equivalent(
    cls: type[nn.Module], module: Callable[[], Any], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        cls.from_torch(module())


def test_from_torch_names_unknown_torch_modules() -> None:
    with pytest.raises(TypeError, match=r"no autograd_lite equivalent.*SiLU"):
        nn.Module.from_torch(tnn.Sequential(tnn.Linear(2, 2), tnn.SiLU()))
    with pytest.raises(TypeError, match="must follow a Linear or Conv2d"):
        nn.Module.from_torch(tnn.Sequential(tnn.Flatten(), tnn.ReLU()))
    with pytest.raises(TypeError, match=r"needs a torch\.nn\.Module"):
        nn.Layer.from_torch("Linear(2, 3)")


def test_to_torch_refuses_what_torch_rnn_cannot_do() -> None:
    with pytest.raises(ValueError, match="only tanh and relu"):
        nn.RNN(2, 2, activation="sigmoid").to_torch()
    with pytest.raises(ValueError, match="can only come last"):
        nn.Sequential(nn.RNN(2, 2), nn.Flatten()).to_torch()


def test_without_torch_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(ImportError, match=r"autograd-lite\[test\]"):
        nn.Layer(2, 2).to_torch()
    with pytest.raises(ImportError, match=r"autograd-lite\[test\]"):
        nn.Layer.from_torch(object())


def test_importing_the_bridge_does_not_import_torch() -> None:
    import subprocess

    code = "import autograd_lite.nn.torch_bridge, sys; print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
