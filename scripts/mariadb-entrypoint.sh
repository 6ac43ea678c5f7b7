#!/bin/bash
# Entrypoint of the MariaDB image built from Debian's packages by build-mariadb-image.sh.
#
# It behaves like the official image's entrypoint, for the variables schema-tools and
# its tests use:
#   MARIADB_ROOT_PASSWORD / MYSQL_ROOT_PASSWORD (or *_FILE), MARIADB_ALLOW_EMPTY_ROOT_PASSWORD /
#   MYSQL_ALLOW_EMPTY_PASSWORD, MARIADB_RANDOM_ROOT_PASSWORD / MYSQL_RANDOM_ROOT_PASSWORD,
#   MARIADB_ROOT_HOST / MYSQL_ROOT_HOST (default %), MARIADB_DATABASE / MYSQL_DATABASE,
#   MARIADB_USER / MYSQL_USER, MARIADB_PASSWORD / MYSQL_PASSWORD (or *_FILE),
#   MARIADB_INITDB_SKIP_TZINFO / MYSQL_INITDB_SKIP_TZINFO, and the files in
#   /docker-entrypoint-initdb.d (*.sh, *.sql, *.sql.gz, *.sql.xz, *.sql.zst), run once,
#   when the datadir is first initialised.
# and, for host networking (where the container shares the host's ports):
#   MARIADB_PORT / MYSQL_TCP_PORT (default 3306) and
#   MARIADB_BIND_ADDRESS / MYSQL_BIND_ADDRESS (default 0.0.0.0, every interface).
# Arguments starting with "-" are passed to mariadbd; any other command is run as is.
#
# Initialisation drops the password-less root@127.0.0.1, root@::1 and root@<hostname>
# accounts that mariadb-install-db creates, and stops its bootstrap server with TERM and
# wait, as the official image does.
set -eo pipefail
shopt -s nullglob

log() { printf '%s [Entrypoint]: %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S')" "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }

# file_env VAR [DEFAULT]: VAR from itself, its MYSQL_ alias, VAR_FILE or the alias' _FILE
file_env() {
	local var="$1" alias="MYSQL_${1#MARIADB_}" default="${2:-}"
	local file_var="${1}_FILE" file_alias="MYSQL_${1#MARIADB_}_FILE"
	local value="${!var:-${!alias:-}}"
	if [ -z "$value" ]; then
		if [ -n "${!file_var:-}" ]; then value="$(< "${!file_var}")"
		elif [ -n "${!file_alias:-}" ]; then value="$(< "${!file_alias}")"
		fi
	fi
	export "$var"="${value:-$default}"
	unset "$alias" "$file_var" "$file_alias"
}

# the empty-password variables differ between the official images
allow_empty_password() {
	[ -n "${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-}${MYSQL_ALLOW_EMPTY_PASSWORD:-}" ]
}

sql_string() {  # a string literal's contents: backslash, newline and quote escaped
	local escaped="${1//\\/\\\\}"
	escaped="${escaped//$'\n'/\\n}"
	printf '%s' "${escaped//\'/\\\'}"
}

sql_ident() {  # a backtick-quoted identifier
	printf '`%s`' "${1//\`/\`\`}"
}

if [ "${1:0:1}" = '-' ]; then
	set -- mariadbd "$@"
fi
if [ "$1" != mariadbd ] && [ "$1" != mysqld ]; then
	exec "$@"
fi
shift

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock
PORT="${MARIADB_PORT:-${MYSQL_TCP_PORT:-3306}}"
BIND_ADDRESS="${MARIADB_BIND_ADDRESS:-${MYSQL_BIND_ADDRESS:-0.0.0.0}}"
case "$PORT" in ''|*[!0-9]*) die "port '$PORT' is not a number" ;; esac

mkdir -p /run/mysqld "$DATADIR"
chown mysql:mysql /run/mysqld "$DATADIR"

client() {  # the command-line client as root over the bootstrap server's socket
	mariadb --no-defaults --protocol=socket --socket="$SOCKET" --user=root "$@"
}

process_sql() {  # SQL on stdin, as root (whose password is set by now)
	local args=()
	if [ -n "${MARIADB_DATABASE:-}" ]; then args+=(--database="$MARIADB_DATABASE"); fi
	MYSQL_PWD="${ROOT_PASSWORD_SET:-}" client "${args[@]}" "$@"
}

