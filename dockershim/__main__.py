from dockershim.cli import main

raise SystemExit(main())
