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
# # 07 — What a trace is
#
# `ag.compile(fn)` makes a training step 50–100× faster without changing a
# line of it. It is a small *tracing JIT*, the same idea as JAX's `jax.jit`
# and PyTorch's `torch.compile`, and because everything here is scalar and
# pure Python you can look at every piece of it:
#
# 1. **Trace**: run the function once on stand-in Values and write down every
#    operation it performs, in order: the *tape*.
# 2. **Guard**: wherever Python looked at a number to decide something
#    (`if y > 0`, `max(...)`), note the decision. The tape is only valid
#    while those decisions come out the same.
# 3. **Replay**: turn the tape into code that does just the arithmetic, with
#    no Value objects and no graph, and run that on the next calls.
#
# When a guard fails, the call runs eagerly, so the answer is always exactly
# what the plain code gives.

# %%
import time
import warnings

import autograd_lite as ag
from autograd_lite import Value, losses, nn
from autograd_lite.compile.trace import record

# %% [markdown]
# ## 1. The tape
#
# A function of one float argument `x`, with a parameter `w` captured from
# the enclosing scope (as a model's weights are):

# %%
w = Value(0.5, label="w")


def f(x):
    y = w * x + 1.0
    return y.tanh() * y


# %% [markdown]
# `record` runs `f` once with a stand-in Value for `x` and writes down what
# the engine computed. Every entry is a leaf (`arg`: the argument, `param`:
# a captured Value read fresh at every call, `const`: a plain number) or an
# operation on earlier entries. This list *is* the trace.

# %%
trace = record(f, (2.0,), {})
for i, e in enumerate(trace.entries):
    what = e.op if e.kind == "node" else e.kind
    print(f"#{i}  {what:6} inputs={list(e.inputs)!s:8}  value={e.data:.4f}")
print("output: #", trace.output)

# %% [markdown]
# ## 2. The replay is just arithmetic
#
# `ag.compile` turns that tape into straight-line Python: one line per
# entry, plain floats, and a backward function that applies the chain rule
# edge by edge, in reverse. This is the code later calls run:

# %%
step = ag.compile(f)
print(step.code(2.0))

# %% [markdown]
# The result is still a Value you call `backward()` on, and the gradient
# lands in `w.grad`, exactly as with the eager graph:

# %%
loss = step(3.0)
loss.backward()
eager_w_grad = w.grad
w.grad = 0.0
step.eager(3.0).backward()  # the same step, as a full eager graph
print(step.mode, loss.data, eager_w_grad, w.grad)

# %% [markdown]
# ## 3. A guard failing, and the fallback
#
# Control flow is the catch of every tracing JIT: the tape holds only the
# branch that ran. Here the comparison `y > 0` becomes a **guard**, a fact
# the replay checks before trusting its answer.

# %%
def g(x):
    y = w * x
    if y > 0:
        return y * y
    return -y


branchy = ag.compile(g)
print(branchy(4.0).data, branchy.mode)
for guard in record(g, (4.0,), {}).guards:
    print(guard)

# %% [markdown]
# With `x = -4` the guard says no: the replay's answer is thrown away and the
# call runs eagerly, so it is right anyway. `fallback_reason` says why
# (JAX would raise a `ConcretizationTypeError` here; `torch.compile` does
# what we do and recompiles when it keeps happening).

# %%
out = branchy(-4.0)
print(out.data, branchy.mode)
print(branchy.fallback_reason)

# %% [markdown]
# Reading a number out of a traced Value (`y.data`, `float(y)`) is different:
# the number leaves the tape, and nothing can check what Python did with it.
# Such a function always runs eagerly, with one warning naming the line.

# %%
leaky = ag.compile(lambda x: w * x * (w * x).data)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    leaky(2.0)
print(leaky.mode, "|", caught[0].message)

# %% [markdown]
# ## 4. Folding: many samples, one template
#
# A training step applies the same network to every sample. Its tape is the
# same sub-tape a hundred times over, differing only in which input numbers
# it reads. The numpy tier notices: entries that apply the same op to alike
# inputs become **one group**, computed for all members at once, and a group
# of neurons (`dot` nodes) that covers every sample × every neuron becomes a
# matrix product. Here is an MLP step on the moons data:

# %%
X, y = ag.data.make_moons(100, seed=0)
y = 2.0 * y - 1.0  # hinge labels in {-1, +1}
model = nn.MLP(2, [16, 16, 1], seed=0)
params = model.parameters()


def loss_fn(X, y):
    scores = [model(x) for x in X]
    return losses.hinge(scores, y) + 1e-4 * ag.sum([p * p for p in params])


compiled = ag.compile(loss_fn)
compiled(X, y)
print(compiled.mode)
print(compiled.code(X, y).split("def backward")[0])

# %% [markdown]
# 7,900 scalar nodes became about twenty array operations. The names the
# code uses but does not define are fixed when the code is made, from the
# trace: `v2` holds the trace's constants (the 1 of the hinge, the 100 of
# the mean, the 1e-4), `I1`, `I2`, … are index arrays (which parameters
# feed which group of neurons), `Edge_` is the exception a replay raises
# when an input leaves an op's domain (the call then runs eagerly), and `np`
# is numpy. `A` holds the call's numbers, `P` the parameters' current
# values. The gradients are
# the eager ones (to rounding; the matrix products add in another order):

# %%
def grads(make_loss):
    model.zero_grad()
    make_loss().backward()
    return [p.grad for p in params]


a = grads(lambda: compiled(X, y))
b = grads(lambda: compiled.eager(X, y))
print(max(abs(p - q) / max(abs(q), 1e-300) for p, q in zip(a, b)))


# %%
def per_step(run, n):
    start = time.perf_counter()
    for _ in range(n):
        model.zero_grad()
        run().backward()
    return (time.perf_counter() - start) / n


eager_time = per_step(lambda: loss_fn(X, y), 3)
compiled_time = per_step(lambda: compiled(X, y), 30)
print(f"eager {eager_time * 1e3:.1f} ms, compiled {compiled_time * 1e3:.2f} ms per step")

# %% [markdown]
# ## What carries over to JAX and torch.compile
#
# - **Trace once per argument structure.** Shapes and lengths are part of
#   the key, and so is an int that indexes or counts (an int used as a
#   number is data); floats are what varies. A new structure traces again
#   (JAX retraces on new shapes; `torch.compile` on new shapes or ints).
# - **Captured numbers are constants.** A float from the enclosing scope is
#   baked into the tape; pass what changes as an argument. Captured *Values*
#   (the weights) are read fresh every call.
# - **Side effects happen once.** `print` inside a compiled function runs
#   while tracing, not on replays.
# - **Guards keep it honest.** A decision on the data is checked at every
#   call; when it differs, the eager code runs.
# - **The eager graph is one call away.** `compiled.eager(X, y)` builds it, to
#   draw, step through or `explain`.
