//! kubectl's JSONPath templates (`-o jsonpath='{.items[*].metadata.name}'`): literal text,
//! `{…}` expressions with fields, indexes, slices, wildcards, recursive descent and `?()`
//! filters, and `{range …}…{end}` loops. Also the expressions of `-o custom-columns`.

use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Field(String),
    /// `..name`: every value named `name` at any depth.
    Descend(String),
    Index(i64),
    Slice(Option<i64>, Option<i64>),
    All,
    Filter(Filter),
}

#[derive(Clone, Debug, PartialEq)]
struct Filter {
    path: Vec<Step>,
    /// `None` means "the field exists".
    comparison: Option<(String, Value)>,
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Text(String),
    Expression(Vec<Step>),
    Range(Vec<Step>, Vec<Node>),
}

/// Runs a template against `data`.
pub fn render(template: &str, data: &Value) -> Result<String, String> {
    let nodes = parse_template(template)?;
    let mut out = String::new();
    render_nodes(&nodes, data, &mut out)?;
    Ok(out)
}

/// The values a custom-columns expression (`.spec.containers[*].image`) selects.
pub fn select(expression: &str, data: &Value) -> Result<Vec<Value>, String> {
    let inner = expression.trim().trim_start_matches('{').trim_end_matches('}');
    let steps = parse_path(inner)?;
    Ok(evaluate(&steps, data).into_iter().cloned().collect())
}

