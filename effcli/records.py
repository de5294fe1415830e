"""``@record``: what ``@dataclass(frozen=True)`` makes, at a fifth of its cost at import.

effcli's values (specs, plans, reports, documents) are frozen dataclasses, and about
forty of them are created on every run of a command. Python 3.11's ``dataclass``
writes six methods per frozen class as source text and ``exec``-s each one (about
0.5 ms a class, some 20 ms a run: a third of what effcli adds to the floor of its
libraries). ``record`` lets ``dataclasses`` read the fields (so ``fields``,
``replace``, ``asdict`` and ``is_dataclass`` work as before) but generates only
``__init__`` from source, in one ``exec``; equality, hashing, ``repr`` and the
refusal to assign are shared functions that read the class's field names.

The behaviour is that of ``@dataclass(frozen=True)``, field options included
(defaults, ``default_factory``, ``compare``, ``hash``, ``repr``, ``init``);
``tests/test_records.py`` checks it against ``dataclass(frozen=True)`` itself, on
sample classes and on every record of effcli. Type checkers see a frozen dataclass.
"""

from __future__ import annotations

import dataclasses
from dataclasses import MISSING, FrozenInstanceError
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Any:
        return lambda function: function


T = TypeVar("T")
_FACTORY = object()  # stands for "call the default factory" in a generated __init__


def _values(self: Any, names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(getattr(self, name) for name in names)


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        names = self.__class__.__record_compare__
        return _values(self, names) == _values(other, names)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(_values(self, self.__class__.__record_hash__))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__class__.__record_repr__)
    return f"{self.__class__.__qualname__}({shown})"


def _setattr(self: Any, name: str, value: Any) -> None:
    if type(self) is self.__record_class__ or name in self.__dataclass_fields__:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")
    super(self.__record_class__, self).__setattr__(name, value)


def _delattr(self: Any, name: str) -> None:
    if type(self) is self.__record_class__ or name in self.__dataclass_fields__:
        raise FrozenInstanceError(f"cannot delete field {name!r}")
    super(self.__record_class__, self).__delattr__(name)


def _init(fields: list[dataclasses.Field]) -> Any:
    """The class's ``__init__``, written as dataclass writes it for a frozen class (one exec)."""
    namespace: dict[str, Any] = {"__set": object.__setattr__, "__FACTORY": _FACTORY}
    parameters, body = ["self"], []
    for field in fields:
        name = field.name
        if field.init:
            if field.default is not MISSING:
                namespace[f"__default_{name}"] = field.default
                parameters.append(f"{name}=__default_{name}")
            elif field.default_factory is not MISSING:
                namespace[f"__factory_{name}"] = field.default_factory
                parameters.append(f"{name}=__FACTORY")
                body.append(f"if {name} is __FACTORY: {name} = __factory_{name}()")
            else:
                parameters.append(name)
            body.append(f"__set(self, {name!r}, {name})")
        elif field.default is not MISSING:
            namespace[f"__default_{name}"] = field.default
            body.append(f"__set(self, {name!r}, __default_{name})")
        elif field.default_factory is not MISSING:
            namespace[f"__factory_{name}"] = field.default_factory
            body.append(f"__set(self, {name!r}, __factory_{name}())")
    source = f"def __init__({', '.join(parameters)}):\n    " + ("\n    ".join(body) or "pass") + "\n"
    exec(source, namespace)
    return namespace["__init__"]


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: type[T]) -> type[T]:
    """Make ``cls`` a frozen dataclass (see the module's docstring)."""
    made: Any = dataclasses.dataclass(init=False, repr=False, eq=False)(cls)
    fields = list(dataclasses.fields(made))
    init = _init(fields)
    init.__qualname__ = f"{made.__qualname__}.__init__"
    made.__init__ = init
    made.__record_class__ = made
    made.__record_compare__ = tuple(field.name for field in fields if field.compare)
    made.__record_hash__ = tuple(
        field.name for field in fields if (field.compare if field.hash is None else field.hash)
    )
    made.__record_repr__ = tuple(field.name for field in fields if field.repr)
    made.__eq__ = _eq
    made.__hash__ = _hash
    made.__repr__ = _repr
    made.__setattr__ = _setattr
    made.__delattr__ = _delattr
    return made
