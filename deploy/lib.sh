# shellcheck shell=bash
# Variables set here are read by the scripts that source this file:
# shellcheck disable=SC2034
# deploy/lib.sh: helpers shared by deploy/up, deploy/down, deploy/test, deploy/health-check and the
# Fly scripts. Sourced, never executed. Every function is prefixed `opside_`; nothing here starts a
# process unless a function whose name says so is called.

OPSIDE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
OPSIDE_RUN_DIR="${OPSIDE_RUN_DIR:-$OPSIDE_ROOT/.run}"

# The ten services and their ports, in start order. Must match `OpsideService` in
# Shared/Core/OpsideService.swift: Tests/OpsideTests/DeployFilesTests.swift checks it.
OPSIDE_SERVICES=(
  main-api:8000
  integrations:3001
  refund-engine:3002
  cost-docs:3003
  inventory-sync:3004
  payments:4000
  claim-detector:8001
  evidence-engine:8002
  test-runner:8003
  mcde:8004
)
OPSIDE_AMAZON_SANDBOX_PORT=9100
OPSIDE_STRIPE_SANDBOX_PORT=12111

# MARK: Output

if [[ -t 1 ]]; then
  _opside_bold=$'\033[1m' _opside_red=$'\033[31m' _opside_green=$'\033[32m' _opside_reset=$'\033[0m'
else
  _opside_bold='' _opside_red='' _opside_green='' _opside_reset=''
fi

opside_section() { printf '\n%s==> %s%s\n' "$_opside_bold" "$*" "$_opside_reset"; }
opside_info() { printf '    %s\n' "$*"; }
opside_ok() { printf '    %s%s%s\n' "$_opside_green" "$*" "$_opside_reset"; }
opside_warn() { printf '%swarning:%s %s\n' "$_opside_red" "$_opside_reset" "$*" >&2; }
opside_die() {
  printf '%serror:%s %s\n' "$_opside_red" "$_opside_reset" "$*" >&2
  exit 1
}

# Prints the comment block at the top of script $1 (its usage), without the `#` marks.
opside_usage() { sed -n '2,/^[^#]/p' "$1" | sed -n 's/^# \{0,1\}//p'; }

# MARK: Services

# Prints the names of the ten services, one a line.
opside_service_names() {
  local entry
  for entry in "${OPSIDE_SERVICES[@]}"; do printf '%s\n' "${entry%%:*}"; done
}

# Prints the port of service $1; fails for an unknown name.
opside_service_port() {
  local entry
  for entry in "${OPSIDE_SERVICES[@]}"; do
    if [[ ${entry%%:*} == "$1" ]]; then
      printf '%s\n' "${entry#*:}"
      return 0
    fi
  done
  return 1
}

# SERVICES_<NAME>_URL for service $1 (main-api -> SERVICES_MAIN_API_URL).
opside_service_url_key() {
  local upper=${1^^}
  printf 'SERVICES_%s_URL\n' "${upper//-/_}"
}

# Dies unless every argument names a service.
opside_check_service_names() {
  local name
  for name in "$@"; do
    opside_service_port "$name" >/dev/null ||
      opside_die "unknown service '$name' (known: $(opside_service_names | tr '\n' ' '))"
  done
}

# MARK: Packages

# Extra Debian packages to install with the required ones (space-separated), e.g. document tools.
OPSIDE_EXTRA_APT_PACKAGES="${OPSIDE_EXTRA_APT_PACKAGES:-}"
# Debian's own python, where apt installs python3-aiosmtpd (a python3 earlier on the PATH, pyenv's
# say, would not see it). deploy/mail-sink.py runs on it.
OPSIDE_MAIL_SINK_PYTHON="${OPSIDE_MAIL_SINK_PYTHON:-/usr/bin/python3}"
# deploy/up's mail sink: where the suite's mail goes (main-api's mail.smtp.port default), kept
# as files in $OPSIDE_RUN_DIR/mail.
OPSIDE_MAIL_SINK_PORT=2525

