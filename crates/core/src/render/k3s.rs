//! Renderer: k3s (`nodes/<node>/install.sh`).
//!
//! Each script writes `/etc/rancher/k3s/config.yaml` (and `registries.yaml` when
//! the topology has mirrors), the kernel settings routed pods need, and runs the
//! k3s installer: downloaded, or in airgap mode from `artifacts/` beside the
//! bundle. Running a script twice changes nothing the second time.
//!
//! The join token never enters the bundle or a command line: the first server
//! lets k3s make it (always in the secure format, `K10<CA hash>::<credentials>`,
//! in `/var/lib/rancher/k3s/server/token`), and every other node's script reads
//! it from the file `K3S_TOKEN_FILE` names or from standard input, keeps it in
//! `/etc/rancher/k3s/join-token` (0600) and points k3s's `token-file` at it. The
//! secure format lets the joining node check the server's CA before it sends
//! its credentials; a short token trusts whatever CA answers (docs.k3s.io,
//! "k3s token"), so a join across the Internet refuses one unless
//! `ALLOW_SHORT_TOKEN=1`.
//!
//! What a CNI needs from k3s (flannel backend, network policy, kube-proxy) comes
//! from its add-on (`AddOn::k3s_settings`).

use std::fmt::Write as _;

use super::addon::ConfigValue as Value;
use super::common::{
    first_server, header, host_port, require_host, require_root, script_start, server_url, servers, sh_quote, yaml_str,
    ARTIFACTS_DIR, SERVER_TOKEN,
};
use super::File;
use crate::model::Role;
use crate::plan::addressing::k8s_node_mask;
use crate::plan::{NodePlan, Plan};

/// The k3s installer online, and the variant that honours `INSTALL_K3S_MIRROR=cn`.
const INSTALL_URL: &str = "https://get.k3s.io";
const INSTALL_URL_CN: &str = "https://rancher-mirror.rancher.cn/k3s/k3s-install.sh";
/// Where a joining node keeps the token it was given (k3s reads it via `token-file`).
pub const JOIN_TOKEN: &str = "/etc/rancher/k3s/join-token";

pub fn files(plan: &Plan) -> Vec<File> {
    plan.nodes
        .iter()
        .map(|(name, n)| File::script(format!("nodes/{name}/install.sh"), install(plan, name, n)))
        .collect()
}

fn push(o: &mut String, key: &str, v: &Value) {
    match v {
        Value::Str(s) => {
            let _ = writeln!(o, "{key}: {}", yaml_str(s));
        }
        Value::Bool(b) => {
            let _ = writeln!(o, "{key}: {b}");
        }
        Value::List(items) => {
            let _ = writeln!(o, "{key}:");
            for i in items {
                let _ = writeln!(o, "  - {}", yaml_str(i));
            }
        }
    }
}

/// The server settings the design's add-ons need from k3s. Agents receive them from the
/// server (k3s hands its flannel, network-policy and kube-proxy settings to agents).
fn addon_settings(plan: &Plan) -> Vec<(&'static str, Value)> {
    super::addons(plan).into_iter().flat_map(|a| a.k3s_settings(plan)).collect()
}

fn joined(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join(",")
}

