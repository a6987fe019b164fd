"""One checker of voice events against the SDK's own types (the protocol oracle), for every client and
local server in ``realtime/``, ``live/`` and ``translation/``.

The rule, the same for every union and both directions:

* a field the SDK type does not declare is **accepted and kept** (real servers send such fields:
  ``obfuscation`` on deltas, ``object``/``id``/``expires_at`` on the session object). Each new field
  name is reported once per checker (one line through ``report``), not once per event;
* a wrong type or a missing required field is **refused**: :class:`EventError` (a ProtocolError) with
  ``kind`` (pydantic's error type: ``missing``, ``string_type``, ...) and ``loc`` (the field's path);
* an event ``type`` the union does not know is refused by :meth:`EventChecker.check` (sending one is a
  bug); :meth:`EventChecker.check_received` reports it once per type and returns ``None``, so a receive
  loop skips it and goes on (a newer server may have event types the installed SDK lacks).

API (all a client needs)::

    from openai.types.realtime import RealtimeServerEvent, RealtimeClientEvent
    from course_utils.voice.events import EventChecker, EventError

    received = EventChecker(RealtimeServerEvent, name="server event")
    sent = EventChecker(RealtimeClientEvent, name="client event")
    model = received.check_received(event_dict)   # typed SDK model, or None for an unknown type
    sent.check_sent(event_dict)                   # raises EventError before a bad event goes out
    received.unknown_fields, received.unknown_types   # what was reported so far (sets of names)

:meth:`EventChecker.parse` is the report-free core: it returns ``Checked(model, extras)`` with the
dotted paths of every undeclared field, and refuses unknown types. The local servers use it to answer
like the real API, which refuses unknown parameters in *client* events with ``unknown_parameter``:
that is the API's behaviour the stand-ins imitate, not a second rule of the checker.

Unions with a ``type`` discriminator (``openai.types.realtime``, ``openai.types.live``, the
translation unions) are validated with the member class the ``type`` names. A plain model (Gemini's
``google.genai.types.LiveServerMessage``, whose models forbid unknown fields) is validated from the
wire JSON (camelCase keys, base64 bytes) as the SDK reads it; undeclared keys are set aside, reported
and the rest validated.
"""
from __future__ import annotations

import copy
import json
import re
import typing
import warnings
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import pydantic

from ..errors import ProtocolError

__all__ = ["EventChecker", "EventError", "Checked", "UnknownFieldWarning"]


class UnknownFieldWarning(UserWarning):
    """A received event carried a field (or had a type) the installed SDK does not declare."""


class EventError(ProtocolError):
    """An event that does not fit its SDK type. ``kind``: pydantic's error type (``missing``,
    ``literal_error``, ...), ``unknown_type``, ``missing_type`` or ``not_an_object``; ``loc``: the dotted
    path of the offending field (union member names removed); ``event_type``: the event's ``type``;
    ``detail``: pydantic's message for that field."""

    def __init__(self, message: str, *, kind: str, loc: str = "", event_type: str | None = None, detail: str = ""):
        self.kind, self.loc, self.event_type, self.detail = kind, loc, event_type, detail
        super().__init__(message)


class Checked(NamedTuple):
    model: Any          # the SDK model (undeclared fields kept in ``__pydantic_extra__`` where the type allows)
    extras: list[str]   # dotted paths of the fields the SDK type does not declare


def _warn(line: str) -> None:
    warnings.warn(line, UnknownFieldWarning, stacklevel=4)


def _members(union) -> dict[str, type]:
    """``{type literal: model class}`` for an SDK union annotated with a ``type`` discriminator."""
    args = typing.get_args(union)
    if args and typing.get_origin(args[0]) is not None:  # Annotated[Union[...], PropertyInfo(...)]
        args = typing.get_args(args[0])
    out: dict[str, type] = {}
    for cls in args:
        field = getattr(cls, "model_fields", {}).get("type")
        if field is not None and typing.get_origin(field.annotation) is Literal:
            for value in typing.get_args(field.annotation):
                out[value] = cls
    return out


def _clean_loc(loc: tuple) -> str:
    """A pydantic ``loc`` without union member tags (``RealtimeSessionCreateRequest``, ``function-after[...]``)."""
    parts = [str(p) for p in loc if not (isinstance(p, str) and (p[:1].isupper() or "[" in p or "-" in p))]
    return ".".join(parts)


def _extras(model: Any, path: str = "") -> list[str]:
    """Dotted paths of fields present in the data but not declared by the (extra="allow") SDK type."""
    found: list[str] = []
    if isinstance(model, pydantic.BaseModel):
        for name in model.__pydantic_extra__ or ():
            found.append(f"{path}{name}")
        for name in type(model).model_fields:
            value = getattr(model, name)
            if isinstance(value, (pydantic.BaseModel, list, tuple, dict)):
                found += _extras(value, f"{path}{name}.")
    elif isinstance(model, (list, tuple)):
        for i, value in enumerate(model):
            if isinstance(value, (pydantic.BaseModel, list, tuple, dict)):
                found += _extras(value, f"{path}{i}.")
    elif isinstance(model, dict):
        for key, value in model.items():
            if isinstance(value, (pydantic.BaseModel, list, tuple)):
                found += _extras(value, f"{path}{key}.")
    return found


