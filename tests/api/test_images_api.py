"""HTTP layer of the image routes (fake podman): shapes, statuses, argv hygiene."""

from __future__ import annotations

import json

import httpx

from tests.fakes import FakePodman, fixture_json

BUSYBOX = fixture_json("image-inspect-busybox.json")


async def test_list_uses_docker_shapes(api: httpx.AsyncClient, fake_podman: FakePodman) -> None:
    fake_podman.answer(["images", "--format", "json"], fixture_json("images.json"))
    response = await api.get("/v1.45/images/json")
    assert response.status_code == 200
    tags = [i["RepoTags"] for i in response.json()]
    assert tags == [["fx-labelled:v1"], [], ["busybox:latest"]]
    dangling = await api.get("/images/json", params={"filters": '{"dangling":["true"]}'})
    assert [i["Id"][:13] for i in dangling.json()] == ["sha256:6f8b6a"]


async def test_list_refuses_unknown_filters(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(["images"], [])
    response = await api.get("/images/json", params={"filters": '{"colour":["red"]}'})
    assert response.status_code == 400
    assert "colour" in response.json()["message"]


async def test_inspect_tries_docker_name_then_localhost(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(["image", "inspect"], stderr="Error: x: image not known", rc=125)
    response = await api.get("/images/team/app:v1/json")
    assert response.status_code == 404
    assert response.json() == {"message": "No such image: team/app:v1"}
    assert fake_podman.calls[-2][-1] == "docker.io/team/app:v1"
    assert fake_podman.calls[-1][-1] == "localhost/team/app:v1"
    assert all(call[-2] == "--" for call in fake_podman.calls if call[:2] == ["image", "inspect"])
    untagged = await api.get("/images/team/app/json")  # dockerd names it with its tag
    assert untagged.json() == {"message": "No such image: team/app:latest"}


async def test_inspect_found(api: httpx.AsyncClient, fake_podman: FakePodman) -> None:
    fake_podman.answer(["image", "inspect"], BUSYBOX)
    body = (await api.get("/images/busybox/json")).json()
    assert body["RepoTags"] == ["busybox:latest"] and body["Config"]["Cmd"] == ["sh"]


async def test_invalid_reference_is_400(api: httpx.AsyncClient) -> None:
    response = await api.get("/images/--all/json")
    assert response.status_code == 400
    assert "invalid reference format" in response.json()["message"]


async def test_tag_uses_full_target_name(api: httpx.AsyncClient, fake_podman: FakePodman) -> None:
    fake_podman.answer(["image", "inspect"], BUSYBOX)
    fake_podman.answer(["tag"], "")
    response = await api.post(
        "/images/busybox/tag", params={"repo": "127.0.0.1:5000/team/x", "tag": "v2"}
    )
    assert response.status_code == 201
    assert fake_podman.calls[-1] == ["tag", BUSYBOX[0]["Id"], "127.0.0.1:5000/team/x:v2"]
    bad = await api.post("/images/busybox/tag", params={"repo": "Bad Name"})
    assert bad.status_code == 400


async def test_rmi_in_use_is_409(api: httpx.AsyncClient, fake_podman: FakePodman) -> None:
    fake_podman.answer(["image", "inspect"], BUSYBOX)
    user = {"Id": "5af25b20662c" + "0" * 52, "ImageID": BUSYBOX[0]["Id"], "State": "exited"}
    _answer_users(fake_podman, [user])
    response = await api.delete("/images/busybox")
    assert response.status_code == 409
    assert response.json()["message"] == (
        'conflict: unable to remove repository reference "busybox" (must force) - '
        "container 5af25b20662c is using its referenced image 1830655053eb"
    )
    by_id = await api.delete("/images/1830655053eb")
    assert by_id.status_code == 409
    assert by_id.json()["message"] == (
        "conflict: unable to delete 1830655053eb (must be forced) - image is being used by "
        "stopped container 5af25b20662c"
    )
    assert not any(call[0] in ("rmi", "untag") for call in fake_podman.calls)


async def test_rmi_running_user_cannot_be_forced(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(["image", "inspect"], BUSYBOX)
    user = {"Id": "5af25b20662c" + "0" * 52, "ImageID": BUSYBOX[0]["Id"], "State": "running"}
    _answer_users(fake_podman, [user])
    response = await api.delete("/images/busybox", params={"force": "1"})
    assert response.status_code == 409
    assert (
        "(cannot be forced) - image is being used by running container"
        in (response.json()["message"])
    )


async def test_rmi_of_one_of_several_tags_untags_even_in_use(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    two = [{**BUSYBOX[0], "RepoTags": [*BUSYBOX[0]["RepoTags"], "docker.io/library/other:v1"]}]
    fake_podman.answer(["image", "inspect"], two)
    user = {"Id": "5af25b20662c" + "0" * 52, "ImageID": BUSYBOX[0]["Id"], "State": "running"}
    _answer_users(fake_podman, [user])
    fake_podman.answer(["untag"], "")
    response = await api.delete("/images/other:v1")
    assert response.json() == [{"Untagged": "other:v1"}]
    assert fake_podman.calls[-1] == ["untag", BUSYBOX[0]["Id"], "docker.io/library/other:v1"]
    by_id = await api.delete(f"/images/{BUSYBOX[0]['Id'][:12]}")
    assert by_id.status_code == 409
    assert "image is referenced in multiple repositories" in by_id.json()["message"]


async def test_rmi_reports_untagged_and_deleted(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(["image", "inspect"], BUSYBOX)
    _answer_users(fake_podman, [])
    fake_podman.answer(
        ["rmi"], f"Untagged: docker.io/library/busybox:latest\nDeleted: {BUSYBOX[0]['Id']}\n"
    )
    response = await api.delete("/images/busybox")
    assert response.json() == [
        {"Untagged": "busybox:latest"},
        {"Deleted": f"sha256:{BUSYBOX[0]['Id']}"},
    ]
    assert fake_podman.calls[-1] == ["rmi", "--", "docker.io/library/busybox:latest"]


async def test_auth_bad_credentials_is_401(api: httpx.AsyncClient, fake_podman: FakePodman) -> None:
    fake_podman.answer(
        ["login"], stderr='Error: logging into "127.0.0.1:5001": invalid username/password', rc=125
    )
    body = {"username": "testuser", "password": "nope", "serveraddress": "127.0.0.1:5001"}
    response = await api.post("/auth", json=body)
    assert response.status_code == 401
    assert response.json()["message"] == (
        "login attempt to http://127.0.0.1:5001/v2/ failed with status: 401 Unauthorized"
    )
    argv = fake_podman.calls[-1]
    assert "nope" not in argv and "--password-stdin" in argv and "--tls-verify=false" in argv


async def test_auth_success(api: httpx.AsyncClient, fake_podman: FakePodman) -> None:
    fake_podman.answer(["login"], "Login Succeeded!")
    body = {"username": "u", "password": "p", "serveraddress": "https://index.docker.io/v1/"}
    response = await api.post("/auth", json=body)
    assert response.json() == {"Status": "Login Succeeded", "IdentityToken": ""}
    assert fake_podman.calls[-1][-1] == "docker.io"
    assert "--tls-verify=false" not in fake_podman.calls[-1]


async def test_buildkit_endpoints_answer_at_once(api: httpx.AsyncClient) -> None:
    for path in ("/session", "/grpc"):
        response = await api.post(path, headers={"Upgrade": "h2c", "Connection": "Upgrade"})
        assert response.status_code == 501
        assert "DOCKER_BUILDKIT=0" in response.json()["message"]


async def test_build_refusals_before_streaming(api: httpx.AsyncClient) -> None:
    empty = await api.post("/build", content=b"")
    assert empty.status_code == 400
    remote = await api.post("/build", params={"remote": "https://x/y.git"}, content=b"x" * 10)
    assert remote.status_code == 400


async def test_import_refuses_unknown_change(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/images/create", params={"fromSrc": "-", "changes": "RUN rm -rf /"}, content=b"x"
    )
    assert response.status_code == 400
    assert "RUN is not a valid change command" in response.json()["message"]


async def test_build_prune_shape(api: httpx.AsyncClient) -> None:
    response = await api.post("/build/prune")
    assert response.json() == {"CachesDeleted": [], "SpaceReclaimed": 0}


async def test_search_shape(api: httpx.AsyncClient, fake_podman: FakePodman) -> None:
    found = [
        {
            "Index": "x",
            "Name": "127.0.0.1:5000/busybox",
            "Description": "",
            "Stars": 0,
            "Official": "",
            "Automated": "",
        }
    ]
    fake_podman.answer(["search"], json.dumps(found))
    response = await api.get("/images/search", params={"term": "127.0.0.1:5000/busybox"})
    assert response.json() == [
        {
            "name": "127.0.0.1:5000/busybox",
            "description": "",
            "star_count": 0,
            "is_official": False,
            "is_automated": False,
        }
    ]
    assert "--tls-verify=false" in fake_podman.calls[-1]


async def test_attestations_unsupported_like_dockerds_graphdriver_store(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(["image", "inspect"], BUSYBOX)
    response = await api.get("/images/busybox/attestations")
    assert response.status_code == 501


def _answer_users(fake: FakePodman, users: list[dict[str, str]]) -> None:
    """The containers podman knows (the engine lists ids, then inspects them)."""
    fake.answer(["ps"], "".join(u["Id"] + "\n" for u in users))
    fake.answer(
        ["container", "inspect"],
        [{"Id": u["Id"], "Image": u["ImageID"], "State": {"Status": u["State"]}} for u in users],
    )
