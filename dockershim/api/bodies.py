"""The request bodies routes read, as pydantic models: checked on arrival, documented in openapi/.

A route gets the body as the client sent it (a dict, every field kept: `extra="allow"`, and
Docker's field names are matched case-insensitively by dockerd, so unknown spellings must pass
through to the translators). The model only checks the types of the fields it names; a failure
is a RequestValidationError, which api/errors.py answers 400 `{"message": ...}` as dockerd does.
The body is read by api/deps.py's json_body (size cap, NUL check, empty-body rules) rather than
by FastAPI, so the dependency records its model for dockershim/openapi to document.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, ValidationError

from dockershim.api.deps import json_body

Strings = list[str] | None
# Docker's StrSlice: a JSON string or an array of strings (Cmd, Entrypoint, Shell).
StrSlice = str | list[str] | None
Obj = dict[str, Any] | None


class DockerBody(BaseModel):
    # defer_build: the validator is made at a model's first use, not while the app loads
    # (api/lazyapp.py builds the app while the first requests wait)
    model_config = ConfigDict(extra="allow", defer_build=True)


class ContainerConfig(DockerBody):
    """A container's configuration: the create body's core, and the body of POST /commit."""

    Hostname: str | None = None
    Domainname: str | None = None
    User: str | None = None
    AttachStdin: bool | None = None
    AttachStdout: bool | None = None
    AttachStderr: bool | None = None
    ExposedPorts: Obj = None
    Tty: bool | None = None
    OpenStdin: bool | None = None
    StdinOnce: bool | None = None
    Env: Strings = None
    Cmd: StrSlice = None
    Healthcheck: Obj = None
    ArgsEscaped: bool | None = None
    Image: str | None = None
    Volumes: Obj = None
    WorkingDir: str | None = None
    Entrypoint: StrSlice = None
    NetworkDisabled: bool | None = None
    OnBuild: Strings = None
    Labels: dict[str, str] | None = None
    StopSignal: str | None = None
    StopTimeout: int | None = None
    Shell: StrSlice = None


class ContainerCreate(ContainerConfig):
    """ContainerConfig plus HostConfig and NetworkingConfig (Docker's ContainerCreateRequest)."""

    HostConfig: Obj = None
    NetworkingConfig: Obj = None


class ContainerUpdate(DockerBody):
    """Docker's ContainerUpdateRequest: resources and the restart policy."""

    CpuShares: int | None = None
    Memory: int | None = None
    CgroupParent: str | None = None
    BlkioWeight: int | None = None
    BlkioWeightDevice: list[Any] | None = None
    BlkioDeviceReadBps: list[Any] | None = None
    BlkioDeviceWriteBps: list[Any] | None = None
    BlkioDeviceReadIOps: list[Any] | None = None
    BlkioDeviceWriteIOps: list[Any] | None = None
    CpuPeriod: int | None = None
    CpuQuota: int | None = None
    CpuRealtimePeriod: int | None = None
    CpuRealtimeRuntime: int | None = None
    CpusetCpus: str | None = None
    CpusetMems: str | None = None
    Devices: list[Any] | None = None
    DeviceCgroupRules: Strings = None
    DeviceRequests: list[Any] | None = None
    MemoryReservation: int | None = None
    MemorySwap: int | None = None
    MemorySwappiness: int | None = None
    NanoCpus: int | None = None
    OomKillDisable: bool | None = None
    Init: bool | None = None
    PidsLimit: int | None = None
    Ulimits: list[Any] | None = None
    CpuCount: int | None = None
    CpuPercent: int | None = None
    IOMaximumIOps: int | None = None
    IOMaximumBandwidth: int | None = None
    RestartPolicy: Obj = None


class ExecConfig(DockerBody):
    """POST /containers/{id}/exec; translate/exec.py checks the values further."""

    AttachStdin: bool | None = None
    AttachStdout: bool | None = None
    AttachStderr: bool | None = None
    ConsoleSize: list[int] | None = None
    DetachKeys: str | None = None
    Tty: bool | None = None
    Env: Strings = None
    Cmd: Strings = None
    Privileged: bool | None = None
    User: str | None = None
    WorkingDir: str | None = None


class ExecStartConfig(DockerBody):
    Detach: bool | None = None
    Tty: bool | None = None
    ConsoleSize: list[int] | None = None


class NetworkCreate(DockerBody):
    Name: str | None = None
    Driver: str | None = None
    Scope: str | None = None
    Internal: bool | None = None
    Attachable: bool | None = None
    Ingress: bool | None = None
    ConfigOnly: bool | None = None
    ConfigFrom: Obj = None
    IPAM: Obj = None
    EnableIPv4: bool | None = None
    EnableIPv6: bool | None = None
    Options: dict[str, str] | None = None
    Labels: dict[str, str] | None = None


class NetworkConnect(DockerBody):
    Container: str | None = None
    EndpointConfig: Obj = None


class NetworkDisconnect(DockerBody):
    Container: str | None = None
    Force: bool | None = None


class VolumeCreate(DockerBody):
    Name: str | None = None
    Driver: str | None = None
    DriverOpts: dict[str, str] | None = None
    Labels: dict[str, str] | None = None
    ClusterVolumeSpec: Obj = None


class AuthConfig(DockerBody):
    """POST /auth. dockerd also reads the deprecated `email`, and `identitytoken`."""

    username: str | None = None
    password: str | None = None
    serveraddress: str | None = None
    identitytoken: str | None = None


BodyReader = Callable[[Request], Awaitable[dict[str, Any]]]
# Which model each body dependency checks, and whether a body is required (for the document).
BODY_MODELS: dict[BodyReader, tuple[type[BaseModel], bool]] = {}


def checked_body(model: type[BaseModel], *, required: bool = False) -> BodyReader:
    async def read(request: Request) -> dict[str, Any]:
        data = await json_body(request, required=required)
        try:
            model.model_validate(data)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False)) from None
        return data

    read.__name__ = f"{model.__name__}_body"
    BODY_MODELS[read] = (model, required)
    return read


ContainerCreateBody = Annotated[
    dict[str, Any], Depends(checked_body(ContainerCreate, required=True))
]
ContainerConfigBody = Annotated[dict[str, Any], Depends(checked_body(ContainerConfig))]
ContainerUpdateBody = Annotated[dict[str, Any], Depends(checked_body(ContainerUpdate))]
ExecConfigBody = Annotated[dict[str, Any], Depends(checked_body(ExecConfig, required=True))]
ExecStartBody = Annotated[dict[str, Any], Depends(checked_body(ExecStartConfig))]
NetworkCreateBody = Annotated[dict[str, Any], Depends(checked_body(NetworkCreate, required=True))]
NetworkConnectBody = Annotated[dict[str, Any], Depends(checked_body(NetworkConnect, required=True))]
NetworkDisconnectBody = Annotated[
    dict[str, Any], Depends(checked_body(NetworkDisconnect, required=True))
]
VolumeCreateBody = Annotated[dict[str, Any], Depends(checked_body(VolumeCreate))]
AuthConfigBody = Annotated[dict[str, Any], Depends(checked_body(AuthConfig, required=True))]
