//! The offline kit, proven against upstream release material (`tests/data/upstream/`,
//! copied unedited at the pinned tags; see its README), for the airgap variants of
//! the four examples (`tests/data/airgap/`) and the examples themselves in airgap mode:
//!
//! - every image upstream says the cluster runs for the pinned versions is in the
//!   kit (fetch-artifacts.sh saves it) with its archive and checksum entry in
//!   ARTIFACTS.txt; a release that adds a component fails until the kit has it;
//! - the kit's names are exactly the references the pods use (the rendered
//!   manifests, the operator's registry setting, the upstream manifests applied);
//! - no script, playbook or manifest of an airgap bundle (fetch-artifacts.sh apart)
//!   reaches the network, and
//!   every `artifacts/` path a script takes is one ARTIFACTS.txt lists;
//! - fetch-artifacts.sh itself, against stand-in curl, skopeo and apt: it builds the
//!   kit where the scripts take it, says what is missing and fails, and resumes.

#![allow(clippy::disallowed_methods)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use meshplan_core::model::Cni;
use meshplan_core::plan::{self, Plan};
use meshplan_core::render::{self, kit, File};
use meshplan_core::{diag, parse, versions};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn upstream(rel: &str) -> String {
    read(&root().join("tests/data/upstream").join(rel))
}

fn plan_of(src: &str, what: &str) -> Plan {
    let parsed = parse(src);
    let t = parsed.topology.unwrap_or_else(|| panic!("{what} gives no topology: {:#?}", parsed.diagnostics));
    let p = plan::build(&t);
    assert!(!diag::has_errors(&p.diagnostics), "{what} has errors: {:#?}", p.diagnostics);
    p
}

/// The airgap variants at the pinned versions.
fn pinned_cases() -> Vec<(String, Plan)> {
    let dir = root().join("tests/data/airgap");
    let mut names: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap_or_else(|e| panic!("{e}")).path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 4, "one airgap variant per example");
    names
        .into_iter()
        .map(|p| {
            let name = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let plan = plan_of(&read(&p), &name);
            assert!(plan.cluster.airgap, "{name} is not in airgap mode");
            (name, plan)
        })
        .collect()
}

/// The examples as written (their own pinned add-on versions), switched to airgap.
fn example_cases() -> Vec<(String, Plan)> {
    ["calico-wds-hkg", "cilium-dualstack-frr", "flannel-metallb-pi", "kilo-multicloud"]
        .into_iter()
        .map(|n| {
            let src = read(&root().join("examples").join(format!("{n}.yaml")));
            let mut t = parse(&src).topology.unwrap_or_else(|| panic!("{n} gives no topology"));
            t.cluster.airgap = true;
            let p = plan::build(&t);
            assert!(!diag::has_errors(&p.diagnostics), "{n} has errors");
            (format!("examples/{n}+airgap"), p)
        })
        .collect()
}

fn file<'a>(files: &'a [File], path: &str) -> &'a str {
    files.iter().find(|f| f.path == path).map(|f| f.contents.as_str()).unwrap_or_else(|| panic!("no file {path}"))
}

/// `image:` fields of a Kubernetes manifest, normalized as containerd names them.
fn manifest_images(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.trim_start().trim_start_matches("- ").strip_prefix("image:"))
        .map(|v| v.trim().trim_matches('"').trim_matches('\''))
        .filter(|v| !v.is_empty())
        .map(kit::normalize)
        .collect()
}

/// The image list fetch-artifacts.sh saves: its here-document.
fn kit_images(files: &[File]) -> BTreeSet<String> {
    let fetch = file(files, "fetch-artifacts.sh");
    let start = fetch.find("cat > \"$IMAGES_LIST\" <<'EOF'\n").expect("fetch-artifacts.sh names its images");
    let body = &fetch[start..];
    let body = &body[body.find('\n').map_or(0, |i| i + 1)..];
    let end = body.find("\nEOF\n").expect("the image list ends");
    body[..end].lines().map(str::to_string).collect()
}

/// Calico components of tigera/operator's `pkg/components/calico.go`: image name →
/// version, for the Calico variant (FIPS builds apart).
fn operator_components(calico_go: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for block in calico_go.split("Component{").skip(1) {
        let block = block.split('}').next().unwrap_or("");
        let field = |name: &str| {
            block.lines().find_map(|l| {
                let l = l.trim();
                l.strip_prefix(name).map(|v| {
                    v.trim().trim_start_matches(':').trim().trim_end_matches(',').trim_matches('"').to_string()
                })
            })
        };
        let (Some(image), Some(version), Some(variant)) = (field("Image"), field("Version"), field("variant")) else {
            continue;
        };
        if variant == "calicoVariant" && !version.ends_with("-fips") {
            out.insert(image, version);
        }
    }
    out
}

