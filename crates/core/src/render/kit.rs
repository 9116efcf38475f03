//! The airgap kit beyond the release files: every container image the cluster
//! runs, saved as an archive k3s imports on its own, the router packages per
//! platform, the mirrors the fetch step may take them from, and the runbook's
//! offline path. `artifacts.rs` writes the script and the list around these pieces.
//!
//! Images: each add-on declares its images (`AddOn::images`), under exactly the
//! names its pods use, and with `AddOn::image_steps` the upstream files the
//! script reads more from (the `image:` fields of the manifests it fetched, so
//! an image a release adds is never left behind; Cilium's chart through
//! `helm template` with the bundle's values). Each one is copied with `skopeo`
//! (a prerequisite of the connected machine) for the nodes' architecture, by the
//! digest the registry answered, into `artifacts/images/$ARCH/<name>.tar`, a
//! docker archive whose tag is that name: k3s imports every archive in
//! `/var/lib/rancher/k3s/agent/images/` at start and the pods find them there.
//! Upstream publishes no digests for these tags in the material the tests pin,
//! so the digest is recorded at fetch time (`IMAGES.lock`) and checked when the
//! script runs again; the archives' sha256 go into `artifacts/SHA256SUMS`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::common::PROBE_IMAGE;
use super::router_os;
use crate::model::{Daemon, Platform};
use crate::plan::Plan;

/// Where the add-on images land, per architecture (k3s's own tarball stays in `artifacts/images/`).
pub const IMAGES_ARCH_DIR: &str = "artifacts/images/$ARCH";
/// The digest each image was saved at: `name digest` per line.
pub const IMAGES_LOCK: &str = "artifacts/images/$ARCH/IMAGES.lock";
/// Router packages, one folder per platform.
pub const ROUTERS_DIR: &str = "artifacts/routers";

/// A reference as containerd names it: `docker.io/` for Docker Hub's short
/// names, `library/` for its official images.
pub fn normalize(reference: &str) -> String {
    let first = reference.split('/').next().unwrap_or("");
    let has_registry = reference.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if has_registry {
        reference.to_string()
    } else if reference.contains('/') {
        format!("docker.io/{reference}")
    } else {
        format!("docker.io/library/{reference}")
    }
}

/// The archive's file name for an image: its name with `/`, `:` and `@` as `_`.
pub fn archive_name(image: &str) -> String {
    let mut s: String = image.chars().map(|c| if matches!(c, '/' | ':' | '@') { '_' } else { c }).collect();
    s.push_str(".tar");
    s
}

/// Every image the kit carries by name (sorted, each once): the add-ons' and
/// verify.sh's probe (more come from the add-ons' `image_steps` at fetch time).
pub fn images(plan: &Plan) -> Vec<String> {
    let mut set: BTreeSet<String> = BTreeSet::new();
    for a in super::addons(plan) {
        set.extend(a.images(plan).iter().map(|i| normalize(i)));
    }
    if !plan.nodes.is_empty() {
        set.insert(normalize(PROBE_IMAGE));
    }
    set.into_iter().collect()
}

/// The routers' platforms and the packages each needs, for routers whose
/// daemon meshplan configures.
pub fn router_packages(plan: &Plan) -> Vec<(Platform, Vec<&'static str>)> {
    let mut per: std::collections::BTreeMap<Platform, BTreeSet<&'static str>> = Default::default();
    for r in plan.routers.values() {
        if r.daemon != Daemon::None {
            per.entry(r.platform).or_default().insert(router_os::package(r.platform, r.daemon));
        }
    }
    per.into_iter().map(|(p, s)| (p, s.into_iter().collect())).collect()
}

/// The mirror settings, each with its upstream default (bash, near the top of
/// fetch-artifacts.sh). Registry mirrors default to the topology's
/// `registry_mirrors` (their first endpoint).
pub fn mirror_settings(plan: &Plan) -> String {
    let mut o = String::from(
        "# Mirrors: set any of these in the environment to fetch from a mirror (see README.md).\n\
GITHUB=\"${GITHUB:-https://github.com}\"\n\
GITHUB_RAW=\"${GITHUB_RAW:-https://raw.githubusercontent.com}\"\n\
K3S_RELEASES=\"${K3S_RELEASES:-$GITHUB/k3s-io/k3s/releases/download}\"\n\
K3S_RAW=\"${K3S_RAW:-$GITHUB_RAW/k3s-io/k3s}\"\n",
    );
    for a in super::addons(plan) {
        for m in a.mirrors() {
            let _ = writeln!(o, "{var}=\"${{{var}:-{default}}}\"", var = m.var, default = m.default);
        }
    }
    o.push_str("# Registry mirrors for the image copies, MIRROR_<REGISTRY> (dots and dashes as _): the\n# archives keep the names the manifests use whichever host they come from.\n");
    for (registry, endpoints) in &plan.cluster.registry_mirrors {
        let Some(first) = endpoints.first() else { continue };
        let host = first.split("://").last().unwrap_or(first).trim_end_matches('/');
        let var = mirror_var(registry);
        let _ = writeln!(o, "{var}=\"${{{var}:-{}}}\"", host.replace(['"', '$', '`', '\\'], ""));
    }
    o
}

