#!/usr/bin/env bash
# Installs OpenPair from this checkout on one machine: the jars and the 'guardian' launcher
# under PREFIX (default /opt/openpair, with a link in /usr/local/bin), the unit template
# openpair-cpu@.service, the system user 'openpair' and /etc/openpair with example settings.
# Run it as root on every machine of the node (docs/machines.md), or with --destdir to stage
# the files for a package without touching this machine's users or systemd.
set -euo pipefail

usage() {
  cat <<USAGE
usage: dist/install.sh [--prefix DIR] [--destdir DIR] [--no-build]
  --prefix DIR   where OpenPair goes (default /opt/openpair)
  --destdir DIR  stage every file under DIR; creates no user, reloads no systemd
  --no-build     install the jars already built (./guardian or 'mvn package' built them)
USAGE
}

prefix=/opt/openpair
destdir=""
build=1
value() {
  [[ $# -ge 2 && -n "$2" ]] || { echo "install.sh: $1 needs a directory" >&2; usage >&2; exit 2; }
}
while (($#)); do
  case "$1" in
    --prefix) value "$@"; prefix="$2"; shift 2 ;;
    --destdir) value "$@"; destdir="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$prefix" == /* ]] || { echo "install.sh: --prefix must be absolute: $prefix" >&2; exit 2; }
if [[ -n "$destdir" ]]; then
  mkdir -p "$destdir"
  destdir="$(cd "$destdir" && pwd)"
fi

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
modules=(guardian-api emulator examples bench)
deps="$repo/emulator/target/classpath.txt"
flags="$repo/emulator/target/classes/org/openpair/emulator/launch/jvm-flags.txt"

if ((build)); then
  echo "install.sh: building the jars (mvn package, no tests)..." >&2
  (cd "$repo" && mvn -B -q -DskipTests -Dasciidoctor.skip=true -pl "$(IFS=,; echo "${modules[*]}")" -am package)
fi
[[ -f "$deps" && -f "$flags" ]] || { echo "install.sh: no built jars in $repo; run it without --no-build" >&2; exit 1; }

lib="$destdir$prefix/lib"
# A fresh lib: jars of an older version left beside the new ones would only confuse.
rm -rf "$lib"
install -d -m 0755 "$lib" "$destdir$prefix/bin"
order=()
for m in "${modules[@]}"; do
  # The newest main jar of the module (not its -tests or -sources jar), as ./guardian picks it.
  jar="$(ls -t "$repo/$m/target/$m"-*.jar 2>/dev/null | grep -v -e '-tests\.jar$' -e '-sources\.jar$' | head -n 1 || true)"
  [[ -n "$jar" ]] || { echo "install.sh: no jar of module $m in $repo/$m/target" >&2; exit 1; }
  install -m 0644 "$jar" "$lib/"
  order+=("$(basename "$jar")")
done
# One line, without a newline at its end: read reports that as end of file.
IFS=: read -r -a entries < "$deps" || true
for e in "${entries[@]}"; do
  # The reactor's own modules appear as their classes or jars: the module jars above stand for them.
  [[ "$e" == "$repo"/* || "$e" != *.jar || ! -f "$e" ]] && continue
  install -m 0644 "$e" "$lib/"
  order+=("$(basename "$e")")
done
printf '%s\n' "${order[@]}" > "$lib/classpath"
install -m 0644 "$flags" "$lib/jvm-flags"
install -m 0755 "$repo/dist/bin/guardian" "$destdir$prefix/bin/guardian"
install -d -m 0755 "$destdir/usr/local/bin"
ln -sfn "$prefix/bin/guardian" "$destdir/usr/local/bin/guardian"

install -d -m 0755 "$destdir/etc/systemd/system"
sed "s#/opt/openpair/#$prefix/#g" "$repo/dist/systemd/openpair-cpu@.service" \
  > "$destdir/etc/systemd/system/openpair-cpu@.service"
chmod 0644 "$destdir/etc/systemd/system/openpair-cpu@.service"
install -d -m 0755 "$destdir/etc/openpair"
install -m 0644 "$repo/dist/openpair.yaml.example" "$repo/dist/cpu.env.example" "$destdir/etc/openpair/"

if [[ -z "$destdir" ]]; then
  if ! getent passwd openpair >/dev/null; then
    useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin openpair
    echo "install.sh: created the system user 'openpair'" >&2
  fi
  if [[ -d /run/systemd/system ]]; then
    systemctl daemon-reload
  fi
fi
echo "install.sh: OpenPair is in $destdir$prefix ($(wc -l < "$lib/classpath") jars)." >&2
echo "install.sh: next: /etc/openpair/openpair.yaml and cpu.env (see the .example files), the node key" \
  "(made once with 'guardian key new --key-file /etc/openpair/node.key', the same file on every machine," \
  "owned by openpair, mode 0600; docs/machines.md), then 'systemctl enable --now openpair-cpu@N' for each" \
  "CPU of this machine." >&2
