//! The figures of the reference scenarios, derived by hand first (issue 4), then
//! asserted on the plan.

use std::fs;
use std::path::Path;

use meshplan_core::plan::{self, Plan, SessionKind, SessionRole};
use meshplan_core::{parse, Topology};

fn example(name: &str) -> Topology {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name);
    let src = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    parse(&src).topology.unwrap_or_else(|| panic!("{name} does not parse"))
}

fn data(case: &str) -> Topology {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/check").join(case).join("topology.yaml");
    let src = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    parse(&src).topology.unwrap_or_else(|| panic!("{case} does not parse"))
}

fn count(p: &Plan, role: SessionRole) -> usize {
    p.sessions.iter().filter(|s| s.role == role).count()
}

fn blackholes(p: &Plan) -> Vec<(String, String, String)> {
    p.paths
        .iter()
        .filter_map(|x| x.blackhole.as_ref().map(|b| (x.from_site.clone(), x.to_site.clone(), b.device.clone())))
        .collect()
}

#[test]
fn calico_wds_hkg() {
    let p = plan::build(&example("calico-wds-hkg.yaml"));
    assert_eq!(p.sessions.len(), 9);
    assert_eq!(
        (count(&p, SessionRole::Mesh), count(&p, SessionRole::RrClient), count(&p, SessionRole::Backbone)),
        (3, 3, 3)
    );
    assert!(p.sessions.iter().all(|s| s.kind == SessionKind::Ibgp));
    for n in p.nodes.keys() {
        let r = p.reach(n);
        assert_eq!(r.learned.len(), 2, "{n} learns both other blocks: {:?}", r.learned);
        assert!(r.missing.is_empty());
    }
    assert_eq!(p.mtu_budget, 1420);
    assert_eq!(p.pod_mtu, 1370);
    assert!(blackholes(&p).is_empty());
    // The ZeroTier link sets the budget.
    let lim = p.limiting.as_ref().and_then(|l| l.edge.clone()).unwrap_or_default();
    assert!(lim.contains("zerotier"), "{lim}");
    // No two routers have their addresses on one network (gateway on WDS's LAN,
    // cn-ns and global-ns in the IEPL box, joined to the rest by links, which
    // carry no addresses of theirs): every backbone session is multihop, as
    // BIRD's iBGP is anyway.
    let multihop: Vec<(String, String)> = p
        .sessions
        .iter()
        .filter(|s| s.multihop && s.role == SessionRole::Backbone)
        .map(|s| (s.a.clone(), s.b.clone()))
        .collect();
    assert_eq!(
        multihop,
        vec![
            ("gateway".to_string(), "cn-ns".to_string()),
            ("cn-ns".to_string(), "global-ns".to_string()),
            ("gateway".to_string(), "global-ns".to_string())
        ]
    );
}

#[test]
fn flannel_metallb_pi() {
    let p = plan::build(&example("flannel-metallb-pi.yaml"));
    assert_eq!((p.mtu_budget, p.pod_mtu), (1450, 1450));
    assert!(p.sessions.is_empty());
}

#[test]
fn cilium_dualstack_frr() {
    let p = plan::build(&example("cilium-dualstack-frr.yaml"));
    assert_eq!(p.mtu_budget, 1500);
    assert!(p.paths.iter().all(|x| x.routed), "native routing");
    assert_eq!(p.sessions.len(), 12);
    assert!(p.sessions.iter().all(|s| s.kind == SessionKind::Ebgp && s.b == "freebsd"));
    for fam in [plan::Family::Ipv4, plan::Family::Ipv6] {
        assert_eq!(p.sessions.iter().filter(|s| s.family == fam).count(), 6);
    }
    // The router learns every node's range in both families.
    assert_eq!(p.reach("freebsd").learned.len(), 12);
}

#[test]
fn kilo_multicloud() {
    let p = plan::build(&example("kilo-multicloud.yaml"));
    assert_eq!((p.mtu_budget, p.pod_mtu), (1420, 1420));
}

#[test]
fn without_the_cn_global_session_cn_ns_drops_traffic_towards_hkg_only() {
    let p = plan::build(&data("blackhole-one-way"));
    for n in p.nodes.keys() {
        assert_eq!(p.reach(n).learned.len(), 2, "{n} still learns every block");
    }
    assert_eq!(blackholes(&p), vec![("WDS".into(), "zt-global".into(), "cn-ns".into())]);
    assert_eq!(p.reach("cn-ns").missing.len(), 1);
}

#[test]
fn cn_ns_as_a_plain_host_drops_both_directions() {
    let p = plan::build(&data("blackhole-host"));
    assert_eq!(
        blackholes(&p),
        vec![("WDS".into(), "zt-global".into(), "cn-ns".into()), ("zt-global".into(), "WDS".into(), "cn-ns".into())]
    );
}

#[test]
fn encapsulation_changes_the_budget() {
    use meshplan_core::model::CalicoEncapsulation as E;
    let mut t = example("calico-wds-hkg.yaml");
    t.cluster.mtu = meshplan_core::model::Mtu::Auto;
    let mut budget = |e: E| {
        if let Some(c) = t.cluster.calico.as_mut() {
            c.encapsulation = e;
        }
        plan::build(&t).mtu_budget
    };
    assert_eq!(budget(E::None), 1420);
    assert_eq!(budget(E::Ipip), 1400);
    assert_eq!(budget(E::Vxlan), 1370);
    // Cross-subnet: only pairs of different sites are tunnelled; they are the tight ones.
    assert_eq!(budget(E::VxlanCrossSubnet), 1370);
}

#[test]
fn switching_the_cni_changes_the_budget() {
    use meshplan_core::model::Cni;
    let mut t = example("kilo-multicloud.yaml");
    t.cluster.kilo = None;
    t.cluster.asn = Some(64512);
    let mut budget = |cni: Cni| {
        t.cluster.cni = cni;
        plan::build(&t).mtu_budget
    };
    assert_eq!(budget(Cni::Kilo), 1420);
    assert_eq!(budget(Cni::Flannel), 1450);
    assert_eq!(budget(Cni::Cilium), 1450); // Cilium's default VXLAN tunnel
    assert_eq!(budget(Cni::Calico), 1500); // routed, no tunnel
}

#[test]
fn plan_json_has_the_documented_keys() {
    let p = plan::build(&example("calico-wds-hkg.yaml"));
    let j = p.to_json();
    for k in ["name", "mtu_budget", "pod_mtu", "nodes", "sessions", "reach", "paths", "diagnostics"] {
        assert!(j.get(k).is_some(), "missing {k}");
    }
    assert_eq!(j["sessions"].as_array().map(Vec::len), Some(9));
    assert!(j["reach"]["kubemaster"]["learned"].is_array());
    assert!(j["paths"][0]["hops"].is_array());
}

#[test]
fn plan_is_deterministic() {
    let t = example("calico-wds-hkg.yaml");
    assert_eq!(plan::build(&t).to_json().to_string(), plan::build(&t).to_json().to_string());
}
