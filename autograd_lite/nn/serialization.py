"""Model files: saves that cannot corrupt, loads that check everything before building.

A model file is JSON::

    {"format": "autograd_lite.nn", "version": 1, "class": "MLP",
     "config": {...constructor arguments...}, "state": {...state_dict()...}}

**Saving** writes a unique temporary file in the target's directory, flushes
and fsyncs it, gives it the permissions of the file it replaces, and renames
it over the target with ``os.replace`` (atomic on POSIX and Windows). A
reader therefore sees the old file or the new one, never a mixture, however
many threads or processes save at once; a failed save leaves no temporary
file behind; saving through a symbolic link writes the file the link points
to, and the link stays a link.

**Loading** reads at most :data:`MAX_FILE_BYTES`, then checks the whole file
before anything is built: the layout, the version, the class, the config,
and every entry of the state against the parameter shapes that config
implies (at most :data:`MAX_PARAMETERS` of them). Every problem with the
file's contents is a :class:`ModelFileError` (a ``ValueError``) whose
message starts with the file's name.

**A new layer saves and loads** through this mechanism with three things,
all on the class (see :class:`autograd_lite.nn.Module`):

- its name in ``Module.registry`` (automatic for every subclass);
- ``config()``: the JSON-able constructor arguments, and the classmethod
  ``from_config(config)`` that builds from them (default ``cls(**config)``);
- the classmethod ``state_shapes(config)``: the ``(name, shape)`` of every
  ``state_dict()`` entry, in order, computed from the config alone
  (``()`` for a scalar, ``(n,)`` for a vector). It must reject a bad config
  with ``ValueError``/``TypeError``. A class that does not define it is
  built from the config first and measured, which is correct but gives up
  the fail-fast guarantee.

Example:
    >>> import os, tempfile
    >>> from autograd_lite import nn
    >>> path = os.path.join(tempfile.mkdtemp(), "m.json")
    >>> nn.MLP(2, [3, 1], seed=0).save(path)
    >>> with open(path, "w") as f:
    ...     _ = f.write('{"format": "autograd_lite.nn", "version": true}')
    >>> nn.MLP.load(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    autograd_lite.nn.serialization.ModelFileError: ...m.json: 'version' must be the int 1, got True
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

FILE_FORMAT = "autograd_lite.nn"
FILE_VERSION = 1

#: The largest model file ``load`` reads, in bytes (64 MiB: about 3 million parameters).
MAX_FILE_BYTES = 64 * 2**20
#: The most parameters a model file may ask for.
MAX_PARAMETERS = 2_000_000
#: The longest integer literal a model file may hold, in characters.
MAX_INT_DIGITS = 32

Shape = tuple[int, ...]
PathLike = str | bytes | os.PathLike[str] | os.PathLike[bytes]

_TOP_LEVEL = ("format", "version", "class", "config", "state")


class ModelFileError(ValueError):
    """A model file that cannot be loaded: corrupt, hostile, or for another model.

    Attributes:
        path: the file's name, as a str.
        problem: what is wrong with it.

    Example:
        >>> str(ModelFileError("m.json", "corrupt JSON"))
        'm.json: corrupt JSON'
    """

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class ModelFileTypeError(ModelFileError, TypeError):
    """A model file holding a value of the wrong type (also a ``TypeError``).

    Example:
        >>> issubclass(ModelFileTypeError, ValueError), issubclass(ModelFileTypeError, TypeError)
        (True, True)
    """


def display_name(path: PathLike) -> str:
    """``path`` as a str for messages: bytes and PathLike paths included.

    Raises:
        TypeError: ``path`` is not a str, bytes or os.PathLike.

    Example:
        >>> display_name(b"model.json")
        'model.json'
    """
    try:
        return os.fsdecode(os.fspath(path))
    except TypeError:
        raise TypeError(
            f"a model file path must be a str, bytes or os.PathLike, got {type(path).__name__}"
        ) from None


# --- saving ------------------------------------------------------------------


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as f:
        for line in f:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)  # elsewhere: the only portable way to read it
    os.umask(mask)
    return mask


def _save_error(exc: OSError, name: str) -> OSError:
    """The same kind of OSError, saying what failed and naming the user's path."""
    if exc.errno is None:
        return OSError(f"cannot save the model to {name}: {exc}")
    return type(exc)(exc.errno, f"cannot save the model: {exc.strerror}", name)


