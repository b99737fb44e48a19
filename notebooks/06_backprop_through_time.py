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
# # 06 · Backpropagation through time
#
# A recurrent network reads a sequence one step at a time and carries a
# hidden state h from step to step:
#
#     h_t = tanh(W_ih x_t + W_hh h_{t-1} + b)
#
# Unrolled, a sequence of T steps is a deep network of T copies of the same
# layer, all sharing W_ih, W_hh and b. Backpropagation through time is just
# backprop on that unrolled graph, and again a shared weight's gradient is a
# sum: one term per time step that used it. We train a small RNN to continue
# a sine wave, let `ag.explain` show the paths through time, and then watch
# the gradient shrink as it travels back through the steps.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

import autograd_lite as ag
from autograd_lite import losses, nn, optim

# %% [markdown]
# ## Paths through time
#
# The smallest RNN: one input, one hidden unit, four steps h_1 … h_4 from
# the initial state h_0 = 0. The last hidden state depends on the recurrent
# weight w_hh through each of the four steps, so `explain` lists four
# paths. The path that enters at step t passes back through the later
# steps, each adding a factor tanh′ (the activation) and w_hh (the
# recurrence). At step 1, w_hh multiplies h_0 = 0, so that path adds 0.

# %%
tiny = nn.RNN(1, 1, seed=0)
tiny.w_hh[0][0].data = 0.8
hs = tiny([[1.0], [0.5], [-0.5], [1.0]])
for t, h in enumerate(hs, start=1):
    h[0].label = f"h_{t}"
print(ag.explain(hs[-1][0], tiny.w_hh[0][0]))

# %% [markdown]
# With more hidden units every step mixes all of them, and the number of
# paths grows exponentially with the length of the sequence. `explain`
# counts them by dynamic programming without listing them, and their sum
# still equals the gradient `backward()` computes.

# %%
wide = nn.RNN(1, 3, seed=0)
for T in (1, 2, 4, 8, 12):
    hs = wide([[np.sin(0.5 * t + 1.0)] for t in range(T)])
    e = ag.explain(ag.sum(hs[-1]), wide.w_hh[0][1], max_paths=0)
    print(
        f"T = {T:2d}: {e.path_count:>9,} paths from Σ h_T to w_hh[0][1], "
        f"sum {e.total:+.6f}, gradient {e.gradient:+.6f} {'✓' if e.matches else '✗'}"
    )

# %% [markdown]
# ## The task: continue a sine wave
#
# Each training example is a stretch of a sine wave starting at a random
# phase. At every step the network sees the current value and predicts the
# next one, from its hidden state through a linear read-out layer. One
# value alone does not say whether the wave is going up or down; the hidden
# state has to remember where it came from.

# %%
STEPS, DT = 20, 0.3


def wave(phase):
    return np.sin(phase + DT * np.arange(STEPS + 1))


rng = np.random.default_rng(0)
train_waves = [wave(p) for p in rng.uniform(0, 2 * np.pi, size=64)]
test_waves = [wave(p) for p in rng.uniform(0, 2 * np.pi, size=32)]

rnn = nn.RNN(1, 8, activation="tanh", seed=0)
readout = nn.Layer(8, 1, activation="linear", seed=0)
parameters = rnn.parameters() + readout.parameters()
print(rnn, readout, f"{len(parameters)} parameters", sep="\n")


def predict(w):
    """The prediction of w[t + 1] at every step t."""
    return [readout(h) for h in rnn([[v] for v in w[:-1]])]


def test_error():
    with ag.no_grad():
        return float(np.mean([losses.mse(predict(w), w[1:].tolist()).data for w in test_waves]))


# The bar to clear: "the next value is the current one".
baseline = float(np.mean([np.mean((w[1:] - w[:-1]) ** 2) for w in test_waves]))
print(f"mean squared error of repeating the last value: {baseline:.4f}")
print(f"mean squared error of the untrained RNN:        {test_error():.4f}")

# %% [markdown]
# Training: batches of 8 waves, the squared error averaged over every step
# of every wave, Adam. The loss of a batch is compiled with `ag.compile`
# (notebook 07 shows what that does): its first call records the unrolled
# graph of 8 waves × 20 steps once, and every later batch replays that
# recording with the new waves and the current weights, giving the same
# loss and gradients as the eager graph. The batch is passed as one array
# of floats, so each call has the same structure and one trace serves all.


# %%
def batch_loss(batch):
    return ag.sum([losses.mse(predict(w), w[1:].tolist()) for w in batch]) / len(batch)


train_step = ag.compile(batch_loss)
optimizer = optim.Adam(parameters, lr=0.02)
history = []
start = time.perf_counter()
for step in range(200):
    batch = np.array([train_waves[i] for i in np.random.default_rng(step).choice(64, size=8)])
    loss = train_step(batch)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    history.append(loss.data)
