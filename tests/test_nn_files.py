"""Model files: atomic saves, concurrent writers, and hostile files that fail fast and clearly."""

from __future__ import annotations

import json
import os
import random
import stat
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lite import Value, nn
from autograd_lite.nn import serialization
from autograd_lite.nn.serialization import ModelFileError

ROOT = Path(__file__).resolve().parent.parent


def small() -> nn.MLP:
    return nn.MLP(2, [3, 1], activation="tanh", seed=0)


def snapshot(m: nn.Module) -> list[tuple[str, float]]:
    return [(name, p.data) for name, p in m.named_parameters()]


def leftovers(directory: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name not in keep)


# --- atomic saves ------------------------------------------------------------


def test_save_leaves_only_the_file(tmp_path: Path) -> None:
    small().save(tmp_path / "m.json")
    assert leftovers(tmp_path, set()) == ["m.json"]


def test_save_never_touches_a_user_file_named_like_the_old_temp_name(tmp_path: Path) -> None:
    (tmp_path / "model.json.tmp").write_text("my notes")
    small().save(tmp_path / "model.json")
    assert (tmp_path / "model.json.tmp").read_text() == "my notes"
    assert leftovers(tmp_path, {"model.json", "model.json.tmp"}) == []


def test_save_keeps_the_permissions_of_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text("old")
    path.chmod(0o600)
    small().save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert repr(nn.Module.load(path)) == repr(small())


