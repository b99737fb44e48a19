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
# # 05 · Backpropagation through a convolution
#
# A convolutional layer is a neuron that slides over an image. At every
# position it computes the same weighted sum, z = Σ w·x + b, over the small
# patch of pixels under it (its *receptive field*), with the **same** kernel
# weights w. So one weight is used at many positions, and the chain rule
# adds one term per position:
#
#     ∂L/∂w = Σ over positions (i, j) of  ∂L/∂z_ij · x under w at (i, j)
#
# That sum is the one part of backprop through a CNN that is new; everything
# else is the loop from notebook 02. Here a tiny CNN learns to tell
# hand-written digits apart, and `ag.explain` shows that sum path by path.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

import autograd_lite as ag
from autograd_lite import losses, nn, optim

# %% [markdown]
# ## The data: 8×8 hand-written digits
#
# scikit-learn ships a set of scanned hand-written digits, each an 8×8 grid
# of grey levels 0–16. We keep three classes (0, 1 and 7), scale the pixels
# to 0–1, and split them into a training set and a test set the network
# never sees.

# %%
digits = load_digits()
print(
    f"{len(digits.images)} digits of shape {digits.images.shape[1:]}, "
    f"grey levels {digits.images.min():.0f}..{digits.images.max():.0f}"
)
CLASSES = [0, 1, 7]
keep = np.isin(digits.target, CLASSES)
images = digits.images[keep] / 16.0
labels = np.array([CLASSES.index(t) for t in digits.target[keep]])

rng = np.random.default_rng(0)
order = rng.permutation(len(images))
n_train = 240
train, test = order[:n_train], order[n_train:]
print(
    f"{len(images)} images of the classes {CLASSES}: {len(train)} to train on, {len(test)} to test"
)

fig, axes = plt.subplots(1, 6, figsize=(7, 1.4))
for ax, i in zip(axes, train[:6]):
    ax.imshow(images[i], cmap="gray_r")
    ax.set_title(f"label {CLASSES[labels[i]]}", fontsize=9)
    ax.axis("off")
plt.show()


# %% [markdown]
# A layer takes one image at a time as `image[c][i][j]`: nested lists or an
# array, of numbers or Values. Ours have one channel.

# %%
pictures = images[:, None]  # (number of images, 1 channel, 8, 8)
print(pictures.shape)

# %% [markdown]
# ## The network
#
# One convolution with four 3×3 kernels and relu, a 2×2 max-pool, and a
# linear layer from the 4·3·3 pooled features to three class scores:
#
#     1×8×8  →  Conv2d(1→4, 3×3)  →  4×6×6  →  MaxPool2d(2)  →  4×3×3  →  Flatten  →  Layer(36→3)

# %%
model = nn.Sequential(
    nn.Conv2d(1, 4, kernel_size=3, activation="relu", seed=1),
    nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Layer(36, 3, activation="linear", seed=1),
)
conv = model[0]
print(model)
print(f"{len(model.parameters())} parameters")

# %% [markdown]
# `ag.draw_model` draws the architecture: the four kernels as grids of their
# (still random) weights, red positive and blue negative, and each step with
# the shape it produces for an 8×8 image.

# %%
ag.draw_model(model, input_shape=(1, 8, 8))

# %% [markdown]
# ## One output of the convolution is one neuron
#
# Output (o, i, j) is a single `dot` node over the kernel's weights and the
# 3×3 patch whose top-left corner is pixel (i, j). We check one against numpy.

# %%
feature_maps = conv(pictures[train[0]])
o, i, j = 2, 3, 1
z = feature_maps[o][i][j].inputs[0]  # relu's input: the weighted sum
kernel = np.array([[w.data for w in row] for row in conv.weight[o][0]])
patch = images[train[0]][i : i + 3, j : j + 3]
by_hand = float((kernel * patch).sum() + conv.bias[o].data)
print(f"z[{o}][{i}][{j}]: op {z.op!r} with {len(z.inputs)} inputs (9 weights, 9 pixels, 1 bias)")
print(f"engine {z.data:.12f}   numpy {by_hand:.12f}")

# %% [markdown]
# ## A shared weight's gradient is a sum over positions
#
# Take one image and one weight of the first kernel: the centre weight
# `weight[0][0][1][1]`. It multiplies the pixel under the kernel's centre at
# every one of the 6×6 positions. Sum kernel 0's feature map into one
# number s: `ag.explain` finds one path from s to the weight through each
# position's dot node, with the product relu′ × pixel on it, and adds them
# up. (Positions where relu was off contribute 0.)

