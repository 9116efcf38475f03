//! Renderer: the airgap artifacts (`fetch-artifacts.sh`, `ARTIFACTS.txt`).
//!
//! In airgap mode nothing is downloaded on the nodes. `fetch-artifacts.sh` runs once
//! on a machine with Internet, downloads exactly the pinned files into `artifacts/`
//! beside the bundle's files and checks each against the sha256 list its upstream
//! publishes with the release, saves every container image and router package
//! ([`super::kit`]), and ends with what is missing; the node, cluster and router
//! scripts then install from there. The bundle itself ships no upstream file.

use std::fmt::Write as _;

use super::common::{header, script_start, sh_quote};
/// Where the files land, relative to the bundle's top folder (in `common`: the
/// add-ons' scripts read them too).
pub use super::common::{ARTIFACTS_DIR as DIR, ARTIFACTS_IMAGES_DIR as IMAGES_DIR, ARTIFACTS_K3S_DIR as K3S_DIR};
use super::kit;
use super::File;
use crate::plan::Plan;

pub fn files(plan: &Plan) -> Vec<File> {
    if !plan.cluster.airgap {
        return Vec::new();
    }
    vec![File::script("fetch-artifacts.sh", fetch(plan)), File::text("ARTIFACTS.txt", list(plan))]
}

fn k3s_version(plan: &Plan) -> Option<&str> {
    plan.cluster.k3s_version.as_deref()
}

fn fetch(plan: &Plan) -> String {
    let mut o = script_start(plan, "Downloads the pinned airgap artifacts, checked against the upstream sha256 lists. Run once, on a machine with Internet.");
    o.push_str(
        "# Usage: ./fetch-artifacts.sh            (ARCH=arm64 or ARCH=arm for other nodes)\n\
# Then copy the whole bundle folder, artifacts/ included, to every node.\n\n",
    );
    o.push_str("HERE=\"$(cd \"$(dirname \"${BASH_SOURCE[0]}\")\" && pwd)\"\n");
    o.push_str("ARCH=\"${ARCH:-amd64}\"\n");
    o.push_str(&kit::mirror_settings(plan));
    o.push_str("# What could not be fetched: reported, and the script fails, at the end.\nMISSING=()\n");
    o.push_str(
        "case \"$ARCH\" in\n  amd64) K3S_BIN=k3s ;;\n  arm64) K3S_BIN=k3s-arm64 ;;\n  arm) K3S_BIN=k3s-armhf ;;\n  \
*) echo \"error: ARCH must be amd64, arm64 or arm (got $ARCH)\" >&2; exit 1 ;;\nesac\n",
    );
    match k3s_version(plan) {
        Some(v) => {
            let _ = writeln!(o, "K3S_VERSION={}", sh_quote(v));
        }
        None => {
            let _ = writeln!(
                o,
                "# The topology pins no k3s version (cluster.k3s_version): meshplan's pinned one.\nK3S_VERSION={}",
                sh_quote(crate::versions::K3S)
            );
        }
    }
    o.push_str("for tool in curl sha256sum skopeo; do\n  command -v \"$tool\" >/dev/null 2>&1 || { echo \"error: $tool is required\" >&2; exit 1; }\ndone\n");
    o.push_str(
        "# Downloads URL $1 to $2, resuming a partial download; a file already whole is kept\n\
# (check below catches one that is not, and removes it).\n\
fetch() {\n  if [[ -s \"$2\" ]]; then\n    echo \"have  $2\"\n    return 0\n  fi\n  echo \"fetch $1\"\n  \
curl -fL --retry 3 --proto '=https' -C - -o \"$2.part\" \"$1\"\n  mv \"$2.part\" \"$2\"\n}\n\
# Checks FILE against the line for NAME in an upstream sha256 list.\n\
check() {\n  local list=$1 name=$2 file=$3 want got\n  \
want=\"$(awk -v n=\"$name\" '$2 == n || $2 == \"*\" n {print $1}' \"$list\" | head -n1)\"\n  \
if [[ -z \"$want\" ]]; then\n    echo \"error: $name is not listed in $list\" >&2\n    exit 1\n  fi\n  \
got=\"$(sha256sum \"$file\" | awk '{print $1}')\"\n  \
if [[ \"$want\" != \"$got\" ]]; then\n    rm -f \"$file\"\n    \
echo \"error: sha256 of $file was $got, upstream lists $want: removed it; run this script again\" >&2\n    exit 1\n  fi\n  \
echo \"ok    $name  $got\"\n}\n\
# Checks FILE against the sha256 meshplan pinned from the upstream file at the release tag.\n\
pinned() {\n  local want=$1 file=$2 got\n  got=\"$(sha256sum \"$file\" | awk '{print $1}')\"\n  \
if [[ \"$want\" != \"$got\" ]]; then\n    rm -f \"$file\"\n    \
echo \"error: sha256 of $file was $got, meshplan pinned $want: removed it; check the mirror, run this script again\" >&2\n    exit 1\n  fi\n  \
echo \"ok    ${file##*/}  $got (pinned)\"\n}\n\n",
    );
    let _ = writeln!(o, "K3S_DIR=\"$HERE/\"{}\nIMAGES_DIR=\"$HERE/\"{}", sh_quote(K3S_DIR), sh_quote(IMAGES_DIR));
    o.push_str("mkdir -p \"$K3S_DIR\" \"$IMAGES_DIR\"\n");
    o.push_str("# k3s: binary and airgap images, checked against the release's sha256sum-$ARCH.txt.\n");
    o.push_str("K3S_BASE=\"$K3S_RELEASES/${K3S_VERSION//+/%2B}\"\n");
    o.push_str("fetch \"$K3S_BASE/sha256sum-$ARCH.txt\" \"$K3S_DIR/sha256sum-$ARCH.txt\"\n");
    o.push_str("fetch \"$K3S_BASE/$K3S_BIN\" \"$K3S_DIR/$K3S_BIN\"\ncheck \"$K3S_DIR/sha256sum-$ARCH.txt\" \"$K3S_BIN\" \"$K3S_DIR/$K3S_BIN\"\nchmod 0755 \"$K3S_DIR/$K3S_BIN\"\n");
    o.push_str(
        "# Newer releases ship a zstd tarball; older ones a gzip one.\n\
IMAGES=\"k3s-airgap-images-$ARCH.tar.zst\"\n\
if ! grep -q \" $IMAGES\\$\" \"$K3S_DIR/sha256sum-$ARCH.txt\"; then\n  IMAGES=\"k3s-airgap-images-$ARCH.tar.gz\"\nfi\n\
fetch \"$K3S_BASE/$IMAGES\" \"$IMAGES_DIR/$IMAGES\"\ncheck \"$K3S_DIR/sha256sum-$ARCH.txt\" \"$IMAGES\" \"$IMAGES_DIR/$IMAGES\"\n",
    );
    o.push_str(
        "# The install script of the same tag. k3s publishes no checksum for it: it comes from the\n\
# immutable release tag, and its sha256 goes into artifacts/SHA256SUMS below.\n\
fetch \"$K3S_RAW/${K3S_VERSION//+/%2B}/install.sh\" \"$K3S_DIR/install.sh\"\n\
head -n1 \"$K3S_DIR/install.sh\" | grep -q '^#!/bin/sh' || { echo \"error: $K3S_DIR/install.sh is not the k3s install script\" >&2; exit 1; }\n\
chmod 0755 \"$K3S_DIR/install.sh\"\n",
    );
    // The CNI's and the load balancer's files, from the add-ons.
    for steps in super::addons(plan).into_iter().filter_map(|a| a.fetch_steps(plan)) {
        o.push('\n');
        o.push_str(&steps);
    }
    o.push_str(&kit::fetch_steps(plan));
    o.push_str(
        "\nif (( ${#MISSING[@]} > 0 )); then\n  echo \"error: the kit is incomplete; missing:\" >&2\n  \
printf '  - %s\\n' \"${MISSING[@]}\" >&2\n  echo \"fix the cause and run this script again: it keeps what it has\" >&2\n  exit 1\nfi\n",
    );
    o.push_str(
        "\n# What the nodes check the copy against.\n\
SUMS=\"$(mktemp)\"\n\
(cd \"$HERE\" && find artifacts -type f ! -path artifacts/SHA256SUMS -print0 | sort -z | xargs -0 sha256sum) > \"$SUMS\"\n\
mv \"$SUMS\" \"$HERE/artifacts/SHA256SUMS\"\n\
chmod 0644 \"$HERE/artifacts/SHA256SUMS\"\n\
echo \"artifacts ready in $HERE/artifacts ($(wc -l < \"$HERE/artifacts/SHA256SUMS\") files); copy the bundle folder to every node\"\n",
    );
    o
}