/// Calico components the design does not run, each with why (the operator's
/// render code at the pinned tag). Anything else upstream adds must be in the kit.
const NOT_DEPLOYED: [(&str, &str); 15] = [
    ("cni-windows", "Windows nodes only"),
    ("node-windows", "Windows nodes only"),
    ("goldmane", "only with a Goldmane resource"),
    ("whisker", "only with a Whisker resource"),
    ("whisker-backend", "only with a Whisker resource"),
    ("key-cert-provisioner", "only with certificateManagement"),
    ("webhooks", "only with the projectcalico.org/v3 CRDs (the bundle uses crd.projectcalico.org/v1)"),
    ("envoy-gateway", "only with the Gateway API"),
    ("envoy-proxy", "only with the Gateway API"),
    ("envoy-ratelimit", "only with the Gateway API"),
    ("guardian", "only with a ManagementClusterConnection"),
    ("istio-pilot", "only with Istio"),
    ("istio-install-cni", "only with Istio"),
    ("istio-ztunnel", "only with Istio"),
    ("istio-proxyv2", "only with Istio"),
];

/// The images upstream says a Calico cluster of this plan runs: the operator's
/// (tigera-operator.yaml) and every deployed component under the Installation's
/// registry (as rendered) or the operator's default (images.go).
fn calico_upstream(files: &[File], calico_go: &str) -> Result<BTreeSet<String>, String> {
    let mut out = manifest_images(&upstream(&format!("calico-{}/manifests/tigera-operator.yaml", versions::CALICO)));
    let images_go = upstream(&format!("tigera-operator-{}/pkg/components/images.go", versions::TIGERA_OPERATOR));
    let default_registry = images_go
        .lines()
        .find_map(|l| l.trim().strip_prefix("CalicoRegistry = "))
        .map(|v| v.trim_matches('"').trim_end_matches('/').to_string())
        .ok_or("images.go names no CalicoRegistry")?;
    let installation = file(files, "cluster/calico/installation.yaml");
    let registry = installation
        .lines()
        .find_map(|l| l.trim().strip_prefix("registry:"))
        .map(|v| v.trim().trim_matches('"').trim_end_matches('/').to_string())
        .unwrap_or(default_registry);
    for (image, version) in operator_components(calico_go) {
        if NOT_DEPLOYED.iter().any(|(c, _)| *c == image) {
            continue;
        }
        out.insert(kit::normalize(&format!("{registry}/calico/{image}:{version}")));
    }
    Ok(out)
}

/// What upstream says the plan's cluster pulls (Cilium's come from its chart at fetch time).
fn upstream_images(p: &Plan, files: &[File], calico_go: &str) -> Result<BTreeSet<String>, String> {
    let mut out = BTreeSet::new();
    match p.cluster.cni {
        Cni::Calico => out.extend(calico_upstream(files, calico_go)?),
        Cni::Kilo => {
            out.extend(manifest_images(&upstream(&format!("kilo-{}/manifests/kilo-k3s.yaml", versions::KILO))))
        }
        Cni::Cilium | Cni::Flannel => {}
    }
    if p.cluster.metallb.is_some() {
        let apply = file(files, "cluster/metallb/apply.sh");
        let manifest = apply
            .lines()
            .find_map(|l| l.strip_prefix("MANIFEST="))
            .map(|v| v.trim_matches('\''))
            .ok_or("metallb apply.sh names no manifest")?;
        out.extend(manifest_images(&upstream(&format!("metallb-{}/config/manifests/{manifest}", versions::METALLB))));
    }
    // verify.sh's probe pods.
    let verify = file(files, "verify.sh");
    let probe = verify
        .lines()
        .find_map(|l| l.strip_prefix("IMAGE=\"${VERIFY_IMAGE:-"))
        .and_then(|v| v.strip_suffix("}\""))
        .ok_or("verify.sh names no probe image")?;
    out.insert(kit::normalize(probe));
    Ok(out)
}

fn calico_go() -> String {
    upstream(&format!("tigera-operator-{}/pkg/components/calico.go", versions::TIGERA_OPERATOR))
}

#[test]
fn the_pinned_versions_are_the_upstream_data_s() {
    let versions_yml = upstream(&format!("tigera-operator-{}/config/calico_versions.yml", versions::TIGERA_OPERATOR));
    assert!(versions_yml.contains(&format!("title: {}", versions::CALICO)), "the operator's data is not Calico's pin");
    let operator = manifest_images(&upstream(&format!("calico-{}/manifests/tigera-operator.yaml", versions::CALICO)));
    assert!(operator.contains(&format!("quay.io/tigera/operator:{}", versions::TIGERA_OPERATOR)), "{operator:?}");
    let comps = operator_components(&calico_go());
    assert!(comps.values().all(|v| v == versions::CALICO), "{comps:?}");
    // Every component upstream lists is either deployed (in the kit) or set aside with a reason.
    let deployed: BTreeSet<&str> = render::calico::OPERATOR_COMPONENTS.into_iter().collect();
    for c in comps.keys() {
        assert!(
            deployed.contains(c.as_str()) || NOT_DEPLOYED.iter().any(|(n, _)| n == c),
            "tigera/operator {} has a component `{c}` the kit neither carries nor sets aside",
            versions::TIGERA_OPERATOR
        );
    }
    // The FlexVolume path k3s gets is not "None": the flexvol init container runs.
    let flex = upstream(&format!(
        "tigera-operator-{}/pkg/controller/installation/core_controller.go.excerpt-flexvol",
        versions::TIGERA_OPERATOR
    ));
    assert!(flex.contains("instance.Spec.FlexVolumePath = \"/usr/libexec/kubernetes/kubelet-plugins/volume/exec/\""));
    assert!(deployed.contains("pod2daemon-flexvol"));
}

