//! What a router's operating system ([`Platform`]) decides for its install script:
//! package manager and package names, config paths, how IP forwarding is switched
//! on, how a service is enabled and started. The script pieces here are POSIX `sh`
//! (FreeBSD and Alpine have no bash), shared by the BIRD and FRR install scripts.
//!
//! Upstream facts (FreeBSD ports tree, `freebsd/freebsd-ports`): `net/bird2`
//! installs package `bird2` with `%%PREFIX%%/etc/bird.conf` and rc.d `bird`
//! (`bird_enable`); `net/frr10` installs package `frr10`, `/usr/local/etc/frr`
//! and rc.d `frr` (`frr_enable`; `frr_daemons` lists bgpd by default). Fedora's
//! `bird.spec` installs BIRD 2 as package `bird` with `/etc/bird.conf`. Debian's
//! `bird2` keeps `/etc/bird/bird.conf`; FRR on Linux reads `/etc/frr/frr.conf`
//! and starts bgpd when `/etc/frr/daemons` says `bgpd=yes`.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::common::{self, sh_quote};
use crate::model::{Daemon, Platform};
use crate::plan::{Plan, RouterPlan};

/// The package that brings the daemon on the platform.
pub fn package(p: Platform, d: Daemon) -> &'static str {
    match (p, d) {
        (Platform::Debian, Daemon::Bird) => "bird2",
        (Platform::Rhel | Platform::Alpine, Daemon::Bird) => "bird",
        (Platform::Freebsd, Daemon::Bird) => "bird2",
        (Platform::Freebsd, _) => "frr10",
        (_, _) => "frr",
    }
}

/// Where configuration lives: `/etc`, or `/usr/local/etc` for packages on FreeBSD.
pub fn etc(p: Platform) -> &'static str {
    match p {
        Platform::Freebsd => "/usr/local/etc",
        _ => "/etc",
    }
}

/// The main BIRD config the package's service reads.
pub fn bird_main(p: Platform) -> &'static str {
    match p {
        Platform::Debian => "/etc/bird/bird.conf",
        Platform::Rhel | Platform::Alpine => "/etc/bird.conf",
        Platform::Freebsd => "/usr/local/etc/bird.conf",
    }
}

/// FRR's config directory (`frr.conf`, `daemons`, `vtysh.conf`).
pub fn frr_dir(p: Platform) -> &'static str {
    match p {
        Platform::Freebsd => "/usr/local/etc/frr",
        _ => "/etc/frr",
    }
}

/// The main BIRD config of a router: the package's, or for a router in a
/// network namespace its own instance's, `/etc/bird/<netns>/bird.conf`.
pub fn bird_main_of(r: &RouterPlan) -> String {
    match &r.netns {
        Some(ns) => format!("{}/bird/{ns}/bird.conf", etc(r.platform)),
        None => bird_main(r.platform).to_string(),
    }
}

/// The control socket of a BIRD in a network namespace (each instance has its
/// own runtime directory, so stopping one never removes another's socket).
pub fn bird_socket(ns: &str) -> String {
    format!("/run/bird-{ns}/bird.ctl")
}

/// The systemd unit template meshplan installs for BIRD instances in network
/// namespaces (the BIRD packages ship none).
pub const BIRD_NETNS_UNIT: &str = "meshplan-bird@";

/// FRR's config directory of a router: for one in a network namespace, FRR's
/// own "pathspace" of that name (`/etc/frr/<netns>/`), which the upstream unit
/// template `frr@.service` starts (`frrinit.sh start <netns>`; FRRouting/frr
/// tools/frr@.service) and `vtysh -N <netns>` reaches.
pub fn frr_dir_of(r: &RouterPlan) -> String {
    match &r.netns {
        Some(ns) => format!("{}/{ns}", frr_dir(r.platform)),
        None => frr_dir(r.platform).to_string(),
    }
}

/// The commands to look at a router's daemon, for the runbook.
pub fn inspect(r: &RouterPlan) -> String {
    match (r.daemon, &r.netns) {
        (Daemon::Frr, Some(ns)) => {
            format!("`vtysh -N {ns} -c 'show bgp summary'`, `systemctl status frr@{ns}`")
        }
        (Daemon::Frr, None) => "`vtysh -c 'show bgp summary'`".to_string(),
        (_, Some(ns)) => format!(
            "`birdc -s {} show protocols`, `systemctl status {BIRD_NETNS_UNIT}{ns}`, `ip netns exec {ns} ip route`",
            bird_socket(ns)
        ),
        (_, None) => "`birdc show protocols`, `birdc show route protocol mp_…`".to_string(),
    }
}

