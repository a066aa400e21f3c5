import sys

from bakegen.cli import main

sys.exit(main())