fn missing_from_kit(name: &str, p: &Plan, files: &[File], calico_go: &str) -> Vec<String> {
    let want = upstream_images(p, files, calico_go).unwrap_or_else(|e| panic!("{name}: {e}"));
    let have = kit_images(files);
    let artifacts = file(files, "ARTIFACTS.txt");
    let mut missing = Vec::new();
    for i in &want {
        if !have.contains(i) {
            missing.push(format!("{i}: not saved by fetch-artifacts.sh"));
        }
        let entry = format!("{}/{}\n      {i}\n", kit::IMAGES_ARCH_DIR, kit::archive_name(i));
        if !artifacts.contains(&entry) {
            missing.push(format!("{i}: no archive entry in ARTIFACTS.txt"));
        }
    }
    missing
}

#[test]
fn every_image_upstream_names_is_in_the_kit() {
    let go = calico_go();
    for (name, p) in pinned_cases() {
        let files = render::render(&p);
        let missing = missing_from_kit(&name, &p, &files, &go);
        assert!(missing.is_empty(), "{name}: the kit lacks {missing:#?}");
        let artifacts = file(&files, "ARTIFACTS.txt");
        assert!(artifacts.contains("its sha256 lands in artifacts/SHA256SUMS"), "{name}: no checksum rule for images");
        assert!(artifacts.contains(kit::IMAGES_LOCK), "{name}: no digest record");
    }
}

#[test]
fn a_release_that_adds_a_component_fails_until_the_kit_has_it() {
    // The pinned operator, plus one component a later release might add.
    let go = calico_go().replacen(
        "ComponentCalicoCNI = Component{",
        "ComponentCalicoNew = Component{\n\t\tVersion:   \"v3.32.1\",\n\t\tImage:     \"new-thing\",\n\t\tRegistry:  \"\",\n\t\timagePath: \"\",\n\t\tvariant:   calicoVariant,\n\t}\n\n\tComponentCalicoCNI = Component{",
        1,
    );
    assert!(operator_components(&go).contains_key("new-thing"));
    let (name, p) = pinned_cases().into_iter().find(|(_, p)| p.cluster.cni == Cni::Calico).expect("a Calico case");
    let files = render::render(&p);
    let missing = missing_from_kit(&name, &p, &files, &go);
    assert!(missing.iter().any(|m| m.contains("/calico/new-thing:v3.32.1")), "{missing:?}");
}

#[test]
fn kit_names_are_the_names_the_pods_use() {
    let go = calico_go();
    for (name, p) in pinned_cases() {
        let files = render::render(&p);
        let want = upstream_images(&p, &files, &go).unwrap_or_else(|e| panic!("{name}: {e}"));
        // Plus whatever a rendered manifest names itself (none today; a future one counts).
        let mut refs = want.clone();
        for f in files.iter().filter(|f| f.path.starts_with("cluster/") && f.path.ends_with(".yaml")) {
            refs.extend(manifest_images(&f.contents));
        }
        let have = kit_images(&files);
        assert_eq!(have, refs, "{name}: the kit's image names differ from the references the pods use");
        // The archive a name lands in: the Rust rule and the script's agree.
        assert!(file(&files, "fetch-artifacts.sh").contains("tr '/:@' '___').tar"), "{name}");
        for i in &have {
            assert_eq!(kit::archive_name(i), format!("{}.tar", i.replace(['/', ':', '@'], "_")));
        }
    }
}

#[test]
fn the_registry_setting_names_the_archives() {
    let (name, p) = pinned_cases()
        .into_iter()
        .find(|(_, p)| p.cluster.calico().registry.is_some())
        .expect("a case with calico.registry");
    let reg = p.cluster.calico().registry.unwrap_or_default();
    let files = render::render(&p);
    let have = kit_images(&files);
    let installation = file(&files, "cluster/calico/installation.yaml");
    assert!(
        installation.contains(&format!("registry: \"{reg}/\"")) || installation.contains(&format!("registry: {reg}/")),
        "{name}"
    );
    for c in render::calico::OPERATOR_COMPONENTS {
        let under_reg = format!("{reg}/calico/{c}:{}", versions::CALICO);
        assert!(have.contains(&under_reg), "{name}: {under_reg} missing from {have:?}");
        assert!(!have.contains(&format!("quay.io/calico/{c}:{}", versions::CALICO)), "{name}: {c} under quay.io too");
    }
}