# Prints the PostgreSQL server binary folder (newest installed major version); fails if none.
opside_pg_bin() {
  if [[ -n ${OPSIDE_PG_BIN:-} && -x ${OPSIDE_PG_BIN}/initdb ]]; then
    printf '%s\n' "$OPSIDE_PG_BIN"
    return 0
  fi
  local dir candidates=()
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x $dir/initdb && -x $dir/pg_ctl ]] && candidates+=("$dir")
  done
  if ((${#candidates[@]})); then
    printf '%s\n' "${candidates[@]}" | sort -V | tail -1
    return 0
  fi
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir 2>/dev/null || true)
    if [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]]; then
      printf '%s\n' "$dir"
      return 0
    fi
  fi
  return 1
}

# Prints the Debian packages that are missing, one a line. Checks what the scripts use rather than
# package names, so a hand-built PostgreSQL or Redis counts as present.
opside_missing_packages() {
  local pg_bin
  if ! pg_bin=$(opside_pg_bin) || [[ ! -x $pg_bin/psql && -z $(command -v psql) ]]; then
    printf '%s\n' postgresql
  fi
  command -v redis-server >/dev/null 2>&1 || printf '%s\n' redis-server
  command -v redis-cli >/dev/null 2>&1 || printf '%s\n' redis-tools
  command -v pkg-config >/dev/null 2>&1 || printf '%s\n' pkg-config
  pkg-config --exists hiredis 2>/dev/null || printf '%s\n' libhiredis-dev
  pkg-config --exists zlib 2>/dev/null || [[ -e /usr/include/zlib.h ]] || printf '%s\n' zlib1g-dev
  command -v curl >/dev/null 2>&1 || printf '%s\n' curl
  [[ -s /etc/ssl/certs/ca-certificates.crt ]] || printf '%s\n' ca-certificates
  command -v wrk >/dev/null 2>&1 || printf '%s\n' wrk
  # promtool (Debian ships it with Prometheus) checks and unit-tests what deploy/monitoring-setup
  # writes; the tests run it.
  command -v promtool >/dev/null 2>&1 || printf '%s\n' prometheus
  # The dashboard's browser tests drive headless Chromium through its WebDriver (chromedriver).
  command -v chromium >/dev/null 2>&1 || printf '%s\n' chromium
  command -v chromedriver >/dev/null 2>&1 || printf '%s\n' chromium-driver
  # A font for the pages' text in the screenshots the browser tests write.
  [[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || printf '%s\n' fonts-dejavu-core
  # Documents (issue 14): poppler reads text PDFs, tesseract reads scans and photos (English data),
  # heif-convert turns HEIC photos into PNG for it, cairo and pango render cost documents.
  command -v pdftotext >/dev/null 2>&1 || printf '%s\n' poppler-utils
  command -v tesseract >/dev/null 2>&1 || printf '%s\n' tesseract-ocr
  [[ -n $(compgen -G '/usr/share/tesseract-ocr/*/tessdata/eng.traineddata') ]] || printf '%s\n' tesseract-ocr-eng
  command -v heif-convert >/dev/null 2>&1 || printf '%s\n' libheif-examples
  pkg-config --exists pangocairo 2>/dev/null || printf '%s\n' libpango1.0-dev libcairo2-dev
  # python3 with venv and pip: deploy/test installs the open-source SP-API clients the tests drive
  # the Amazon sandbox with (opside_ensure_client_libraries).
  command -v python3 >/dev/null 2>&1 || printf '%s\n' python3
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || printf '%s\n' python3-venv
  # The SMTP sink mail goes to in development and tests (deploy/mail-sink.py), on Debian's python.
  "$OPSIDE_MAIL_SINK_PYTHON" -c 'import aiosmtpd' >/dev/null 2>&1 || printf '%s\n' python3-aiosmtpd
  local package
  for package in $OPSIDE_EXTRA_APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
      printf '%s\n' "$package"
  done
}

# Installs the missing packages with apt-get (updating the package lists first, only then).
# Daemons the packages would start (Debian's system PostgreSQL and Redis) are held back with a
# temporary policy-rc.d when the machine has none: the scripts always run their own servers.
opside_ensure_packages() {
  local missing
  mapfile -t missing < <(opside_missing_packages | sort -u)
  if ((${#missing[@]} == 0)); then
    opside_info "all required packages are present"
    return 0
  fi
  opside_info "missing: ${missing[*]}"
  command -v apt-get >/dev/null 2>&1 ||
    opside_die "apt-get not found; install these by hand: ${missing[*]}"
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 || opside_die "run as root (or install sudo) to install: ${missing[*]}"
    sudo=(sudo)
  fi
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# written by opside deploy/lib.sh during apt-get install\nexit 101\n' |
      "${sudo[@]}" tee "$policy" >/dev/null && "${sudo[@]}" chmod 755 "$policy" && added_policy=1
  fi
  local status=0
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || status=$?
  if ((status == 0)); then
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" || status=$?
  fi
  if ((added_policy)); then "${sudo[@]}" rm -f "$policy"; fi
  ((status == 0)) || opside_die "apt-get failed (exit $status) installing: ${missing[*]}"
  mapfile -t missing < <(opside_missing_packages | sort -u)
  ((${#missing[@]} == 0)) || opside_die "still missing after apt-get install: ${missing[*]}"
  opside_ok "installed"
}

# The open-source SP-API clients the tests drive the Amazon sandbox with (python-amazon-sp-api),
# pinned with their dependencies in Tests/Clients/requirements.txt, in a virtualenv of their own.
OPSIDE_CLIENTS_VENV="${OPSIDE_CLIENTS_VENV:-$OPSIDE_RUN_DIR/clients-venv}"

# Makes $OPSIDE_CLIENTS_VENV hold exactly Tests/Clients/requirements.txt: (re)creates it with
# `python3 -m venv` and `pip install -r` when it is missing or the requirements changed since it
# was made, else leaves it alone (no network then). Needs python3 and python3-venv
# (opside_ensure_packages). The tests find its python through OPSIDE_TEST_PYTHON.
opside_ensure_client_libraries() {
  local venv=$OPSIDE_CLIENTS_VENV requirements=$OPSIDE_ROOT/Tests/Clients/requirements.txt
  local stamp=$venv/opside-requirements.txt
  if [[ -x $venv/bin/python ]] && cmp -s "$requirements" "$stamp"; then
    opside_info "SP-API client libraries present in $venv"
    return 0
  fi
  opside_info "installing the SP-API client libraries of $requirements into $venv"
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv" || opside_die "python3 -m venv $venv failed (is python3-venv installed?)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements" ||
    opside_die "pip could not install $requirements into $venv"
  cp "$requirements" "$stamp"
  opside_ok "installed $(grep -c '==' "$requirements") pinned Python packages"
}

# Raises the soft open-files limit of this shell (and so of its children) towards 65536.
opside_raise_open_files_limit() {
  local soft hard want=65536
  soft=$(ulimit -Sn)
  hard=$(ulimit -Hn)
  [[ $soft == unlimited ]] && return 0
  ((soft >= want)) && return 0
  if [[ $hard != unlimited ]] && ((hard < want)); then want=$hard; fi
  ((want > soft)) || return 0
  if ulimit -Sn "$want" 2>/dev/null; then
    opside_info "open files limit raised from $soft to $want"
  else
    opside_warn "could not raise the open files limit (now $soft)"
  fi
}

# MARK: Processes

# True when pid $1 is a live process (not a zombie).
opside_pid_alive() {
  local pid=$1 state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r /proc/$pid/stat ]]; then
    state=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat" 2>/dev/null || true)
    [[ $state != Z && $state != X ]] || return 1
  fi
  return 0
}

# True when pid $1 is alive and runs executable $2 (the basename of argv[0], or of argv[1] for a
# script run by an interpreter, or the kernel's command name), so a pid file left behind never
# makes us signal a stranger that reused the pid.
opside_pid_runs() {
  local pid=$1 name=$2 comm arg args=()
  opside_pid_alive "$pid" || return 1
  [[ -r /proc/$pid/cmdline ]] || return 0 # no /proc: trust the pid
  comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
  [[ $comm == "$name" || $comm == "${name:0:15}" ]] && return 0
  mapfile -t args < <(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -2 || true)
  for arg in "${args[@]}"; do
    arg=${arg%% *}
    [[ ${arg##*/} == "$name" || ${arg##*/} == "$name.py" ]] && return 0
  done
  return 1
}

# Reads the pid in file $1 (empty output when the file is missing or malformed).
opside_read_pid() {
  local pid=''
  if [[ -f $1 ]]; then read -r pid <"$1" 2>/dev/null || true; fi
  [[ $pid =~ ^[0-9]+$ ]] && printf '%s\n' "$pid"
  return 0
}

# Waits up to $1 seconds for every pid in $2... to exit; prints the ones still alive.
opside_wait_for_exit() {
  local seconds=$1
  shift
  local deadline=$((SECONDS + seconds)) pid alive
  while :; do
    alive=()
    for pid in "$@"; do opside_pid_alive "$pid" && alive+=("$pid"); done
    ((${#alive[@]} == 0)) && return 0
    ((SECONDS >= deadline)) && break
    sleep 0.2
  done
  printf '%s\n' "${alive[@]}"
}

# Prints a TCP port on 127.0.0.1 that nothing listens on, chosen at random in 20000-32767 (below
# Linux's ephemeral range, so outgoing connections never take it meanwhile).
opside_free_port() {
  local attempt port
  for ((attempt = 0; attempt < 100; attempt++)); do
    port=$((20000 + RANDOM % 12768))
    if ! opside_port_open "$port"; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  return 1
}

# True when something accepts TCP connections on 127.0.0.1:$1.
opside_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# MARK: Supervision (deploy/up runs every sandbox and service under deploy/supervise)

# Restart policy of opside_supervise; the environment may override each (tests make them tiny).
# A process that exits without being asked is started again after a delay that doubles from
# BACKOFF_BASE up to BACKOFF_MAX seconds; after more than MAX_RESTARTS exits within WINDOW
# seconds the supervisor gives up, loudly, and leaves it down.
OPSIDE_SUPERVISE_MAX_RESTARTS=${OPSIDE_SUPERVISE_MAX_RESTARTS:-5}
OPSIDE_SUPERVISE_WINDOW=${OPSIDE_SUPERVISE_WINDOW:-300}
OPSIDE_SUPERVISE_BACKOFF_BASE=${OPSIDE_SUPERVISE_BACKOFF_BASE:-1}
OPSIDE_SUPERVISE_BACKOFF_MAX=${OPSIDE_SUPERVISE_BACKOFF_MAX:-30}

# Runs command $3... as process NAME ($1) and keeps it running; state goes to folder $2:
#   NAME.pid       the running process's pid (what deploy/down and the readiness wait read)
#   NAME.restarts  how many times it was restarted
#   NAME.state     running | restarting | gave-up | stopped
# Its own lines go to stdout (deploy/up appends them to the process's log). SIGTERM or SIGINT
# stops it: the process gets SIGTERM, the supervisor waits for it and returns 0. Giving up
# returns 1. The delay before a restart is waited in the background so SIGTERM cuts it short.
opside_supervise() {
  local name=$1 state_dir=$2
  shift 2
  [[ ${1:-} == -- ]] && shift
  (($#)) || opside_die "opside_supervise: no command to run for $name"
  local child='' status restarts=0 stopping=0 delay crashes=() recent=() at now exponent
  trap 'stopping=1; if [[ -n $child ]]; then kill -TERM "$child" 2>/dev/null || true; fi' TERM INT
  mkdir -p "$state_dir"
  printf '%s\n' "$restarts" >"$state_dir/$name.restarts"
  while :; do
    "$@" &
    child=$!
    printf '%s\n' "$child" >"$state_dir/$name.pid"
    printf 'running\n' >"$state_dir/$name.state"
    status=0
    # A trapped signal ends `wait` early: wait again until the process is really gone.
    while :; do
      status=0
      wait "$child" || status=$?
      opside_pid_alive "$child" || break
    done
    child=''
    rm -f "$state_dir/$name.pid"
    if ((stopping)); then
      printf 'stopped\n' >"$state_dir/$name.state"
      printf '=== %s stopped by its supervisor at %s (status %s) ===\n' "$name" "$(date -u +%FT%TZ)" "$status"
      return 0
    fi
    now=$SECONDS
    crashes+=("$now")
    recent=()
    for at in "${crashes[@]}"; do ((now - at < OPSIDE_SUPERVISE_WINDOW)) && recent+=("$at"); done
    crashes=("${recent[@]}")
    if ((${#crashes[@]} > OPSIDE_SUPERVISE_MAX_RESTARTS)); then
      printf 'gave-up\n' >"$state_dir/$name.state"
      printf '=== %s exited with status %s at %s: %d exits within %ss, GIVING UP after %d restarts; it stays down until deploy/up runs again ===\n' \
        "$name" "$status" "$(date -u +%FT%TZ)" "${#crashes[@]}" "$OPSIDE_SUPERVISE_WINDOW" "$restarts"
      opside_warn "$name keeps crashing (${#crashes[@]} exits within ${OPSIDE_SUPERVISE_WINDOW}s); gave up after $restarts restarts"
      return 1
    fi
    exponent=$((${#crashes[@]} - 1))
    ((exponent > 16)) && exponent=16
    delay=$((OPSIDE_SUPERVISE_BACKOFF_BASE * (1 << exponent)))
    ((delay > OPSIDE_SUPERVISE_BACKOFF_MAX)) && delay=$OPSIDE_SUPERVISE_BACKOFF_MAX
    printf 'restarting\n' >"$state_dir/$name.state"
    printf '=== %s exited with status %s at %s; restarting in %ss ===\n' "$name" "$status" "$(date -u +%FT%TZ)" "$delay"
    sleep "$delay" &
    wait $! || true
    if ((stopping)); then
      printf 'stopped\n' >"$state_dir/$name.state"
      return 0
    fi
    restarts=$((restarts + 1))
    printf '%s\n' "$restarts" >"$state_dir/$name.restarts"
  done
}

# Prints what the supervisor of NAME ($1) reports from state folder $2: "STATE RESTARTS", or
# nothing when the process is not supervised.
opside_supervised_state() {
  local name=$1 state_dir=$2 state='' restarts=''
  [[ -f $state_dir/$name.state ]] || return 0
  read -r state <"$state_dir/$name.state" 2>/dev/null || true
  [[ -f $state_dir/$name.restarts ]] && { read -r restarts <"$state_dir/$name.restarts" 2>/dev/null || true; }
  printf '%s %s\n' "${state:-unknown}" "${restarts:-0}"
}

# MARK: PostgreSQL (a private cluster: trust auth, loopback only, socket in the data folder)

# Runs a command as the `postgres` system user when we are root (PostgreSQL refuses root),
# from `/` so an unreadable working folder never bothers it.
opside_as_postgres() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# Creates the `postgres` system user when running as root and it is missing.
opside_ensure_postgres_user() {
  ((EUID == 0)) || return 0
  id -u postgres >/dev/null 2>&1 && return 0
  opside_info "creating the postgres system user"
  useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
    --shell /usr/sbin/nologin postgres
}

# Creates cluster $1 with initdb unless it exists. The superuser is `postgres`. Without $2 auth is
# trust (deploy/test's throwaway cluster); with $2, the superuser's password, every connection
# must authenticate with scram-sha-256.
opside_pg_init() {
  local data=$1 password=${2:-} bin
  bin=$(opside_pg_bin) || opside_die "PostgreSQL server binaries not found"
  [[ -f $data/PG_VERSION ]] && return 0
  opside_ensure_postgres_user
  mkdir -p "$data"
  chmod 700 "$data"
  ((EUID == 0)) && chown postgres:postgres "$data"
  opside_as_postgres test -w "$data" ||
    opside_die "the postgres user cannot write $data (is a parent folder private?); set OPSIDE_RUN_DIR to a folder it can reach"
  local output auth=(--auth=trust) pwfile=''
  if [[ -n $password ]]; then
    # The password reaches initdb in a file only the postgres user reads, never on a command line.
    pwfile=$(mktemp)
    chmod 600 "$pwfile"
    printf '%s\n' "$password" >"$pwfile"
    ((EUID == 0)) && chown postgres:postgres "$pwfile"
    auth=(--auth-local=scram-sha-256 --auth-host=scram-sha-256 "--pwfile=$pwfile")
  fi
  if ! output=$(opside_as_postgres "$bin/initdb" -D "$data" -U postgres "${auth[@]}" \
    --encoding=UTF8 --no-locale 2>&1); then
    [[ -n $pwfile ]] && rm -f "$pwfile"
    printf '%s\n' "$output" >&2
    opside_die "initdb failed for $data"
  fi
  [[ -n $pwfile ]] && rm -f "$pwfile"
  printf "\n# Opside: settings written by deploy/lib.sh before every start\ninclude_if_exists = 'opside.conf'\n" \
    >>"$data/postgresql.conf"
  opside_info "created cluster $data"
}

# Requires scram-sha-256 for every connection to running cluster $1 on port $2, whose superuser
# gets password $3. A cluster created with trust auth (by an older deploy/up) is converted: the
# passwords are set while trust still lets us in, then pg_hba.conf is rewritten and reloaded.
# Idempotent. The password goes to psql on stdin, never on a command line.
opside_pg_require_passwords() {
  local data=$1 port=$2 password=$3 bin
  bin=$(opside_pg_bin) || opside_die "PostgreSQL server binaries not found"
  if opside_as_postgres grep -qE '^[[:space:]]*[a-z]+[[:space:]].*[[:space:]]trust([[:space:]]|$)' "$data/pg_hba.conf"; then
    printf "ALTER ROLE postgres PASSWORD '%s';\n" "$password" | PGPASSWORD='' opside_psql "$port" postgres -f - >/dev/null
    local hba
    hba=$(mktemp)
    cat >"$hba" <<'HBA'
# Written by deploy/lib.sh (opside_pg_require_passwords): every connection authenticates.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 scram-sha-256
host    all       all   127.0.0.1/32  scram-sha-256
host    all       all   ::1/128       scram-sha-256
HBA
    chmod 600 "$hba"
    ((EUID == 0)) && chown postgres:postgres "$hba"
    opside_as_postgres cp "$hba" "$data/pg_hba.conf"
    rm -f "$hba"
    opside_as_postgres "$bin/pg_ctl" -D "$data" -s reload
    opside_info "PostgreSQL now requires passwords (scram-sha-256)"
  fi
}

# Writes the settings of cluster $1 for port $2; further arguments are extra `name = value` lines.
opside_pg_configure() {
  local data=$1 port=$2
  shift 2
  local socket_dir=$data
  # Unix socket paths are limited to 107 bytes; fall back to TCP only beyond that.
  ((${#data} + 20 > 100)) && socket_dir=''
  {
    printf "listen_addresses = '127.0.0.1'\n"
    printf 'port = %s\n' "$port"
    printf "unix_socket_directories = '%s'\n" "$socket_dir"
    printf 'max_connections = 300\n'
    local line
    for line in "$@"; do printf '%s\n' "$line"; done
  } >"$data/opside.conf"
  ((EUID == 0)) && chown postgres:postgres "$data/opside.conf"
  return 0
}

# True when cluster $1 is running.
opside_pg_running() {
  local data=$1 bin
  [[ -f $data/postmaster.pid ]] || return 1
  bin=$(opside_pg_bin) || return 1
  opside_as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

# Starts cluster $1 logging to file $2 and waits until it accepts connections.
opside_pg_start() {
  local data=$1 log=$2 bin
  bin=$(opside_pg_bin) || opside_die "PostgreSQL server binaries not found"
  mkdir -p "$(dirname "$log")"
  touch "$log"
  ((EUID == 0)) && chown postgres:postgres "$log"
  opside_as_postgres "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 -s start
}

# Stops cluster $1 (fast mode: disconnects clients, clean shutdown). Harmless when stopped.
opside_pg_stop() {
  local data=$1 bin pid
  [[ -f $data/postmaster.pid ]] || return 0
  if bin=$(opside_pg_bin); then
    opside_pg_running "$data" || return 0
    opside_as_postgres "$bin/pg_ctl" -D "$data" -w -t 60 -s stop -m fast ||
      opside_as_postgres "$bin/pg_ctl" -D "$data" -w -t 30 -s stop -m immediate
  else
    # No binaries (uninstalled meanwhile): SIGINT is PostgreSQL's fast shutdown.
    pid=$(head -1 "$data/postmaster.pid" 2>/dev/null || true)
    if [[ $pid =~ ^[0-9]+$ ]] && opside_pid_runs "$pid" postgres; then
      kill -INT "$pid"
      [[ -z $(opside_wait_for_exit 60 "$pid") ]] || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
}

# Runs psql as superuser `postgres` over TCP on 127.0.0.1:$1 against database $2; more arguments
# are psql's. Stops at the first error.
opside_psql() {
  local port=$1 database=$2 bin psql
  shift 2
  psql=psql
  if bin=$(opside_pg_bin) && [[ -x $bin/psql ]]; then psql=$bin/psql; fi
  PGCONNECT_TIMEOUT=10 PGOPTIONS='-c client_min_messages=warning' "$psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres \
    -d "$database" "$@"
}

# True when PostgreSQL answers on 127.0.0.1:$1.
opside_pg_answers() { opside_psql "$1" postgres -tAc 'SELECT 1' >/dev/null 2>&1; }

# Creates database $2 on port $1 unless it exists.
opside_pg_create_database() {
  local port=$1 database=$2 exists
  exists=$(opside_psql "$port" postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'")
  if [[ $exists != 1 ]]; then
    opside_psql "$port" postgres -c "CREATE DATABASE \"$database\""
    opside_info "created database $database"
  fi
}

# MARK: Redis (our own process: no persistence, loopback only)

# Starts redis-server on port $1 with its files in folder $2, pid file $3 and log $4, and waits
# for PONG. With $5, clients must AUTH with that password: it goes into a mode-600 config file in
# $2 (not on the command line, which every local user can read) and reaches redis-cli through
# REDISCLI_AUTH.
opside_redis_start() {
  local port=$1 dir=$2 pidfile=$3 log=$4 password=${5:-} config=()
  mkdir -p "$dir" "$(dirname "$pidfile")" "$(dirname "$log")"
  if [[ -n $password ]]; then
    (
      umask 077
      printf 'requirepass %s\n' "$password" >"$dir/redis.conf"
    )
    chmod 600 "$dir/redis.conf"
    config=("$dir/redis.conf")
  fi
  redis-server "${config[@]}" --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$pidfile" --logfile "$log" --dir "$dir" >/dev/null
  local deadline=$((SECONDS + 20))
  until [[ $(opside_redis_cli "$password" -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]; do
    if ((SECONDS >= deadline)); then
      tail -n 20 "$log" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.2
  done
}

# Runs redis-cli with arguments $2...; with password $1 it authenticates through REDISCLI_AUTH
# (an environment variable of redis-cli alone, not an argument anyone can read in /proc).
opside_redis_cli() {
  local password=$1
  shift
  if [[ -n $password ]]; then
    REDISCLI_AUTH=$password redis-cli --no-auth-warning "$@"
  else
    redis-cli "$@"
  fi
}

# True when the redis-server of pid file $1 is alive.
opside_redis_running() {
  local pid
  pid=$(opside_read_pid "$1")
  [[ -n $pid ]] && opside_pid_runs "$pid" redis-server
}

# Stops the redis-server of pid file $1 (SIGTERM, then SIGKILL after 10 s). Harmless when stopped.
opside_redis_stop() {
  local pidfile=$1 pid
  pid=$(opside_read_pid "$pidfile")
  if [[ -n $pid ]] && opside_pid_runs "$pid" redis-server; then
    kill -TERM "$pid" 2>/dev/null || true
    if [[ -n $(opside_wait_for_exit 10 "$pid") ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$pidfile"
}

# MARK: Service tokens

# Prints a service token for test-runner as the suite signs them (HS256 under kid
# opside-service-1, a minute long), signed with the secret $1 (SECURITY_SERVICE_TOKEN_SECRET).
opside_test_runner_token() {
  SECRET=$1 python3 -c '
import base64, hashlib, hmac, json, os, time
def part(value): return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).rstrip(b"=").decode()
now = int(time.time())
signing = part({"alg": "HS256", "typ": "JWT", "kid": "opside-service-1"}) + "." + part({"iss": "test-runner", "aud": ["test-runner"], "iat": now, "exp": now + 60})
mac = hmac.new(os.environ["SECRET"].encode(), signing.encode(), hashlib.sha256).digest()
print(signing + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode())'
}

# MARK: HTTP probes

# GETs URL $1 with timeout $2 seconds. Sets OPSIDE_PROBE_CODE (000 when no HTTP answer),
# OPSIDE_PROBE_BODY (first 4 KB) and OPSIDE_PROBE_ERROR (curl's message when it failed).
opside_probe() {
  local url=$1 timeout=${2:-3} body_file err_file
  body_file=$(mktemp)
  err_file=$(mktemp)
  OPSIDE_PROBE_CODE=$(curl -sS -o "$body_file" -w '%{http_code}' --connect-timeout "$timeout" \
    -m "$timeout" "$url" 2>"$err_file" || true)
  [[ $OPSIDE_PROBE_CODE =~ ^[0-9]{3}$ ]] || OPSIDE_PROBE_CODE=000
  OPSIDE_PROBE_BODY=$(head -c 4096 "$body_file" 2>/dev/null | tr -d '\000' || true)
  OPSIDE_PROBE_ERROR=$(sed -E 's/^curl: \([0-9]+\) //' "$err_file" | head -1 || true)
  rm -f "$body_file" "$err_file"
}

# Names what a /health/ready body says is failing ("postgres: down, redis: down"), from common JSON
# shapes: {"checks":{"postgres":{"status":"down"}}}, {"postgres":"down"}, {"failing":["redis"]}.
# Falls back to the start of the body.
opside_failing_components() {
  local body bad found=()
  body=$(printf '%s' "$1" | tr '\n\r\t' '   ')
  bad='(down|fail|failed|failing|failure|error|unhealthy|unavailable|unreachable|timeout|timed out|not ready|not_ready|degraded|false)'
  local match key value
  # {"postgres": {"status": "down", ...}}
  while IFS= read -r match; do
    [[ -n $match ]] || continue
    key=$(sed -E 's/^"([^"]+)".*/\1/' <<<"$match")
    value=$(sed -E 's/.*"(status|state|health)"[[:space:]]*:[[:space:]]*"?([^",}]+)"?$/\2/' <<<"$match")
    found+=("$key: $value")
  done < <(grep -oiE "\"[A-Za-z0-9_.-]+\"[[:space:]]*:[[:space:]]*\{[^{}]*\"(status|state|health)\"[[:space:]]*:[[:space:]]*\"?$bad\"?" <<<"$body" || true)
  # {"postgres": "down"} or {"redis": false}
  while IFS= read -r match; do
    [[ -n $match ]] || continue
    key=$(sed -E 's/^"([^"]+)".*/\1/' <<<"$match")
    value=$(sed -E 's/^"[^"]+"[[:space:]]*:[[:space:]]*"?([^"]+)"?$/\1/' <<<"$match")
    case ${key,,} in status | state | health | ready | ok) continue ;; esac
    found+=("$key: $value")
  done < <(grep -oiE "\"[A-Za-z0-9_.-]+\"[[:space:]]*:[[:space:]]*(\"$bad\"|false)" <<<"$body" || true)
  # {"checks": [{"name": "redis", "status": "fail"}]}
  while IFS= read -r match; do
    [[ -n $match ]] || continue
    grep -qiE "\"(status|state|health)\"[[:space:]]*:[[:space:]]*\"?$bad\"?" <<<"$match" || continue
    key=$(grep -oE '"(name|component|check)"[[:space:]]*:[[:space:]]*"[^"]+"' <<<"$match" | head -1 |
      sed -E 's/.*"([^"]+)"$/\1/' || true)
    [[ -n $key ]] || continue
    value=$(grep -oiE "\"(status|state|health)\"[[:space:]]*:[[:space:]]*\"?$bad\"?" <<<"$match" | head -1 |
      sed -E 's/^"[^"]+"[[:space:]]*:[[:space:]]*"?([^"]+)"?$/\1/')
    found+=("$key: $value")
  done < <(grep -oE '\{[^{}]*\}' <<<"$body" || true)
  # {"failing": ["postgres", "redis"]}
  while IFS= read -r match; do
    [[ -n $match ]] || continue
    value=$(sed -E 's/^[^[]*\[(.*)\]$/\1/; s/"//g; s/[[:space:]]//g' <<<"$match")
    [[ -n $value ]] && found+=("$value")
  done < <(grep -oiE '"(failing|failed|failures|down|unhealthy|errors)"[[:space:]]*:[[:space:]]*\[[^]]*\]' <<<"$body" || true)
  if ((${#found[@]})); then
    local IFS=','
    printf '%s\n' "${found[*]}" | sed 's/,/, /g'
  else
    body=$(tr -s ' ' <<<"$body")
    printf '%s\n' "${body:0:80}"
  fi
}

# MARK: Fly

# Prints the flyctl command (flyctl or fly); dies with install instructions when missing.
opside_flyctl() {
  local cmd
  for cmd in "${FLYCTL:-}" flyctl fly; do
    [[ -n $cmd ]] || continue
    if command -v "$cmd" >/dev/null 2>&1; then
      printf '%s\n' "$cmd"
      return 0
    fi
  done
  opside_die "flyctl not found on PATH. Install it (https://fly.io/docs/flyctl/install/: curl -L https://fly.io/install.sh | sh), run 'flyctl auth login' (or export FLY_API_TOKEN), then retry. Set FLYCTL=/path/to/flyctl to use another binary."
}
