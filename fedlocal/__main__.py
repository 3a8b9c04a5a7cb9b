from fedlocal.cli import main

raise SystemExit(main())