#[test]
fn cilium_images_come_from_its_chart_by_tag() {
    for (name, p) in pinned_cases().into_iter().chain(example_cases()).filter(|(_, p)| p.cluster.cni == Cni::Cilium) {
        let files = render::render(&p);
        let values = file(&files, "cluster/cilium/values.yaml");
        for block in [
            "image:\n  useDigest: false\n  pullPolicy: IfNotPresent",
            "operator:\n  replicas:",
            "  image:\n    useDigest: false\n    pullPolicy: IfNotPresent",
            "envoy:\n  image:\n    useDigest: false\n    pullPolicy: IfNotPresent",
        ] {
            assert!(values.contains(block), "{name}: values.yaml lacks {block:?}");
        }
        let fetch = file(&files, "fetch-artifacts.sh");
        assert!(fetch.contains("template cilium \"$HERE/artifacts/cilium/cilium-"), "{name}");
        assert!(fetch.contains("--values \"$HERE/cluster/cilium/values.yaml\""), "{name}");
        assert!(fetch.contains("a reference by digest cannot be saved"), "{name}");
    }
}

/// A line of a script that runs something (not a comment, not an `echo`/`say` message).
fn code_lines(script: &str) -> impl Iterator<Item = &str> {
    script.lines().map(str::trim).filter(|l| {
        !l.starts_with('#')
            && !l.starts_with("echo ")
            && !l.starts_with("say ")
            && !l.starts_with("die ")
            && !l.starts_with("printf ")
    })
}

fn network_use(line: &str, allowed_hosts: &BTreeSet<String>) -> Option<String> {
    let words = [
        "curl ",
        "wget ",
        "helm repo",
        "--repo ",
        "apt-get update",
        "dnf makecache",
        "apk update",
        "pkg update",
        "pkg install",
        "skopeo ",
        "git clone",
        "docker pull",
        "crictl pull",
        "ctr image pull",
        "ctr images pull",
    ];
    if let Some(w) = words.iter().find(|w| line.contains(*w)) {
        return Some(format!("`{}`", w.trim()));
    }
    if line.contains("apt-get install") && !line.contains("--no-download") {
        return Some("apt-get install from the network".into());
    }
    if line.contains("dnf install") && !line.contains("--disablerepo='*'") {
        return Some("dnf install from the network".into());
    }
    if line.contains("apk add") && !line.contains("--no-network") {
        return Some("apk add from the network".into());
    }
    // A URL: only the cluster's own addresses (an IP literal) or the topology's registry mirrors.
    let mut rest = line;
    while let Some(i) = rest.find("://") {
        let after = &rest[i + 3..];
        let host: String = after.chars().take_while(|c| !matches!(c, '/' | '"' | '\'' | ' ')).collect();
        let bare = host.trim_start_matches('[').split(']').next().unwrap_or("");
        let ip_like = bare.parse::<std::net::IpAddr>().is_ok()
            || host
                .rsplit_once(':')
                .is_some_and(|(h, _)| h.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok());
        if !ip_like && !allowed_hosts.contains(&host) && !host.starts_with('$') {
            return Some(format!("URL to {host}"));
        }
        rest = after;
    }
    None
}

#[test]
fn airgap_scripts_reach_no_network() {
    for (name, p) in pinned_cases().into_iter().chain(example_cases()) {
        let files = render::render(&p);
        let mirrors: BTreeSet<String> = p
            .cluster
            .registry_mirrors
            .values()
            .flatten()
            .map(|e| e.split("://").last().unwrap_or(e).trim_end_matches('/').to_string())
            .collect();
        let mut found = Vec::new();
        // Every script, playbook and manifest: all but the fetch step and the documents.
        let documents = ["fetch-artifacts.sh", "ARTIFACTS.txt", "README.md", "topology.yaml", "plan.json"];
        for f in files.iter().filter(|f| !documents.contains(&f.path.as_str())) {
            for line in code_lines(&f.contents) {
                if let Some(what) = network_use(line, &mirrors) {
                    found.push(format!("{}: {what}: {line}", f.path));
                }
            }
        }
        assert!(found.is_empty(), "{name}: airgap scripts reach the network:\n{}", found.join("\n"));
    }
}

#[test]
fn the_network_check_catches_downloads() {
    let none = BTreeSet::new();
    for bad in [
        "curl -sfL https://get.k3s.io -o x",
        "kc apply -f \"https://raw.githubusercontent.com/x/y/manifests/a.yaml\"",
        "\"${HELM[@]}\" upgrade --install cilium cilium --repo 'https://helm.cilium.io'",
        "DEBIAN_FRONTEND=noninteractive apt-get install -y bird2",
        "apk add frr",
        "pkg install -y frr10",
    ] {
        assert!(network_use(bad, &none).is_some(), "{bad}");
    }
    for ok in [
        "SERVER_URL='https://10.0.0.1:6443'",
        "SERVER_URL='https://[2001:db8::1]:6443'",
        "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-download \"$PKGS\"/*.deb",
        "apk add --no-network \"$PKGS\"/*.apk",
    ] {
        assert_eq!(network_use(ok, &none), None, "{ok}");
    }
}

