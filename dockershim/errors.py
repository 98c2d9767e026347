"""The error tree every layer raises; one handler in api/ renders it as Docker does.

    DockerError (500)
    ├── InvalidParameter (400)
    ├── Unauthorized (401)
    ├── Forbidden (403)
    ├── NotFound (404)
    ├── TooLarge (413)
    ├── Conflict (409)
    ├── NotModified (304, empty body)
    ├── Unsupported (501)
    └── Unavailable (503)

Messages are worded as dockerd words them: clients match on texts like "No such container".
"""

from __future__ import annotations


class DockerError(Exception):
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidParameter(DockerError):
    status = 400


class Unauthorized(DockerError):
    status = 401


class Forbidden(DockerError):
    status = 403


class TooLarge(DockerError):
    status = 413


class NotFound(DockerError):
    status = 404


class Conflict(DockerError):
    status = 409


class NotModified(DockerError):
    status = 304

    def __init__(self, message: str = "") -> None:
        super().__init__(message)


class Unsupported(DockerError):
    status = 501


class Unavailable(DockerError):
    status = 503
