"""The catalogue itself: ``Fault``, the ``FAULTS`` registry and the ``@fault`` decorator that fills it."""

from collections.abc import Callable
from dataclasses import dataclass

from reference_gateway.gateway import Gateway


@dataclass(frozen=True)
class Fault:
    name: str
    area: str
    description: str
    markers: str  # the pytest -m expression whose tests should catch it
    apply: Callable[[Gateway], None]


FAULTS: dict[str, Fault] = {}


def fault(name: str, area: str, description: str, markers: str):
    def register(apply: Callable[[Gateway], None]) -> Callable[[Gateway], None]:
        if name in FAULTS:
            raise ValueError(f"duplicate fault {name}")
        FAULTS[name] = Fault(name, area, description, markers, apply)
        return apply
    return register


def apply_faults(gateway: Gateway, names: tuple[str, ...]) -> None:
    for name in names:
        FAULTS[name].apply(gateway)
        gateway.active_faults.append(name)