/// `artifacts/...` paths a script names (up to a quote, space or variable).
fn artifact_refs(script: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in code_lines(script) {
        let mut rest = line;
        while let Some(i) = rest.find("artifacts/") {
            let tail = &rest[i..];
            let path: String =
                tail.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '-' | '_')).collect();
            out.insert(path.trim_end_matches('/').to_string());
            rest = &tail["artifacts/".len()..];
        }
    }
    out
}

#[test]
fn every_kit_path_a_script_takes_is_listed() {
    for (name, p) in pinned_cases().into_iter().chain(example_cases()) {
        let files = render::render(&p);
        let artifacts = file(&files, "ARTIFACTS.txt");
        let mut refs = BTreeSet::new();
        for f in files.iter().filter(|f| f.executable && f.path != "fetch-artifacts.sh") {
            refs.extend(artifact_refs(&f.contents));
        }
        assert!(!refs.is_empty(), "{name}: no script takes anything from the kit");
        for r in refs {
            assert!(artifacts.contains(&r), "{name}: a script takes {r}, which ARTIFACTS.txt does not list");
        }
    }
}

/// apt-cache and apt-get as the Debian router-package step calls them.
const STUB_APT_CACHE: &str =
    "#!/usr/bin/env bash\necho \"apt-cache $*\" >> \"$STUB_LOG\"\nprintf 'bird2\\n  Depends: libc6\\nlibc6\\n'\n";
const STUB_APT_GET: &str = "#!/usr/bin/env bash\necho \"apt-get $*\" >> \"$STUB_LOG\"\n[[ $1 == download ]] || exit 1\nshift\nfor p in \"$@\"; do echo deb > \"${p}_1.0_amd64.deb\"; done\n";

/// Writes the files under `dir`, scripts executable.
fn write_bundle(dir: &Path, files: &[File]) {
    use std::os::unix::fs::PermissionsExt;
    for f in files {
        let p = dir.join(&f.path);
        fs::create_dir_all(p.parent().expect("a parent")).expect("create dirs");
        fs::write(&p, &f.contents).expect("write file");
        fs::set_permissions(&p, fs::Permissions::from_mode(if f.executable { 0o755 } else { 0o644 })).expect("chmod");
    }
}

const STUB_CURL: &str = r#"#!/usr/bin/env bash
# curl as fetch-artifacts.sh calls it, serving stand-ins: a release's sha256 list
# matches the stand-in binaries; the MetalLB manifest is the pinned upstream one.
out=""; url="${*: -1}"
while [[ $# -gt 0 ]]; do if [[ $1 == -o ]]; then out=$2; shift; fi; shift; done
body() { printf 'stub:%s\n' "$1"; }
case "$url" in
  */sha256sum-amd64.txt)
    base=${url%/*}
    for n in k3s k3s-airgap-images-amd64.tar.zst; do
      printf '%s  %s\n' "$(body "$base/$n" | sha256sum | cut -d' ' -f1)" "$n"
    done > "$out" ;;
  */metallb-native.yaml) cp "$UPSTREAM/metallb-v0.16.1/config/manifests/metallb-native.yaml" "$out" ;;
  */SHA256SUMS)
    base=${url%/*}
    { printf '%s  %s\n' "$(body "$base/calicoctl-linux-amd64" | sha256sum | cut -d' ' -f1)" calicoctl-linux-amd64
      printf '%s  %s\n' "$(sha256sum < "$RELEASE_TGZ" | cut -d' ' -f1)" "${RELEASE_TGZ##*/}"; } > "$out" ;;
  */release-*.tgz) cp "$RELEASE_TGZ" "$out" ;;
  */helm-*.tar.gz.sha256sum)
    printf '%s  %s\n' "$(sha256sum < "$STUB_HELM_TGZ" | cut -d' ' -f1)" "$(basename "${url%.sha256sum}")" > "$out" ;;
  */helm-*.tar.gz) cp "$STUB_HELM_TGZ" "$out" ;;
  */install.sh) printf '#!/bin/sh\necho stub\n' > "$out" ;;
  *) body "$url" > "$out" ;;
esac
echo "$url" >> "$STUB_LOG"
"#;

