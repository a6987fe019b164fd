"""One tools registry for every voice client: plain Python functions the model may call.

    tools = ToolRegistry()

    @tools.register
    def lookup_order(order_number: str) -> str:
        \"\"\"Look up the shipping status of an order by its number.\"\"\"
        ...

    tools.openai_schemas()        # Realtime ``session.tools``: [{"type": "function", "name", "description", "parameters"}]
    tools.gemini_declarations()   # Gemini Live ``tools=[{"function_declarations": [...]}]``
    call = await tools.call("lookup_order", '{"order_number": "4815"}')   # JSON text or a dict

A tool's JSON schema comes from its signature (type hints -> JSON types, parameters without a default
are required) and its docstring (the first paragraph is the description; an ``Args:`` section, if any,
describes the parameters), unless ``description=`` / ``parameters=`` are given. A call never raises:
an unknown name, arguments that are not JSON, or a function that raises becomes an error result
(``{"error": "..."}``) for the model, which can apologise or retry, and is surfaced to the learner
once per tool and kind of error (a warning, and a line in ``errors``).
"""
from __future__ import annotations

import asyncio
import inspect
import json
import re
import typing
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import CourseError

_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}
TOOL_TIMEOUT_S = 60.0   # an async tool gets this long before its call becomes an error result


@dataclass
class ToolCall:
    """One call the model asked for: the tool's name, its arguments, the call id, and what came back."""

    name: str
    arguments: dict = field(default_factory=dict)
    call_id: str | None = None
    result: Any = None
    error: str | None = None    # set when the call failed (the model was sent ``{"error": error}``)
    raw_arguments: str | None = field(default=None, repr=False)   # the JSON text, when the model sent text

    @property
    def output(self) -> Any:
        """What the model is sent: the result, or ``{"error": ...}``."""
        return {"error": self.error} if self.error is not None else self.result

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.arguments.items())
        got = f"error: {self.error}" if self.error is not None else repr(self.result)
        if self.result is None and self.error is None:
            got = "not run"
        return f"{self.name}({args}) -> {got}"


@dataclass
class Tool:
    """A registered function with its JSON schema."""

    fn: Callable
    name: str
    description: str
    parameters: dict

    def openai_schema(self) -> dict:
        """The OpenAI Realtime function tool (``session.tools`` item)."""
        return {"type": "function", "name": self.name, "description": self.description, "parameters": self.parameters}

    def gemini_declaration(self) -> dict:
        """The Gemini ``FunctionDeclaration`` (as a dict)."""
        return {"name": self.name, "description": self.description, "parameters": self.parameters}


def _arg_docs(doc: str) -> dict[str, str]:
    """Parameter descriptions from a Google-style ``Args:`` section."""
    m = re.search(r"^\s*(Args|Arguments|Parameters):\s*\n((?:[ \t]+.*\n?)+)", doc, re.M)
    if not m:
        return {}
    out = {}
    for line in m.group(2).splitlines():
        hit = re.match(r"\s*(\w+)(?:\s*\([^)]*\))?:\s*(.+)", line)
        if hit:
            out[hit.group(1)] = hit.group(2).strip()
    return out


def schema_of(fn: Callable) -> tuple[str, dict]:
    """``(description, parameters)`` of a function: JSON types from its hints, descriptions from its docstring."""
    doc = inspect.getdoc(fn) or ""
    described = _arg_docs(doc)
    try:
        hints = typing.get_type_hints(fn)
    except Exception:   # a hint that does not resolve: fall back to strings
        hints = {}
    props, required = {}, []
    for name, p in inspect.signature(fn).parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        hint = typing.get_origin(hints.get(name, str)) or hints.get(name, str)
        props[name] = {"type": _JSON_TYPES.get(hint, "string")}
        if name in described:
            props[name]["description"] = described[name]
        if p.default is inspect.Parameter.empty:
            required.append(name)
    description = doc.split("\n\n")[0].strip() or fn.__name__
    return description, {"type": "object", "properties": props, "required": required}


class ToolRegistry:
    """Python functions the model may call, by name (see the module docstring)."""

    def __init__(self, functions: "list[Callable] | None" = None, *, timeout: float = TOOL_TIMEOUT_S,
                 source: str = "voice"):
        self.tools: dict[str, Tool] = {}
        self.timeout, self.source = timeout, source
        self.errors: list[str] = []       # every failed call, one line each
        self._warned: set[tuple] = set()
        for fn in functions or []:
            self.register(fn)

    def register(self, fn: Callable | None = None, *, name: str | None = None, description: str | None = None,
                 parameters: dict | None = None):
        """Register a plain function (sync or async); usable as a decorator, with or without arguments."""
        def add(f: Callable) -> Callable:
            if not callable(f):
                raise CourseError(f"A tool is a Python function; got {type(f).__name__}.")
            doc, params = schema_of(f)
            tool_name = name or f.__name__
            self.tools[tool_name] = Tool(f, tool_name, description or doc, parameters or params)
            return f
        return add(fn) if fn is not None else add

    def __contains__(self, name: object) -> bool:
        return name in self.tools

    def __len__(self) -> int:
        return len(self.tools)

    def __bool__(self) -> bool:
        return bool(self.tools)

    def names(self) -> list[str]:
        return list(self.tools)

    def openai_schemas(self) -> list[dict]:
        return [t.openai_schema() for t in self.tools.values()]

    def gemini_declarations(self) -> list[dict]:
        return [t.gemini_declaration() for t in self.tools.values()]

    async def call(self, name: str, arguments: "str | dict | None" = None, call_id: str | None = None) -> ToolCall:
        """Run tool ``name`` with ``arguments`` (JSON text or a dict). Never raises: a failure is an error result."""
        call = ToolCall(name or "", {}, call_id)
        try:
            args = json.loads(arguments or "{}") if isinstance(arguments, (str, bytes)) else dict(arguments or {})
            if not isinstance(args, dict):
                raise ValueError(f"the arguments are a JSON {type(args).__name__}, not an object")
            call.arguments = args
        except (ValueError, TypeError) as exc:
            return self._failed(call, "bad_arguments", f"arguments that are not a JSON object ({exc})")
        tool = self.tools.get(call.name)
        if tool is None:
            return self._failed(call, "unknown", f"no tool named {call.name!r} is registered")
        try:
            result = tool.fn(**args)
            if inspect.isawaitable(result):
                result = await asyncio.wait_for(result, self.timeout)
        except asyncio.CancelledError:
            raise
        except asyncio.TimeoutError:
            return self._failed(call, "timeout", f"no result within {self.timeout:g} s")
        except Exception as exc:  # the model is told, and can apologise or retry
            return self._failed(call, type(exc).__name__, f"{type(exc).__name__}: {exc}")
        call.result = result
        return call

    def _failed(self, call: ToolCall, kind: str, error: str) -> ToolCall:
        call.error = error
        self.report(f"The tool {call.name!r} failed ({error}); the model was sent an error result.", (call.name, kind))
        return call

    def report(self, line: str, key: tuple | None = None) -> None:
        """Surface a tool problem to the learner: a line in ``errors``; a warning once per ``key`` (a client
        uses it too, e.g. for a call it cannot answer)."""
        self.errors.append(line)
        key = key or (line,)
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(f"{self.source}: {line} (warned once)", stacklevel=3)

    def __repr__(self) -> str:
        return f"ToolRegistry({', '.join(self.tools) or 'empty'})"
