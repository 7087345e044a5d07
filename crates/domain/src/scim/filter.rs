//! SCIM filters (RFC 7644 §3.4.2.2): parsing into an AST the store can translate, and
//! in-memory evaluation over SCIM JSON resources.
use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use super::error::{ScimError, ScimType};
use super::path::{AttrPath, member, values};
use super::schemas::{AttrKind, AttributeDef, ResourceSchema};

/// Longest filter accepted.
pub const MAX_FILTER_LEN: usize = 4096;
/// Deepest nesting of parentheses, `not(...)` and value filters: the parser, every walk
/// of the tree and the SQL it becomes recurse once per level.
pub const MAX_FILTER_DEPTH: usize = 16;
/// Most comparisons in one filter: each becomes one SQL condition (SQLite refuses
/// expression trees deeper than 1000, and a long `or` chain is a deep tree).
pub const MAX_FILTER_TERMS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    /// The operator for a keyword (case-insensitive), `pr` excluded.
    pub fn from_keyword(word: &str) -> Option<CompareOp> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
        )
    }

    fn is_substring(self) -> bool {
        matches!(self, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Present(AttrPath),
    Compare {
        path: AttrPath,
        op: CompareOp,
        /// A JSON string, number, boolean or null.
        value: Value,
    },
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `emails[type eq "work"]`: the inner filter's paths name sub-attributes of `path`.
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

fn invalid(detail: impl Into<String>) -> ScimError {
    ScimError::bad(ScimType::InvalidFilter, detail)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Str(String),
    Word(String),
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::LBracket => "'['".into(),
            Tok::RBracket => "']'".into(),
            Tok::Str(s) => format!("the string \"{s}\""),
            Tok::Word(w) => format!("'{w}'"),
        }
    }

    fn is_word(&self, keyword: &str) -> bool {
        matches!(self, Tok::Word(w) if w.eq_ignore_ascii_case(keyword))
    }
}