const STUB_SKOPEO: &str = r#"#!/usr/bin/env bash
# skopeo inspect/copy without a registry: digests from the name, archives as text.
cmd=$1; shift
ref="${*: -1}"
echo "skopeo $cmd $*" >> "$STUB_LOG"
case $cmd in
  inspect)
    src=${ref#docker://}
    if [[ -n "${SKOPEO_FAIL:-}" && "$src" == *"$SKOPEO_FAIL"* ]]; then exit 1; fi
    printf 'sha256:%s\n' "$(printf '%s' "${src%:*}" | sha256sum | cut -d' ' -f1)" ;;
  copy)
    dest=${ref#docker-archive:}
    printf 'archive of %s\n' "$*" > "${dest%%:*}" ;;
esac
"#;

/// fetch-artifacts.sh of the Pi example (k3s, MetalLB, the probe) against stand-in
/// curl and skopeo: an image that fails is reported and fails the run; the next run
/// keeps what it has, fetches only the rest, and writes the sums; a registry
/// mirror serves the copy while the archive keeps the upstream name.
#[test]
fn fetch_script_resumes_and_reports_what_is_missing() {
    let p = plan_of(&read(&root().join("tests/data/airgap/flannel-metallb-pi.yaml")), "flannel-metallb-pi");
    let files = render::render(&p);
    let dir = std::env::temp_dir().join(format!("meshplan-kit-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let bundle = dir.join("bundle");
    write_bundle(&bundle, &files);
    let bin = dir.join("bin");
    write_bundle(&bin, &[File::script("curl", STUB_CURL), File::script("skopeo", STUB_SKOPEO)]);
    let log = dir.join("log");
    let run = |fail: &str| {
        let _ = fs::remove_file(&log);
        let out = std::process::Command::new("bash")
            .arg(bundle.join("fetch-artifacts.sh"))
            .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()))
            .env("STUB_LOG", &log)
            .env("UPSTREAM", root().join("tests/data/upstream"))
            .env("SKOPEO_FAIL", fail)
            .env("MIRROR_QUAY_IO", "quay.mirror.example")
            .output()
            .expect("bash runs");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let calls = fs::read_to_string(&log).unwrap_or_default();
        (out.status.success(), stderr, calls)
    };
    let images = bundle.join("artifacts/images/amd64");

    let (ok, stderr, calls) = run("netshoot");
    assert!(!ok, "a missing image must fail the run");
    assert!(
        stderr.contains("the kit is incomplete") && stderr.contains("docker.io/nicolaka/netshoot:v0.13"),
        "{stderr}"
    );
    assert!(!bundle.join("artifacts/SHA256SUMS").exists(), "no sums for an incomplete kit");
    assert!(calls.contains("inspect --override-os linux --override-arch amd64 --format {{.Digest}} docker://quay.mirror.example/metallb/controller:v0.16.1"), "{calls}");
    assert!(calls.contains(":quay.io/metallb/controller:v0.16.1"), "the archive keeps the upstream name: {calls}");
    assert!(images.join("quay.io_metallb_speaker_v0.16.1.tar").exists());
    let lock = read(&images.join("IMAGES.lock"));
    assert_eq!(lock.lines().count(), 2, "{lock}");

    let (ok, stderr, calls) = run("");
    assert!(ok, "the second run completes: {stderr}");
    assert!(
        !calls.contains("quay.io/metallb") && !calls.contains("/k3s-io/"),
        "already fetched, fetched again: {calls}"
    );
    assert!(calls.contains("docker://docker.io/nicolaka/netshoot:v0.13"), "{calls}");
    let sums = read(&bundle.join("artifacts/SHA256SUMS"));
    for f in [
        "artifacts/images/amd64/docker.io_nicolaka_netshoot_v0.13.tar",
        "artifacts/k3s/k3s",
        "artifacts/metallb/metallb-native.yaml",
    ] {
        assert!(sums.contains(f), "{f} not in SHA256SUMS:\n{sums}");
    }
    let saved = read(&images.join("IMAGES.txt"));
    assert_eq!(
        saved.lines().collect::<BTreeSet<_>>(),
        kit_images(&files).iter().map(String::as_str).collect(),
        "{saved}"
    );
    let _ = fs::remove_dir_all(&dir);
}

/// fetch-artifacts.sh of the Calico example (release tarball, calicoctl, the
/// operator's image read from its manifest, routers' Debian packages) against
/// stand-ins: everything lands where the node, cluster and router scripts take it.
#[test]
fn fetch_script_builds_the_calico_kit() {
    let p = plan_of(&read(&root().join("tests/data/airgap/calico-wds-hkg.yaml")), "calico-wds-hkg");
    let files = render::render(&p);
    let dir = std::env::temp_dir().join(format!("meshplan-kit-calico-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let bundle = dir.join("bundle");
    write_bundle(&bundle, &files);
    // The release tarball: its manifests/ as the release ships them (the operator's the pinned upstream one).
    let rel = dir.join(format!("src/release-{}", versions::CALICO));
    fs::create_dir_all(rel.join("manifests")).expect("mkdir");
    fs::copy(
        root().join(format!("tests/data/upstream/calico-{}/manifests/tigera-operator.yaml", versions::CALICO)),
        rel.join("manifests/tigera-operator.yaml"),
    )
    .expect("copy");
    fs::write(rel.join("manifests/operator-crds.yaml"), "# CRDs\n").expect("write");
    let tgz = dir.join(format!("release-{}.tgz", versions::CALICO));
    let tar = std::process::Command::new("tar")
        .arg("-czf")
        .arg(&tgz)
        .arg("-C")
        .arg(dir.join("src"))
        .arg(format!("release-{}", versions::CALICO))
        .status()
        .expect("tar runs");
    assert!(tar.success());
    let bin = dir.join("bin");
    write_bundle(
        &bin,
        &[
            File::script("curl", STUB_CURL),
            File::script("skopeo", STUB_SKOPEO),
            File::script("apt-cache", STUB_APT_CACHE),
            File::script("apt-get", STUB_APT_GET),
        ],
    );
    let log = dir.join("log");
    let out = std::process::Command::new("bash")
        .arg(bundle.join("fetch-artifacts.sh"))
        .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()))
        .env("STUB_LOG", &log)
        .env("UPSTREAM", root().join("tests/data/upstream"))
        .env("RELEASE_TGZ", &tgz)
        .output()
        .expect("bash runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let calls = fs::read_to_string(&log).unwrap_or_default();
    let debian_host = fs::read_to_string("/etc/os-release")
        .is_ok_and(|r| r.contains("ID=debian") || r.contains("ID_LIKE=debian") || r.contains("ID=ubuntu"));
    if !debian_host {
        // The routers' packages cannot come from this machine: said, and the run fails.
        assert!(!out.status.success() && stderr.contains("router packages for debian (bird2)"), "{stderr}");
        let _ = fs::remove_dir_all(&dir);
        return;
    }
    assert!(out.status.success(), "{stderr}\n{calls}");
    let art = bundle.join("artifacts");
    for f in [
        "calico/tigera-operator.yaml",
        "calico/operator-crds.yaml",
        "calico/calicoctl-linux-amd64",
        "routers/debian/PACKAGES",
        "routers/debian/bird2_1.0_amd64.deb",
        "routers/debian/libc6_1.0_amd64.deb",
    ] {
        assert!(art.join(f).exists(), "artifacts/{f} missing; calls:\n{calls}");
    }
    // The registry setting names the archives; the copies come from that registry.
    let reg = p.cluster.calico().registry.unwrap_or_default();
    let node = format!("{reg}/calico/node:{}", versions::CALICO);
    assert!(art.join("images/amd64").join(kit::archive_name(&node)).exists(), "{calls}");
    assert!(calls.contains(&format!(":{node}")), "{calls}");
    let saved = read(&art.join("images/amd64/IMAGES.txt"));
    assert!(saved.contains(&format!("quay.io/tigera/operator:{}", versions::TIGERA_OPERATOR)), "{saved}");
    let sums = read(&art.join("SHA256SUMS"));
    assert!(
        sums.contains("artifacts/routers/debian/bird2_1.0_amd64.deb")
            && sums.contains("artifacts/calico/tigera-operator.yaml"),
        "{sums}"
    );
    let _ = fs::remove_dir_all(&dir);
}

fn sha256_of(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum").arg(path).output().expect("sha256sum runs");
    assert!(out.status.success(), "sha256sum {}", path.display());
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or("").to_string()
}

/// The sums the fetch step pins for manifests upstream publishes none for are the
/// sums of the upstream files at the pinned tags, and the scripts check them.
#[test]
fn pinned_manifest_sums_are_the_upstream_files() {
    let up = root().join("tests/data/upstream");
    for (file, sum) in render::metallb::MANIFEST_SHA256 {
        let path = up.join(format!("metallb-{}/config/manifests/{file}", versions::METALLB));
        assert_eq!(sha256_of(&path), sum, "{}", path.display());
    }
    for (file, sum) in render::kilo::MANIFEST_SHA256 {
        let path = up.join(format!("kilo-{}/manifests/{file}", versions::KILO));
        assert_eq!(sha256_of(&path), sum, "{}", path.display());
    }
    for (name, p) in pinned_cases() {
        let files = render::render(&p);
        let fetch = file(&files, "fetch-artifacts.sh");
        let artifacts = file(&files, "ARTIFACTS.txt");
        let sums: Vec<&str> = match p.cluster.cni {
            Cni::Kilo => render::kilo::MANIFEST_SHA256.iter().map(|(_, s)| *s).collect(),
            _ => Vec::new(),
        };
        let mut sums = sums;
        if p.cluster.metallb.is_some() {
            sums.extend(render::metallb::MANIFEST_SHA256.iter().map(|(_, s)| *s).filter(|s| fetch.contains(*s)));
            assert!(!sums.is_empty(), "{name}: MetalLB's manifest is not pinned");
        }
        for s in sums {
            assert!(fetch.contains(&format!("pinned {s} ")), "{name}: fetch-artifacts.sh does not check {s}");
            assert!(artifacts.contains(&format!("sha256 {s}")), "{name}: ARTIFACTS.txt does not list {s}");
        }
    }
}

/// helm as fetch-artifacts.sh runs it for Cilium: `template` prints what a chart
/// would, taking the image names from `STUB_IMAGES` and checking it was given
/// the bundle's values.
const STUB_HELM: &str = r#"#!/usr/bin/env bash
echo "helm $*" >> "$STUB_LOG"
case $1 in
  version) echo stub ;;
  template)
    [[ " $* " == *" --values "*"/cluster/cilium/values.yaml "* ]] || exit 3
    for i in $STUB_IMAGES; do printf -- '---\nkind: DaemonSet\nspec:\n  containers:\n    - name: x\n      image: "%s"\n' "$i"; done ;;
  *) exit 2 ;;
