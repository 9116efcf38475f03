//! The two label-selector languages the BGP manifests use.
//!
//! - Calico's selector expressions (`BGPPeer.spec.nodeSelector`/`peerSelector`):
//!   the grammar of projectcalico/calico `libcalico-go/lib/selector/tokenizer/tokenizer.go`
//!   and `parser/parser.go` at v3.26.1: `||` binds loosest, then `&&`, then `!`;
//!   terms `all()`, `has(k)`, `k == 'v'`, `k != 'v'`, `k in {..}`, `k not in {..}`,
//!   `k contains 'v'`, `k starts with 'v'`, `k ends with 'v'`, parentheses; an empty
//!   selector selects everything. `global()` (a namespace concept) is refused.
//! - Kubernetes' `LabelSelector` (`matchLabels` and `matchExpressions` with `In`,
//!   `NotIn`, `Exists`, `DoesNotExist`; all requirements ANDed; an empty selector
//!   selects everything), as Cilium's `CiliumBGPClusterConfig.spec.nodeSelector` and
//!   `CiliumBGPPeerConfig.spec.families[].advertisements` take it
//!   (kubernetes/apimachinery `pkg/apis/meta/v1/types.go`, `LabelSelector`).

use meshplan_core::yaml::Node;

use super::manifest::{self, Fields};

pub use super::manifest::Labels;

/// A parsed Calico selector.
#[derive(Debug, Clone, PartialEq)]
pub enum Calico {
    All,
    Has(String),
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Contains(String, String),
    StartsWith(String, String),
    EndsWith(String, String),
    Not(Box<Calico>),
    And(Vec<Calico>),
    Or(Vec<Calico>),
}

impl Calico {
    pub fn matches(&self, l: &Labels) -> bool {
        let get = |k: &str| l.get(k).map(String::as_str);
        match self {
            Calico::All => true,
            Calico::Has(k) => l.contains_key(k),
            Calico::Eq(k, v) => get(k) == Some(v),
            // `!=` and `not in` also match when the label is absent (Calico's docs,
            // "Selectors": "k != 'v'" matches "resources without label k").
            Calico::Ne(k, v) => get(k) != Some(v),
            Calico::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Calico::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
            Calico::Contains(k, v) => get(k).is_some_and(|x| x.contains(v.as_str())),
            Calico::StartsWith(k, v) => get(k).is_some_and(|x| x.starts_with(v.as_str())),
            Calico::EndsWith(k, v) => get(k).is_some_and(|x| x.ends_with(v.as_str())),
            Calico::Not(x) => !x.matches(l),
            Calico::And(xs) => xs.iter().all(|x| x.matches(l)),
            Calico::Or(xs) => xs.iter().any(|x| x.matches(l)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Label(String),
    Str(String),
    LParen,
    RParen,
    LBrace,
    RBrace,
    Comma,
    Eq,
    Ne,
    Not,
    And,
    Or,
    In,
    NotIn,
    Contains,
    StartsWith,
    EndsWith,
    All,
    Has(String),
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-')
}

/// `word` then optional spaces then `rest` (Calico writes `starts\s*with`, `not\s*in`).
fn two_words<'a>(s: &'a str, first: &str, second: &str) -> Option<&'a str> {
    let r = s.strip_prefix(first)?.trim_start();
    r.strip_prefix(second)
}

fn word_end(s: &str) -> bool {
    !s.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
}

/// `name(` optional spaces, the key, optional spaces, `)`.
fn call<'a>(s: &'a str, name: &str) -> Option<(String, &'a str)> {
    let r = s.strip_prefix(name)?.trim_start().strip_prefix('(')?.trim_start();
    let end = r.find(|c: char| !is_key_char(c)).unwrap_or(r.len());
    let key = &r[..end];
    let r = r[end..].trim_start().strip_prefix(')')?;
    Some((key.to_string(), r))
}

