use meshplan_core::{parse, plan};
#[test]
fn scratch_dump() {
    for n in ["cilium-dualstack-frr.yaml", "flannel-metallb-pi.yaml", "kilo-multicloud.yaml"] {
        let src = std::fs::read_to_string(format!("{}/../../examples/{n}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let t = parse(&src).topology.unwrap();
        let p = plan::build(&t);
        println!("==== {n}\n{}", p.to_text());
        for d in &p.diagnostics { println!("{d:?}"); }
    }
}
