import os
import sys

from trainlint.cli import main

try:
    sys.exit(main())
except BrokenPipeError:
    # The reader went away (`trainlint check --output-format json-lines . | head`): stop quietly.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(1)