esac
"#;

/// fetch-artifacts.sh of the Cilium example against stand-ins: helm comes from the
/// kit, the images are whatever `helm template` with the bundle's values names
/// (a digest reference is refused: k3s imports tags), and the FreeBSD router's
/// packages, which this machine cannot fetch, are named as missing.
#[test]
fn fetch_script_takes_cilium_images_from_the_chart() {
    let p = plan_of(&read(&root().join("tests/data/airgap/cilium-dualstack-frr.yaml")), "cilium-dualstack-frr");
    let files = render::render(&p);
    let dir = std::env::temp_dir().join(format!("meshplan-kit-cilium-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let bundle = dir.join("bundle");
    write_bundle(&bundle, &files);
    write_bundle(&dir.join("helmsrc"), &[File::script("linux-amd64/helm", STUB_HELM)]);
    let helm_tgz = dir.join(format!("helm-{}-linux-amd64.tar.gz", versions::HELM));
    let tar = std::process::Command::new("tar")
        .arg("-czf")
        .arg(&helm_tgz)
        .arg("-C")
        .arg(dir.join("helmsrc"))
        .arg("linux-amd64")
        .status()
        .expect("tar runs");
    assert!(tar.success());
    let bin = dir.join("bin");
    write_bundle(&bin, &[File::script("curl", STUB_CURL), File::script("skopeo", STUB_SKOPEO)]);
    let log = dir.join("log");
    let run = |images: &str| {
        let out = std::process::Command::new("bash")
            .arg(bundle.join("fetch-artifacts.sh"))
            .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()))
            .env("STUB_LOG", &log)
            .env("UPSTREAM", root().join("tests/data/upstream"))
            .env("STUB_HELM_TGZ", &helm_tgz)
            .env("STUB_IMAGES", images)
            .output()
            .expect("bash runs");
        (String::from_utf8_lossy(&out.stderr).into_owned(), fs::read_to_string(&log).unwrap_or_default())
    };
    let agent = format!("quay.io/cilium/cilium:v{}", versions::CILIUM);
    let (stderr, calls) = run(&format!("{agent} quay.io/cilium/cilium-envoy:v1@sha256:0123"));
    assert!(calls.contains("helm template cilium"), "{stderr}\n{calls}");
    assert!(bundle.join("artifacts/images/amd64").join(kit::archive_name(&agent)).exists(), "{calls}");
    assert!(
        stderr.contains("quay.io/cilium/cilium-envoy:v1@sha256:0123: a reference by digest cannot be saved"),
        "{stderr}"
    );
    assert!(stderr.contains("router packages for freebsd (frr10)"), "{stderr}");
    let saved = read(&bundle.join("artifacts/images/amd64/IMAGES.txt"));
    assert!(saved.contains(&agent) && saved.contains("docker.io/nicolaka/netshoot"), "{saved}");
    let _ = fs::remove_dir_all(&dir);
}