fn tokenize(src: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut s = src;
    loop {
        s = s.trim_start();
        let Some(c) = s.chars().next() else { return Ok(out) };
        let after_label = matches!(out.last(), Some(Tok::Label(_)));
        let (tok, rest) = match c {
            '(' => (Tok::LParen, &s[1..]),
            ')' => (Tok::RParen, &s[1..]),
            '{' => (Tok::LBrace, &s[1..]),
            '}' => (Tok::RBrace, &s[1..]),
            ',' => (Tok::Comma, &s[1..]),
            '"' | '\'' => {
                let r = &s[1..];
                let end = r.find(c).ok_or("an unterminated string")?;
                (Tok::Str(r[..end].to_string()), &r[end + 1..])
            }
            '=' if s.starts_with("==") => (Tok::Eq, &s[2..]),
            '!' if s.starts_with("!=") => (Tok::Ne, &s[2..]),
            '!' => (Tok::Not, &s[1..]),
            '&' if s.starts_with("&&") => (Tok::And, &s[2..]),
            '|' if s.starts_with("||") => (Tok::Or, &s[2..]),
            _ if after_label => {
                if let Some(r) = s.strip_prefix("contains") {
                    (Tok::Contains, r)
                } else if let Some(r) = two_words(s, "starts", "with") {
                    (Tok::StartsWith, r)
                } else if let Some(r) = two_words(s, "ends", "with") {
                    (Tok::EndsWith, r)
                } else if let Some(r) = two_words(s, "not", "in").filter(|r| word_end(r)) {
                    (Tok::NotIn, r)
                } else if let Some(r) = s.strip_prefix("in").filter(|r| word_end(r)) {
                    (Tok::In, r)
                } else {
                    return Err(format!("an operator expected after a label, found `{s}`"));
                }
            }
            _ => {
                if let Some((k, r)) = call(s, "has") {
                    if k.is_empty() {
                        return Err("`has()` needs a label key".into());
                    }
                    (Tok::Has(k), r)
                } else if let Some(r) = s.strip_prefix("all").and_then(|r| r.trim_start().strip_prefix('(')) {
                    let r = r.trim_start().strip_prefix(')').ok_or("`all(` must be `all()`")?;
                    (Tok::All, r)
                } else if s.starts_with("global") && call(s, "global").is_some() {
                    return Err("`global()` (namespace selection) is not supported by the lab's reader".into());
                } else {
                    let end = s.find(|c: char| !is_key_char(c)).unwrap_or(s.len());
                    if end == 0 {
                        return Err(format!("unexpected characters `{s}`"));
                    }
                    (Tok::Label(s[..end].to_string()), &s[end..])
                }
            }
        };
        out.push(tok);
        s = rest;
    }
}

/// Parses a Calico selector expression.
pub fn parse_calico(src: &str) -> Result<Calico, String> {
    let toks = tokenize(src).map_err(|e| format!("selector `{src}`: {e}"))?;
    if toks.is_empty() {
        return Ok(Calico::All);
    }
    let mut p = Parser { toks: &toks, i: 0 };
    let e = p.or().map_err(|e| format!("selector `{src}`: {e}"))?;
    if p.i != toks.len() {
        return Err(format!("selector `{src}`: unexpected content after the expression"));
    }
    Ok(e)
}

struct Parser<'a> {
    toks: &'a [Tok],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.i).cloned();
        self.i += 1;
        t
    }
    fn or(&mut self) -> Result<Calico, String> {
        let mut xs = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.i += 1;
            xs.push(self.and()?);
        }
        Ok(if xs.len() == 1 { xs.remove(0) } else { Calico::Or(xs) })
    }
    fn and(&mut self) -> Result<Calico, String> {
        let mut xs = vec![self.unary()?];
        while self.peek() == Some(&Tok::And) {
            self.i += 1;
            xs.push(self.unary()?);
        }
        Ok(if xs.len() == 1 { xs.remove(0) } else { Calico::And(xs) })
    }
    fn unary(&mut self) -> Result<Calico, String> {
        match self.next() {
            Some(Tok::Not) => Ok(Calico::Not(Box::new(self.unary()?))),
            Some(Tok::LParen) => {
                let e = self.or()?;
                match self.next() {
                    Some(Tok::RParen) => Ok(e),
                    _ => Err("a `)` is missing".into()),
                }
            }
            Some(Tok::All) => Ok(Calico::All),
            Some(Tok::Has(k)) => Ok(Calico::Has(k)),
            Some(Tok::Label(k)) => {
                let op = self.next();
                match op {
                    Some(Tok::In) | Some(Tok::NotIn) => {
                        let set = self.set()?;
                        Ok(if op == Some(Tok::In) { Calico::In(k, set) } else { Calico::NotIn(k, set) })
                    }
                    Some(o @ (Tok::Eq | Tok::Ne | Tok::Contains | Tok::StartsWith | Tok::EndsWith)) => {
                        let Some(Tok::Str(v)) = self.next() else {
                            return Err(format!("a quoted value expected after `{k}`'s operator"));
                        };
                        Ok(match o {
                            Tok::Eq => Calico::Eq(k, v),
                            Tok::Ne => Calico::Ne(k, v),
                            Tok::Contains => Calico::Contains(k, v),
                            Tok::StartsWith => Calico::StartsWith(k, v),
                            _ => Calico::EndsWith(k, v),
                        })
                    }
                    _ => Err(format!("an operator expected after `{k}`")),
                }
            }
            other => Err(format!("a term expected, found {other:?}")),
        }
    }
    fn set(&mut self) -> Result<Vec<String>, String> {
        if self.next() != Some(Tok::LBrace) {
            return Err("`in` needs a `{ 'a', 'b' }` set".into());
        }
        let mut out = Vec::new();
        if self.peek() == Some(&Tok::RBrace) {
            self.i += 1;
            return Ok(out);
        }
        loop {
            match self.next() {
                Some(Tok::Str(v)) => out.push(v),
                _ => return Err("a set holds quoted values".into()),
            }
            match self.next() {
                Some(Tok::Comma) => {}
                Some(Tok::RBrace) => return Ok(out),
                _ => return Err("a `,` or `}` expected in a set".into()),
            }
        }
    }
}

