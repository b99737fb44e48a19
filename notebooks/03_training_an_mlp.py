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
# # 03 · Training an MLP
#
# A multilayer perceptron learns to separate two interleaved half-moons.
# We compare three loss functions and three optimizers, plot the
# decision boundary the network learned, and save and reload it.
# Everything runs on the scalar engine of notebooks 01 and 02; the
# training steps go through `ag.compile`, which records the step once
# and then replays it without building the graph again.

# %%
import os
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np

import autograd_lite as ag
from autograd_lite import data, losses, nn, optim

# %% [markdown]
# ## The data

# %%
X, y = data.make_moons(n_samples=100, noise=0.1, seed=0)
X_test, y_test = data.make_moons(n_samples=100, noise=0.1, seed=1)  # held out, for the end
print(f"X: {X.shape}, labels {sorted(set(y.tolist()))}, {np.bincount(y)} per class")

plt.figure(figsize=(4.5, 3.2))
plt.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=25)
plt.title("make_moons: 100 points, two classes")
plt.show()

# %% [markdown]
# ## The model
#
# Two inputs, two hidden layers of 16 ReLU neurons, one linear output
# neuron. Its output is a raw score $s$: we read $s > 0$ as class 1.
# Each neuron is one `dot` node followed by its activation.

# %%
model = nn.MLP(2, [16, 16, 1], seed=0)
print(model)
score = model(X[0])
print(f"score for the first point: {score.data:+.4f} (label {y[0]})")
ops = [v.op for v in ag.topological_order(score) if v.inputs]
print(f"one forward pass records {len(ops)} operations:", end=" ")
print(f"{ops.count('dot')} dot, {ops.count('relu')} relu")

# %%
ag.draw_model(model)


# %% [markdown]
# ## The training loop
#
# Every step: forward all 100 examples, average the loss, clear the old
# gradients, `backward()`, and let the optimizer move the parameters.
# That is the whole algorithm; the rest of this notebook varies the
# loss and the optimizer.
#
# The loss function is ordinary model code, wrapped in `ag.compile`.
# The first call runs it once on stand-in values and records every
# operation it performs (the *trace*); each later call replays that
# trace on the current weights and data, without creating a single
# node, and `backward()` adds the same gradients eager code would (to
# 1e-12). The targets go in as floats, so they are inputs of the trace
# rather than constants baked into it. `step.mode` says how the last call
# ran: `"numpy"` (the trace folded into a few array operations),
# `"python"` (generated plain-Python code) or `"eager"` (the function as
# written, with `step.fallback_reason` saying why). Notebook 07 shows
# what a trace looks like.

# %%
def score_accuracy(model, X, targets):
    """The fraction of points whose score has the sign of the target (t > 0: class 1)."""
    with ag.no_grad():
        return np.mean([(model(x).data > 0) == (t > 0) for x, t in zip(X, targets)])


def train(loss_fn, targets, make_optimizer, steps=50, seed=0):
    model = nn.MLP(2, [16, 16, 1], seed=seed)  # the same start for every run
    opt = make_optimizer(model.parameters())
    targets = [float(t) for t in targets]  # floats: data of the trace

    @ag.compile
    def step(X, targets):
        scores = [model(x) for x in X]
        return loss_fn(scores, targets)  # the mean over the batch

    history, accuracy, modes = [], {}, []
    for k in range(steps):
        if k % 5 == 0:  # an eager forward pass costs more than a compiled step
            accuracy[k] = score_accuracy(model, X, targets)
        loss = step(X, targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.data)
        modes.append(step.mode)
    accuracy[steps] = score_accuracy(model, X, targets)
    return model, history, accuracy, modes


# %% [markdown]
# ## What the trace buys
#
# The same step, timed here: eager (the graph built and walked every
# step), then compiled on each tier. The first compiled call pays for
# the trace and the code it generates; the rest are replays.

