#!/usr/bin/env python3
"""Refresh the vendored CRD schemas from their upstream CustomResourceDefinitions.

Usage:
    python3 tests/schemas/refresh.py [--check] [--checkout OWNER/NAME=DIR ...] [--only OWNER/NAME ...]

Each `GROUP_VERSION_KIND.json` beside this script is the
`spec.versions[<version>].schema.openAPIV3Schema` object of one upstream CRD, written
as `json.dumps(indent=2, ensure_ascii=False)` plus a newline, key order as upstream.
PINS below names, for every file, the repository, the commit and the path it comes
from (SOURCES.md says why each pin was chosen). To move to a newer upstream, change the
commit in PINS, run this script, review `git diff tests/schemas`, run the tests that use
the schemas (`cargo test -p meshplan --test realtools`, `cargo test -p meshplan-core
--test cni_bundles`) and update SOURCES.md.

Sources are read from https://raw.githubusercontent.com/OWNER/NAME/COMMIT/PATH, or, with
`--checkout OWNER/NAME=DIR`, from a local git clone of that repository (`git show
COMMIT:PATH`), for machines without network access.

--check writes nothing and exits 1 when a vendored file differs from its source.
--only restricts the run to the named repositories.
"""

import argparse
import json
import os
import subprocess
import sys
import urllib.request

try:
    import yaml
except ImportError:  # the same dependency validate.py has
    sys.exit("refresh.py needs PyYAML: python3 -m pip install pyyaml (or apt-get install python3-yaml)")

HERE = os.path.dirname(os.path.abspath(__file__))

CALICO = ("projectcalico/calico", "87c15906f20c4ca1fda55af92295e7678b0cc0b2")
TIGERA = ("tigera/operator", "40788b9b6bef9d94e77b2e0d7a5eed7e17e2364c")
# cilium/cilium is too large to mirror here; SOURCES.md explains both pins.
CILIUM = ("cilium/cilium", "0d505231bc6889384c429bb8e91f6f9f24d1957c")
CILIUM_MIRROR = ("rastislavs/cilium", "711821bf3bbfe71ba4e3dee962114e386998fc0c")
METALLB = ("metallb/metallb", "7938d3f89b8bd808dae2e42d97d6ae7e18e9ed54")
KILO = ("squat/kilo", "944dff5745d747c06555a964c2137b9a986ff6ec")

CILIUM_CRDS = "pkg/k8s/apis/cilium.io/client/crds/v2/"

# (vendored file, (repository, commit), path of the CRD in the repository, served version)
PINS = [
    ("crd.projectcalico.org_v1_BGPPeer.json", CALICO, "libcalico-go/config/crd/crd.projectcalico.org_bgppeers.yaml", "v1"),
    ("crd.projectcalico.org_v1_BGPConfiguration.json", CALICO,
     "libcalico-go/config/crd/crd.projectcalico.org_bgpconfigurations.yaml", "v1"),
    ("crd.projectcalico.org_v1_IPPool.json", CALICO, "libcalico-go/config/crd/crd.projectcalico.org_ippools.yaml", "v1"),
    ("projectcalico.org_v3_BGPPeer.json", CALICO, "api/config/crd/projectcalico.org_bgppeers.yaml", "v3"),
    ("projectcalico.org_v3_BGPConfiguration.json", CALICO, "api/config/crd/projectcalico.org_bgpconfigurations.yaml", "v3"),
    ("projectcalico.org_v3_IPPool.json", CALICO, "api/config/crd/projectcalico.org_ippools.yaml", "v3"),
    ("operator.tigera.io_v1_Installation.json", TIGERA, "pkg/imports/crds/operator/operator.tigera.io_installations.yaml", "v1"),
    ("operator.tigera.io_v1_APIServer.json", TIGERA, "pkg/imports/crds/operator/operator.tigera.io_apiservers.yaml", "v1"),
    ("cilium.io_v2_CiliumBGPClusterConfig.json", CILIUM, CILIUM_CRDS + "ciliumbgpclusterconfigs.yaml", "v2"),
    ("cilium.io_v2alpha1_CiliumBGPClusterConfig.json", CILIUM, CILIUM_CRDS + "ciliumbgpclusterconfigs.yaml", "v2alpha1"),
    ("cilium.io_v2_CiliumBGPPeerConfig.json", CILIUM_MIRROR, CILIUM_CRDS + "ciliumbgppeerconfigs.yaml", "v2"),
    ("cilium.io_v2alpha1_CiliumBGPPeerConfig.json", CILIUM_MIRROR, CILIUM_CRDS + "ciliumbgppeerconfigs.yaml", "v2alpha1"),
    ("cilium.io_v2_CiliumBGPAdvertisement.json", CILIUM_MIRROR, CILIUM_CRDS + "ciliumbgpadvertisements.yaml", "v2"),
    ("cilium.io_v2alpha1_CiliumBGPAdvertisement.json", CILIUM_MIRROR, CILIUM_CRDS + "ciliumbgpadvertisements.yaml",
     "v2alpha1"),
    ("cilium.io_v2_CiliumLoadBalancerIPPool.json", CILIUM_MIRROR, CILIUM_CRDS + "ciliumloadbalancerippools.yaml", "v2"),
    ("cilium.io_v2alpha1_CiliumLoadBalancerIPPool.json", CILIUM_MIRROR, CILIUM_CRDS + "ciliumloadbalancerippools.yaml",
     "v2alpha1"),
    ("metallb.io_v1beta1_IPAddressPool.json", METALLB, "config/crd/bases/metallb.io_ipaddresspools.yaml", "v1beta1"),
    ("metallb.io_v1beta1_L2Advertisement.json", METALLB, "config/crd/bases/metallb.io_l2advertisements.yaml", "v1beta1"),
    ("metallb.io_v1beta1_BGPAdvertisement.json", METALLB, "config/crd/bases/metallb.io_bgpadvertisements.yaml", "v1beta1"),
    ("metallb.io_v1beta2_BGPPeer.json", METALLB, "config/crd/bases/metallb.io_bgppeers.yaml", "v1beta2"),
    ("metallb.io_v1beta1_BGPPeer.json", METALLB, "config/crd/bases/metallb.io_bgppeers.yaml", "v1beta1"),
    ("kilo.squat.ai_v1alpha1_Peer.json", KILO, "manifests/crds.yaml", "v1alpha1"),
]


