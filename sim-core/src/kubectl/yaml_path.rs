//! Where a place in a block-style YAML manifest sits in the object: the field path of each key
//! (`spec.containers[0].image` on line 9) and what the cursor is typing (a key of which mapping,
//! or the value of which field). The editor's lint marks, completion and hover read these; a
//! line scanner is enough because manifests are written in block style, and one that never
//! fails suits text that is half typed.

use std::fmt;

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A field path, printed as the API server names fields: `spec.containers[0].image`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    /// Reads an API server field path: `spec.containers[1].name`, `metadata.labels[app]`.
    pub fn parse(text: &str) -> FieldPath {
        let mut segments = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(inner) = rest.strip_prefix('[') {
                let (index, after) = inner.split_once(']').unwrap_or((inner, ""));
                segments.push(match index.parse() {
                    Ok(number) => Segment::Index(number),
                    Err(_) => Segment::Key(index.to_string()),
                });
                rest = after;
            } else {
                let rest_of = rest.strip_prefix('.').unwrap_or(rest);
                let end = rest_of.find(['.', '[']).unwrap_or(rest_of.len());
                segments.push(Segment::Key(rest_of[..end].to_string()));
                rest = &rest_of[end..];
            }
        }
        FieldPath(segments)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => write!(f, "{key}")?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A key written in the manifest: its path and where it starts (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyAt {
    pub path: FieldPath,
    pub line: usize,
    pub column: usize,
    /// The key's value written on the same line (empty when it is a nested block).
    pub value: String,
}

/// What the text before the cursor is typing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Typing {
    /// A key of the mapping at `parent`; `prefix` is what is typed of it so far.
    Key { parent: FieldPath, prefix: String },
    /// The value of the field at `path`.
    Value { path: FieldPath, prefix: String },
}

/// One open mapping key or sequence item while scanning, at the column it starts.
struct Open {
    indent: usize,
    segment: Segment,
}

/// The scanner's state: the path to the current line.
#[derive(Default)]
struct Scanner {
    open: Vec<Open>,
    /// Lines indented deeper than this belong to a block scalar (`|`, `>`).
    block_scalar_over: Option<usize>,
}

/// A line's content split into its parts.
enum Line<'a> {
    /// `key: value` (or `key:` alone) at `column` (0-based).
    Key { key: &'a str, value: &'a str, column: usize },
    /// Anything else (a scalar item, a flow value, a comment).
    Other,
}

impl Scanner {
    fn path(&self) -> FieldPath {
        FieldPath(self.open.iter().map(|o| o.segment.clone()).collect())
    }

    /// A sequence item `- ` at `indent`: a new item of the sequence open there.
    fn item(&mut self, indent: usize) {
        while self.open.last().is_some_and(|o| {
            o.indent > indent || (o.indent == indent && matches!(o.segment, Segment::Index(_)))
        }) {
            let closed = self.open.pop();
            if let Some(Open { indent: at, segment: Segment::Index(index) }) = closed
                && at == indent
            {
                self.open.push(Open { indent, segment: Segment::Index(index + 1) });
                return;
            }
        }
        self.open.push(Open { indent, segment: Segment::Index(0) });
    }

    /// Closes what a key at `column` ends: deeper keys and items, and a sibling key.
    fn close_for_key(&mut self, column: usize) {
        while self.open.last().is_some_and(|o| o.indent >= column) {
            self.open.pop();
        }
    }

    /// Reads one line (without its newline), returning the key it holds, if any.
    fn line<'a>(&mut self, text: &'a str) -> Option<(usize, &'a str, &'a str)> {
        let indent = text.len() - text.trim_start_matches(' ').len();
        let content = text[indent..].trim_end();
        if let Some(over) = self.block_scalar_over {
            if content.is_empty() || indent > over {
                return None;
            }
            self.block_scalar_over = None;
        }
        if content.is_empty() || content.starts_with('#') {
            return None;
        }
        if content.starts_with("---") || content.starts_with("...") {
            self.open.clear();
            return None;
        }
        let (column, rest) = self.items(indent, content);
        match split_key(rest, column) {
            Line::Key { key, value, column } => {
                self.close_for_key(column);
                self.open.push(Open { indent: column, segment: Segment::Key(key.to_string()) });
                let value = strip_comment(value);
                if value.starts_with('|') || value.starts_with('>') {
                    self.block_scalar_over = Some(column);
                }
                Some((column, key, value))
            }
            Line::Other => {
                // `- |`: an item that is a block scalar.
                if rest.starts_with('|') || rest.starts_with('>') {
                    self.block_scalar_over = Some(indent);
                }
                None
            }
        }
    }

    /// Opens the sequence items (`- `, `- - `) a line starts with; returns where the rest begins.
    fn items<'a>(&mut self, mut column: usize, mut rest: &'a str) -> (usize, &'a str) {
        while rest == "-" || rest.starts_with("- ") {
            self.item(column);
            let after = rest[1..].trim_start_matches(' ');
            column += rest.len() - after.len();
            rest = after;
        }
        (column, rest)
    }
}