# %%
example = train[0]
image = images[example]
maps = conv(pictures[example])
s = ag.sum([v for row in maps[0] for v in row])
s.label = "s"
w = conv.weight[0][0][1][1]
print(ag.explain(s, w, max_paths=4))

# %% [markdown]
# Now the real thing: the loss of the whole network on that image. The
# chain rule still adds one term per position, ∂L/∂z_ij × the pixel under
# w there, where ∂L/∂z_ij is what `backward()` leaves in `.grad` of the dot
# node at (i, j). A `maxpool` node's local derivative is 1 for the largest
# output of its 2×2 window and 0 for the other three, and relu's is 0 where
# it was off, so most terms are 0. The sum is the weight's gradient; `explain`
# counts every path, the zero ones included.

# %%
logits = model[3](model[2](model[1](maps)))  # the rest of the network, on the same maps
loss = losses.cross_entropy(logits, int(labels[example]))
loss.label = "loss"
model.zero_grad()
loss.backward()

terms = [maps[0][i][j].inputs[0].grad * image[i + 1, j + 1] for i in range(6) for j in range(6)]
nonzero = sum(t != 0.0 for t in terms)
explanation = ag.explain(loss, w, max_paths=0)
print(f"{len(terms)} positions, {nonzero} of them with a nonzero term")
print(f"Σ_ij ∂L/∂z_ij · x_ij = {sum(terms):.15f}")
print(f"w.grad               = {w.grad:.15f}")
print(
    f"explain: {explanation.path_count} paths from the loss to w (through the pooled "
    f"outputs and the softmax), summing to {explanation.total:.15f}"
)

# %% [markdown]
# ## Training, compiled
#
# Mini-batches of 16 images, cross-entropy loss averaged over the batch,
# Adam. Eagerly, each step builds the graph of 16 forward passes (thousands
# of nodes), runs one `backward()` and throws the graph away; the next step
# builds the very same graph again with other numbers in it. `ag.compile`
# uses that: the first call of the compiled step runs the code once on
# stand-in Values and records every operation in order, a **trace** (the
# tape of the graph). Later calls replay the trace on the new images and
# the current weights without building a single node, and `backward()` on
# the result adds the same gradients into `.grad` as eager `backward()`
# would. The training code stays the code we would write anyway.
#
# One habit makes a step trace once and replay every time: **labels as
# class probabilities** (one-hot floats). `losses.cross_entropy` takes a
# class index or class probabilities, as PyTorch's does. Floats are the
# trace's inputs; a class index picks one score, so it is part of the call's
# *structure*, and each new combination of 16 indices would be traced
# afresh. The loss needs no other care: its log-sum-exp is a chain of
# `logaddexp` nodes, which never overflows and makes no comparison that a
# trace would have to keep as a *guard*.


# %%
def batch_loss(X, Y):
    return losses.cross_entropy([model(x) for x in X], list(Y))


step = ag.compile(batch_loss)
onehot = np.eye(len(CLASSES))[labels]
first = train[:16]
ours = batch_loss(pictures[first], onehot[first])
check = losses.cross_entropy([model(pictures[k]) for k in first], [int(t) for t in labels[first]])
print(f"with one-hot labels: {ours.data:.15f}; with class indices: {check.data:.15f}")

# %% [markdown]
# Before training, one step's forward and backward both ways, on the same
# batches: the loss and every gradient agree, and the clock says what the
# replay saves. `step.mode` is the tier that ran: "numpy" folds the 16
# copies of the network into array operations (the max-pooling node too: it
# is an op this library defines with `ag.defop`, and the numpy tier calls a
# user op's own forward and local functions element by element); "python"
# would be straight-line Python over floats.


# %%
def forward_backward(fn, batch):
    model.zero_grad()
    loss = fn(pictures[batch], onehot[batch])
    loss.backward()
    return loss.data, [p.grad for p in model.parameters()]


def seconds_per_step(fn, batches):
    times = []
    for batch in batches:
        start = time.perf_counter()
        forward_backward(fn, batch)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


