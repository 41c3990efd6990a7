//! The shell's parser: POSIX sh text to a syntax tree, once, before anything runs (as sh does:
//! a syntax error anywhere means nothing runs).

use serde::{Deserialize, Serialize};

/// A command of the shell language.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) enum Cmd {
    Simple(Simple),
    /// `a; b` and newlines.
    Seq(Vec<Cmd>),
    /// `a && b || c`: `true` joins with `&&`.
    AndOr(Box<Cmd>, Vec<(bool, Cmd)>),
    Pipe(Vec<Cmd>),
    Not(Box<Cmd>),
    If(Vec<(Cmd, Cmd)>, Option<Box<Cmd>>),
    Loop {
        until: bool,
        cond: Box<Cmd>,
        body: Box<Cmd>,
    },
    /// `for x in words`; without `in`, the positional parameters.
    For {
        var: String,
        items: Option<Vec<Word>>,
        body: Box<Cmd>,
    },
    Case(Word, Vec<(Vec<Word>, Cmd)>),
    Group(Box<Cmd>),
    Subshell(Box<Cmd>),
    Redirected(Box<Cmd>, Vec<Redir>),
    Function(String, Box<Cmd>),
    /// `cmd &`: sh would run it in the background; we can only do that for `sleep`.
    Background(Box<Cmd>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Simple {
    /// The script line it starts on, for dash's and bash's `sh: 3: foo: not found`.
    pub line: u32,
    pub assigns: Vec<(String, Word)>,
    pub words: Vec<Word>,
    pub redirs: Vec<Redir>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Redir {
    pub fd: u8,
    pub op: RedirOp,
    pub target: Word,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum RedirOp {
    Write,
    Append,
    Read,
    /// `2>&1`, `>&2`: the target is a descriptor number.
    Dup,
    /// `&>file`: both streams.
    WriteBoth,
    /// A here-document; the target is its body.
    Here,
}

/// A word before expansion: pieces that are quoted or not.
pub(crate) type Word = Vec<Part>;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) enum Part {
    /// Unquoted text (subject to pathname expansion).
    Lit(String),
    /// Quoted or escaped text, taken as it is.
    Quoted(String),
    /// `$name`, `${name}`, `${name:-word}` …; `quoted` when inside double quotes.
    Param { name: String, op: Option<(ParamOp, Word)>, quoted: bool },
    /// `${#name}`
    Length(String),
    /// `$(…)` or backticks: the script text, parsed when it runs.
    Command { script: String, quoted: bool },
    /// `$((…))`: the expression, expanded before it is evaluated.
    Arith { expr: Word, quoted: bool },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ParamOp {
    /// `-` (or `:-` when `colon`): a default.
    Default {
        colon: bool,
    },
    Assign {
        colon: bool,
    },
    Alternative {
        colon: bool,
    },
    Error {
        colon: bool,
    },
    /// `#` / `##`
    TrimPrefix {
        longest: bool,
    },
    /// `%` / `%%`
    TrimSuffix {
        longest: bool,
    },
}

/// Why a script does not parse; the shell prints it in its own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// A token where it cannot be (`fi` with no `if`).
    Unexpected { token: String, line: u32 },
    /// The script ended inside a construct; `expecting` is what would close it.
    Eof { expecting: String, line: u32 },
    /// A quote that never closes.
    Unterminated { quote: char, line: u32 },
}

/// Refuses scripts nested deeper than this rather than overflowing the stack.
const MAX_NESTING: u32 = 100;

const TERMINATORS: &[&str] = &["then", "else", "elif", "fi", "do", "done", "esac", "}"];

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// A word, and its text when it is a plain unquoted literal (a possible keyword).
    Word(Word, Option<String>),
    Op(&'static str),
    Redir(u8, RedirOp),
    Newline,
    Eof,
}

/// Parses a script. Containers run the same few scripts over and over (every restart of a
/// crash-looping pod parses its command again), so the last scripts' trees are kept: a cache of
/// a pure function, which cannot make two runs differ.
pub(crate) fn parse(text: &str) -> Result<Cmd, ParseError> {
    thread_local! {
        static PARSED: std::cell::RefCell<Vec<(String, Result<Cmd, ParseError>)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    const KEPT: usize = 64;
    if let Some(parsed) = PARSED.with(|parsed| {
        parsed.borrow().iter().find(|(script, _)| script == text).map(|(_, tree)| tree.clone())
    }) {
        return parsed;
    }
    let tree = parse_script(text);
    PARSED.with(|parsed| {
        let mut parsed = parsed.borrow_mut();
        if parsed.len() == KEPT {
            drop(parsed.remove(0));
        }
        parsed.push((text.to_string(), tree.clone()));
    });
    tree
}

fn parse_script(text: &str) -> Result<Cmd, ParseError> {
    let mut parser =
        Parser { chars: text.chars().collect(), pos: 0, line: 1, peeked: None, depth: 0 };
    let list = parser.list()?;
    match parser.peek()? {
        Tok::Eof => Ok(list),
        other => Err(parser.unexpected(&other)),
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    line: u32,
    peeked: Option<(Tok, u32)>,
    depth: u32,
}

impl Parser {
    fn unexpected(&self, tok: &Tok) -> ParseError {
        let token = match tok {
            Tok::Word(_, Some(text)) => text.clone(),
            Tok::Word(word, None) => flatten(word),
            Tok::Op(op) => (*op).to_string(),
            Tok::Redir(_, _) => "redirection".to_string(),
            Tok::Newline => "newline".to_string(),
            Tok::Eof => {
                return ParseError::Eof { expecting: String::new(), line: self.line };
            }
        };
        ParseError::Unexpected { token, line: self.line }
    }

    fn peek(&mut self) -> Result<Tok, ParseError> {
        if self.peeked.is_none() {
            let tok = self.lex()?;
            self.peeked = Some((tok, self.line));
        }
        Ok(self.peeked.as_ref().map(|(t, _)| t.clone()).unwrap_or(Tok::Eof))
    }

    fn next(&mut self) -> Result<Tok, ParseError> {
        self.peek()?;
        Ok(self.peeked.take().map(|(t, _)| t).unwrap_or(Tok::Eof))
    }

    fn peek_keyword(&mut self) -> Result<Option<String>, ParseError> {
        Ok(match self.peek()? {
            Tok::Word(_, Some(text)) => Some(text),
            _ => None,
        })
    }

    fn expect_keyword(&mut self, keyword: &str) -> Result<(), ParseError> {
        match self.next()? {
            Tok::Word(_, Some(text)) if text == keyword => Ok(()),
            Tok::Eof => Err(ParseError::Eof { expecting: keyword.to_string(), line: self.line }),
            other => Err(self.unexpected(&other)),
        }
    }

    fn skip_newlines(&mut self) -> Result<(), ParseError> {
        while self.peek()? == Tok::Newline {
            self.next()?;
        }
        Ok(())
    }

    /// A list of and-or commands, up to a closing keyword, `)`, `;;` or the end.
    fn list(&mut self) -> Result<Cmd, ParseError> {
        let mut cmds = Vec::new();
        loop {
            self.skip_newlines()?;
            match self.peek()? {
                Tok::Eof | Tok::Op(")") | Tok::Op(";;") => break,
                Tok::Word(_, Some(k)) if TERMINATORS.contains(&k.as_str()) => break,
                _ => {}
            }
            let cmd = self.and_or()?;
            match self.peek()? {
                Tok::Op(";") | Tok::Newline => {
                    self.next()?;
                    cmds.push(cmd);
                }
                Tok::Op("&") => {
                    self.next()?;
                    cmds.push(Cmd::Background(Box::new(cmd)));
                }
                _ => {
                    cmds.push(cmd);
                    break;
                }
            }
        }
        Ok(if cmds.len() == 1 { cmds.remove(0) } else { Cmd::Seq(cmds) })
    }

    /// A list that must not be empty (the body of `if`, `while`, `{ }`).
    fn compound_list(&mut self) -> Result<Cmd, ParseError> {
        let list = self.list()?;
        if list == Cmd::Seq(Vec::new()) {
            let tok = self.peek()?;
            return Err(self.unexpected(&tok));
        }
        Ok(list)
    }

    fn and_or(&mut self) -> Result<Cmd, ParseError> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let and = match self.peek()? {
                Tok::Op("&&") => true,
                Tok::Op("||") => false,
                _ => break,
            };
            self.next()?;
            self.skip_newlines()?;
            rest.push((and, self.pipeline()?));
        }
        Ok(if rest.is_empty() { first } else { Cmd::AndOr(Box::new(first), rest) })
    }

    fn pipeline(&mut self) -> Result<Cmd, ParseError> {
        let bang = self.peek_keyword()?.as_deref() == Some("!");
        if bang {
            self.next()?;
        }
        let mut stages = vec![self.command()?];
        while self.peek()? == Tok::Op("|") {
            self.next()?;
            self.skip_newlines()?;
            stages.push(self.command()?);
        }
        let pipe = if stages.len() == 1 { stages.remove(0) } else { Cmd::Pipe(stages) };
        Ok(if bang { Cmd::Not(Box::new(pipe)) } else { pipe })
    }

    fn command(&mut self) -> Result<Cmd, ParseError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(ParseError::Unexpected { token: "(".to_string(), line: self.line });
        }
        let cmd = self.command_inner();
        self.depth -= 1;
        let cmd = cmd?;
        if matches!(cmd, Cmd::Simple(_) | Cmd::Function(..)) {
            return Ok(cmd);
        }
        let mut redirs = Vec::new();
        while let Tok::Redir(fd, op) = self.peek()? {
            self.next()?;
            redirs.push(self.redir_target(fd, op)?);
        }
        Ok(if redirs.is_empty() { cmd } else { Cmd::Redirected(Box::new(cmd), redirs) })
    }

    fn command_inner(&mut self) -> Result<Cmd, ParseError> {
        match self.peek()? {
            Tok::Op("(") => {
                self.next()?;
                let body = self.compound_list()?;
                match self.next()? {
                    Tok::Op(")") => Ok(Cmd::Subshell(Box::new(body))),
                    Tok::Eof => Err(ParseError::Eof { expecting: ")".into(), line: self.line }),
                    other => Err(self.unexpected(&other)),
                }
            }
            Tok::Word(_, Some(keyword)) => match keyword.as_str() {
                "if" => self.if_clause(),
                "while" | "until" => {
                    self.next()?;
                    let cond = self.compound_list()?;
                    self.expect_keyword("do")?;
                    let body = self.compound_list()?;
                    self.expect_keyword("done")?;
                    Ok(Cmd::Loop {
                        until: keyword == "until",
                        cond: Box::new(cond),
                        body: Box::new(body),
                    })
                }
                "for" => self.for_clause(),
                "case" => self.case_clause(),
                "{" => {
                    self.next()?;
                    let body = self.compound_list()?;
                    self.expect_keyword("}")?;
                    Ok(Cmd::Group(Box::new(body)))
                }
                k if TERMINATORS.contains(&k) => {
                    let tok = self.peek()?;
                    Err(self.unexpected(&tok))
                }
                _ => self.simple(),
            },
            Tok::Word(..) | Tok::Redir(..) => self.simple(),
            Tok::Eof => Err(ParseError::Eof { expecting: String::new(), line: self.line }),
            other => Err(self.unexpected(&other)),
        }
    }

    fn if_clause(&mut self) -> Result<Cmd, ParseError> {
        self.next()?;
        let mut arms = Vec::new();
        let mut otherwise = None;
        loop {
            let cond = self.compound_list()?;
            self.expect_keyword("then")?;
            let body = self.compound_list()?;
            arms.push((cond, body));
            match self.next()? {
                Tok::Word(_, Some(k)) if k == "elif" => continue,
                Tok::Word(_, Some(k)) if k == "else" => {
                    otherwise = Some(Box::new(self.compound_list()?));
                    self.expect_keyword("fi")?;
                    break;
                }
                Tok::Word(_, Some(k)) if k == "fi" => break,
                Tok::Eof => {
                    return Err(ParseError::Eof { expecting: "fi".into(), line: self.line });
                }
                other => return Err(self.unexpected(&other)),
            }
        }
        Ok(Cmd::If(arms, otherwise))
    }

    fn for_clause(&mut self) -> Result<Cmd, ParseError> {
        self.next()?;
        let var = match self.next()? {
            Tok::Word(_, Some(name)) if is_name(&name) => name,
            Tok::Eof => return Err(ParseError::Eof { expecting: "in".into(), line: self.line }),
            other => return Err(self.unexpected(&other)),
        };
        let mut items = None;
        while matches!(self.peek()?, Tok::Newline) {
            self.next()?;
        }
        if self.peek_keyword()?.as_deref() == Some("in") {
            self.next()?;
            let mut words = Vec::new();
            while let Tok::Word(word, _) = self.peek()? {
                self.next()?;
                words.push(word);
            }
            items = Some(words);
        }
        if matches!(self.peek()?, Tok::Op(";") | Tok::Newline) {
            self.next()?;
        }
        self.skip_newlines()?;
        self.expect_keyword("do")?;
        let body = self.compound_list()?;
        self.expect_keyword("done")?;
        Ok(Cmd::For { var, items, body: Box::new(body) })
    }

    fn case_clause(&mut self) -> Result<Cmd, ParseError> {
        self.next()?;
        let word = match self.next()? {
            Tok::Word(word, _) => word,
            Tok::Eof => return Err(ParseError::Eof { expecting: "in".into(), line: self.line }),
            other => return Err(self.unexpected(&other)),
        };
        self.skip_newlines()?;
        self.expect_keyword("in")?;
        let mut arms = Vec::new();
        loop {
            self.skip_newlines()?;
            if self.peek_keyword()?.as_deref() == Some("esac") {
                self.next()?;
                break;
            }
            if self.peek()? == Tok::Op("(") {
                self.next()?;
            }
            let mut patterns = Vec::new();
            loop {
                match self.next()? {
                    Tok::Word(w, _) => patterns.push(w),
                    Tok::Eof => {
                        return Err(ParseError::Eof { expecting: "esac".into(), line: self.line });
                    }
                    other => return Err(self.unexpected(&other)),
                }
                match self.next()? {
                    Tok::Op("|") => continue,
                    Tok::Op(")") => break,
                    Tok::Eof => {
                        return Err(ParseError::Eof { expecting: ")".into(), line: self.line });
                    }
                    other => return Err(self.unexpected(&other)),
                }
            }
            let body = self.list()?;
            arms.push((patterns, body));
            match self.next()? {
                Tok::Op(";;") => continue,
                Tok::Word(_, Some(k)) if k == "esac" => break,
                Tok::Eof => {
                    return Err(ParseError::Eof { expecting: "esac".into(), line: self.line });
                }
                other => return Err(self.unexpected(&other)),
            }
        }
        Ok(Cmd::Case(word, arms))
    }

    fn simple(&mut self) -> Result<Cmd, ParseError> {
        let line = self.line;
        let mut simple =
            Simple { line, assigns: Vec::new(), words: Vec::new(), redirs: Vec::new() };
        loop {
            match self.peek()? {
                Tok::Word(word, plain) => {
                    // `name() { …; }` defines a function.
                    if simple.words.is_empty()
                        && simple.assigns.is_empty()
                        && let Some(name) = plain.as_deref().and_then(|p| p.strip_suffix("()"))
                        && is_name(name)
                    {
                        let name = name.to_string();
                        self.next()?;
                        self.skip_newlines()?;
                        let body = self.command()?;
                        return Ok(Cmd::Function(name, Box::new(body)));
                    }
                    self.next()?;
                    if simple.words.is_empty()
                        && let Some((name, value)) = split_assignment(&word)
                    {
                        simple.assigns.push((name, value));
                    } else {
                        simple.words.push(word);
                    }
                }
                Tok::Op("(") if simple.words.len() == 1 && simple.assigns.is_empty() => {
                    // `name () { …; }`
                    self.next()?;
                    match self.next()? {
                        Tok::Op(")") => {}
                        other => return Err(self.unexpected(&other)),
                    }
                    let name = flatten(&simple.words[0]);
                    self.skip_newlines()?;
                    let body = self.command()?;
                    return Ok(Cmd::Function(name, Box::new(body)));
                }
                Tok::Redir(fd, op) => {
                    self.next()?;
                    let redir = self.redir_target(fd, op)?;
                    simple.redirs.push(redir);
                }
                _ => break,
            }
        }
        if simple.words.is_empty() && simple.assigns.is_empty() && simple.redirs.is_empty() {
            let tok = self.peek()?;
            return Err(self.unexpected(&tok));
        }
        Ok(Cmd::Simple(simple))
    }

    fn redir_target(&mut self, fd: u8, op: RedirOp) -> Result<Redir, ParseError> {
        match self.next()? {
            Tok::Word(target, _) if op == RedirOp::Here => {
                let quoted = target.iter().any(|p| matches!(p, Part::Quoted(_)));
                let body = self.take_heredoc(&flatten(&target));
                let target = if quoted {
                    vec![Part::Quoted(body)]
                } else {
                    let mut sub = Parser {
                        chars: body.chars().collect(),
                        pos: 0,
                        line: self.line,
                        peeked: None,
                        depth: self.depth,
                    };
                    sub.heredoc_word()?
                };
                Ok(Redir { fd, op, target })
            }
            Tok::Word(target, _) => Ok(Redir { fd, op, target }),
            Tok::Eof => Err(ParseError::Eof { expecting: String::new(), line: self.line }),
            other => Err(self.unexpected(&other)),
        }
    }

    // ----- lexer -----

    fn at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn lex(&mut self) -> Result<Tok, ParseError> {
        loop {
            match self.at(0) {
                Some(' ' | '\t' | '\r') => self.pos += 1,
                Some('\\') if self.at(1) == Some('\n') => {
                    self.pos += 2;
                    self.line += 1;
                }
                Some('#') => {
                    while self.at(0).is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        let Some(c) = self.at(0) else { return Ok(Tok::Eof) };
        let two: String =
            self.chars[self.pos..(self.pos + 2).min(self.chars.len())].iter().collect();
        let op = match two.as_str() {
            "&&" => Some("&&"),
            "||" => Some("||"),
            ";;" => Some(";;"),
            _ => None,
        };
        if let Some(op) = op {
            self.pos += 2;
            return Ok(Tok::Op(op));
        }
        match c {
            '\n' => {
                self.pos += 1;
                self.line += 1;
                return Ok(Tok::Newline);
            }
            ';' => return self.op(";"),
            '|' => return self.op("|"),
            '(' => return self.op("("),
            ')' => return self.op(")"),
            '&' if self.at(1) == Some('>') => {
                self.pos += 2;
                return Ok(Tok::Redir(1, RedirOp::WriteBoth));
            }
            '&' => return self.op("&"),
            '<' | '>' => return Ok(self.redir_op(None)),
            _ => {}
        }
        // A descriptor number glued to a redirection: `2>`.
        if c.is_ascii_digit() && matches!(self.at(1), Some('<' | '>')) {
            self.pos += 1;
            return Ok(self.redir_op(c.to_digit(10).map(|d| d as u8)));
        }
        let word = self.word()?;
        let plain = match word.as_slice() {
            [Part::Lit(text)] => Some(text.clone()),
            _ => None,
        };
        Ok(Tok::Word(word, plain))
    }

    fn op(&mut self, op: &'static str) -> Result<Tok, ParseError> {
        self.pos += 1;
        Ok(Tok::Op(op))
    }

    fn redir_op(&mut self, fd: Option<u8>) -> Tok {
        let c = self.at(0);
        self.pos += 1;
        let (default_fd, op) = match (c, self.at(0)) {
            (Some('>'), Some('>')) => {
                self.pos += 1;
                (1, RedirOp::Append)
            }
            (Some('>'), Some('&')) => {
                self.pos += 1;
                (1, RedirOp::Dup)
            }
            (Some('>'), Some('|')) => {
                self.pos += 1;
                (1, RedirOp::Write)
            }
            (Some('>'), _) => (1, RedirOp::Write),
            (_, Some('<')) => {
                self.pos += 1;
                if self.at(0) == Some('-') {
                    self.pos += 1;
                }
                (0, RedirOp::Here)
            }
            (_, Some('&')) => {
                self.pos += 1;
                (0, RedirOp::Dup)
            }
            _ => (0, RedirOp::Read),
        };
        Tok::Redir(fd.unwrap_or(default_fd), op)
    }

    /// Cuts a here-document's body (the lines after the current one, up to `delimiter`) out of
    /// the text, so the lexer carries on after it as sh does.
    fn take_heredoc(&mut self, delimiter: &str) -> String {
        let Some(newline) = (self.pos..self.chars.len()).find(|&i| self.chars[i] == '\n') else {
            return String::new();
        };
        let mut end = newline + 1;
        let mut body = String::new();
        while end < self.chars.len() {
            let line_end = (end..self.chars.len())
                .find(|&i| self.chars[i] == '\n')
                .unwrap_or(self.chars.len());
            let line: String = self.chars[end..line_end].iter().collect();
            end = (line_end + 1).min(self.chars.len());
            let line = line.trim_start_matches('\t');
            if line == delimiter {
                break;
            }
            body.push_str(line);
            body.push('\n');
        }
        self.chars.drain(newline + 1..end);
        body
    }

    /// A here-document body with expansions: only `$`, backticks and `\` are special.
    fn heredoc_word(&mut self) -> Result<Word, ParseError> {
        let mut parts = Vec::new();
        let mut text = String::new();
        while let Some(c) = self.at(0) {
            match c {
                '\\' if matches!(self.at(1), Some('$' | '`' | '\\')) => {
                    text.extend(self.at(1));
                    self.pos += 2;
                }
                '$' | '`' => {
                    if !text.is_empty() {
                        parts.push(Part::Quoted(std::mem::take(&mut text)));
                    }
                    let part = self.dollar(true)?;
                    parts.push(part);
                }
                _ => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
        if !text.is_empty() || parts.is_empty() {
            parts.push(Part::Quoted(text));
        }
        Ok(parts)
    }

    /// Reads one word at the cursor, up to an unquoted blank or operator.
    fn word(&mut self) -> Result<Word, ParseError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        while let Some(c) = self.at(0) {
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>' => {
                    // `name()` stays one word so the parser can see a function definition.
                    if c == '(' && self.at(1) == Some(')') && parts.is_empty() && is_name(&lit) {
                        lit.push_str("()");
                        self.pos += 2;
                        continue;
                    }
                    break;
                }
                '\\' => {
                    push_lit(&mut parts, &mut lit);
                    match self.at(1) {
                        Some('\n') => {
                            self.line += 1;
                        }
                        Some(next) => parts.push(Part::Quoted(next.to_string())),
                        None => parts.push(Part::Quoted("\\".to_string())),
                    }
                    self.pos += 2;
                }
                '\'' => {
                    push_lit(&mut parts, &mut lit);
                    parts.push(Part::Quoted(self.single_quoted()?));
                }
                '"' => {
                    push_lit(&mut parts, &mut lit);
                    parts.extend(self.double_quoted_word()?);
                }
                '$' | '`' => {
                    push_lit(&mut parts, &mut lit);
                    let part = self.dollar(false)?;
                    parts.push(part);
                }
                _ => {
                    lit.push(c);
                    self.pos += 1;
                }
            }
        }
        push_lit(&mut parts, &mut lit);
        Ok(parts)
    }

    /// `'…'` at the cursor, through the closing quote: its text, taken as it is.
    fn single_quoted(&mut self) -> Result<String, ParseError> {
        let line = self.line;
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.at(0) {
                None => return Err(ParseError::Unterminated { quote: '\'', line }),
                Some('\'') => break,
                Some(ch) => {
                    if ch == '\n' {
                        self.line += 1;
                    }
                    text.push(ch);
                    self.pos += 1;
                }
            }
        }
        self.pos += 1;
        Ok(text)
    }

    /// `"…"` at the cursor, through the closing quote. `""` is still a (empty) word.
    fn double_quoted_word(&mut self) -> Result<Word, ParseError> {
        let line = self.line;
        self.pos += 1;
        let inner = self.double_quoted(line)?;
        Ok(if inner.is_empty() { vec![Part::Quoted(String::new())] } else { inner })
    }

    /// The inside of `"…"`, after the opening quote, through the closing one.
    fn double_quoted(&mut self, line: u32) -> Result<Word, ParseError> {
        let mut parts = Vec::new();
        let mut text = String::new();
        loop {
            match self.at(0) {
                None => return Err(ParseError::Unterminated { quote: '"', line }),
                Some('"') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') => {
                    match self.at(1) {
                        Some(c @ ('$' | '`' | '"' | '\\')) => text.push(c),
                        Some('\n') => self.line += 1,
                        Some(c) => {
                            text.push('\\');
                            text.push(c);
                        }
                        None => return Err(ParseError::Unterminated { quote: '"', line }),
                    }
                    self.pos += 2;
                }
                Some('$' | '`') => {
                    if !text.is_empty() {
                        parts.push(Part::Quoted(std::mem::take(&mut text)));
                    }
                    let part = self.dollar(true)?;
                    parts.push(part);
                }
                Some(c) => {
                    if c == '\n' {
                        self.line += 1;
                    }
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
        if !text.is_empty() {
            parts.push(Part::Quoted(text));
        }
        Ok(parts)
    }

    /// An expansion at the cursor (`$…` or a backtick).
    fn dollar(&mut self, quoted: bool) -> Result<Part, ParseError> {
        self.depth += 1;
        let part = self.dollar_inner(quoted);
        self.depth -= 1;
        part
    }

    fn dollar_inner(&mut self, quoted: bool) -> Result<Part, ParseError> {
        let line = self.line;
        if self.depth > MAX_NESTING {
            return Err(ParseError::Unexpected { token: "$".to_string(), line });
        }
        if self.at(0) == Some('`') {
            self.pos += 1;
            let mut script = String::new();
            loop {
                match self.at(0) {
                    None => return Err(ParseError::Unterminated { quote: '`', line }),
                    Some('`') => break,
                    Some('\\') if matches!(self.at(1), Some('`' | '\\' | '$')) => {
                        script.extend(self.at(1));
                        self.pos += 2;
                        continue;
                    }
                    Some(c) => script.push(c),
                }
                self.pos += 1;
            }
            self.pos += 1;
            return Ok(Part::Command { script, quoted });
        }
        self.pos += 1;
        match self.at(0) {
            Some('(') if self.at(1) == Some('(') => {
                self.pos += 2;
                let inner = self.balanced(line, 2)?;
                let mut sub = Parser {
                    chars: inner.chars().collect(),
                    pos: 0,
                    line,
                    peeked: None,
                    depth: self.depth,
                };
                let expr = sub.operand(None)?;
                Ok(Part::Arith { expr, quoted })
            }
            Some('(') => {
                self.pos += 1;
                let script = self.balanced(line, 1)?;
                Ok(Part::Command { script, quoted })
            }
            Some('{') => {
                self.pos += 1;
                self.braced(quoted, line)
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let mut name = String::new();
                while let Some(c) = self.at(0).filter(|c| c.is_ascii_alphanumeric() || *c == '_') {
                    name.push(c);
                    self.pos += 1;
                }
                Ok(Part::Param { name, op: None, quoted })
            }
            Some(c) if c.is_ascii_digit() || "?$#@*!-".contains(c) => {
                self.pos += 1;
                Ok(Part::Param { name: c.to_string(), op: None, quoted })
            }
            _ => Ok(if quoted { Part::Quoted("$".into()) } else { Part::Lit("$".into()) }),
        }
    }

    /// Text up to the parenthesis that closes `opened` open ones, skipping quoted text.
    fn balanced(&mut self, line: u32, opened: usize) -> Result<String, ParseError> {
        let mut depth = opened;
        let mut text = String::new();
        loop {
            let Some(c) = self.at(0) else {
                return Err(ParseError::Eof { expecting: ")".into(), line });
            };
            self.pos += 1;
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 || (opened == 2 && depth == 1 && self.at(0) == Some(')')) {
                        if depth == 1 {
                            self.pos += 1;
                        }
                        return Ok(text);
                    }
                }
                '\'' | '"' => {
                    text.push(c);
                    while let Some(q) = self.at(0) {
                        self.pos += 1;
                        text.push(q);
                        if q == '\\' && c == '"' {
                            text.extend(self.at(0));
                            self.pos += 1;
                        } else if q == c {
                            break;
                        }
                    }
                    continue;
                }
                '\\' => {
                    text.push(c);
                    text.extend(self.at(0));
                    self.pos += 1;
                    continue;
                }
                '\n' => self.line += 1,
                _ => {}
            }
            text.push(c);
        }
    }

    fn braced(&mut self, quoted: bool, line: u32) -> Result<Part, ParseError> {
        let length = self.at(0) == Some('#') && self.at(1).is_some_and(|c| c != '}');
        if length {
            self.pos += 1;
        }
        let mut name = String::new();
        if let Some(c) = self.at(0).filter(|c| "?$#@*!-".contains(*c) || c.is_ascii_digit()) {
            name.push(c);
            self.pos += 1;
            while let Some(d) = self.at(0).filter(|d| c.is_ascii_digit() && d.is_ascii_digit()) {
                name.push(d);
                self.pos += 1;
            }
        } else {
            while let Some(c) = self.at(0).filter(|c| c.is_ascii_alphanumeric() || *c == '_') {
                name.push(c);
                self.pos += 1;
            }
        }
        if name.is_empty() {
            return Err(ParseError::Unexpected { token: "${".into(), line });
        }
        if length {
            self.close_brace(line)?;
            return Ok(Part::Length(name));
        }
        let colon = self.at(0) == Some(':');
        if colon {
            self.pos += 1;
        }
        let op = match self.at(0) {
            Some('}') if !colon => {
                self.pos += 1;
                return Ok(Part::Param { name, op: None, quoted });
            }
            Some('-') => ParamOp::Default { colon },
            Some('=') => ParamOp::Assign { colon },
            Some('+') => ParamOp::Alternative { colon },
            Some('?') => ParamOp::Error { colon },
            Some('#') if !colon => ParamOp::TrimPrefix { longest: self.at(1) == Some('#') },
            Some('%') if !colon => ParamOp::TrimSuffix { longest: self.at(1) == Some('%') },
            None => return Err(ParseError::Eof { expecting: "}".into(), line }),
            _ => return Err(ParseError::Unexpected { token: "${".into(), line }),
        };
        self.pos += 1;
        if matches!(
            op,
            ParamOp::TrimPrefix { longest: true } | ParamOp::TrimSuffix { longest: true }
        ) {
            self.pos += 1;
        }
        let word = self.operand(Some('}'))?;
        self.close_brace(line)?;
        Ok(Part::Param { name, op: Some((op, word)), quoted })
    }

    fn close_brace(&mut self, line: u32) -> Result<(), ParseError> {
        if self.at(0) == Some('}') {
            self.pos += 1;
            Ok(())
        } else {
            Err(ParseError::Eof { expecting: "}".into(), line })
        }
    }

    /// A word that may contain blanks, up to `end` (or the end of the text): the operand of
    /// `${x:-word}` and the inside of `$((…))`.
    fn operand(&mut self, end: Option<char>) -> Result<Word, ParseError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        while let Some(c) = self.at(0) {
            if Some(c) == end {
                break;
            }
            match c {
                '\\' => {
                    push_lit(&mut parts, &mut lit);
                    parts.push(Part::Quoted(self.at(1).map(String::from).unwrap_or_default()));
                    self.pos += 2;
                }
                '\'' if end.is_some() => {
                    push_lit(&mut parts, &mut lit);
                    parts.push(Part::Quoted(self.single_quoted()?));
                }
                '"' => {
                    push_lit(&mut parts, &mut lit);
                    parts.extend(self.double_quoted_word()?);
                }
                '$' | '`' => {
                    push_lit(&mut parts, &mut lit);
                    let part = self.dollar(false)?;
                    parts.push(part);
                }
                _ => {
                    lit.push(c);
                    self.pos += 1;
                }
            }
        }
        push_lit(&mut parts, &mut lit);
        Ok(parts)
    }
}

fn push_lit(parts: &mut Word, lit: &mut String) {
    if !lit.is_empty() {
        parts.push(Part::Lit(std::mem::take(lit)));
    }
}

/// The text of a word with its quoting removed and expansions left as written (for keywords,
/// here-document delimiters and error messages).
pub(crate) fn flatten(word: &Word) -> String {
    word.iter()
        .map(|part| match part {
            Part::Lit(s) | Part::Quoted(s) => s.clone(),
            Part::Param { name, .. } => format!("${name}"),
            Part::Length(name) => format!("${{#{name}}}"),
            Part::Command { script, .. } => format!("$({script})"),
            Part::Arith { expr, .. } => format!("$(({}))", flatten(expr)),
        })
        .collect()
}

pub(crate) fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `NAME=value` at the start of a word: the name, and the rest of the word as the value.
fn split_assignment(word: &Word) -> Option<(String, Word)> {
    let Some(Part::Lit(first)) = word.first() else { return None };
    let (name, rest) = first.split_once('=')?;
    if !is_name(name) {
        return None;
    }
    let mut value = Vec::new();
    if !rest.is_empty() {
        value.push(Part::Lit(rest.to_string()));
    }
    value.extend(word[1..].iter().cloned());
    Some((name.to_string(), value))
}
