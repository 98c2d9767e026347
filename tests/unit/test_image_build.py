from __future__ import annotations

import pytest

from dockershim.errors import InvalidParameter
from dockershim.translate import build, commit
from dockershim.translate.internal_pods import is_internal_infra, is_internal_name, is_pause_image
from tests.fakes import FIXTURES


def _get(params: dict[str, list[str]]) -> build.GetList:
    return lambda key: params.get(key, [])


def test_build_argv_translates_docker_options() -> None:
    params = {
        "t": ["t1", "127.0.0.1:5000/x:v2"],
        "buildargs": ['{"V": "42", "UNSET": null}'],
        "labels": ['{"a": "b"}'],
        "target": ["final"],
        "nocache": ["1"],
        "pull": ["1"],
        "rm": ["0"],
        "forcerm": ["1"],
        "networkmode": ["host"],
        "extrahosts": ["h1:1.2.3.4,h2=5.6.7.8"],
        "shmsize": ["67108864"],
        "cachefrom": ["[]"],
        "memory": ["0"],
    }
    argv = build.build_args(_get(params), "/w/Dockerfile", "/w/iid")
    assert argv[:6] == [
        "build",
        "--format",
        "docker",
        "--identity-label=false",
        "--file",
        "/w/Dockerfile",
    ]
    joined = " ".join(argv)
    for part in (
        "--tag docker.io/library/t1:latest",
        "--tag 127.0.0.1:5000/x:v2",
        "--build-arg V=42",
        "--label a=b",
        "--target final",
        "--no-cache",
        "--pull=always",
        "--force-rm",
        "--network host",
        "--add-host h1:1.2.3.4 --add-host h2:5.6.7.8",
        "--shm-size 67108864b",
        "--iidfile /w/iid",
    ):
        assert part in joined
    assert "UNSET" not in joined and "--cache-from" not in joined and "--rm" not in argv


@pytest.mark.parametrize(
    "params",
    [
        {"remote": ["https://example.com/x.git"]},
        {"version": ["2"]},
        {"memory": ["1000000"]},
        {"buildargs": ["[1]"]},
        {"t": ["BAD TAG"]},
        {"shmsize": ["64m"]},
        {"ulimits": ['[{"Name": "nofile"}]']},
        {"labels": ["[]"]},
    ],
)
def test_refused_build_options_are_400(params: dict[str, list[str]]) -> None:
    with pytest.raises(InvalidParameter):
        build.build_args(_get(params), "/w/Dockerfile", "/iid")


def test_dockerfile_must_stay_inside_the_context() -> None:
    assert build.dockerfile_path(None) == "Dockerfile"
    assert build.dockerfile_path("./a/../Dockerfile.dev") == "Dockerfile.dev"
    with pytest.raises(InvalidParameter):
        build.dockerfile_path("../../etc/passwd")


def test_count_steps_handles_comments_and_continuations() -> None:
    text = '# c\nFROM busybox AS a\nRUN echo 1 \\\n  && echo 2\n\n# x\nFROM a\nCMD ["sh"]\n'
    assert build.count_steps(text) == 4


def test_stream_from_real_multistage_output() -> None:
    stream = build.BuildStream(8)
    lines = (FIXTURES / "build-multistage.txt").read_text().splitlines()
    text = "".join(i["stream"] for line in lines for i in stream.feed(line))
    assert text.startswith("Step 1/8 : FROM busybox AS base\nStep 2/8 : RUN echo hello > /x\n")
    assert " ---> d2139285c2c\n" in text and "built 1\n" in text
    assert 'Step 8/8 : CMD ["cat","/x"]\n' in text
    assert "COMMIT" not in text and "localhost/" not in text and "Successfully" not in text


def test_stream_of_cached_build_says_using_cache_once() -> None:
    stream = build.BuildStream(8)
    lines = (FIXTURES / "build-cached.txt").read_text().splitlines()
    text = "".join(i["stream"] for line in lines for i in stream.feed(line))
    assert text.count(" ---> Using cache\n") == 6
    assert text.count(" ---> d2139285c2c\n") == 1


def test_failed_run_step_gets_dockers_message_and_code() -> None:
    output = (FIXTURES / "build-fail.txt").read_text()
    assert build.failure(output) == (
        "The command '/bin/sh -c echo out; false' returned a non-zero code: 1",
        1,
    )
    exec_form = 'Error: building at STEP "RUN ["false"]": while running runtime: exit status 2'
    assert build.failure(exec_form) == ("The command 'false' returned a non-zero code: 2", 2)
    assert build.failure("Error: no FROM statement found") == ("no FROM statement found", 1)
    stream = build.BuildStream(2)
    fed = [i for line in output.splitlines() for i in stream.feed(line)]
    assert {"stream": "out\n"} in fed and all("Error" not in i["stream"] for i in fed)