/// One requirement of a Kubernetes label selector.
#[derive(Debug, Clone, PartialEq)]
pub enum Requirement {
    Eq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A Kubernetes `LabelSelector`: every requirement must hold.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelSelector {
    pub requirements: Vec<Requirement>,
}

impl LabelSelector {
    pub fn matches(&self, l: &Labels) -> bool {
        self.requirements.iter().all(|r| match r {
            Requirement::Eq(k, v) => l.get(k) == Some(v),
            Requirement::In(k, vs) => l.get(k).is_some_and(|x| vs.contains(x)),
            Requirement::NotIn(k, vs) => l.get(k).is_none_or(|x| !vs.contains(x)),
            Requirement::Exists(k) => l.contains_key(k),
            Requirement::DoesNotExist(k) => !l.contains_key(k),
        })
    }
}

/// Reads a `LabelSelector` at `path` (`matchLabels`, `matchExpressions`; anything else is an error).
pub fn label_selector(node: &Node, path: &str) -> Result<LabelSelector, String> {
    let f = Fields::of(node, path, &["matchLabels", "matchExpressions"])?;
    let mut requirements = Vec::new();
    if let Some(m) = f.get("matchLabels") {
        for (k, v) in manifest::string_map(m, &format!("{path}.matchLabels"))? {
            requirements.push(Requirement::Eq(k, v));
        }
    }
    if let Some(exprs) = f.get("matchExpressions") {
        for (i, e) in manifest::seq(exprs, &format!("{path}.matchExpressions"))?.iter().enumerate() {
            let p = format!("{path}.matchExpressions[{i}]");
            let ef = Fields::of(e, &p, &["key", "operator", "values"])?;
            let key = ef.string("key")?.ok_or(format!("{p}.key is missing"))?;
            let op = ef.string("operator")?.ok_or(format!("{p}.operator is missing"))?;
            let values: Vec<String> = match ef.get("values") {
                Some(v) => manifest::seq(v, &format!("{p}.values"))?
                    .iter()
                    .enumerate()
                    .map(|(j, x)| manifest::string(x, &format!("{p}.values[{j}]")))
                    .collect::<Result<_, _>>()?,
                None => Vec::new(),
            };
            // apimachinery's validation: In/NotIn need values, Exists/DoesNotExist none.
            let r = match op.as_str() {
                "In" | "NotIn" if values.is_empty() => return Err(format!("{p}: `{op}` needs values")),
                "In" => Requirement::In(key, values),
                "NotIn" => Requirement::NotIn(key, values),
                "Exists" | "DoesNotExist" if !values.is_empty() => return Err(format!("{p}: `{op}` takes no values")),
                "Exists" => Requirement::Exists(key),
                "DoesNotExist" => Requirement::DoesNotExist(key),
                other => return Err(format!("{p}.operator `{other}` is not a label selector operator")),
            };
            requirements.push(r);
        }
    }
    Ok(LabelSelector { requirements })
}