fn list(plan: &Plan) -> String {
    let mut o =
        header(plan, "#", "The airgap artifacts: what fetch-artifacts.sh downloads and how each file is checked");
    let kv = k3s_version(plan).unwrap_or(crate::versions::K3S);
    let tag = kv.replace('+', "%2B");
    let _ = writeln!(o, "\nAll files land under {DIR}/ beside this file. ARCH is amd64 unless set (arm64, arm).");
    let _ = writeln!(
        o,
        "artifacts/SHA256SUMS, written last, lists every file; the node scripts check it before installing.\n"
    );
    let _ = writeln!(o, "k3s {kv}");
    let _ = writeln!(o, "  {K3S_DIR}/sha256sum-$ARCH.txt");
    let _ = writeln!(o, "      https://github.com/k3s-io/k3s/releases/download/{tag}/sha256sum-$ARCH.txt");
    let _ = writeln!(o, "  {K3S_DIR}/k3s (k3s-arm64, k3s-armhf)");
    let _ = writeln!(o, "      https://github.com/k3s-io/k3s/releases/download/{tag}/k3s");
    let _ = writeln!(o, "      sha256 checked against sha256sum-$ARCH.txt");
    let _ = writeln!(o, "  {IMAGES_DIR}/k3s-airgap-images-$ARCH.tar.zst (.tar.gz for releases without zstd)");
    let _ = writeln!(o, "      https://github.com/k3s-io/k3s/releases/download/{tag}/k3s-airgap-images-$ARCH.tar.zst");
    let _ = writeln!(o, "      sha256 checked against sha256sum-$ARCH.txt");
    let _ = writeln!(o, "  {K3S_DIR}/install.sh");
    let _ = writeln!(o, "      https://raw.githubusercontent.com/k3s-io/k3s/{tag}/install.sh");
    let _ = writeln!(o, "      no upstream checksum: taken from the release tag, recorded in artifacts/SHA256SUMS");
    for lines in super::addons(plan).into_iter().filter_map(|a| a.artifact_lines(plan)) {
        o.push('\n');
        o.push_str(&lines);
    }
    o.push_str(&kit::list_lines(plan));
    let _ = writeln!(o, "\nNo token, key or password is part of the artifacts or the bundle.");
    o
}
