#!/bin/sh
# A role the optional read replica (the `replica` profile) streams from, when
# REPLICATION_PASSWORD is set. The postgres image runs this once, on an empty data volume;
# on an existing one run it by hand, then reload:
#   docker compose exec postgres sh /docker-entrypoint-initdb.d/20-replication.sh
set -eu
if [ -z "${REPLICATION_PASSWORD:-}" ]; then
    echo "REPLICATION_PASSWORD not set: no replication role (the replica profile needs one)"
    exit 0
fi
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v password="$REPLICATION_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE replicator' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'replicator') \gexec
ALTER ROLE replicator WITH LOGIN REPLICATION PASSWORD :'password';
SQL
if ! grep -q "^host replication replicator" "$PGDATA/pg_hba.conf"; then
    echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
fi
psql --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c "SELECT pg_reload_conf()" >/dev/null
