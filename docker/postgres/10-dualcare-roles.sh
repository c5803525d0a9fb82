#!/bin/sh
# The app's database role, which owns nothing (see dualcare/audit/roles.py). The postgres
# image runs this once, on an empty data volume; on an existing one run it by hand:
#   docker compose exec postgres sh /docker-entrypoint-initdb.d/10-dualcare-roles.sh
# The owner is POSTGRES_USER, which made the database and runs `manage.py migrate` (the
# `migrate` service); migrate then grants the app role its rights on each table, and only
# SELECT and INSERT on the audit log. Safe to run again (it resets the app role's password).
set -eu
: "${DB_APP_USER:=dualcare_app}"
: "${DB_APP_PASSWORD:?set DB_APP_PASSWORD in .env}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_user="$DB_APP_USER" -v app_password="$DB_APP_PASSWORD" \
    -v owner="$POSTGRES_USER" -v db="$POSTGRES_DB" <<'SQL'
SELECT format('CREATE ROLE %I', :'app_user')
    WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \gexec
ALTER ROLE :"app_user" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'app_password';
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app_user";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app_user";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_user";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app_user";
SQL
