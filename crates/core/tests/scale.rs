//! The generated scale designs plan clean, at every size the benchmarks use.

use meshplan_core::{plan, scale};

#[test]
fn scale_designs_plan_clean() {
    for (s, n) in [(6, 10), (60, 10)] {
        let p = plan::build(&scale::design(s, n));
        let errors: Vec<_> = p.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{errors:#?}");
        assert_eq!(p.nodes.len(), s * n);
        assert_eq!(p.mtu_budget, 1420);
        assert!(p.paths.iter().all(|x| x.blackhole.is_none()));
        for node in p.nodes.keys().take(3) {
            let r = p.reach(node);
            assert_eq!(r.learned.len(), s * n - 1, "{node} learns every other block");
            assert!(r.missing.is_empty());
        }
    }
}
