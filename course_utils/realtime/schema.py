"""The oracle for every event shape: the ``openai`` SDK's own pydantic types.

``validate_server_event`` / ``validate_client_event`` parse an event dict with
``pydantic.TypeAdapter(openai.types.realtime.RealtimeServerEvent / RealtimeClientEvent)``. The SDK's
models accept unknown fields silently (``extra="allow"``), which would let a misspelt field through,
so with ``strict=True`` (the default) we also walk the parsed model and refuse any field the SDK type
does not declare. The local server checks every event it emits with this in the tests, and the client
checks every event it sends.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import pydantic
from openai.types.realtime import RealtimeClientEvent, RealtimeServerEvent

from ..errors import ProtocolError


@lru_cache(maxsize=None)
def _adapter(kind: str) -> pydantic.TypeAdapter:
    return pydantic.TypeAdapter(RealtimeServerEvent if kind == "server" else RealtimeClientEvent)


def _extras(model: Any, path: str = "") -> list[str]:
    """Dotted paths of fields present in the data but not declared by the SDK type."""
    found: list[str] = []
    if isinstance(model, pydantic.BaseModel):
        for name in (model.__pydantic_extra__ or {}):
            found.append(f"{path}{name}")
        for name in type(model).model_fields:
            found += _extras(getattr(model, name), f"{path}{name}.")
    elif isinstance(model, (list, tuple)):
        for i, value in enumerate(model):
            found += _extras(value, f"{path}{i}.")
    elif isinstance(model, dict):
        for key, value in model.items():
            found += _extras(value, f"{path}{key}.")
    return found


@lru_cache(maxsize=None)
def _members(kind: str) -> dict[str, type]:
    """``{event type: SDK model class}`` for the union."""
    import typing

    union = RealtimeServerEvent if kind == "server" else RealtimeClientEvent
    members = typing.get_args(typing.get_args(union)[0])
    return {typing.get_args(m.model_fields["type"].annotation)[0]: m for m in members}


def _validate(kind: str, event: dict, strict: bool):
    etype = event.get("type") if isinstance(event, dict) else None
    try:
        model = _adapter(kind).validate_python(event)
    except pydantic.ValidationError:
        member = _members(kind).get(etype) if isinstance(etype, str) else None
        if member is None:
            raise ProtocolError(f"{kind} event type {etype!r} is not in the SDK's Realtime{kind.title()}Event union.") from None
        try:
            member.model_validate(event)
        except pydantic.ValidationError as exc2:
            exc = exc2
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise ProtocolError(f"{kind} event {etype!r} does not match the SDK type {getattr(member, '__name__', '?')} "
                            f"(at {where}: {first.get('msg')}).") from None
    if strict:
        extras = _extras(model)
        if extras:
            raise ProtocolError(f"{kind} event {etype!r} has fields the SDK type does not declare: {', '.join(extras)}.")
    return model


def validate_server_event(event: dict, strict: bool = True):
    """Parse a server event with the SDK's ``RealtimeServerEvent``; raise ProtocolError if it does not fit."""
    return _validate("server", event, strict)


def validate_client_event(event: dict, strict: bool = True):
    """Parse a client event with the SDK's ``RealtimeClientEvent``; raise ProtocolError if it does not fit."""
    return _validate("client", event, strict)


def client_event_types() -> list[str]:
    """Every client event type of the GA protocol (from the SDK union)."""
    return sorted(_members("client"))


def server_event_types() -> list[str]:
    """Every server event type of the GA protocol (from the SDK union)."""
    return sorted(_members("server"))
