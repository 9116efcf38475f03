//! `routers/<router>/install.sh` for a BIRD router: joins meshplan's part
//! (`meshplan.conf`) to the BIRD config that runs there, on the router's own OS.
//!
//! With a config already there it adds one `include "meshplan.conf";` line (when
//! missing) and places the part beside it; without one it places the complete
//! `bird.conf` of the bundle. Before anything is activated the *whole* resulting
//! config goes through `bird -p -c` (staged beside the live one, so the
//! operator's relative includes resolve); then `birdc configure`, and the
//! previous files come back when that fails. A name of the part already used by
//! the operator, a BGP session to one of the part's peers or another `router
//! id` stops the script, naming the clash. `--check` prints the diff only.

use std::fmt::Write as _;

use super::bird::{self, Side, PART};
use super::common::sh_quote;
use super::router_os as os;
use crate::model::{Daemon, Platform};
use crate::plan::Plan;

/// `routers/<router>/install.sh` of every BIRD router.
pub fn files(plan: &Plan) -> Vec<super::File> {
    let mut sides = bird::sides_by_router(plan);
    plan.routers
        .iter()
        .filter(|(_, r)| r.daemon == crate::model::Daemon::Bird)
        .map(|(name, _)| {
            let mine = sides.remove(name.as_str()).unwrap_or_default();
            super::File::script(format!("routers/{name}/install.sh"), script(plan, name, &mine))
        })
        .collect()
}

