"""`python -m dockershim.activator`: the same as `dockershim activate`."""

from dockershim.server.activator import main

if __name__ == "__main__":
    raise SystemExit(main())
