#!/usr/bin/env bash
# Starts the machine's PostgreSQL if it is installed but stopped, so the PostgreSQL tests run.
# Where there is none, the tests that need it skip and say why.
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  exit 0
fi
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  done
  for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 0.2; done
fi
echo "ensure-postgres: no PostgreSQL on 127.0.0.1:5432; its tests will be skipped" >&2
exit 0