/// The commands that refresh the package index and install `pkg`.
fn install_commands(p: Platform, pkg: &str) -> (&'static str, String) {
    match p {
        Platform::Debian => ("apt-get update", format!("DEBIAN_FRONTEND=noninteractive apt-get install -y {pkg}")),
        Platform::Rhel => ("dnf makecache", format!("dnf install -y {pkg}")),
        Platform::Alpine => ("apk update", format!("apk add {pkg}")),
        Platform::Freebsd => ("pkg update", format!("pkg install -y {pkg}")),
    }
}

/// The script's opening: shebang, header, usage, strict mode, options, root and
/// host checks, and the helpers the rest uses. `what` names the daemon.
pub fn start(plan: &Plan, router: &str, what: &str, socket_help: &str) -> String {
    let r = plan.routers.get(router);
    let platform = r.map(|r| r.platform).unwrap_or_default();
    let addresses: Vec<IpAddr> = r.map(|r| r.addresses.clone()).unwrap_or_default();
    let mut o = format!(
        "#!/bin/sh\n{}",
        common::header(
            plan,
            "#",
            &format!("Joins meshplan's part of the {what} config to router `{router}` ({}).", platform.as_str())
        )
    );
    let _ = write!(
        o,
        r#"#
# Usage: ./install.sh [--check] [--root DIR] [--socket PATH] [--config PATH]
#   --check        print what would change (a diff) and change nothing
#   --root DIR     act on DIR as if it were / (config files, forwarding settings):
#                  for the lab and for tests; MESHPLAN_ROOT=DIR does the same
#   --socket PATH  {socket_help}
#                  MESHPLAN_SOCKET=PATH does the same
#   --config PATH  the daemon's main config when it is not where this OS keeps it
#                  (below --root); MESHPLAN_CONFIG=PATH does the same
# Running it again changes nothing. It stops, naming the clash, when the config
# already there uses one of meshplan's names, another router id or another AS.
set -eu

ROUTER={router_q}
MACHINE={machine_q}
# The network namespace of the router's daemon; MESHPLAN_NETNS names another
# (the lab's), like --root and --socket.
NETNS={netns_q}
NETNS="${{MESHPLAN_NETNS:-$NETNS}}"
CHECK=no
ROOT="${{MESHPLAN_ROOT:-}}"
SOCKET="${{MESHPLAN_SOCKET:-}}"
CONFIG="${{MESHPLAN_CONFIG:-}}"
while [ $# -gt 0 ]; do
  case "$1" in
    --check) CHECK=yes ;;
    --root|--socket|--config)
      if [ $# -lt 2 ]; then
        echo "error: $1 needs a value" >&2
        exit 2
      fi
      case "$1" in
        --root) ROOT=$2 ;;
        --socket) SOCKET=$2 ;;
        *) CONFIG=$2 ;;
      esac
      shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
ROOT="${{ROOT%/}}"
HERE="$(cd "$(dirname "$0")" && pwd)"

say() {{ printf '%s\n' "$*"; }}
die() {{ printf 'error: %s\n' "$*" >&2; exit 1; }}
lower() {{ printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }}

if [ "$(id -u)" -ne 0 ]; then
  die "run this script as root (sudo $0)"
fi

# This router's script on another machine would join the wrong config.
ADDRESSES={addrs}
is_this_router() {{
  h="$(hostname 2>/dev/null || true)"
  h="$(lower "${{h%%.*}}")"
  [ "$h" = "$(lower "$MACHINE")" ] && return 0
  # The router's namespace, and the one the script runs in (`ip netns exec`).
  mine="$( (if [ -n "$NETNS" ]; then ip -n "$NETNS" -o addr show 2>/dev/null; fi; ip -o addr show 2>/dev/null) | awk '{{print $4}}'
    ifconfig 2>/dev/null | awk '$1 == "inet" || $1 == "inet6" {{print $2}}')"
  mine="$(printf '%s\n' "$mine" | sed 's#/.*##; s#%.*##')"
  for a in $ADDRESSES; do
    if printf '%s\n' "$mine" | grep -qxF -- "$a"; then
      return 0
    fi
  done
  return 1
}}
if ! is_this_router; then
  die "this script is for $ROUTER on $MACHINE{ns_text} ({addrs_text}); this machine has neither that hostname nor one of those addresses"