/// Splits a filter into tokens, each with its 1-based character position.
fn lex(input: &str) -> Result<Vec<(Tok, usize)>, ScimError> {
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (byte, c) = chars[i];
        let pos = i + 1;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | '[' | ']' => {
                let tok = match c {
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    '[' => Tok::LBracket,
                    _ => Tok::RBracket,
                };
                tokens.push((tok, pos));
                i += 1;
            }
            '"' => {
                let mut j = i + 1;
                let mut escaped = false;
                while j < chars.len() {
                    let cj = chars[j].1;
                    if escaped {
                        escaped = false;
                    } else if cj == '\\' {
                        escaped = true;
                    } else if cj == '"' {
                        break;
                    }
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(invalid(format!(
                        "Unterminated string starting at position {pos}."
                    )));
                }
                let end = chars[j].0 + 1;
                let text: String = serde_json::from_str(&input[byte..end]).map_err(|_| {
                    invalid(format!(
                        "Invalid escape sequence in the string at position {pos}."
                    ))
                })?;
                tokens.push((Tok::Str(text), pos));
                i = j + 1;
            }
            _ => {
                let mut j = i;
                while j < chars.len() {
                    let cj = chars[j].1;
                    if cj.is_whitespace() || matches!(cj, '(' | ')' | '[' | ']' | '"') {
                        break;
                    }
                    j += 1;
                }
                let end = chars.get(j).map_or(input.len(), |(b, _)| *b);
                tokens.push((Tok::Word(input[byte..end].to_string()), pos));
                i = j;
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(Tok, usize)>,
    next: usize,
    end: usize,
    in_value_path: bool,
    depth: usize,
    terms: usize,
}

impl Parser {
    fn peek(&self) -> Option<&(Tok, usize)> {
        self.tokens.get(self.next)
    }

    fn bump(&mut self) -> Option<(Tok, usize)> {
        let tok = self.tokens.get(self.next).cloned();
        if tok.is_some() {
            self.next += 1;
        }
        tok
    }

    fn parse_or(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.parse_and()?;
        while self.peek().is_some_and(|(t, _)| t.is_word("or")) {
            self.next += 1;
            let right = self.parse_and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.parse_unary()?;
        while self.peek().is_some_and(|(t, _)| t.is_word("and")) {
            self.next += 1;
            let right = self.parse_unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn expect_close(&mut self, close: Tok, open_pos: usize) -> Result<(), ScimError> {
        let (open, close_c) = if close == Tok::RParen {
            ('(', ')')
        } else {
            ('[', ']')
        };
        match self.bump() {
            Some((t, _)) if t == close => Ok(()),
            Some((t, pos)) => Err(invalid(format!(
                "Expected '{close_c}' to close the '{open}' at position {open_pos}, found {} at position {pos}.",
                t.describe()
            ))),
            None => Err(invalid(format!(
                "Unbalanced parentheses: the '{open}' at position {open_pos} is never closed."
            ))),
        }
    }

    /// Enters one level of nesting opened at `pos`, refusing past [`MAX_FILTER_DEPTH`].
    fn descend(&mut self, pos: usize) -> Result<(), ScimError> {
        self.depth += 1;
        if self.depth > MAX_FILTER_DEPTH {
            return Err(invalid(format!(
                "The filter nests too deeply at position {pos}: at most {MAX_FILTER_DEPTH} levels of parentheses, 'not' and '[...]'."
            )));
        }
        Ok(())
    }

    fn parse_unary(&mut self) -> Result<Filter, ScimError> {
        let Some((tok, pos)) = self.bump() else {
            return Err(invalid(format!(
                "Unexpected end of filter at position {}: an expression is expected.",
                self.end
            )));
        };
        match tok {
            Tok::Word(w)
                if w.eq_ignore_ascii_case("not")
                    && matches!(self.peek(), Some((Tok::LParen, _))) =>
            {
                let (_, open) = self.bump().unwrap_or((Tok::LParen, pos));
                self.descend(open)?;
                let inner = self.parse_or()?;
                self.expect_close(Tok::RParen, open)?;
                self.depth -= 1;
                Ok(Filter::Not(Box::new(inner)))
            }
            Tok::LParen => {
                self.descend(pos)?;
                let inner = self.parse_or()?;
                self.expect_close(Tok::RParen, pos)?;
                self.depth -= 1;
                Ok(inner)
            }
            Tok::Word(w) => self.parse_attr_expr(&w, pos),
            Tok::RParen => Err(invalid(format!(
                "Unbalanced parentheses: unexpected ')' at position {pos}."
            ))),
            other => Err(invalid(format!(
                "Expected an attribute name at position {pos}, found {}.",
                other.describe()
            ))),
        }
    }

    fn parse_attr_expr(&mut self, word: &str, pos: usize) -> Result<Filter, ScimError> {
        self.terms += 1;
        if self.terms > MAX_FILTER_TERMS {
            return Err(invalid(format!(
                "The filter has too many comparisons: at most {MAX_FILTER_TERMS} (position {pos})."
            )));
        }
        let path = AttrPath::parse(word)
            .map_err(|e| invalid(format!("At position {pos}: {}", e.detail)))?;
        let Some((tok, op_pos)) = self.bump() else {
            return Err(invalid(format!(
                "Missing operator after '{word}' at position {pos}."
            )));
        };
        match tok {
            Tok::LBracket => {
                if self.in_value_path {
                    return Err(invalid(format!(
                        "Nested value filters are not allowed (position {op_pos})."
                    )));
                }
                if path.sub.is_some() {
                    return Err(invalid(format!(
                        "A value filter applies to a multi-valued attribute, not to the sub-attribute '{word}' (position {pos})."
                    )));
                }
                self.in_value_path = true;
                self.descend(op_pos)?;
                let inner = self.parse_or()?;
                self.expect_close(Tok::RBracket, op_pos)?;
                self.depth -= 1;
                self.in_value_path = false;
                Ok(Filter::ValuePath {
                    path,
                    filter: Box::new(inner),
                })
            }
            Tok::Word(op) if op.eq_ignore_ascii_case("pr") => Ok(Filter::Present(path)),
            Tok::Word(op) => {
                let Some(op) = CompareOp::from_keyword(&op) else {
                    return Err(invalid(format!(
                        "Unknown operator '{op}' at position {op_pos}: expected eq, ne, co, sw, ew, gt, ge, lt, le or pr."
                    )));
                };
                let value = self.parse_value(op, op_pos)?;
                Ok(Filter::Compare { path, op, value })
            }
            other => Err(invalid(format!(
                "Expected an operator after '{word}' at position {op_pos}, found {}.",
                other.describe()
            ))),
        }
    }

    fn parse_value(&mut self, op: CompareOp, op_pos: usize) -> Result<Value, ScimError> {
        let missing = || {
            invalid(format!(
                "Missing value after '{}' at position {op_pos}.",
                op.as_str()
            ))
        };
        match self.bump() {
            Some((Tok::Str(s), _)) => Ok(Value::String(s)),
            Some((Tok::Word(w), pos)) => match w.as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                "null" => Ok(Value::Null),
                _ => match serde_json::from_str::<serde_json::Number>(&w) {
                    Ok(n) => Ok(Value::Number(n)),
                    Err(_) => Err(invalid(format!(
                        "Invalid value '{w}' at position {pos}: strings must be in double quotes; other values are numbers, true, false or null."
                    ))),
                },
            },
            Some((Tok::RParen | Tok::RBracket, _)) | None => Err(missing()),
            Some((other, pos)) => Err(invalid(format!(
                "Invalid value {} at position {pos}.",
                other.describe()
            ))),
        }
    }
}

/// Parses a filter. Errors are `invalidFilter` with a detail saying where.
pub fn parse(input: &str) -> Result<Filter, ScimError> {
    if input.len() > MAX_FILTER_LEN {
        return Err(invalid(format!(
            "The filter is longer than {MAX_FILTER_LEN} characters."
        )));
    }
    let tokens = lex(input)?;
    if tokens.is_empty() {
        return Err(invalid("The filter is empty."));
    }
    let mut parser = Parser {
        tokens,
        next: 0,
        end: input.chars().count() + 1,
        in_value_path: false,
        depth: 0,
        terms: 0,
    };
    let filter = parser.parse_or()?;
    match parser.bump() {
        None => Ok(filter),
        Some((Tok::RParen, pos)) => Err(invalid(format!(
            "Unbalanced parentheses: unexpected ')' at position {pos}."
        ))),
        Some((tok, pos)) => Err(invalid(format!(
            "Unexpected {} at position {pos}: expected 'and', 'or' or the end of the filter.",
            tok.describe()
        ))),
    }
}

/// Checks that every attribute a filter names is advertised and that each operator suits
/// its attribute's type (RFC 7644 §3.4.2.2: no ordering on booleans, no substring on
/// non-strings). Errors are `invalidFilter`.
pub fn check(filter: &Filter, schema: &ResourceSchema) -> Result<(), ScimError> {
    check_in(filter, &Scope::Resource(schema))
}

fn check_in(filter: &Filter, scope: &Scope<'_>) -> Result<(), ScimError> {
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => {
            check_in(a, scope)?;
            check_in(b, scope)
        }
        Filter::Not(f) => check_in(f, scope),
        Filter::Present(path) => scope.def(path).map(|_| ()),
        Filter::Compare { path, op, value } => {
            let def = scope.compared_def(path)?;
            let kind = def.kind;
            let fits = match (kind, value) {
                (_, Value::Null) => matches!(op, CompareOp::Eq | CompareOp::Ne),
                (AttrKind::Complex, _) => false,
                (AttrKind::Boolean, Value::Bool(_)) => matches!(op, CompareOp::Eq | CompareOp::Ne),
                (AttrKind::Integer, Value::Number(_)) => !op.is_substring(),
                (AttrKind::String | AttrKind::Reference, Value::String(_)) => true,
                (AttrKind::DateTime, Value::String(s)) => {
                    !op.is_ordering() || parse_instant(s).is_some()
                }
                _ => false,
            };
            if fits {
                Ok(())
            } else {
                Err(invalid(format!(
                    "The operator '{}' cannot compare the {} attribute '{path}' with {value}.",
                    op.as_str(),
                    kind.as_str()
                )))
            }
        }
        Filter::ValuePath { path, filter } => match scope {
            Scope::Resource(_) => {
                let def = scope.def(path)?;
                if def.kind != AttrKind::Complex {
                    return Err(invalid(format!(
                        "'{path}' has no sub-attributes to filter on."
                    )));
                }
                check_in(filter, &Scope::Element(Some(def)))
            }
            Scope::Element(_) => Err(invalid("Nested value filters are not allowed.")),
        },
    }
}

/// Where a filter's attribute paths are resolved: a resource, or an element of a
/// multi-valued complex attribute (inside `attr[...]`).
enum Scope<'a> {
    Resource(&'a ResourceSchema),
    Element(Option<&'a AttributeDef>),
}

impl<'a> Scope<'a> {
    fn lookup(&self, path: &AttrPath) -> Option<&'a AttributeDef> {
        match self {
            Scope::Resource(schema) => schema.find(path),
            Scope::Element(parent) => {
                if path.urn.is_some() || path.sub.is_some() {
                    return None;
                }
                parent.and_then(|p| p.sub(&path.attr))
            }
        }
    }

    fn def(&self, path: &AttrPath) -> Result<&'a AttributeDef, ScimError> {
        self.lookup(path)
            .ok_or_else(|| invalid(format!("Unknown attribute '{path}' in the filter.")))
    }

    /// The attribute a comparison applies to: a multi-valued complex attribute named
    /// without sub-attribute compares its `value` (RFC 7644 §3.4.2.2).
    fn compared_def(&self, path: &AttrPath) -> Result<&'a AttributeDef, ScimError> {
        let def = self.def(path)?;
        if def.kind == AttrKind::Complex && def.multi_valued && path.sub.is_none() {
            return def
                .sub("value")
                .ok_or_else(|| invalid(format!("'{path}' cannot be compared with a value.")));
        }
        Ok(def)
    }

    /// The values a path designates in `target`, and their definition when known.
    fn candidates<'v>(
        &self,
        target: &'v Value,
        path: &AttrPath,
    ) -> (Vec<&'v Value>, Option<&'a AttributeDef>) {
        match self {
            Scope::Resource(schema) => {
                let def = schema.find(path);
                if let Some(d) = def
                    && d.kind == AttrKind::Complex
                    && d.multi_valued
                    && path.sub.is_none()
                {
                    let value_path = AttrPath {
                        sub: Some("value".into()),
                        ..path.clone()
                    };
                    return (values(target, &value_path, schema), d.sub("value"));
                }
                (values(target, path, schema), def)
            }
            Scope::Element(_) => {
                let mut found: Vec<&Value> = member(target, &path.attr).into_iter().collect();
                if let Some(sub) = &path.sub {
                    found = found.into_iter().filter_map(|v| member(v, sub)).collect();
                }
                let found = found
                    .into_iter()
                    .flat_map(|v| match v {
                        Value::Array(items) => items.iter().collect(),
                        other => vec![other],
                    })
                    .filter(|v| !v.is_null())
                    .collect();
                (found, self.lookup(path))
            }
        }
    }
}

