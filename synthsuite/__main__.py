from synthsuite.cli import main

raise SystemExit(main())
