//! Which lab this process runs. One lab per machine by default; the
//! environment's `MESHPLAN_LAB_ID` (one to four lowercase letters or digits)
//! names another, with namespaces of its own (`mpl<ID>-n1`, …) and a state
//! folder of its own (`/run/meshplan-lab-<ID>`), so two labs can run side by
//! side (the lab tests beside a long fuzz series). Nothing else is shared: each
//! namespace is a network stack of its own, and every daemon's socket and file
//! lives in its lab's folder.

/// The variable that names the lab.
pub const VAR: &str = "MESHPLAN_LAB_ID";

/// The lab's id from the environment: `Ok(None)` for the default lab, an error
/// a person can act on for a value the namespace names cannot carry.
pub fn from_env() -> Result<Option<String>, String> {
    match std::env::var(VAR) {
        Err(_) => Ok(None),
        Ok(v) if v.is_empty() => Ok(None),
        Ok(v) if valid(&v) => Ok(Some(v)),
        Ok(v) => Err(format!(
            "{VAR}={v:?} cannot name a lab: use one to four lowercase letters or digits (it goes into namespace names)"
        )),
    }
}

fn valid(id: &str) -> bool {
    (1..=4).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Every namespace name of this lab starts with this (`mpl-` for the default lab).
/// An invalid id counts as none here: `netns::lock` refuses it before anything is made.
pub fn prefix() -> String {
    match from_env() {
        Ok(Some(id)) => format!("mpl{id}-"),
        _ => "mpl-".to_string(),
    }
}

/// The lab's state folder.
pub fn state_dir() -> String {
    match from_env() {
        Ok(Some(id)) => format!("/run/meshplan-lab-{id}"),
        _ => "/run/meshplan-lab".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::valid;

    #[test]
    fn ids_fit_in_namespace_names() {
        for ok in ["a", "s1", "fz00"] {
            assert!(valid(ok), "{ok}");
        }
        for bad in ["", "ABC", "a-b", "toolong", "a/b", "é"] {
            assert!(!valid(bad), "{bad}");
        }
    }
}