initialise() {
	file_env MARIADB_ROOT_PASSWORD
	file_env MARIADB_ROOT_HOST '%'
	file_env MARIADB_DATABASE
	file_env MARIADB_USER
	file_env MARIADB_PASSWORD
	file_env MARIADB_RANDOM_ROOT_PASSWORD
	local random="${MARIADB_RANDOM_ROOT_PASSWORD:-}"
	if [ -z "$MARIADB_ROOT_PASSWORD" ] && ! allow_empty_password && [ -z "$random" ]; then
		die "the database is uninitialised and no root password option is given:" \
			"set one of MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD or" \
			"MARIADB_RANDOM_ROOT_PASSWORD"
	fi
	if [ -n "$random" ]; then
		MARIADB_ROOT_PASSWORD="$(tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 32)"
		log "GENERATED ROOT PASSWORD: $MARIADB_ROOT_PASSWORD"
	fi

	log "initialising the datadir"
	mariadb-install-db --datadir="$DATADIR" --user=mysql --rpm --skip-test-db \
		--auth-root-authentication-method=normal --skip-log-bin \
		--loose-innodb-buffer-pool-load-at-startup=0 \
		--loose-innodb-buffer-pool-dump-at-shutdown=0 >/dev/null

	log "starting the bootstrap server"
	mariadbd --user=mysql --datadir="$DATADIR" --socket="$SOCKET" --skip-networking \
		--skip-log-bin --skip-slave-start --loose-innodb-buffer-pool-load-at-startup=0 \
		--loose-innodb-buffer-pool-dump-at-shutdown=0 "$@" &
	local pid=$! ready="" tries
	for tries in $(seq 300); do
		if client --execute='SELECT 1' >/dev/null 2>&1; then ready=yes; break; fi
		kill -0 "$pid" 2>/dev/null || die "the bootstrap server exited"
		sleep 0.1
	done
	[ -n "$ready" ] || die "the bootstrap server did not start within 30 s"

	if [ -z "${MARIADB_INITDB_SKIP_TZINFO:-${MYSQL_INITDB_SKIP_TZINFO:-}}" ] \
			&& [ -d /usr/share/zoneinfo ]; then
		mariadb-tzinfo-to-sql --skip-write-binlog /usr/share/zoneinfo 2>/dev/null \
			| client --database=mysql
	fi

	local password root_host create_root=""
	password="$(sql_string "$MARIADB_ROOT_PASSWORD")"
	root_host="$(sql_string "$MARIADB_ROOT_HOST")"
	if [ -n "$MARIADB_ROOT_HOST" ] && [ "$MARIADB_ROOT_HOST" != localhost ]; then
		create_root="CREATE USER 'root'@'$root_host' IDENTIFIED BY '$password';
			GRANT ALL ON *.* TO 'root'@'$root_host' WITH GRANT OPTION;
			GRANT PROXY ON ''@'%' TO 'root'@'$root_host' WITH GRANT OPTION;"
	fi
	local create_db="" create_user=""
	if [ -n "$MARIADB_DATABASE" ]; then
		create_db="CREATE DATABASE IF NOT EXISTS $(sql_ident "$MARIADB_DATABASE");"
	fi
	if [ -n "$MARIADB_USER" ] && [ "$MARIADB_USER" != root ]; then
		local user pass
		user="$(sql_string "$MARIADB_USER")"
		pass="$(sql_string "$MARIADB_PASSWORD")"
		create_user="CREATE USER '$user'@'%' IDENTIFIED BY '$pass';"
		if [ -n "$MARIADB_DATABASE" ]; then
			create_user+=" GRANT ALL ON $(sql_ident "$MARIADB_DATABASE").* TO '$user'@'%';"
		fi
	fi
	client <<-EOSQL
		SET @@SESSION.SQL_LOG_BIN=0;
		DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1';
		EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\'', @@hostname, '\'');
		DROP USER IF EXISTS ''@'localhost', ''@'%';
		SET PASSWORD FOR 'root'@'localhost' = PASSWORD('$password');
		$create_root
		$create_db
		$create_user
	EOSQL
	ROOT_PASSWORD_SET="$MARIADB_ROOT_PASSWORD"

	local f
	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
			*.sh) if [ -x "$f" ]; then log "running $f"; "$f"
			      else log "sourcing $f"; . "$f"; fi ;;
			*.sql) log "loading $f"; process_sql < "$f" ;;
			*.sql.gz) log "loading $f"; gunzip -c "$f" | process_sql ;;
			*.sql.xz) log "loading $f"; xzcat "$f" | process_sql ;;
			*.sql.zst) log "loading $f"; zstd -dc "$f" | process_sql ;;
			*) log "ignoring $f" ;;
		esac
	done

	log "stopping the bootstrap server"
	kill -TERM "$pid"
	wait "$pid" || die "the bootstrap server did not stop cleanly"
	log "initialisation done"
}

if [ ! -d "$DATADIR/mysql" ]; then
	initialise "$@"
fi

exec mariadbd --user=mysql --datadir="$DATADIR" --socket="$SOCKET" --port="$PORT" \
	--bind-address="$BIND_ADDRESS" "$@"
