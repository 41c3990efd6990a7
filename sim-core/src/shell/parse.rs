//! The lab shell's grammar, a small part of bash: words with quotes and escapes, comments,
//! pipelines, `;` `&&` `||`, `&` (background), redirections to workspace files, and here-documents.
//!
//! A script is read one entry at a time (an entry is what one line starts: a list of
//! pipelines, with its here-document bodies), so a syntax error costs only its own entry.

/// One complete input: what `kubelab run` echoes after `$ ` and then runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The entry's first line, as typed.
    pub first_line: String,
    pub list: Vec<(Connector, Pipeline)>,
    /// The scripts of the entry's command substitutions (`$(...)`), which its words name by
    /// index with [`SUBSTITUTION`] or [`QUOTED_SUBSTITUTION`] markers; they run when the
    /// command they are part of does.
    pub substitutions: Vec<String>,
}

/// Marks where an unquoted `$(...)` stands in a word: the marker, its index in
/// [`Entry::substitutions`] in decimal, and [`SUBSTITUTION_END`]. Its output is split into
/// words, as bash splits an unquoted substitution.
pub const SUBSTITUTION: char = '\u{E000}';
/// The same inside double quotes: the output stays one word.
pub const QUOTED_SUBSTITUTION: char = '\u{E002}';
pub const SUBSTITUTION_END: char = '\u{E001}';

