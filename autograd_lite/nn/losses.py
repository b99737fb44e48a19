"""Loss functions: how wrong a prediction is, as a Value to call ``backward()`` on.

Each loss takes one prediction and one target, or a list of predictions and
a list of targets of the same length; lists reduce by the mean (or
``reduction="sum"``, or ``"none"`` for the list of per-item losses). The
formulas follow PyTorch's, including the numerically stable forms:
``binary_cross_entropy_with_logits`` and ``cross_entropy`` never overflow,
and ``softmax`` subtracts the largest input (a constant) before exponentiating.

Predictions and targets are numbers or Values, one of each or lists, tuples
or arrays of them; anything else (a generator, a set, None) is a TypeError
naming the loss, as is a bool label (a class is written as a number), and
``reduction`` is checked even for a single pair.

The losses are written to trace well under ``ag.compile``: targets take part
as operands (a float target is a constant, a Value target an input), every
decision on a Value is a comparison (a guard in a trace), and nothing reads
``.data``.

Example:
    >>> from autograd_lite import Value, losses
    >>> y = Value(0.75)
    >>> e = losses.squared_error(y, 0.01)   # the textbook error 1/2 (t - y)²
    >>> e.backward()
    >>> round(e.data, 6), round(y.grad, 2)  # dE/dy = y - t
    (0.2738, 0.74)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Sequence
from numbers import Real
from typing import Any, Literal

from ..core import Value, defop, log, log1p, logaddexp, maximum
from ..core import sum as value_sum

Reduction = Literal["mean", "sum", "none"]

#: log() of a probability is clamped here, as in PyTorch: a certain, wrong
#: prediction costs 100 instead of infinity.
LOG_FLOOR = -100.0


# --- shared plumbing -------------------------------------------------------


def _is_list(x: object) -> bool:
    if isinstance(x, (list, tuple)):
        return True
    return not isinstance(x, Value) and getattr(x, "ndim", 0) >= 1


def _is_scalar(x: object) -> bool:
    return isinstance(x, (Value, Real)) or getattr(x, "shape", None) == ()


def _is_bool(x: object) -> bool:
    """A Python or numpy bool: a label that means a class, not a number."""
    return isinstance(x, bool) or getattr(getattr(x, "dtype", None), "kind", None) == "b"


def _as_list(x: Any) -> list[Any]:
    return x.tolist() if hasattr(x, "tolist") and not isinstance(x, (list, tuple)) else list(x)


def _as_value(x: object, name: str) -> Value:
    if isinstance(x, Value):
        return x
    if _is_scalar(x):
        return Value(x)
    raise TypeError(f"{name} needs numbers or Values as predictions, got {type(x).__name__} {x!r}")


def _label(x: object, name: str) -> Any:
    """A target as a float, or the Value itself (then it takes part as an operand)."""
    if isinstance(x, Value):
        return x
    if _is_bool(x):
        raise TypeError(
            f"{name} needs numbers as targets, got the bool {x!r}; write the label as a number"
        )
    if _is_scalar(x):
        return float(x)  # type: ignore[arg-type]
    raise TypeError(f"{name} needs numbers as targets, got {type(x).__name__} {x!r}")


def _shown(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


def _describe(x: object) -> str:
    if _is_list(x):
        return f"a list of {len(_as_list(x))}"
    return "a single value" if _is_scalar(x) else f"a {type(x).__name__}"


def _check_reduction(name: str, reduction: object) -> None:
    """Checked up front, so a single pair (which it does not change) is checked too."""
    if not isinstance(reduction, str):
        raise TypeError(
            f"{name} reduction must be 'mean', 'sum' or 'none', got {type(reduction).__name__} "
            f"{reduction!r:.40}"
        )
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{name} reduction must be 'mean', 'sum' or 'none', got {reduction!r:.40}")


def _check_kind(x: object, name: str, role: str) -> None:
    """One number or Value, or a list, tuple or array of them; a generator, set, dict or
    string is refused (a loss pairs predictions with targets by position, so it takes
    sequences it can measure, not iterators it would use up)."""
    if _is_list(x) or _is_scalar(x):
        return
    if isinstance(x, Iterable) and not isinstance(x, (str, bytes)):
        got = f"a {type(x).__name__}; pass a list, e.g. list(...)"
    else:
        got = f"{type(x).__name__} {x!r:.40}"
    raise TypeError(
        f"{name} needs numbers or Values as {role} (one, or a list, tuple or array of them), "
        f"got {got}"
    )


def _elementwise(
    name: str,
    pred: Any,
    target: Any,
    term: Callable[[Any, Any], Value],
    reduction: Reduction,
) -> Any:
    """Apply ``term(prediction, target)`` to one pair or to matching lists, then reduce."""
    _check_reduction(name, reduction)
    _check_kind(pred, name, "predictions")
    _check_kind(target, name, "targets")
    if _is_list(pred) != _is_list(target):
        raise ValueError(
            f"{name} got {_describe(pred)} prediction(s) but {_describe(target)} target(s); "
            f"pass one of each, or two lists of the same length"
        )
    if not _is_list(pred):
        return term(pred, target)
    preds, targets = _as_list(pred), _as_list(target)
    if len(preds) != len(targets):
        raise ValueError(
            f"{name} got {len(preds)} predictions but {len(targets)} targets; they must match"
        )
    return _reduce(name, [term(p, t) for p, t in zip(preds, targets)], reduction)


def _reduce(name: str, terms: list[Value], reduction: Reduction) -> Any:
    if reduction == "none":
        return terms
    if not terms:
        raise ValueError(f"{name} got empty lists; there is nothing to average")
    if reduction == "sum":
        return value_sum(terms)
    return value_sum(terms) / len(terms)


#: The floor under p·(1 - p) in the slope of binary cross-entropy: torch's
#: ``EPSILON = 1e-12``, which torch keeps as a float32 (hence not exactly 1e-12).
BCE_EPSILON = 9.999999960041972e-13


def _bce_forward(p: float, t: float) -> float:
    """torch's per-element BCE: (t - 1)·max(log(1 - p), -100) - t·max(log p, -100)."""
    log_q = max(math.log1p(-p), LOG_FLOOR) if p < 1.0 else LOG_FLOOR
    log_p = max(math.log(p), LOG_FLOOR) if p > 0.0 else LOG_FLOOR
    # + 0.0: a perfect prediction costs 0.0, never -0.0 (as torch's loss reads).
    return (t - 1.0) * log_q - t * log_p + 0.0