pub fn script(plan: &Plan, router: &str, sides: &[Side]) -> String {
    let Some(r) = plan.routers.get(router) else { return String::new() };
    let p = r.platform;
    let mut o = os::start(plan, router, "BIRD 2", "BIRD's control socket (default: birdc's own)");
    let names: Vec<String> = bird::part_names(plan, sides);
    let mut peers: Vec<String> = sides.iter().map(|s| s.peer_address.to_string()).collect();
    crate::sort::sort(&mut peers);
    peers.dedup();
    let rid = r.router_id.map(|x| x.to_string()).unwrap_or_default();
    if let Some(ns) = &r.netns {
        let _ = write!(
            o,
            "\n# This router's own BIRD instance, in network namespace {ns}.\nSOCKET=\"${{SOCKET:-{}}}\"\n",
            os::bird_socket(ns)
        );
    }
    let _ = write!(
        o,
        r#"
MAIN="${{CONFIG:-$ROOT{main}}}"
DIR="$(dirname "$MAIN")"
PART="$DIR/{PART}"
ROUTER_ID={rid}
# Every name meshplan's part defines, and the peers of its sessions.
NAMES={names}
PEERS={peers}
CHANGED=no

birdc_() {{
  if [ -n "$SOCKET" ]; then birdc -s "$SOCKET" "$@"; else birdc "$@"; fi
}}
has_include() {{
  grep -Eq '^[[:space:]]*include[[:space:]]+"(\./)?{part_re}"[[:space:]]*;' "$1"
}}
"#,
        main = os::bird_main_of(r),
        rid = sh_quote(&rid),
        names = sh_quote(&names.join(" ")),
        peers = sh_quote(&peers.join(" ")),
        part_re = PART.replace('.', "\\."),
    );
    o.push_str(&os::package_step(p, Daemon::Bird, "bird", "BIRD 2", plan.cluster.airgap));
    let pkg = os::package(p, Daemon::Bird);
    let _ = write!(
        o,
        r##"
if command -v bird >/dev/null 2>&1; then
  VERSION="$(bird --version 2>&1 | head -n 1)"
  case "$VERSION" in
    *"version 1."*)
      die "this machine has BIRD 1.x ($VERSION), whose config language meshplan does not write: install BIRD 2 (package {pkg}), move the config to BIRD 2's syntax, then run this script again" ;;
  esac
fi

# A config that is there stays: meshplan's part joins it. The default config of a
# package installed just now is replaced by the bundle's complete one.
MODE=standalone
if [ -f "$MAIN" ] && [ "$INSTALLED" = no ]; then
  MODE=merge
fi
say "BIRD config: $MAIN ($MODE)"

# The operator's files: the main config and what it includes (one level), not ours.
operator_files() {{
  printf '%s\n' "$MAIN"
  sed -n 's/^[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$MAIN" | while IFS= read -r inc; do
    case "$inc" in
      /*) pattern="$inc" ;;
      *) pattern="$DIR/$inc" ;;
    esac
    for f in $pattern; do
      if [ -f "$f" ] && [ "$f" != "$PART" ]; then printf '%s\n' "$f"; fi
    done
  done
}}

if [ "$MODE" = merge ]; then
  CLASH=""
  FILES="$(operator_files)"
  for name in $NAMES; do
    hit="$(printf '%s\n' "$FILES" | while IFS= read -r f; do grep -lw -- "$name" "$f" 2>/dev/null || true; done | head -n 1)"
    if [ -n "$hit" ]; then CLASH="$CLASH
  the name $name is already used in $hit"; fi
  done
  for peer in $PEERS; do
    hit="$(printf '%s\n' "$FILES" | while IFS= read -r f; do
      if tr -s '[:space:]' ' ' < "$f" | grep -Fq -e "neighbor $peer " -e "neighbor $peer;"; then printf '%s\n' "$f"; fi
    done | head -n 1)"
    if [ -n "$hit" ]; then CLASH="$CLASH
  a BGP session with $peer is already configured in $hit (meshplan's part has its own)"; fi
  done
  HAVE_ID="$(sed -n 's/^[[:space:]]*router id[[:space:]]*\([0-9.]*\)[[:space:]]*;.*/\1/p' "$MAIN" | head -n 1)"
  if [ -n "$HAVE_ID" ] && [ -n "$ROUTER_ID" ] && [ "$HAVE_ID" != "$ROUTER_ID" ]; then
    CLASH="$CLASH
  $MAIN says router id $HAVE_ID, the plan says $ROUTER_ID (routers.$ROUTER.router_id)"
  elif [ -z "$HAVE_ID" ]; then
    say "note: $MAIN sets no numeric router id; BIRD picks one, the plan expects $ROUTER_ID"
  fi
  if [ -n "$CLASH" ]; then
    die "meshplan's part clashes with the config already there; nothing was changed:$CLASH
Rename or remove those in the operator's config, or change the topology, then run this script again."
  fi
fi

# Stage the result beside the live files: the main config as it would be, the
# part, and a copy of the main config that includes the staged part (what BIRD
# parses, so relative includes resolve as they will).
# (A router that has no config folder yet stages in a temporary one.)
STAGE_DIR="$DIR"
if [ ! -d "$DIR" ]; then STAGE_DIR="$(mktemp -d)"; fi
NEW_MAIN="$(mktemp "$STAGE_DIR/.meshplan-main.XXXXXX")"
NEW_PART="$(mktemp "$STAGE_DIR/.meshplan-part.XXXXXX")"
STAGE="$(mktemp "$STAGE_DIR/.meshplan-check.XXXXXX")"
trap 'rm -f "$NEW_MAIN" "$NEW_PART" "$STAGE"; if [ "$STAGE_DIR" != "$DIR" ]; then rm -rf "$STAGE_DIR"; fi' EXIT
if [ "$MODE" = merge ]; then
  cat "$MAIN" > "$NEW_MAIN"
  if ! has_include "$MAIN"; then
    printf '\n# meshplan: the BGP sessions of the pod network ({PART} beside this file)\n%s\n' {include} >> "$NEW_MAIN"
  fi
else
  cat "$HERE/bird.conf" > "$NEW_MAIN"
fi
cat "$HERE/{PART}" > "$NEW_PART"
sed "s#^\([[:space:]]*include[[:space:]]*\"\)\(\./\)\{{0,1\}}{part_re}\"#\1$(basename "$NEW_PART")\"#" "$NEW_MAIN" > "$STAGE"

if command -v bird >/dev/null 2>&1; then
  say "checking the whole resulting config with BIRD's parser"
  if ! OUT="$(bird -p -c "$STAGE" 2>&1)"; then
    die "BIRD refuses the resulting config; nothing was changed:
$OUT"
  fi
else
  say "BIRD is not installed: the resulting config is not checked"
fi

compare() {{
  if ! cmp -s "$1" "$2"; then
    CHANGED=yes
    if [ "$CHECK" = yes ]; then
      if [ -f "$1" ]; then old="$1"; else old=/dev/null; fi
      diff -u -L "$1" -L "$1 (after)" "$old" "$2" || true
    fi
  fi
}}
compare "$MAIN" "$NEW_MAIN"
compare "$PART" "$NEW_PART"
CONFIG_CHANGED=$CHANGED
"##,
        include = sh_quote(&bird::include_line()),
        part_re = PART.replace('.', "\\."),
    );
    o.push_str(&os::forwarding_step(p, plan.cluster.has_ipv6(), r.netns.as_deref()));
    let _ = write!(
        o,
        r#"
RUNNING=no
if command -v birdc >/dev/null 2>&1 && birdc_ show status >/dev/null 2>&1; then
  RUNNING=yes
fi

if [ "$CHECK" = yes ]; then
  if [ "$CHANGED" = no ]; then say "nothing to change"; fi
  if [ "$RUNNING" = no ]; then say "BIRD is not running: it would be enabled and started"; fi
  exit 0
fi

if [ "$CONFIG_CHANGED" = yes ]; then
  # What to put back when BIRD refuses the new config.
  BACKUP="$(mktemp -d)"
  if [ -f "$MAIN" ]; then cp -p "$MAIN" "$BACKUP/main"; fi
  if [ -f "$PART" ]; then cp -p "$PART" "$BACKUP/part"; fi
  if [ -f "$MAIN" ] && [ ! -f "$MAIN.before-meshplan" ]; then
    cp -p "$MAIN" "$MAIN.before-meshplan"
    say "kept the config as it was before meshplan: $MAIN.before-meshplan"
  fi
  restore() {{
    if [ -f "$BACKUP/main" ]; then cat "$BACKUP/main" > "$MAIN"; else rm -f "$MAIN"; fi
    if [ -f "$BACKUP/part" ]; then cat "$BACKUP/part" > "$PART"; else rm -f "$PART"; fi
    say "restored the previous $MAIN and $PART"
  }}
  mkdir -p "$DIR"
  if [ ! -f "$MAIN" ]; then install -m 0640 /dev/null "$MAIN"; fi
  cat "$NEW_MAIN" > "$MAIN"
  if [ ! -f "$PART" ]; then install -m 0640 /dev/null "$PART"; fi
  cat "$NEW_PART" > "$PART"
  if id bird >/dev/null 2>&1; then chown bird "$MAIN" "$PART" 2>/dev/null || true; fi
  say "placed $PART and $MAIN"
  if [ "$RUNNING" = yes ]; then
    OUT="$(birdc_ configure 2>&1 || true)"
    case "$OUT" in
      *Reconfigured*|*"Reconfiguration in progress"*) say "BIRD reconfigured" ;;
      *) restore; die "birdc configure failed, the previous config is back in place:
$OUT" ;;
    esac
  fi
  rm -rf "$BACKUP"
fi

if [ "$RUNNING" = no ]; then
  say "starting BIRD"
{start}fi

if [ "$CHANGED" = no ]; then
  say "nothing to change: meshplan's part is already in place"
fi
birdc_ show protocols | grep -E '^(Name|{prefix})' || true
say "done: meshplan's BGP sessions of $ROUTER are listed above (Established once the peers run)"
"#,
        start = match &r.netns {
            Some(_) => netns_start(p),
            None => os::enable_and_start(p, "bird", "  "),
        },
        prefix = bird::PREFIX,
    );
    o
}

