"""``setup()``: the mode (replay / live / record), the keys, the budget and the ledger.

* ``replay`` (default): every call goes to local servers of ours on 127.0.0.1 that replay recorded
  fixtures through the real SDKs; no key, no cost. Outbound network to anything else is refused.
* ``live``: the same code against the real endpoints; keys from the environment or Colab secrets.
* ``record``: live, and the traffic is saved as fixtures with every secret scrubbed.

The mode comes from ``setup(mode=...)``, else ``COURSE_MODE``, else ``replay``.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import Literal

from .errors import CourseError, MissingKeyError, ReplayNetworkBlocked
from .ledger import Ledger
from .secrets import mask

Mode = Literal["replay", "live", "record"]
MODES: tuple[str, ...] = ("replay", "live", "record")

#: Provider -> the environment variables (or Colab secret names) that hold its credentials.
PROVIDER_KEYS: dict[str, tuple[str, ...]] = {
    "openai": ("OPENAI_API_KEY",),
    "google": ("GEMINI_API_KEY",),
    "vertex": ("GOOGLE_CLOUD_PROJECT",),
    "runway": ("RUNWAYML_API_SECRET",),
    "kling": ("KLING_ACCESS_KEY", "KLING_SECRET_KEY"),
    "fal": ("FAL_KEY",),
}
#: Alternative names accepted for a variable (first found wins).
KEY_ALIASES: dict[str, tuple[str, ...]] = {"GEMINI_API_KEY": ("GOOGLE_API_KEY",)}

#: What a replay-mode client sends where a key would go: obviously not a secret.
REPLAY_KEY = "replay-mode-no-key"

DEFAULT_LIVE_BUDGET_USD = 1.00


def _colab_secret(name: str) -> str | None:
    try:  # only inside Colab
        from google.colab import userdata  # type: ignore
    except Exception:
        return None
    try:
        return userdata.get(name)
    except Exception:  # secret missing or notebook access not granted
        return None


def _read_secret(name: str) -> str | None:
    for candidate in (name, *KEY_ALIASES.get(name, ())):
        value = os.environ.get(candidate) or _colab_secret(candidate)
        if value:
            return value.strip()
    return None


@dataclass
class Config:
    """The course's settings for this kernel. Its repr shows which keys are set, never a key."""

    mode: Mode
    budget_usd: float
    ledger: Ledger
    _keys: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def is_replay(self) -> bool:
        return self.mode == "replay"

    @property
    def is_live(self) -> bool:
        """True in live and record mode (both call the real endpoints)."""
        return self.mode in ("live", "record")

    @property
    def is_record(self) -> bool:
        return self.mode == "record"

    def has_key(self, provider: str) -> bool:
        return all(_read_secret(v) for v in PROVIDER_KEYS[provider])

    def key(self, provider: str, variable: str | None = None) -> str:
        """The credential for ``provider`` (its first variable, or ``variable``).

        In replay mode this is a harmless placeholder: the local servers accept any key.
        In live/record mode a missing key raises :class:`MissingKeyError` naming the variable.
        """
        if provider not in PROVIDER_KEYS:
            raise CourseError(f"Unknown provider {provider!r}; use one of {', '.join(PROVIDER_KEYS)}.")
        variable = variable or PROVIDER_KEYS[provider][0]
        if self.is_replay:
            return REPLAY_KEY
        value = _read_secret(variable)
        if not value:
            raise MissingKeyError(
                f"{self.mode} mode needs {variable} for {provider}: set it in the environment "
                f"(export {variable}=...) or as a Colab secret named {variable}, or run setup(mode='replay')."
            )
        return value

    def secrets(self) -> list[str]:
        """Every credential value currently readable (for scrubbing recorded traffic)."""
        out = []
        for names in PROVIDER_KEYS.values():
            for name in names:
                v = _read_secret(name)
                if v:
                    out.append(v)
        return out

    def describe(self) -> str:
        keys = ", ".join(f"{p}: {'yes' if self.has_key(p) else 'no'}" for p in PROVIDER_KEYS)
        budget = (f"budget ${self.budget_usd:.2f}" if self.is_live
                  else "replay: local servers on 127.0.0.1, no key, no cost")
        return f"course_utils mode: {self.mode} ({budget}); keys found: {keys}"

    def __repr__(self) -> str:
        keys = {p: mask(_read_secret(PROVIDER_KEYS[p][0])) for p in PROVIDER_KEYS}
        return f"Config(mode={self.mode!r}, budget_usd={self.budget_usd}, keys={keys})"


_CONFIG: Config | None = None


def setup(mode: str | None = None, budget_usd: float | None = None, *, quiet: bool = False) -> Config:
    """Choose the mode and budget for this kernel and print them (never a key).

    >>> cfg = setup()                      # replay: no key, no cost
    >>> cfg = setup(mode="live", budget_usd=0.50)
    """
    global _CONFIG
    chosen = (mode or os.environ.get("COURSE_MODE") or "replay").strip().lower()
    if chosen not in MODES:
        raise CourseError(f"Unknown mode {chosen!r}: use one of {', '.join(MODES)} (setup(mode=...) or COURSE_MODE).")
    if budget_usd is None:
        env_budget = os.environ.get("COURSE_BUDGET_USD")
        budget_usd = float(env_budget) if env_budget else DEFAULT_LIVE_BUDGET_USD
    if budget_usd < 0:
        raise CourseError("budget_usd must be zero or more.")
    _CONFIG = Config(mode=chosen, budget_usd=float(budget_usd),  # type: ignore[arg-type]
                     ledger=Ledger(budget_usd, enforce=chosen != "replay"))
    if chosen == "replay":
        install_network_guard()
    else:
        remove_network_guard()
    if not quiet:
        print(_CONFIG.describe())
    return _CONFIG


def get_config() -> Config:
    """The current config; ``setup(quiet=True)`` with the defaults if none was made yet."""
    return _CONFIG if _CONFIG is not None else setup(quiet=True)


# -- the replay-mode network guard ---------------------------------------------------------------
_ORIGINAL_CONNECT = socket.socket.connect
_ORIGINAL_CONNECT_EX = socket.socket.connect_ex
_ORIGINAL_GETADDRINFO = socket.getaddrinfo
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "ip6-localhost"}


def _is_local(host) -> bool:
    host = str(host)
    return host in _LOCAL_HOSTS or host.startswith("127.")


def _blocked(host) -> ReplayNetworkBlocked:
    return ReplayNetworkBlocked(
        f"replay mode refused a connection to {host}: replay talks only to local servers on 127.0.0.1; "
        f"use setup(mode='live') with a key to reach the real API."
    )


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
        raise _blocked(address[0])
    return _ORIGINAL_CONNECT(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
        raise _blocked(address[0])
    return _ORIGINAL_CONNECT_EX(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if host is not None and not _is_local(host if isinstance(host, str) else host.decode()):
        raise _blocked(host)
    return _ORIGINAL_GETADDRINFO(host, *args, **kwargs)


def install_network_guard() -> None:
    """Refuse (loudly) every Python-level connection to a host other than loopback."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]


def remove_network_guard() -> None:
    socket.socket.connect = _ORIGINAL_CONNECT  # type: ignore[method-assign]
    socket.socket.connect_ex = _ORIGINAL_CONNECT_EX  # type: ignore[method-assign]
    socket.getaddrinfo = _ORIGINAL_GETADDRINFO  # type: ignore[assignment]