def _bce_local(out: Any, p: Any, t: Any) -> tuple[Any, Any]:
    """torch's derivatives, whatever the clamp does to the value.

    ∂/∂p = (p - t) / max(p·(1 - p), ε): large but finite at p = 0 or 1, where
    the clamped value is flat (torch's choice: a saturated prediction still
    learns). ∂/∂t = log(1 - p) - log p = -logit(p), unclamped: ±inf at p = 1 or 0.
    Written with ag functions, so it works on floats and on Values (higher order).
    """
    dp = (p - t) / maximum((1.0 - p) * p, BCE_EPSILON)
    if p <= 0.0:
        dt: Any = math.inf
    elif p >= 1.0:
        dt = -math.inf
    else:
        dt = log1p(-p) - log(p)
    return dp, dt


#: One node per example: binary_cross_entropy(p, t), value and slopes as torch's.
bce_op = defop("binary_cross_entropy", _bce_forward, _bce_local)


# --- regression ------------------------------------------------------------


def squared_error(pred: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """The textbook error E = ½ (t - y)², whose derivative is simply dE/dy = y - t.

    Args:
        pred: a prediction (Value or number) or a list of them.
        target: a target (number or Value) or a list of them.
        reduction: for lists: "mean" (default), "sum" or "none".

    Example:
        >>> from autograd_lite import Value
        >>> squared_error(Value(3.0), 1.0).data
        2.0
    """

    def term(p: Any, t: Any) -> Value:
        d = _as_value(p, "squared_error") - _label(t, "squared_error")
        return 0.5 * (d * d)

    return _elementwise("squared_error", pred, target, term, reduction)


def mse(pred: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """Mean squared error (y - t)², as ``torch.nn.functional.mse_loss``.

    Example:
        >>> from autograd_lite import Value
        >>> mse([Value(1.0), Value(2.0)], [0.0, 4.0]).data    # (1 + 4) / 2
        2.5
    """

    def term(p: Any, t: Any) -> Value:
        d = _as_value(p, "mse") - _label(t, "mse")
        return d * d

    return _elementwise("mse", pred, target, term, reduction)


# --- binary classification -------------------------------------------------


def binary_cross_entropy(prob: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """-(t·log p + (1 - t)·log(1 - p)) for a probability p in [0, 1] and a target t in [0, 1].

    As in PyTorch, each log is clamped at -100, so p = 0 or 1 gives a large
    finite loss rather than infinity, while the gradient is torch's
    (p - t) / max(p·(1 - p), 1e-12) even where the clamp holds the value flat
    (and -logit(p) for a Value target). Each example is one node, op
    ``"binary_cross_entropy"``. Prefer
    :func:`binary_cross_entropy_with_logits` on raw scores: it is stable
    for any score and never saturates.

    Example:
        >>> from autograd_lite import Value
        >>> round(binary_cross_entropy(Value(0.8), 1).data, 6)     # -log 0.8
        0.223144
    """

    def term(p: Any, t: Any) -> Value:
        p = _as_value(p, "binary_cross_entropy")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"binary_cross_entropy needs a probability in [0, 1], got {p!r}")
        y = _label(t, "binary_cross_entropy")
        if not 0.0 <= y <= 1.0:
            raise ValueError(f"binary_cross_entropy needs a target in [0, 1], got {_shown(y)!r}")
        return bce_op(p, y)

    return _elementwise("binary_cross_entropy", prob, target, term, reduction)


def binary_cross_entropy_with_logits(logit: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """Binary cross-entropy of σ(z) against t, computed stably from the score z.

    Uses PyTorch's form (1 - t)·z + log(1 + e^-z), with ``ag.logaddexp(0, -z)``
    for the log: no exp() ever overflows, the gradient is exactly σ(z) - t,
    also at z = 0, and an infinite score gives what PyTorch gives (z = +inf
    costs inf for t < 1, where log(1 + e^z) - t·z would be inf - inf = nan).

    Example:
        >>> from autograd_lite import Value
        >>> z = Value(0.0)
        >>> loss = binary_cross_entropy_with_logits(z, 1)
        >>> loss.backward(); round(loss.data, 6), z.grad     # log 2, σ(0) - 1
        (0.693147, -0.5)
    """

    def term(z: Any, t: Any) -> Value:
        z = _as_value(z, "binary_cross_entropy_with_logits")
        y = _label(t, "binary_cross_entropy_with_logits")
        # A Value target is taken as it is: comparing it would make every
        # compiled step guard on its labels (and leave the trace when they change).
        if not isinstance(y, Value) and not 0.0 <= y <= 1.0:
            raise ValueError(
                f"binary_cross_entropy_with_logits needs a target in [0, 1], got {_shown(y)!r}"
            )
        # (1 - t)·z + log(1 + e^-z), torch's own form, with log(1 + e^-z) =
        # logaddexp(0, -z): no exp() overflows, no branch (so a trace needs no
        # guard), the slope is exactly σ(z) - t, and z = +inf gives inf (not
        # the inf - 0·inf = nan of log(1 + e^z) - t·z) as torch does.
        return (1.0 - y) * z + logaddexp(0.0, -z)

    return _elementwise("binary_cross_entropy_with_logits", logit, target, term, reduction)


def hinge(score: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """The max-margin loss max(0, 1 - t·s) for a raw score s and a label t in {-1, +1}.

    Example:
        >>> from autograd_lite import Value
        >>> hinge(Value(0.25), 1).data, hinge(Value(3.0), 1).data
        (0.75, 0.0)
    """

    def term(s: Any, t: Any) -> Value:
        y = _label(t, "hinge")
        # A Value label is taken as it is: comparing it would make every
        # compiled step guard on its labels (and leave the trace when they change).
        if not isinstance(y, Value) and y not in (-1.0, 1.0):
            raise ValueError(
                f"hinge needs labels -1 or +1, got {t!r}; "
                f"map 0/1 labels with 2 * y - 1, or use data.make_moons(labels=(-1, 1))"
            )
        return (1.0 - y * _as_value(s, "hinge")).relu()

    return _elementwise("hinge", score, target, term, reduction)


# --- multi-class classification --------------------------------------------


def _logits(values: Any, name: str) -> list[Value]:
    if not _is_list(values):
        raise TypeError(f"{name} needs a list of scores, got {type(values).__name__}")
    vs = [_as_value(v, name) for v in _as_list(values)]
    if not vs:
        raise ValueError(f"{name} needs at least one score, got an empty list")
    for v in vs:
        if not -math.inf < v < math.inf:
            raise ValueError(f"{name} needs finite scores, got {v!r}")
    return vs


def logsumexp(values: Sequence[Any]) -> Value:
    """log Σ e^zᵢ, stable for any z: a chain of ``ag.logaddexp`` nodes, no max() to pick.

    Nothing overflows (each step is log(e^a + e^b) computed from the larger of
    the two), and since no comparison decides anything, ``ag.compile`` traces
    it without guards. ∂/∂zᵢ = softmax(z)ᵢ.

    Example:
        >>> from autograd_lite import Value
        >>> round(logsumexp([Value(0.0), Value(0.0)]).data, 6)
        0.693147
        >>> logsumexp([Value(1000.0), Value(1000.0)]).data > 1000
        True
    """
    vs = _logits(values, "logsumexp")
    total = vs[0]
    for v in vs[1:]:
        total = logaddexp(total, v)
    return total if len(vs) > 1 else total + 0.0


def softmax(values: Sequence[Any]) -> list[Value]:
    """Probabilities e^zᵢ / Σⱼ e^zⱼ, computed after subtracting max z (so nothing overflows).

    Example:
        >>> from autograd_lite import Value
        >>> [round(p.data, 4) for p in softmax([Value(1.0), Value(2.0), Value(1000.0)])]
        [0.0, 0.0, 1.0]
    """
    vs = _logits(values, "softmax")
    lse = logsumexp(vs)
    return [(v - lse).exp() for v in vs]


def log_softmax(values: Sequence[Any]) -> list[Value]:
    """log softmax(z)ᵢ = zᵢ - log Σⱼ e^zⱼ via the log-sum-exp trick.

    Example:
        >>> [round(v.data, 4) for v in log_softmax([0.0, 0.0])]
        [-0.6931, -0.6931]
    """
    vs = _logits(values, "log_softmax")
    lse = logsumexp(vs)
    return [v - lse for v in vs]


def _class_index(t: object, n: int) -> int:
    if isinstance(t, bool):
        raise TypeError(f"cross_entropy needs an integer class index, got {t!r}")
    try:
        i = operator.index(t)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"cross_entropy needs an integer class index, got {type(t).__name__} {t!r}"
        ) from None
    if not 0 <= i < n:
        raise ValueError(f"cross_entropy target index {i} is out of range for {n} classes")
    return i


def cross_entropy(logits: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """-log softmax(z)[target] for raw scores z and a class index, log-sum-exp stable.

    The target is a class index, or class probabilities (a list as long as
    the scores, e.g. one-hot floats: -Σ pᵢ log softmax(z)ᵢ), as in
    ``torch.nn.functional.cross_entropy``. Pass one list of scores and one
    target, or a list of score lists and a list of targets (reduced by
    ``reduction``). Probabilities are data to ``ag.compile``, while a class
    index picks a node, so it is part of the trace's structure: a training
    step compiled once for every batch takes probabilities.

    Example:
        >>> from autograd_lite import Value
        >>> z = [Value(2.0), Value(0.5), Value(-1.0)]
        >>> loss = cross_entropy(z, 0)
        >>> loss.backward()
        >>> round(loss.data, 4), round(z[0].grad, 4)        # dL/dz₀ = p₀ - 1
        (0.2413, -0.2144)
        >>> round(cross_entropy(z, [1.0, 0.0, 0.0]).data, 4)  # the same, as probabilities
        0.2413
    """
    _check_reduction("cross_entropy", reduction)
    _check_kind(target, "cross_entropy", "targets")
    rows = _as_list(logits) if _is_list(logits) else None
    if not (rows and _is_list(rows[0])):  # one example
        scores = _logits(logits, "cross_entropy")
        lse = logsumexp(scores)
        if not _is_list(target):
            return lse - scores[_class_index(target, len(scores))]
        probabilities = _probabilities(target, len(scores))
        return value_sum([lse * p - z * p for z, p in zip(scores, probabilities)])
    targets = _as_list(target) if _is_list(target) else None
    if targets is None or len(targets) != len(rows):
        raise ValueError(
            f"cross_entropy got {len(rows)} score lists but {_describe(target)} target(s); "
            f"pass one target (a class index or class probabilities) per score list"
        )
    terms = [cross_entropy(row, t) for row, t in zip(rows, targets)]
    return _reduce("cross_entropy", terms, reduction)


def _probabilities(target: Any, n: int) -> list[Any]:
    """Class probabilities as given, checked for length; numbers also for range.

    A Value probability is taken as it is: reading its number to check it
    would make it a constant of an ``ag.compile`` trace.
    """
    ps = _as_list(target)
    if len(ps) != n:
        raise ValueError(
            f"cross_entropy got {n} scores but {len(ps)} class probabilities; pass one per class"
        )
    for p in ps:
        if isinstance(p, Value):
            continue
        if isinstance(p, bool) or not isinstance(p, Real) or not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"cross_entropy needs class probabilities in [0, 1], got {p!r}")
    return ps
