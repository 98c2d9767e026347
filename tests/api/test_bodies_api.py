"""Request bodies checked by api/bodies.py's models: a wrong type is Docker's 400 before podman
runs; fields the model does not name reach the translators untouched."""

from __future__ import annotations

import httpx
import pytest

from tests.fakes import FakePodman, fixture_json


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/containers/create", {"Image": 5}, "Image: Input should be a valid string"),
        ("/containers/create", {"Image": "x", "Env": "A=1"}, "Env: Input should be a valid list"),
        ("/networks/create", {"Name": "n", "Internal": "maybe"}, "Internal: Input should be a"),
        ("/volumes/create", {"Labels": {"a": 1}}, "Labels.a: Input should be a valid string"),
        ("/containers/c1/update", {"Memory": "lots"}, "Memory: Input should be a valid integer"),
        ("/auth", {"username": ["u"]}, "username: Input should be a valid string"),
    ],
)
async def test_wrong_type_is_docker_400(
    api: httpx.AsyncClient, fake_podman: FakePodman, path: str, body: object, message: str
) -> None:
    response = await api.post(f"/v1.45{path}", json=body)
    assert response.status_code == 400
    assert list(response.json()) == ["message"]
    assert response.json()["message"].startswith(message)
    assert fake_podman.calls == [], "refused before podman ran"


async def test_fields_the_model_does_not_name_are_kept(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(["volume", "create"], "capvol1\n")
    fake_podman.answer(["volume", "ls"], fixture_json("volume-ls.json"))
    response = await api.post("/v1.45/volumes/create", json={"Name": "capvol1", "Future": 1})
    assert response.status_code == 201
    create = next(c for c in fake_podman.calls if c[:2] == ["volume", "create"])
    assert create[-1] == "capvol1"


async def test_route_gets_the_body_as_sent() -> None:
    from starlette.requests import Request

    from dockershim.api.bodies import ContainerCreate, checked_body

    sent = b'{"Image": "x", "Tty": 1, "image": "y", "Future": {"a": [1]}}'

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": sent, "more_body": False}

    request = Request({"type": "http", "method": "POST", "headers": []}, receive)
    body = await checked_body(ContainerCreate, required=True)(request)
    # not coerced (Tty stays 1) and nothing dropped: the translators see what the client sent
    assert body == {"Image": "x", "Tty": 1, "image": "y", "Future": {"a": [1]}}


async def test_required_body_still_refused_when_empty(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1.45/networks/create", content=b"")
    assert response.status_code == 400
    assert response.json() == {"message": "invalid JSON: request body is empty"}