/// How a pipeline follows the one before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connector {
    /// First in the entry, or after `;`.
    Always,
    /// After `&&`: only if the previous one succeeded.
    And,
    /// After `||`: only if the previous one failed.
    Or,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pipeline {
    pub commands: Vec<SimpleCommand>,
    /// Ended by `&`: a background job.
    pub background: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimpleCommand {
    pub words: Vec<String>,
    pub stdin: Option<Input>,
    pub stdout: Option<Redirect>,
    /// `2>&1`: stderr goes wherever stdout goes.
    pub stderr_to_stdout: bool,
    /// `2>/dev/null`.
    pub discard_stderr: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    HereDoc(String),
    /// `< FILE` from the workspace.
    File(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    pub path: String,
    pub append: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// The input stops in the middle of a command: an open quote or here-document, a trailing
    /// `|`. A console waits for more lines; a script reports it.
    Incomplete { first_line: String, message: String },
    /// The entry cannot be parsed; the message is bash's.
    Syntax { first_line: String, message: String },
}

/// Splits a whole script into entries, each parsed or refused on its own.
pub fn entries(script: &str) -> Vec<Result<Entry, ParseError>> {
    let mut parser = Parser {
        chars: script.chars().collect(),
        pos: 0,
        line: 1,
        heredocs: Vec::new(),
        substitutions: Vec::new(),
    };
    let mut out = Vec::new();
    while let Some(entry) = parser.next_entry() {
        out.push(entry);
    }
    out
}

/// Whether the console should run `input` now, or wait for more lines (an open here-document,
/// quote, or a trailing `|`, `&&`, `\`).
pub fn is_complete(input: &str) -> bool {
    !entries(input).iter().any(|e| matches!(e, Err(ParseError::Incomplete { .. })))
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    /// Here-documents of the current line whose bodies start after its newline.
    heredocs: Vec<PendingHereDoc>,
    /// The command substitutions of the entry being parsed.
    substitutions: Vec<String>,
}

struct PendingHereDoc {
    delimiter: String,
    strip_tabs: bool,
    /// A quoted delimiter (`<<'EOF'`) keeps the body exactly as written.
    quoted: bool,
    /// Which command gets the body: (pipeline index, command index).
    target: (usize, usize),
}

#[derive(Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Pipe,
    And,
    Or,
    Semicolon,
    /// `&`: the pipeline before it runs in the background.
    Background,
    Newline,
    Eof,
    /// `>` or `>>` with the file-descriptor number before it, if any.
    Out {
        fd: Option<u32>,
        append: bool,
    },
    In,
    HereDoc {
        strip_tabs: bool,
    },
}

type Fail = (bool, String);

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    /// The text of the line on which `start` lies.
    fn line_text(&self, start: usize) -> String {
        let end = self.chars[start..]
            .iter()
            .position(|&c| c == '\n')
            .map_or(self.chars.len(), |i| start + i);
        self.chars[start..end].iter().collect::<String>().trim().to_string()
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\r'))
            || (self.peek() == Some('\\') && self.peek_at(1) == Some('\n'))
        {
            if self.bump() == Some('\\') {
                self.bump();
            }
        }
    }

    fn skip_comment(&mut self) {
        while self.peek().is_some_and(|c| c != '\n') {
            self.bump();
        }
    }

    fn next_entry(&mut self) -> Option<Result<Entry, ParseError>> {
        // Blank lines and comment lines are not entries.
        loop {
            self.skip_blanks();
            match self.peek() {
                Some('\n') => {
                    self.bump();
                }
                Some('#') => self.skip_comment(),
                None => return None,
                Some(_) => break,
            }
        }
        let start = self.pos;
        let first_line = self.line_text(start);
        self.heredocs.clear();
        self.substitutions.clear();
        let mut bodies: Vec<((usize, usize), String)> = Vec::new();
        let result = self.parse_list(&mut bodies);
        Some(match result {
            Ok(mut list) => {
                for ((p, c), body) in bodies {
                    if let Some(command) =
                        list.get_mut(p).and_then(|(_, pl)| pl.commands.get_mut(c))
                    {
                        command.stdin = Some(Input::HereDoc(body));
                    }
                }
                let substitutions = std::mem::take(&mut self.substitutions);
                Ok(Entry { first_line, list, substitutions })
            }
            Err((incomplete, message)) => {
                if !incomplete {
                    // Resynchronise at the next line.
                    self.skip_comment();
                }
                if incomplete {
                    Err(ParseError::Incomplete { first_line, message })
                } else {
                    Err(ParseError::Syntax { first_line, message })
                }
            }
        })
    }

    fn parse_list(
        &mut self,
        bodies: &mut Vec<((usize, usize), String)>,
    ) -> Result<Vec<(Connector, Pipeline)>, Fail> {
        let mut list = Vec::new();
        let mut connector = Connector::Always;
        loop {
            let index = list.len();
            let (mut pipeline, end) = self.parse_pipeline(index, bodies)?;
            pipeline.background = end == Token::Background;
            list.push((connector, pipeline));
            connector = match end {
                Token::Newline | Token::Eof => return Ok(list),
                Token::Semicolon | Token::Background => {
                    self.skip_blanks();
                    if matches!(self.peek(), None | Some('\n' | '#')) {
                        if self.peek() == Some('#') {
                            self.skip_comment();
                        }
                        if self.peek() == Some('\n') {
                            self.bump();
                            self.read_heredoc_bodies(bodies)?;
                        }
                        return Ok(list);
                    }
                    Connector::Always
                }
                Token::And => Connector::And,
                Token::Or => Connector::Or,
                other => return Err(unexpected(&other)),
            };
            // After `&&` and `||` the list continues, on the next line if need be.
            self.skip_newlines(bodies)?;
            if self.peek().is_none() {
                return Err((true, "syntax error: unexpected end of file".to_string()));
            }
        }
    }

    fn skip_newlines(&mut self, bodies: &mut Vec<((usize, usize), String)>) -> Result<(), Fail> {
        loop {
            self.skip_blanks();
            match self.peek() {
                Some('\n') => {
                    self.bump();
                    self.read_heredoc_bodies(bodies)?;
                }
                Some('#') => self.skip_comment(),
                _ => return Ok(()),
            }
        }
    }

    /// A pipeline and the token that ended it.
    fn parse_pipeline(
        &mut self,
        index: usize,
        bodies: &mut Vec<((usize, usize), String)>,
    ) -> Result<(Pipeline, Token), Fail> {
        let mut pipeline = Pipeline::default();
        let mut command = SimpleCommand::default();
        loop {
            let token = self.next_token()?;
            match token {
                Token::Word(word) => command.words.push(word),
                Token::Out { fd, append } => {
                    self.skip_blanks();
                    // `>&1`-style targets name a file descriptor, not a file.
                    let duplicate = self.peek() == Some('&');
                    if duplicate {
                        self.bump();
                    }
                    let Token::Word(mut path) = self.next_token()? else {
                        return Err((
                            false,
                            "syntax error near unexpected token `newline'".to_string(),
                        ));
                    };
                    if duplicate {
                        path.insert(0, '&');
                    }
                    match (fd, path.as_str()) {
                        (Some(2), "&1") => command.stderr_to_stdout = true,
                        (Some(2), "/dev/null") => command.discard_stderr = true,
                        (Some(2), _) => {
                            return Err((
                                false,
                                "redirecting stderr to a file is not supported".to_string(),
                            ));
                        }
                        (_, target) if target.starts_with('&') => {
                            return Err((
                                false,
                                format!("redirecting to {target} is not supported"),
                            ));
                        }
                        (None | Some(1), _) => command.stdout = Some(Redirect { path, append }),
                        (Some(n), _) => return Err((false, format!("{n}: bad file descriptor"))),
                    }
                }
                Token::In => {
                    let Token::Word(path) = self.next_token()? else {
                        return Err((
                            false,
                            "syntax error near unexpected token `newline'".to_string(),
                        ));
                    };
                    command.stdin = Some(Input::File(path));
                }
                Token::HereDoc { strip_tabs } => {
                    self.skip_blanks();
                    let start = self.pos;
                    let Token::Word(delimiter) = self.next_token()? else {
                        return Err((
                            false,
                            "syntax error near unexpected token `newline'".to_string(),
                        ));
                    };
                    let quoted = self.raw_since(start).contains(['\'', '"', '\\']);
                    self.heredocs.push(PendingHereDoc {
                        delimiter,
                        strip_tabs,
                        quoted,
                        target: (index, pipeline.commands.len()),
                    });
                }
                Token::Pipe => {
                    if command.words.is_empty() {
                        return Err(unexpected(&Token::Pipe));
                    }
                    pipeline.commands.push(std::mem::take(&mut command));
                    self.skip_newlines(bodies)?;
                    if self.peek().is_none() {
                        return Err((true, "syntax error: unexpected end of file".to_string()));
                    }
                }
                end => {
                    if command.words.is_empty() {
                        return Err(unexpected(&end));
                    }
                    pipeline.commands.push(command);
                    if end == Token::Newline {
                        self.read_heredoc_bodies(bodies)?;
                    } else if end == Token::Eof && !self.heredocs.is_empty() {
                        let wanted = self.heredocs[0].delimiter.clone();
                        return Err((
                            true,
                            format!("here-document delimited by end-of-file (wanted `{wanted}')"),
                        ));
                    }
                    return Ok((pipeline, end));
                }
            }
        }
    }

    /// Reads the bodies of the here-documents opened on the line just ended.
    fn read_heredoc_bodies(
        &mut self,
        bodies: &mut Vec<((usize, usize), String)>,
    ) -> Result<(), Fail> {
        for pending in std::mem::take(&mut self.heredocs) {
            let mut body = String::new();
            loop {
                if self.peek().is_none() {
                    return Err((
                        true,
                        format!(
                            "here-document delimited by end-of-file (wanted `{}')",
                            pending.delimiter
                        ),
                    ));
                }
                let mut line = String::new();
                while let Some(c) = self.bump() {
                    if c == '\n' {
                        break;
                    }
                    line.push(c);
                }
                let line = if pending.strip_tabs {
                    line.trim_start_matches('\t').to_string()
                } else {
                    line
                };
                if line.trim_end_matches('\r') == pending.delimiter {
                    break;
                }
                body.push_str(&line);
                body.push('\n');
            }
            if !pending.quoted {
                body = unescape_heredoc(&body);
            }
            bodies.push((pending.target, body));
        }
        Ok(())
    }

    fn next_token(&mut self) -> Result<Token, Fail> {
        self.skip_blanks();
        let Some(c) = self.peek() else {
            return Ok(Token::Eof);
        };
        let two = (c, self.peek_at(1));
        let token = match two {
            ('\n', _) => Token::Newline,
            ('#', _) => {
                self.skip_comment();
                return self.next_token();
            }
            ('|', Some('|')) => Token::Or,
            ('|', _) => Token::Pipe,
            ('&', Some('&')) => Token::And,
            ('&', _) => Token::Background,
            (';', Some(';')) => {
                return Err((false, "syntax error near unexpected token `;;'".to_string()));
            }
            (';', _) => Token::Semicolon,
            ('>', Some('>')) => Token::Out { fd: None, append: true },
            ('>', _) => Token::Out { fd: None, append: false },
            ('<', Some('<')) if self.peek_at(2) == Some('-') => {
                self.pos += 3;
                return Ok(Token::HereDoc { strip_tabs: true });
            }
            ('<', Some('<')) if self.peek_at(2) == Some('<') => {
                return Err((false, "here-strings (<<<) are not supported".to_string()));
            }
            ('<', Some('<')) => Token::HereDoc { strip_tabs: false },
            ('<', _) => Token::In,
            ('(' | ')', _) => {
                return Err((false, format!("syntax error near unexpected token `{c}'")));
            }
            _ => return self.word(),
        };
        let width = match token {
            Token::Or | Token::And | Token::HereDoc { .. } | Token::Out { append: true, .. } => 2,
            _ => 1,
        };
        for _ in 0..width {
            self.bump();
        }
        Ok(token)
    }

    fn word(&mut self) -> Result<Token, Fail> {
        let mut word = String::new();
        let start = self.pos;
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' | '\n' | '|' | '&' | ';' | '<' | '(' | ')' => break,
                '>' => {
                    // `2>` and `2>>` name a file descriptor when the digits stand alone.
                    if !word.is_empty()
                        && self.pos > start
                        && word.chars().all(|d| d.is_ascii_digit())
                        && self.raw_since(start) == word
                    {
                        let fd = word.parse().ok();
                        let append = self.peek_at(1) == Some('>');
                        self.bump();
                        if append {
                            self.bump();
                        }
                        return Ok(Token::Out { fd, append });
                    }
                    break;
                }
                '\'' => {
                    self.bump();
                    loop {
                        match self.bump() {
                            Some('\'') => break,
                            Some(ch) => word.push(ch),
                            None => {
                                return Err((
                                    true,
                                    "unexpected EOF while looking for matching `''".to_string(),
                                ));
                            }
                        }
                    }
                }
                '"' => {
                    self.bump();
                    loop {
                        match self.bump() {
                            Some('"') => break,
                            Some('\\') => match self.bump() {
                                Some('\n') => {}
                                Some(ch @ ('"' | '\\' | '$' | '`')) => word.push(ch),
                                Some(ch) => {
                                    word.push('\\');
                                    word.push(ch);
                                }
                                None => {
                                    return Err((
                                        true,
                                        "unexpected EOF while looking for matching `\"'"
                                            .to_string(),
                                    ));
                                }
                            },
                            Some('$') if self.peek() == Some('(') => {
                                self.bump();
                                let index = self.substitution()?;
                                word.push(QUOTED_SUBSTITUTION);
                                word.push_str(&index.to_string());
                                word.push(SUBSTITUTION_END);
                            }
                            Some('$' | '`') => return Err(unsupported_expansion()),
                            Some(ch) => word.push(ch),
                            None => {
                                return Err((
                                    true,
                                    "unexpected EOF while looking for matching `\"'".to_string(),
                                ));
                            }
                        }
                    }
                }
                '\\' => {
                    self.bump();
                    match self.bump() {
                        Some('\n') => {}
                        Some(ch) => word.push(ch),
                        None => {
                            return Err((true, "unexpected end of file after `\\'".to_string()));
                        }
                    }
                }
                '$' | '`' => {
                    // A lone `$` (as in `echo $`) is literal in bash too.
                    let next = self.peek_at(1);
                    if c == '$'
                        && next
                            .is_none_or(|n| !(n.is_ascii_alphanumeric() || "_({?#@*!-".contains(n)))
                    {
                        self.bump();
                        word.push('$');
                    } else if c == '$' && next == Some('(') {
                        self.bump();
                        self.bump();
                        let index = self.substitution()?;
                        word.push(SUBSTITUTION);
                        word.push_str(&index.to_string());
                        word.push(SUBSTITUTION_END);
                    } else {
                        return Err(unsupported_expansion());
                    }
                }
                _ => {
                    self.bump();
                    word.push(c);
                }
            }
        }
        Ok(Token::Word(word))
    }

    /// Reads a command substitution's script, just after its `$(`, up to the matching `)`
    /// (quotes and nested parentheses included); returns its index in the entry.
    fn substitution(&mut self) -> Result<usize, Fail> {
        let mut script = String::new();
        let mut depth = 1;
        let eof = || (true, "unexpected EOF while looking for matching `)'".to_string());
        loop {
            let c = self.bump().ok_or_else(eof)?;
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                '\'' | '"' => {
                    script.push(c);
                    loop {
                        let inner = self.bump().ok_or_else(eof)?;
                        script.push(inner);
                        if inner == '\\' && c == '"' {
                            script.extend(self.bump());
                        } else if inner == c {
                            break;
                        }
                    }
                    continue;
                }
                '\\' => {
                    script.push(c);
                    script.extend(self.bump());
                    continue;
                }
                _ => {}
            }
            script.push(c);
        }
        self.substitutions.push(script);
        Ok(self.substitutions.len() - 1)
    }

    fn raw_since(&self, start: usize) -> String {
        self.chars[start..self.pos].iter().collect()
    }
}

