#!/bin/sh
# Dumps of the portal's databases, kept for a number of days (docker-compose.yml, `backup`).
#
#   backup.sh            one dump of every database now, then the old ones are deleted
#   backup.sh --nightly  the same every day at BACKUP_AT, forever (the compose service);
#                        at start, a dump at once when the last good one is more than a
#                        day old or missing
#
# Each database of BACKUP_DATABASES goes to BACKUP_DIR/<database>/<database>-<UTC time>.dump
# (pg_dump's custom format, compressed, restored with deploy/restore.sh). A dump is written
# under a temporary name and renamed once pg_dump succeeded, so a file named *.dump is
# always complete. Dumps older than BACKUP_RETENTION_DAYS are deleted after a run in which
# every database was dumped, never after a failed one. BACKUP_DIR/last-success holds the
# time of the last run where every dump succeeded (the compose healthcheck reads its age).
# The server is given by libpq's variables: PGHOST, PGPORT, PGUSER, PGPASSWORD.
set -u

BACKUP_DIR=${BACKUP_DIR:-/backups}
BACKUP_DATABASES=${BACKUP_DATABASES:-accounts requests notifications family billing}
BACKUP_RETENTION_DAYS=${BACKUP_RETENTION_DAYS:-14}
BACKUP_AT=${BACKUP_AT:-02:30}

log() {
    printf '%s backup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
}

dump_one() {
    database=$1
    folder="$BACKUP_DIR/$database"
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    target="$folder/$database-$stamp.dump"
    mkdir -p "$folder" || return 1
    if pg_dump --format=custom --compress=6 --file="$target.partial" --dbname="$database"; then
        mv "$target.partial" "$target" && log "$database: $target ($(wc -c <"$target") bytes)"
    else
        rm -f "$target.partial"
        log "$database: pg_dump failed"
        return 1
    fi
}

prune() {
    minutes=$((BACKUP_RETENTION_DAYS * 1440))
    find "$BACKUP_DIR" -mindepth 2 -maxdepth 2 -name '*.dump' -mmin "+$minutes" -print \
        -exec rm -f {} + | while read -r old; do log "deleted $old (older than $BACKUP_RETENTION_DAYS days)"; done
}

run_once() {
    failed=0
    for database in $BACKUP_DATABASES; do
        dump_one "$database" || failed=1
    done
    if [ "$failed" -ne 0 ]; then
        log "at least one dump failed: old dumps kept"
        return 1
    fi
    date -u +%Y-%m-%dT%H:%M:%SZ >"$BACKUP_DIR/last-success"
    prune
}

seconds_until_next_run() {
    now=$(date +%s)
    next=$(date -d "today $BACKUP_AT" +%s)
    [ "$next" -gt "$now" ] || next=$(date -d "tomorrow $BACKUP_AT" +%s)
    echo $((next - now))
}

case "${1:-}" in
"")
    run_once
    ;;
--nightly)
    mkdir -p "$BACKUP_DIR" || exit 1
    if [ -z "$(find "$BACKUP_DIR/last-success" -mmin -1440 2>/dev/null)" ]; then
        run_once
    fi
    while :; do
        pause=$(seconds_until_next_run)
        log "next run at $BACKUP_AT ($pause s)"
        sleep "$pause"
        run_once
    done
    ;;
*)
    echo "usage: $0 [--nightly]" >&2
    exit 2
    ;;
esac