def _field_name(path: str) -> str:
    """The name an extra is reported under: its path without list indices (``session.tools.meta``)."""
    return re.sub(r"\.\d+(?=\.|$)", "", path)


class EventChecker:
    """Checks events against one SDK union (or one SDK model); see the module docstring for the rule.

    ``name`` starts every message (e.g. ``"server event"``), ``label`` names the union in them;
    ``report(line)`` is called once per new
    unknown field name and once per unknown event type (default: a :class:`UnknownFieldWarning`;
    ``None``: record only, in ``unknown_fields`` / ``unknown_types``).
    """

    def __init__(self, union, *, name: str = "event", label: str | None = None,
                 report: Callable[[str], None] | None = _warn):
        self.union, self.name, self.report = union, name, report
        self.members = _members(union)
        self.single = None if self.members else union   # a plain model (Gemini): no ``type`` field
        self.unknown_fields: set[str] = set()
        self.unknown_types: set[str] = set()
        self.label = label or getattr(union, "__name__", None) or "event"   # named in messages

    def types(self) -> list[str]:
        """Every event type of the union, sorted."""
        return sorted(self.members)

    # -- the core ---------------------------------------------------------------------------------
    def parse(self, event: Any) -> Checked:
        """Validate ``event`` (a dict, or JSON text); return the model and its undeclared fields.
        Raises :class:`EventError` for a non-object, a missing or unknown type, a wrong type or a
        missing required field. Reports nothing."""
        if isinstance(event, (str, bytes)):
            try:
                event = json.loads(event)
            except ValueError as exc:
                raise EventError(f"{self.name} is not JSON ({exc}).", kind="not_an_object") from None
        if not isinstance(event, dict):
            raise EventError(f"{self.name} must be a JSON object, not {type(event).__name__}.", kind="not_an_object")
        if self.single is not None:
            return self._parse_forbidding(event)
        etype = event.get("type")
        if not etype or not isinstance(etype, str):
            raise EventError(f"{self.name} has no 'type'.", kind="missing_type", loc="type")
        cls = self.members.get(etype)
        if cls is None:
            raise EventError(f"{self.name} type {etype!r} is not in the SDK's {self.label} union.",
                             kind="unknown_type", loc="type", event_type=etype)
        try:
            model = cls.model_validate(event)
        except pydantic.ValidationError as exc:
            raise self._error(exc, etype, cls.__name__) from None
        return Checked(model, _extras(model))

    def _error(self, exc: pydantic.ValidationError, etype: str | None, cls_name: str) -> EventError:
        errors = exc.errors()
        missing = [e for e in errors if e["type"] == "missing"]
        first = missing[0] if missing else errors[0]
        where = ".".join(str(p) for p in first["loc"])
        what = f"{self.name} {etype!r}" if etype else self.name
        return EventError(f"{what} does not match the SDK type {cls_name} (at {where}: {first['msg']}).",
                          kind=first["type"], loc=_clean_loc(first["loc"]), event_type=etype, detail=first["msg"])

    def _parse_forbidding(self, event: dict) -> Checked:
        """A model that forbids unknown fields: set undeclared keys aside, validate the rest from JSON."""
        data, extras = event, []
        for _ in range(50):
            try:
                return Checked(self.single.model_validate_json(json.dumps(data)), extras)
            except pydantic.ValidationError as exc:
                errors = exc.errors()
                unknown = [e["loc"] for e in errors if e["type"] == "extra_forbidden"]
                if len(unknown) != len(errors):
                    raise self._error(exc, None, self.single.__name__) from None
                if data is event:
                    data = copy.deepcopy(event)
                for loc in unknown:
                    target = data
                    for key in loc[:-1]:
                        target = target[key]
                    target.pop(loc[-1], None)
                    extras.append(".".join(str(p) for p in loc))
        raise EventError(f"{self.name} has too many undeclared fields.", kind="extra_forbidden")

    # -- the two directions ----------------------------------------------------------------------
    def check(self, event: Any):
        """Validate and return the SDK model; report new unknown field names; refuse unknown types."""
        checked = self.parse(event)
        if checked.extras:
            self._note_extras(checked.extras, event)
        return checked.model

    def check_sent(self, event: Any):
        """An event about to be sent: :meth:`check` (a bad event raises before it leaves)."""
        return self.check(event)

    def check_received(self, event: Any):
        """An event from the other side: the SDK model, or ``None`` for an event type the union does not
        know (reported once per type). Unknown fields are kept and reported once per name; a wrong type
        or a missing required field raises :class:`EventError` (the caller reports it and goes on)."""
        try:
            return self.check(event)
        except EventError as exc:
            if exc.kind != "unknown_type":
                raise
            if exc.event_type not in self.unknown_types:
                self.unknown_types.add(exc.event_type)
                if self.report is not None:
                    self.report(f"{self.name} type {exc.event_type!r} is not in the installed SDK's {self.label} "
                                f"union; skipped (reported once).")
            return None

    def _note_extras(self, extras: list[str], event: Any) -> None:
        for path in extras:
            name = _field_name(path)
            if name in self.unknown_fields:
                continue
            self.unknown_fields.add(name)
            if self.report is not None:
                etype = event.get("type") if isinstance(event, dict) else None
                where = f" {etype!r}" if isinstance(etype, str) else ""
                self.report(f"{self.name}{where} has a field the SDK type does not declare: {name} "
                            f"(kept; reported once).")
