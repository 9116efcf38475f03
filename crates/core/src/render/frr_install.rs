//! `routers/<router>/install.sh` for an FRR router: merges meshplan's part
//! (`meshplan.conf`) into the running FRR with vtysh, on the router's own OS.
//!
//! A running FRR keeps its config: the script compares the part with `show
//! running-config`, stops naming the clash when a `router bgp` of another AS or
//! another router id / cluster id is there, checks the running config plus the
//! part with FRR's parser (`vtysh -C`), applies the part (`vtysh -f`, a merge)
//! and saves with `write memory`; frr.conf is never replaced. Only a router
//! without any FRR config gets the bundle's complete `frr.conf`.

use std::fmt::Write as _;

use super::bird::Side;
use super::common::sh_quote;
use super::frr::PART;
use super::router_os as os;
use crate::model::{Daemon, Platform};
use crate::plan::Plan;

/// `routers/<router>/install.sh` of every FRR router.
pub fn files(plan: &Plan) -> Vec<super::File> {
    let mut sides = super::bird::sides_by_router(plan);
    plan.routers
        .iter()
        .filter(|(_, r)| r.daemon == crate::model::Daemon::Frr)
        .map(|(name, _)| {
            let mine = sides.remove(name.as_str()).unwrap_or_default();
            super::File::script(format!("routers/{name}/install.sh"), script(plan, name, &mine))
        })
        .collect()
}

