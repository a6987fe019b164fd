"""Check events against the official SDK's types (the protocol oracle), strictly.

* OpenAI Live: ``openai.types.live.ServerEvent`` / ``ClientEvent`` (discriminated unions). The SDK's
  models accept unknown fields, so we also refuse any key the type does not declare: a typo in an
  event our server emits must fail a test, not pass silently.
* Gemini Live: ``google.genai.types.LiveServerMessage`` (its models forbid unknown fields already),
  validated from the wire JSON (camelCase, base64 bytes) as the SDK itself reads it.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import pydantic

from ..errors import ProtocolError


def _variants(union) -> dict[str, type]:
    """``type`` literal -> model class, for an SDK union annotated with a ``type`` discriminator."""
    from typing import Literal, get_args, get_origin

    args = get_args(union)
    members = get_args(args[0]) if args and get_origin(args[0]) is not None else args
    out = {}
    for cls in members:
        ann = cls.model_fields["type"].annotation
        if get_origin(ann) is Literal:
            for value in get_args(ann):
                out[value] = cls
    return out


@lru_cache(maxsize=1)
def _openai_adapters():
    from openai.types.live import ClientEvent, ServerEvent

    return _variants(ServerEvent), _variants(ClientEvent)


def _unknown_keys(model: Any, data: Any, path: str) -> list[str]:
    """Keys in ``data`` that the validated pydantic ``model`` does not declare (recursively)."""
    found: list[str] = []
    if isinstance(model, pydantic.BaseModel) and isinstance(data, dict):
        fields = type(model).model_fields
        names = {f.alias or name: name for name, f in fields.items()}
        for key, value in data.items():
            if key not in names:
                found.append(f"{path}{key}")
                continue
            found += _unknown_keys(getattr(model, names[key]), value, f"{path}{key}.")
    elif isinstance(model, (list, tuple)) and isinstance(data, list):
        for i, (m, d) in enumerate(zip(model, data)):
            found += _unknown_keys(m, d, f"{path}{i}.")
    return found


class EventValidationError(ProtocolError):
    """An event that does not match its SDK type: ``kind`` is pydantic's error type (``missing``,
    ``literal_error``, ...) or ``unknown_field``; ``loc`` the dotted path of the offending field."""

    def __init__(self, message: str, *, kind: str, loc: str):
        self.kind, self.loc = kind, loc
        super().__init__(message)


def _validate(variants: dict[str, type], event: dict | str | bytes, what: str):
    data = json.loads(event) if isinstance(event, (str, bytes)) else event
    etype = data.get("type", "?") if isinstance(data, dict) else "?"
    cls = variants.get(etype) if isinstance(etype, str) else None
    if cls is None:
        raise EventValidationError(f"{what} type {etype!r} is not in the SDK's union; use one of its types.",
                                   kind="literal_error", loc="type")
    try:
        model = cls.model_validate(data)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "type"
        raise EventValidationError(f"{what} {etype!r} does not match the SDK type at {loc}: {first['msg']}; "
                                   f"fix the event.", kind=first["type"], loc=loc) from None
    extra = _unknown_keys(model, data, "")
    if extra:
        raise EventValidationError(f"{what} {etype!r} has fields the SDK type does not declare: "
                                   f"{', '.join(extra)}; remove them.", kind="unknown_field", loc=extra[0])
    return model


def validate_live_server_event(event: dict | str | bytes):
    """Validate one OpenAI Live server event; return the typed model or raise :class:`ProtocolError`."""
    return _validate(_openai_adapters()[0], event, "Live server event")


def validate_live_client_event(event: dict | str | bytes):
    """Validate one OpenAI Live client event; return the typed model or raise :class:`ProtocolError`."""
    return _validate(_openai_adapters()[1], event, "Live client event")


def validate_gemini_server_message(message: str | bytes | dict):
    """Validate one Gemini Live server message (wire JSON) against ``types.LiveServerMessage``."""
    from google.genai import types

    raw = message if isinstance(message, (str, bytes)) else json.dumps(message)
    try:
        return types.LiveServerMessage.model_validate_json(raw)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ProtocolError(f"Gemini Live server message does not match types.LiveServerMessage at {loc}: "
                            f"{first['msg']}; fix the message.") from None
