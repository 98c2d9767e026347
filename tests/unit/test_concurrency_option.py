"""`--podman-concurrency` reaches the runner's pool, also through the activator."""

from __future__ import annotations

from dockershim.cli import build_parser
from dockershim.podman import PodmanRunner
from dockershim.server import activator


def test_serve_takes_the_option() -> None:
    args = build_parser().parse_args(["serve", "--podman-concurrency", "6"])
    assert args.podman_concurrency == 6
    assert build_parser().parse_args(["serve"]).podman_concurrency is None


def test_the_activator_passes_it_on_to_serve() -> None:
    args = activator.build_parser().parse_args(["--podman-concurrency", "3"])
    serve = activator.serve_arguments(args)
    assert serve[serve.index("--podman-concurrency") + 1] == "3"
    assert "--podman-concurrency" not in activator.serve_arguments(
        activator.build_parser().parse_args([])
    )


def test_the_runner_sizes_its_pool_from_it() -> None:
    limits = PodmanRunner("podman", concurrency=6).slots.limits
    assert (limits.total, limits.writes) == (6, 5)