pub fn script(plan: &Plan, router: &str, sides: &[Side]) -> String {
    let Some(r) = plan.routers.get(router) else { return String::new() };
    let p = r.platform;
    let mut o = os::start(plan, router, "FRR", "the directory of FRR's vty sockets (vtysh --vty_socket)");
    let asn = r.asn.or_else(|| sides.first().map(|s| s.my_asn)).map(|a| a.to_string()).unwrap_or_default();
    let rid = r.router_id.map(|x| x.to_string()).unwrap_or_default();
    let cid = if sides.iter().any(|s| s.rr_client) { r.cluster_id.or(r.router_id) } else { None };
    let cid = cid.map(|x| x.to_string()).unwrap_or_default();
    // One FRR per network namespace: upstream's unit template `frr@<netns>`.
    let service = r.netns.as_ref().map_or_else(|| "frr".to_string(), |ns| format!("frr@{ns}"));
    let _ = write!(
        o,
        r#"
FRR_DIR="$ROOT{dir}"
CONF="${{CONFIG:-$FRR_DIR/frr.conf}}"
ASN={asn}
ROUTER_ID={rid}
CLUSTER_ID={cid}
CHANGED=no

# vtysh on this router's FRR: its pathspace, or the sockets --socket names; with
# --root, vtysh.conf and `write memory` stay in that root too.
vtysh_() {{
  if [ -n "$ROOT" ]; then set -- --config_dir "$FRR_DIR" "$@"; fi
  if [ -n "$SOCKET" ]; then
    set -- --vty_socket "$SOCKET" "$@"
  elif [ -n "$NETNS" ]; then
    set -- -N "$NETNS" "$@"
  fi
  vtysh "$@"
}}
"#,
        dir = os::frr_dir_of(r),
        asn = sh_quote(&asn),
        rid = sh_quote(&rid),
        cid = sh_quote(&cid),
    );
    o.push_str(&os::package_step(p, Daemon::Frr, "vtysh", "FRR", plan.cluster.airgap));
    o.push_str("RESTART=no\n");
    if p != Platform::Freebsd {
        // FreeBSD's rc.d starts bgpd by default (`frr_daemons`); Linux packages
        // start only the daemons `daemons` says yes to.
        let _ = write!(
            o,
            r#"DAEMONS="$FRR_DIR/daemons"
if [ -f "$DAEMONS" ] && grep -q '^bgpd=no' "$DAEMONS"; then
  CHANGED=yes
  if [ "$CHECK" = yes ]; then
    say "would set bgpd=yes in $DAEMONS (and restart FRR)"
  else
    sed -i 's/^bgpd=no/bgpd=yes/' "$DAEMONS"
    say "enabled bgpd in $DAEMONS"
    RESTART=yes
  fi
fi
"#
        );
    }
    o.push_str(&os::forwarding_step(p, plan.cluster.has_ipv6(), r.netns.as_deref()));
    if let (Some(ns), Platform::Alpine) = (&r.netns, p) {
        // OpenRC has no FRR pathspace service: the operator starts it.
        let _ = write!(
            o,
            "\nif ! vtysh -N {ns} -c 'show version' >/dev/null 2>&1; then\n  \
             die \"FRR's instance {ns} is not running, and Alpine's OpenRC has no service for FRR in a network namespace: \
             start it (ip netns exec {ns} /usr/lib/frr/frrinit.sh start {ns}), then run this script again\"\nfi\n",
            ns = sh_quote(ns)
        );
    }
    let _ = write!(
        o,
        r#"
running() {{ vtysh_ -c 'show version' >/dev/null 2>&1; }}
wait_running() {{
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    if running; then return 0; fi
    sleep 1
  done
  die "FRR did not come up; see its log (journalctl -u frr, /var/log/messages)"
}}

# No FRR config at all: the bundle's complete one. Otherwise FRR keeps its own.
if ! running && {{ [ ! -s "$CONF" ] || [ "$INSTALLED" = yes ]; }} && ! grep -q '^router bgp' "$CONF" 2>/dev/null; then
  if [ "$CHECK" = yes ]; then
    if [ -f "$CONF" ]; then old="$CONF"; else old=/dev/null; fi
    diff -u -L "$CONF" -L "$CONF (after)" "$old" "$HERE/frr.conf" || true
    say "FRR is not running: it would be enabled and started with this config"
    exit 0
  fi
  vtysh -C -f "$HERE/frr.conf" >/dev/null || die "FRR's parser refuses $HERE/frr.conf"
  if [ -f "$CONF" ] && [ ! -f "$CONF.before-meshplan" ]; then cp -p "$CONF" "$CONF.before-meshplan"; fi
  mkdir -p "$FRR_DIR"
  cat "$HERE/frr.conf" > "$CONF"
  if id frr >/dev/null 2>&1; then chown frr "$CONF" 2>/dev/null || true; fi
  say "placed the complete $CONF; starting FRR"
{start}  wait_running
  vtysh_ -c 'show bgp summary' || true
  say "done: FRR runs meshplan's config on $ROUTER"
  exit 0
fi

if ! running; then
  if [ "$CHECK" = yes ]; then
    say "FRR is not running: it would be started with its own $CONF, then meshplan's part merged"
    exit 0
  fi
  say "starting FRR with its own $CONF"
{start}  wait_running
elif [ "$RESTART" = yes ]; then
  {restart}
  wait_running
fi

RUN="$(mktemp)"
WANT="$(mktemp)"
trap 'rm -f "$RUN" "$WANT"' EXIT
vtysh_ -c 'show running-config' | grep -v -e '^Building configuration' -e '^Current configuration' > "$RUN"

CLASH=""
HAVE_AS="$(sed -n 's/^router bgp \([0-9][0-9]*\)$/\1/p' "$RUN" | head -n 1)"
if [ -n "$HAVE_AS" ] && [ "$HAVE_AS" != "$ASN" ]; then
  CLASH="$CLASH
  the running config has router bgp $HAVE_AS, the plan says $ASN (routers.$ROUTER.asn)"
fi
HAVE_ID="$(sed -n 's/^ bgp router-id \(.*\)$/\1/p' "$RUN" | head -n 1)"
if [ -n "$HAVE_ID" ] && [ -n "$ROUTER_ID" ] && [ "$HAVE_ID" != "$ROUTER_ID" ]; then
  CLASH="$CLASH
  the running config has bgp router-id $HAVE_ID, the plan says $ROUTER_ID (routers.$ROUTER.router_id)"
fi
HAVE_CID="$(sed -n 's/^ bgp cluster-id \(.*\)$/\1/p' "$RUN" | head -n 1)"
if [ -n "$HAVE_CID" ] && [ -n "$CLUSTER_ID" ] && [ "$HAVE_CID" != "$CLUSTER_ID" ]; then
  CLASH="$CLASH
  the running config has bgp cluster-id $HAVE_CID, the plan says $CLUSTER_ID"
fi
if [ -n "$CLASH" ]; then
  die "meshplan's part clashes with the running FRR config; nothing was changed:$CLASH"
fi

# The lines of the part the running config lacks (structure lines aside, and
# `activate`, which FRR does not show where it is the default).
sed 's/^[[:space:]]*//' "$RUN" > "$RUN.flat"
MISSING="$(grep -v -e '^!' -e '^$' "$HERE/{PART}" | sed 's/^[[:space:]]*//' \
  | grep -v -e '^router bgp ' -e '^address-family ' -e '^exit' -e '^end$' -e '^no ' -e '^neighbor [^ ]* activate$' \
  | while IFS= read -r line; do grep -qxF -- "$line" "$RUN.flat" || printf '+ %s\n' "$line"; done)"
rm -f "$RUN.flat"
if [ -n "$MISSING" ]; then CHANGED=yes; fi

if [ "$CHECK" = yes ]; then
  if [ -n "$MISSING" ]; then
    say "lines of meshplan's part not yet in the running config (merged with vtysh -f, then write memory):"
    printf '%s\n' "$MISSING"
  fi
  if [ "$CHANGED" = no ]; then say "nothing to change"; fi
  exit 0
fi

if [ -n "$MISSING" ]; then
  say "lines of meshplan's part not yet in the running config:"
  printf '%s\n' "$MISSING"
  # Without the running config's `end`, after which FRR's parser reads nothing.
  grep -v '^end$' "$RUN" > "$WANT"
  cat "$HERE/{PART}" >> "$WANT"
  OUT="$(vtysh -C -f "$WANT" 2>&1)" || die "FRR's parser refuses the running config plus meshplan's part; nothing was changed:
$OUT"
  if [ -f "$CONF" ] && [ ! -f "$CONF.before-meshplan" ]; then
    cp -p "$CONF" "$CONF.before-meshplan"
    say "kept the config as it was before meshplan: $CONF.before-meshplan"
  fi
  cp "$RUN" "$FRR_DIR/running-before-meshplan.conf"
  if ! OUT="$(vtysh_ -f "$HERE/{PART}" 2>&1)"; then
    die "vtysh could not apply meshplan's part (nothing saved; the running config before is in $FRR_DIR/running-before-meshplan.conf):
$OUT"
  fi
  vtysh_ -c 'write memory' >/dev/null
  say "merged meshplan's part into the running FRR and saved it (write memory)"
else
  say "nothing to change: meshplan's part is already in the running config"
fi
vtysh_ -c 'show bgp summary' || true
say "done: BGP sessions of $ROUTER are listed above (Established once the peers run)"
"#,
        start = os::enable_and_start(p, &service, "  "),
        restart = os::restart(p, &service),
    );
    o
}