batches = [train[i : i + 16] for i in range(0, 16 * 5, 16)]
start = time.perf_counter()
forward_backward(step, batches[0])  # the first call traces
trace_seconds = time.perf_counter() - start
eager_loss, eager_grads = forward_backward(batch_loss, batches[1])
compiled_loss, compiled_grads = forward_backward(step, batches[1])
worst = max(abs(a - b) / max(abs(a), abs(b), 1e-300) for a, b in zip(eager_grads, compiled_grads))
print(f"tier: {step.mode}; trace and first call {trace_seconds:.2f} s")
print(f"loss eager {eager_loss:.15f}, compiled {compiled_loss:.15f}")
print(f"largest relative difference over {len(eager_grads)} gradients: {worst:.1e}")
eager_step = seconds_per_step(batch_loss, batches)
compiled_step = seconds_per_step(step, batches)
print(
    f"forward + backward of 16 images: eager {1000 * eager_step:.1f} ms, "
    f"compiled {1000 * compiled_step:.1f} ms per step ({eager_step / compiled_step:.0f}x faster)"
)
model.zero_grad()

# %% [markdown]
# Now the training loop, with the compiled step where the eager loss was.

# %%
optimizer = optim.Adam(model.parameters(), lr=0.02)
batch_size, epochs = 16, 15
steps_per_epoch = len(train) // batch_size
history = []
start = time.perf_counter()
for epoch in range(epochs):
    shuffled = np.random.default_rng(epoch).permutation(train)
    for b in range(0, steps_per_epoch * batch_size, batch_size):
        batch = shuffled[b : b + batch_size]
        loss = step(pictures[batch], onehot[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.data)
    if epoch % 3 == 2:
        print(f"epoch {epoch + 1}: mean batch loss {np.mean(history[-steps_per_epoch:]):.4f}")
train_seconds = time.perf_counter() - start
steps = len(history)
print(
    f"{steps} steps in {train_seconds:.1f} s ({1000 * train_seconds / steps:.1f} ms per step "
    f"of {batch_size} images, tier {step.mode}); eagerly that is about "
    f"{steps * eager_step:.0f} s of forward and backward alone"
)


# %%
def accuracy(indices):
    with ag.no_grad():
        predictions = [int(np.argmax([s.data for s in model(pictures[k])])) for k in indices]
    return float(np.mean(np.array(predictions) == labels[indices]))


train_accuracy, test_accuracy = accuracy(train), accuracy(test)
print(
    f"accuracy: {train_accuracy:.1%} on the training images, "
    f"{test_accuracy:.1%} on the {len(test)} test images"
)

plt.figure(figsize=(5, 2.5))
plt.plot(history)
plt.xlabel("step")
plt.ylabel("batch loss")
plt.title("cross-entropy during training")
plt.show()

# %% [markdown]
# ## What the kernels learned
#
# Each kernel is a 3×3 pattern of weights; red weights reward bright
# pixels under them, blue ones penalise them. Below each kernel, its
# feature map on one test image of each class (after relu): where that
# pattern was found.

# %%
kernels = np.array([[[w.data for w in row] for row in conv.weight[o][0]] for o in range(4)])
shown = [test[labels[test] == c][0] for c in range(len(CLASSES))]
limit = np.abs(kernels).max()
fig, axes = plt.subplots(1 + len(shown), 4, figsize=(6, 1.6 * (1 + len(shown))))
for o in range(4):
    axes[0, o].imshow(kernels[o], cmap="RdBu_r", vmin=-limit, vmax=limit)
    axes[0, o].set_title(f"kernel {o}", fontsize=9)
    for row, k in enumerate(shown, start=1):
        with ag.no_grad():
            fmap = np.array([[v.data for v in r] for r in conv(pictures[k])[o]])
        axes[row, o].imshow(fmap, cmap="magma")
        if o == 0:
            axes[row, o].set_ylabel(f"digit {CLASSES[labels[k]]}", fontsize=9)
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
plt.tight_layout()
plt.show()

# %% [markdown]
# ## To PyTorch and back
#
# When the images get bigger, move the model to PyTorch: `to_torch()` gives
# the same network with the same weights (float64), and its predictions
# agree with ours to rounding. (Skipped when PyTorch is not installed.)

# %%
try:
    import torch
except ImportError:
    print("PyTorch is not installed; skipping")
else:
    torch_model = model.to_torch()
    print(torch_model)
    x = torch.tensor(images[test[:50]])[:, None]  # a batch: (50, 1, 8, 8)
    with torch.no_grad():
        theirs = torch_model(x).numpy()
    with ag.no_grad():
        ours = np.array([[s.data for s in model(pictures[k])] for k in test[:50]])
    print(f"largest difference over 50 test images: {np.abs(theirs - ours).max():.1e}")