/// `MIRROR_QUAY_IO` for `quay.io`.
pub fn mirror_var(registry: &str) -> String {
    let up: String =
        registry.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("MIRROR_{up}")
}

/// fetch-artifacts.sh's image and router-package steps (bash), run after the
/// add-ons' own steps: it uses the script's `$HERE`, `$ARCH`, `MISSING` and `fail`.
pub fn fetch_steps(plan: &Plan) -> String {
    let mut o = String::from("\n# Images: every one the cluster runs, saved as an archive k3s imports at start.\n");
    let _ = writeln!(
        o,
        "IMG_DIR=\"$HERE/{IMAGES_ARCH_DIR}\"\nLOCK=\"$HERE/{IMAGES_LOCK}\"\nmkdir -p \"$IMG_DIR\"\ntouch \"$LOCK\""
    );
    o.push_str(
        r#"# The name containerd gives a reference (docker.io/ and library/ for Docker Hub's short names).
normalize() {
  local ref=$1 first=${1%%/*}
  if [[ "$ref" == */* && ( "$first" == *.* || "$first" == *:* || "$first" == localhost ) ]]; then
    printf '%s\n' "$ref"
  elif [[ "$ref" == */* ]]; then
    printf 'docker.io/%s\n' "$ref"
  else
    printf 'docker.io/library/%s\n' "$ref"
  fi
}
# The host to copy a registry's images from: MIRROR_<REGISTRY> when set.
mirror_of() {
  local var
  var="MIRROR_$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]' | tr -c 'A-Z0-9\n' '_')"
  printf '%s\n' "${!var:-$1}"
}
# The image names in Kubernetes manifests (`image:` fields), normalized.
manifest_images() {
  sed -n "s/^[[:space:]-]*image:[[:space:]]*[\"']\{0,1\}\([^\"' ]*\).*/\1/p" "$@" | while read -r ref; do
    if [[ -n "$ref" ]]; then
      normalize "$ref"
    fi
  done
}
# Saves image $1 as an archive named for it, by the digest the registry answers;
# a second run keeps an archive whose digest and sha256 it recorded.
save_image() {
  local name=$1 file reg rest src digest sum
  file="$IMG_DIR/$(printf '%s' "$name" | tr '/:@' '___').tar"
  if [[ -f "$file" ]] && sum="$(awk -v n="$name" '$1 == n {print $3}' "$LOCK")" && [[ -n "$sum" ]] \
    && [[ "$(sha256sum "$file" | awk '{print $1}')" == "$sum" ]]; then
    echo "have  $name"
    return 0
  fi
  if [[ "$name" == *@* ]]; then
    MISSING+=("$name: a reference by digest cannot be saved under a tag k3s imports; set the chart's useDigest to false")
    return 0
  fi
  reg=${name%%/*}
  rest=${name#*/}
  src="$(mirror_of "$reg")/$rest"
  echo "image $name (from $src, linux/$ARCH)"
  if ! digest="$(skopeo inspect --override-os linux --override-arch "$ARCH" --format '{{.Digest}}' "docker://$src")"; then
    MISSING+=("$name: $src did not answer")
    return 0
  fi
  rm -f "$file.part"
  if ! skopeo copy -q --override-os linux --override-arch "$ARCH" "docker://${src%:*}@$digest" "docker-archive:$file.part:$name"; then
    rm -f "$file.part"
    MISSING+=("$name: copy from $src@$digest failed")
    return 0
  fi
  mv "$file.part" "$file"
  sum="$(sha256sum "$file" | awk '{print $1}')"
  awk -v n="$name" '$1 != n' "$LOCK" > "$LOCK.new"
  printf '%s %s %s\n' "$name" "$digest" "$sum" >> "$LOCK.new"
  sort -o "$LOCK" "$LOCK.new"
  rm -f "$LOCK.new"
  echo "ok    $name  $digest"
}
IMAGES_LIST="$(mktemp)"
"#,
    );
    o.push_str("# The images the design names (the operator's components, the add-ons' manifests, verify.sh's probe).\ncat > \"$IMAGES_LIST\" <<'EOF'\n");
    for i in images(plan) {
        let _ = writeln!(o, "{i}");
    }
    o.push_str("EOF\n");
    let steps: Vec<String> = super::addons(plan).into_iter().filter_map(|a| a.image_steps(plan)).collect();
    if !steps.is_empty() {
        o.push_str("# And whatever the fetched manifests and charts name, should a release add one.\n");
    }
    for s in steps {
        o.push_str(&s);
    }
    o.push_str(
        "sort -u -o \"$IMAGES_LIST\" \"$IMAGES_LIST\"\n\
while read -r img; do\n  if [[ -n \"$img\" ]]; then\n    save_image \"$img\"\n  fi\ndone < \"$IMAGES_LIST\"\n\
cp \"$IMAGES_LIST\" \"$IMG_DIR/IMAGES.txt\"\nrm -f \"$IMAGES_LIST\"\n",
    );

    let pkgs = router_packages(plan);
    if !pkgs.is_empty() {
        o.push_str(
            r#"
# Router packages, downloaded with the package tool of a machine of the routers'
# platform (and release): its configured sources are the package mirror.
host_platform() {
  if [[ "$(uname -s)" == FreeBSD ]]; then echo freebsd; return; fi
  local id=""
  if [[ -r /etc/os-release ]]; then
    # shellcheck disable=SC1091
    id="$(. /etc/os-release && echo "${ID:-} ${ID_LIKE:-}")"
  fi
  case " $id " in
    *" alpine "*) echo alpine ;;
    *" debian "* | *" ubuntu "*) echo debian ;;
    *" rhel "* | *" fedora "* | *" centos "*) echo rhel ;;
    *) echo unknown ;;
  esac
}
# $1 platform, the rest the packages.
router_packages() {
  local platform=$1 dir
  shift
  dir="$HERE/artifacts/routers/$platform"
  if [[ -f "$dir/PACKAGES" ]] && [[ "$(cat "$dir/PACKAGES")" == "$*" ]]; then
    echo "have  router packages for $platform: $*"
    return 0
  fi
  if [[ "$(host_platform)" != "$platform" ]]; then
    MISSING+=("router packages for $platform ($*): run this script on a $platform machine of the routers' release (ARCH of the routers), or put the packages and their dependencies in artifacts/routers/$platform/ and their names in artifacts/routers/$platform/PACKAGES")
    return 0
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "router packages for $platform: $*"
  case "$platform" in
    debian)
      # The packages and everything they depend on, as .deb files.
      # shellcheck disable=SC2046
      (cd "$dir" && apt-get download $(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
        --no-breaks --no-replaces --no-enhances "$@" | grep '^[a-zA-Z0-9]' | sort -u)) ;;
    rhel) dnf download --resolve --alldeps --destdir "$dir" "$@" ;;
    alpine) apk fetch --recursive --output "$dir" "$@" ;;
    freebsd) pkg fetch -y -d -o "$dir" "$@" ;;
  esac
  printf '%s\n' "$*" > "$dir/PACKAGES"
}
"#,
        );
        for (p, names) in &pkgs {
            let _ = writeln!(o, "router_packages {} {}", p.as_str(), names.join(" "));
        }
    }
    o
}

