//! Random small designs for differential testing: the plan against real
//! BIRD/FRR. Seeded and self-contained (a splitmix64 generator), so a seed
//! printed by a run makes the same design on any machine.
//!
//! What varies is everything the format has that changes BGP: 2–4 sites, 1–2
//! routers per site with `bird`, `frr` or (rarely) `none`, `serves` patterns
//! (own site, remote sites, nothing), routers in an AS of their own, the
//! backbone as written (a random subset) or the default full mesh, Calico's
//! node mesh on or off, IPv4 or dual stack, links of different MTUs and costs
//! (a tree over the sites plus extra links, so some designs have two paths).

use std::fmt::Write as _;

/// splitmix64: tiny, fast, and good enough to pick designs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// True with probability `p` percent.
    pub fn chance(&mut self, p: u32) -> bool {
        self.below(100) < p as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

struct Router {
    name: String,
    site: usize,
    daemon: &'static str,
    asn: Option<u32>,
    serves: Vec<usize>,
    host: u8,
}

/// The design of seed `seed`, as topology text.
pub fn generate(seed: u64) -> String {
    let mut r = Rng::new(seed);
    let sites = 2 + r.below(3);
    let dual = r.chance(25);
    let mesh = r.chance(30);
    let mut routers: Vec<Router> = Vec::new();
    for s in 0..sites {
        let count = 1 + r.below(2);
        for k in 0..count {
            let daemon = if r.chance(8) { "none" } else { *r.pick(&["bird", "bird", "frr"]) };
            let asn = (daemon != "none" && r.chance(15)).then(|| 65001 + u32::try_from(s).unwrap_or(0));
            let mut serves = Vec::new();
            if daemon != "none" {
                if k == 0 || r.chance(50) {
                    serves.push(s);
                }
                if r.chance(20) {
                    let other = r.below(sites);
                    if other != s {
                        serves.push(other);
                    }
                }
            }
            let letter = char::from(b'a' + u8::try_from(k).unwrap_or(0));
            routers.push(Router {
                name: format!("r{s}{letter}"),
                site: s,
                daemon,
                asn,
                serves,
                host: 1 + u8::try_from(k).unwrap_or(0),
            });
        }
    }
    let mut o = String::new();
    let _ = writeln!(o, "# meshplan lab fuzz: seed {seed}");
    let _ = writeln!(o, "version: 1\nname: fuzz-{seed}\ncluster:\n  cni: calico");
    if dual {
        let _ = writeln!(o, "  pod_cidr: [10.42.0.0/16, fd42:42::/56]\n  service_cidr: [10.43.0.0/16, fd43:43::/112]");
    } else {
        let _ = writeln!(o, "  pod_cidr: [10.42.0.0/16]\n  service_cidr: [10.43.0.0/16]");
    }
    let _ = writeln!(o, "  asn: 64512\n  mtu: auto");
    let _ = writeln!(
        o,
        "  calico: {{version: v3.28.0, encapsulation: none, block_size: 26, nat_outgoing: true, node_mesh: {mesh}}}"
    );
    let _ = writeln!(o, "sites:");
    for s in 0..sites {
        let _ = writeln!(o, "  s{s}: {{kind: lan}}");
    }
    let addr = |s: usize, host: u8| -> String {
        if dual {
            format!("[10.{s}.0.{host}, fd00:0:0:{s}::{host:x}]")
        } else {
            format!("10.{s}.0.{host}")
        }
    };
    let _ = writeln!(o, "routers:");
    for x in &routers {
        let serves: Vec<String> = x.serves.iter().map(|s| format!("s{s}")).collect();
        let asn = x.asn.map(|a| format!(", asn: {a}")).unwrap_or_default();
        let _ = writeln!(
            o,
            "  {}: {{site: s{}, daemon: {}, address: {}{asn}, serves: [{}]}}",
            x.name,
            x.site,
            x.daemon,
            addr(x.site, x.host),
            serves.join(", ")
        );
    }
    let _ = writeln!(o, "nodes:");
    for s in 0..sites {
        let count = 1 + r.below(2);
        for k in 0..count {
            let role = if s == 0 && k == 0 { "server" } else { "agent" };
            let host = 10 + u8::try_from(k).unwrap_or(0);
            let _ = writeln!(o, "  n{s}{k}: {{site: s{s}, role: {role}, address: {}}}", addr(s, host));
        }
    }
    // Links: a random tree over the sites, router to router, then extras.
    let _ = writeln!(o, "links:");
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut link = |o: &mut String, r: &mut Rng, a: usize, b: usize| {
        let (x, y) = (router_of(&routers, r, a), router_of(&routers, r, b));
        if x == y || pairs.contains(&(x.min(y), x.max(y))) {
            return;
        }
        pairs.push((x.min(y), x.max(y)));
        let (kind, mtu) = *r.pick(&[("zerotier", 1400), ("iepl", 1500), ("wireguard", 1420), ("iepl", 1450)]);
        let cost = if r.chance(25) { format!(", cost: {}", 1 + r.below(30)) } else { String::new() };
        let _ =
            writeln!(o, "  - {{between: [{}, {}], kind: {kind}, mtu: {mtu}{cost}}}", routers[x].name, routers[y].name);
    };
    for s in 1..sites {
        let to = r.below(s);
        link(&mut o, &mut r, s, to);
    }
    if sites > 2 && r.chance(40) {
        let (a, b) = (r.below(sites), r.below(sites));
        if a != b {
            link(&mut o, &mut r, a, b);
        }
    }
    // The backbone: the default full mesh, or a random part of it.
    let speakers: Vec<&Router> = routers.iter().filter(|x| x.daemon != "none").collect();
    if speakers.len() > 1 && r.chance(50) {
        let mut chosen = Vec::new();
        for (i, a) in speakers.iter().enumerate() {
            for b in &speakers[i + 1..] {
                if r.chance(55) {
                    chosen.push(format!("[{}, {}]", a.name, b.name));
                }
            }
        }
        if chosen.is_empty() {
            chosen.push(format!("[{}, {}]", speakers[0].name, speakers[1].name));
        }
        let _ = writeln!(o, "bgp:\n  backbone:");
        for c in chosen {
            let _ = writeln!(o, "    - {c}");
        }
    }
    o
}

/// A router of site `s`, at random.
fn router_of(routers: &[Router], r: &mut Rng, s: usize) -> usize {
    let here: Vec<usize> = routers.iter().enumerate().filter(|(_, x)| x.site == s).map(|(i, _)| i).collect();
    here.get(r.below(here.len())).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_makes_one_design_and_every_design_parses() {
        assert_eq!(generate(7), generate(7));
        assert_ne!(generate(7), generate(8));
        for seed in 0..300 {
            let text = generate(seed);
            let a = meshplan_core::analyze(&text);
            let parse_errors: Vec<String> = a
                .diagnostics
                .iter()
                .filter(|d| matches!(d.code.as_str(), "E001" | "E002" | "E003" | "E004"))
                .map(|d| format!("{} {} {}", d.code, d.path, d.message))
                .collect();
            assert!(parse_errors.is_empty(), "seed {seed}:\n{text}\n{parse_errors:?}");
        }
    }

    /// Designs `check` refuses teach the lab nothing: most must reach it.
    #[test]
    fn most_designs_reach_the_lab() {
        let mut why: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        for seed in 0..300 {
            if let Some(w) = super::super::refused(&generate(seed)) {
                for code in w.split(", ").map(|x| x.split(' ').next().unwrap_or("").to_string()) {
                    *why.entry(code).or_default() += 1;
                }
            }
        }
        let refused: usize = why.values().sum();
        assert!(refused < 30, "{refused} error(s) in 300 designs: {why:?}");
    }
}
