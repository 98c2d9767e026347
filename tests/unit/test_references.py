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
