//! Word expansion: parameters, command substitution, arithmetic, field splitting and pathname
//! patterns, in the order POSIX gives them.

use super::parse::{ParamOp, Part, Word};
use super::{Ctx, Io, MAX_SUBSTITUTION_DEPTH, Machine, Sink};
use crate::container::fs::normalize;

/// A field being built: its text, and the same text as a pattern (quoted characters escaped)
/// when an unquoted `*`, `?` or `[` makes it a pathname pattern.
#[derive(Default)]
struct Field {
    text: String,
    pattern: String,
    glob: bool,
}

impl Field {
    fn push(&mut self, text: &str, quoted: bool) {
        self.text.push_str(text);
        if quoted {
            self.pattern.push_str(&escape_pattern(text));
        } else {
            self.glob |= text.contains(['*', '?', '[']);
            self.pattern.push_str(text);
        }
    }
}

fn escape_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Machine {
    /// Expands command words into fields (splitting unquoted expansions, matching patterns).
    pub(super) fn expand_words(
        &mut self,
        ctx: &mut Ctx,
        words: &[Word],
    ) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for word in words {
            let mut fields: Vec<Field> = Vec::new();
            let mut current: Option<Field> = None;
            for (index, part) in word.iter().enumerate() {
                match part {
                    Part::Lit(text) => {
                        let text = if index == 0 && (text == "~" || text.starts_with("~/")) {
                            format!("{}{}", self.var("HOME").unwrap_or("/"), &text[1..])
                        } else {
                            text.clone()
                        };
                        current.get_or_insert_with(Field::default).push(&text, false);
                    }
                    Part::Quoted(text) => {
                        current.get_or_insert_with(Field::default).push(text, true)
                    }
                    Part::Param { name, op: None, quoted: true } if name == "@" => {
                        let args = self.positional.clone();
                        for (i, arg) in args.iter().enumerate() {
                            if i > 0 {
                                fields.extend(current.take());
                            }
                            current.get_or_insert_with(Field::default).push(arg, true);
                        }
                    }
                    other => {
                        let (value, quoted) = self.expand_part(ctx, other)?;
                        if quoted {
                            current.get_or_insert_with(Field::default).push(&value, true);
                            continue;
                        }
                        // Field splitting on blanks (IFS's default).
                        if value.starts_with(char::is_whitespace) {
                            fields.extend(current.take());
                        }
                        let pieces: Vec<&str> = value.split_whitespace().collect();
                        for (i, piece) in pieces.iter().enumerate() {
                            if i > 0 {
                                fields.extend(current.take());
                            }
                            current.get_or_insert_with(Field::default).push(piece, false);
                        }
                        if value.ends_with(char::is_whitespace) {
                            fields.extend(current.take());
                        }
                    }
                }
            }
            fields.extend(current);
            for field in fields {
                if field.glob {
                    let matches = self.glob(ctx, &field.pattern);
                    if !matches.is_empty() {
                        out.extend(matches);
                        continue;
                    }
                }
                out.push(field.text);
            }
        }
        Ok(out)
    }

    /// Expands a word into one string, without splitting (assignments, redirections, `case`).
    pub(super) fn expand_single(&mut self, ctx: &mut Ctx, word: &Word) -> Result<String, String> {
        let mut text = String::new();
        for part in word {
            match part {
                Part::Lit(s) | Part::Quoted(s) => text.push_str(s),
                other => text.push_str(&self.expand_part(ctx, other)?.0),
            }
        }
        Ok(text)
    }

    /// Expands a word as a pattern: quoted characters lose their special meaning.
    pub(super) fn expand_pattern(&mut self, ctx: &mut Ctx, word: &Word) -> Result<String, String> {
        let mut pattern = String::new();
        for part in word {
            match part {
                Part::Lit(s) => pattern.push_str(s),
                Part::Quoted(s) => pattern.push_str(&escape_pattern(s)),
                other => {
                    let (value, quoted) = self.expand_part(ctx, other)?;
                    pattern.push_str(&if quoted { escape_pattern(&value) } else { value });
                }
            }
        }
        Ok(pattern)
    }

    /// One expansion's value, and whether it was inside double quotes.
    fn expand_part(&mut self, ctx: &mut Ctx, part: &Part) -> Result<(String, bool), String> {
        match part {
            Part::Lit(s) => Ok((s.clone(), false)),
            Part::Quoted(s) => Ok((s.clone(), true)),
            Part::Length(name) => {
                Ok((self.param(name).unwrap_or_default().chars().count().to_string(), false))
            }
            Part::Param { name, op, quoted } => {
                let value = self.param(name);
                let Some((op, operand)) = op else {
                    return Ok((value.unwrap_or_default(), *quoted));
                };
                let is_set = |colon: bool| value.as_ref().is_some_and(|v| !colon || !v.is_empty());
                let result = match *op {
                    ParamOp::Default { colon } => {
                        if is_set(colon) {
                            value.unwrap_or_default()
                        } else {
                            self.expand_single(ctx, operand)?
                        }
                    }
                    ParamOp::Assign { colon } => {
                        if is_set(colon) {
                            value.unwrap_or_default()
                        } else {
                            let v = self.expand_single(ctx, operand)?;
                            self.set_var(name, &v);
                            v
                        }
                    }
                    ParamOp::Alternative { colon } => {
                        if is_set(colon) {
                            self.expand_single(ctx, operand)?
                        } else {
                            String::new()
                        }
                    }
                    ParamOp::Error { colon } => {
                        if is_set(colon) {
                            value.unwrap_or_default()
                        } else {
                            let message = self.expand_single(ctx, operand)?;
                            let message = if message.is_empty() {
                                "parameter not set".to_string()
                            } else {
                                message
                            };
                            return Err(format!("{name}: {message}"));
                        }
                    }
                    ParamOp::TrimPrefix { longest } => {
                        let value = value.unwrap_or_default();
                        let pattern = self.expand_pattern(ctx, operand)?;
                        trim(&value, &pattern, true, longest)
                    }
                    ParamOp::TrimSuffix { longest } => {
                        let value = value.unwrap_or_default();
                        let pattern = self.expand_pattern(ctx, operand)?;
                        trim(&value, &pattern, false, longest)
                    }
                };
                Ok((result, *quoted))
            }
            Part::Command { script, quoted } => Ok((self.substitute(ctx, script), *quoted)),
            Part::Arith { expr, quoted } => {
                let text = self.expand_single(ctx, expr)?;
                let value = arith(&text, &mut |name| {
                    self.var(name).and_then(|v| v.trim().parse::<i64>().ok()).unwrap_or(0)
                })?;
                Ok((value.to_string(), *quoted))
            }
        }
    }

    fn param(&self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.status.to_string()),
            "$" => Some(self.pid.to_string()),
            "#" => Some(self.positional.len().to_string()),
            "0" => Some(self.name.clone()),
            "@" | "*" => Some(self.positional.join(" ")),
            "!" | "-" => Some(String::new()),
            _ if name.chars().all(|c| c.is_ascii_digit()) => {
                let index: usize = name.parse().ok()?;
                self.positional.get(index.checked_sub(1)?).cloned()
            }
            _ => self.var(name).map(str::to_string),
        }
    }

    /// `$(…)`: runs the script to the end in a copy of this shell, right away (a `sleep` inside
    /// takes no time for the caller), and yields its output without trailing newlines.
    fn substitute(&mut self, ctx: &mut Ctx, script: &str) -> String {
        if ctx.depth >= MAX_SUBSTITUTION_DEPTH {
            return String::new();
        }
        let mut sub = self.clone();
        sub.frames.clear();
        sub.traps.clear();
        sub.wait = None;
        sub.term = None;
        let err = match self.inherit(2) {
            Sink::Level(_) | Sink::Buffer(_) => Sink::Base(true),
            other => other,
        };
        sub.io = vec![Io { out: Sink::Buffer(String::new()), err, input: None }];
        ctx.depth += 1;
        sub.load(ctx, script);
        let status = sub.run_to_end(ctx);
        ctx.depth -= 1;
        self.subst_status = Some(status);
        self.status = status;
        let mut text = match sub.io.into_iter().next() {
            Some(Io { out: Sink::Buffer(text), .. }) => text,
            _ => String::new(),
        };
        while text.ends_with('\n') {
            text.pop();
        }
        text
    }

    /// Pathname expansion: the paths matching `pattern`, sorted; none when nothing matches.
    fn glob(&self, ctx: &Ctx, pattern: &str) -> Vec<String> {
        // Each candidate: its absolute path, and the path as the word spells it.
        let mut found = if pattern.starts_with('/') {
            vec![("/".to_string(), "/".to_string())]
        } else {
            vec![(self.cwd.clone(), String::new())]
        };
        for component in pattern.split('/').filter(|c| !c.is_empty()) {
            let mut next = Vec::new();
            for (dir, shown) in &found {
                let names = if component.contains(['*', '?', '[']) {
                    let Ok(names) = ctx.view.list(dir) else { continue };
                    names
                        .into_iter()
                        .filter(|n| !n.starts_with('.') || component.starts_with('.'))
                        .filter(|n| glob_match(component, n))
                        .collect()
                } else {
                    vec![component.replace('\\', "")]
                };
                for name in names {
                    let path = normalize(dir, &name);
                    if ctx.view.kind(&path).is_none() {
                        continue;
                    }
                    let spelled = match shown.as_str() {
                        "" => name,
                        "/" => format!("/{name}"),
                        _ => format!("{shown}/{name}"),
                    };
                    next.push((path, spelled));
                }
            }
            found = next;
        }
        let mut shown: Vec<String> =
            found.into_iter().map(|(_, s)| s).filter(|s| !s.is_empty()).collect();
        crate::sort::sort(&mut shown);
        shown
    }
}

