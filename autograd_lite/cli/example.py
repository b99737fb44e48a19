"""The ``example`` command: the published backpropagation walkthrough, worked by the engine.

The network, numbers and weight names are those of Matt Mazur, "A Step by
Step Backpropagation Example" (2015,
https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/):
two inputs, two hidden sigmoid neurons sharing the bias b1, two sigmoid
outputs sharing the bias b2, and the squared error summed over the outputs.
The notation is notebook 01's: ŷ for an output, y for its target. The engine
does the forward pass, ``backward()`` and one gradient-descent step on the
weights (the walkthrough leaves the biases as they are); the text shows every
number, spells the chain rule out by hand for w5 and w1, and checks the
walkthrough's published results.

Example:
    >>> text = worked_example()
    >>> "E = 0.298371109" in text and "w5 = 0.4 - 0.5·0.0821670406 = 0.35891648" in text
    True
"""

from __future__ import annotations

from collections.abc import Mapping

from ..core import Value, dot, no_grad
from ..nn import optim

#: The walkthrough's citation, printed with the example.
SOURCE = (
    'Matt Mazur, "A Step by Step Backpropagation Example" (2015), '
    "https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/"
)

#: The inputs, the targets and the starting weights, as published.
INPUTS = (0.05, 0.10)
TARGETS = (0.01, 0.99)
WEIGHTS = {
    "w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "b1": 0.35,  # hidden layer
    "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55, "b2": 0.60,  # output layer
}  # fmt: skip

#: What the walkthrough publishes, to nine significant digits.
PUBLISHED = {
    "E": 0.298371109,
    "w5 after": 0.35891648,
    "w1 after": 0.149780716,
    "E after": 0.291027924,
}


def _num(x: float) -> str:
    return f"{x:.9g}"


def _factor(x: float) -> str:
    """A number inside a product or sum: negative ones in parentheses."""
    return f"({_num(x)})" if x < 0 else _num(x)


class Network:
    """The 2-2-2 network as Values: parameters by the walkthrough's names, and one forward pass.

    Args:
        weights: a value for each of ``WEIGHTS``' names (the published ones by default).

    Attributes:
        params: ``w1`` … ``w8``, ``b1``, ``b2`` as labelled Values.
        x1, x2: the inputs; z_h1, h1, z_h2, h2, z_o1, o1, z_o2, o2: the
            neurons' weighted sums and outputs (``o1`` is ŷ1); E: the error.

    Example:
        >>> net = Network()
        >>> round(net.E.data, 9), net.o1.label
        (0.298371109, 'ŷ1')
    """

    def __init__(self, weights: Mapping[str, float] = WEIGHTS) -> None:
        self.params = {name: Value(weights[name], label=name) for name in WEIGHTS}
        p = self.params
        self.x1, self.x2 = Value(INPUTS[0], label="x1"), Value(INPUTS[1], label="x2")
        xs = [self.x1, self.x2]
        # One ag.dot per neuron: z = Σ w·x + b, the textbook neuron as one node.
        self.z_h1 = dot([p["w1"], p["w2"]], xs, bias=p["b1"])
        self.z_h2 = dot([p["w3"], p["w4"]], xs, bias=p["b1"])
        self.h1, self.h2 = self.z_h1.sigmoid(), self.z_h2.sigmoid()
        hs = [self.h1, self.h2]
        self.z_o1 = dot([p["w5"], p["w6"]], hs, bias=p["b2"])
        self.z_o2 = dot([p["w7"], p["w8"]], hs, bias=p["b2"])
        self.o1, self.o2 = self.z_o1.sigmoid(), self.z_o2.sigmoid()
        y1, y2 = TARGETS
        self.E1 = 0.5 * (y1 - self.o1) ** 2
        self.E2 = 0.5 * (y2 - self.o2) ** 2
        self.E = self.E1 + self.E2
        names = {"z_h1": self.z_h1, "z_h2": self.z_h2, "h1": self.h1, "h2": self.h2}
        names |= {"z_ŷ1": self.z_o1, "z_ŷ2": self.z_o2, "ŷ1": self.o1, "ŷ2": self.o2}
        names |= {"E1": self.E1, "E2": self.E2, "E": self.E}
        for label, v in names.items():
            v.label = label


def _agreement(by_hand: float, engine: float) -> str:
    if by_hand == engine:
        return "the same number"
    if abs(by_hand - engine) <= 1e-12 * abs(engine):
        return f"the same to rounding (differs by {abs(by_hand - engine):.1e})"
    return f"DIFFERENT by {abs(by_hand - engine):.3g}"


def _check(name: str, ours: float, published: float) -> str:
    # The walkthrough rounds to 9 significant digits (w5⁺ to 8).
    same = abs(ours - published) <= 5e-9 * max(1.0, abs(published))
    return f"  {name}: {_num(ours)} (published {published}) {'✓' if same else '✗ DIFFERENT'}"