/// `key: value` → the key (unquoted) and the value; a quoted key may hold `: `.
fn split_key(content: &str, column: usize) -> Line<'_> {
    let quoted = content.starts_with('"') || content.starts_with('\'');
    let search_from = if quoted {
        let quote = &content[..1];
        content[1..].find(quote).map_or(content.len(), |end| end + 2)
    } else {
        0
    };
    let rest = &content[search_from.min(content.len())..];
    let colon = rest.find(": ").or_else(|| rest.strip_suffix(':').map(|r| r.len()));
    let Some(colon) = colon.map(|c| c + search_from) else {
        return Line::Other;
    };
    let key = content[..colon].trim_end();
    if key.is_empty() || key.starts_with(['{', '[', '#']) {
        return Line::Other;
    }
    let key = if quoted { key.trim_matches(['"', '\'']) } else { key };
    let value = content[colon + 1..].trim_start();
    Line::Key { key, value, column }
}

fn strip_comment(value: &str) -> &str {
    match value.find(" #") {
        Some(at) if !value.starts_with(['"', '\'']) => value[..at].trim_end(),
        _ => value,
    }
}

/// Every key written in the text, with its path (each document after a `---` starts afresh).
pub fn keys(text: &str) -> Vec<KeyAt> {
    let mut scanner = Scanner::default();
    let mut keys = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if let Some((column, _, value)) = scanner.line(line) {
            keys.push(KeyAt {
                path: scanner.path(),
                line: index + 1,
                column: column + 1,
                value: value.to_string(),
            });
        }
    }
    keys
}

/// The line (1-based) a field path is written on: the path itself, or failing that the
/// nearest written ancestor (a required field that is missing is marked at its parent).
pub fn line_of(keys: &[KeyAt], path: &FieldPath) -> Option<(usize, usize)> {
    let mut wanted = path.0.as_slice();
    loop {
        // An item has no key of its own: its first key stands for it.
        if let Some(key) = keys.iter().find(|k| k.path.0.starts_with(wanted) && !wanted.is_empty())
        {
            return Some((key.line, key.column));
        }
        let (_, parent) = wanted.split_last()?;
        wanted = parent;
    }
}

/// What the cursor at `line` (1-based) and `column` (1-based, in characters) is typing.
pub fn typing_at(text: &str, line: usize, column: usize) -> Typing {
    let mut scanner = Scanner::default();
    let lines: Vec<&str> = text.lines().collect();
    for earlier in lines.iter().take(line.saturating_sub(1)) {
        scanner.line(earlier);
    }
    let current = lines.get(line.saturating_sub(1)).copied().unwrap_or_default();
    let before: String = current.chars().take(column.saturating_sub(1)).collect();
    let indent = before.len() - before.trim_start_matches(' ').len();
    let (column, rest) = scanner.items(indent, &before[indent..]);
    match split_key(rest, column) {
        Line::Key { key, value, column } => {
            scanner.close_for_key(column);
            let mut path = scanner.path();
            path.0.push(Segment::Key(key.to_string()));
            Typing::Value { path, prefix: value.to_string() }
        }
        Line::Other => {
            scanner.close_for_key(column);
            Typing::Key { parent: scanner.path(), prefix: rest.to_string() }
        }
    }
}