fn render_nodes(nodes: &[Node], current: &Value, out: &mut String) -> Result<(), String> {
    for node in nodes {
        match node {
            Node::Text(text) => out.push_str(text),
            Node::Expression(steps) => {
                let values: Vec<String> =
                    evaluate(steps, current).into_iter().map(format_value).collect();
                out.push_str(&values.join(" "));
            }
            Node::Range(steps, body) => {
                for item in evaluate(steps, current) {
                    let items: Vec<&Value> = match item {
                        Value::Array(list) if steps.last() != Some(&Step::All) => {
                            list.iter().collect()
                        }
                        other => vec![other],
                    };
                    for item in items {
                        render_nodes(body, item, out)?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn format_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn parse_template(template: &str) -> Result<Vec<Node>, String> {
    let mut stack: Vec<(Vec<Step>, Vec<Node>)> = vec![(Vec::new(), Vec::new())];
    let mut rest = template;
    while !rest.is_empty() {
        match rest.find('{') {
            None => {
                push(&mut stack, Node::Text(rest.to_string()));
                break;
            }
            Some(at) => {
                if at > 0 {
                    push(&mut stack, Node::Text(rest[..at].to_string()));
                }
                let end = closing_brace(rest, at).ok_or("unclosed action")?;
                let action = rest[at + 1..end].trim();
                rest = &rest[end + 1..];
                if let Some(path) = action.strip_prefix("range ") {
                    stack.push((parse_path(path.trim())?, Vec::new()));
                } else if action == "end" {
                    let (steps, body) = stack.pop().ok_or("unexpected {end}")?;
                    if stack.is_empty() {
                        return Err("not in range, nothing to end".into());
                    }
                    push(&mut stack, Node::Range(steps, body));
                } else if let Some(literal) = string_literal(action) {
                    push(&mut stack, Node::Text(literal));
                } else {
                    push(&mut stack, Node::Expression(parse_path(action)?));
                }
            }
        }
    }
    if stack.len() != 1 {
        return Err("unclosed range: missing {end}".into());
    }
    Ok(stack.pop().map(|(_, nodes)| nodes).unwrap_or_default())
}

fn push(stack: &mut [(Vec<Step>, Vec<Node>)], node: Node) {
    if let Some((_, nodes)) = stack.last_mut() {
        nodes.push(node);
    }
}

/// The `}` closing the `{` at `open`, skipping quoted text.
fn closing_brace(text: &str, open: usize) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in text[open + 1..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '}') => return Some(open + 1 + i),
            _ => {}
        }
    }
    None
}

/// `"\n"` or `'\t'` inside braces: text with escapes.
fn string_literal(action: &str) -> Option<String> {
    let quote = action.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = action.strip_prefix(quote)?.strip_suffix(quote)?;
    Some(inner.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r"))
}

fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let path = path.trim();
    let path = path.strip_prefix('$').unwrap_or(path);
    let chars: Vec<char> = path.chars().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    let name_end = |from: usize| {
        let mut j = from;
        while j < chars.len() && chars[j] != '.' && chars[j] != '[' {
            j += 1;
        }
        j
    };
    while i < chars.len() {
        match chars[i] {
            '.' if chars.get(i + 1) == Some(&'.') => {
                let end = name_end(i + 2);
                steps.push(Step::Descend(chars[i + 2..end].iter().collect()));
                i = end;
            }
            '.' => {
                let end = name_end(i + 1);
                let name: String = chars[i + 1..end].iter().collect();
                if name == "*" {
                    steps.push(Step::All);
                } else if !name.is_empty() {
                    steps.push(Step::Field(name));
                }
                i = end;
            }
            '[' => {
                let close = matching_bracket(&chars, i)
                    .ok_or_else(|| format!("unterminated array in {path:?}"))?;
                let inner: String = chars[i + 1..close].iter().collect();
                steps.push(parse_bracket(inner.trim())?);
                i = close + 1;
            }
            _ => {
                let end = name_end(i);
                steps.push(Step::Field(chars[i..end].iter().collect()));
                i = end;
            }
        }
    }
    Ok(steps)
}

fn matching_bracket(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (i, &c) in chars.iter().enumerate().skip(open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn parse_bracket(inner: &str) -> Result<Step, String> {
    if inner == "*" {
        return Ok(Step::All);
    }
    if let Some(quoted) = string_literal(inner) {
        return Ok(Step::Field(quoted));
    }
    if let Some(filter) = inner.strip_prefix("?(").and_then(|f| f.strip_suffix(')')) {
        return parse_filter(filter.trim()).map(Step::Filter);
    }
    if let Some((start, end)) = inner.split_once(':') {
        let number = |text: &str| -> Result<Option<i64>, String> {
            let text = text.trim();
            if text.is_empty() {
                Ok(None)
            } else {
                text.parse().map(Some).map_err(|_| format!("invalid slice {inner:?}"))
            }
        };
        return Ok(Step::Slice(number(start)?, number(end.split(':').next().unwrap_or_default())?));
    }
    inner.parse().map(Step::Index).map_err(|_| format!("invalid array index {inner}"))
}

fn parse_filter(filter: &str) -> Result<Filter, String> {
    for operator in ["==", "!=", "<=", ">=", "<", ">"] {
        if let Some((left, right)) = filter.split_once(operator) {
            let path = parse_path(left.trim().trim_start_matches('@'))?;
            let right = right.trim();
            let value = match string_literal(right) {
                Some(text) => Value::String(text),
                None => {
                    serde_json::from_str(right).unwrap_or_else(|_| Value::String(right.to_string()))
                }
            };
            return Ok(Filter { path, comparison: Some((operator.to_string(), value)) });
        }
    }
    Ok(Filter { path: parse_path(filter.trim_start_matches('@'))?, comparison: None })
}

fn evaluate<'a>(steps: &[Step], current: &'a Value) -> Vec<&'a Value> {
    let mut values = vec![current];
    for step in steps {
        let mut next = Vec::new();
        for value in values {
            match step {
                Step::Field(name) => next.extend(value.get(name)),
                Step::Descend(name) => descend(value, name, &mut next),
                Step::Index(index) => {
                    if let Some(list) = value.as_array() {
                        let at = if *index < 0 { list.len() as i64 + index } else { *index };
                        next.extend(usize::try_from(at).ok().and_then(|i| list.get(i)));
                    }
                }
                Step::Slice(start, end) => {
                    if let Some(list) = value.as_array() {
                        let len = list.len() as i64;
                        let clamp =
                            |n: i64| if n < 0 { (len + n).max(0) } else { n.min(len) } as usize;
                        let (from, to) = (clamp(start.unwrap_or(0)), clamp(end.unwrap_or(len)));
                        if from < to {
                            next.extend(&list[from..to]);
                        }
                    }
                }
                Step::All => match value {
                    Value::Array(list) => next.extend(list),
                    Value::Object(map) => next.extend(map.values()),
                    _ => {}
                },
                Step::Filter(filter) => {
                    let candidates: Vec<&Value> = match value {
                        Value::Array(list) => list.iter().collect(),
                        other => vec![other],
                    };
                    next.extend(candidates.into_iter().filter(|c| filter_matches(filter, c)));
                }
            }
        }
        values = next;
    }
    values
}

fn descend<'a>(value: &'a Value, name: &str, out: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => {
            if let Some(found) = map.get(name) {
                out.push(found);
            }
            map.values().for_each(|v| descend(v, name, out));
        }
        Value::Array(list) => list.iter().for_each(|v| descend(v, name, out)),
        _ => {}
    }
}

fn filter_matches(filter: &Filter, candidate: &Value) -> bool {
    let found = evaluate(&filter.path, candidate);
    let Some((operator, wanted)) = &filter.comparison else { return !found.is_empty() };
    found.iter().any(|value| {
        let ordering = match (value.as_f64(), wanted.as_f64()) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            _ => Some(format_value(value).cmp(&format_value(wanted))),
        };
        match operator.as_str() {
            "==" => ordering == Some(std::cmp::Ordering::Equal),
            "!=" => ordering != Some(std::cmp::Ordering::Equal),
            "<" => ordering == Some(std::cmp::Ordering::Less),
            ">" => ordering == Some(std::cmp::Ordering::Greater),
            "<=" => ordering != Some(std::cmp::Ordering::Greater),
            ">=" => ordering != Some(std::cmp::Ordering::Less),
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pods() -> Value {
        json!({"kind": "List", "items": [
            {"metadata": {"name": "web", "labels": {"app": "web"}}, "spec": {"containers": [{"image": "nginx"}, {"image": "busybox"}]}, "status": {"phase": "Running"}},
            {"metadata": {"name": "db"}, "spec": {"containers": [{"image": "mysql"}]}, "status": {"phase": "Pending"}}
        ]})
    }

    #[test]
    fn fields_wildcards_and_indexes() {
        let data = pods();
        assert_eq!(render("{.items[*].metadata.name}", &data).unwrap(), "web db");
        assert_eq!(render("{.items[0].spec.containers[*].image}", &data).unwrap(), "nginx busybox");
        assert_eq!(render("{.items[-1].metadata.name}", &data).unwrap(), "db");
        assert_eq!(render("{.items[0:1].metadata.name}", &data).unwrap(), "web");
        assert_eq!(render("{..image}", &data).unwrap(), "nginx busybox mysql");
        assert_eq!(render("{.items[0].metadata.labels}", &data).unwrap(), "{\"app\":\"web\"}");
    }

    #[test]
    fn filters_ranges_and_literals() {
        let data = pods();
        assert_eq!(
            render("{.items[?(@.status.phase==\"Running\")].metadata.name}", &data).unwrap(),
            "web"
        );
        assert_eq!(
            render("{.items[?(@.metadata.labels.app)].metadata.name}", &data).unwrap(),
            "web"
        );
        assert_eq!(
            render(
                "{range .items[*]}{.metadata.name}{\"\\t\"}{.status.phase}{\"\\n\"}{end}",
                &data
            )
            .unwrap(),
            "web\tRunning\ndb\tPending\n"
        );
        assert_eq!(render("name: {.items[1].metadata.name}", &data).unwrap(), "name: db");
    }

    #[test]
    fn malformed_templates_are_errors() {
        assert!(render("{.items[0", &pods()).is_err());
        assert!(render("{range .items[*]}{.metadata.name}", &pods()).is_err());
        assert!(render("{end}", &pods()).is_err());
    }
}