/// An upstream manifest that pulls an image `Always` asks the registry even when
/// the node has the image: offline the pod never starts. Every such manifest the
/// bundle applies is rewritten to `IfNotPresent` by its apply script.
#[test]
fn nothing_is_pulled_always_offline() {
    let up = root().join("tests/data/upstream");
    let applied = [
        ("cluster/kilo/apply.sh", up.join(format!("kilo-{}/manifests/kilo-k3s.yaml", versions::KILO))),
        ("cluster/calico/apply.sh", up.join(format!("calico-{}/manifests/tigera-operator.yaml", versions::CALICO))),
        (
            "cluster/metallb/apply.sh",
            up.join(format!("metallb-{}/config/manifests/metallb-native.yaml", versions::METALLB)),
        ),
        (
            "cluster/metallb/apply.sh",
            up.join(format!("metallb-{}/config/manifests/metallb-frr-k8s.yaml", versions::METALLB)),
        ),
    ];
    let mut rewritten = 0;
    for (name, p) in pinned_cases() {
        let files = render::render(&p);
        for (script, manifest) in &applied {
            let Some(f) = files.iter().find(|f| f.path == *script) else { continue };
            if read(manifest).contains("imagePullPolicy: Always") {
                assert!(
                    f.contents.contains("sed -i 's/imagePullPolicy: Always/imagePullPolicy: IfNotPresent/'"),
                    "{name}: {script} applies {} with imagePullPolicy: Always as it is",
                    manifest.display()
                );
                rewritten += 1;
            }
        }
        if p.cluster.cni == Cni::Cilium {
            assert!(file(&files, "fetch-artifacts.sh").contains("pulls an image Always"), "{name}");
        }
    }
    assert!(rewritten > 0, "kilo-k3s.yaml of the pinned Kilo pulls its init container Always");
}