/// Evaluates a filter against a SCIM JSON resource (core attributes at the top level,
/// extensions under their URN key). Unknown attributes are unassigned.
pub fn matches(filter: &Filter, resource: &Value, schema: &ResourceSchema) -> bool {
    eval(filter, resource, &Scope::Resource(schema))
}

fn eval(filter: &Filter, target: &Value, scope: &Scope<'_>) -> bool {
    match filter {
        Filter::And(a, b) => eval(a, target, scope) && eval(b, target, scope),
        Filter::Or(a, b) => eval(a, target, scope) || eval(b, target, scope),
        Filter::Not(f) => !eval(f, target, scope),
        Filter::Present(path) => scope
            .candidates(target, path)
            .0
            .iter()
            .any(|v| is_present(v)),
        Filter::Compare { path, op, value } => {
            let (found, def) = scope.candidates(target, path);
            let found: Vec<&Value> = found.into_iter().filter(|v| is_present(v)).collect();
            match (op, value) {
                (CompareOp::Eq, Value::Null) => found.is_empty(),
                (CompareOp::Ne, Value::Null) => !found.is_empty(),
                (_, Value::Null) => false,
                (CompareOp::Ne, _) => !found.iter().any(|v| compare(v, CompareOp::Eq, value, def)),
                _ => found.iter().any(|v| compare(v, *op, value, def)),
            }
        }
        Filter::ValuePath { path, filter } => match scope {
            Scope::Resource(schema) => {
                let def = schema.find_attr(path);
                let element_scope = Scope::Element(def);
                values(target, &path.parent(), schema)
                    .into_iter()
                    .any(|element| eval(filter, element, &element_scope))
            }
            Scope::Element(_) => false,
        },
    }
}

