"""Write the teaching notebooks in this folder from the cells listed below.

The notebooks are generated: edit this file, not the .ipynb files, then run

    python notebooks/build_notebooks.py

They are written without outputs (run them in Jupyter to see the results),
with fixed cell ids, so rebuilding an unchanged notebook changes nothing.
tests/test_notebooks.py executes every notebook and checks that each one is
what this script writes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

Cell = nbformat.NotebookNode


def md(text: str) -> Cell:
    return new_markdown_cell(textwrap.dedent(text).strip())


def code(text: str) -> Cell:
    return new_code_cell(textwrap.dedent(text).strip())


# --- 01 -----------------------------------------------------------------------


def backprop_by_hand() -> list[Cell]:
    return [
        md(r"""
        # 01 · Backpropagation by hand

        We take a tiny network with one hidden layer, run it forward with
        pencil-and-paper arithmetic (plain Python floats),
        differentiate its error with the chain rule by hand, and check every
        number against `autograd_lite`. Then we take one step of gradient
        descent and watch the error go down.
        """),
        code("""
        import math

        import matplotlib.pyplot as plt
        import numpy as np

        import autograd_lite as ag
        from autograd_lite import Value, losses
        """),
        md(r"""
        ## 1. A neuron

        A neuron weighs each input, adds a bias, and passes the sum through an
        activation function $f$:

        $$z = \sum_i w_i x_i + b, \qquad a = f(z).$$

        In `autograd_lite` the weighted sum is a single operation, `ag.dot`,
        so a neuron is one node in the graph, whatever its number of inputs.
        """),
        code("""
        xs = [1.0, 0.5]
        ws = [0.4, -0.6]
        b = 0.1

        z_by_hand = ws[0] * xs[0] + ws[1] * xs[1] + b
        z = ag.dot([Value(w) for w in ws], xs, bias=Value(b))
        print(f"by hand: z = {z_by_hand:.4f}")
        print(f"engine:  z = {z.data:.4f}   (one node, op {z.op!r}, {len(z.inputs)} inputs)")
        """),
        md(r"""
        ## 2. Activations and their slopes

        | activation | $f(z)$ | $f'(z)$ |
        |---|---|---|
        | sigmoid | $\sigma(z) = 1/(1+e^{-z})$ | $\sigma(z)\,(1-\sigma(z))$ |
        | tanh | $\tanh z$ | $1-\tanh^2 z$ |
        | ReLU | $\max(0, z)$ | $1$ if $z>0$, else $0$ |

        Backpropagation needs the slope $f'(z)$ of every activation it passes
        through. Sigmoid's and tanh's slopes can be written with the output
        alone, so the engine gets them almost for free once the forward pass
        is done. Below, the hand formulas and the engine agree at a few points.
        """),
        code("""
        def sigmoid(z):
            return 1 / (1 + math.exp(-z))


        by_hand = {  # name: (f, f')
            "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))),
            "tanh": (math.tanh, lambda z: 1 - math.tanh(z) ** 2),
            "relu": (lambda z: max(0.0, z), lambda z: 1.0 if z > 0 else 0.0),
        }

        print(f"{'':8} {'z':>5} {'f(z) hand':>10} {'engine':>8} {'slope hand':>11} {'engine':>8}")
        for name, (f, df) in by_hand.items():
            for z0 in (-2.0, 0.5, 2.0):
                z = Value(z0)
                a = getattr(z, name)()  # z.sigmoid(), z.tanh(), z.relu()
                a.backward()
                assert math.isclose(a.data, f(z0)) and math.isclose(z.grad, df(z0))
                row = f"{f(z0):10.4f} {a.data:8.4f} {df(z0):11.4f} {z.grad:8.4f}"
                print(f"{name:8} {z0:5.1f} {row}")
        """),
        md(r"""
        The same slopes over a range of $z$, computed by the engine with
        `ag.grad` (a function that returns the derivative of another):
        """),
        code("""
        grid = np.linspace(-5, 5, 201)
        fig, axes = plt.subplots(1, 3, figsize=(11, 3), sharex=True)
        for ax, name in zip(axes, by_hand):

            def f(z, name=name):
                return getattr(z, name)()

            slope = ag.grad(f)
            ax.plot(grid, [f(Value(z)).data for z in grid], label="f(z)")
            ax.plot(grid, [slope(z) for z in grid], label="f'(z)")
            ax.set_title(name)
            ax.axhline(0, color="grey", lw=0.5)
            ax.legend()
        plt.tight_layout()
        plt.show()

        slopes = [ag.grad(lambda z: z.sigmoid())(z) for z in grid]
        steepest = int(np.argmax(slopes))
        print(f"sigmoid's slope is at most {slopes[steepest]:.4f}, at z = {grid[steepest]:.2f}")
        """),
        md(r"""
        Keep that last number in mind: every sigmoid a gradient passes through
        multiplies it by at most that much. Notebook 04 shows what this does
        to deep networks.

        ## 3. A network with one hidden layer

        Two inputs, two hidden sigmoid neurons, one sigmoid output neuron:

        $$
        \begin{aligned}
        z_1 &= w_1 x_1 + w_2 x_2 + b_1, & h_1 &= \sigma(z_1)\\
        z_2 &= w_3 x_1 + w_4 x_2 + b_2, & h_2 &= \sigma(z_2)\\
        z_3 &= w_5 h_1 + w_6 h_2 + b_3, & \hat y &= \sigma(z_3)
        \end{aligned}
        $$

        For one training example with target $y$, the error is the textbook
        squared error

        $$E = \tfrac12\,(y - \hat y)^2 .$$

        (The $\tfrac12$ is there only to cancel the 2 that differentiation
        brings down.)
        """),
        code("""
        x1, x2, y = 1.0, 0.5, 1.0  # one example: two inputs and the target
        p = {  # the parameters, as plain floats
            # hidden neuron 1
            "w1": 0.4,
            "w2": -0.6,
            "b1": 0.1,
            # hidden neuron 2
            "w3": 0.7,
            "w4": 0.2,
            "b2": -0.3,
            # output neuron
            "w5": 0.9,
            "w6": -0.5,
            "b3": 0.2,
        }
        """),
        md("### Forward pass by hand"),
        code("""
        def forward_by_hand(p):
            z1 = p["w1"] * x1 + p["w2"] * x2 + p["b1"]
            h1 = sigmoid(z1)
            z2 = p["w3"] * x1 + p["w4"] * x2 + p["b2"]
            h2 = sigmoid(z2)
            z3 = p["w5"] * h1 + p["w6"] * h2 + p["b3"]
            y_hat = sigmoid(z3)
            E = 0.5 * (y - y_hat) ** 2
            return {"z1": z1, "h1": h1, "z2": z2, "h2": h2, "z3": z3, "y_hat": y_hat, "E": E}


        hand = forward_by_hand(p)
        for name, number in hand.items():
            print(f"{name:>5} = {number:.6f}")
        """),
        md(r"""
        ### The same forward pass with the engine

        Every parameter, both inputs and the target become labelled `Value`s.
        The code is the same arithmetic; the difference is that every result
        remembers the operation and the inputs that produced it.
        """),
        code("""
        params = {name: Value(number, label=name) for name, number in p.items()}
        X1, X2, Y = Value(x1, label="x1"), Value(x2, label="x2"), Value(y, label="y")


        def forward(P):
            z1 = ag.dot([P["w1"], P["w2"]], [X1, X2], bias=P["b1"])
            h1 = z1.sigmoid()
            z2 = ag.dot([P["w3"], P["w4"]], [X1, X2], bias=P["b2"])
            h2 = z2.sigmoid()
            z3 = ag.dot([P["w5"], P["w6"]], [h1, h2], bias=P["b3"])
            y_hat = z3.sigmoid()
            E = 0.5 * (Y - y_hat) ** 2
            nodes = {"z1": z1, "h1": h1, "z2": z2, "h2": h2, "z3": z3, "y_hat": y_hat, "E": E}
            for name, node in nodes.items():
                node.label = name  # names show up in reprs and drawings
            return nodes


        net = forward(params)
        E = net["E"]
        print(f"{'':>5} {'by hand':>10} {'engine':>10}")
        for name, node in net.items():
            assert math.isclose(hand[name], node.data, rel_tol=1e-12)
            print(f"{name:>5} {hand[name]:10.6f} {node.data:10.6f}")
        """),
        md(r"""
        The library has this error ready-made as `losses.squared_error`:
        """),
        code("""
        E_library = losses.squared_error(net["y_hat"], y)
        assert math.isclose(E_library.data, E.data, rel_tol=1e-12)
        print(f"losses.squared_error(y_hat, y) = {E_library.data:.6f}")
        """),
        md(r"""
        ## 4. Backward: the chain rule for one weight

        $w_5$ changes $E$ only through $z_3$, then $\hat y$. The chain rule
        multiplies the local slope of each step along that path:

        $$
        \frac{\partial E}{\partial w_5}
        = \frac{\partial E}{\partial \hat y}\cdot
          \frac{\partial \hat y}{\partial z_3}\cdot
          \frac{\partial z_3}{\partial w_5}
        $$

        and each factor needs only what one operation saw in the forward pass:

        * $\partial E/\partial \hat y = -(y - \hat y) = \hat y - y$ (the squared error),
        * $\partial \hat y/\partial z_3 = \hat y\,(1 - \hat y)$ (the sigmoid),
        * $\partial z_3/\partial w_5 = h_1$ (the input that $w_5$ multiplies).
        """),
        code("""
        dE_dyhat = hand["y_hat"] - y
        dyhat_dz3 = hand["y_hat"] * (1 - hand["y_hat"])
        dz3_dw5 = hand["h1"]
        dE_dw5 = dE_dyhat * dyhat_dz3 * dz3_dw5

        E.backward()  # the engine: one call fills .grad on every node

        print(f"dE/dŷ   = {dE_dyhat:+.6f}")
        print(f"dŷ/dz3  = {dyhat_dz3:+.6f}")
        print(f"dz3/dw5 = {dz3_dw5:+.6f}")
        print(f"dE/dw5 by hand = {dE_dw5:+.6f}")
        print(f"w5.grad        = {params['w5'].grad:+.6f}")
        assert math.isclose(dE_dw5, params["w5"].grad, rel_tol=1e-12)
        """),
        md(r"""
        The engine computed the same product, in the same order, from the top
        down: it keeps each partial product on the node it reached, so
        `y_hat.grad` is $\partial E/\partial \hat y$ and `z3.grad` is
        $\partial E/\partial z_3$.
        """),
        code("""
        assert math.isclose(net["y_hat"].grad, dE_dyhat, rel_tol=1e-12)
        assert math.isclose(net["z3"].grad, dE_dyhat * dyhat_dz3, rel_tol=1e-12)
        print(f"y_hat.grad = {net['y_hat'].grad:+.6f}")
        print(f"z3.grad    = {net['z3'].grad:+.6f}")
        """),
        md(r"""
        ### Every weight, hidden layer included

        Call $\delta = \partial E/\partial z$ the gradient arriving at a
        neuron's weighted sum. Once $\delta_3$ is known, the hidden neurons
        reuse it instead of starting over from $E$:

        $$
        \delta_1 = \delta_3 \cdot w_5 \cdot h_1(1-h_1), \qquad
        \delta_2 = \delta_3 \cdot w_6 \cdot h_2(1-h_2),
        $$

        and a weight's gradient is the $\delta$ of its neuron times the input
        it multiplies ($\partial z/\partial w = x$), a bias's is $\delta$
        itself. Reusing $\delta$ is what makes backpropagation cheap: one pass
        from the top gives every gradient.
        """),
        code("""
        delta3 = dE_dyhat * dyhat_dz3
        delta1 = delta3 * p["w5"] * hand["h1"] * (1 - hand["h1"])
        delta2 = delta3 * p["w6"] * hand["h2"] * (1 - hand["h2"])
        grads_by_hand = {
            "w1": delta1 * x1,
            "w2": delta1 * x2,
            "b1": delta1,
            "w3": delta2 * x1,
            "w4": delta2 * x2,
            "b2": delta2,
            "w5": delta3 * hand["h1"],
            "w6": delta3 * hand["h2"],
            "b3": delta3,
        }

        print(f"{'':>3} {'by hand':>10} {'engine':>10}")
        for name, g in grads_by_hand.items():
            assert math.isclose(g, params[name].grad, rel_tol=1e-12)
            print(f"{name:>3} {g:+10.6f} {params[name].grad:+10.6f}")
        """),
        md(r"""
        ## 5. The whole graph

        `ag.draw_graph` shows what the engine recorded: each box is a node with
        its value (`data`) and its gradient (`grad`), each ellipse the
        operation that made it. Each neuron's weighted sum is one `dot` node;
        the inputs and the target get gradients too (nothing uses them), and
        the plain numbers of the error (the ½ and the exponent 2) are small
        constant leaves.
        """),
        code("""
        ag.draw_graph(E)
        """),
        md(r"""
        ## 6. One step of gradient descent

        The gradient points uphill, so we move every parameter a small step
        the other way, with a learning rate $\eta$:

        $$w \leftarrow w - \eta\,\frac{\partial E}{\partial w}.$$

        Near the current point the error should fall by about
        $\eta\sum_w (\partial E/\partial w)^2$ (the first-order Taylor term).
        """),
        code("""
        eta = 0.5
        p_new = {name: p[name] - eta * grads_by_hand[name] for name in p}

        E_before = hand["E"]
        E_after = forward_by_hand(p_new)["E"]
        predicted = -eta * sum(g * g for g in grads_by_hand.values())
        print(f"w5: {p['w5']:.6f} -> {p_new['w5']:.6f}")
        print(f"E:  {E_before:.6f} -> {E_after:.6f}")
        print(f"change in E: {E_after - E_before:+.6f}, first-order prediction {predicted:+.6f}")
        assert E_after < E_before
        """),
        md(r"""
        The engine does the same update on its parameters' `.data` (this is all
        an SGD optimizer does). Clearing the gradients afterwards matters:
        `backward()` adds to `.grad`, it does not overwrite it.
        """),
        code("""
        for v in params.values():
            v.data -= eta * v.grad
            v.grad = 0.0

        E_engine = forward(params)["E"]
        assert math.isclose(E_engine.data, E_after, rel_tol=1e-12)
        print(f"E after one step, engine: {E_engine.data:.6f}   by hand: {E_after:.6f}")
        """),
        md(r"""
        ## What to take away

        * A forward pass records a graph; each operation knows only its own
          local slopes.
        * `backward()` multiplies those slopes along every path from the
          error to a parameter (the chain rule) and stores the running
          products on the nodes, so shared prefixes are computed once.
        * Gradient descent uses those numbers to move every parameter
          downhill.

        Next, [02 · The engine](02_the_engine.ipynb) looks inside
        `backward()` one step at a time.
        """),
    ]


# --- 02 -----------------------------------------------------------------------


def the_engine() -> list[Cell]:
    return [
        md(r"""
        # 02 · The engine

        In [01](01_backprop_by_hand.ipynb) the engine's gradients matched our
        hand computations. This notebook opens the engine up: what a `Value`
        records, how `backward()` walks the graph, how to step through it
        node by node, how to ask for the chain rule behind one gradient,
        derivatives of derivatives, and how to check a gradient numerically.
        """),
        code("""
        import math

        import matplotlib.pyplot as plt
        import numpy as np

        import autograd_lite as ag
        from autograd_lite import Value
        """),
        md(r"""
        ## Values record how they were made

        A `Value` holds a float (`.data`). Every operation on Values returns a
        new Value that also remembers the operation (`.op`) and its operands
        (`.inputs`). Plain numbers mixed in (the `2` below) become constant
        leaves, and `.label` is a name for printing and drawing. Here $x$ is
        used twice, which matters for the gradient.
        """),
        code("""
        x = Value(0.8, label="x")
        y = Value(-1.5, label="y")
        u = x * y
        v = u.tanh()
        s = x**2
        out = v + s
        u.label, v.label, s.label, out.label = "u", "v", "s", "out"

        for node in (u, v, s, out):
            a, *rest = [i.label or repr(i.data) for i in node.inputs]
            formula = f"{a} {node.op} {rest[0]}" if rest else f"{node.op}({a})"
            print(f"{node.label:>3} = {formula:<8} = {node.data:+.6f}")
        print(repr(out))
        """),
        code("""
        ag.draw_graph(out)
        """),
        md(r"""
        ## backward() visits each node once, output first

        `backward()` sorts the graph so that every node comes before its
        inputs, seeds the output's gradient with 1, and then, node by node,
        adds *local derivative × gradient of the node* into each input.
        Because a node is visited only after everything that uses it, its
        gradient is complete when its turn comes.
        """),
        code("""
        order = ag.backward_order(out)
        print(" -> ".join(n.label or n.op or repr(n.data) for n in order))
        out.backward()
        for node in (out, v, s, u, x, y):
            print(f"d out / d {node.label:<3} = {node.grad:+.6f}")
        """),
        md(r"""
        $x$ reaches `out` along two paths, through $u = xy$ and through
        $s = x^2$. The chain rule adds the two:

        $$\frac{\partial\,\mathrm{out}}{\partial x} = (1 - v^2)\,y + 2x, \qquad
          \frac{\partial\,\mathrm{out}}{\partial y} = (1 - v^2)\,x.$$
        """),
        code("""
        through_u = (1 - v.data**2) * y.data
        through_square = 2 * x.data
        print(f"path through u:   {through_u:+.6f}")
        print(f"path through x^2: {through_square:+.6f}")
        print(f"sum:              {through_u + through_square:+.6f}   x.grad = {x.grad:+.6f}")
        assert math.isclose(x.grad, through_u + through_square)
        assert math.isclose(y.grad, (1 - v.data**2) * x.data)
        """),
        md(r"""
        Gradients **accumulate**: a second `backward()` adds the same amounts
        again (this is what lets several losses share parameters). Training
        loops therefore clear them first, with `zero_grad()`.
        """),
        code("""
        first = x.grad
        out.backward()
        print(f"after a second backward(): x.grad = {x.grad:+.6f} = 2 x {first:+.6f}")
        assert x.grad == 2 * first
        out.zero_grad()
        print(f"after zero_grad():         x.grad = {x.grad}")
        """),
        *stepping_cells(),
        md(r"""
        ## Higher-order derivatives

        `ag.grad(f)` returns a new function: the derivative of `f`. Because
        the backward pass is made of the same operations as any other
        computation, the engine can record it too, and differentiate the
        result again. Take $f(x) = x \sin x$:

        $$f' = \sin x + x\cos x,\quad f'' = 2\cos x - x\sin x,\quad
          f''' = -3\sin x - x\cos x.$$
        """),
        code("""
        def f(x):
            return x * x.sin()


        df = ag.grad(f)
        d2f = ag.grad(df)
        d3f = ag.grad(d2f)

        x0 = 1.3
        by_hand = [
            ("f'", math.sin(x0) + x0 * math.cos(x0), df),
            ("f''", 2 * math.cos(x0) - x0 * math.sin(x0), d2f),
            ("f'''", -3 * math.sin(x0) - x0 * math.cos(x0), d3f),
        ]
        for name, hand, engine in by_hand:
            assert math.isclose(engine(x0), hand, rel_tol=1e-12)
            print(f"{name:>4}({x0}) by hand {hand:+.6f}   engine {engine(x0):+.6f}")
        """),
        code("""
        grid = np.linspace(-6, 6, 241)
        plt.figure(figsize=(7, 3.5))
        for name, fn in [("f", lambda x: f(Value(x)).data), ("f'", df), ("f''", d2f)]:
            plt.plot(grid, [fn(x) for x in grid], label=name)
        plt.axhline(0, color="grey", lw=0.5)
        plt.legend()
        plt.title("f(x) = x sin x and two derivatives, all from the engine")
        plt.show()
        """),
        md(r"""
        When derivatives are nested, `grad` runs the backward pass with
        `create_graph=True`: the gradients are then Values with a graph of
        their own instead of floats. Calling `backward()` on such a gradient
        gives the next derivative.
        """),
        code("""
        x = Value(x0, label="x")
        f(x).backward(create_graph=True)
        first = x.grad  # a Value: f'(x), recorded as a graph
        print(f"x.grad is a {type(first).__name__} with data {first.data:+.6f}")

        x.grad = 0.0  # make room: backward() adds into .grad
        first.backward()
        print(f"its derivative: {x.grad:+.6f}   (f'' by hand: {by_hand[1][1]:+.6f})")
        """),
        md(r"""
        With several inputs the second derivatives form the Hessian matrix.
        For $h(a, b) = a^2 b + b^3$ it is
        $\begin{pmatrix} 2b & 2a \\ 2a & 6b \end{pmatrix}$:
        """),
        code("""
        def h(a, b):
            return a**2 * b + b**3


        a0, b0 = 1.5, -0.5
        H = ag.hessian(h, argnums=(0, 1))(a0, b0)
        H_by_hand = [[2 * b0, 2 * a0], [2 * a0, 6 * b0]]
        print("engine: ", H)
        print("by hand:", H_by_hand)
        assert np.allclose(H, H_by_hand)
        """),
        md(r"""
        ## Checking a gradient: gradcheck

        A central difference $\big(f(x+\varepsilon) - f(x-\varepsilon)\big)/2\varepsilon$
        estimates a slope without knowing anything about the graph.
        `ag.gradcheck` compares it with the engine's gradient for every input
        and returns `True` or raises `GradcheckError` naming the worst one.
        """),
        code("""
        print(ag.gradcheck(f, [x0]))
        print(ag.gradcheck(lambda a, b: (a * b).tanh() + h(a, b), [0.3, -1.2]))
        print(ag.gradgradcheck(f, [x0]))  # the same, one order up
        """),
        md(r"""
        Gradients go wrong when part of a computation is hidden from the
        engine. `detach()` returns the same number with no history, so below
        the engine sees only one of the two factors of $x \cdot x$ and
        reports $x$ where the true slope is $2x$. The finite difference is not
        fooled:
        """),
        code("""
        def square_with_a_leak(x):
            return x * x.detach()


        try:
            ag.gradcheck(square_with_a_leak, [x0])
        except ag.GradcheckError as err:
            print(err)
        """),
        md(r"""
        Next, [03 · Training an MLP](03_training_an_mlp.ipynb) uses the same
        engine to train a small network.
        """),
    ]


def stepping_cells() -> list[Cell]:
    return [
        md(r"""
        ## Stepping through backward

        `backward_steps()` is the same pass, one node per step, like a
        debugger. Each step names the node, its gradient (complete by the
        time it is visited), and what it adds to each input's gradient:
        *local derivative × the node's gradient*. Constants such as the `2`
        get gradients too; nobody reads them.
        """),
        code("""
        for step in out.backward_steps():
            print(step)

        assert x.grad == first  # exhausting the steps gives exactly backward()'s gradients
        """),
        md(r"""
        `ag.stepper` plays the same steps as pictures: drag the slider or
        press *play*. The node being visited is highlighted, the edges it
        sends gradient along are labelled *local × upstream*, "so far" marks
        a sum still waiting for more paths, and "?" a node not reached yet.
        (The stepper does not add to any `.grad`.)
        """),
        code("""
        ag.stepper(out)
        """),
        md(r"""
        ## explain: the chain rule behind one gradient

        `ag.explain(y, x)` lists every path from `y` back to `x`, the local
        derivatives along it, and their product; the products add up to
        `x.grad`. For our $x$ there are two paths, as computed by hand above.
        """),
        code("""
        ag.explain(out, x)
        """),
    ]


# --- 03 -----------------------------------------------------------------------


def training_an_mlp() -> list[Cell]:
    return [
        md(r"""
        # 03 · Training an MLP

        A multilayer perceptron learns to separate two interleaved half-moons.
        We compare three loss functions and three optimizers, plot the
        decision boundary the network learned, and save and reload it.
        Everything runs on the scalar engine of notebooks 01 and 02, so it is
        slow by deep-learning standards; the data and the network are small.
        """),
        code("""
        import os
        import tempfile

        import matplotlib.pyplot as plt
        import numpy as np

        import autograd_lite as ag
        from autograd_lite import data, losses, nn, optim
        """),
        md("## The data"),
        code("""
        X, y = data.make_moons(n_samples=100, noise=0.1, seed=0)
        X_test, y_test = data.make_moons(n_samples=100, noise=0.1, seed=1)  # held out, for the end
        print(f"X: {X.shape}, labels {sorted(set(y.tolist()))}, {np.bincount(y)} per class")

        plt.figure(figsize=(4.5, 3.2))
        plt.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=25)
        plt.title("make_moons: 100 points, two classes")
        plt.show()
        """),
        md(r"""
        ## The model

        Two inputs, two hidden layers of 16 ReLU neurons, one linear output
        neuron. Its output is a raw score $s$: we read $s > 0$ as class 1.
        Each neuron is one `dot` node followed by its activation.
        """),
        code("""
        model = nn.MLP(2, [16, 16, 1], seed=0)
        print(model)
        score = model(X[0])
        print(f"score for the first point: {score.data:+.4f} (label {y[0]})")
        ops = [v.op for v in ag.topological_order(score) if v.inputs]
        print(f"one forward pass records {len(ops)} operations:", end=" ")
        print(f"{ops.count('dot')} dot, {ops.count('relu')} relu")
        """),
        code("""
        ag.draw_model(model)
        """),
        md(r"""
        ## The training loop

        Every step: forward all 100 examples, average the loss, clear the old
        gradients, `backward()`, and let the optimizer move the parameters.
        That is the whole algorithm; the rest of this notebook varies the
        loss and the optimizer.
        """),
        code("""
        def train(loss_fn, targets, make_optimizer, steps=50, seed=0):
            model = nn.MLP(2, [16, 16, 1], seed=seed)  # the same start for every run
            opt = make_optimizer(model.parameters())
            history, accuracy = [], []
            for _ in range(steps):
                scores = [model(x) for x in X]
                loss = loss_fn(scores, targets)  # the mean over the batch
                opt.zero_grad()
                loss.backward()
                opt.step()
                history.append(loss.data)
                accuracy.append(np.mean([(s.data > 0) == (t > 0) for s, t in zip(scores, targets)]))
            return model, history, accuracy
        """),
        md(r"""
        ## Three losses

        * **binary cross-entropy** on the score: $-\log \sigma(s)$ for class 1,
          $-\log(1 - \sigma(s))$ for class 0 (`binary_cross_entropy_with_logits`
          computes it from $s$ without overflow);
        * **hinge**: $\max(0, 1 - t s)$ with labels $t = \pm 1$; zero once a
          point is on the right side with a margin of 1;
        * **mean squared error** $(s - t)^2$ to targets $t = \pm 1$.

        The losses live on different scales, so compare their curves by shape
        and the accuracies directly. All three use Adam with the same
        learning rate.
        """),
        code("""
        plus_minus = 2 * y - 1  # labels 0/1 -> -1/+1
        runs = {
            "cross-entropy": (losses.binary_cross_entropy_with_logits, y),
            "hinge": (losses.hinge, plus_minus),
            "squared error": (losses.mse, plus_minus),
        }
        results = {}
        for name, (loss_fn, targets) in runs.items():
            results[name] = train(loss_fn, targets, lambda ps: optim.Adam(ps, lr=0.05))

        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
        for name, (_, history, accuracy) in results.items():
            left.plot(history, label=name)
            right.plot(accuracy, label=name)
            print(f"{name:14} loss {history[0]:.3f} -> {history[-1]:.4f},", end=" ")
            print(f"training accuracy {accuracy[-1]:.0%}")
        left.set(title="loss", xlabel="step")
        right.set(title="training accuracy", xlabel="step")
        left.legend()
        plt.show()
        """),
        md(r"""
        ## Three optimizers

        Same loss (cross-entropy), same starting weights, three update rules:

        * **SGD**: $w \leftarrow w - \eta\, g$, the step of notebook 01;
        * **SGD with momentum**: steps along a decaying sum of past
          gradients, which speeds up along directions where they agree;
        * **Adam**: divides each parameter's step by a running estimate of
          its gradient's size, so every parameter moves at a similar rate.
        """),
        code("""
        optimizers = {
            "SGD, lr 0.1": lambda ps: optim.SGD(ps, lr=0.1),
            "SGD + momentum 0.9, lr 0.1": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
            "Adam, lr 0.05": lambda ps: optim.Adam(ps, lr=0.05),
        }
        bce = losses.binary_cross_entropy_with_logits
        curves = {}
        for name, make_optimizer in optimizers.items():
            if name.startswith("Adam"):
                curves[name] = results["cross-entropy"]  # this exact run happened above
            else:
                curves[name] = train(bce, y, make_optimizer)

        plt.figure(figsize=(6, 3.2))
        for name, (_, history, _) in curves.items():
            plt.plot(history, label=name)
            print(f"{name:27} final loss {history[-1]:.4f}")
        plt.yscale("log")
        plt.xlabel("step")
        plt.title("cross-entropy loss")
        plt.legend()
        plt.show()
        """),
        md(r"""
        The learning rates are common starting points, not tuned for each
        optimizer, so read this as typical behaviour rather than a ranking.

        ## The decision boundary

        Evaluating the trained network on a grid of points shows the regions
        it assigns to each class. Nothing here needs gradients, so
        `ag.no_grad()` skips recording the graph.
        """),
        code("""
        model = results["cross-entropy"][0]

        xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 60)
        ys = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, 60)
        with ag.no_grad():
            scores = np.array([[model([a, b]).data for a in xs] for b in ys])

        plt.figure(figsize=(5, 3.8))
        plt.contourf(xs, ys, scores > 0, cmap="coolwarm", alpha=0.3)
        plt.contour(xs, ys, scores, levels=[0], colors="k", linewidths=1)
        plt.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=25)
        plt.title("where the score is positive (red) or negative (blue)")
        plt.show()


        def accuracy(model, X, y):
            with ag.no_grad():
                return np.mean([(model(x).data > 0) == label for x, label in zip(X, y)])


        print(f"accuracy on the training points: {accuracy(model, X, y):.0%}")
        print(f"accuracy on 100 new points:     {accuracy(model, X_test, y_test):.0%}")
        """),
        md(r"""
        ## Save and load

        `model.save(path)` writes the architecture and every parameter to a
        small JSON file; `nn.MLP.load(path)` builds the same network again.
        """),
        code("""
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "moons.json")
            model.save(path)
            print(f"saved {os.path.getsize(path):,} bytes")
            restored = nn.MLP.load(path)

        print(restored)
        with ag.no_grad():
            same = all(model(x).data == restored(x).data for x in X_test)
        print(f"identical scores on all 100 test points: {same}")
        assert same
        """),
        md(r"""
        Next, [04 · Debugging backprop](04_debugging_backprop.ipynb): what to
        do when the gradients are not what you expect.
        """),
    ]


# --- 04 -----------------------------------------------------------------------


def debugging_backprop() -> list[Cell]:
    return [
        md(r"""
        # 04 · Debugging backprop

        When training goes wrong, the gradients usually show it first. Three
        tools: `ag.detect_anomaly()` finds the operation where a NaN or an
        infinity first appears; hooks let you watch (or change) gradients as
        `backward()` passes them along; and measuring gradients layer by
        layer shows when a deep network cannot learn.
        """),
        code("""
        import math

        import matplotlib.pyplot as plt
        import numpy as np

        import autograd_lite as ag
        from autograd_lite import Value, data, losses, nn, optim
        """),
        md(r"""
        ## 1. Where did the NaN come from?

        A sigmoid written straight from its formula, $e^z / (1 + e^z)$, works
        until $z$ is large: $e^{800}$ overflows to infinity, and
        $\infty / \infty$ is NaN. The NaN then spreads to the loss and to
        every gradient, far from where it started.
        """),
        code("""
        def naive_sigmoid(z):
            return z.exp() / (1 + z.exp())


        z = Value(800.0, label="z")
        loss = (1 - naive_sigmoid(z)) ** 2
        loss.backward()
        print(f"loss = {loss.data}, z.grad = {z.grad}")
        """),
        md(r"""
        Inside `ag.detect_anomaly()` every operation is checked as it runs,
        and the first one that produces NaN or ±infinity raises
        `AnomalyError`, naming the operation, its inputs, and the line of
        code that created it. Here that is the overflowing `exp`, one step
        before the NaN itself:
        """),
        code("""
        z = Value(800.0, label="z")
        try:
            with ag.detect_anomaly():
                loss = (1 - naive_sigmoid(z)) ** 2
        except ag.AnomalyError as err:
            print(f"AnomalyError: {err}")
        """),
        md(r"""
        The fix is the engine's own `sigmoid()`, which never exponentiates a
        large positive number:
        """),
        code("""
        z = Value(800.0, label="z")
        with ag.detect_anomaly():
            loss = (1 - z.sigmoid()) ** 2
            loss.backward()
        print(f"loss = {loss.data}, z.grad = {z.grad}")
        """),
        md(r"""
        (The gradient is 0: at $z = 800$ the sigmoid is flat, or *saturated*,
        which is section 3's problem in miniature.)

        The backward pass is checked too. The distance between two points,
        $\sqrt{(a_0-b_0)^2 + (a_1-b_1)^2}$, is fine to compute when they
        coincide, but its slope there is infinite: the square root's local
        derivative $1/(2\sqrt{u})$ at $u = 0$.
        """),
        code("""
        a = [Value(1.0, label="a0"), Value(2.0, label="a1")]
        b = [Value(1.0, label="b0"), Value(2.0, label="b1")]
        try:
            with ag.detect_anomaly():
                distance = ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2).sqrt()
                print(f"distance = {distance.data}")
                distance.backward()
        except ag.AnomalyError as err:
            print(f"AnomalyError: {err}")
        """),
        md(r"""
        `detect_anomaly` slows every operation down, so turn it on to hunt a
        bug and off again once it is found.

        ## 2. Hooks: watching gradients go by

        `v.register_hook(fn)` asks `backward()` to call `fn(gradient)` when
        it reaches `v`. Here the hooks sit on the three hidden activations of
        a small network (we run its layers one by one to get hold of them).
        They fire in backward order, with the same numbers that end up in
        `.grad`:
        """),
        code("""
        model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
        hidden = model.layers[0]([0.5, -1.0])  # three Values
        out = model.layers[1](hidden)

        seen = {}
        for i, h in enumerate(hidden):
            h.label = f"h{i}"
            h.register_hook(lambda g, name=h.label: seen.setdefault(name, g))

        out.backward()
        for name, g in seen.items():
            print(f"hook saw the gradient reaching {name}: {g:+.6f}")
        assert all(seen[h.label] == h.grad for h in hidden)
        """),
        md(r"""
        A hook that returns a number replaces the gradient with it. That is
        how gradient clipping can be written: below, every gradient of the
        output neuron's first weight is clipped to $[-0.01, 0.01]$. A hook on
        a parameter stays until it is removed, through any number of
        backward passes; `.remove()` on the handle takes it off.
        """),
        code("""
        w = model.layers[1].neurons[0].w[0]


        def clip(g):
            return max(-0.01, min(0.01, g))


        model.zero_grad()
        model([0.5, -1.0]).backward()
        unclipped = w.grad

        handle = w.register_hook(clip)
        model.zero_grad()
        model([0.5, -1.0]).backward()
        print(f"{w.label}: gradient {unclipped:+.6f}, with the clipping hook {w.grad:+.6f}")

        handle.remove()
        model.zero_grad()
        model([0.5, -1.0]).backward()
        print(f"after handle.remove(): {w.grad:+.6f}")
        """),
        md(r"""
        ## 3. Vanishing gradients

        Every layer the gradient passes through multiplies it by that
        layer's local derivatives. A sigmoid's slope is at most $1/4$, so
        through a deep stack of sigmoids the gradient shrinks roughly
        geometrically, and the first layers barely learn. ReLU's slope is 1
        wherever it is active, so with suitably scaled weights the gradient
        keeps roughly its size.

        Two networks of nine layers (eight hidden layers of eight neurons),
        identical except for the activation; one batch of moons; one
        `backward()`; then the average size $|\partial E/\partial w|$ of each
        layer's weights:
        """),
        code("""
        X, y = data.make_moons(n_samples=100, noise=0.1, seed=0)
        sizes = [8] * 8 + [1]


        def gradient_per_layer(model):
            loss = losses.binary_cross_entropy_with_logits([model(x) for x in X], y)
            model.zero_grad()
            loss.backward()
            return [np.mean([abs(p.grad) for p in layer.parameters()]) for layer in model.layers]


        magnitudes = {}
        for activation in ("sigmoid", "relu"):
            model = nn.MLP(2, sizes, activation=activation, seed=0)
            magnitudes[activation] = gradient_per_layer(model)

        layers = np.arange(1, len(sizes) + 1)
        plt.figure(figsize=(6, 3.5))
        for activation, mags in magnitudes.items():
            plt.semilogy(layers, mags, "o-", label=activation)
        plt.xlabel("layer (1 = next to the input)")
        plt.ylabel("mean |dE/dw|")
        plt.title("gradient size per layer, same network and data")
        plt.legend()
        plt.show()

        for activation, mags in magnitudes.items():
            print(f"{activation:8} last layer / first layer: {mags[-1] / mags[0]:,.0f}x")
        """),
        md(r"""
        What this does to training: the same two networks, plain gradient
        descent, the same learning rate.
        """),
        code("""
        curves = {}
        for activation in ("sigmoid", "relu"):
            model = nn.MLP(2, sizes, activation=activation, seed=0)
            opt = optim.SGD(model.parameters(), lr=0.2)
            curve = []
            for _ in range(40):
                loss = losses.binary_cross_entropy_with_logits([model(x) for x in X], y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                curve.append(loss.data)
            curves[activation] = curve

        plt.figure(figsize=(6, 3.2))
        for activation, curve in curves.items():
            plt.plot(curve, label=activation)
        plt.axhline(math.log(2), color="grey", ls="--", lw=1, label="ln 2: always 50/50")
        plt.xlabel("step")
        plt.ylabel("cross-entropy")
        plt.legend()
        plt.show()
        for activation, curve in curves.items():
            print(f"{activation:8} loss {curve[0]:.4f} -> {curve[-1]:.4f}")
        print(f"ln 2 = {math.log(2):.4f}")
        """),
        md(r"""
        The sigmoid network's loss stalls at $\ln 2$, the loss of answering
        50/50 for every point: it has not learned where the points are. The
        usual cures follow from the picture above: ReLU-like activations,
        initial weights scaled to the activation (`nn.MLP` already does
        this), fewer layers, and in larger frameworks normalisation layers
        and residual connections.
        """),
    ]


NOTEBOOKS: dict[str, Callable[[], list[Cell]]] = {
    "01_backprop_by_hand.ipynb": backprop_by_hand,
    "02_the_engine.ipynb": the_engine,
    "03_training_an_mlp.ipynb": training_an_mlp,
    "04_debugging_backprop.ipynb": debugging_backprop,
}


def build(name: str) -> nbformat.NotebookNode:
    """The notebook called ``name``, built from its cell list."""
    cells = NOTEBOOKS[name]()
    stem = name.split("_")[0]
    for i, cell in enumerate(cells):
        cell.id = f"nb{stem}-{i:02d}"
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    return nb


def main() -> None:
    for name in NOTEBOOKS:
        nbformat.write(build(name), HERE / name)
        print(f"wrote notebooks/{name}")


if __name__ == "__main__":
    main()