/// The key under the cursor, for hover: its path, if the cursor is on a key.
pub fn key_at(text: &str, line: usize, column: usize) -> Option<FieldPath> {
    let keys = keys(text);
    let key = keys.iter().find(|k| k.line == line)?;
    let written = text.lines().nth(line - 1)?;
    let name_len = match key.path.0.last()? {
        Segment::Key(name) => name.chars().count(),
        Segment::Index(_) => 0,
    };
    let starts = key.column;
    let quoted = written.chars().nth(starts - 1).is_some_and(|c| c == '"' || c == '\'');
    let ends = starts + name_len + if quoted { 2 } else { 0 };
    (column >= starts && column <= ends).then(|| key.path.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    const POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: web
    image: nginx
    ports:
      - containerPort: 80
        protocol: TCP
  - name: sidecar
    command: [\"sh\"]
    args:
    - |
      while true; do
        sleep: 1
      done
    image: busybox
  restartPolicy: Always
";

    fn path_on(line: usize) -> String {
        keys(POD).into_iter().find(|k| k.line == line).map(|k| k.path.to_string()).unwrap()
    }

    #[test]
    fn every_key_gets_its_field_path() {
        assert_eq!(path_on(1), "apiVersion");
        assert_eq!(path_on(6), "metadata.labels.app");
        assert_eq!(path_on(9), "spec.containers[0].name");
        assert_eq!(path_on(10), "spec.containers[0].image");
        assert_eq!(path_on(12), "spec.containers[0].ports[0].containerPort");
        assert_eq!(path_on(13), "spec.containers[0].ports[0].protocol");
        assert_eq!(path_on(14), "spec.containers[1].name");
        assert_eq!(path_on(21), "spec.containers[1].image");
        assert_eq!(path_on(22), "spec.restartPolicy");
    }

    #[test]
    fn field_paths_read_as_the_api_server_writes_them() {
        for text in ["spec.containers[1].name", "kind"] {
            assert_eq!(FieldPath::parse(text).to_string(), text);
        }
        assert_eq!(FieldPath::parse("spec.containers[1].name").0[2], Segment::Index(1));
        assert_eq!(
            FieldPath::parse("metadata.labels[app.kubernetes.io/name]").0[2],
            Segment::Key("app.kubernetes.io/name".into())
        );
    }

    #[test]
    fn block_scalars_hold_no_keys() {
        assert!(keys(POD).iter().all(|k| k.line != 19));
    }

    #[test]
    fn a_field_is_found_at_its_line_or_its_nearest_written_ancestor() {
        let keys = keys(POD);
        let path = FieldPath::parse;
        assert_eq!(line_of(&keys, &path("spec.containers[1].image")), Some((21, 5)));
        assert_eq!(line_of(&keys, &path("spec.containers[1]")), Some((14, 5)));
        assert_eq!(line_of(&keys, &path("spec.containers[1].resources.limits")), Some((14, 5)));
        assert_eq!(line_of(&keys, &path("metadata.namespace")), Some((3, 1)));
    }

    #[test]
    fn the_cursor_types_a_key_of_the_enclosing_mapping() {
        let text = "spec:\n  containers:\n  - name: web\n    ima";
        assert_eq!(
            typing_at(text, 4, 8),
            Typing::Key {
                parent: FieldPath(vec![
                    Segment::Key("spec".into()),
                    Segment::Key("containers".into()),
                    Segment::Index(0)
                ]),
                prefix: "ima".into()
            }
        );
        let text = "spec:\n  containers:\n  - ";
        assert!(
            matches!(typing_at(text, 3, 5), Typing::Key { parent, .. } if parent.to_string() == "spec.containers[0]")
        );
        let text = "spec:\n  containers:\n  - name: web\n  ";
        assert!(
            matches!(typing_at(text, 4, 3), Typing::Key { parent, .. } if parent.to_string() == "spec")
        );
    }

    #[test]
    fn the_cursor_types_a_value_after_the_colon() {
        let text = "spec:\n  restartPolicy: On";
        assert_eq!(
            typing_at(text, 2, 20),
            Typing::Value {
                path: FieldPath(vec![
                    Segment::Key("spec".into()),
                    Segment::Key("restartPolicy".into())
                ]),
                prefix: "On".into()
            }
        );
    }

    #[test]
    fn hover_finds_the_key_under_the_cursor_only() {
        assert_eq!(
            key_at(POD, 10, 6).map(|p| p.to_string()).as_deref(),
            Some("spec.containers[0].image")
        );
        assert_eq!(key_at(POD, 10, 13), None);
    }

    #[test]
    fn documents_start_afresh_after_a_separator() {
        let text = "a:\n  b: 1\n---\nc: 2\n";
        assert_eq!(keys(text).last().map(|k| k.path.to_string()).as_deref(), Some("c"));
    }
}