/// Removes the shortest or longest prefix (or suffix) of `value` matching `pattern`.
fn trim(value: &str, pattern: &str, prefix: bool, longest: bool) -> String {
    let bounds: Vec<usize> = value.char_indices().map(|(i, _)| i).chain([value.len()]).collect();
    let candidates: Box<dyn Iterator<Item = &usize>> =
        if longest == prefix { Box::new(bounds.iter().rev()) } else { Box::new(bounds.iter()) };
    for &i in candidates {
        let (head, tail) = value.split_at(i);
        if prefix && glob_match(pattern, head) {
            return tail.to_string();
        }
        if !prefix && glob_match(pattern, tail) {
            return head.to_string();
        }
    }
    value.to_string()
}

/// Shell pattern matching: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`, and `\` escapes.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matching with one backtrack point for the last `*` (linear-ish, no recursion).
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some('?') => Some(1),
            Some('[') => class(&p[pi..], t[ti]).map(|(ok, len)| if ok { len } else { 0 }),
            Some('\\') if pi + 1 < p.len() => Some(if p[pi + 1] == t[ti] { 2 } else { 0 }),
            Some(&c) => Some(if c == t[ti] { 1 } else { 0 }),
            None => Some(0),
        };
        match step {
            Some(len) if len > 0 => {
                pi += len;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Matches `c` against the bracket expression at the start of `p`: (matched, its length).
fn class(p: &[char], c: char) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(p.get(1), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while let Some(&ch) = p.get(i) {
        if ch == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|&e| e != ']') {
            let end = p[i + 2];
            matched |= ch <= c && c <= end;
            i += 3;
        } else {
            matched |= ch == c;
            i += 1;
        }
    }
    // No closing bracket: the `[` is an ordinary character.
    Some((c == '[', 1))
}

/// Evaluates shell arithmetic (`$((…))`, `expr`-free): integers, `+ - * / % **`, comparisons,
/// `&& || !`, `?:`, parentheses, and variable names.
pub(crate) fn arith(text: &str, lookup: &mut dyn FnMut(&str) -> i64) -> Result<i64, String> {
    let tokens = arith_tokens(text)?;
    let mut parser = Arith { tokens, pos: 0, lookup, depth: 0 };
    let value = parser.ternary()?;
    if parser.pos != parser.tokens.len() {
        return Err("arithmetic syntax error".to_string());
    }
    Ok(value)
}

#[derive(Clone, Debug, PartialEq)]
enum ATok {
    Num(i64),
    Name(String),
    Op(String),
}

fn arith_tokens(text: &str) -> Result<Vec<ATok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            let value = if let Some(hex) = digits.strip_prefix("0x") {
                i64::from_str_radix(hex, 16)
            } else if digits.len() > 1 && digits.starts_with('0') {
                i64::from_str_radix(&digits[1..], 8)
            } else {
                digits.parse()
            };
            tokens.push(ATok::Num(value.map_err(|_| "arithmetic syntax error".to_string())?));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(ATok::Name(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = ["**", "<=", ">=", "==", "!=", "&&", "||", "<<", ">>"]
                .iter()
                .find(|o| **o == two)
                .map(|o| o.to_string());
            match op {
                Some(op) => {
                    i += 2;
                    tokens.push(ATok::Op(op));
                }
                None if "+-*/%()<>!?:&|^~".contains(c) => {
                    i += 1;
                    tokens.push(ATok::Op(c.to_string()));
                }
                None => return Err("arithmetic syntax error".to_string()),
            }
        }
    }
    Ok(tokens)
}

