//! Object name rules (RFC 1123 labels and subdomains) with the API server's own messages.

const SUBDOMAIN_MAX_LENGTH: usize = 253;
const LABEL_MAX_LENGTH: usize = 63;

/// How a kind's names are checked (`path.ValidatePathSegmentName` for events and the like).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    Dns1123Subdomain,
    Dns1123Label,
    /// Services: a label that starts with a letter.
    Dns1035Label,
    PathSegment,
}

impl NameRule {
    /// The reasons `name` is not acceptable; empty when it is.
    pub fn problems(self, name: &str) -> Vec<String> {
        match self {
            NameRule::Dns1123Subdomain => dns1123_subdomain_problems(name),
            NameRule::Dns1123Label => dns1123_label_problems(name),
            NameRule::Dns1035Label => dns1035_label_problems(name),
            NameRule::PathSegment => path_segment_problems(name),
        }
    }
}

fn is_label(text: &str) -> bool {
    let bytes = text.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            alnum(first) && alnum(last) && bytes.iter().all(|b| alnum(b) || *b == b'-')
        }
        _ => false,
    }
}

fn dns1123_label_problems(name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if name.len() > LABEL_MAX_LENGTH {
        problems.push(format!("must be no more than {LABEL_MAX_LENGTH} characters"));
    }
    if !is_label(name) {
        problems.push(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \
             '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or \
             '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
                .to_string(),
        );
    }
    problems
}

fn dns1035_label_problems(name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if name.len() > LABEL_MAX_LENGTH {
        problems.push(format!("must be no more than {LABEL_MAX_LENGTH} characters"));
    }
    if !is_label(name) || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        problems.push(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start \
             with an alphabetic character, and end with an alphanumeric character (e.g. \
             'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
                .to_string(),
        );
    }
    problems
}

fn dns1123_subdomain_problems(name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if name.len() > SUBDOMAIN_MAX_LENGTH {
        problems.push(format!("must be no more than {SUBDOMAIN_MAX_LENGTH} characters"));
    }
    if !name.split('.').all(is_label) {
        problems.push(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \
             '-' or '.', and must start and end with an alphanumeric character (e.g. \
             'example.com', regex used for validation is \
             '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
                .to_string(),
        );
    }
    problems
}

fn path_segment_problems(name: &str) -> Vec<String> {
    if name == "." || name == ".." {
        return vec![format!("may not be '{name}'")];
    }
    ["/", "%"]
        .iter()
        .filter(|bad| name.contains(*bad))
        .map(|bad| format!("may not contain '{bad}'"))
        .collect()
}

/// Whether `text` is a label name part: alphanumerics, `-`, `_` and `.`, alphanumeric at both
/// ends, at most 63 characters.
fn is_label_name(text: &str) -> bool {
    let ends = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    text.len() <= LABEL_MAX_LENGTH
        && ends(text.chars().next())
        && ends(text.chars().last())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// Problems with a label or annotation key (`[prefix/]name`).
pub fn qualified_name_problems(key: &str) -> Vec<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let mut problems = Vec::new();
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            problems.push("prefix part must be non-empty".to_string());
        } else {
            problems.extend(
                dns1123_subdomain_problems(prefix).into_iter().map(|p| format!("prefix part {p}")),
            );
        }
    }
    if name.is_empty() {
        problems.push("name part must be non-empty".to_string());
    } else if !is_label_name(name) {
        problems.push(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and \
             end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex \
             used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
                .to_string(),
        );
    }
    problems
}

/// Problems with a label value (empty is allowed).
pub fn label_value_problems(value: &str) -> Vec<String> {
    if value.is_empty() || is_label_name(value) {
        return Vec::new();
    }
    let mut problems = Vec::new();
    if value.len() > LABEL_MAX_LENGTH {
        problems.push(format!("must be no more than {LABEL_MAX_LENGTH} characters"));
    }
    problems.push(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or \
         '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or \
         'my_value',  or '12345', regex used for validation is \
         '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
            .to_string(),
    );
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomains_allow_dots_labels_do_not() {
        assert!(NameRule::Dns1123Subdomain.problems("web.example").is_empty());
        assert!(!NameRule::Dns1123Label.problems("web.example").is_empty());
        assert!(NameRule::Dns1123Label.problems("web-1").is_empty());
    }

    #[test]
    fn uppercase_edges_and_length_are_refused() {
        for bad in ["Web", "-web", "web-", "", "a..b", "we_b"] {
            assert!(!NameRule::Dns1123Subdomain.problems(bad).is_empty(), "{bad:?}");
        }
        let long = "a".repeat(64);
        assert_eq!(
            NameRule::Dns1123Label.problems(&long),
            vec!["must be no more than 63 characters".to_string()]
        );
    }
}
