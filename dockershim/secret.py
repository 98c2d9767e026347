"""A marker for argv values that carry a client's secret (environment, build arguments).

Translators wrap such a value in `Secret`; the runner (podman/secretargv.py) then hands it to
podman through a channel other users cannot read instead of the command line, and never logs
it. A `Secret` is an ordinary `str` everywhere else, so translators stay pure and typed.
"""

from __future__ import annotations


class Secret(str):
    __slots__ = ()
