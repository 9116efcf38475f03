//! The preset dictionary of share format `1`: text that topologies tend to hold,
//! placed before the payload in deflate's window so that its first occurrence of a
//! common word already costs a back-reference instead of literals.
//!
//! What is here: the K3s and Kubernetes vocabulary the format refers to (packaged
//! components, registries and their mirrors as in docs/format.md, well-known
//! labels, version prefixes), common ways to name sites, routers and nodes, cloud
//! names, and a sentence in the words of DESIGN.md for descriptions. No name is
//! taken from an example file. Strings end with NUL as in the payload's string table, and the
//! most common text sits at the end, where back-references are shortest.
//!
//! The dictionary is part of the format: changing one byte needs a new version char.

pub(super) const DICT: &[u8] = b"\
topology.kubernetes.io/zone\0topology.kubernetes.io/region\0node-role.kubernetes.io/\0\
node.kubernetes.io/instance-type\0kubernetes.io/hostname\0\
https://registry-1.docker.io\0https://mirror.gcr.io\0registry.k8s.io\0ghcr.io\0gcr.io\0\
https://docker.m.daocloud.io\0quay.m.daocloud.io\0https://quay.io\0docker.io\0quay.io\0\
local-storage\0metrics-server\0coredns\0traefik\0servicelb\0\
aws\0gcp\0azure\0hetzner\0oracle\0digitalocean\0linode\0vultr\0ovh\0\
us-east-1\0eu-west-1\0eu-central-1\0ap-southeast-1\0\
datacenter\0office\0homelab\0home\0lab\0dc1\0dc2\0site-a\0site-b\0cloud\0vpc\0lan\0\
firewall\0border\0spine\0leaf\0core\0edge\0vpn\0nas\0pve\0proxmox\0rpi\0\
first-pool\0default\0internal\0external\0private\0public\0pool\0\
router\0gateway\0gw\0r1\0r2\0\
control-plane\0master\0worker\0k3s-master\0k3s-worker-\0k3s-node-\0\
v1.28.\0v1.29.\0v1.30.\0v1.31.\0v1.32.\0v1.33.\0v1.34.\0+k3s1\0v3.2\0v3.28.\0v3.29.\0v3.30.\0\
1.15.\x001.16.\x001.17.\x001.18.\0\
K3s cluster that spans several places (a hypervisor at home, cloud VPCs, a ZeroTier \
or WireGuard overlay, a leased line): the pod network with Calico, Cilium, Flannel or Kilo \
and MetalLB, BGP to the routers, dual-stack IPv4 and IPv6, native routing without \
encapsulation or a VXLAN or IPIP tunnel, on one LAN\0\
bgp-enabled\0true\0false\0\
node1\0node2\0node3\0node-1\0node-2\0node-3\0agent-1\0agent-2\0server-1\0\
k3s-server\0k3s-agent-\0k3s-\0";
