"""Local stand-ins for the providers' HTTP APIs, served on 127.0.0.1 for replay mode.

The real SDK clients are pointed at them through their base-URL options, so the client code a
learner reads is the code that runs. Each stand-in replays fixtures; none pretends to be a model.
"""
from .http import LocalHTTPServer, Request, Response, json_response

__all__ = ["LocalHTTPServer", "Request", "Response", "json_response"]
