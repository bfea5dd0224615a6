"""Surviving a database connection that was dropped (a failover, a restart, an idle timeout,
pg_terminate_backend).

Requests need nothing from here: CONN_HEALTH_CHECKS (settings) makes Django test a reused
connection before a request's first query and reconnect when it is gone. A worker thread
that holds one connection for the whole of a long job has no request boundary, so its
writes go through `retry_if_dropped`: on a connection error outside a transaction the dead
connection is closed and the operation runs once more on a fresh one.
"""

import logging

from django.db import InterfaceError, OperationalError, connection

logger = logging.getLogger(__name__)


def retry_if_dropped(operation):
    try:
        return operation()
    except (OperationalError, InterfaceError) as exc:
        if connection.in_atomic_block:
            raise  # the transaction is lost with the connection: only its owner can start over
        connection.close_if_unusable_or_obsolete()
        if connection.connection is not None:
            raise  # the connection still works: the error was about the query, not the link
        logger.warning("database connection lost (%s); retrying on a new connection", exc)
        return operation()
