#!/bin/sh
# Restores one dump made by deploy/backup.sh into a new database.
#
#   restore.sh DUMP DATABASE [OWNER]
#
# Creates DATABASE (it must not exist: restore beside the damaged one, then swap names, see
# docs/operations.md), owned by OWNER (default: the login of PGUSER), and restores DUMP in one
# transaction, its objects owned by OWNER; any error stops it and leaves nothing restored.
# The server is given by libpq's variables: PGHOST, PGPORT, PGUSER, PGPASSWORD.
set -eu

if [ "$#" -lt 2 ] || [ "$#" -gt 3 ]; then
    echo "usage: $0 DUMP DATABASE [OWNER]" >&2
    exit 2
fi
dump=$1
database=$2
owner=${3:-${PGUSER:-postgres}}

pg_restore --list "$dump" >/dev/null
createdb --owner="$owner" "$database"
pg_restore --exit-on-error --single-transaction --no-owner --role="$owner" \
    --dbname="$database" "$dump"
echo "restored $dump into $database (owner $owner)" >&2
