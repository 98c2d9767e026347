"""Swarm, node, service, task, secret, config and plugin routes, answered as a non-swarm node.

Rootless podman has no swarm mode and no Docker engine plugins. Every route answers at once
with dockerd's own answer on a node that never joined a swarm:

- inspecting or changing cluster state (swarm inspect/update/unlockkey, nodes, services, tasks,
  secrets, configs): 503 "This node is not a swarm manager. Use "docker swarm init" ..."
  (dockerd's errNoManager text);
- `POST /swarm/leave`: 503 "This node is not part of a swarm" (errNoSwarm);
- `POST /swarm/init` and `POST /swarm/join`: 501, swarm mode cannot be enabled (deviation:
  dockerd would create or join a swarm);
- plugins: the list is empty, a named plugin is 404 "plugin "x" not found" (dockerd's text),
  installing or creating one is 501.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter
from starlette.responses import JSONResponse

from dockershim.errors import DockerError, NotFound, Unavailable, Unsupported

router = APIRouter()

NOT_MANAGER = (
    'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" '
    "to connect this node to swarm and try again."
)
NOT_IN_SWARM = "This node is not part of a swarm"
NO_SWARM_MODE = (
    "swarm mode is not supported by dockershim: rootless podman cannot run a swarm "
    "(use docker-compose for multi-container applications)"
)
NO_PLUGINS = "engine plugins are not supported by dockershim (rootless podman has no plugin API)"

Handler = Callable[..., Coroutine[Any, Any, Any]]


def _raiser(error: Callable[[], DockerError], name: str) -> Handler:
    async def handler() -> None:
        raise error()

    handler.__name__ = name
    return handler


def _not_manager() -> DockerError:
    return Unavailable(NOT_MANAGER)


# (method, path, operationId in snake_case)
_MANAGER_ROUTES: list[tuple[str, str, str]] = [
    ("GET", "/swarm", "swarm_inspect"),
    ("POST", "/swarm/update", "swarm_update"),
    ("GET", "/swarm/unlockkey", "swarm_unlockkey"),
    ("POST", "/swarm/unlock", "swarm_unlock"),
    ("GET", "/nodes", "node_list"),
    ("GET", "/nodes/{id}", "node_inspect"),
    ("DELETE", "/nodes/{id}", "node_delete"),
    ("POST", "/nodes/{id}/update", "node_update"),
    ("GET", "/services", "service_list"),
    ("POST", "/services/create", "service_create"),
    ("GET", "/services/{id}", "service_inspect"),
    ("DELETE", "/services/{id}", "service_delete"),
    ("POST", "/services/{id}/update", "service_update"),
    ("GET", "/services/{id}/logs", "service_logs"),
    ("GET", "/tasks", "task_list"),
    ("GET", "/tasks/{id}", "task_inspect"),
    ("GET", "/tasks/{id}/logs", "task_logs"),
    ("GET", "/secrets", "secret_list"),
    ("POST", "/secrets/create", "secret_create"),
    ("GET", "/secrets/{id}", "secret_inspect"),
    ("DELETE", "/secrets/{id}", "secret_delete"),
    ("POST", "/secrets/{id}/update", "secret_update"),
    ("GET", "/configs", "config_list"),
    ("POST", "/configs/create", "config_create"),
    ("GET", "/configs/{id}", "config_inspect"),
    ("DELETE", "/configs/{id}", "config_delete"),
    ("POST", "/configs/{id}/update", "config_update"),
]

for _method, _path, _name in _MANAGER_ROUTES:
    router.add_api_route(_path, _raiser(_not_manager, _name), methods=[_method], name=_name)

router.add_api_route(
    "/swarm/leave",
    _raiser(lambda: Unavailable(NOT_IN_SWARM), "swarm_leave"),
    methods=["POST"],
    name="swarm_leave",
)
for _path, _name in (("/swarm/init", "swarm_init"), ("/swarm/join", "swarm_join")):
    router.add_api_route(
        _path, _raiser(lambda: Unsupported(NO_SWARM_MODE), _name), methods=["POST"], name=_name
    )


@router.get("/plugins")
async def plugin_list() -> JSONResponse:
    return JSONResponse([])


@router.get("/plugins/privileges")
async def get_plugin_privileges() -> None:
    raise Unsupported(NO_PLUGINS)


@router.post("/plugins/pull")
async def plugin_pull() -> None:
    raise Unsupported(NO_PLUGINS)


@router.post("/plugins/create")
async def plugin_create() -> None:
    raise Unsupported(NO_PLUGINS)


def _plugin_not_found(name: str) -> DockerError:
    return NotFound(f'plugin "{name}" not found')


# Named plugins: none is ever installed. `{name:path}` because plugin names contain slashes
# (`vieux/sshfs:latest`); the suffix picks the operation.
_PLUGIN_ACTIONS = {
    ("GET", "json"): "plugin_inspect",
    ("POST", "enable"): "plugin_enable",
    ("POST", "disable"): "plugin_disable",
    ("POST", "upgrade"): "plugin_upgrade",
    ("POST", "push"): "plugin_push",
    ("POST", "set"): "plugin_set",
}


def _plugin_action(action: str) -> Handler:
    async def handler(name: str) -> None:
        raise _plugin_not_found(name)

    handler.__name__ = _PLUGIN_ACTIONS[("GET" if action == "json" else "POST", action)]
    return handler


for (_method, _action), _name in _PLUGIN_ACTIONS.items():
    router.add_api_route(
        f"/plugins/{{name:path}}/{_action}",
        _plugin_action(_action),
        methods=[_method],
        name=_name,
    )


@router.delete("/plugins/{name:path}")
async def plugin_delete(name: str) -> None:
    raise _plugin_not_found(name)
