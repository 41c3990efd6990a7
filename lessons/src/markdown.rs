//! The Markdown lessons are written in, a small CommonMark subset (headings, paragraphs, lists,
//! quotes, fenced code; inline code, strong, emphasis, links) parsed to plain data. The page
//! builds elements from it, so raw HTML in content is shown as text, never interpreted; a
//! small parser keeps the WebAssembly small.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Heading(u8, Vec<Inline>),
    Paragraph(Vec<Inline>),
    List {
        ordered: bool,
        items: Vec<Vec<Inline>>,
    },
    Quote(Vec<Inline>),
    /// A fenced code block: its info string (`yaml`, `console`) and text.
    Code {
        info: String,
        text: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Code(String),
    Strong(String),
    Emphasis(String),
    /// Only `http(s)://`, `#…` and relative targets; others are shown as text.
    Link {
        text: String,
        href: String,
    },
}

/// Parses Markdown into blocks.
pub fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let marker = &trimmed[..3];
            let info = trimmed.trim_start_matches(['`', '~']).trim().to_string();
            let mut code = String::new();
            for line in lines.by_ref() {
                if line.trim_start().starts_with(marker) {
                    break;
                }
                code.push_str(line);
                code.push('\n');
            }
            blocks.push(Block::Code { info, text: code });
            continue;
        }
        if let Some((level, title)) = heading(trimmed) {
            blocks.push(Block::Heading(level, inlines(title)));
            continue;
        }
        if let Some(quoted) = quote(trimmed) {
            let mut text = quoted.to_string();
            while let Some(next) = lines.peek().and_then(|l| quote(l.trim_start())) {
                text.push(' ');
                text.push_str(next);
                lines.next();
            }
            blocks.push(Block::Quote(inlines(&text)));
            continue;
        }
        if let Some((ordered, first)) = list_item(trimmed) {
            let mut items = vec![first.to_string()];
            while let Some(next) = lines.peek() {
                if next.trim().is_empty() {
                    // A blank line ends the list unless another item follows it.
                    let mut ahead = lines.clone();
                    ahead.next();
                    if ahead
                        .peek()
                        .and_then(|l| list_item(l.trim_start()))
                        .is_some_and(|(o, _)| o == ordered)
                    {
                        lines.next();
                        continue;
                    }
                    break;
                }
                match list_item(next.trim_start()) {
                    Some((o, item)) if o == ordered && !next.starts_with("  ") => {
                        items.push(item.to_string())
                    }
                    _ if next.starts_with("  ") || !starts_block(next.trim_start()) => {
                        let last = items.last_mut().expect("a list has an item");
                        last.push(' ');
                        last.push_str(next.trim());
                    }
                    _ => break,
                }
                lines.next();
            }
            blocks.push(Block::List { ordered, items: items.iter().map(|i| inlines(i)).collect() });
            continue;
        }
        let mut text = trimmed.to_string();
        while let Some(next) = lines.peek() {
            if next.trim().is_empty() || starts_block(next.trim_start()) {
                break;
            }
            text.push(' ');
            text.push_str(next.trim());
            lines.next();
        }
        blocks.push(Block::Paragraph(inlines(&text)));
    }
    blocks
}

fn starts_block(line: &str) -> bool {
    line.starts_with("```")
        || line.starts_with("~~~")
        || heading(line).is_some()
        || quote(line).is_some()
        || list_item(line).is_some()
}

fn heading(line: &str) -> Option<(u8, &str)> {
    let level = line.chars().take_while(|&c| c == '#').count();
    let rest = line[level..].strip_prefix(' ')?;
    (1..=6).contains(&level).then_some((level as u8, rest.trim()))
}

fn quote(line: &str) -> Option<&str> {
    line.strip_prefix("> ").or_else(|| (line == ">").then_some(""))
}

/// `- item`, `* item` or `1. item`: whether it is ordered, and its text.
fn list_item(line: &str) -> Option<(bool, &str)> {
    if let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        return Some((false, rest));
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    let rest = line[digits..].strip_prefix(". ")?;
    (digits > 0).then_some((true, rest))
}

/// Parses inline spans; unmatched markers stay text.
pub fn inlines(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let span = match c {
            '`' => delimited(rest, "`").map(|(inner, after)| (Inline::Code(inner.into()), after)),
            '*' if rest.starts_with("**") => {
                delimited(rest, "**").map(|(inner, after)| (Inline::Strong(inner.into()), after))
            }
            '*' | '_' => delimited(rest, &c.to_string())
                .filter(|(inner, _)| !inner.starts_with(' '))
                .map(|(inner, after)| (Inline::Emphasis(inner.into()), after)),
            '[' => link(rest),
            _ => None,
        };
        match span {
            Some((inline, after)) => {
                if !plain.is_empty() {
                    out.push(Inline::Text(std::mem::take(&mut plain)));
                }
                out.push(inline);
                rest = after;
            }
            None => {
                plain.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if !plain.is_empty() {
        out.push(Inline::Text(plain));
    }
    out
}

/// `marker inner marker`: the inner text and what follows.
fn delimited<'a>(text: &'a str, marker: &str) -> Option<(&'a str, &'a str)> {
    let body = text.strip_prefix(marker)?;
    let end = body.find(marker)?;
    (end > 0).then(|| (&body[..end], &body[end + marker.len()..]))
}

fn link(text: &str) -> Option<(Inline, &str)> {
    let close = text.find("](")?;
    let label = &text[1..close];
    let after = &text[close + 2..];
    let end = after.find(')')?;
    let href = after[..end].trim();
    let scheme = href.split_once(':').map(|(scheme, _)| scheme);
    let safe = match scheme {
        Some("http" | "https") => true,
        Some(scheme) => scheme.contains('/') || scheme.contains('#'),
        None => true,
    };
    let inline = if safe {
        Inline::Link { text: label.into(), href: href.into() }
    } else {
        Inline::Text(label.into())
    };
    Some((inline, &after[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Inline::*;

    #[test]
    fn blocks_and_inlines_of_the_subset() {
        let text = "### Why\n\nA **pod** runs `nginx`,\nsee [docs](https://kubernetes.io/docs/).\n\n\
                    - one\n  more\n- *two*\n\n1. first\n2. second\n\n> Note: <b>raw</b>\n\n```yaml\nkind: Pod\n```\n";
        assert_eq!(
            parse(text),
            vec![
                Block::Heading(3, vec![Text("Why".into())]),
                Block::Paragraph(vec![
                    Text("A ".into()),
                    Strong("pod".into()),
                    Text(" runs ".into()),
                    Code("nginx".into()),
                    Text(", see ".into()),
                    Link { text: "docs".into(), href: "https://kubernetes.io/docs/".into() },
                    Text(".".into()),
                ]),
                Block::List {
                    ordered: false,
                    items: vec![vec![Text("one more".into())], vec![Emphasis("two".into())]],
                },
                Block::List {
                    ordered: true,
                    items: vec![vec![Text("first".into())], vec![Text("second".into())]],
                },
                Block::Quote(vec![Text("Note: <b>raw</b>".into())]),
                Block::Code { info: "yaml".into(), text: "kind: Pod\n".into() },
            ]
        );
    }

    #[test]
    fn unsafe_links_become_text_and_stray_markers_stay() {
        assert_eq!(inlines("[x](javascript:alert(1))"), vec![Text("x".into()), Text(")".into())]);
        assert_eq!(inlines("a * b and snake_case"), vec![Text("a * b and snake_case".into())]);
    }
}