def source_text(repo, commit, path, checkouts):
    if repo in checkouts:
        out = subprocess.run(["git", "-C", checkouts[repo], "show", "%s:%s" % (commit, path)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError("git show %s:%s in %s: %s" % (commit, path, checkouts[repo], out.stderr.strip()))
        return out.stdout
    url = "https://raw.githubusercontent.com/%s/%s/%s" % (repo, commit, path)
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read().decode("utf-8")


def schema_of(text, kind, version):
    """The openAPIV3Schema of `version` in the CRD (of a multi-document file) for `kind`."""
    for doc in yaml.safe_load_all(text):
        if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = doc.get("spec") or {}
        if (spec.get("names") or {}).get("kind") != kind:
            continue
        for v in spec.get("versions") or []:
            if v.get("name") == version:
                return v["schema"]["openAPIV3Schema"]
        raise RuntimeError("the %s CRD has no version %s" % (kind, version))
    raise RuntimeError("no CustomResourceDefinition of kind %s" % kind)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 when a file differs")
    ap.add_argument("--checkout", action="append", default=[], metavar="OWNER/NAME=DIR",
                    help="read that repository from a local git clone instead of the network")
    ap.add_argument("--only", action="append", default=[], metavar="OWNER/NAME",
                    help="refresh only the files of these repositories")
    args = ap.parse_args(argv)
    checkouts = {}
    for c in args.checkout:
        repo, sep, d = c.partition("=")
        if not sep:
            ap.error("--checkout wants OWNER/NAME=DIR, got %r" % c)
        checkouts[repo] = d
    cache = {}
    differ = failed = 0
    for name, (repo, commit), path, version in PINS:
        if args.only and repo not in args.only:
            continue
        kind = name[:-len(".json")].rsplit("_", 1)[1]
        try:
            key = (repo, commit, path)
            if key not in cache:
                cache[key] = source_text(repo, commit, path, checkouts)
            schema = schema_of(cache[key], kind, version)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, then the exit status says so
            print("FAILED    %s: %s@%s:%s: %s" % (name, repo, commit[:10], path, exc))
            failed += 1
            continue
        text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        target = os.path.join(HERE, name)
        old = open(target, encoding="utf-8").read() if os.path.exists(target) else None
        if old == text:
            print("unchanged %s" % name)
            continue
        differ += 1
        if args.check:
            print("differs   %s (from %s@%s:%s)" % (name, repo, commit[:10], path))
        else:
            with open(target, "w", encoding="utf-8") as fh:
                fh.write(text)
            print("wrote     %s" % name)
    if failed or (args.check and differ):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
