# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/webmail/lib.sh - Debian's nginx, PHP-FPM and Roundcube packages, run as packaged (stock
# nginx.conf, the stock www-data pool, /var/lib/roundcube) inside the test's private mount
# namespace. Source after tests/lib/testlib.sh; every host path the packages write to or read
# a site's configuration from is replaced in this namespace only:
#   /run, /var/log                 tmpfs (pid files, the FPM socket, logs)
#   /var/cache                     a tmpfs too, unless it is a mount point already (the test
#                                  made it private, e.g. layout_package's overlay holding the
#                                  packaged /var/cache/oidc-auth)
#   /etc/nginx                     a copy of the host's, without sites-enabled/default
#   /etc/roundcube                 the packaged files without the host's config.inc.php and
#                                  debian-db.php (they hold its secrets), plus the test's
#   /var/lib/roundcube/temp, /var/lib/nginx   empty folders of the test
# so the host's files are never written and none of its secrets are read.

WEB_DIR=
RC_DB=

# web_private_layout DIR: the replacements above (DIR holds their backing folders).
web_private_layout() {
	local dir=$1 f
	if [ -z "${OIDC_OUTER_MNTNS:-}" ] ||
		[ "$(readlink /proc/self/ns/mnt)" = "$OIDC_OUTER_MNTNS" ]; then
		echo "# web_private_layout: not in a private mount namespace" >&2
		return 1
	fi
	WEB_DIR=$dir
	mkdir -p "$dir/etc-nginx" "$dir/etc-roundcube" "$dir/lib-nginx" "$dir/rc-temp" \
		"$dir/db" || return 1
	mount -t tmpfs -o mode=755 webrun /run &&
		mount -t tmpfs -o mode=755 weblog /var/log || return 1
	mountpoint -q /var/cache || mount -t tmpfs -o mode=755 webcache /var/cache || return 1
	# what the packages' maintainer scripts and systemd units create
	install -d -o www-data -g www-data /run/php &&
		install -d -m 755 -g adm /var/log/nginx &&
		install -d -m 750 -o www-data -g adm /var/log/roundcube || return 1
	cp -a /etc/nginx/. "$dir/etc-nginx/" && rm -f "$dir/etc-nginx/sites-enabled/default" &&
		mount --bind "$dir/etc-nginx" /etc/nginx || return 1
	for f in /etc/roundcube/*; do
		case ${f##*/} in
		config.inc.php | debian-db.php) ;;
		*) cp -a "$f" "$dir/etc-roundcube/" || return 1 ;;
		esac
	done
	mount --bind "$dir/etc-roundcube" /etc/roundcube || return 1
	chown www-data: "$dir/rc-temp" && chmod 750 "$dir/rc-temp" &&
		mount --bind "$dir/rc-temp" /var/lib/roundcube/temp &&
		mount --bind "$dir/lib-nginx" /var/lib/nginx || return 1
}

# rc_database: a new SQLite database with Roundcube's schema, configured the way Debian's
# installer writes it for the sqlite3 choice (/etc/roundcube/debian-db.php).
rc_database() {
	RC_DB=$WEB_DIR/db/roundcube
	php -r '$db = new PDO("sqlite:" . $argv[1]);
		$db->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
		$db->exec(file_get_contents("/usr/share/roundcube/SQL/sqlite.initial.sql"));' \
		"$RC_DB" || return 1
	chown -R www-data: "$WEB_DIR/db" && chmod 750 "$WEB_DIR/db" || return 1
	cat >/etc/roundcube/debian-db.php <<-EOF
	<?php
	\$dbuser='roundcube';
	\$dbpass='';
	\$basepath='$WEB_DIR/db';
	\$dbname='roundcube';
	\$dbserver='';
	\$dbport='';
	\$dbtype='sqlite3';
	EOF
	chown root:www-data /etc/roundcube/debian-db.php && chmod 640 /etc/roundcube/debian-db.php
}

# rc_config DIR [PHP_FILE]: DIR/config.inc.php as Debian's package starts it (its database
# include, a random des_key, the elastic skin), then PHP_FILE's lines; root:www-data 0640.
rc_config() {
	local dir=$1 extra=${2:-/dev/null} key
	key=$(head -c 18 /dev/urandom | base64) || return 1
	{
		echo '<?php'
		echo '$config = [];'
		echo 'include("/etc/roundcube/debian-db-roundcube.php");'
		echo "\$config['des_key'] = '$key';"
		echo "\$config['plugins'] = [];"
		echo "\$config['skin'] = 'elastic';"
		echo "\$config['enable_spellcheck'] = false;"
		cat "$extra"
	} >"$dir/config.inc.php" || return 1
	chown root:www-data "$dir/config.inc.php" && chmod 640 "$dir/config.inc.php"
}

# rc_instance DIR: another Roundcube configuration folder (nginx passes it to PHP as
# ROUNDCUBE_CONFIG_DIR, which Roundcube's iniset.php reads): the packaged files of
# /etc/roundcube with another config.inc.php.
rc_instance() {
	local dir=$1 f
	mkdir -p "$dir" || return 1
	for f in /etc/roundcube/*; do
		[ "${f##*/}" = config.inc.php ] || cp -a "$f" "$dir/" || return 1
	done
	chown root:www-data "$dir" && chmod 750 "$dir"
}

# web_start: Debian's PHP-FPM (stock php-fpm.conf and www pool) and nginx (stock nginx.conf);
# returns when https://127.0.0.1/ answers with Roundcube's page (CA file $1).
web_start() {
	local ca=$1 i
	php-fpm8.2 || { echo "# php-fpm8.2 did not start" >&2; return 1; }
	nginx || { echo "# nginx did not start: $(tail -n 5 /var/log/nginx/error.log)" >&2; return 1; }
	for ((i = 0; i < 100; i++)); do
		curl -sS --max-time 5 --cacert "$ca" https://127.0.0.1/ 2>/dev/null |
			grep -q 'rcmloginuser\|rcmloginoauth' && return 0
		sleep 0.1
	done
	echo "# Roundcube did not answer on https://127.0.0.1/:" \
		"$(curl -sS --max-time 5 --cacert "$ca" https://127.0.0.1/ 2>&1 | head -c 300)" \
		"$(tail -n 5 /var/log/nginx/error.log /var/log/php8.2-fpm.log 2>/dev/null)" >&2
	return 1
}

web_stop() {
	local pid
	for pid in /run/nginx.pid /run/php/php8.2-fpm.pid; do
		[ -s "$pid" ] && kill "$(cat "$pid")" 2>/dev/null
	done
	return 0
}