/// ARTIFACTS.txt's image and router-package lines.
pub fn list_lines(plan: &Plan) -> String {
    let mut o = String::from(
        "\nContainer images, for linux/$ARCH (skopeo copy; imported by k3s from /var/lib/rancher/k3s/agent/images/)\n",
    );
    let _ = writeln!(
        o,
        "  Each archive is named for the image and copied by the digest the registry answered; digest and\n  \
archive sha256 are recorded in {IMAGES_LOCK} (a later run keeps an archive\n  \
whose sha256 matches); its sha256 lands in artifacts/SHA256SUMS.\n  \
{IMAGES_ARCH_DIR}/IMAGES.txt lists every image saved (these and any the fetched manifests add)."
    );
    for i in images(plan) {
        let _ = writeln!(o, "  {IMAGES_ARCH_DIR}/{}\n      {i}", archive_name(&i));
    }
    if super::addons(plan).iter().any(|a| a.image_steps(plan).is_some()) {
        let _ = writeln!(
            o,
            "  {IMAGES_ARCH_DIR}/*.tar\n      and every image the fetched manifests and charts name beyond these (IMAGES.txt)"
        );
    }
    let pkgs = router_packages(plan);
    if !pkgs.is_empty() {
        o.push_str(
            "\nRouter packages (with their dependencies, from the package sources of a machine of that platform)\n",
        );
        for (p, names) in &pkgs {
            let _ = writeln!(o, "  {ROUTERS_DIR}/{}/  {}", p.as_str(), names.join(" "));
        }
        o.push_str("      no pinned checksum: the distribution's signed repositories decide; recorded in artifacts/SHA256SUMS\n");
    }
    o
}

