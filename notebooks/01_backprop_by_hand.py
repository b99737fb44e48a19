# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Backpropagation by hand
#
# We take a tiny network with one hidden layer, run it forward with
# pencil-and-paper arithmetic (plain Python floats),
# differentiate its error with the chain rule by hand, and check every
# number against `autograd_lite`. Then we take one step of gradient
# descent and watch the error go down.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import autograd_lite as ag
from autograd_lite import Value, losses

# %% [markdown]
# ## 1. A neuron
#
# A neuron weighs each input, adds a bias, and passes the sum through an
# activation function $f$:
#
# $$z = \sum_i w_i x_i + b, \qquad a = f(z).$$
#
# In `autograd_lite` the weighted sum is a single operation, `ag.dot`,
# so a neuron is one node in the graph, whatever its number of inputs.

# %%
xs = [1.0, 0.5]
ws = [0.4, -0.6]
b = 0.1

z_by_hand = ws[0] * xs[0] + ws[1] * xs[1] + b
z = ag.dot([Value(w) for w in ws], xs, bias=Value(b))
print(f"by hand: z = {z_by_hand:.4f}")
print(f"engine:  z = {z.data:.4f}   (one node, op {z.op!r}, {len(z.inputs)} inputs)")


# %% [markdown]
# ## 2. Activations and their slopes
#
# | activation | $f(z)$ | $f'(z)$ |
# |---|---|---|
# | sigmoid | $\sigma(z) = 1/(1+e^{-z})$ | $\sigma(z)\,(1-\sigma(z))$ |
# | tanh | $\tanh z$ | $1-\tanh^2 z$ |
# | ReLU | $\max(0, z)$ | $1$ if $z>0$, else $0$ |
#
# Backpropagation needs the slope $f'(z)$ of every activation it passes
# through. Sigmoid's and tanh's slopes can be written with the output
# alone, so the engine gets them almost for free once the forward pass
# is done. Below, the hand formulas and the engine agree at a few points.

# %%
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

# %% [markdown]
# The same slopes over a range of $z$, computed by the engine with
# `ag.grad` (a function that returns the derivative of another):

# %%
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

# %% [markdown]
# Keep that last number in mind: every sigmoid a gradient passes through
# multiplies it by at most that much. Notebook 04 shows what this does
# to deep networks.
#
# ## 3. A network with one hidden layer
#
# Two inputs, two hidden sigmoid neurons, one sigmoid output neuron:
#
# $$
# \begin{aligned}
# z_1 &= w_1 x_1 + w_2 x_2 + b_1, & h_1 &= \sigma(z_1)\\
# z_2 &= w_3 x_1 + w_4 x_2 + b_2, & h_2 &= \sigma(z_2)\\
# z_3 &= w_5 h_1 + w_6 h_2 + b_3, & \hat y &= \sigma(z_3)
# \end{aligned}
# $$
#
# For one training example with target $y$, the error is the textbook
# squared error
#
# $$E = \tfrac12\,(y - \hat y)^2 .$$
#
# (The $\tfrac12$ is there only to cancel the 2 that differentiation
# brings down.)

# %%
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


# %% [markdown]
# ### Forward pass by hand

# %%
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

# %% [markdown]
# ### The same forward pass with the engine
#
# Every parameter, both inputs and the target become labelled `Value`s.
# The code is the same arithmetic; the difference is that every result
# remembers the operation and the inputs that produced it.

# %%
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

# %% [markdown]
# The library has this error ready-made as `losses.squared_error`:

# %%
E_library = losses.squared_error(net["y_hat"], y)
assert math.isclose(E_library.data, E.data, rel_tol=1e-12)
print(f"losses.squared_error(y_hat, y) = {E_library.data:.6f}")

# %% [markdown]
# ## 4. Backward: the chain rule for one weight
#
# $w_5$ changes $E$ only through $z_3$, then $\hat y$. The chain rule
# multiplies the local slope of each step along that path:
#
# $$
# \frac{\partial E}{\partial w_5}
# = \frac{\partial E}{\partial \hat y}\cdot
#   \frac{\partial \hat y}{\partial z_3}\cdot
#   \frac{\partial z_3}{\partial w_5}
# $$
#
# and each factor needs only what one operation saw in the forward pass:
#
# * $\partial E/\partial \hat y = -(y - \hat y) = \hat y - y$ (the squared error),
# * $\partial \hat y/\partial z_3 = \hat y\,(1 - \hat y)$ (the sigmoid),
# * $\partial z_3/\partial w_5 = h_1$ (the input that $w_5$ multiplies).

