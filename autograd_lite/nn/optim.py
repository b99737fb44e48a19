"""Optimizers: turn the gradients left by ``backward()`` into better parameters.

``SGD`` and ``Adam`` follow ``torch.optim``'s formulas operation for
operation, so a step matches PyTorch's to rounding. A step is all or
nothing: every new value is computed and checked to be finite before any
parameter or buffer changes. A parameter whose ``.grad`` is None has no
gradient and is skipped, as in PyTorch. Hyperparameters are checked when the
optimizer is made, naming the valid range. The learning rate may be a number
or a schedule, a function of the number of steps taken so far (0 for the
first step). ``state_dict()`` is strict JSON whatever the gradients were
(non-finite numbers are written as the strings "inf", "-inf" and "nan"), and
``load_state_dict()`` takes back only a state a run could have left: it
checks every entry before it changes anything.

Example:
    >>> from autograd_lite import Value, optim
    >>> w = Value(3.0)
    >>> opt = optim.SGD([w], lr=0.1)
    >>> loss = w * w
    >>> loss.backward(); opt.step()      # w <- w - lr · dE/dw = 3 - 0.1 · 6
    >>> round(w.data, 12)
    2.4
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from numbers import Integral, Real
from typing import Any, ClassVar

from ..core import Value

#: A learning rate: a number, or a function of the step number (0, 1, 2, ...).
LearningRate = float | Callable[[int], float]


def _check_params(params: Iterable[Value], who: str) -> list[Value]:
    if isinstance(params, Value):
        raise TypeError(f"{who} needs an iterable of Values, got a single Value; wrap it in [ ]")
    try:
        ps = list(params)
    except TypeError:
        raise TypeError(
            f"{who} needs an iterable of Values such as model.parameters(), "
            f"got {type(params).__name__}"
        ) from None
    if not ps:
        raise ValueError(f"{who} got an empty parameter list; pass model.parameters()")
    for i, p in enumerate(ps):
        if not isinstance(p, Value):
            raise TypeError(
                f"{who} parameters must be Values, but parameter {i} is {type(p).__name__} {p!r}"
            )
        if p.inputs:
            raise ValueError(
                f"{who} can only optimize leaf Values, but parameter {i} is the result of "
                f"{p.op!r}: {p!r}"
            )
    seen: set[Value] = set()
    for i, p in enumerate(ps):
        if p in seen:  # it would be updated twice per step
            raise ValueError(f"{who} got the same Value twice (again as parameter {i}): {p!r}")
        seen.add(p)
    return ps


def _check_hyper(
    value: object,
    name: str,
    who: str,
    upper: float = math.inf,
    *,
    lower_open: bool = False,
    upper_closed: bool = False,
) -> float:
    """A finite float in [0, upper) (or (0, ...) / ..., upper]), else an error naming the range."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{who} {name} must be a number, got {type(value).__name__} {value!r:.60}")
    try:
        v = float(value)
    except OverflowError:
        v = math.inf
    above = v > 0.0 if lower_open else v >= 0.0
    below = v <= upper if upper_closed else v < upper
    if not (above and below and math.isfinite(v)):  # also rejects NaN
        bound = f"{'(' if lower_open else '['}0, {upper:g}{']' if upper_closed else ')'}"
        raise ValueError(f"{who} {name} must be in {bound}, got {v!r}")
    return v


def _encode(x: float | None) -> float | str | None:
    """A float for strict JSON: non-finite values become "inf", "-inf" or "nan"."""
    if x is None or math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


_DECODE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def _name(p: Value, i: int) -> str:
    return f"parameter {i} ({p.label!r})" if p.label else f"parameter {i}"