/// `/etc/rancher/k3s/config.yaml` of one node.
fn config(plan: &Plan, name: &str, n: &NodePlan, first: bool) -> String {
    let role = if n.role == Role::Server { "server" } else { "agent" };
    let mut o = header(plan, "#", &format!("/etc/rancher/k3s/config.yaml of {name} ({role})"));
    let mut entries: Vec<(&str, Value)> = vec![
        ("node-name", Value::Str(name.to_string())),
        ("node-ip", Value::Str(joined(n.addresses.iter().map(ToString::to_string)))),
    ];
    if let Some(p) = &n.public {
        entries.push(("node-external-ip", Value::Str(p.ip().to_string())));
    }
    if !first {
        entries.push(("token-file", Value::Str(JOIN_TOKEN.to_string())));
    }
    let mut labels = vec![format!("region={}", n.region)];
    labels.extend(n.labels.iter().filter(|(k, _)| k.as_str() != "region").map(|(k, v)| format!("{k}={v}")));
    entries.push(("node-label", Value::List(labels)));
    if n.role == Role::Server {
        if first && servers(plan).len() > 1 {
            // More than one server: the first starts the embedded etcd the others join.
            entries.push(("cluster-init", Value::Bool(true)));
        }
        let c = &plan.cluster;
        entries.push(("cluster-cidr", Value::Str(joined(c.pod_cidr.iter().map(ToString::to_string)))));
        entries.push(("service-cidr", Value::Str(joined(c.service_cidr.iter().map(ToString::to_string)))));
        // Kubernetes' per-node ranges at the CNI's size where the CNI has its own
        // (Cilium): with a pod range narrower than the default /64 the controller
        // manager would refuse to start. One flag per family present, as
        // kube-controller-manager allows in single- and dual-stack clusters.
        let masks: Vec<String> = c
            .pod_cidr
            .iter()
            .filter_map(|net| {
                let v4 = net.network().is_ipv4();
                let (mask, set) = k8s_node_mask(c, v4);
                set.then(|| format!("node-cidr-mask-size-{}={mask}", if v4 { "ipv4" } else { "ipv6" }))
            })
            .collect();
        if !masks.is_empty() {
            entries.push(("kube-controller-manager-arg", Value::List(masks)));
        }
        if let Some(dns) = c.cluster_dns {
            entries.push(("cluster-dns", Value::Str(dns.to_string())));
        }
        if let Some(p) = &n.public {
            // Nodes in other sites join through the public address: it must be in the certificate.
            entries.push(("tls-san", Value::List(vec![p.ip().to_string()])));
        }
        entries.extend(addon_settings(plan));
        let disable = disabled(plan);
        if !disable.is_empty() {
            entries.push(("disable", Value::List(disable)));
        }
    }
    for (k, v) in &entries {
        push(&mut o, k, v);
    }
    o
}

/// The packaged components to disable: as written, plus `servicelb` when another
/// load balancer (MetalLB, Cilium LB-IPAM) hands out service addresses, since two
/// would answer for the same address.
fn disabled(plan: &Plan) -> Vec<String> {
    let c = &plan.cluster;
    let mut out = c.disable.clone();
    let other_lb = super::addons(plan).iter().any(|a| a.hands_out_service_addresses(plan));
    if other_lb && !out.iter().any(|d| d == "servicelb") {
        out.push("servicelb".to_string());
    }
    out
}

/// The URL a joining node uses: the first server's public address for a node in
/// another site when the server has one (clouds reach each other only that way),
/// else its first address.
fn server_url_for(plan: &Plan, n: &NodePlan) -> Option<String> {
    let first = first_server(plan)?;
    let server = plan.nodes.get(first)?;
    match &server.public {
        Some(p) if server.site != n.site => Some(format!("https://{}", host_port(&p.ip(), 6443))),
        _ => server_url(plan),
    }
}

/// `/etc/rancher/k3s/registries.yaml` when the topology names mirrors.
fn registries(plan: &Plan) -> Option<String> {
    let m = &plan.cluster.registry_mirrors;
    if m.is_empty() {
        return None;
    }
    let mut o = header(plan, "#", "/etc/rancher/k3s/registries.yaml: registry mirrors");
    o.push_str("mirrors:\n");
    for (registry, endpoints) in m {
        let _ = writeln!(o, "  {}:\n    endpoint:", yaml_str(registry));
        for e in endpoints {
            let _ = writeln!(o, "      - {}", yaml_str(e));
        }
    }
    Some(o)
}

/// Writes standard input to a file with a heredoc whose delimiter never occurs in it.
fn heredoc(o: &mut String, dest: &str, mode: &str, body: &str) {
    let _ = writeln!(o, "install_file {} {mode} <<'MESHPLAN_EOF'\n{body}MESHPLAN_EOF", sh_quote(dest));
}

