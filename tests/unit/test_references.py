def test_create_candidates_in_lookup_order() -> None:
    from dockershim.translate.references import create_candidates

    assert create_candidates("busybox") == (
        ["docker.io/library/busybox:latest", "localhost/busybox:latest"],
        "busybox:latest",  # as dockerd names it in "No such image: busybox:latest"
    )
    names, shown = create_candidates("sha256:" + "a" * 64)
    assert names[0] == "a" * 64 and shown == "sha256:" + "a" * 64
    local = "127.0.0.1:5000/x:v1"
    assert create_candidates(local) == ([local], local)


def test_missing_name_as_dockerd_shows_it() -> None:
    """moby's ErrImageDoesNotExist: reference.TagNameOnly, then FamiliarString."""
    from dockershim.translate.references import missing_name

    assert missing_name("busybox") == "busybox:latest"
    assert missing_name("docker.io/library/busybox") == "busybox:latest"
    assert missing_name("probe/extra") == "probe/extra:latest"
    assert missing_name("e83bf03") == "e83bf03:latest"  # a short id is a name to dockerd too
    assert missing_name("a" * 64) == "sha256:" + "a" * 64
    digested = "busybox@sha256:" + "b" * 64
    assert missing_name(digested) == digested
    assert missing_name("Not A Reference") == "Not A Reference"
