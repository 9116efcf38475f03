//! How long a failure costs before BGP notices: the hold time of the sessions it
//! takes down. No BFD is rendered, so the hold timer is what ends a dead session.
//!
//! - Sessions with a router: meshplan renders `hold time 30` / `timers 10 30`
//!   on every session of its BIRD and FRR configs (`BGP_HOLD`); BGP
//!   uses the smaller of the two hold times the OPENs offer (RFC 4271 4.2), so
//!   the node's longer default does not matter.
//! - Calico's node-to-node mesh: calico-node's BIRD template
//!   (projectcalico/calico confd/etc/calico/confd/templates/bird.cfg.template,
//!   `template bgp bgp_template`) sets no hold time, so BIRD's default of 240 s
//!   holds on both ends.

use crate::model::Kind;
use crate::plan::types::{Session, SessionRole, Speakers, BGP_HOLD as HOLD};

/// BIRD's default hold time, which calico-node's mesh sessions keep.
pub const BIRD_DEFAULT_HOLD: u32 = 240;

/// The hold time of one session, in seconds.
pub fn hold_time(sp: &Speakers, s: &Session) -> u32 {
    let router_end = [s.sa, s.sb].iter().any(|&i| sp.list.get(i).is_some_and(|x| x.kind == Kind::Router));
    if router_end || s.role != SessionRole::Mesh {
        HOLD
    } else {
        BIRD_DEFAULT_HOLD
    }
}
