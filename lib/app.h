/* app.h: the FastCGI program skeleton every cgi-bin program runs. */
#ifndef KINGLET_APP_H
#define KINGLET_APP_H

#include <stddef.h>

#include "router.h"

/*
 * Load the configuration (KINGLET_CONF), open the log, then serve requests with routes until the
 * web server asks the process to stop (SIGTERM, SIGUSR1, SIGINT): the request in flight is
 * finished, then the process exits 0. Run outside a FastCGI server, it serves one request as
 * plain CGI (environment, standard input and output). With the argument --routes it prints its
 * route table, one "METHOD PATTERN" line each (with the base path), and exits: the OpenAPI test
 * compares that with the document. With --error-pages DIR it writes the static JSON error pages
 * web servers answer with when no program can (DIR/STATUS.html in version 1's shape, DIR/v0/ in
 * version 0's; DIR's parent must exist) and exits 0, or 1 when a file could not be written.
 * Returns the process exit status.
 */
int app_main(int argc, char **argv, const char *name, const struct route *routes, size_t nroutes);

#endif