def atomic_write(path: PathLike, data: bytes) -> None:
    """Replace the file at ``path`` by ``data`` in one step: readers see old or new, never a mix.

    A unique temporary file in the same directory is written, flushed,
    fsynced, given the permissions of the file it replaces (a new file gets
    0666 less the umask, as ``open`` would) and renamed over the target. A
    symbolic link is followed: its target is replaced, the link stays.
    On any failure the temporary file is removed and the target is untouched.
    Something that is not a regular file (``os.devnull``, a named pipe) is
    written in place instead: replacing it would destroy it.

    Raises:
        OSError: the file cannot be written; the message names ``path``.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
        >>> atomic_write(path, b"hello"); open(path).read()
        'hello'
    """
    name = display_name(path)
    target = os.path.realpath(name)  # a str even for a bytes path: fsdecode round-trips
    directory, base = os.path.split(target)
    try:
        try:
            old: os.stat_result | None = os.stat(target)
        except FileNotFoundError:
            old = None
        if old is not None and not stat.S_ISREG(old.st_mode) and not stat.S_ISDIR(old.st_mode):
            with open(target, "wb") as f:
                f.write(data)
            return
        mode = 0o666 & ~_umask() if old is None else old.st_mode & 0o7777
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{base}.", suffix=".tmp")
    except OSError as exc:
        raise _save_error(exc, name) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        if old is not None and hasattr(os, "chown"):
            # Keep the owner too where we may (root, or the same user); else it becomes ours.
            with contextlib.suppress(OSError):
                os.chown(tmp, old.st_uid, old.st_gid)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _save_error(exc, name) from None
        raise
    # Make the rename itself durable; not every system lets a directory be opened.
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def model_file_bytes(kind: str, config: dict[str, Any], state: Mapping[str, Any]) -> bytes:
    """The bytes of a model file (strict JSON: non-finite numbers are refused).

    Raises:
        TypeError: the config holds something JSON cannot, or a non-finite number.

    Example:
        >>> model_file_bytes("Neuron", {"nin": 1}, {"w": [0.5], "b": 0.0})[:36]
        b'{\\n "format": "autograd_lite.nn",\\n "v'
    """
    payload = {
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "class": kind,
        "config": config,
        "state": dict(state),
    }
    try:
        text = json.dumps(payload, indent=1, allow_nan=False)
    except (TypeError, ValueError) as exc:  # a user module's config() with a numpy int, a NaN...
        raise TypeError(f"save: the {kind}'s config() is not plain, finite JSON ({exc})") from None
    return text.encode("utf-8")


# --- loading -----------------------------------------------------------------


class _Reject(Exception):
    """Raised inside the JSON parser's hooks; becomes a ModelFileError."""


def _no_constants(name: str) -> Any:
    raise _Reject(f"holds {name}, which strict JSON does not allow")