def worked_example(lr: float = 0.5) -> str:
    """The whole worked example as text: forward pass, error, gradients, chain rule, one step.

    Args:
        lr: the learning rate η of the gradient-descent step (the walkthrough's is 0.5;
            its published numbers after the step are checked only for 0.5).

    Example:
        >>> print(worked_example().splitlines()[0])
        The textbook network, worked by autograd_lite
    """
    net = Network()
    p = net.params
    x1, x2 = INPUTS
    y1, y2 = TARGETS
    net.E.backward()

    lines = [
        "The textbook network, worked by autograd_lite",
        f"  from {SOURCE}",
        "  2 inputs -> 2 hidden sigmoid neurons (h1, h2) -> 2 sigmoid outputs (ŷ1, ŷ2);",
        "  h1 and h2 share the bias b1, ŷ1 and ŷ2 share b2, as in the walkthrough",
        f"  inputs x1 = {_num(x1)}, x2 = {_num(x2)}; targets y1 = {_num(y1)}, y2 = {_num(y2)}; "
        f"learning rate η = {_num(lr)}",
        "",
        "1. Forward pass: each neuron computes z = Σ w·x + b, then σ(z) = 1 / (1 + e^-z)",
    ]
    hs = (net.h1.data, net.h2.data)
    neurons = [
        ("h1", "z_h1", net.z_h1, net.h1, ("w1", "x1", "w2", "x2", "b1"), (x1, x2)),
        ("h2", "z_h2", net.z_h2, net.h2, ("w3", "x1", "w4", "x2", "b1"), (x1, x2)),
        ("ŷ1", "z_ŷ1", net.z_o1, net.o1, ("w5", "h1", "w6", "h2", "b2"), hs),
        ("ŷ2", "z_ŷ2", net.z_o2, net.o2, ("w7", "h1", "w8", "h2", "b2"), hs),
    ]  # fmt: skip
    for name, zname, zv, out, (wa, xa, wb, xb, b), (va, vb) in neurons:
        lines.append(
            f"  {zname} = {wa}·{xa} + {wb}·{xb} + {b} = {_num(p[wa].data)}·{_num(va)} + "
            f"{_num(p[wb].data)}·{_num(vb)} + {_num(p[b].data)} = {_num(zv.data)}"
        )
        lines.append(f"  {name} = σ({zname}) = σ({_num(zv.data)}) = {_num(out.data)}")
    lines += [
        "",
        "2. Error, summed over the outputs: E = 1/2 (y1 - ŷ1)^2 + 1/2 (y2 - ŷ2)^2",
        f"  = 1/2 ({_num(y1)} - {_num(net.o1.data)})^2 + 1/2 ({_num(y2)} - {_num(net.o2.data)})^2",
        f"  = {_num(net.E1.data)} + {_num(net.E2.data)}",
        f"  E = {_num(net.E.data)}",
        "",
        "3. Backward pass: E.backward() fills in the gradient of every weight and bias",
        *(f"  dE/d{name} = {_num(v.grad)}" for name, v in p.items()),
    ]

    # The chain rule by hand, factor by factor, in the order backward() multiplies them.
    o1, o2, h1 = net.o1.data, net.o2.data, net.h1.data
    delta1 = (o1 - y1) * (o1 * (1 - o1))  # dE/dz_ŷ1
    delta2 = (o2 - y2) * (o2 * (1 - o2))  # dE/dz_ŷ2
    w5_by_hand = (o1 - y1) * (o1 * (1 - o1)) * h1
    de_dh1 = delta1 * p["w5"].data + delta2 * p["w7"].data
    w1_by_hand = de_dh1 * (h1 * (1 - h1)) * x1
    lines += [
        "",
        "4. The chain rule by hand, for w5 (it reaches E only through ŷ1):",
        "  dE/dw5 = dE/dŷ1 · dŷ1/dz_ŷ1 · dz_ŷ1/dw5",
        "         = (ŷ1 - y1) · ŷ1(1 - ŷ1) · h1",
        f"         = {_num(o1 - y1)} · {_num(o1 * (1 - o1))} · {_num(h1)}",
        f"         = {_num(w5_by_hand)}",
        f"  w5.grad from backward() = {_num(p['w5'].grad)}: {_agreement(w5_by_hand, p['w5'].grad)}",
        "",
        "  and for w1, one layer further back: h1 feeds both outputs, so two paths add up",
        "  dE/dh1 = dE/dz_ŷ1 · w5 + dE/dz_ŷ2 · w7",
        f"         = {_factor(delta1)} · {_num(p['w5'].data)} + {_factor(delta2)} · "
        f"{_num(p['w7'].data)}"
        f" = {_num(de_dh1)}",
        "  dE/dw1 = dE/dh1 · dh1/dz_h1 · dz_h1/dw1",
        "         = dE/dh1 · h1(1 - h1) · x1",
        f"         = {_num(de_dh1)} · {_num(h1 * (1 - h1))} · {_num(x1)}",
        f"         = {_num(w1_by_hand)}",
        f"  w1.grad from backward() = {_num(p['w1'].grad)}: {_agreement(w1_by_hand, p['w1'].grad)}",
        "",
        f"5. One gradient-descent step on the weights, w <- w - η·dE/dw with η = {_num(lr)} "
        "(optim.SGD;",
        "   the walkthrough keeps the biases as they are):",
    ]
    weights = [v for name, v in p.items() if name.startswith("w")]
    before = {name: (v.data, v.grad) for name, v in p.items()}
    optim.SGD(weights, lr=lr).step()
    for name, v in p.items():
        if name.startswith("w"):
            old, grad = before[name]
            lines.append(f"  {name} = {_num(old)} - {_num(lr)}·{_factor(grad)} = {_num(v.data)}")
    with no_grad():
        after = Network({name: v.data for name, v in p.items()}).E.data
    lines += [
        "",
        f"Error after the step: E = {_num(after)} (before: {_num(net.E.data)})",
    ]
    if lr == 0.5:
        lines += [
            "",
            "The walkthrough's published numbers:",
            _check("E before the step", net.E.data, PUBLISHED["E"]),
            _check("w5 after the step", p["w5"].data, PUBLISHED["w5 after"]),
            _check("w1 after the step", p["w1"].data, PUBLISHED["w1 after"]),
            f"  (for the error after the step it quotes {PUBLISHED['E after']}; the exact "
            f"arithmetic above gives {_num(after)})",
        ]
    return "\n".join(lines)