class Optimizer:
    """The shared parts: parameters, learning rate, step count, state, the safe update.

    A subclass lists its per-parameter buffers in ``buffer_names`` and
    implements :meth:`_update`, which returns new values without assigning.

    Example:
        >>> from autograd_lite import Value
        >>> opt = SGD([Value(1.0)], lr=lambda step: 0.1 / (1 + step))
        >>> opt.current_lr()
        0.1
    """

    buffer_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: Iterable[Value], lr: LearningRate) -> None:
        who = type(self).__name__
        self.params = _check_params(params, who)
        if not callable(lr):
            _check_hyper(lr, "lr", who)
        self.lr: LearningRate = lr
        #: Number of steps taken so far.
        self.steps = 0
        #: Per-parameter buffers by name; None until the first step creates them.
        self.state: dict[str, list[Any] | None] = dict.fromkeys(self.buffer_names)

    def current_lr(self) -> float:
        """The learning rate the next step will use (a schedule is called with ``steps``).

        Example:
            >>> from autograd_lite import Value
            >>> SGD([Value(1.0)], lr=0.5).current_lr()
            0.5
        """
        lr = self.lr(self.steps) if callable(self.lr) else self.lr
        if isinstance(lr, bool) or not isinstance(lr, Real) or not 0.0 <= float(lr) < math.inf:
            raise ValueError(
                f"{type(self).__name__} learning rate at step {self.steps} must be a finite "
                f"number >= 0, got {lr!r}"
            )
        return float(lr)

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0 before the next ``backward()``.

        Example:
            >>> from autograd_lite import Value
            >>> w = Value(2.0); (w * w).backward(); SGD([w], lr=0.1).zero_grad()
            >>> w.grad
            0.0
        """
        for p in self.params:
            p.grad = 0.0

    def _grads(self) -> list[float | None]:
        """Every parameter's gradient as a float; None where ``.grad`` is None (no gradient)."""
        grads: list[float | None] = []
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                grads.append(None)
                continue
            if type(g) is not float:
                if isinstance(g, Value):  # a Value after create_graph
                    g = g.data
                elif isinstance(g, Real) and not isinstance(g, bool):
                    try:
                        g = float(g)
                    except OverflowError:
                        g = math.inf
                else:
                    raise TypeError(
                        f"{type(self).__name__}.step: {_name(p, i)} has a gradient of type "
                        f"{type(g).__name__} ({g!r:.40}), not a number; nothing was updated"
                    )
            if not math.isfinite(g):
                raise ValueError(
                    f"{type(self).__name__}.step: {_name(p, i)} has gradient {g!r}; "
                    f"nothing was updated"
                )
            grads.append(g)
        return grads

    def _update(
        self, lr: float, grads: list[float | None]
    ) -> tuple[list[float], dict[str, list[Any] | None]]:
        """New parameter values and buffers, computed without assigning anything."""
        raise NotImplementedError

    def step(self) -> None:
        """Update every parameter from its ``.grad``; all of them, or (on an error) none.

        A parameter whose ``.grad`` is None is skipped: its value and its
        buffers stay as they are (as in PyTorch).

        Raises:
            ValueError: a gradient, or a parameter's new value, is not finite.
            TypeError: a gradient is not a number (nor a Value, nor None).

        Example:
            >>> from autograd_lite import Value
            >>> w = Value(1.0); w.grad = 2.0
            >>> opt = SGD([w], lr=0.25); opt.step(); w.data, opt.steps
            (0.5, 1)
        """
        lr = self.current_lr()
        grads = self._grads()
        new_data, new_state = self._update(lr, grads)
        i = -1
        if not all(map(math.isfinite, new_data)):  # a skipped parameter may already be inf
            changed = zip(range(len(grads)), new_data, grads)
            i = next((i for i, v, g in changed if g is not None and not math.isfinite(v)), -1)
        if i >= 0:
            raise ValueError(
                f"{type(self).__name__}.step: {_name(self.params[i], i)} would become "
                f"{new_data[i]!r}; nothing was updated"
            )
        for p, v in zip(self.params, new_data):
            p.data = v
        self.state = new_state
        self.steps += 1

    def state_dict(self) -> dict[str, Any]:
        """The step count and the buffers, as strict JSON whatever the gradients were.

        A buffer is None before the first step, else one entry per parameter;
        a non-finite entry is the string "inf", "-inf" or "nan", and an entry
        for a parameter that never had a gradient may be None.

        Example:
            >>> from autograd_lite import Value
            >>> Adam([Value(1.0)]).state_dict()
            {'steps': 0, 'exp_avg': None, 'exp_avg_sq': None, 'step': None}
            >>> w = Value(1.0); w.grad = 1e200; opt = Adam([w]); opt.step()
            >>> opt.state_dict()["exp_avg_sq"]
            ['inf']
        """
        buffers = {
            k: (None if b is None else [_encode(x) for x in b]) for k, b in self.state.items()
        }
        return {"steps": self.steps, **buffers}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict`; strict and all-or-nothing, like ``Module.load_state_dict``.

        Every entry is checked before anything changes, so a refused state
        leaves the optimizer exactly as it was. Only a state the optimizer
        could have reached loads: buffer entries are finite numbers, except
        where a buffer says otherwise (Adam's ``exp_avg_sq`` is >= 0 and may be
        inf, written "inf", as after a gradient whose square overflowed; SGD's
        momentum is None for a parameter that never had a gradient), and
        the buffers agree with each other and with ``steps`` (see
        :meth:`_check_state`). Keys listed in ``optional_buffers`` may be
        missing (a state saved by an older version).

        Raises:
            TypeError: ``state`` is not a dict.
            ValueError: a key is missing or unknown, or an entry is out of
                range; the message names the key, the parameter and the value.

        Example:
            >>> from autograd_lite import Value
            >>> w = Value(1.0); w.grad = 1.0
            >>> a = Adam([w], lr=0.1); a.step()
            >>> b = Adam([w], lr=0.1); b.load_state_dict(a.state_dict()); b.steps
            1
        """
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, Mapping):
            raise TypeError(f"{who} needs a dict, got {type(state).__name__}")
        expected = {"steps", *self.buffer_names}
        required = expected - set(self.optional_buffers)
        if not required <= set(state) <= expected:
            raise ValueError(f"{who} needs exactly the keys {sorted(expected)}, got {list(state)}")
        steps = state["steps"]
        if isinstance(steps, bool) or not isinstance(steps, Integral) or steps < 0:
            raise ValueError(f"{who}: 'steps' must be an int >= 0, got {steps!r:.40}")
        buffers: dict[str, list[Any] | None] = {}
        for name in self.buffer_names:
            buf = state.get(name)
            if buf is not None:
                if hasattr(buf, "tolist") and getattr(buf, "ndim", 0) == 1:
                    buf = buf.tolist()
                if not isinstance(buf, (list, tuple)) or len(buf) != len(self.params):
                    raise ValueError(
                        f"{who}: {name!r} must be None or a list of {len(self.params)} numbers "
                        f"({self._buffer_rule(name)}), got {buf!r:.80}"
                    )
                buf = [self._buffer_entry(name, i, v, who) for i, v in enumerate(buf)]
            buffers[name] = buf
        self._complete(buffers, int(steps))
        self._check_state(buffers, int(steps), who)
        self.steps = int(steps)
        self.state = buffers

    #: Buffers a state dict may leave out (added in a later version); see :meth:`_complete`.
    optional_buffers: ClassVar[tuple[str, ...]] = ()
    #: Buffers whose entries may be None (a parameter that never had a gradient).
    nullable_buffers: ClassVar[tuple[str, ...]] = ()
    #: Buffers that count steps: their entries are ints >= 0.
    count_buffers: ClassVar[tuple[str, ...]] = ()
    #: Buffers of squares: their entries are >= 0 and may be inf (a square that overflowed).
    square_buffers: ClassVar[tuple[str, ...]] = ()

    def _buffer_rule(self, name: str) -> str:
        if name in self.count_buffers:
            return "ints >= 0"
        extra = " or None" if name in self.nullable_buffers else ""
        if name in self.square_buffers:
            return f'numbers >= 0, or "inf"{extra}'
        return f"finite numbers{extra}"

    def _buffer_entry(self, name: str, i: int, v: object, who: str) -> Any:
        """One buffer entry from a state dict as the optimizer keeps it; else a ValueError."""
        if v is None and name in self.nullable_buffers:
            return None
        if name in self.count_buffers:
            if isinstance(v, Integral) and not isinstance(v, bool) and int(v) >= 0:
                return int(v)
        elif isinstance(v, str) and v in _DECODE:
            x = _DECODE[v]
            if name in self.square_buffers and x == math.inf:
                return x
        elif isinstance(v, Real) and not isinstance(v, bool):
            try:
                x = float(v)
            except OverflowError:
                x = math.nan
            in_range = x >= 0.0 if name in self.square_buffers else math.isfinite(x)
            if in_range:  # (NaN is in no range)
                return x
        raise ValueError(
            f"{who}: {name!r} entry {i} ({_name(self.params[i], i)}) is {v!r:.40}; "
            f"its entries must be {self._buffer_rule(name)}"
        )

    def _complete(self, buffers: dict[str, list[Any] | None], steps: int) -> None:
        """Fill in the optional buffers a state dict left out (nothing to do by default)."""

    def _check_state(self, buffers: dict[str, list[Any] | None], steps: int, who: str) -> None:
        """Raise ValueError where the buffers disagree with each other or with ``steps``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr!r})"


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD``.

    For each parameter w with gradient g:

        g ← g + weight_decay · w                      (coupled weight decay)
        b ← g on the first step, else momentum · b + (1 - dampening) · g
        g ← g + momentum · b if nesterov, else b      (when momentum ≠ 0)
        w ← w - lr · g

    With the defaults this is plain gradient descent, w ← w - lr · dE/dw.

    Example:
        >>> from autograd_lite import Value
        >>> w = Value(1.0)
        >>> opt = SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     w.grad = 1.0
        ...     opt.step()
        >>> round(w.data, 12)                      # 1 - 0.1·1 - 0.1·(0.9 + 1)
        0.71
    """

    buffer_names = ("momentum_buffer",)
    nullable_buffers = ("momentum_buffer",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        *,
        dampening: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check_hyper(momentum, "momentum", "SGD")
        self.weight_decay = _check_hyper(weight_decay, "weight_decay", "SGD")
        self.dampening = _check_hyper(dampening, "dampening", "SGD", 1.0, upper_closed=True)
        if not isinstance(nesterov, bool):
            raise TypeError(f"SGD nesterov must be True or False, got {nesterov!r:.40}")
        self.nesterov = nesterov
        if self.nesterov and (self.momentum <= 0.0 or self.dampening != 0.0):
            raise ValueError("SGD with nesterov=True needs momentum > 0 and dampening = 0")

    def _update(
        self, lr: float, grads: list[float | None]
    ) -> tuple[list[float], dict[str, list[Any] | None]]:
        params, wd, mu = self.params, self.weight_decay, self.momentum
        if not wd and not mu:  # plain gradient descent: the hot path
            return [
                p.data if g is None else p.data - lr * g for p, g in zip(params, grads)
            ], self.state
        old = self.state["momentum_buffer"]
        buffers: list[float | None] = []
        new: list[float] = []
        for i, (p, g) in enumerate(zip(params, grads)):
            w = p.data
            if g is None:  # no gradient: the parameter and its buffer stay as they are
                buffers.append(None if old is None else old[i])
                new.append(w)
                continue
            if wd:
                g = g + wd * w
            if mu:
                prev = None if old is None else old[i]
                b = g if prev is None else prev * mu + (1.0 - self.dampening) * g
                buffers.append(b)
                g = g + mu * b if self.nesterov else b
            new.append(w - lr * g)
        return new, {"momentum_buffer": buffers if mu else None}

    def __repr__(self) -> str:
        extra = "".join(
            f", {k}={v!r}"
            for k, v in (("momentum", self.momentum), ("weight_decay", self.weight_decay))
            if v
        )
        return f"SGD({len(self.params)} parameters, lr={self.lr!r}{extra})"


class Adam(Optimizer):
    """Adam with bias correction, as ``torch.optim.Adam`` (coupled weight decay, no amsgrad).

    At step t (1, 2, ...), for each parameter w with gradient g:

        g ← g + weight_decay · w
        m ← m + (1 - β₁)(g - m)          v ← β₂ v + (1 - β₂) g²
        w ← w - (lr / (1 - β₁ᵗ)) · m / (√v / √(1 - β₂ᵗ) + eps)

    Example:
        >>> from autograd_lite import Value
        >>> w = Value(1.0); w.grad = 0.5
        >>> opt = Adam([w], lr=0.1); opt.step()
        >>> round(w.data, 6)                      # the first step moves by ~lr
        0.9
    """

    #: ``step`` counts each parameter's own updates (it skips steps without a gradient).
    buffer_names = ("exp_avg", "exp_avg_sq", "step")
    optional_buffers = ("step",)
    count_buffers = ("step",)
    square_buffers = ("exp_avg_sq",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam betas must be a pair (beta1, beta2), got {betas!r:.60}")
        self.betas = (
            _check_hyper(betas[0], "beta1", "Adam", upper=1.0),
            _check_hyper(betas[1], "beta2", "Adam", upper=1.0),
        )
        # eps = 0 would divide by zero on the first exactly-zero gradient (a dead relu).
        self.eps = _check_hyper(eps, "eps", "Adam", lower_open=True)
        self.weight_decay = _check_hyper(weight_decay, "weight_decay", "Adam")

    def _update(
        self, lr: float, grads: list[float | None]
    ) -> tuple[list[float], dict[str, list[Any] | None]]:
        beta1, beta2 = self.betas
        wd, eps = self.weight_decay, self.eps
        n = len(self.params)
        ms = self.state["exp_avg"] or [0.0] * n
        vs = self.state["exp_avg_sq"] or [0.0] * n
        ks = self.state["step"] or [0] * n
        weight = 1 - beta1  # torch's lerp weight; it switches formula at 0.5
        corrections: dict[int, tuple[float, float]] = {}  # per step count; usually just one
        new, new_m, new_v, new_k = [], [], [], []
        for p, g, m, v, k in zip(self.params, grads, ms, vs, ks):
            w = p.data
            if g is not None:
                k += 1
                if k not in corrections:
                    # The same scalar arithmetic, in the same order, as torch's single-tensor Adam.
                    corrections[k] = (lr / (1 - beta1**k), (1 - beta2**k) ** 0.5)
                step_size, bias_correction2_sqrt = corrections[k]
                if wd:
                    g = g + wd * w
                m = m + weight * (g - m) if weight < 0.5 else g - (g - m) * (1 - weight)
                v = v * beta2 + (1 - beta2) * g * g
                denom = math.sqrt(v) / bias_correction2_sqrt + eps
                w = w + (-step_size) * m / denom
            new.append(w)
            new_m.append(m)
            new_v.append(v)
            new_k.append(k)
        return new, {"exp_avg": new_m, "exp_avg_sq": new_v, "step": new_k}

    def _complete(self, buffers: dict[str, list[Any] | None], steps: int) -> None:
        """A state without per-parameter counts (version 0.1): every parameter took every step."""
        if buffers.get("step") is None and buffers.get("exp_avg") is not None:
            buffers["step"] = [steps] * len(self.params)

    def _check_state(self, buffers: dict[str, list[Any] | None], steps: int, who: str) -> None:
        """The moments and counts come together and agree, as only a real run leaves them.

        ``exp_avg``, ``exp_avg_sq`` and ``step`` are all lists or all None; no
        parameter took more steps than the optimizer; a parameter that took
        none has moments 0 (so a parameter with moments has step >= 1).
        """
        m, v, k = buffers["exp_avg"], buffers["exp_avg_sq"], buffers["step"]
        if not (m is None) == (v is None) == (k is None):
            shown = ", ".join(f"{n}={'a list' if b else None}" for n, b in buffers.items())
            raise ValueError(
                f"{who}: 'exp_avg', 'exp_avg_sq' and 'step' must all be lists or all be None, "
                f"got {shown}"
            )
        if m is None or v is None or k is None:
            return
        for i, (mi, vi, ki) in enumerate(zip(m, v, k)):
            if ki > steps:
                raise ValueError(
                    f"{who}: 'step' entry {i} ({_name(self.params[i], i)}) is {ki}, more than "
                    f"the optimizer's 'steps' {steps}"
                )
            if ki == 0 and (mi != 0.0 or vi != 0.0):
                raise ValueError(
                    f"{who}: {_name(self.params[i], i)} has moments exp_avg={mi!r}, "
                    f"exp_avg_sq={vi!r} but 'step' entry {i} is 0; a parameter with moments "
                    f"has taken at least 1 step"
                )

    def __repr__(self) -> str:
        return (
            f"Adam({len(self.params)} parameters, lr={self.lr!r}, betas={self.betas!r}, "
            f"eps={self.eps!r}, weight_decay={self.weight_decay!r})"
        )
