from __future__ import annotations

from dockershim.translate import progress, terminal
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


def _terminal(name: str) -> list[str]:
    lines = terminal.TerminalLines()
    raw = (FIXTURES / name).read_bytes().decode()
    # in odd pieces, as a pty hands them over: escape sequences and lines split anywhere
    out = [line for i in range(0, len(raw), 7) for line in lines.feed(raw[i : i + 7])]
    return out + lines.flush()


def test_terminal_lines_and_counts() -> None:
    lines = _terminal("pull-pty-output.txt")
    assert lines[:3] == [
        "Trying to pull 127.0.0.1:5000/dteco/progress:latest...",
        "Getting image source signatures",
        "Copying blob 269137c67b22 .",
    ]
    assert not any("\x1b" in line for line in lines)
    assert terminal.byte_counts("[====>---] 7.0MiB / 11.4MiB") == (7340032, 11953766)
    assert terminal.byte_counts("[--------] 0.0b / 825.0b") == (0, 825)
    assert terminal.byte_counts("done") is None


def test_pull_bytes_move_per_layer_from_podmans_bars() -> None:
    """podman 4.3.1 pulling a 3-layer image on a pty (one layer already present)."""
    sizes = {"sha256:74bd0fafae43": 12001716, "sha256:26aff0e72c7a": 30004259}
    tracker = progress.PullProgress(sizes)
    out = [item for line in _terminal("pull-pty-output.txt") for item in tracker.feed(line)]
    out += tracker.finish()
    big = [(o["status"], o.get("progressDetail")) for o in out if o.get("id") == "26aff0e72c7a"]
    assert big == [
        ("Pulling fs layer", {}),
        ("Downloading", {"current": 12373196, "total": 30004259}),  # 11.8MiB, as podman saw it
        ("Downloading", {"current": 29989273, "total": 30004259}),
        ("Downloading", {"current": 30004259, "total": 30004259}),
        ("Verifying Checksum", {}),
        ("Download complete", {}),
        ("Extracting", {"current": 30004259, "total": 30004259}),
        ("Pull complete", {}),
    ]
    assert [o["status"] for o in out if o.get("id") == "269137c67b22"] == ["Already exists"]
    bars = [o["progress"] for o in out if o.get("id") == "74bd0fafae43" and "progress" in o]
    assert bars[0].endswith("]  11.95MB/12MB")  # what the docker CLI draws after the bar


def test_push_bytes_move_from_podmans_bars() -> None:
    tracker = progress.PushProgress()
    out = [item for line in _terminal("push-pty-output.txt") for item in tracker.feed(line)]
    mine = [(o["status"], o.get("progressDetail")) for o in out if o.get("id") == "6a1a09371d09"]
    currents = [d["current"] for s, d in mine if s == "Pushing" and d]
    assert currents == sorted(currents) and len(set(currents)) == 5, mine
    assert mine[0] == ("Preparing", {}) and mine[-1] == ("Pushed", {})
    assert [o["status"] for o in out if o.get("id") == "269137c67b22"] == [
        "Preparing",
        "Layer already exists",
    ]