fn install(plan: &Plan, name: &str, n: &NodePlan) -> String {
    let first = first_server(plan).is_some_and(|f| f == name);
    let joins = !first;
    let role = if n.role == Role::Server { "server" } else { "agent" };
    let service = if n.role == Role::Server { "k3s" } else { "k3s-agent" };
    let c = &plan.cluster;
    let mut o = script_start(plan, &format!("k3s {role} on {name} (site {}, region {})", n.site, n.region));
    let _ = writeln!(o, "#\n# Usage, as root on {name}:");
    let first_name = first_server(plan).map(String::as_str).unwrap_or("the first server");
    if first {
        let _ = writeln!(
            o,
            "#   ./install.sh\n\
# This is the first server: k3s makes the cluster's join token and keeps it in\n\
# {SERVER_TOKEN} (secure format, K10...). Every other node's script reads it from a file."
        );
    } else {
        let _ = writeln!(
            o,
            "#   K3S_TOKEN_FILE=/root/k3s-token ./install.sh        (a copy of {SERVER_TOKEN} on {first_name})\n\
#   ssh root@{first_name} cat {SERVER_TOKEN} | ./install.sh\n\
# Never on the command line (K3S_TOKEN=...): that ends in shell history and ps.\n\
# ALLOW_SHORT_TOKEN=1 accepts a short token (no CA check) where the join crosses the Internet."
        );
    }
    if c.airgap {
        o.push_str("# Airgap: run ../../fetch-artifacts.sh once on a machine with Internet, then copy the\n# whole bundle folder (artifacts/ included) here. Nothing is downloaded on this machine.\n");
    }
    o.push('\n');
    o.push_str(&require_root());
    o.push_str(&require_host(&[name], &n.addresses));
    o.push('\n');
    let _ = writeln!(o, "NODE={}\nSERVICE={service}", sh_quote(name));
    let _ = writeln!(o, "K3S_VERSION={}", sh_quote(c.k3s_version.as_deref().unwrap_or("")));
    if c.airgap {
        o.push_str("HERE=\"$(cd \"$(dirname \"${BASH_SOURCE[0]}\")\" && pwd)\"\n");
    }
    if joins {
        match server_url_for(plan, n) {
            Some(url) => {
                let _ = writeln!(o, "SERVER_URL={}", sh_quote(&url));
            }
            None => o.push_str("SERVER_URL=''\n"),
        }
    }
    o.push_str(
        "if [[ -n \"${K3S_TOKEN:-}\" ]]; then\n  \
echo \"error: K3S_TOKEN is set: a token on the command line ends in shell history and ps; put it in a file and pass K3S_TOKEN_FILE=<path> (or pipe it to this script)\" >&2\n  exit 1\nfi\n",
    );
    if joins {
        // Across the Internet: a link of kind `internet` on the way, or the server's public address.
        let over_internet = first_server(plan).is_some_and(|f| plan.crosses_internet(name, f))
            || server_url_for(plan, n).is_some_and(|u| Some(u) != server_url(plan));
        token_reader(&mut o, first_name, over_internet);
    }
    o.push_str(
        "\nCHANGED=0\n\
# Writes standard input to $1 with mode $2 when the content differs; notes the change.\n\
install_file() {\n  local dest=$1 mode=$2 tmp\n  tmp=\"$(mktemp)\"\n  cat > \"$tmp\"\n  \
if [[ -f \"$dest\" ]] && cmp -s \"$tmp\" \"$dest\"; then\n    rm -f \"$tmp\"\n    echo \"unchanged $dest\"\n    return 0\n  fi\n  \
mkdir -p \"$(dirname \"$dest\")\"\n  install -m \"$mode\" \"$tmp\" \"$dest\"\n  rm -f \"$tmp\"\n  echo \"wrote     $dest\"\n  CHANGED=1\n}\n\n",
    );

    // Kernel: forwarding, and loose reverse-path filtering (pod routes are asymmetric
    // across sites; strict rp_filter drops the replies).
    let mut sysctl = header(plan, "#", "Kernel settings for routed pod traffic");
    sysctl.push_str("net.ipv4.ip_forward = 1\nnet.ipv4.conf.all.rp_filter = 2\nnet.ipv4.conf.default.rp_filter = 2\n");
    if c.has_ipv6() {
        sysctl.push_str("net.ipv6.conf.all.forwarding = 1\nnet.ipv6.conf.default.forwarding = 1\n");
    }
    heredoc(&mut o, "/etc/sysctl.d/90-meshplan.conf", "0644", &sysctl);
    o.push_str("if [[ $CHANGED -eq 1 ]]; then\n  sysctl -q -p /etc/sysctl.d/90-meshplan.conf\nfi\nCHANGED=0\n\n");

    if joins {
        let _ = writeln!(o, "install_file {} 0600 <<< \"$TOKEN\"", sh_quote(JOIN_TOKEN));
    }
    heredoc(&mut o, "/etc/rancher/k3s/config.yaml", "0600", &config(plan, name, n, first));
    if let Some(r) = registries(plan) {
        heredoc(&mut o, "/etc/rancher/k3s/registries.yaml", "0600", &r);
    }

    o.push_str(
        "\ninstalled_version() {\n  k3s --version 2>/dev/null | awk 'NR == 1 {print $3}'\n}\n\
if [[ $CHANGED -eq 0 ]] && systemctl is-active --quiet \"$SERVICE\" \\\n  \
&& { [[ -z \"$K3S_VERSION\" ]] || [[ \"$(installed_version)\" == \"$K3S_VERSION\" ]]; }; then\n  \
echo \"k3s ($SERVICE) already runs on $NODE as planned: nothing to do\"\n  exit 0\nfi\n\n",
    );

    // The installer's environment.
    let mut env: Vec<String> = vec![format!("INSTALL_K3S_EXEC={role}"), "INSTALL_K3S_FORCE_RESTART=true".into()];
    if joins {
        // The path of the token, not the token: the installer keeps K3S_* in the unit's environment file.
        env.push("K3S_URL=\"$SERVER_URL\"".into());
        env.push(format!("K3S_TOKEN_FILE={}", sh_quote(JOIN_TOKEN)));
    }
    if c.airgap {
        env.push("INSTALL_K3S_SKIP_DOWNLOAD=true".into());
        let _ = writeln!(o, "ART=\"$HERE/../../\"{}", sh_quote(ARTIFACTS_DIR));
        o.push_str(
            "if [[ ! -f \"$ART/SHA256SUMS\" ]]; then\n  \
echo \"error: $ART/SHA256SUMS is missing: run fetch-artifacts.sh on a machine with Internet and copy artifacts/ with the bundle\" >&2\n  exit 1\nfi\n\
(cd \"$ART/..\" && sha256sum --quiet -c artifacts/SHA256SUMS)\n\
case \"$(uname -m)\" in\n  x86_64 | amd64) ARCH=amd64 BIN=k3s ;;\n  aarch64 | arm64) ARCH=arm64 BIN=k3s-arm64 ;;\n  armv7l | armv6l | armhf) ARCH=arm BIN=k3s-armhf ;;\n  \
*) echo \"error: no k3s build for $(uname -m)\" >&2; exit 1 ;;\nesac\n\
if [[ ! -f \"$ART/k3s/$BIN\" ]]; then\n  echo \"error: $ART/k3s/$BIN is missing: run ARCH=$ARCH ./fetch-artifacts.sh\" >&2\n  exit 1\nfi\n\
install -m 0755 \"$ART/k3s/$BIN\" /usr/local/bin/k3s\n\
mkdir -p /var/lib/rancher/k3s/agent/images\n\
for f in \"$ART/images/\"*; do\n  [[ -f \"$f\" ]] || continue\n  case \"$(basename \"$f\")\" in\n    \
k3s-airgap-images-\"$ARCH\".*) ;;\n    k3s-airgap-images-*) continue ;;\n  esac\n  \
install -m 0644 \"$f\" /var/lib/rancher/k3s/agent/images/\ndone\n\
# The add-ons' images, saved for this architecture under the names their pods use.\n\
for f in \"$ART/images/$ARCH/\"*.tar; do\n  [[ -f \"$f\" ]] || continue\n  \
install -m 0644 \"$f\" /var/lib/rancher/k3s/agent/images/\ndone\n",
        );
        let _ = writeln!(o, "env {} sh \"$ART/k3s/install.sh\"", env.join(" "));
    } else {
        if let Some(v) = &c.k3s_version {
            env.push(format!("INSTALL_K3S_VERSION={}", sh_quote(v)));
        }
        let url = match &c.install_mirror {
            Some(m) => {
                env.push(format!("INSTALL_K3S_MIRROR={}", sh_quote(m)));
                if m == "cn" {
                    INSTALL_URL_CN
                } else {
                    INSTALL_URL
                }
            }
            None => INSTALL_URL,
        };
        o.push_str("TMP=\"$(mktemp -d)\"\ntrap 'rm -rf \"$TMP\"' EXIT\n");
        let _ = writeln!(o, "curl -sfL --retry 3 {} -o \"$TMP/install.sh\"", sh_quote(url));
        let _ = writeln!(o, "env {} sh \"$TMP/install.sh\"", env.join(" "));
    }
    o.push_str(
        "\nsystemctl is-active --quiet \"$SERVICE\"\necho \"k3s $(installed_version) runs on $NODE ($SERVICE)\"\n",
    );
    if n.role == Role::Server {
        o.push_str("k3s kubectl get nodes -o wide || true\n");
    }
    o
}

