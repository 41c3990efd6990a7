//! YAML as kubectl prints it (sigs.k8s.io/yaml over go-yaml v2): keys sorted, lists flush with
//! their key, strings that would read back as another type in double quotes, strings plain
//! YAML cannot carry in single quotes, and multi-line strings as literal blocks.

use serde_json::Value;

pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_list(&mut out, items, 0),
        scalar => {
            out.push_str(&inline(scalar, 0));
            out.push('\n');
        }
    }
    out
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize) {
    let mut keys: Vec<&String> = map.keys().collect();
    crate::sort::sort(&mut keys);
    for (i, key) in keys.into_iter().enumerate() {
        // The first key of a list item shares the `- ` line.
        if i > 0 || !out.ends_with("- ") {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&scalar_string(key, indent));
        out.push(':');
        write_value(out, &map[key], indent);
    }
}

fn write_list(out: &mut String, items: &[Value], indent: usize) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !out.ends_with("- ") {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => write_map(out, map, indent + 2),
            Value::Array(inner) if !inner.is_empty() => write_list(out, inner, indent + 2),
            scalar => {
                out.push_str(&inline(scalar, indent + 2));
                out.push('\n');
            }
        }
    }
}

/// Writes what follows `key:` — on the same line for scalars, below for collections.
fn write_value(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_map(out, map, indent + 2);
        }
        // go-yaml puts a mapping's list items at the mapping's own indentation.
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_list(out, items, indent);
        }
        scalar => {
            out.push(' ');
            out.push_str(&inline(scalar, indent + 2));
            out.push('\n');
        }
    }
}

fn inline(value: &Value, indent: usize) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar_string(s, indent),
        Value::Array(_) => "[]".to_string(),
        Value::Object(_) => "{}".to_string(),
    }
}

fn scalar_string(s: &str, indent: usize) -> String {
    if s.contains('\n') && s.chars().all(|c| c == '\n' || !c.is_control() || c == '\t') {
        return literal_block(s, indent);
    }
    if reads_as_other_type(s) || s.chars().any(|c| c.is_control()) {
        return double_quoted(s);
    }
    if plain_allowed(s) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "''"))
}

fn literal_block(s: &str, indent: usize) -> String {
    let chomp = if !s.ends_with('\n') {
        "-"
    } else if s.ends_with("\n\n") {
        "+"
    } else {
        ""
    };
    let body = s.strip_suffix('\n').unwrap_or(s);
    let pad = " ".repeat(indent);
    let lines: Vec<String> = body
        .split('\n')
        .map(|line| if line.is_empty() { String::new() } else { format!("{pad}{line}") })
        .collect();
    format!("|{chomp}\n{}", lines.join("\n"))
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether go-yaml would resolve the plain scalar to a bool, null, number or timestamp.
fn reads_as_other_type(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".inf", ".Inf", ".INF", "-.inf", "-.Inf", "-.INF", "+.inf", ".nan", ".NaN", ".NAN",
    ];
    WORDS.contains(&s) || is_number(s) || is_timestamp(s)
}

fn is_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    if body.is_empty() {
        return false;
    }
    if let Some(hex) = body.strip_prefix("0x") {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit() || c == '_');
    }
    if let Some(bin) = body.strip_prefix("0b") {
        return !bin.is_empty() && bin.chars().all(|c| c == '0' || c == '1' || c == '_');
    }
    // Sexagesimal (base 60) numbers such as 1:20 resolve as numbers in YAML 1.1.
    if body.contains(':') {
        let mut parts = body.split(':');
        let first_ok = parts
            .next()
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit() || c == '_'));
        return first_ok
            && parts
                .all(|p| !p.is_empty() && p.len() <= 2 && p.chars().all(|c| c.is_ascii_digit()));
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let digits = mantissa.chars().filter(char::is_ascii_digit).count();
    let mantissa_ok = digits > 0
        && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '_')
        && mantissa.matches('.').count() <= 1;
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

/// `2006-01-02`, `2006-01-02T15:04:05Z` and the other YAML timestamp forms.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range.clone()).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    b.len() >= 10
        && digits(0..4)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && digits(8..10)
        && (b.len() == 10 || matches!(b[10], b'T' | b't' | b' '))
}

/// libyaml's test for a plain scalar: no indicator first, no `: ` or ` #` inside, no blanks at
/// the ends.
fn plain_allowed(s: &str) -> bool {
    let first = s.chars().next().unwrap_or(' ');
    let second = s.chars().nth(1);
    if s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    if ",[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if "-?:".contains(first) && second.is_none_or(|c| c == ' ') {
        return false;
    }
    if s.starts_with(' ') || s.ends_with(' ') || s.starts_with('\t') || s.ends_with('\t') {
        return false;
    }
    !(s.contains(": ") || s.ends_with(':') || s.contains(" #"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prints_like_kubectl() {
        let pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web", "resourceVersion": "19", "creationTimestamp": "2026-01-05T09:00:00Z", "labels": {"run": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx", "args": ["sleep", "3600"], "resources": {}}]},
            "status": {"conditions": [{"status": "True", "type": "Ready"}], "podIPs": []}
        });
        let want = "\
apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: \"2026-01-05T09:00:00Z\"
  labels:
    run: web
  name: web
  resourceVersion: \"19\"
spec:
  containers:
  - args:
    - sleep
    - \"3600\"
    image: nginx
    name: web
    resources: {}
status:
  conditions:
  - status: \"True\"
    type: Ready
  podIPs: []
";
        assert_eq!(to_string(&pod), want);
    }

    #[test]
    fn quoting_follows_go_yaml() {
        let cases = [
            ("plain", "plain"),
            ("", "\"\""),
            ("yes", "\"yes\""),
            ("1.5", "\"1.5\""),
            ("1e3", "\"1e3\""),
            ("0x1F", "\"0x1F\""),
            ("10.244.1.2", "10.244.1.2"),
            ("*", "'*'"),
            ("- x", "'- x'"),
            ("a: b", "'a: b'"),
            ("it's", "it's"),
            ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/control-plane"),
            ("2026-01-05", "\"2026-01-05\""),
        ];
        for (input, want) in cases {
            assert_eq!(scalar_string(input, 0), want, "{input:?}");
        }
    }

    #[test]
    fn multi_line_strings_become_literal_blocks() {
        let value = json!({"data": {"script": "echo one\necho two\n"}, "note": "a\nb"});
        assert_eq!(
            to_string(&value),
            "data:\n  script: |\n    echo one\n    echo two\nnote: |-\n  a\n  b\n"
        );
    }
}
