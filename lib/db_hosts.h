/* db_hosts.h: the db.hosts setting parsed into a list of database nodes (no connection here). */
#ifndef KINGLET_DB_HOSTS_H
#define KINGLET_DB_HOSTS_H

#include "strbuf.h"

/*
 * db.hosts (issue 20): an ordered list of database nodes, "host:port", "[v6addr]:port" or an
 * absolute socket path, separated by spaces or commas. Empty: the single server of db.socket or
 * db.host and db.port, as before. Every process writes to the first healthy node of the list
 * (connected, and for a Galera node wsrep_ready ON and synced), and moves to the next one when
 * its node goes away.
 */
#define DB_HOSTS_MAX 16
#define DB_HOST_ADDR_MAX 108 /* a socket path's limit (sun_path) */
struct db_host {
	char addr[DB_HOST_ADDR_MAX]; /* host name or address (no brackets), or the socket path */
	unsigned port; /* 0: addr is a socket path */
};
/*
 * Parse a db.hosts setting into out (up to DB_HOSTS_MAX entries; out may be NULL to validate
 * only). Returns the number of entries (0 for an empty list), or -1 with "db.hosts: reason"
 * in err.
 */
int db_hosts_parse(const char *list, struct db_host *out, struct strbuf *err);
/* db_hosts_parse as conf.h's check of the key db.hosts: 0, or -1 with the reason in err. */
int db_hosts_check(const char *key, const char *list, struct strbuf *err);

#endif
