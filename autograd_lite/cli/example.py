"""The ``example`` command: the textbook backpropagation example, worked by the engine.

Two inputs, two hidden sigmoid neurons, one sigmoid output, and the squared
error E = ½ (t - y)², with the classic starting weights. The engine does the
forward pass, ``backward()`` and one gradient-descent step; the text shows
every number, and spells the chain rule out by hand for two weights to show
that it gives exactly the gradient ``backward()`` found.

Example:
    >>> text = worked_example()
    >>> "dE/dw5 = dE/dy · dy/dz · dz/dw5" in text
    True
"""

from __future__ import annotations

from ..core import Value, no_grad
from ..nn import losses, optim
from ..nn import modules as nn

#: The inputs, the target and the classic starting weights.
INPUTS = (0.05, 0.10)
TARGET = 0.01
WEIGHTS = {
    "w1": 0.15, "w2": 0.20, "b1": 0.35,  # hidden neuron h1
    "w3": 0.25, "w4": 0.30, "b2": 0.35,  # hidden neuron h2
    "w5": 0.40, "w6": 0.45, "b3": 0.60,  # output neuron y
}  # fmt: skip


def _num(x: float) -> str:
    return f"{x:.9g}"


def textbook_network() -> tuple[nn.MLP, dict[str, Value]]:
    """The 2-2-1 sigmoid network with the classic weights, and its parameters by textbook name.

    Example:
        >>> model, p = textbook_network()
        >>> model, p["w5"].data
        (MLP(2 -> 2 sigmoid -> 1 sigmoid, 9 parameters), 0.4)
    """
    model = nn.MLP(2, [2, 1], activation=["sigmoid", "sigmoid"], seed=0)
    w = WEIGHTS
    model.load_state_dict(
        {
            "layers.0.neurons.0.w": [w["w1"], w["w2"]],
            "layers.0.neurons.0.b": w["b1"],
            "layers.0.neurons.1.w": [w["w3"], w["w4"]],
            "layers.0.neurons.1.b": w["b2"],
            "layers.1.neurons.0.w": [w["w5"], w["w6"]],
            "layers.1.neurons.0.b": w["b3"],
        }
    )
    # parameters() is layer by layer, weights then bias: the textbook numbering.
    params = dict(zip(["w1", "w2", "b1", "w3", "w4", "b2", "w5", "w6", "b3"], model.parameters()))
    for name, p in params.items():
        p.label = name
    return model, params


def _agreement(by_hand: float, engine: float) -> str:
    if by_hand == engine:
        return "the same number"
    if abs(by_hand - engine) <= 1e-12 * abs(engine):
        return f"the same to rounding (differs by {abs(by_hand - engine):.1e})"
    return f"DIFFERENT by {abs(by_hand - engine):.3g}"


def worked_example(lr: float = 0.5) -> str:
    """The whole worked example as text: forward pass, error, gradients, chain rule, one step.

    Args:
        lr: the learning rate η of the gradient-descent step.

    Example:
        >>> print(worked_example().splitlines()[0])
        The textbook network, worked by autograd_lite
    """
    model, p = textbook_network()
    x1, x2 = INPUTS
    t = TARGET

    # Forward: layer by layer, to keep hold of every intermediate Value.
    hidden = model.layers[0]([x1, x2])
    h1, h2 = hidden  # type: ignore[misc]
    y = model.layers[1](hidden)
    assert isinstance(y, Value)
    z_h1, z_h2, z = h1.inputs[0], h2.inputs[0], y.inputs[0]
    error = losses.squared_error(y, t)
    error.backward()

    lines = [
        "The textbook network, worked by autograd_lite",
        "  2 inputs -> 2 hidden sigmoid neurons (h1, h2) -> 1 sigmoid output (y)",
        f"  inputs x1 = {_num(x1)}, x2 = {_num(x2)}; target t = {_num(t)}; "
        f"learning rate η = {_num(lr)}",
        "",
        "1. Forward pass: each neuron computes z = Σ w·x + b, then σ(z) = 1 / (1 + e^-z)",
    ]
    neurons = [
        ("h1", "z_h1", z_h1, h1, ("w1", "x1", "w2", "x2", "b1"), (x1, x2)),
        ("h2", "z_h2", z_h2, h2, ("w3", "x1", "w4", "x2", "b2"), (x1, x2)),
        ("y", "z", z, y, ("w5", "h1", "w6", "h2", "b3"), (h1.data, h2.data)),
    ]
    for name, zname, zv, out, (wa, xa, wb, xb, b), (va, vb) in neurons:
        lines.append(
            f"  {zname} = {wa}·{xa} + {wb}·{xb} + {b} = {_num(p[wa].data)}·{_num(va)} + "
            f"{_num(p[wb].data)}·{_num(vb)} + {_num(p[b].data)} = {_num(zv.data)}"
        )
        lines.append(f"  {name} = σ({zname}) = σ({_num(zv.data)}) = {_num(out.data)}")
    lines += [
        "",
        f"2. Error: E = 1/2 (t - y)^2 = 1/2 ({_num(t)} - {_num(y.data)})^2 = {_num(error.data)}",
        "",
        "3. Backward pass: E.backward() fills in the gradient of every weight and bias",
        *(f"  dE/d{name} = {_num(v.grad)}" for name, v in p.items()),
    ]

    # The chain rule by hand, factor by factor, in the order backward() multiplies them.
    de_dy = y.data - t
    dy_dz = y.data * (1 - y.data)
    dh1_dz = h1.data * (1 - h1.data)
    w5_by_hand = de_dy * dy_dz * h1.data
    w1_by_hand = de_dy * dy_dz * p["w5"].data * dh1_dz * x1
    lines += [
        "",
        "4. The chain rule by hand, for w5 (z is the output neuron's weighted sum):",
        "  dE/dw5 = dE/dy · dy/dz · dz/dw5",
        "         = (y - t) · y(1 - y) · h1",
        f"         = {_num(de_dy)} · {_num(dy_dz)} · {_num(h1.data)}",
        f"         = {_num(w5_by_hand)}",
        f"  w5.grad from backward() = {_num(p['w5'].grad)}: {_agreement(w5_by_hand, p['w5'].grad)}",
        "",
        "  and for w1, one layer further back (through h1):",
        "  dE/dw1 = dE/dy · dy/dz · dz/dh1 · dh1/dz_h1 · dz_h1/dw1",
        "         = (y - t) · y(1 - y) · w5 · h1(1 - h1) · x1",
        f"         = {_num(de_dy)} · {_num(dy_dz)} · {_num(p['w5'].data)} · "
        f"{_num(dh1_dz)} · {_num(x1)}",
        f"         = {_num(w1_by_hand)}",
        f"  w1.grad from backward() = {_num(p['w1'].grad)}: {_agreement(w1_by_hand, p['w1'].grad)}",
        "",
        f"5. One gradient-descent step, w <- w - η·dE/dw with η = {_num(lr)} (optim.SGD):",
    ]
    before = {name: (v.data, v.grad) for name, v in p.items()}
    optim.SGD(model.parameters(), lr=lr).step()
    for name, v in p.items():
        old, grad = before[name]
        lines.append(f"  {name} = {_num(old)} - {_num(lr)}·{_num(grad)} = {_num(v.data)}")
    with no_grad():
        after = losses.squared_error(model([x1, x2]), t)
    lines += [
        "",
        f"Error after the step: E = {_num(after.data)} (before: {_num(error.data)})",
    ]
    return "\n".join(lines)
