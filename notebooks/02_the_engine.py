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
# # 02 · The engine
#
# In [01](01_backprop_by_hand.ipynb) the engine's gradients matched our
# hand computations. This notebook opens the engine up: what a `Value`
# records, how `backward()` walks the graph, how to step through it
# node by node, how to ask for the chain rule behind one gradient,
# derivatives of derivatives, and how to check a gradient numerically.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import autograd_lite as ag
from autograd_lite import Value

# %% [markdown]
# ## Values record how they were made
#
# A `Value` holds a float (`.data`). Every operation on Values returns a
# new Value that also remembers the operation (`.op`) and its operands
# (`.inputs`). Plain numbers mixed in (the `2` below) become constant
# leaves, and `.label` is a name for printing and drawing. Here $x$ is
# used twice, which matters for the gradient.

# %%
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

# %%
ag.draw_graph(out)

# %% [markdown]
# ## backward() visits each node once, output first
#
# `backward()` sorts the graph so that every node comes before its
# inputs, seeds the output's gradient with 1, and then, node by node,
# adds *local derivative × gradient of the node* into each input.
# Because a node is visited only after everything that uses it, its
# gradient is complete when its turn comes.

# %%
order = ag.backward_order(out)
print(" -> ".join(n.label or n.op or repr(n.data) for n in order))
out.backward()
for node in (out, v, s, u, x, y):
    print(f"d out / d {node.label:<3} = {node.grad:+.6f}")

# %% [markdown]
# $x$ reaches `out` along two paths, through $u = xy$ and through
# $s = x^2$. The chain rule adds the two:
#
# $$\frac{\partial\,\mathrm{out}}{\partial x} = (1 - v^2)\,y + 2x, \qquad
#   \frac{\partial\,\mathrm{out}}{\partial y} = (1 - v^2)\,x.$$

# %%
through_u = (1 - v.data**2) * y.data
through_square = 2 * x.data
print(f"path through u:   {through_u:+.6f}")
print(f"path through x^2: {through_square:+.6f}")
print(f"sum:              {through_u + through_square:+.6f}   x.grad = {x.grad:+.6f}")
assert math.isclose(x.grad, through_u + through_square)
assert math.isclose(y.grad, (1 - v.data**2) * x.data)

# %% [markdown]
# Gradients **accumulate**: a second `backward()` adds the same amounts
# again (this is what lets several losses share parameters). Training
# loops therefore clear them first, with `zero_grad()`.

# %%
first = x.grad
out.backward()
print(f"after a second backward(): x.grad = {x.grad:+.6f} = 2 x {first:+.6f}")
assert x.grad == 2 * first
out.zero_grad()
print(f"after zero_grad():         x.grad = {x.grad}")

# %% [markdown]
# ## Stepping through backward
#
# `backward_steps()` is the same pass, one node per step, like a
# debugger. Each step names the node, its gradient (complete by the
# time it is visited), and what it adds to each input's gradient:
# *local derivative × the node's gradient*. Constants such as the `2`
# get gradients too; nobody reads them.

# %%
for step in out.backward_steps():
    print(step)

assert x.grad == first  # exhausting the steps gives exactly backward()'s gradients

# %% [markdown]
# `ag.stepper` plays the same steps as pictures: drag the slider or
# press *play*. The node being visited is highlighted, the edges it
# sends gradient along are labelled *local × upstream*, "so far" marks
# a sum still waiting for more paths, and "?" a node not reached yet.
# Every node keeps its place from frame to frame, and the stepper
# leaves every `.grad` as it was.

# %%
ag.stepper(out)

# %% [markdown]
# ## explain: the chain rule behind one gradient
#
# `ag.explain(y, x)` lists every path from `y` back to `x`, the local
# derivatives along it, and their product; the products add up to
# `x.grad`. For our $x$ there are two paths, as computed by hand above.

# %%
ag.explain(out, x)


# %% [markdown]
# ## Higher-order derivatives
#
# `ag.grad(f)` returns a new function: the derivative of `f`. Because
# the backward pass is made of the same operations as any other
# computation, the engine can record it too, and differentiate the
# result again. Take $f(x) = x \sin x$:
#
# $$f' = \sin x + x\cos x,\quad f'' = 2\cos x - x\sin x,\quad
#   f''' = -3\sin x - x\cos x.$$

# %%
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

# %%
grid = np.linspace(-6, 6, 241)
plt.figure(figsize=(7, 3.5))
for name, fn in [("f", lambda x: f(Value(x)).data), ("f'", df), ("f''", d2f)]:
    plt.plot(grid, [fn(x) for x in grid], label=name)
plt.axhline(0, color="grey", lw=0.5)
plt.legend()
plt.title("f(x) = x sin x and two derivatives, all from the engine")
plt.show()

# %% [markdown]
# When derivatives are nested, `grad` runs the backward pass with
# `create_graph=True`: the gradients are then Values with a graph of
# their own instead of floats. Calling `backward()` on such a gradient
# gives the next derivative.

# %%
x = Value(x0, label="x")
f(x).backward(create_graph=True)
first = x.grad  # a Value: f'(x), recorded as a graph
print(f"x.grad is a {type(first).__name__} with data {first.data:+.6f}")

x.grad = 0.0  # make room: backward() adds into .grad
first.backward()
print(f"its derivative: {x.grad:+.6f}   (f'' by hand: {by_hand[1][1]:+.6f})")


# %% [markdown]
# With several inputs the second derivatives form the Hessian matrix.
# For $h(a, b) = a^2 b + b^3$ it is
# $\begin{pmatrix} 2b & 2a \\ 2a & 6b \end{pmatrix}$:

# %%
def h(a, b):
    return a**2 * b + b**3


a0, b0 = 1.5, -0.5
H = ag.hessian(h, argnums=(0, 1))(a0, b0)
H_by_hand = [[2 * b0, 2 * a0], [2 * a0, 6 * b0]]
print("engine: ", H)
print("by hand:", H_by_hand)
assert np.allclose(H, H_by_hand)

# %% [markdown]
# ## Checking a gradient: gradcheck
#
# A central difference $\big(f(x+\varepsilon) - f(x-\varepsilon)\big)/2\varepsilon$
# estimates a slope without knowing anything about the graph.
# `ag.gradcheck` compares it with the engine's gradient for every input
# and returns `True` or raises `GradcheckError` naming the worst one.

# %%
print(ag.gradcheck(f, [x0]))
print(ag.gradcheck(lambda a, b: (a * b).tanh() + h(a, b), [0.3, -1.2]))
print(ag.gradgradcheck(f, [x0]))  # the same, one order up


# %% [markdown]
# Gradients go wrong when part of a computation is hidden from the
# engine. `detach()` returns the same number with no history, so below
# the engine sees only one of the two factors of $x \cdot x$ and
# reports $x$ where the true slope is $2x$. The finite difference is not
# fooled:

# %%
def square_with_a_leak(x):
    return x * x.detach()


try:
    ag.gradcheck(square_with_a_leak, [x0])
except ag.GradcheckError as err:
    print(err)

# %% [markdown]
# Next, [03 · Training an MLP](03_training_an_mlp.ipynb) uses the same
# engine to train a small network.