/// The shell that gets a joining node's token into `$TOKEN`: from `K3S_TOKEN_FILE`,
/// else standard input when it is not a terminal, else the copy an earlier run
/// kept; then the format check.
fn token_reader(o: &mut String, first: &str, over_internet: bool) {
    let _ = writeln!(o, "JOIN_TOKEN={}", sh_quote(JOIN_TOKEN));
    o.push_str(
        "TOKEN=\"\"\n\
if [[ -n \"${K3S_TOKEN_FILE:-}\" ]]; then\n  \
if [[ ! -r \"$K3S_TOKEN_FILE\" ]]; then\n    echo \"error: K3S_TOKEN_FILE=$K3S_TOKEN_FILE is not a readable file\" >&2\n    exit 1\n  fi\n  \
TOKEN=\"$(tr -d '[:space:]' < \"$K3S_TOKEN_FILE\")\"\n\
elif [[ ! -t 0 ]]; then\n  TOKEN=\"$(tr -d '[:space:]')\"\nfi\n\
if [[ -z \"$TOKEN\" && -s \"$JOIN_TOKEN\" ]]; then\n  # The token an earlier run of this script was given.\n  TOKEN=\"$(tr -d '[:space:]' < \"$JOIN_TOKEN\")\"\nfi\n",
    );
    let _ = writeln!(
        o,
        "if [[ -z \"$TOKEN\" ]]; then\n  \
echo \"error: no join token. Copy {SERVER_TOKEN} from {first} (root only), then run: sudo K3S_TOKEN_FILE=/path/to/that/copy $0 -- or: ssh root@{first} cat {SERVER_TOKEN} | sudo $0\" >&2\n  exit 1\nfi"
    );
    // Secure format: K10, the SHA-256 of the cluster CA (64 hex digits), `::`, the credentials.
    o.push_str("if [[ ! \"$TOKEN\" =~ ^K10[0-9a-f]{64}::.+ ]]; then\n");
    if over_internet {
        let _ = writeln!(
            o,
            "  if [[ \"${{ALLOW_SHORT_TOKEN:-0}}\" != 1 ]]; then\n    \
echo \"error: this is a short token, and this node joins across the Internet: a short token trusts whatever CA answers, a man-in-the-middle opening. Use the full token (K10...) from {SERVER_TOKEN} on {first}, or set ALLOW_SHORT_TOKEN=1 to accept that risk\" >&2\n    exit 1\n  fi\n  \
echo \"warning: short token accepted (ALLOW_SHORT_TOKEN=1): this node does not check the server's CA\" >&2"
        );
    } else {
        let _ = writeln!(
            o,
            "  echo \"warning: short token: this node does not check the server's CA before sending its credentials; the full token (K10...) in {SERVER_TOKEN} on {first} does\" >&2"
        );
    }
    o.push_str("fi\n");
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    use super::*;
    use crate::test_support::example_and_case_plans;

    const SECURE: &str = "K10a3f1c0b2d4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081::server:0123456789abcdef";

    /// Runs the token reader in bash with `env` and `stdin`; the exit code and stderr.
    fn run(over_internet: bool, env: &[(&str, &str)], stdin: &str) -> (i32, String) {
        let mut script = String::from("set -euo pipefail\n");
        token_reader(&mut script, "srv", over_internet);
        script.push_str("printf 'TOKEN=%s\\n' \"$TOKEN\" >&2\n");
        let dir = std::env::temp_dir().join(format!("meshplan-token-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        // The saved copy lives where the script says; point it at a scratch path.
        let script = script.replace(JOIN_TOKEN, &dir.join("saved").display().to_string());
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(&script)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("bash: {e}"));
        if let Some(mut i) = child.stdin.take() {
            let _ = i.write_all(stdin.as_bytes());
        }
        let out = child.wait_with_output().unwrap_or_else(|e| panic!("bash: {e}"));
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
    }

    #[test]
    fn joins_read_the_token_from_a_file_or_stdin_and_refuse_short_ones_across_the_internet() {
        let dir = std::env::temp_dir().join(format!("meshplan-token-file-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join("token");
        let _ = std::fs::write(&file, format!("{SECURE}\n"));
        let path = file.display().to_string();

        let (code, err) = run(true, &[("K3S_TOKEN_FILE", &path)], "");
        assert_eq!(code, 0, "{err}");
        assert!(err.contains(&format!("TOKEN={SECURE}\n")), "{err}");
        let (code, err) = run(true, &[], &format!("{SECURE}\n"));
        assert_eq!(code, 0, "{err}");
        assert!(err.contains(&format!("TOKEN={SECURE}\n")), "{err}");

        // A short token: refused across the Internet unless allowed, a warning elsewhere.
        let (code, err) = run(true, &[], "s3cret\n");
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("short token") && err.contains("ALLOW_SHORT_TOKEN=1"), "{err}");
        let (code, err) = run(true, &[("ALLOW_SHORT_TOKEN", "1")], "s3cret\n");
        assert_eq!(code, 0, "{err}");
        let (code, err) = run(false, &[], "s3cret\n");
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("warning: short token"), "{err}");

        // Nothing given: an error that says where the token is.
        let (code, err) = run(false, &[], "");
        assert_eq!(code, 1, "{err}");
        assert!(err.contains(SERVER_TOKEN), "{err}");
        let (code, err) = run(false, &[("K3S_TOKEN_FILE", "/nonexistent/meshplan")], "");
        assert_eq!(code, 1, "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// No script takes the token in argv or the environment, and only a joining
    /// node's script reads one; the Kilo example's joins cross the Internet.
    #[test]
    fn no_script_takes_a_token_from_the_command_line() {
        for (name, plan) in example_and_case_plans() {
            for f in files(&plan) {
                assert!(!f.contents.contains("K3S_TOKEN=\""), "{name}: {} passes K3S_TOKEN", f.path);
                let node = f.path.trim_start_matches("nodes/").trim_end_matches("/install.sh");
                let joins = first_server(&plan).map(String::as_str) != Some(node);
                assert_eq!(f.contents.contains("JOIN_TOKEN="), joins, "{name}: {}", f.path);
            }
            if name == "kilo-multicloud" {
                let agent = files(&plan).into_iter().find(|f| f.path == "nodes/ali1.k3s/install.sh");
                assert!(agent.is_some_and(|f| f.contents.contains("ALLOW_SHORT_TOKEN:-0")), "{name}");
            }
            if name == "calico-wds-hkg" {
                let agent = files(&plan).into_iter().find(|f| f.path == "nodes/kubenode-hkg04/install.sh");
                assert!(agent.is_some_and(|f| !f.contents.contains("ALLOW_SHORT_TOKEN:-0")), "{name}");
            }
        }
    }
}
