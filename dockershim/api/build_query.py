"""POST /build's query parameters, declared for FastAPI (validation, openapi/) in one dependency.

translate/build.py reads them through a getlist-like callable (a parameter may repeat, e.g. `t`);
this dependency hands it exactly the declared values, so a parameter the translator reads must
be declared here (tests/unit/test_openapi_served.py checks the names against the translator).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from dockershim.api.queries import BOOL_DOC
from dockershim.translate.build import GetList

Values = list[str] | None
_LIMIT = "refused unless empty, 0 or -1 (rootless podman cannot apply it)"


def _q(description: str) -> object:
    return Query(description=description)


async def build_query(
    dockerfile: Annotated[Values, _q("path of the Dockerfile in the context")] = None,
    t: Annotated[Values, _q("name:tag for the image (repeatable)")] = None,
    extrahosts: Annotated[Values, _q("host:ip entries for /etc/hosts")] = None,
    remote: Annotated[Values, _q("refused: send the context as the body")] = None,
    q: Annotated[Values, _q(BOOL_DOC + ": only the image ID")] = None,
    nocache: Annotated[Values, _q(BOOL_DOC)] = None,
    cachefrom: Annotated[Values, _q("JSON array of images for the cache")] = None,
    pull: Annotated[Values, _q(BOOL_DOC + ": pull the base images")] = None,
    rm: Annotated[Values, _q("accepted: intermediate containers are always removed")] = None,
    forcerm: Annotated[Values, _q("accepted: always done")] = None,
    memory: Annotated[Values, _q(_LIMIT)] = None,
    memswap: Annotated[Values, _q(_LIMIT)] = None,
    cpushares: Annotated[Values, _q(_LIMIT)] = None,
    cpusetcpus: Annotated[Values, _q(_LIMIT)] = None,
    cpusetmems: Annotated[Values, _q(_LIMIT)] = None,
    cpuperiod: Annotated[Values, _q(_LIMIT)] = None,
    cpuquota: Annotated[Values, _q(_LIMIT)] = None,
    buildargs: Annotated[Values, _q("JSON object of build-time variables")] = None,
    shmsize: Annotated[Values, _q("bytes of /dev/shm for the build steps")] = None,
    squash: Annotated[Values, _q(BOOL_DOC)] = None,
    labels: Annotated[Values, _q("JSON object of labels")] = None,
    networkmode: Annotated[
        Values, _q("default, bridge, host, none, container:<id> or a network's name or id")
    ] = None,
    platform: Annotated[Values, _q("os[/arch[/variant]]")] = None,
    target: Annotated[Values, _q("the stage to build")] = None,
    outputs: Annotated[Values, _q("accepted; BuildKit only, as in dockerd")] = None,
    version: Annotated[Values, _q("1 (the classic builder); 2 (BuildKit) is refused")] = None,
    ulimits: Annotated[Values, _q("JSON array of ulimits")] = None,
) -> GetList:
    values = {
        "dockerfile": dockerfile,
        "t": t,
        "extrahosts": extrahosts,
        "remote": remote,
        "q": q,
        "nocache": nocache,
        "cachefrom": cachefrom,
        "pull": pull,
        "rm": rm,
        "forcerm": forcerm,
        "memory": memory,
        "memswap": memswap,
        "cpushares": cpushares,
        "cpusetcpus": cpusetcpus,
        "cpusetmems": cpusetmems,
        "cpuperiod": cpuperiod,
        "cpuquota": cpuquota,
        "buildargs": buildargs,
        "shmsize": shmsize,
        "squash": squash,
        "labels": labels,
        "networkmode": networkmode,
        "platform": platform,
        "target": target,
        "outputs": outputs,
        "version": version,
        "ulimits": ulimits,
    }

    def getlist(name: str) -> list[str]:
        return values[name] or []  # KeyError: a parameter read but not declared above

    return getlist


BuildQuery = Annotated[GetList, Depends(build_query)]


def one(get: GetList, name: str) -> str | None:
    """The last value, as `request.query_params.get` gives it; None when absent."""
    values = get(name)
    return values[-1] if values else None
