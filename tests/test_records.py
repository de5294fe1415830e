"""`effcli.records.record` behaves as `dataclasses.dataclass(frozen=True)`, on sample classes and on effcli's own."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil

import pytest

import effcli
from effcli.records import record


def _parameters(cls) -> list[tuple[str, object]]:
    """Each parameter of ``cls(...)`` with its default (a default factory shown as "factory")."""
    factories = {f.name for f in dataclasses.fields(cls) if f.default_factory is not dataclasses.MISSING}
    return [
        (p.name, "factory" if p.name in factories else p.default) for p in inspect.signature(cls).parameters.values()
    ]


def _twins():
    def body():
        return {
            "__annotations__": {"a": "int", "b": "list", "c": "str", "d": "int"},
            "b": dataclasses.field(default_factory=list),
            "c": dataclasses.field(default="x", compare=False),
            "d": dataclasses.field(default=4, repr=False),
        }

    return record(type("Sample", (), body())), dataclasses.dataclass(frozen=True)(type("Sample", (), body()))


def test_record_behaves_as_a_frozen_dataclass():
    ours, theirs = _twins()
    assert _parameters(ours) == _parameters(theirs)
    for make in (lambda k: k(1), lambda k: k(1, [2], "y", 5), lambda k: k(a=3, c="z")):
        a, b = make(ours), make(theirs)
        assert repr(a) == repr(b)
        assert dataclasses.asdict(a) == dataclasses.asdict(b)
        assert (a == make(ours)) is (b == make(theirs)) is True
        assert repr(dataclasses.replace(a, a=9)) == repr(dataclasses.replace(b, a=9))
    assert ours(1, [], "p") == ours(1, [], "q") and ours(1) != ours(2)
    assert hash(ours(1, (), "p")) == hash(ours(1, (), "q")) and hash(ours(1, (), "p", 4)) != hash(ours(1, (), "p", 5))
    assert ours(1).b is not ours(1).b  # a fresh default per instance
    for instance in (ours(1), theirs(1)):
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'a'"):
            instance.a = 2
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'a'"):
            del instance.a
    assert ours(1).__eq__(object()) is NotImplemented
    assert ours.__match_args__ == theirs.__match_args__


def _records():
    found = []
    for info in pkgutil.walk_packages(effcli.__path__, "effcli."):
        if info.name.startswith(
            ("effcli.cli", "effcli.engines.keras", "effcli.engines.saved", "effcli.engines.timing")
        ):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if inspect.isclass(value) and value.__module__ == module.__name__ and "__record_class__" in vars(value):
                found.append(value)
    return found


def test_every_record_has_a_dataclass_signature():
    records = _records()
    assert len(records) > 30, records
    for cls in records:
        twin = dataclasses.dataclass(frozen=True)(
            type(
                cls.__name__,
                (),
                {
                    "__annotations__": dict(cls.__annotations__),
                    **{
                        f.name: f.default
                        if f.default_factory is dataclasses.MISSING
                        else dataclasses.field(default_factory=f.default_factory)
                        for f in dataclasses.fields(cls)
                        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
                    },
                },
            )
        )
        assert _parameters(cls) == _parameters(twin), cls