struct Arith<'a> {
    tokens: Vec<ATok>,
    pos: usize,
    lookup: &'a mut dyn FnMut(&str) -> i64,
    depth: u32,
}

const ARITH_LEVELS: &[&[&str]] = &[
    &["||"],
    &["&&"],
    &["|"],
    &["^"],
    &["&"],
    &["==", "!="],
    &["<", "<=", ">", ">="],
    &["<<", ">>"],
    &["+", "-"],
    &["*", "/", "%"],
];

impl Arith<'_> {
    fn peek_op(&self) -> Option<&str> {
        match self.tokens.get(self.pos) {
            Some(ATok::Op(op)) => Some(op),
            _ => None,
        }
    }

    fn ternary(&mut self) -> Result<i64, String> {
        self.depth += 1;
        if self.depth > 200 {
            return Err("arithmetic syntax error".to_string());
        }
        let value = self.ternary_inner();
        self.depth -= 1;
        value
    }

    fn ternary_inner(&mut self) -> Result<i64, String> {
        let cond = self.binary(0)?;
        if self.peek_op() == Some("?") {
            self.pos += 1;
            let yes = self.ternary()?;
            if self.peek_op() != Some(":") {
                return Err("arithmetic syntax error".to_string());
            }
            self.pos += 1;
            let no = self.ternary()?;
            return Ok(if cond != 0 { yes } else { no });
        }
        Ok(cond)
    }

    fn binary(&mut self, level: usize) -> Result<i64, String> {
        if level >= ARITH_LEVELS.len() {
            return self.power();
        }
        let mut left = self.binary(level + 1)?;
        while let Some(op) =
            self.peek_op().filter(|op| ARITH_LEVELS[level].contains(op)).map(str::to_string)
        {
            self.pos += 1;
            let right = self.binary(level + 1)?;
            left = match op.as_str() {
                "||" => i64::from(left != 0 || right != 0),
                "&&" => i64::from(left != 0 && right != 0),
                "|" => left | right,
                "^" => left ^ right,
                "&" => left & right,
                "==" => i64::from(left == right),
                "!=" => i64::from(left != right),
                "<" => i64::from(left < right),
                "<=" => i64::from(left <= right),
                ">" => i64::from(left > right),
                ">=" => i64::from(left >= right),
                "<<" => left.wrapping_shl(right as u32),
                ">>" => left.wrapping_shr(right as u32),
                "+" => left.wrapping_add(right),
                "-" => left.wrapping_sub(right),
                "*" => left.wrapping_mul(right),
                _ if right == 0 => return Err("divide by zero".to_string()),
                "/" => left.wrapping_div(right),
                _ => left.wrapping_rem(right),
            };
        }
        Ok(left)
    }

    fn power(&mut self) -> Result<i64, String> {
        let base = self.unary()?;
        if self.peek_op() == Some("**") {
            self.pos += 1;
            let exponent = self.power()?;
            return Ok(base.wrapping_pow(exponent.clamp(0, 64) as u32));
        }
        Ok(base)
    }

    fn unary(&mut self) -> Result<i64, String> {
        self.depth += 1;
        if self.depth > 200 {
            return Err("arithmetic syntax error".to_string());
        }
        let value = match self.tokens.get(self.pos).cloned() {
            Some(ATok::Num(n)) => {
                self.pos += 1;
                Ok(n)
            }
            Some(ATok::Name(name)) => {
                self.pos += 1;
                Ok((self.lookup)(&name))
            }
            Some(ATok::Op(op)) => {
                self.pos += 1;
                match op.as_str() {
                    "-" => self.unary().map(i64::wrapping_neg),
                    "+" => self.unary(),
                    "!" => self.unary().map(|v| i64::from(v == 0)),
                    "~" => self.unary().map(|v| !v),
                    "(" => {
                        let v = self.ternary()?;
                        if self.peek_op() != Some(")") {
                            return Err("arithmetic syntax error".to_string());
                        }
                        self.pos += 1;
                        Ok(v)
                    }
                    _ => Err("arithmetic syntax error".to_string()),
                }
            }
            None => Err("arithmetic syntax error".to_string()),
        };
        self.depth -= 1;
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_like_sh() {
        let cases = [
            ("*", "anything", true),
            ("*.txt", "a.txt", true),
            ("*.txt", "a.txt.bak", false),
            ("a?c", "abc", true),
            ("[a-c]x", "bx", true),
            ("[!a-c]x", "bx", false),
            ("\\*", "*", true),
            ("\\*", "a", false),
            ("a*b*c", "aXXbYYc", true),
            ("[", "[", true),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(glob_match(pattern, text), want, "{pattern} vs {text}");
        }
    }

    #[test]
    fn arithmetic_follows_c_precedence() {
        let cases = [
            ("1 + 2 * 3", 7),
            ("(1 + 2) * 3", 9),
            ("2 ** 10", 1024),
            ("10 % 3", 1),
            ("i + 1", 42),
            ("i > 40 && i < 50", 1),
            ("-3 + 1", -2),
            ("i == 41 ? 1 : 2", 1),
            ("010", 8),
        ];
        for (expr, want) in cases {
            assert_eq!(arith(expr, &mut |_| 41), Ok(want), "{expr}");
        }
        assert!(arith("1 / 0", &mut |_| 0).is_err());
        assert!(arith("1 +", &mut |_| 0).is_err());
    }

    #[test]
    fn trimming_removes_shortest_or_longest_match() {
        assert_eq!(trim("/a/b/c.txt", "*/", true, false), "a/b/c.txt");
        assert_eq!(trim("/a/b/c.txt", "*/", true, true), "c.txt");
        assert_eq!(trim("c.tar.gz", ".*", false, false), "c.tar");
        assert_eq!(trim("c.tar.gz", ".*", false, true), "c");
    }
}