/// What bash does to the body of a here-document whose delimiter is not quoted: `\$`, `` \` ``
/// and `\\` stand for the character, a backslash before a newline joins the lines, and any
/// other backslash stays.
fn unescape_heredoc(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some('$' | '`' | '\\')) => out.extend(chars.next()),
            ('\\', Some('\n')) => {
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

fn unsupported_expansion() -> Fail {
    (false, "variables ($VAR) and backquotes (`...`) are not supported yet (use $(...) for command substitution)".to_string())
}

fn unexpected(token: &Token) -> Fail {
    let text = match token {
        Token::Pipe => "|",
        Token::And => "&&",
        Token::Or => "||",
        Token::Semicolon => ";",
        Token::Background => "&",
        Token::Newline | Token::Eof => "newline",
        Token::Out { append: true, .. } => ">>",
        Token::Out { append: false, .. } => ">",
        Token::In => "<",
        Token::HereDoc { .. } => "<<",
        Token::Word(_) => "word",
    };
    (false, format!("syntax error near unexpected token `{text}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(script: &str) -> Vec<Vec<String>> {
        entries(script)
            .into_iter()
            .map(|e| e.expect("parses"))
            .flat_map(|e| {
                e.list.into_iter().flat_map(|(_, p)| p.commands.into_iter().map(|c| c.words))
            })
            .collect()
    }

    #[test]
    fn quotes_escapes_and_comments() {
        assert_eq!(
            words_of(
                "kubectl run web --image='nginx' --env \"A=b c\" # trailing comment\n# a comment line\n\necho a\\ b"
            ),
            vec![
                vec!["kubectl", "run", "web", "--image=nginx", "--env", "A=b c"],
                vec!["echo", "a b"],
            ]
        );
    }

    #[test]
    fn here_documents_feed_their_command() {
        let script = "kubectl apply -f - <<EOF\napiVersion: v1\nkind: Pod\nEOF\nkubectl get pods\n";
        let parsed = entries(script);
        assert_eq!(parsed.len(), 2);
        let first = parsed[0].as_ref().unwrap();
        assert_eq!(first.first_line, "kubectl apply -f - <<EOF");
        assert_eq!(
            first.list[0].1.commands[0].stdin,
            Some(Input::HereDoc("apiVersion: v1\nkind: Pod\n".into()))
        );
        assert_eq!(parsed[1].as_ref().unwrap().first_line, "kubectl get pods");
    }

    #[test]
    fn unquoted_heredocs_take_bash_escapes_and_quoted_ones_do_not() {
        let body = |script: &str| match &entries(script)[0] {
            Ok(entry) => entry.list[0].1.commands[0].stdin.clone(),
            Err(error) => panic!("{error:?}"),
        };
        let text = "a: \"\\$(x) \\\\ \\n\"\nb: c\\\nd\n";
        assert_eq!(
            body(&format!("cat <<EOF\n{text}EOF")),
            Some(Input::HereDoc("a: \"$(x) \\ \\n\"\nb: cd\n".into()))
        );
        assert_eq!(body(&format!("cat <<'EOF'\n{text}EOF")), Some(Input::HereDoc(text.into())));
    }

    #[test]
    fn cat_heredoc_into_a_pipe() {
        let parsed = entries("cat <<'EOF' | kubectl apply -f -\nx: 1\nEOF\n");
        let entry = parsed[0].as_ref().unwrap();
        let pipeline = &entry.list[0].1;
        assert_eq!(pipeline.commands.len(), 2);
        assert_eq!(pipeline.commands[0].stdin, Some(Input::HereDoc("x: 1\n".into())));
        assert_eq!(pipeline.commands[1].words, vec!["kubectl", "apply", "-f", "-"]);
    }

    #[test]
    fn lists_redirections_and_continuations() {
        let parsed = entries(
            "kubectl get pods && echo ok || echo no; ls > files.txt\nkubectl run a \\\n  --image=nginx 2>&1\n",
        );
        let first = parsed[0].as_ref().unwrap();
        let connectors: Vec<Connector> = first.list.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            connectors,
            vec![Connector::Always, Connector::And, Connector::Or, Connector::Always]
        );
        assert_eq!(
            first.list[3].1.commands[0].stdout,
            Some(Redirect { path: "files.txt".into(), append: false })
        );
        let second = parsed[1].as_ref().unwrap();
        assert_eq!(second.first_line, "kubectl run a \\");
        assert_eq!(
            second.list[0].1.commands[0].words,
            vec!["kubectl", "run", "a", "--image=nginx"]
        );
        assert!(second.list[0].1.commands[0].stderr_to_stdout);
    }

    #[test]
    fn ampersand_puts_a_pipeline_in_the_background() {
        let parsed =
            entries("kubectl port-forward pod/web 8080:80 & curl localhost:8080\nsleep 1 &\n");
        let first = parsed[0].as_ref().unwrap();
        let background: Vec<bool> = first.list.iter().map(|(_, p)| p.background).collect();
        assert_eq!(background, vec![true, false]);
        assert_eq!(first.list[1].0, Connector::Always);
        assert!(parsed[1].as_ref().unwrap().list[0].1.background);
        assert!(entries("sleep 1 & && ls\n")[0].is_err());
    }

    #[test]
    fn incomplete_input_is_recognised() {
        assert!(!is_complete("cat <<EOF\nabc\n"));
        assert!(!is_complete("echo 'open"));
        assert!(!is_complete("kubectl get pods |"));
        assert!(!is_complete("kubectl get pods &&"));
        assert!(!is_complete("kubectl run a \\"));
        assert!(is_complete("cat <<EOF\nabc\nEOF"));
        assert!(is_complete("kubectl get pods"));
        assert!(is_complete(""));
    }

    #[test]
    fn a_syntax_error_costs_only_its_line() {
        let parsed = entries("| oops\nkubectl get pods\n");
        assert_eq!(
            parsed[0],
            Err(ParseError::Syntax {
                first_line: "| oops".into(),
                message: "syntax error near unexpected token `|'".into()
            })
        );
        assert!(parsed[1].is_ok());
    }

    #[test]
    fn expansions_are_refused_plainly() {
        assert!(matches!(&entries("echo $HOME")[0], Err(ParseError::Syntax { .. })));
        assert_eq!(words_of("echo $"), vec![vec!["echo", "$"]]);
    }

    #[test]
    fn command_substitutions_are_kept_for_run_time() {
        let parsed = entries("k create x --v=$(head -c 5 f | tr -cd 'a-z)' ) \"$(echo (a))\"");
        let entry = parsed[0].as_ref().unwrap();
        assert_eq!(entry.substitutions, ["head -c 5 f | tr -cd 'a-z)' ", "echo (a)"]);
        let words = &entry.list[0].1.commands[0].words;
        assert_eq!(words[3], format!("--v={SUBSTITUTION}0{SUBSTITUTION_END}"));
        assert_eq!(words[4], format!("{QUOTED_SUBSTITUTION}1{SUBSTITUTION_END}"));
        assert!(matches!(&entries("echo $(date")[0], Err(ParseError::Incomplete { .. })));
    }
}
