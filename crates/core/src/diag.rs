//! Diagnostics: every finding of the parser, the checks and the plan, with a stable
//! code, a severity, the path of the element it is about, and a message a person
//! can act on. The table below is the single list of codes; `meshplan explain`
//! and the docs read it, tests assert on codes, never on message text.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

macro_rules! codes {
    ($($code:ident = $sev:ident, $title:literal;)*) => {
        /// Stable diagnostic codes. The letter gives the severity: E error, W warning, I info.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($code,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code),)* }
            }
            pub fn severity(self) -> Severity {
                match self { $(Code::$code => Severity::$sev,)* }
            }
            /// One line that says what the rule is about.
            pub fn title(self) -> &'static str {
                match self { $(Code::$code => $title,)* }
            }
        }
    };
}

codes! {
    // The file itself.
    E001 = Error, "format version missing or not supported";
    E002 = Error, "unknown field";
    E003 = Error, "YAML syntax error";
    E004 = Error, "value of the wrong type or form";
    // Names.
    E010 = Error, "node name is not a valid Kubernetes node name";
    E011 = Error, "name has characters that are not allowed";
    E012 = Error, "name used for a site and a device";
    E013 = Error, "name used for two devices";
    E014 = Error, "value that reaches a script or manifest has characters that are not allowed";
    // References.
    E020 = Error, "reference to a name that does not exist";
    E021 = Error, "link from a thing to itself";
    E022 = Error, "duplicate link";
    E023 = Error, "backbone session between things that are not BGP routers";
    // Addresses.
    E030 = Error, "address ranges overlap";
    E031 = Error, "address inside the pod or service range";
    E032 = Error, "the same address on two devices";
    E033 = Error, "cluster_dns outside service_cidr";
    E034 = Error, "pod and service ranges of different families";
    E035 = Error, "node address families do not match the cluster";
    E036 = Error, "block or mask size out of range";
    E037 = Error, "device without an address it needs";
    // Cluster.
    E040 = Error, "no server node";
    E041 = Error, "settings block for a CNI other than the one chosen";
    E042 = Error, "AS number out of range or reserved";
    E043 = Error, "AS number missing where BGP is used";
    E044 = Error, "address range reversed";
    E045 = Error, "setting that does not apply to the chosen CNI";
    // MTU.
    E050 = Error, "MTU out of range";
    E051 = Error, "MTU below 1280 where IPv6 is carried";
    E052 = Error, "cluster MTU above what the path allows";
    I053 = Info, "cluster MTU far below what the path allows";
    // Underlay.
    E060 = Error, "node reaches no other node over the underlay";
    E061 = Error, "site with nodes and no way out";
    E062 = Error, "router without a BGP daemon used as a BGP peer";
    // Routing (the plan).
    E070 = Error, "node learns no route to another node's pod range";
    E071 = Error, "blackhole: a device on the path does not know the pod route";
    E072 = Error, "flannel host-gw needs all nodes on one network";
    W073 = Warning, "eBGP AS path loop: sites reusing one AS lose each other's routes";
    W074 = Warning, "Calico node mesh with many nodes";
    W076 = Warning, "route reflector without a backbone session to the others";
    W077 = Warning, "IPv6 path below 1280 bytes";
    W078 = Warning, "node peers with no router and has no mesh";
    // Kubernetes' and k3s's own limits (check/kubernetes.rs, plan/mtu.rs, plan/advice.rs).
    // E080/E081: kube-controller-manager's node IPAM, kubernetes/kubernetes
    // pkg/controller/nodeipam/node_ipam_controller.go ("mask size of cluster CIDR must
    // be less than or equal to --node-cidr-mask-size") and ipam/cidrset/cidr_set.go
    // (clusterSubnetMaxDiff = 16, IPv6 only); defaults /24 and /64 in
    // cmd/kube-controller-manager/app/core.go (setNodeCIDRMaskSizes).
    E080 = Error, "pod range narrower than the per-node range Kubernetes allocates";
    E081 = Error, "per-node range more than 16 bits longer than an IPv6 pod range";
    // kube-apiserver cmd/kube-apiserver/app/options/validation.go: at most 20 host
    // bits, 64 with MultiCIDRServiceAllocator (on by default from 1.33,
    // pkg/features/kube_features.go).
    E082 = Error, "service range larger than kube-apiserver accepts";
    // Linux disables IPv6 on an interface whose MTU is under 1280 (RFC 8200's minimum).
    E083 = Error, "IPv6 pods with a pod MTU under 1280";
    // A tunnel's ends forward only what they route into it (WireGuard: AllowedIPs, wg(8)).
    W084 = Warning, "tunnel between sites carries routed pod traffic its ends must route";
    // Routers' machines.
    E090 = Error, "network namespace on a FreeBSD router";
    E091 = Error, "two routers on one machine and one network namespace";
    E092 = Error, "routers on one machine with different platforms";
    E100 = Error, "forwarding loop: pod packets go round between devices";
    // Single failures (plan/failures): W by default, E where the topology says
    // `resilience.survive_single_failures: true`; one rule, two severities.
    W101 = Warning, "single point of failure: one element's failure cuts pod traffic between locations";
    W102 = Warning, "backup path below the pod MTU: after one failure, large pod packets are dropped silently";
    E101 = Error, "single point of failure where surviving single failures is required";
    E102 = Error, "backup path below the pod MTU where surviving single failures is required";
    // Route propagation run in two session orders (plan/propagate.rs): BGP with
    // route reflection can have two stable outcomes (RFC 3345's oscillation
    // conditions); the lab saw BIRD settle either way (fuzz seed 4113).
    W103 = Warning, "routing depends on timing: pod routes settle in one of two ways";
}

/// Codes no longer given, and what took their place (`meshplan explain` says so).
pub const RETIRED: &[(&str, &str)] = &[(
    "I075",
    "site served by a single router: replaced by W101, which the failure analysis gives for the router (and any \
     other element) whose failure actually cuts pod traffic, naming the site pairs it cuts",
)];

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Read back from its text (`E071`): the app's page reads the diagnostics its
/// worker found.
impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown diagnostic code {s}")))
    }
}

/// A place in the source text, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Path of the element: `nodes.kubemaster.address`, `links[3].between[1]`.
    pub path: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
}

impl Diagnostic {
    pub fn new(code: Code, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            path: path.into(),
            message: message.into(),
            hint: None,
            span: None,
        }
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn at(mut self, span: Option<Span>) -> Self {
        self.span = span;
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sort diagnostics for output: by severity, then code, then path, so that two runs
/// print the same list in the same order.
pub fn sort(diags: &mut [Diagnostic]) {
    crate::sort::sort_by(diags, |a, b| {
        (a.severity, a.code, &a.path, &a.message).cmp(&(b.severity, b.code, &b.path, &b.message))
    });
}

pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}