def test_a_new_file_gets_the_umask_permissions_as_open_would(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        small().save(tmp_path / "m.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "m.json").stat().st_mode) == 0o640


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_save_keeps_the_owner_of_an_existing_file_where_allowed(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text("old")
    os.chown(path, 4321, 4321)
    small().save(path)
    assert (path.stat().st_uid, path.stat().st_gid) == (4321, 4321)


def test_saving_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "m.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    small().save(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert nn.MLP.load(target).state_dict() == small().state_dict()
    assert leftovers(tmp_path, {"real", "link.json"}) == []
    assert leftovers(tmp_path / "real", {"m.json"}) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_saving_to_a_named_pipe_writes_through_it_and_keeps_the_pipe(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()))
    reader.start()
    small().save(pipe)
    reader.join(timeout=30)
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert json.loads(got[0])["state"] == small().state_dict()
    assert leftovers(tmp_path, {"pipe"}) == []


def test_saving_onto_a_directory_is_an_os_error_and_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(IsADirectoryError, match="cannot save the model"):
        small().save(tmp_path / "d")
    assert leftovers(tmp_path, {"d"}) == [] and list((tmp_path / "d").iterdir()) == []


@pytest.mark.parametrize("kind", ["str", "bytes", "Path", "PathLike"])
def test_every_kind_of_path_works_for_save_and_load(tmp_path: Path, kind: str) -> None:
    class Where(os.PathLike):  # type: ignore[type-arg]
        def __fspath__(self) -> str:
            return str(tmp_path / "m.json")

    path: Any = {
        "str": str(tmp_path / "m.json"),
        "bytes": os.fsencode(tmp_path / "m.json"),
        "Path": tmp_path / "m.json",
        "PathLike": Where(),
    }[kind]
    small().save(path)
    assert nn.MLP.load(path).state_dict() == small().state_dict()
    other = nn.MLP(2, [3, 1], activation="tanh", seed=5)
    other.load(path)
    assert other.state_dict() == small().state_dict()


def test_a_path_that_is_not_a_path_is_a_type_error_before_any_work() -> None:
    with pytest.raises(TypeError, match=r"str, bytes or os\.PathLike, got int"):
        small().save(3)  # type: ignore[arg-type]


def test_a_missing_directory_is_an_os_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "m.json"
    with pytest.raises(FileNotFoundError, match="cannot save the model") as info:
        small().save(path)
    assert info.value.filename == str(path)
    assert leftovers(tmp_path, set()) == []


@pytest.mark.parametrize("failing", ["fsync", "replace", "interrupt"])
def test_a_failed_save_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "m.json"
    nn.MLP(2, [5, 1], seed=1).save(path)
    before = path.read_bytes()

    def broken(*args: Any) -> None:
        if failing == "interrupt":
            raise KeyboardInterrupt
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace" if failing != "fsync" else "fsync", broken)
    with pytest.raises((OSError, KeyboardInterrupt)):
        small().save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert leftovers(tmp_path, {"m.json"}) == []


def test_threads_saving_at_once_leave_one_complete_model(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    models = [nn.MLP(2, [8, 1], seed=s) for s in range(6)]
    states = [m.state_dict() for m in models]
    errors: list[BaseException] = []

    def work(m: nn.MLP) -> None:
        try:
            for _ in range(15):
                m.save(path)
        except BaseException as exc:  # collected: a thread's error must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(m,)) for m in models]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert nn.MLP.load(path).state_dict() in states
    assert leftovers(tmp_path, {"m.json"}) == []


WRITER = """
import sys, time
from autograd_lite import nn
path, seed, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
model = nn.MLP(2, [16, 16, 1], seed=seed)
saves, end = 0, time.monotonic() + seconds
while time.monotonic() < end:
    model.save(path)
    saves += 1
print(saves)
"""


def test_two_processes_saving_and_one_reading_never_see_a_bad_file(tmp_path: Path) -> None:
    """Two writer processes replace the file as fast as they can for a few seconds while
    this process loads it in a loop: every load must be one writer's complete model."""
    path = tmp_path / "m.json"
    seconds = 3.0
    states = [nn.MLP(2, [16, 16, 1], seed=s).state_dict() for s in (1, 2)]
    nn.MLP(2, [16, 16, 1], seed=1).save(path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(seed), str(seconds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for seed in (1, 2)
    ]
    reads = bad = 0
    seen = set()
    try:
        deadline = time.monotonic() + seconds + 30  # a bound, in case a writer hangs
        while any(w.poll() is None for w in writers) and time.monotonic() < deadline:
            try:
                state = nn.MLP.load(path).state_dict()
            except ValueError:
                bad += 1
                continue
            reads += 1
            if state not in states:
                bad += 1
            else:
                seen.add(states.index(state))
        outputs = [w.communicate(timeout=30) for w in writers]
    finally:
        for w in writers:
            if w.poll() is None:
                w.kill()
    assert [w.returncode for w in writers] == [0, 0], [err for _, err in outputs]
    saves = [int(out) for out, _ in outputs]
    print(f"concurrency: {sum(saves)} saves {saves}, {reads} reads, {bad} bad in ~{seconds} s")
    assert bad == 0
    assert reads > 10 and min(saves) > 10
    assert leftovers(tmp_path, {"m.json"}) == []


# --- hostile files -------------------------------------------------------------


def write(tmp_path: Path, content: bytes | str | dict[str, Any]) -> Path:
    path = tmp_path / "m.json"
    if isinstance(content, dict):
        content = json.dumps(content)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def payload(**changes: Any) -> dict[str, Any]:
    """A valid small model file's payload, with top-level keys changed."""
    m = small()
    base = {
        "format": "autograd_lite.nn",
        "version": 1,
        "class": "MLP",
        "config": m.config(),
        "state": m.state_dict(),
    }
    base.update(changes)
    return base


def fails_cleanly(path: Path, match: str) -> ModelFileError:
    """Both loads raise a ModelFileError naming the file; a model loaded into is intact."""
    with pytest.raises(ModelFileError, match=match) as info:
        nn.Module.load(path)
    assert str(info.value).startswith(str(path) + ": ")
    target = nn.MLP(2, [3, 1], activation="tanh", seed=9)
    before = snapshot(target)
    with pytest.raises(ModelFileError):
        target.load(path)
    assert snapshot(target) == before
    return info.value


def test_a_tiny_file_claiming_a_huge_model_fails_fast_without_building_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path,
        '{"format": "autograd_lite.nn", "version": 1, "class": "MLP", "config": {"nin": 2, '
        '"nouts": [1000000, 1], "activation": ["relu", "linear"]}, "state": {}}',
    )
    assert path.stat().st_size < 160

    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the model was built")

    monkeypatch.setattr(nn.MLP, "__init__", never)
    tracemalloc.start()
    with pytest.raises(ModelFileError, match="missing keys"):
        nn.MLP.load(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 5_000_000  # nothing the size of the claimed network was allocated


def test_a_file_asking_for_more_parameters_than_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.json"
    small().save(path)
    monkeypatch.setattr(serialization, "MAX_PARAMETERS", 10)
    fails_cleanly(path, "more than the 10 parameters")


def test_a_file_larger_than_the_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.json"
    small().save(path)
    monkeypatch.setattr(serialization, "MAX_FILE_BYTES", 100)
    fails_cleanly(path, "larger than the 100 bytes")


def test_an_endless_stream_is_cut_off_at_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    monkeypatch.setattr(serialization, "MAX_FILE_BYTES", 3 * 2**20)
    with pytest.raises(ModelFileError, match="/dev/zero: is larger than the 3145728 bytes"):
        nn.MLP.load("/dev/zero")


HOSTILE: dict[str, tuple[Any, str]] = {
    "not UTF-8": (b'{"format": "\xff\xfe autograd"}', r"not UTF-8 text \(byte 0xff at offset 12\)"),
    "deep nesting": ("[" * 100_000, "nested too deeply"),
    "deep object nesting": ('{"a": ' * 100_000, "nested too deeply|corrupt JSON"),
    "deep nesting in the state": (
        json.dumps(payload())[:-2] + ', "x": ' + "[" * 50_000 + "]" * 50_000 + "}}",
        "nested too deeply",
    ),
    "400-digit int": (
        json.dumps(payload()).replace('"nin": 2', '"nin": ' + "9" * 400),
        "integer of 400 digits",
    ),
    "400-digit float": (
        json.dumps(payload()).replace(
            '"state": {', '"state": {"layers.0.neurons.0.b": ' + "9" * 400 + ".5, ", 1
        ),
        "twice|finite",
    ),
    "empty file": (b"", "corrupt JSON"),
    "truncated": (json.dumps(payload())[:-30], "corrupt JSON"),
    "NaN literal": (json.dumps(payload()).replace("0.0", "NaN", 1), "NaN"),
    "Infinity literal": ('{"format": Infinity}', "Infinity"),
    "a JSON list": ("[1, 2, 3]", "not a model file"),
    "another format": (payload(format="keras"), "not a model file"),
    "version true": (payload(version=True), "'version' must be the int 1, got True"),
    "version 1.0": (payload(version=1.0), "'version' must be the int 1, got 1.0"),
    "version as text": (payload(version="1"), "'version' must be the int 1"),
    "version missing": ({k: v for k, v in payload().items() if k != "version"}, "got None"),
    "newer version": (payload(version=2), "newer autograd_lite"),
    "duplicate key": ('{"format": "a", "format": "autograd_lite.nn"}', "key 'format' twice"),
    "unexpected top-level key": (payload(extra=1), "unexpected keys \\['extra'\\]"),
    "class not a string": (payload(**{"class": 3}), "'class' is missing or not a str"),
    "unknown class": (payload(**{"class": "Transformer"}), "no Module class has that name"),
    "config a list": (payload(config=[2, [3, 1]]), "'config' is missing or not a dict"),
    "state a list": (payload(state=[0.1]), "'state' is missing or not a dict"),
    "config nin bool": (payload(config={"nin": True, "nouts": [3, 1]}), "nin must be a positive"),
    "config nin negative": (payload(config={"nin": -2, "nouts": [3, 1]}), "positive int"),
    "config nin float": (payload(config={"nin": 2.0, "nouts": [3, 1]}), "positive int"),
    "config nouts a string": (payload(config={"nin": 2, "nouts": "31"}), "nouts must be"),
    "config nouts empty": (payload(config={"nin": 2, "nouts": []}), "nouts must be"),
    "config bad activation": (
        payload(config={"nin": 2, "nouts": [3, 1], "activation": "swish"}),
        "unknown activation",
    ),
    "config unknown key": (
        payload(config={"nin": 2, "nouts": [3, 1], "seed": 0}),
        "unknown keys 'seed'",
    ),
    "config missing key": (payload(config={"nin": 2}), "missing keys 'nouts'"),
    "state value bool": (
        payload(state={**small().state_dict(), "layers.1.neurons.0.b": True}),
        "needs a number, got bool",
    ),
    "state 1e999": (
        json.dumps(payload(state={**small().state_dict(), "layers.1.neurons.0.b": 0.25})).replace(
            "0.25", "1e999"
        ),
        "'layers.1.neurons.0.b' needs a finite number, got inf",
    ),
    "state nested list": (
        payload(state={**small().state_dict(), "layers.0.neurons.0.w": [[1.0], [2.0]]}),
        r"'layers.0.neurons.0.w'\[0\] needs a single number, got a list of 1",
    ),
    "state extra key": (
        payload(state={**small().state_dict(), "layers.7.w": [1.0]}),
        "unexpected keys",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_file_is_a_model_file_error_naming_the_file(tmp_path: Path, case: str) -> None:
    content, match = HOSTILE[case]
    fails_cleanly(write(tmp_path, content), match)


def test_a_type_problem_in_a_file_is_also_a_type_error(tmp_path: Path) -> None:
    path = write(tmp_path, HOSTILE["state value bool"][0])
    with pytest.raises(TypeError):
        nn.MLP.load(path)


def test_a_file_for_another_architecture_is_refused_by_an_instance(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    nn.MLP(2, [4, 1], seed=0).save(path)
    target = small()
    before = snapshot(target)
    with pytest.raises(ModelFileError, match="does not match"):
        target.load(path)
    assert snapshot(target) == before


@pytest.mark.parametrize("config_change", [("nin", 2.0), ("nin", True), ("nouts", [4.0, 1])])
def test_an_instance_refuses_a_config_that_only_compares_equal(
    tmp_path: Path, config_change: tuple[str, Any]
) -> None:
    # 2.0 == 2 and True == 1 in Python, but a file saying so is not this model's file:
    # the class loader refuses it, so loading into an instance must refuse it too.
    path = tmp_path / "m.json"
    nn.MLP(2, [4, 1], seed=0).save(path)
    payload = json.loads(path.read_text())
    key, value = config_change
    payload["config"][key] = value
    path.write_text(json.dumps(payload))
    target = nn.MLP(2, [4, 1], seed=1)
    before = snapshot(target)
    with pytest.raises(ModelFileError):
        nn.MLP.load(path)
    with pytest.raises(ModelFileError, match="does not match"):
        target.load(path)
    assert snapshot(target) == before


@pytest.mark.parametrize("big", [1.5e308, -1.7976931348623157e308, 5e-324])
def test_every_finite_weight_that_saves_loads_back(tmp_path: Path, big: float) -> None:
    model = nn.MLP(2, [1], seed=0)
    model.layers[0].neurons[0].w[0].data = big
    path = tmp_path / "m.json"
    model.save(path)
    assert nn.MLP.load(path).state_dict() == model.state_dict()


def mutations(data: bytes, rng: random.Random) -> Iterator[bytes]:
    """Endless byte-level mutations of ``data``: flips, inserts, deletions, splices, numbers."""
    specials = [b"[", b"{", b'"', b"-", b"e999", b"9" * 60, b"NaN", b"true", b"\xff", b"\x00"]
    while True:
        b = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(b))
            kind = rng.randrange(5)
            if kind == 0:
                b[i] ^= 1 << rng.randrange(8)
            elif kind == 1:
                b[i:i] = rng.choice(specials) * rng.choice((1, 1, 3, 500))
            elif kind == 2:
                del b[i : i + rng.randint(1, 40)]
            elif kind == 3:
                j = rng.randrange(len(b))
                b[i:i] = b[j : j + rng.randint(1, 60)]
            else:
                b[i] = rng.choice(b'0123456789.,:[]{}"e-')
        yield bytes(b)


def test_a_fuzzer_of_byte_mutations_gets_a_model_or_a_model_file_error(tmp_path: Path) -> None:
    """Fixed seed, bounded: 1,500 mutated files, each a good model or a ModelFileError."""
    source = tmp_path / "good.json"
    nn.MLP(2, [3, 2, 1], activation="tanh", seed=0).save(source)
    rng = random.Random(13)
    path = tmp_path / "m.json"
    loaded = failed = 0
    tracemalloc.start()
    target = nn.MLP(2, [3, 2, 1], activation="tanh", seed=5)
    for mutated, _ in zip(mutations(source.read_bytes(), rng), range(1500)):
        path.write_bytes(mutated)
        try:
            model = nn.Module.load(path)
        except ModelFileError as exc:
            assert str(exc).startswith(str(path))
            failed += 1
            before = snapshot(target)
            with pytest.raises(ModelFileError):
                target.load(path)
            assert snapshot(target) == before
        else:
            assert all(isinstance(v, (float, list)) for v in model.state_dict().values())
            loaded += 1
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"fuzzer: {loaded} loaded, {failed} ModelFileError")
    assert failed > 1000 and loaded > 0
    assert peak < 50_000_000


# --- the extension point: new module classes save and load the same way --------


class Scale(nn.Module):
    """A user module with a config and declared shapes: checked before it is built."""

    built = 0

    def __init__(self, n: int) -> None:
        type(self).built += 1
        self.k = [Value(float(i)) for i in range(n)]

    def named_members(self) -> list[tuple[str, Any]]:
        return [("k", self.k)]

    def config(self) -> dict[str, Any]:
        return {"n": len(self.k)}

    @classmethod
    def state_shapes(cls, config: Mapping[str, Any]) -> Iterator[tuple[str, tuple[int, ...]]]:
        n = config["n"]
        if type(n) is not int or n < 1:
            raise ValueError(f"Scale n must be a positive int, got {n!r}")
        yield "k", (n,)


def test_a_config_that_is_not_json_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    class Odd(Scale):
        def config(self) -> dict[str, Any]:
            return {"n": np.int64(len(self.k))}

    with pytest.raises(TypeError, match="Odd's config\\(\\) is not plain, finite JSON"):
        Odd(2).save(tmp_path / "o.json")
    assert leftovers(tmp_path, set()) == []


class Bare(nn.Module):
    """A user module without state_shapes: still saves and loads (built, then measured)."""

    def __init__(self) -> None:
        self.b = Value(0.0)

    def named_members(self) -> list[tuple[str, Any]]:
        return [("b", self.b)]


def test_a_user_module_with_declared_shapes_round_trips_through_module_load(
    tmp_path: Path,
) -> None:
    s = Scale(3)
    s.k[1].data = 7.5
    s.save(tmp_path / "s.json")
    assert nn.Module.load(tmp_path / "s.json").state_dict() == {"k": [0.0, 7.5, 2.0]}


def test_a_user_module_file_with_a_bad_config_is_refused_before_building(tmp_path: Path) -> None:
    Scale(2).save(tmp_path / "s.json")
    text = (tmp_path / "s.json").read_text().replace('"n": 2', '"n": 1000000000')
    (tmp_path / "s.json").write_text(text)
    built = Scale.built
    with pytest.raises(ModelFileError, match="more than the"):
        Scale.load(tmp_path / "s.json")
    assert Scale.built == built


def test_a_user_module_without_state_shapes_still_round_trips(tmp_path: Path) -> None:
    b = Bare()
    b.b.data = 2.5
    b.save(tmp_path / "b.json")
    assert Bare.load(tmp_path / "b.json").b.data == 2.5


@pytest.mark.parametrize(
    "module",
    [
        nn.Neuron(3, "tanh", seed=0),
        nn.Layer(2, 4, "sigmoid", seed=0),
        nn.MLP(3, [4, 1], seed=0),
        nn.MLP(1, [2, 2, 3], activation=["tanh", "relu", "linear"], seed=0),
    ],
    ids=repr,
)
def test_declared_state_shapes_match_the_built_module(module: nn.Module) -> None:
    built = [(k, (len(v),) if isinstance(v, list) else ()) for k, v in module.state_dict().items()]
    assert list(type(module).state_shapes(module.config())) == built


class Fussy(nn.Module):
    """A user module whose constructor fails with a KeyError on a config it dislikes."""

    def __init__(self, table: dict[str, int]) -> None:
        self.w = [Value(float(table["size"]))]

    def named_members(self) -> list[tuple[str, Any]]:
        return [("w", self.w)]

    def config(self) -> dict[str, Any]:
        return {"table": {"size": int(self.w[0].data)}}


def test_any_failure_of_a_user_constructor_becomes_a_model_file_error(tmp_path: Path) -> None:
    Fussy({"size": 2}).save(tmp_path / "f.json")
    text = (tmp_path / "f.json").read_text().replace('"size"', '"width"')
    (tmp_path / "f.json").write_text(text)
    with pytest.raises(ModelFileError, match="cannot rebuild the Fussy: KeyError: 'size'"):
        nn.Module.load(tmp_path / "f.json")
