#!/usr/bin/env bash
# Fetches the upstream release material the airgap-kit tests read, at the pinned
# tags (keep these in step with crates/core/src/versions.rs). Run on a machine
# with Internet from this folder: ./refresh.sh   (RAW=... to use a mirror of
# raw.githubusercontent.com). It overwrites the files it names and nothing else.
set -euo pipefail

CALICO=v3.32.1
OPERATOR=v1.42.3
METALLB=v0.16.1
KILO=0.7.0
CILIUM=1.20.2
RAW="${RAW:-https://raw.githubusercontent.com}"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
get() {
  local repo=$1 tag=$2 path=$3 dest=$4
  mkdir -p "$(dirname "$dest")"
  echo "fetch $repo@$tag:$path"
  curl -fsSL --retry 3 --proto '=https' -o "$dest.part" "$RAW/$repo/$tag/$path"
  mv "$dest.part" "$dest"
}

d="$HERE/tigera-operator-$OPERATOR"
for f in config/calico_versions.yml pkg/components/calico.go pkg/components/images.go; do
  get tigera/operator "$OPERATOR" "$f" "$d/$f"
done
get tigera/operator "$OPERATOR" pkg/controller/installation/core_controller.go "$d/core_controller.go.full"
# Keep only the FlexVolume default (the lines that set FlexVolumePath).
awk '/If not specified by the user, set the flex volume plugin location/ {p=1} p {print} p && /^\t}$/ {exit}' \
  "$d/core_controller.go.full" > "$d/pkg/controller/installation/core_controller.go.excerpt-flexvol"
rm -f "$d/core_controller.go.full"

get projectcalico/calico "$CALICO" manifests/tigera-operator.yaml "$HERE/calico-$CALICO/manifests/tigera-operator.yaml"
for f in metallb-native.yaml metallb-frr-k8s.yaml; do
  get metallb/metallb "$METALLB" "config/manifests/$f" "$HERE/metallb-$METALLB/config/manifests/$f"
done
for f in kilo-k3s.yaml crds.yaml; do
  get squat/kilo "$KILO" "manifests/$f" "$HERE/kilo-$KILO/manifests/$f"
done
get cilium/cilium "v$CILIUM" install/kubernetes/cilium/values.yaml "$HERE/cilium-$CILIUM/install/kubernetes/cilium/values.yaml"
echo "done: review 'git diff -- $HERE' before committing"
