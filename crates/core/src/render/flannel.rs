//! Flannel, k3s's embedded CNI: no file of its own and no cluster script (k3s
//! runs it from the `flannel-backend` setting), so its pod network is up once the
//! nodes are. What it adds to the bundle is that setting, its ports and a
//! platform note. Backends as k3s names them (docs.k3s.io, networking
//! "Flannel Options").

use super::addon::{port, AddOn, ConfigValue, Kind, Port};
use super::bootstrap::Res;
use super::File;
use crate::model::{Cni, FlannelBackend};
use crate::plan::Plan;

/// Flannel as an add-on of the bundle.
pub struct Flannel;

impl AddOn for Flannel {
    fn kind(&self) -> Kind {
        Kind::Cni
    }
    fn name(&self) -> &'static str {
        "Flannel"
    }
    fn in_design(&self, plan: &Plan) -> bool {
        plan.cluster.cni == Cni::Flannel
    }
    fn files(&self, _plan: &Plan) -> Vec<File> {
        Vec::new()
    }
    /// k3s starts flannel with the nodes: its agents and the pod routes are there
    /// before any cluster script.
    fn given(&self) -> &'static [Res] {
        &[Res::CniAgents, Res::PodRoutes]
    }
    fn k3s_settings(&self, plan: &Plan) -> Vec<(&'static str, ConfigValue)> {
        let backend = match plan.cluster.flannel().backend {
            FlannelBackend::Vxlan => "vxlan",
            FlannelBackend::HostGw => "host-gw",
            FlannelBackend::WireguardNative => "wireguard-native",
            FlannelBackend::None => "none",
        };
        vec![("flannel-backend", ConfigValue::Str(backend.into()))]
    }
    fn summary(&self, _plan: &Plan) -> Option<String> {
        Some("flannel".to_string())
    }
    fn platform_notes(&self, plan: &Plan) -> Vec<&'static str> {
        if plan.cluster.flannel().backend == FlannelBackend::Vxlan {
            vec![
                "- Raspberry Pi with Ubuntu: flannel's VXLAN needs the `vxlan` module, packaged in \
`linux-modules-extra-raspi` there (`apt install linux-modules-extra-raspi`, then reboot).\n",
            ]
        } else {
            Vec::new()
        }
    }
    fn ports(&self, plan: &Plan) -> Vec<Port> {
        match plan.cluster.flannel().backend {
            FlannelBackend::Vxlan => vec![port("8472/udp", "nodes ↔ nodes", "flannel VXLAN")],
            FlannelBackend::WireguardNative => {
                vec![port("51820/udp (51821 for IPv6)", "nodes ↔ nodes", "flannel WireGuard")]
            }
            FlannelBackend::HostGw | FlannelBackend::None => Vec::new(),
        }
    }
}
