"""Progress lines a person can follow: the same text goes to the Dagster event log (UI) and
to the `msoko` logger, which `msoko run` prints to the terminal."""
from __future__ import annotations

import logging

logger = logging.getLogger("msoko")


def reporter(context, stage: str):
    def report(message: str) -> None:
        line = f"[{stage}] {message}"
        context.log.info(line)
        logger.info(line)
    return report
