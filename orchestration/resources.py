"""The one resource every asset shares: where the inbox and msoko's home are."""
from __future__ import annotations

import os

from dagster import ConfigurableResource

from msoko.config import Paths, paths_from_env


class MsokoPaths(ConfigurableResource):
    """Empty strings mean "from MSOKO_INBOX / MSOKO_HOME at run time"."""
    inbox: str = ""
    home: str = ""

    def paths(self) -> Paths:
        env = paths_from_env()
        return Paths(
            inbox=os.path.abspath(self.inbox) if self.inbox else env.inbox,
            home=os.path.abspath(self.home) if self.home else env.home,
        ) if (self.inbox or self.home) else env
