from __future__ import annotations

from dockershim.translate import progress
from tests.fakes import FIXTURES


def test_pull_lines_from_real_podman_output() -> None:
    lines = (FIXTURES / "pull-output.txt").read_text().splitlines()
    tracker = progress.PullProgress(
        {"sha256:82b35f7f7db1c399b717750bdc32af318df6d60cd5c02f7aa8fd771fb352a2be": 1088120}
    )
    out = [item for line in lines for item in tracker.feed(line)] + tracker.finish()
    statuses = [(o["status"], o.get("id")) for o in out]
    assert statuses == [
        ("Pulling fs layer", "82b35f7f7db1"),
        ("Downloading", "82b35f7f7db1"),
        ("Verifying Checksum", "82b35f7f7db1"),
        ("Download complete", "82b35f7f7db1"),
        ("Extracting", "82b35f7f7db1"),
        ("Pull complete", "82b35f7f7db1"),
    ]
    assert out[1]["progressDetail"] == {"current": 1088120, "total": 1088120}


def test_pull_without_sizes_still_reports_every_layer_and_skips_existing() -> None:
    tracker = progress.PullProgress()
    out = tracker.feed("Copying blob sha256:" + "a" * 64)
    out += tracker.feed("Copying blob sha256:" + "b" * 64 + " skipped: already exists")
    out += tracker.feed("Writing manifest to image destination") + tracker.finish()
    assert [(o["status"], o["id"]) for o in out] == [
        ("Pulling fs layer", "aaaaaaaaaaaa"),
        ("Already exists", "bbbbbbbbbbbb"),
        ("Verifying Checksum", "aaaaaaaaaaaa"),
        ("Download complete", "aaaaaaaaaaaa"),
        ("Pull complete", "aaaaaaaaaaaa"),
    ]


def test_pull_header_and_footer_are_dockers() -> None:
    assert progress.pull_header("library/busybox", "latest") == {
        "status": "Pulling from library/busybox",
        "progressDetail": {},
        "id": "latest",
    }
    assert progress.pull_footer("sha256:abc", "busybox:latest", True)[-1] == {
        "status": "Status: Downloaded newer image for busybox:latest"
    }
    assert progress.pull_footer(None, "busybox:latest", False) == [
        {"status": "Status: Image is up to date for busybox:latest"}
    ]


def test_pulled_digest_prefers_the_digest_the_pull_added() -> None:
    repo = "127.0.0.1:5001/x"
    before = {"RepoDigests": [f"{repo}@sha256:old"]}
    after = {"RepoDigests": [f"{repo}@sha256:old", f"{repo}@sha256:new"], "Digest": "sha256:old"}
    assert progress.pulled_digest(before, after, repo) == "sha256:new"
    assert progress.pulled_digest({}, {"RepoDigests": [f"{repo}@sha256:one"]}, repo) == "sha256:one"


def test_push_lines_from_real_podman_output() -> None:
    tracker = progress.PushProgress()
    lines = (FIXTURES / "push-output.txt").read_text().splitlines()
    out = [item for line in lines for item in tracker.feed(line)]
    assert [(o["status"], o["id"]) for o in out] == [
        ("Preparing", "becf82bde378"),
        ("Pushing", "becf82bde378"),
        ("Pushed", "becf82bde378"),
    ]
    footer = progress.push_footer("v1", "sha256:abc", None)
    assert footer[0] == {"status": "v1: digest: sha256:abc"}
    assert footer[1]["aux"] == {"Tag": "v1", "Digest": "sha256:abc"}


def test_loaded_names_from_real_podman_output() -> None:
    text = (FIXTURES / "load-output.txt").read_text()
    assert progress.loaded_names(text) == ["docker.io/library/t1:latest"]
    assert progress.loaded_names("Loaded image(s): a:1, b:2\n") == ["a:1", "b:2"]


def test_manifest_sizes_and_errors() -> None:
    manifest = {"layers": [{"digest": "sha256:aa", "size": 3}]}
    assert progress.manifest_sizes(manifest) == {"sha256:aa": 3}
    assert progress.manifest_sizes([{"x": 1}]) == {}
    assert progress.error("boom") == {"errorDetail": {"message": "boom"}, "error": "boom"}