def _bounded_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS:
        raise _Reject(f"holds an integer of {len(text)} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _Reject(f"holds the key {duplicate!r} twice in one object")
    return result


def read_payload(path: PathLike) -> dict[str, Any]:
    """The top level of a model file, with its layout and version checked.

    Reads at most :data:`MAX_FILE_BYTES` bytes. Returns a dict with exactly
    the keys format, version, class (a str), config and state (dicts).

    Raises:
        ModelFileError: anything wrong with the contents.
        OSError: the file cannot be read.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "bad.json")
        >>> with open(path, "wb") as f:
        ...     _ = f.write(b"[" * 100000)
        >>> read_payload(path)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        autograd_lite.nn.serialization.ModelFileError: ...bad.json: ... nested too deeply
    """
    name = display_name(path)
    chunks: list[bytes] = []
    size = 0
    with open(path, "rb") as f:
        # In pieces: read(MAX_FILE_BYTES) would allocate all of it up front, and the
        # size on disk says nothing about a pipe or a file still growing.
        while chunk := f.read(min(2**20, MAX_FILE_BYTES + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                raise ModelFileError(
                    name, f"is larger than the {MAX_FILE_BYTES} bytes a model file may be"
                )
    raw = b"".join(chunks)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelFileError(
            name, f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        ) from None
    try:
        payload = json.loads(
            text,
            parse_constant=_no_constants,
            parse_int=_bounded_int,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as exc:
        raise ModelFileError(name, f"is not a valid model file: corrupt JSON ({exc})") from None
    except RecursionError:
        raise ModelFileError(name, "is not a valid model file: nested too deeply") from None
    except _Reject as exc:
        raise ModelFileError(name, f"is not a valid model file: it {exc}") from None
    if not isinstance(payload, dict) or payload.get("format") != FILE_FORMAT:
        raise ModelFileError(
            name, f"is not a model file saved by autograd_lite (no {FILE_FORMAT!r} format)"
        )
    version = payload.get("version")
    if type(version) is not int or version != FILE_VERSION:
        if type(version) is int and version > FILE_VERSION:
            raise ModelFileError(
                name,
                f"has format version {version}, from a newer autograd_lite; "
                f"this one reads version {FILE_VERSION}",
            )
        raise ModelFileError(name, f"'version' must be the int {FILE_VERSION}, got {version!r}")
    for key, kind in (("class", str), ("config", dict), ("state", dict)):
        if not isinstance(payload.get(key), kind):
            raise ModelFileError(
                name, f"is not a valid model file: {key!r} is missing or not a {kind.__name__}"
            )
    extra = sorted(set(payload) - set(_TOP_LEVEL))
    if extra:
        raise ModelFileError(name, f"is not a valid model file: unexpected keys {extra}")
    return payload


def _entry_problem(value: Any, shape: Shape, key: str) -> tuple[str, type[ModelFileError]] | None:
    """What is wrong with one state entry for ``shape``, or None; iterative (no recursion)."""
    stack: list[tuple[Any, int, str]] = [(value, 0, repr(key))]
    while stack:
        item, depth, where = stack.pop()
        if depth < len(shape):
            n = shape[depth]
            if not isinstance(item, list):
                got = "a single number" if isinstance(item, (int, float)) else repr(item)[:40]
                return f"{where} needs a list of {n} numbers, got {got}", ModelFileError
            if len(item) != n:
                return f"{where} needs a list of {n} numbers, got a list of {len(item)}", (
                    ModelFileError
                )
            # Reversed, so the first bad number is the one reported.
            stack.extend((item[i], depth + 1, f"{where}[{i}]") for i in reversed(range(n)))
            continue
        if isinstance(item, list):
            return f"{where} needs a single number, got a list of {len(item)}", ModelFileError
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            return (
                f"{where} needs a number, got {type(item).__name__} {repr(item)[:40]}",
                ModelFileTypeError,
            )
        if not _finite(item):
            return f"{where} needs a finite number, got {repr(item)[:40]}", ModelFileError
    return None


def _finite(number: float) -> bool:
    """Whether a JSON number is a finite float: NaN, ±inf and ints beyond float range are not."""
    try:
        return math.isfinite(number)
    except OverflowError:  # an int of 309 digits or more
        return False


def _same_config(a: Any, b: Any) -> bool:
    """Configs equal as JSON: 2 and 2.0, or 1 and true, are different configs."""
    try:
        return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        return False


def check_state(
    name: str, shapes: Iterable[tuple[str, Shape]], state: Mapping[str, Any]
) -> list[tuple[str, Shape]]:
    """Check ``state`` against the expected ``(key, shape)`` entries; return those entries.

    Stops early: at the first bad entry, at the fifth missing key, or when
    the shapes ask for more than :data:`MAX_PARAMETERS` numbers, so a file
    that claims a huge model costs no more than the file itself.

    Example:
        >>> check_state("m.json", [("w", (2,)), ("b", ())], {"w": [1.0, 2.0], "b": 0.5})
        [('w', (2,)), ('b', ())]
        >>> check_state("m.json", [("w", (2,))], {"w": [1.0, True]})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        autograd_lite.nn.serialization.ModelFileTypeError: m.json: 'w'[1] needs a number, got...
    """
    expected: list[tuple[str, Shape]] = []
    missing: list[str] = []
    total = 0
    for key, shape in shapes:
        size = math.prod(shape)
        total += size
        if total > MAX_PARAMETERS:
            raise ModelFileError(
                name, f"asks for more than the {MAX_PARAMETERS} parameters a model file may hold"
            )
        if key not in state:
            missing.append(repr(key))
            if len(missing) == 5:
                break
            continue
        expected.append((key, shape))
        problem = _entry_problem(state[key], shape, key)
        if problem is not None:
            message, error = problem
            raise error(name, message)
    if missing:
        more = ", ..." if len(missing) == 5 else ""
        raise ModelFileError(
            name, f"the state does not fit the model: missing keys [{', '.join(missing)}{more}]"
        )
    known = {key for key, _ in expected}
    unexpected = [repr(k) for k in state if k not in known]
    if unexpected:
        raise ModelFileError(
            name, f"the state does not fit the model: unexpected keys [{', '.join(unexpected[:5])}]"
        )
    return expected


def _shapes(cls: type, config: dict[str, Any]) -> Iterator[tuple[str, Shape]]:
    return iter(cls.state_shapes(config))  # type: ignore[attr-defined]


def load_model(cls: type | None, path: PathLike, registry: Mapping[str, type]) -> Any:
    """Build the model saved at ``path``: a ``cls``, or any registered class if ``cls`` is None.

    Everything is checked before the model is built (see the module docs).

    Example:
        >>> import os, tempfile
        >>> from autograd_lite import nn
        >>> path = os.path.join(tempfile.mkdtemp(), "n.json")
        >>> nn.Neuron(2, seed=0).save(path)
        >>> load_model(None, path, nn.Module.registry)
        Neuron(2 inputs, relu, 3 parameters)
    """
    name = display_name(path)
    payload = read_payload(path)
    kind, config, state = payload["class"], payload["config"], payload["state"]
    target = registry.get(kind) if cls is None else cls
    if target is None or target.__name__ != kind:
        why = "no Module class has that name" if cls is None else f"not a {cls.__name__}"
        raise ModelFileError(name, f"holds a {kind[:80]}, {why}")
    try:
        check_state(name, _shapes(target, config), state)
        model = target.from_config(config)  # type: ignore[attr-defined]
    except ModelFileError:
        raise
    except (TypeError, ValueError) as exc:
        raise ModelFileError(name, f"cannot rebuild the {kind}: {exc}") from None
    except Exception as exc:  # a user class's constructor may fail any way it likes
        raise ModelFileError(
            name, f"cannot rebuild the {kind}: {type(exc).__name__}: {exc}"
        ) from exc
    load_state(name, model, state)
    return model


def load_into(model: Any, path: PathLike) -> None:
    """Load the file at ``path`` into ``model``, whose class and config must match; all or nothing.

    Example:
        >>> import os, tempfile
        >>> from autograd_lite import nn
        >>> path = os.path.join(tempfile.mkdtemp(), "n.json")
        >>> a, b = nn.Neuron(2, seed=0), nn.Neuron(2, seed=1)
        >>> a.save(path); load_into(b, path); a.state_dict() == b.state_dict()
        True
    """
    name = display_name(path)
    payload = read_payload(path)
    kind, config = payload["class"], payload["config"]
    mine = model.config()
    if kind != type(model).__name__ or not _same_config(config, mine):
        raise ModelFileError(
            name,
            f"holds a {kind} with config {str(config)[:200]}, which does not match "
            f"{model!r} (config {mine})",
        )
    shapes = [(key, _shape_of(t)) for key, t in model._tensors()]
    check_state(name, shapes, payload["state"])
    load_state(name, model, payload["state"])


def _shape_of(tensor: Any) -> Shape:
    return (len(tensor),) if isinstance(tensor, list) else ()


def load_state(name: str, model: Any, state: Mapping[str, Any]) -> None:
    """``model.load_state_dict(state)``, with its errors naming the file.

    Example:
        >>> from autograd_lite import nn
        >>> n = nn.Neuron(1, seed=0); load_state("f.json", n, {"w": [2.0], "b": 1.0}); n.b.data
        1.0
    """
    try:
        model.load_state_dict(state)
    except TypeError as exc:
        raise ModelFileTypeError(name, str(exc)) from None
    except ValueError as exc:
        raise ModelFileError(name, str(exc)) from None
