/* db_nodes.h: internal to lib/db.c: the nodes of db.hosts, connecting, Galera health. */
#ifndef KINGLET_DB_NODES_H
#define KINGLET_DB_NODES_H

#include <stdbool.h>

#include <mysql.h>

/*
 * A new connection (the caller's), or NULL. With db.hosts empty, to the single server of
 * db.socket or db.host, and *index is -1. Otherwise to the first healthy node among the first
 * limit of db.hosts (-1: all of them), with its index in *index; current is the index of the
 * caller's node (-1: none): a move to another one is logged. quiet: a periodic look for an
 * earlier node (not worth a log line a request when one is down). db.hosts is parsed at the
 * first call; conf_load has refused a bad one, so a bad one here (logged) counts as empty.
 */
MYSQL *db_nodes_connect(int limit, int current, bool quiet, int *index);
/*
 * Whether a process on a later node should look for an earlier one now: true at most every few
 * seconds after the last connect to a node or the last look (which this call then records).
 */
bool db_nodes_recheck_due(void);
/*
 * The name of node index ("127.0.0.1:3306" or the socket path), or of the single server when
 * index is -1 or db.hosts is empty. Borrowed: valid until the next call.
 */
const char *db_nodes_name(int index);
/* Whether MariaDB's error err means that the connection or its node is gone. */
bool db_nodes_gone(unsigned err);

#endif
