#!/bin/sh
# The optional read replica: on an empty volume, copy the primary with pg_basebackup (-R
# writes standby.signal and the connection back to the primary), then run as a hot standby.
# It follows the primary by streaming replication and refuses every write.
set -eu
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD in .env}"
export PGPASSWORD="$REPLICATION_PASSWORD"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready -h postgres -p 5432 -q; do sleep 1; done
    pg_basebackup -h postgres -p 5432 -U replicator -D "$PGDATA" -R -X stream
    chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on