seconds = time.perf_counter() - start
trained_error = test_error()
print(
    f"200 steps in {seconds:.1f} s on the {train_step.mode} tier; test error "
    f"{trained_error:.5f} ({baseline / trained_error:.0f}× smaller than repeating the last value)"
)
start = time.perf_counter()
batch_loss(batch).backward()  # the same step, eagerly, for comparison
eager_ms = 1000 * (time.perf_counter() - start)
optimizer.zero_grad()
print(f"per step: {1000 * seconds / 200:.1f} ms compiled (trace included), {eager_ms:.1f} ms eager")

w = test_waves[0]
with ag.no_grad():
    guesses = [p.data for p in predict(w)]
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 2.8))
left.semilogy(history)
left.set_xlabel("step")
left.set_title("training loss")
right.plot(range(1, STEPS + 1), w[1:], "o-", label="next value", markersize=3)
right.plot(range(1, STEPS + 1), guesses, "x--", label="RNN's prediction")
right.set_xlabel("t")
right.legend(fontsize=8)
right.set_title("a test wave")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## How far back does the gradient reach?
#
# Take a long sequence and a loss that looks only at the last hidden state.
# After `backward()`, every hidden state's `.grad` holds ∂L/∂h_t, so its size
# ‖∂L/∂h_t‖ says how strongly step t is still being taught. Going back one
# step multiplies the gradient by W_hhᵀ·diag(act′): if those factors are
# smaller than 1 the gradient shrinks geometrically, the classic
# *vanishing gradient*, and early steps learn nothing.
#
# We compare, on the same random inputs, untrained RNNs of 16 units:
#
# * tanh with this library's default (Glorot) initialisation;
# * tanh with the recurrent weights scaled down by half;
# * sigmoid, whose derivative is at most 1/4;
# * relu with W_hh set to the identity and b = 0 (Le et al.'s "IRNN"),
#   which passes the gradient back unchanged wherever a unit is active.


# %%
def gradient_per_step(activation, scale=1.0, identity=False, length=40, seeds=4):
    """Mean ‖∂L/∂h_t‖ per step t for L = Σ h_T, over a few random sequences."""
    sizes = np.zeros(length)
    for seed in range(seeds):
        net = nn.RNN(1, 16, activation=activation, seed=seed)
        for k, row in enumerate(net.w_hh):
            for j, weight in enumerate(row):
                weight.data = float(k == j) if identity else weight.data * scale
        xs = np.random.default_rng(100 + seed).normal(size=(length, 1))
        hs = net(xs)
        ag.sum(hs[-1]).backward()
        sizes += [np.sqrt(sum(v.grad**2 for v in h)) for h in hs]
    return sizes / seeds


settings = {
    "tanh, default init": ("tanh", 1.0, False),
    "tanh, W_hh × 0.5": ("tanh", 0.5, False),
    "sigmoid, default init": ("sigmoid", 1.0, False),
    "relu, W_hh = identity": ("relu", 1.0, True),
}
curves = {name: gradient_per_step(*args) for name, args in settings.items()}

plt.figure(figsize=(6, 3.2))
for name, sizes in curves.items():
    plt.semilogy(sizes, label=name)
plt.xlabel("time step t (the loss looks at t = 39)")
plt.ylabel("‖∂L/∂h_t‖")
plt.legend(fontsize=8)
plt.title("the gradient on its way back through time")
plt.show()
for name, sizes in curves.items():
    print(f"{name:24s} ‖∂L/∂h_0‖ / ‖∂L/∂h_39‖ = {sizes[0] / sizes[-1]:.1e}")

# %% [markdown]
# Read the plot from right to left, the direction backward runs. The
# printed ratios say how much of the gradient reaching the last step is
# left at the first one: below 1 it vanished on the way, and the further
# below, the less the first steps of a sequence can influence training.
# Smaller recurrent weights and a flatter activation make it vanish
# faster; an identity recurrence with relu keeps it. This is why gated
# cells (LSTM, GRU) and careful initialisation exist.
#
# ## To PyTorch and back
#
# `rnn.to_torch()` is a `torch.nn.RNN` with the same weights (PyTorch's
# second bias set to 0); its hidden states agree with ours to rounding.

# %%
try:
    import torch
except ImportError:
    print("PyTorch is not installed; skipping")
else:
    theirs = rnn.to_torch()
    print(theirs)
    w = test_waves[1]
    with torch.no_grad():
        output, _ = theirs(torch.tensor(w[:-1, None]))
    with ag.no_grad():
        ours = np.array([[v.data for v in h] for h in rnn([[v] for v in w[:-1]])])
    print(f"largest difference over {STEPS} steps: {np.abs(output.numpy() - ours).max():.1e}")