/// The runbook's offline path (markdown): prerequisites, mirrors, the pinned
/// versions and the steps with their checks.
pub fn runbook_section(plan: &Plan) -> Option<String> {
    if !plan.cluster.airgap {
        return None;
    }
    let mut o = String::from("## The offline kit\n\n");
    o.push_str("`fetch-artifacts.sh` builds it on a machine with Internet; nothing else in this bundle downloads anything.\n\n");
    o.push_str("The connected machine needs bash, curl, sha256sum and [skopeo](https://github.com/containers/skopeo) (the images)");
    let pkgs = router_packages(plan);
    if !pkgs.is_empty() {
        let ps: Vec<&str> = pkgs.iter().map(|(p, _)| p.as_str()).collect();
        let _ = write!(
            o,
            "; for the router packages, the package tool of a machine of the routers' platform and release ({}), else put them in `artifacts/routers/<platform>/` by hand",
            ps.join(", ")
        );
    }
    o.push_str(".\n\n| pinned | version | checked |\n|---|---|---|\n");
    for p in crate::versions::ALL {
        let _ = writeln!(o, "| {} | {} | {} |", p.name, p.version, p.source);
    }
    let _ = writeln!(
        o,
        "\nThe table was checked on {}; the images of these versions are proven in the kit by meshplan's tests against the upstream release files. A version the topology pins instead gets the same kinds of images under its own tag, and the script adds whatever its manifests name.\n",
        crate::versions::CHECKED
    );
    o.push_str("Mirrors (environment of `fetch-artifacts.sh`; the archives keep the upstream names whichever host serves them):\n\n");
    o.push_str("| variable | default | seeds' value (mainland China) |\n|---|---|---|\n");
    o.push_str("| `GITHUB`, `GITHUB_RAW` | `https://github.com`, `https://raw.githubusercontent.com` | |\n");
    o.push_str("| `K3S_RELEASES`, `K3S_RAW` | `$GITHUB/k3s-io/k3s/releases/download`, `$GITHUB_RAW/k3s-io/k3s` | (the seeds ran the install script of `rancher-mirror.rancher.cn`; its release layout is not checked here) |\n");
    for a in super::addons(plan) {
        for m in a.mirrors() {
            let _ = writeln!(
                o,
                "| `{}` | `{}` |{}|",
                m.var,
                m.default,
                if m.seeds.is_empty() { " ".to_string() } else { format!(" {} ", m.seeds) }
            );
        }
    }
    o.push_str("| `MIRROR_DOCKER_IO` | docker.io | `docker.m.daocloud.io` (seeds 000, 001) |\n");
    o.push_str("| `MIRROR_QUAY_IO` | quay.io | `quay.m.daocloud.io` (seeds 000, 001) |\n");
    o.push_str("| router packages | the connected machine's package sources | |\n");
    if !plan.cluster.registry_mirrors.is_empty() {
        o.push_str("\nThe topology's `registry_mirrors` are the defaults of the `MIRROR_*` variables.\n");
    }
    o.push_str("\nSteps:\n\n1. On the connected machine, once per node architecture:\n\n   ```sh\n   ./fetch-artifacts.sh                 # ARCH=arm64 ./fetch-artifacts.sh for arm64 nodes\n   MIRROR_QUAY_IO=quay.m.daocloud.io MIRROR_DOCKER_IO=docker.m.daocloud.io ./fetch-artifacts.sh   # through mirrors\n   ```\n\n");
    o.push_str("   Each release file is checked against its upstream sha256 list (a file that fails is removed); each image is saved by the digest the registry answered (`artifacts/images/$ARCH/IMAGES.lock`). Running it again resumes: it keeps what it has and fetches the rest. It ends with the list of what is missing, and fails, until nothing is.\n");
    o.push_str(
        "2. Check the kit, and keep the list of sums beside your change record: `sha256sum -c artifacts/SHA256SUMS`.\n",
    );
    o.push_str("3. Copy the folder, `artifacts/` included, to every node and router; the node scripts check `artifacts/SHA256SUMS` before they install anything.\n");
    o.push_str("4. Run the steps below in order. The node scripts copy the k3s binary and every image archive of the node's architecture into place; the cluster scripts apply manifests and charts from `artifacts/`; the router scripts install their daemon from `artifacts/routers/<platform>/` when it is missing.\n\n");
    Some(o)
}
