#!/bin/sh
# Writes PgBouncer's configuration from the environment, then runs it in the foreground.
# Transaction pooling: a server connection is the app's for one transaction only, which is
# why the app is told DATABASE_POOL_MODE=transaction (no server-side cursors or prepared
# statements; see dualcare/settings.py). Passwords reach the config in a file only the
# postgres user can read, never on a command line.
set -eu
: "${DB_APP_USER:=dualcare_app}"
: "${DB_APP_PASSWORD:?set DB_APP_PASSWORD in .env}"
: "${PGBOUNCER_POOL_SIZE:=20}"
: "${PGBOUNCER_MAX_CLIENT_CONN:=500}"
dir=/tmp/pgbouncer
mkdir -p "$dir"
umask 077
printf '"%s" "%s"\n' "$DB_APP_USER" "$DB_APP_PASSWORD" > "$dir/users.txt"
cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=${PGBOUNCER_DB_HOST:-postgres} port=${PGBOUNCER_DB_PORT:-5432}
[pgbouncer]
listen_addr = 0.0.0.0
listen_port = 6432
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/users.txt
pool_mode = transaction
default_pool_size = $PGBOUNCER_POOL_SIZE
max_client_conn = $PGBOUNCER_MAX_CLIENT_CONN
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
INI
exec pgbouncer "$dir/pgbouncer.ini"
