"""`python -m agent_client` is `ferry-agent`."""

import sys

from agent_client.cli import main

sys.exit(main())
