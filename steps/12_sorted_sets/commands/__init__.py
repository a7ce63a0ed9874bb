"""Every command the server knows, one module per family, as Redis groups them.

Importing a module runs its @command decorators, which file its handlers in
the dispatch table (base.COMMANDS). The order below is the order COMMAND lists them.
"""

from commands import (admin, connection, hashes, keys, lists, sets, sort, sorted_sets,  # noqa: F401  (imported to register)
                      strings)
from commands.base import COMMANDS, ServerState, Session, execute

__all__ = ["COMMANDS", "ServerState", "Session", "execute"]