# %%
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

# %% [markdown]
# The engine computed the same product, in the same order, from the top
# down: it keeps each partial product on the node it reached, so
# `y_hat.grad` is $\partial E/\partial \hat y$ and `z3.grad` is
# $\partial E/\partial z_3$.

# %%
assert math.isclose(net["y_hat"].grad, dE_dyhat, rel_tol=1e-12)
assert math.isclose(net["z3"].grad, dE_dyhat * dyhat_dz3, rel_tol=1e-12)
print(f"y_hat.grad = {net['y_hat'].grad:+.6f}")
print(f"z3.grad    = {net['z3'].grad:+.6f}")

# %% [markdown]
# ### Every weight, hidden layer included
#
# Call $\delta = \partial E/\partial z$ the gradient arriving at a
# neuron's weighted sum. Once $\delta_3$ is known, the hidden neurons
# reuse it instead of starting over from $E$:
#
# $$
# \delta_1 = \delta_3 \cdot w_5 \cdot h_1(1-h_1), \qquad
# \delta_2 = \delta_3 \cdot w_6 \cdot h_2(1-h_2),
# $$
#
# and a weight's gradient is the $\delta$ of its neuron times the input
# it multiplies ($\partial z/\partial w = x$), a bias's is $\delta$
# itself. Reusing $\delta$ is what makes backpropagation cheap: one pass
# from the top gives every gradient.

# %%
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

# %% [markdown]
# ## 5. The whole graph
#
# `ag.draw_graph` shows what the engine recorded: each box is a node with
# its value (`data`) and its gradient (`grad`), each ellipse the
# operation that made it. Each neuron's weighted sum is one `dot` node;
# the inputs and the target get gradients too (nothing uses them), and
# the plain numbers of the error (the ½ and the exponent 2) are small
# constant leaves.

# %%
ag.draw_graph(E)

# %% [markdown]
# ## 6. One step of gradient descent
#
# The gradient points uphill, so we move every parameter a small step
# the other way, with a learning rate $\eta$:
#
# $$w \leftarrow w - \eta\,\frac{\partial E}{\partial w}.$$
#
# Near the current point the error should fall by about
# $\eta\sum_w (\partial E/\partial w)^2$ (the first-order Taylor term).

# %%
eta = 0.5
p_new = {name: p[name] - eta * grads_by_hand[name] for name in p}

E_before = hand["E"]
E_after = forward_by_hand(p_new)["E"]
predicted = -eta * sum(g * g for g in grads_by_hand.values())
print(f"w5: {p['w5']:.6f} -> {p_new['w5']:.6f}")
print(f"E:  {E_before:.6f} -> {E_after:.6f}")
print(f"change in E: {E_after - E_before:+.6f}, first-order prediction {predicted:+.6f}")
assert E_after < E_before

# %% [markdown]
# The engine does the same update on its parameters' `.data` (this is all
# an SGD optimizer does). Clearing the gradients afterwards matters:
# `backward()` adds to `.grad`, it does not overwrite it.

# %%
for v in params.values():
    v.data -= eta * v.grad
    v.grad = 0.0

E_engine = forward(params)["E"]
assert math.isclose(E_engine.data, E_after, rel_tol=1e-12)
print(f"E after one step, engine: {E_engine.data:.6f}   by hand: {E_after:.6f}")

# %% [markdown]
# ## What to take away
#
# * A forward pass records a graph; each operation knows only its own
#   local slopes.
# * `backward()` multiplies those slopes along every path from the
#   error to a parameter (the chain rule) and stores the running
#   products on the nodes, so shared prefixes are computed once.
# * Gradient descent uses those numbers to move every parameter
#   downhill.
#
# To check yourself against a published walkthrough, run
# `python -m autograd_lite example`: it works Matt Mazur's
# ["A Step by Step Backpropagation Example"](https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/)
# (two hidden and two output sigmoid neurons) in this notebook's
# notation and compares every result with the published numbers.
#
# Next, [02 · The engine](02_the_engine.ipynb) looks inside
# `backward()` one step at a time.