/// Whether a value counts as assigned (RFC 7644 `pr`): not null, not "", not [] / {}.
pub fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => a.iter().any(is_present),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

/// Parses an RFC 3339 / xsd:dateTime instant.
pub fn parse_instant(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s.trim()).ok()
}

fn ordering_matches(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// Compares one attribute value with a filter value.
fn compare(attr: &Value, op: CompareOp, value: &Value, def: Option<&AttributeDef>) -> bool {
    let case_exact = def.is_some_and(|d| d.case_exact);
    let is_date = def.is_some_and(|d| d.kind == AttrKind::DateTime);
    match (attr, value) {
        (Value::String(a), Value::String(b)) => {
            if is_date
                && !op.is_substring()
                && let (Some(x), Some(y)) = (parse_instant(a), parse_instant(b))
            {
                return ordering_matches(op, x.cmp(&y));
            }
            let (a, b) = if case_exact {
                (a.clone(), b.clone())
            } else {
                (a.to_lowercase(), b.to_lowercase())
            };
            match op {
                CompareOp::Co => a.contains(&b),
                CompareOp::Sw => a.starts_with(&b),
                CompareOp::Ew => a.ends_with(&b),
                _ => ordering_matches(op, a.cmp(&b)),
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            let ord = match (a.as_i64(), b.as_i64()) {
                (Some(x), Some(y)) => Some(x.cmp(&y)),
                _ => a
                    .as_f64()
                    .zip(b.as_f64())
                    .and_then(|(x, y)| x.partial_cmp(&y)),
            };
            ord.is_some_and(|o| ordering_matches(op, o))
        }
        (Value::Bool(a), Value::Bool(b)) => match op {
            CompareOp::Eq => a == b,
            CompareOp::Ne => a != b,
            _ => false,
        },
        _ => false,
    }
}

/// Evaluates a value filter's inner filter (`type eq "work"` in `emails[type eq "work"]`)
/// against one element of the multi-valued attribute `parent`.
pub fn matches_element(filter: &Filter, element: &Value, parent: Option<&AttributeDef>) -> bool {
    eval(filter, element, &Scope::Element(parent))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schemas::{group, user};
    use crate::scim::{EMBARQ_USER_SCHEMA, ENTERPRISE_USER_SCHEMA};
    use serde_json::json;

    fn path(s: &str) -> AttrPath {
        AttrPath::parse(s).unwrap()
    }

    fn cmp(p: &str, op: CompareOp, value: Value) -> Filter {
        Filter::Compare {
            path: path(p),
            op,
            value,
        }
    }

    fn err(input: &str) -> String {
        let e = parse(input).unwrap_err();
        assert_eq!(e.status, 400);
        assert_eq!(e.scim_type, Some(ScimType::InvalidFilter), "{input}");
        e.detail
    }

    #[test]
    fn parses_every_operator() {
        for (word, op) in [
            ("eq", CompareOp::Eq),
            ("ne", CompareOp::Ne),
            ("co", CompareOp::Co),
            ("sw", CompareOp::Sw),
            ("ew", CompareOp::Ew),
            ("gt", CompareOp::Gt),
            ("ge", CompareOp::Ge),
            ("lt", CompareOp::Lt),
            ("le", CompareOp::Le),
        ] {
            assert_eq!(
                parse(&format!("userName {word} \"bjensen\"")).unwrap(),
                cmp("userName", op, json!("bjensen"))
            );
            assert_eq!(
                parse(&format!("userName {} \"x\"", word.to_uppercase())).unwrap(),
                cmp("userName", op, json!("x"))
            );
        }
        assert_eq!(parse("title pr").unwrap(), Filter::Present(path("title")));
        assert_eq!(parse("title PR").unwrap(), Filter::Present(path("title")));
    }

    #[test]
    fn parses_literals_and_escapes() {
        assert_eq!(
            parse(r#"displayName eq "say \"hi\" \\ \u00e9""#).unwrap(),
            cmp("displayName", CompareOp::Eq, json!("say \"hi\" \\ é"))
        );
        assert_eq!(
            parse("active eq true").unwrap(),
            cmp("active", CompareOp::Eq, json!(true))
        );
        assert_eq!(
            parse("active eq false").unwrap(),
            cmp("active", CompareOp::Eq, json!(false))
        );
        assert_eq!(
            parse("title eq null").unwrap(),
            cmp("title", CompareOp::Eq, Value::Null)
        );
        let birth = format!("{EMBARQ_USER_SCHEMA}:birthYear");
        assert_eq!(
            parse(&format!("{birth} ge 1990")).unwrap(),
            cmp(&birth, CompareOp::Ge, json!(1990))
        );
        assert_eq!(
            parse(&format!("{birth} lt -1.5e2")).unwrap(),
            cmp(&birth, CompareOp::Lt, json!(-150.0))
        );
        assert_eq!(
            parse("displayName eq \"(not) [a] and or\"").unwrap(),
            cmp("displayName", CompareOp::Eq, json!("(not) [a] and or"))
        );
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        let a = || cmp("title", CompareOp::Eq, json!("a"));
        let b = || cmp("displayName", CompareOp::Eq, json!("b"));
        let c = || cmp("userName", CompareOp::Eq, json!("c"));
        assert_eq!(
            parse(r#"title eq "a" or displayName eq "b" and userName eq "c""#).unwrap(),
            Filter::Or(
                Box::new(a()),
                Box::new(Filter::And(Box::new(b()), Box::new(c())))
            )
        );
        assert_eq!(
            parse(r#"(title eq "a" or displayName eq "b") and userName eq "c""#).unwrap(),
            Filter::And(
                Box::new(Filter::Or(Box::new(a()), Box::new(b()))),
                Box::new(c())
            )
        );
        assert_eq!(
            parse(r#"not (title eq "a") AND displayName eq "b""#).unwrap(),
            Filter::And(Box::new(Filter::Not(Box::new(a()))), Box::new(b()))
        );
        assert_eq!(
            parse(r#"not(title eq "a" or displayName eq "b")"#).unwrap(),
            Filter::Not(Box::new(Filter::Or(Box::new(a()), Box::new(b()))))
        );
        assert_eq!(parse(r#"((title eq "a"))"#).unwrap(), a());
    }

    #[test]
    fn parses_value_paths_and_urn_paths() {
        assert_eq!(
            parse(r#"emails[type eq "work" and value co "@example.com"]"#).unwrap(),
            Filter::ValuePath {
                path: path("emails"),
                filter: Box::new(Filter::And(
                    Box::new(cmp("type", CompareOp::Eq, json!("work"))),
                    Box::new(cmp("value", CompareOp::Co, json!("@example.com")))
                )),
            }
        );
        let f = parse(&format!(
            "{ENTERPRISE_USER_SCHEMA}:manager.value eq \"m1\" and emails[primary eq true]"
        ))
        .unwrap();
        let Filter::And(left, right) = f else {
            panic!("and expected")
        };
        assert_eq!(
            *left,
            cmp(
                &format!("{ENTERPRISE_USER_SCHEMA}:manager.value"),
                CompareOp::Eq,
                json!("m1")
            )
        );
        assert!(matches!(*right, Filter::ValuePath { .. }));
        assert_eq!(
            parse(&format!("{ENTERPRISE_USER_SCHEMA}:department pr")).unwrap(),
            Filter::Present(path(&format!("{ENTERPRISE_USER_SCHEMA}:department")))
        );
    }

    #[test]
    fn errors_say_what_and_where() {
        let d = err(r#"(userName eq "a""#);
        assert!(
            d.contains("Unbalanced parentheses") && d.contains("position 1"),
            "{d}"
        );
        let d = err(r#"userName eq "a")"#);
        assert!(
            d.contains("Unbalanced parentheses") && d.contains("position 16"),
            "{d}"
        );
        let d = err(r#"userName xx "a""#);
        assert!(d.contains("Unknown operator 'xx' at position 10"), "{d}");
        let d = err("userName eq");
        assert!(d.contains("Missing value after 'eq'"), "{d}");
        let d = err(r#"userName eq "a" foo"#);
        assert!(d.contains("Unexpected 'foo' at position 17"), "{d}");
        let d = err(r#"userName eq "a" and"#);
        assert!(d.contains("Unexpected end of filter"), "{d}");
        let d = err(r#"userName eq "abc"#);
        assert!(d.contains("Unterminated string"), "{d}");
        let d = err("userName eq bjensen");
        assert!(d.contains("double quotes"), "{d}");
        let d = err("userName");
        assert!(d.contains("Missing operator"), "{d}");
        let d = err(r#"emails[type eq "work""#);
        assert!(d.contains("'['") && d.contains("never closed"), "{d}");
        let d = err(r#"emails[type eq "work"] extra"#);
        assert!(d.contains("extra"), "{d}");
        let d = err(r#"emails[x[y eq "1"]]"#);
        assert!(d.contains("Nested"), "{d}");
        let d = err("1abc eq \"x\"");
        assert!(d.contains("position 1"), "{d}");
        assert!(err("").contains("empty"));
        assert!(err("   ").contains("empty"));
        assert!(err(r#"userName eq "\x""#).contains("escape"));
        let long = format!("userName eq \"{}\"", "a".repeat(MAX_FILTER_LEN));
        assert!(err(&long).contains("longer than"));
    }

    #[test]
    fn nesting_and_size_are_bounded() {
        // 1,500 parentheses used to overflow the stack and abort the process.
        let deep = format!("{}userName eq \"x\"{}", "(".repeat(1500), ")".repeat(1500));
        assert!(err(&deep).contains("nests too deeply"));
        let nots = format!("{}userName eq \"x\"{}", "not(".repeat(500), ")".repeat(500));
        assert!(err(&nots).contains("nests too deeply"));
        let ok = format!(
            "{}userName eq \"x\"{}",
            "(".repeat(MAX_FILTER_DEPTH),
            ")".repeat(MAX_FILTER_DEPTH)
        );
        assert!(parse(&ok).is_ok());
        let chain = vec!["userName eq \"x\""; MAX_FILTER_TERMS + 1].join(" or ");
        assert!(err(&chain).contains("too many comparisons"));
        let chain = vec!["userName eq \"x\""; MAX_FILTER_TERMS].join(" or ");
        assert!(parse(&chain).is_ok());
    }

    fn bjensen() -> Value {
        json!({
            "schemas": [crate::scim::USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "BJ-1",
            "userName": "BJensen@Example.com",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "title": "Tour Guide",
            "active": true,
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "meta": {
                "resourceType": "User",
                "created": "2024-01-23T04:56:22Z",
                "lastModified": "2024-05-13T04:42:34+02:00"
            },
            ENTERPRISE_USER_SCHEMA: {"department": "Tours", "manager": {"value": "m-1"}},
            EMBARQ_USER_SCHEMA: {"birthYear": 1980}
        })
    }

    fn m(filter: &str) -> bool {
        matches(&parse(filter).unwrap(), &bjensen(), &user())
    }

    #[test]
    fn matches_strings_with_case_rules() {
        assert!(m(r#"userName eq "bjensen@example.com""#));
        assert!(m(r#"USERNAME Eq "BJENSEN@EXAMPLE.COM""#));
        assert!(!m(r#"userName eq "bjensen""#));
        assert!(m(r#"userName sw "bjen""#));
        assert!(m(r#"userName ew "EXAMPLE.com""#));
        assert!(m(r#"name.familyName co "ens""#));
        // externalId and id are caseExact.
        assert!(m(r#"externalId eq "BJ-1""#));
        assert!(!m(r#"externalId eq "bj-1""#));
        assert!(!m(r#"externalId co "bj""#));
        assert!(m(r#"title gt "Tour""#));
        assert!(m(r#"title lt "u""#));
        assert!(m(r#"title ne "Boss""#));
        assert!(!m(r#"title ne "tour guide""#));
        assert!(
            m(r#"displayName ne "x""#),
            "ne matches unassigned attributes"
        );
        assert!(!m(r#"displayName eq "x""#));
    }

    #[test]
    fn matches_multi_valued_and_value_paths() {
        assert!(m(r#"emails.value eq "babs@jensen.org""#));
        assert!(m(r#"emails co "@JENSEN.org""#));
        assert!(m(r#"emails.type eq "home""#));
        assert!(m(r#"emails[type eq "work" and value co "@example.com"]"#));
        assert!(!m(r#"emails[type eq "home" and value co "@example.com"]"#));
        assert!(m(r#"emails[primary eq true]"#));
        assert!(m(r#"emails[not (type eq "work")]"#));
        assert!(!m(r#"emails[type eq "other"]"#));
        assert!(m(r#"emails pr"#));
        assert!(m(r#"emails[type pr]"#));
    }

    #[test]
    fn matches_other_types_and_logic() {
        assert!(m("active eq true"));
        assert!(!m("active eq false"));
        assert!(m(&format!("{EMBARQ_USER_SCHEMA}:birthYear gt 1979")));
        assert!(m(&format!("{EMBARQ_USER_SCHEMA}:birthYear le 1980")));
        assert!(!m(&format!("{EMBARQ_USER_SCHEMA}:birthYear lt 1980")));
        assert!(m(&format!(
            "{ENTERPRISE_USER_SCHEMA}:department eq \"tours\""
        )));
        assert!(m(&format!(
            "{ENTERPRISE_USER_SCHEMA}:manager.value eq \"m-1\""
        )));
        assert!(!m(&format!("{ENTERPRISE_USER_SCHEMA}:division pr")));
        assert!(m("title pr and not (displayName pr)"));
        assert!(m(r#"title eq "x" or userName sw "bj""#));
        assert!(!m(r#"title eq "x" and userName sw "bj""#));
        assert!(m("displayName eq null"));
        assert!(m("title ne null"));
        assert!(m("nosuchattribute eq null"));
        assert!(!m(r#"nosuchattribute eq "x""#));
    }

    #[test]
    fn compares_date_times_as_instants() {
        // lastModified is 2024-05-13T02:42:34Z.
        assert!(m(r#"meta.lastModified gt "2024-05-13T02:00:00Z""#));
        assert!(m(r#"meta.lastModified eq "2024-05-13T02:42:34Z""#));
        assert!(m(r#"meta.lastModified lt "2024-05-13T04:00:00+01:00""#));
        assert!(!m(r#"meta.lastModified gt "2024-05-13T03:00:00Z""#));
        assert!(m(r#"meta.created ge "2024-01-23T04:56:22.000Z""#));
        assert!(m(r#"meta.created le "2024-01-23T05:56:22+01:00""#));
    }

    #[test]
    fn matches_group_members() {
        let g = json!({"displayName": "Ops", "members": [{"value": "u1", "type": "User"}]});
        let f = parse(r#"members[value eq "u1"]"#).unwrap();
        assert!(matches(&f, &g, &group()));
        let f = parse(r#"members eq "u2""#).unwrap();
        assert!(!matches(&f, &g, &group()));
        // member values are caseExact ids
        let f = parse(r#"members.value eq "U1""#).unwrap();
        assert!(!matches(&f, &g, &group()));
    }

    #[test]
    fn check_rejects_unknown_attributes_and_unfit_operators() {
        let s = user();
        let ok = |f: &str| check(&parse(f).unwrap(), &s);
        assert!(ok(r#"userName eq "x" and emails[type eq "work"]"#).is_ok());
        assert!(ok(r#"meta.lastModified gt "2024-05-13T02:00:00Z""#).is_ok());
        assert!(ok(&format!("{EMBARQ_USER_SCHEMA}:birthYear gt 1900")).is_ok());
        for bad in [
            r#"nickName eq "x""#,
            "active gt true",
            "active co true",
            r#"name eq "x""#,
            r#"emails[nope eq "x"]"#,
            r#"title[value eq "x"]"#,
            r#"meta.lastModified gt "yesterday""#,
            &format!("{EMBARQ_USER_SCHEMA}:birthYear co 19"),
        ] {
            let e = ok(bad).unwrap_err();
            assert_eq!(e.scim_type, Some(ScimType::InvalidFilter), "{bad}");
        }
    }
}
