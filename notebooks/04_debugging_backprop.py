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
# # 04 · Debugging backprop
#
# When training goes wrong, the gradients usually show it first. Three
# tools: `ag.detect_anomaly()` finds the operation where a NaN or an
# infinity first appears; hooks let you watch (or change) gradients as
# `backward()` passes them along; and measuring gradients layer by
# layer shows when a deep network cannot learn.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import autograd_lite as ag
from autograd_lite import Value, data, losses, nn, optim

# %% [markdown]
# ## 1. Where did the NaN come from?
#
# A sigmoid written straight from its formula, $e^z / (1 + e^z)$, works
# until $z$ is large: $e^{800}$ overflows to infinity, and
# $\infty / \infty$ is NaN. The NaN then spreads to the loss and to
# every gradient, far from where it started.

# %%
def naive_sigmoid(z):
    return z.exp() / (1 + z.exp())


z = Value(800.0, label="z")
loss = (1 - naive_sigmoid(z)) ** 2
loss.backward()
print(f"loss = {loss.data}, z.grad = {z.grad}")

# %% [markdown]
# Inside `ag.detect_anomaly()` every operation is checked as it runs,
# and the first one that produces NaN or ±infinity raises
# `AnomalyError`, naming the operation, its inputs, and the line of
# code that created it. Here that is the overflowing `exp`, one step
# before the NaN itself:

# %%
z = Value(800.0, label="z")
try:
    with ag.detect_anomaly():
        loss = (1 - naive_sigmoid(z)) ** 2
except ag.AnomalyError as err:
    print(f"AnomalyError: {err}")

# %% [markdown]
# The fix is the engine's own `sigmoid()`, which never exponentiates a
# large positive number:

# %%
z = Value(800.0, label="z")
with ag.detect_anomaly():
    loss = (1 - z.sigmoid()) ** 2
    loss.backward()
print(f"loss = {loss.data}, z.grad = {z.grad}")

# %% [markdown]
# (The gradient is 0: at $z = 800$ the sigmoid is flat, or *saturated*,
# which is section 3's problem in miniature.)
#
# The backward pass is checked too. The distance between two points,
# $\sqrt{(a_0-b_0)^2 + (a_1-b_1)^2}$, is fine to compute when they
# coincide, but its slope there is infinite: the square root's local
# derivative $1/(2\sqrt{u})$ at $u = 0$.

# %%
a = [Value(1.0, label="a0"), Value(2.0, label="a1")]
b = [Value(1.0, label="b0"), Value(2.0, label="b1")]
try:
    with ag.detect_anomaly():
        distance = ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2).sqrt()
        print(f"distance = {distance.data}")
        distance.backward()
except ag.AnomalyError as err:
    print(f"AnomalyError: {err}")

# %% [markdown]
# `detect_anomaly` slows every operation down, so turn it on to hunt a
# bug and off again once it is found.
#
# ## 2. Hooks: watching gradients go by
#
# `v.register_hook(fn)` asks `backward()` to call `fn(gradient)` when
# it reaches `v`. Here the hooks sit on the three hidden activations of
# a small network (we run its layers one by one to get hold of them).
# They fire in backward order, with the same numbers that end up in
# `.grad`:

# %%
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

# %% [markdown]
# A hook that returns a number replaces the gradient with it. That is
# how gradient clipping can be written: below, every gradient of the
# output neuron's first weight is clipped to $[-0.01, 0.01]$. A hook on
# a parameter stays until it is removed, through any number of
# backward passes; `.remove()` on the handle takes it off.

# %%
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

# %% [markdown]
# ## 3. Vanishing gradients
#
# Every layer the gradient passes through multiplies it by that
# layer's local derivatives. A sigmoid's slope is at most $1/4$, so
# through a deep stack of sigmoids the gradient shrinks roughly
# geometrically, and the first layers barely learn. ReLU's slope is 1
# wherever it is active, so with suitably scaled weights the gradient
# keeps roughly its size.
#
# Two networks of nine layers (eight hidden layers of eight neurons),
# identical except for the activation; one batch of moons; one
# `backward()`; then the average size $|\partial E/\partial w|$ of each
# layer's weights:

# %%
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

# %% [markdown]
# What this does to training: the same two networks, plain gradient
# descent, the same learning rate.

# %%
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

# %% [markdown]
# The sigmoid network's loss stalls at $\ln 2$, the loss of answering
# 50/50 for every point: it has not learned where the points are. The
# usual cures follow from the picture above: ReLU-like activations,
# initial weights scaled to the activation (`nn.MLP` already does
# this), fewer layers, and in larger frameworks normalisation layers
# and residual connections.