/// Starts the BIRD instance of a router in a network namespace: a systemd unit
/// template (or an OpenRC service on Alpine) that runs `bird` under `ip netns
/// exec` with the instance's config and socket, written once per machine.
fn netns_start(p: Platform) -> String {
    let unit = os::BIRD_NETNS_UNIT;
    match p {
        Platform::Alpine => r#"  SERVICE="$ROOT/etc/init.d/meshplan-bird.$NETNS"
  if [ ! -f "$SERVICE" ]; then
    mkdir -p "$(dirname "$SERVICE")"
    cat > "$SERVICE" <<EOF
#!/sbin/openrc-run
# BIRD in network namespace $NETNS, for meshplan's router $ROUTER.
command="$(command -v ip)"
command_args="netns exec $NETNS $(command -v bird) -f -c $MAIN -s $SOCKET"
command_background=true
pidfile="/run/meshplan-bird.$NETNS.pid"
start_pre() { mkdir -p "$(dirname "$SOCKET")"; }
EOF
    chmod 0755 "$SERVICE"
  fi
  rc-update add "meshplan-bird.$NETNS" default
  rc-service "meshplan-bird.$NETNS" start
"#
        .to_string(),
        _ => format!(
            r#"  UNIT="$ROOT/etc/systemd/system/{unit}.service"
  if [ ! -f "$UNIT" ]; then
    IP_BIN="$(command -v ip)"
    BIRD_BIN="$(command -v bird)"
    BIRDC_BIN="$(command -v birdc)"
    mkdir -p "$(dirname "$UNIT")"
    cat > "$UNIT" <<EOF
# BIRD in a network namespace (the instance name), written by meshplan.
[Unit]
Description=BIRD in network namespace %i
After=network-online.target

[Service]
Type=simple
RuntimeDirectory=bird-%i
ExecStartPre=$IP_BIN netns exec %i $BIRD_BIN -p -c /etc/bird/%i/bird.conf
ExecStart=$IP_BIN netns exec %i $BIRD_BIN -f -c /etc/bird/%i/bird.conf -s /run/bird-%i/bird.ctl
ExecReload=$BIRDC_BIN -s /run/bird-%i/bird.ctl configure
Restart=on-failure

[Install]
WantedBy=multi-user.target
EOF
    systemctl daemon-reload
  fi
  systemctl enable --now "{unit}$NETNS"
"#
        ),
    }
}