fi
"#,
        router_q = sh_quote(router),
        machine_q = sh_quote(r.map_or(router, |r| r.machine.as_str())),
        netns_q = sh_quote(r.and_then(|r| r.netns.as_deref()).unwrap_or("")),
        ns_text = r.and_then(|r| r.netns.as_deref()).map(|n| format!(" (network namespace {n})")).unwrap_or_default(),
        addrs = sh_quote(&addresses.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")),
        addrs_text = addresses.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
    );
    o
}

/// The commands that install the kit's packages of the platform from `$PKGS`
/// (`artifacts/routers/<platform>/`), never from the network: apt and dnf with
/// downloads off, apk with `--no-network`, FreeBSD's `pkg add` of the fetched
/// file (it looks for the dependencies beside it).
fn kit_install_command(p: Platform, pkg: &str) -> String {
    match p {
        Platform::Debian => {
            "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-download \"$PKGS\"/*.deb".to_string()
        }
        Platform::Rhel => "dnf install -y --disablerepo='*' \"$PKGS\"/*.rpm".to_string(),
        Platform::Alpine => "apk add --no-network \"$PKGS\"/*.apk".to_string(),
        // `pkg fetch -o` keeps the repository's layout (All/, or All/Hashed/ with
        // newer pkg): find the file wherever it landed.
        Platform::Freebsd => format!(
            "PKGFILE=\"$(find \"$PKGS\" -name '{pkg}-[0-9]*.pkg' | head -n 1)\"\n    \
[ -n \"$PKGFILE\" ] || die \"no {pkg} package in $PKGS\"\n    \
env ASSUME_ALWAYS_YES=yes pkg add \"$PKGFILE\""
        ),
    }
}

/// Installs the daemon's package when its command is missing (the index first),
/// setting `INSTALLED=yes`; with `--check` says what it would run. In airgap mode
/// the package comes from the kit beside the bundle, and a missing kit stops it.
pub fn package_step(p: Platform, d: Daemon, command: &str, title: &str, airgap: bool) -> String {
    let pkg = package(p, d);
    if airgap {
        let install = kit_install_command(p, pkg);
        let platform = p.as_str();
        return format!(
            r#"
INSTALLED=no
if ! command -v {command} >/dev/null 2>&1; then
  # Airgap: from the kit fetch-artifacts.sh built, never from the network.
  PKGS="$HERE/../../artifacts/routers/{platform}"
  if [ ! -f "$PKGS/PACKAGES" ]; then
    die "{title} is not installed and $PKGS holds no packages: run fetch-artifacts.sh on a connected {platform} machine and copy artifacts/ here"
  fi
  if [ "$CHECK" = yes ]; then
    say "would install {title} from the kit: package {pkg} and its dependencies in $PKGS"
  else
    say "installing {title} (package {pkg}) from $PKGS"
    {install}
    INSTALLED=yes
  fi
fi
"#
        );
    }
    let (update, install) = install_commands(p, pkg);
    format!(
        r#"
INSTALLED=no
if ! command -v {command} >/dev/null 2>&1; then
  if [ "$CHECK" = yes ]; then
    say "would install {title}: {update} && {install}"
  else
    say "installing {title} (package {pkg})"
    {update}
    {install}
    INSTALLED=yes
  fi
fi
"#
    )
}

