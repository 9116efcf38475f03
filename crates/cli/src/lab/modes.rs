//! What the lab refuses before touching anything: data planes this kernel cannot
//! emulate, and designs whose errors leave nothing to emulate.

use meshplan_core::model::{
    CalicoEncapsulation as Enc, Cni, FlannelBackend, KiloEncapsulation, KiloGranularity, Topology,
};
use meshplan_core::{Code, Diagnostic, Severity};

/// Why the lab cannot run this design, if it cannot.
pub fn refuse(t: &Topology, diags: &[Diagnostic]) -> Result<(), String> {
    let c = &t.cluster;
    let no_tunnel = "the lab proves routed (unencapsulated) pod networks only";
    let why = match c.cni {
        Cni::Calico => match c.calico().encapsulation {
            Enc::None => None,
            Enc::Ipip => Some(format!("Calico IP-in-IP: this kernel has no ipip device to emulate it; {no_tunnel}")),
            Enc::IpipCrossSubnet => Some(format!("Calico IP-in-IP across subnets: this kernel has no ipip device to emulate it; {no_tunnel}")),
            Enc::Vxlan | Enc::VxlanCrossSubnet => {
                Some(format!("Calico VXLAN encapsulation is not emulated (the lab does not play Felix's VXLAN tunnel mesh); {no_tunnel}"))
            }
        },
        Cni::Cilium if !c.cilium().native_routing => {
            Some(format!("Cilium's VXLAN tunnel mode is not emulated (the lab does not play Cilium's tunnel mesh); {no_tunnel}: set `native_routing: true`"))
        }
        Cni::Cilium => None,
        Cni::Flannel => match c.flannel().backend {
            FlannelBackend::HostGw => None,
            FlannelBackend::Vxlan => Some(format!("flannel's VXLAN backend is not emulated; {no_tunnel}")),
            FlannelBackend::WireguardNative => Some(format!("flannel's WireGuard backend: this kernel has no wireguard device; {no_tunnel}")),
            FlannelBackend::None => Some("flannel with `backend: none` brings no pod network the lab could play".to_string()),
        },
        Cni::Kilo if c.kilo().granularity == KiloGranularity::Location && t.sites.len() <= 1 => {
            (c.kilo().encapsulate == KiloEncapsulation::Always).then(|| {
                format!("Kilo's `encapsulate: always` (its default) puts IP-in-IP between the nodes of a location: this kernel has no ipip device; {no_tunnel}: set `encapsulate: crosssubnet` on one subnet")
            })
        }
        Cni::Kilo => Some(format!("Kilo joins locations with WireGuard: this kernel has no wireguard device; {no_tunnel}")),
    };
    if let Some(w) = why {
        return Err(format!("cannot emulate this design: {w}"));
    }
    // Routing findings (blackholes, missing routes, AS loops, forwarding loops) are what the lab
    // reproduces; any other error means the design is not complete.
    let reproducible = [Code::E070, Code::E071, Code::W073, Code::E100];
    let blocking: Vec<String> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error && !reproducible.contains(&d.code))
        .map(|d| format!("  {}: {} ({})", d.code, d.message, d.path))
        .collect();
    if !blocking.is_empty() {
        return Err(format!(
            "the design has errors the lab cannot run with (see `meshplan check`):\n{}",
            blocking.join("\n")
        ));
    }
    Ok(())
}
