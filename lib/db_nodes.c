/* db_nodes.c: the nodes of db.hosts (connecting, Galera health, lost connections), for db.c. */
#include "db_nodes.h"

#include <errmsg.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conf.h"
#include "db_hosts.h"
#include "log.h"
#include "strbuf.h"

#include "banned.h"

/* db.hosts, parsed at the first use (conf_load checked it); 0 nodes: the single server. */
static struct db_host hosts[DB_HOSTS_MAX];
static int nhosts = -1; /* -1: not parsed yet */
static char node_name[DB_HOST_ADDR_MAX + 8];
static time_t rechecked; /* when the nodes before the process's node were last tried */

/*
 * A process on a later node tries the earlier ones this often, so that the whole cluster writes
 * to one node again soon after the first comes back (one writer keeps conflicts rare and ids in
 * commit order).
 */
#define DB_RECHECK_SECONDS 5

/* A new connection to h (NULL: the single server of db.socket or db.host), or NULL. */
static MYSQL *open_conn(const struct db_host *h, bool quiet)
{
	unsigned int timeout = (unsigned int)conf.db_timeout_seconds;
	my_bool off = 0;
	const char *socket = conf.db_socket[0] ? conf.db_socket : NULL;
	const char *host = socket ? "localhost" : conf.db_host;
	unsigned port = (unsigned)conf.db_port;
	MYSQL *m;

	if (h) {
		socket = h->port ? NULL : h->addr;
		host = h->port ? h->addr : "localhost";
		port = h->port;
	}
	m = mysql_init(NULL);
	if (!m)
		return NULL;
	mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &timeout);
	mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
	mysql_optionsv(m, MYSQL_OPT_RECONNECT, &off);
	mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* UTC for UNIX_TIMESTAMP(), and lock waits short enough to answer within a request. */
	mysql_optionsv(m, MYSQL_INIT_COMMAND,
		       "SET time_zone = '+00:00', innodb_lock_wait_timeout = 10");
	if (!mysql_real_connect(m, host, conf.db_user, conf.db_password, conf.db_name, port, socket,
				0)) {
		if (!quiet)
			log_error("database connect failed: %s", mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	return m;
}

/*
 * Whether the node behind m takes writes: for Galera, wsrep_ready ON and wsrep_local_state 4
 * (Synced; a joiner or a node outside the primary component answers SELECT 1 but refuses table
 * reads with 1047). A server without Galera, or with wsrep off, is healthy.
 */
static bool node_healthy(MYSQL *m, int i)
{
	static const char sql[] = "SELECT @@wsrep_on, "
				  "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
				  "WHERE VARIABLE_NAME = 'WSREP_READY'), "
				  "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
				  "WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE')";
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	bool ok = false;

	if (mysql_real_query(m, sql, (unsigned long)strlen(sql))) {
		if (mysql_errno(m) == ER_UNKNOWN_SYSTEM_VARIABLE)
			return true; /* built without Galera */
		log_warn("database node %d: health query failed: %s", i + 1, mysql_error(m));
		return false;
	}
	res = mysql_store_result(m);
	row = res ? mysql_fetch_row(res) : NULL;
	if (!row || !row[0] || !strcmp(row[0], "0")) {
		ok = row != NULL;
		goto out;
	}
	ok = row[1] && !strcasecmp(row[1], "ON") && row[2] && !strcmp(row[2], "4");
	if (!ok)
		log_warn("database node %d (%s) skipped: wsrep_ready %s, wsrep_local_state %s "
			 "(4 is synced)",
			 i + 1, db_nodes_name(i), row[1] ? row[1] : "?", row[2] ? row[2] : "?");
out:
	if (res)
		mysql_free_result(res);
	return ok;
}

MYSQL *db_nodes_connect(int limit, int current, bool quiet, int *index)
{
	if (nhosts < 0) {
		struct strbuf err = STRBUF_INIT;
		nhosts = db_hosts_parse(conf.db_hosts, hosts, &err);
		if (nhosts < 0) {
			/* conf_load refuses such a setting: not reached from the programs */
			log_error("%s", err.buf);
			nhosts = 0;
		}
		strbuf_release(&err);
	}
	*index = -1;
	if (!nhosts)
		return open_conn(NULL, quiet);
	if (limit < 0)
		limit = nhosts;
	for (int i = 0; i < limit; i++) {
		MYSQL *m = open_conn(&hosts[i], quiet);
		if (!m)
			continue;
		if (!node_healthy(m, i)) {
			mysql_close(m);
			continue;
		}
		if (i != current)
			log_info("database node %d of %d: %s", i + 1, nhosts, db_nodes_name(i));
		*index = i;
		rechecked = time(NULL);
		return m;
	}
	if (!quiet)
		log_error("no healthy database node among the %d of db.hosts", limit);
	return NULL;
}

bool db_nodes_recheck_due(void)
{
	time_t now = time(NULL);
	if (now - rechecked < DB_RECHECK_SECONDS)
		return false;
	rechecked = now;
	return true;
}

const char *db_nodes_name(int index)
{
	if (nhosts > 0 && index >= 0) {
		const struct db_host *h = &hosts[index];
		if (h->port)
			snprintf(node_name, sizeof(node_name), "%s:%u", h->addr, h->port);
		else
			snprintf(node_name, sizeof(node_name), "%s", h->addr);
	} else if (conf.db_socket[0]) {
		snprintf(node_name, sizeof(node_name), "%s", conf.db_socket);
	} else {
		snprintf(node_name, sizeof(node_name), "%s:%lld", conf.db_host, conf.db_port);
	}
	return node_name;
}

bool db_nodes_gone(unsigned err)
{
	switch (err) {
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_LOST_EXTENDED:
	case CR_COMMANDS_OUT_OF_SYNC:
	case ER_SERVER_SHUTDOWN:
	case ER_CONNECTION_KILLED:
	/*
	 * 1047 from a Galera node outside the primary component ("WSREP has not yet prepared
	 * node for application use"): nothing ran; the next connect picks another node.
	 */
	case ER_UNKNOWN_COM_ERROR:
	case 4031: /* ER_CLIENT_INTERACTION_TIMEOUT */
		return true;
	default:
		return false;
	}
}