# %%
def per_step(run, repeats=10):
    """The median time of ``run()`` (loss + backward), in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run().backward()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


timing_model = nn.MLP(2, [16, 16, 1], seed=0)
hinge_targets = [float(t) for t in 2 * y - 1]


def hinge_loss(X, targets):
    return losses.hinge([timing_model(x) for x in X], targets)


eager_ms = per_step(lambda: hinge_loss(X, hinge_targets), repeats=5)
print(f"eager:               {eager_ms:8.2f} ms per step")
for tier in ("python", "numpy"):
    step = ag.compile(hinge_loss, tier=tier)
    start = time.perf_counter()
    step(X, hinge_targets).backward()
    first_ms = 1000 * (time.perf_counter() - start)
    ms = per_step(lambda compiled=step: compiled(X, hinge_targets))
    print(f"compiled, {step.mode} tier: {ms:8.2f} ms per step, {eager_ms / ms:5.1f}x eager", end="")
    print(f" (first call, with the trace: {first_ms:.0f} ms)")

# %% [markdown]
# ## Three losses
#
# * **binary cross-entropy** on the score: $-\log \sigma(s)$ for class 1,
#   $-\log(1 - \sigma(s))$ for class 0 (`binary_cross_entropy_with_logits`
#   computes it from $s$ without overflow);
# * **hinge**: $\max(0, 1 - t s)$ with labels $t = \pm 1$; zero once a
#   point is on the right side with a margin of 1;
# * **mean squared error** $(s - t)^2$ to targets $t = \pm 1$.
#
# The losses live on different scales, so compare their curves by shape
# and the accuracies directly. All three use Adam with the same
# learning rate.
#
# Each run also counts how its steps ran. A loss that chose its formula
# by a comparison on each point (say, by the sign of each score) would
# put a *guard* in the trace, and a step in which some comparison came
# out the other way would run eagerly. None of these three does:
# cross-entropy is $(1 - t)\,s + \log(1 + e^{-s})$ written with
# `logaddexp` (which never overflows), hinge and squared error are plain
# arithmetic on the labels, so every step replays the trace.

# %%
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
for name, (_, history, accuracy, modes) in results.items():
    left.plot(history, label=name)
    right.plot(list(accuracy), list(accuracy.values()), "o-", label=name)
    print(f"{name:14} loss {history[0]:.3f} -> {history[-1]:.4f},", end=" ")
    print(f"training accuracy {accuracy[len(history)]:.0%};", end=" ")
    print(f"steps run {', '.join(f'{modes.count(m)} {m}' for m in sorted(set(modes)))}")
left.set(title="loss", xlabel="step")
right.set(title="training accuracy", xlabel="step")
left.legend()
plt.show()

# %% [markdown]
# ## Three optimizers
#
# Same loss (cross-entropy), same starting weights, three update rules:
#
# * **SGD**: $w \leftarrow w - \eta\, g$, the step of notebook 01;
# * **SGD with momentum**: steps along a decaying sum of past
#   gradients, which speeds up along directions where they agree;
# * **Adam**: divides each parameter's step by a running estimate of
#   its gradient's size, so every parameter moves at a similar rate.

# %%
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
for name, (_, history, _, _) in curves.items():
    plt.plot(history, label=name)
    print(f"{name:27} final loss {history[-1]:.4f}")
plt.yscale("log")
plt.xlabel("step")
plt.title("cross-entropy loss")
plt.legend()
plt.show()

# %% [markdown]
# The learning rates are common starting points, not tuned for each
# optimizer, so read this as typical behaviour rather than a ranking.
#
# ## The decision boundary
#
# Evaluating the trained network on a grid of points shows the regions
# it assigns to each class. Nothing here needs gradients, so
# `ag.no_grad()` skips recording the graph.

# %%
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

# %% [markdown]
# ## Save and load
#
# `model.save(path)` writes the architecture and every parameter to a
# small JSON file; `nn.MLP.load(path)` builds the same network again.

# %%
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

# %% [markdown]
# Next, [04 · Debugging backprop](04_debugging_backprop.ipynb): what to
# do when the gradients are not what you expect.
