"""Django's PostgreSQL backend with a health check that costs no round trip when nothing is wrong.

CONN_HEALTH_CHECKS makes Django send `SELECT 1` before the first query of every request that
reuses a connection: a round trip and a query's Python cost on every page and API call, most of
a cheap request's database time. A connection the server has ended (a restart, a failover,
`pg_terminate_backend`, an idle timeout) always says so on its socket: the server sends its
FATAL message and closes, so an idle connection with anything waiting to be read is suspect,
and one with nothing waiting is as usable as `SELECT 1` would have shown. Only a suspect
connection gets the real check (and is replaced when it fails).

What neither check can see is a link that dies silently (a host gone without a reset); TCP
keepalives and the query's own error handle that, as they did before."""

import select

from django.db.backends.postgresql import base
from psycopg import pq


def _has_pending_input(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        due = self.connection is not None and self.health_check_enabled and not self.health_check_done
        if due and not self.pool and self._quiet():
            self.health_check_done = True  # as usable as SELECT 1 would have shown
            return
        super().close_if_health_check_failed()  # everything else as Django does it

    def _quiet(self) -> bool:
        """Idle, open, and nothing from the server waiting to be read."""
        connection = self.connection
        if connection.closed or connection.broken or connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return False
        try:
            return not _has_pending_input(connection.pgconn.socket)
        except (OSError, ValueError, base.Database.Error):
            return False