def test_success_lines() -> None:
    out = build.success("sha256:" + "d" * 64, ["docker.io/library/t1:latest"])
    assert out == [
        {"aux": {"ID": "sha256:" + "d" * 64}},
        {"stream": "Successfully built dddddddddddd\n"},
        {"stream": "Successfully tagged t1:latest\n"},
    ]


def test_quiet_stream_prints_nothing_per_step() -> None:
    stream = build.BuildStream(1, quiet=True)
    assert stream.feed("STEP 1/1: FROM busybox") == []


def test_commit_changes_from_config_and_refusals() -> None:
    argv = commit.config_changes(
        {"Cmd": ["sh"], "Env": ["A=1"], "Labels": {"k": "v"}, "Tty": False}
    )
    assert argv == ["--change", 'CMD ["sh"]', "--change", 'ENV A="1"', "--change", 'LABEL "k"="v"']
    with pytest.raises(InvalidParameter):
        commit.config_changes({"Healthcheck": {"Test": ["NONE"]}})
    with pytest.raises(InvalidParameter):
        commit.config_changes({"Memory": 5})
    with pytest.raises(InvalidParameter):
        commit.config_changes({"Env": "A=1"})
    assert commit.change_args('CMD ["x"]\nENV A=b') == [
        "--change",
        'CMD ["x"]',
        "--change",
        "ENV A=b",
    ]
    with pytest.raises(InvalidParameter):
        commit.change_args("RUN rm -rf /")


def test_base_images_skip_stages_scratch_and_args() -> None:
    text = (
        "ARG BASE=busybox\nFROM --platform=linux/amd64 127.0.0.1:5001/x:v1 AS a\n"
        "FROM a\nFROM scratch\nFROM $BASE\nFROM \\\n  busybox AS b\nFROM b\n"
    )
    assert build.base_images(text) == ["127.0.0.1:5001/x:v1", "busybox"]
    assert build.instructions("RUN a \\\n  b\n")[0] == "RUN a b"


def test_qualify_from_rewrites_only_named_bases() -> None:
    text = "FROM busybox AS a\r\nfrom --platform=linux/amd64 busybox\nFROM a\nFROM $X\nRUN echo FROM busybox\n"
    names = {"busybox": "docker.io/library/busybox:latest"}
    assert build.qualify_from(text, names) == (
        "FROM docker.io/library/busybox:latest AS a\r\n"
        "from --platform=linux/amd64 docker.io/library/busybox:latest\n"
        "FROM a\nFROM $X\nRUN echo FROM busybox\n"
    )
    stream = build.BuildStream(2, originals={"docker.io/library/busybox:latest": "busybox"})
    assert stream.feed("STEP 1/2: FROM docker.io/library/busybox:latest AS a") == [
        {"stream": "Step 1/2 : FROM busybox AS a\n"}
    ]


def test_step_stderr_in_red_and_podman_messages_hidden() -> None:
    stream = build.BuildStream(2)
    fed = stream.feed("to-err", stderr=True)
    fed += stream.feed('Error: building at STEP "RUN x": exit status 3', stderr=True)
    fed += stream.feed("Copying blob abc done", stderr=True)
    assert fed == [{"stream": "\x1b[91mto-err\n\x1b[0m"}, {"stream": "Copying blob abc done\n"}]


@pytest.mark.parametrize(
    ("mode", "network"),
    [("", None), ("default", None), ("bridge", None), ("host", None), ("none", None),
     ("container:abc", None), ("my net", "my net"), ("1f2e3d", "1f2e3d")],
)  # fmt: skip
def test_user_network_modes_join_through_the_engine(mode: str, network: str | None) -> None:
    assert build.user_network(mode) == network
    argv = build.build_args(_get({"networkmode": [mode]}), "/w/Dockerfile", "/w/iid")
    # a user network is never a podman option here: engine/build_network.py gives the namespace
    assert (network is None) == ("--network" in argv or mode in ("", "default"))
    assert mode not in argv or network is None


def test_only_the_services_own_pod_infras_are_hidden() -> None:
    assert is_internal_infra({"IsInfra": True, "Name": "dockershim-build-0a1b2c-infra"})
    assert is_internal_infra({"IsInfra": True, "Name": "dockershim-netns-hold-0a1b2c-infra"})
    assert not is_internal_infra({"IsInfra": True, "Name": "mypod-infra"})
    assert not is_internal_infra({"IsInfra": False, "Name": "dockershim-build-x"})
    assert is_internal_name("dockershim-netns-hold-0a1b2c-infra")
    assert is_internal_name("dockershim-netns-keep-4242-0a1b2c3d-infra")
    assert is_pause_image({"Names": ["localhost/podman-pause:4.3.1-0"]})
    assert not is_pause_image({"Names": ["localhost/podman-pause:4.3.1-0", "mine:latest"]})
    assert not is_pause_image({"Names": []}) and not is_pause_image({"Names": ["busybox:1"]})
    assert is_internal_name("/dockershim-build-0a1b2c-infra")
    assert not is_internal_name("dockershim-build-0a1b2c") and not is_internal_name("web-infra")