/// Switches IP forwarding on, persistently, when it is not; sets `CHANGED=yes`
/// when it did (or, with `--check`, would).
pub fn forwarding_step(p: Platform, ipv6: bool, netns: Option<&str>) -> String {
    if let (Some(_), false) = (netns, p == Platform::Freebsd) {
        // A namespace has its own forwarding switches; they live as long as it
        // does, so whatever creates it at boot sets them again.
        let mut keys = vec!["net.ipv4.ip_forward"];
        if ipv6 {
            keys.push("net.ipv6.conf.all.forwarding");
        }
        let mut o = String::from("\n");
        for k in keys {
            let _ = write!(
                o,
                r#"if [ "$(ip netns exec "$NETNS" sysctl -n {k} 2>/dev/null || true)" != 1 ]; then
  CHANGED=yes
  if [ "$CHECK" = yes ]; then
    say "would set {k}=1 in network namespace $NETNS"
  else
    ip netns exec "$NETNS" sysctl -w {k}=1 >/dev/null
    say "set {k}=1 in network namespace $NETNS (what creates the namespace at boot must set it too)"
  fi
fi
"#
            );
        }
        return o;
    }
    match p {
        Platform::Freebsd => {
            let mut o = String::from("\nRC_CONF=\"$ROOT/etc/rc.conf\"\n");
            let mut pairs = vec![("gateway_enable", "net.inet.ip.forwarding")];
            if ipv6 {
                pairs.push(("ipv6_gateway_enable", "net.inet6.ip6.forwarding"));
            }
            for (rc, sysctl) in pairs {
                let _ = write!(
                    o,
                    r#"if [ "$(sysrc -f "$RC_CONF" -n {rc} 2>/dev/null || true)" != YES ]; then
  CHANGED=yes
  if [ "$CHECK" = yes ]; then say "would set {rc}=YES in $RC_CONF"; else sysrc -f "$RC_CONF" {rc}=YES; fi
fi
if [ "$(sysctl -n {sysctl} 2>/dev/null || true)" != 1 ]; then
  CHANGED=yes
  if [ "$CHECK" = yes ]; then say "would set {sysctl}=1"; else sysctl {sysctl}=1; fi
fi
"#
                );
            }
            o
        }
        _ => {
            let v6 = if ipv6 { "net.ipv6.conf.all.forwarding = 1\n" } else { "" };
            format!(
                r#"
SYSCTL_FILE="$ROOT/etc/sysctl.d/90-meshplan-router.conf"
WANT_SYSCTL="$(mktemp)"
cat > "$WANT_SYSCTL" <<'EOF'
net.ipv4.ip_forward = 1
{v6}EOF
if ! cmp -s "$WANT_SYSCTL" "$SYSCTL_FILE"; then
  CHANGED=yes
  if [ "$CHECK" = yes ]; then
    say "would enable IP forwarding in $SYSCTL_FILE:"
    diff -u "$SYSCTL_FILE" "$WANT_SYSCTL" 2>/dev/null || true
  else
    mkdir -p "$(dirname "$SYSCTL_FILE")"
    cat "$WANT_SYSCTL" > "$SYSCTL_FILE"
    sysctl -p "$SYSCTL_FILE" >/dev/null
    say "enabled IP forwarding ($SYSCTL_FILE)"
  fi
fi
rm -f "$WANT_SYSCTL"
"#
            )
        }
    }
}

/// Enables the service at boot and starts it, on the platform's service manager.
/// `service` is the unit / rc.d / OpenRC name. Shell, one command per line,
/// indented by `indent`.
pub fn enable_and_start(p: Platform, service: &str, indent: &str) -> String {
    let lines: Vec<String> = match p {
        Platform::Debian | Platform::Rhel => vec![format!("systemctl enable --now {service}")],
        Platform::Alpine => vec![format!("rc-update add {service} default"), format!("rc-service {service} start")],
        Platform::Freebsd => {
            vec![format!("sysrc -f \"$ROOT/etc/rc.conf\" {service}_enable=YES"), format!("service {service} start")]
        }
    };
    lines.iter().map(|l| format!("{indent}{l}\n")).collect()
}

/// The command that restarts the service (after enabling a daemon of FRR).
pub fn restart(p: Platform, service: &str) -> String {
    match p {
        Platform::Debian | Platform::Rhel => format!("systemctl restart {service}"),
        Platform::Alpine => format!("rc-service {service} restart"),
        Platform::Freebsd => format!("service {service} restart"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freebsd_lives_under_usr_local() {
        assert_eq!(bird_main(Platform::Freebsd), "/usr/local/etc/bird.conf");
        assert_eq!(frr_dir(Platform::Freebsd), "/usr/local/etc/frr");
        assert_eq!(package(Platform::Freebsd, Daemon::Frr), "frr10");
        assert_eq!(package(Platform::Debian, Daemon::Bird), "bird2");
        assert!(enable_and_start(Platform::Freebsd, "frr", "").contains("frr_enable=YES"));
        assert!(forwarding_step(Platform::Freebsd, true, None).contains("ipv6_gateway_enable"));
        assert!(forwarding_step(Platform::Debian, false, Some("red")).contains("ip netns exec \"$NETNS\" sysctl -w"));
    }
}
