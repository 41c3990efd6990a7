//! Word expansion at run time: each `$(...)` runs its script in this same shell and is
//! replaced by what it printed (trailing newlines removed; split into words when unquoted),
//! and `NAME=value` words before a command name set its environment — which the lab's
//! commands do not read, so they are dropped.

use super::parse::{self, QUOTED_SUBSTITUTION, SUBSTITUTION, SUBSTITUTION_END};
use super::{Output, Shell};
use crate::Simulation;

impl Shell {
    /// The words of a command as it runs; a substitution's errors go to `terminal`.
    pub(super) fn expand_words(
        &mut self,
        sim: &mut Simulation,
        words: &[String],
        substitutions: &[String],
        terminal: &mut Output,
    ) -> Vec<String> {
        let mut expanded: Vec<String> = Vec::new();
        for word in words {
            if !word.contains([SUBSTITUTION, QUOTED_SUBSTITUTION]) {
                expanded.push(word.clone());
                continue;
            }
            // Fields of this word: an unquoted substitution's output may split it.
            let mut fields: Vec<String> = Vec::new();
            let mut current = String::new();
            let mut chars = word.chars();
            while let Some(c) = chars.next() {
                if c != SUBSTITUTION && c != QUOTED_SUBSTITUTION {
                    current.push(c);
                    continue;
                }
                let index: String = chars.by_ref().take_while(|&d| d != SUBSTITUTION_END).collect();
                let script = index.parse::<usize>().ok().and_then(|i| substitutions.get(i));
                let output = script.map(|s| self.substitute(sim, s, terminal)).unwrap_or_default();
                if c == QUOTED_SUBSTITUTION {
                    current.push_str(&output);
                    continue;
                }
                // Unquoted: whitespace in the output separates words.
                let mut parts = output.split_whitespace().peekable();
                if output.starts_with(char::is_whitespace) && !current.is_empty() {
                    fields.push(std::mem::take(&mut current));
                }
                while let Some(part) = parts.next() {
                    current.push_str(part);
                    if parts.peek().is_some() {
                        fields.push(std::mem::take(&mut current));
                    }
                }
                if output.ends_with(char::is_whitespace) && !current.is_empty() {
                    fields.push(std::mem::take(&mut current));
                }
            }
            // An unquoted substitution that printed nothing leaves no word behind.
            if !current.is_empty() || (fields.is_empty() && word.contains(QUOTED_SUBSTITUTION)) {
                fields.push(current);
            }
            expanded.extend(fields);
        }
        // `LC_CTYPE=C tr ...`: the assignments before the command name.
        let assignments = expanded.iter().take_while(|w| is_assignment(w)).count();
        if assignments < expanded.len() {
            expanded.drain(..assignments);
        }
        expanded
    }

    /// Runs a substitution's script; returns its standard output without trailing newlines.
    fn substitute(&mut self, sim: &mut Simulation, script: &str, terminal: &mut Output) -> String {
        let mut stdout = String::new();
        for entry in parse::entries(script) {
            let ran = self.run_entry(sim, entry);
            stdout.push_str(&ran.output.stdout());
            terminal.err(ran.output.stderr());
        }
        stdout.trim_end_matches('\n').to_string()
    }
}

/// `NAME=value` with a valid variable name.
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}
