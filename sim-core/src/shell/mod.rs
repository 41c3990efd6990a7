//! The lab shell: the little bash the console and `kubelab run` speak. It runs `kubectl`,
//! `sleep` (which advances virtual time), and a few file commands on the lesson's workspace.

mod builtins;
mod complete;
mod expand;
mod jobs;
mod node;
mod output;
mod parse;
pub(crate) mod text;

pub use complete::{Completion, complete};
pub use node::NodeSession;
pub use output::{Output, Stream};
pub use parse::{Entry, ParseError, is_complete};

use crate::Simulation;
use crate::kubectl::{EditSession, ExecSession, Watch};
use parse::{Connector, Input, Pipeline};
use std::collections::BTreeMap;

/// A shell session: the workspace files it can read and write. The cluster is passed in, so
/// the same shell language drives a page, a script or a test.
#[derive(Clone, Debug, Default)]
pub struct Shell {
    /// The lesson's manifests and files saved from the editor or with `>`, by name.
    pub files: BTreeMap<String, String>,
    /// kubectl's kubeconfig: which namespace commands use when `-n` is not given.
    pub kubeconfig: crate::kubectl::KubeConfig,
    /// The API schema for `kubectl explain` (the page loads it after start-up).
    pub schema: Option<std::sync::Arc<crate::kubectl::Schema>>,
    /// The `kubectl get -w` left running by the last command.
    pub watch: Option<Watch>,
    /// The object `kubectl edit` opened, until the editor saves or cancels it.
    pub edit: Option<EditSession>,
    /// The shell in a container `kubectl exec -it POD -- sh` opened: while it is open, input
    /// lines go to it.
    pub exec: Option<ExecSession>,
    /// The shell on a node `ssh NODE` opened: while it is open, commands run on that node.
    pub node: Option<NodeSession>,
    /// Commands left running in the background with `&` (`kubectl port-forward`).
    pub jobs: jobs::Jobs,
    /// Whether a person is at this shell (the page's console): it polls a running watch and
    /// has an editor for `kubectl edit`. If not, a watch ends with its command, with a hint
    /// about `timeout`, and `kubectl edit` says it has no editor.
    pub interactive: bool,
}

/// Said when a script starts a watch no one will poll.
const WATCH_IN_SCRIPT: &str = "kubelab: a script cannot watch or follow forever; `timeout 30s kubectl get pods -w` (or `timeout 30s kubectl logs -f POD`) watches for 30s of cluster time";

/// Said when a script starts a port-forward in the foreground.
const PORT_FORWARD_IN_SCRIPT: &str = "kubelab: a script cannot wait for a port-forward to be stopped; run it in the background (`kubectl port-forward svc/web 8080:80 &`, then `curl localhost:8080`) or under `timeout 30s`";

/// What one entry printed, and the line to echo for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ran {
    pub first_line: String,
    /// The prompt the line was typed at.
    pub prompt: String,
    pub output: Output,
    /// The exit status of the last pipeline that ran.
    pub status: i32,
    /// `clear` was run: a console empties its screen.
    pub clear: bool,
}

impl Shell {
    pub fn new() -> Self {
        Shell::default()
    }

    /// Runs every entry of `script` in order; errors do not stop it. Unfinished input at the
    /// end (an open here-document) is reported like bash reports it.
    pub fn run_script(&mut self, sim: &mut Simulation, script: &str) -> Vec<Ran> {
        if let Some(mut session) = self.exec.take() {
            let mut ran = Vec::new();
            for line in script.lines() {
                let prompt = session.prompt();
                let (output, ended) = session.run(sim, line);
                ran.push(Ran {
                    first_line: line.to_string(),
                    prompt,
                    output,
                    status: 0,
                    clear: false,
                });
                if ended {
                    return ran;
                }
            }
            self.exec = Some(session);
            return ran;
        }
        parse::entries(script).into_iter().map(|entry| self.run_entry(sim, entry)).collect()
    }

    /// What the console shows before the input: the lab shell's `$ `, or the prompt of a
    /// container's or a node's shell while one is open.
    pub fn prompt(&self) -> String {
        if let Some(exec) = &self.exec {
            return exec.prompt();
        }
        self.node.as_ref().map_or_else(|| "$ ".to_string(), NodeSession::prompt)
    }

    /// `kubelab run`'s transcript: each entry's first line after its prompt (`$ `, or a node's
    /// `root@node01:~# `), then its output. An echo line always starts a line of its own, even
    /// after output without a final newline (`-o jsonpath` prints none).
    pub fn transcript(&mut self, sim: &mut Simulation, script: &str) -> String {
        let mut text = String::new();
        for ran in self.run_script(sim, script) {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&format!("{}{}\n", ran.prompt, ran.first_line));
            text.push_str(&ran.output.combined());
        }
        text
    }

    fn run_entry(&mut self, sim: &mut Simulation, entry: Result<Entry, ParseError>) -> Ran {
        let prompt = self.prompt();
        let entry = match entry {
            Ok(entry) => entry,
            Err(
                ParseError::Incomplete { first_line, message }
                | ParseError::Syntax { first_line, message },
            ) => {
                let mut output = Output::default();
                output.err_line(format!("kubelab: {message}"));
                return Ran { first_line, prompt, output, status: 2, clear: false };
            }
        };
        // A new command ends the watch of the one before, as Ctrl+C would have.
        self.watch = None;
        let mut output = Output::default();
        let mut status = 0;
        let mut clear = false;
        for (connector, pipeline) in &entry.list {
            let runs = match connector {
                Connector::Always => true,
                Connector::And => status == 0,
                Connector::Or => status != 0,
            };
            if runs && pipeline.background {
                output.err_line(self.jobs.announce());
                let result = self.run_pipeline(sim, pipeline, &entry.substitutions);
                clear |= result.clear;
                output.extend(result.output);
                let command = command_text(pipeline);
                output.err(self.jobs.keep(command, self.watch.take(), result.status));
                status = 0;
            } else if runs {
                let result = self.run_pipeline(sim, pipeline, &entry.substitutions);
                status = result.status;
                clear |= result.clear;
                output.extend(result.output);
            }
        }
        // Before the next prompt, bash reports the background jobs that ended.
        output.err(self.jobs.reap(sim));
        if !self.interactive
            && let Some(watch) = self.watch.take()
        {
            output.err_line(if watch.is_port_forward() {
                PORT_FORWARD_IN_SCRIPT
            } else {
                WATCH_IN_SCRIPT
            });
        }
        Ran { first_line: entry.first_line, prompt, output, status, clear }
    }

    /// A file `<` reads: the workspace's, or on a node the node's.
    fn read_file(&self, sim: &Simulation, path: &str) -> Option<String> {
        match &self.node {
            Some(session) => {
                let machine = sim.machine(session.node())?;
                machine.file(&session.path(path)).map(|f| f.content.clone())
            }
            None => self.files.get(path).cloned(),
        }
    }

    /// Where `>` and `>>` write: the workspace, or on a node the node's files (a manifest
    /// written there is a static pod the kubelet picks up).
    fn write_file(
        &mut self,
        sim: &mut Simulation,
        path: &str,
        text: &str,
        append: bool,
    ) -> Result<(), String> {
        let Some(session) = &self.node else {
            let file = self.files.entry(path.to_string()).or_default();
            if !append {
                file.clear();
            }
            file.push_str(text);
            return Ok(());
        };
        let full = session.path(path);
        let written =
            sim.on_machine(session.node(), |machine, now| machine.write(&full, text, append, now));
        match written {
            Some(Ok(())) => Ok(()),
            Some(Err(problem)) => Err(format!("-bash: {path}: {problem}")),
            None => Err(format!("-bash: {path}: No such file or directory")),
        }
    }

    fn run_pipeline(
        &mut self,
        sim: &mut Simulation,
        pipeline: &Pipeline,
        substitutions: &[String],
    ) -> builtins::Result {
        let mut terminal = Output::default();
        let mut stdin = String::new();
        let mut last = builtins::Result::default();
        let count = pipeline.commands.len();
        for (index, command) in pipeline.commands.iter().enumerate() {
            let input = match &command.stdin {
                Some(Input::HereDoc(body)) => body.clone(),
                Some(Input::File(path)) => match self.read_file(sim, path) {
                    Some(content) => content,
                    None => {
                        let shell = if self.node.is_some() { "-bash" } else { "kubelab" };
                        terminal.err_line(format!("{shell}: {path}: No such file or directory"));
                        last = builtins::Result { status: 1, ..Default::default() };
                        stdin.clear();
                        continue;
                    }
                },
                None => std::mem::take(&mut stdin),
            };
            let words = self.expand_words(sim, &command.words, substitutions, &mut terminal);
            let mut result = if self.node.is_some() {
                node::run(self, sim, &words, &input)
            } else {
                builtins::run(self, sim, &words, &input)
            };
            // What background jobs printed meanwhile goes to the terminal, not the pipe.
            let jobs_said = self.jobs.take_output();
            if !jobs_said.is_empty() {
                terminal.out(jobs_said);
            }
            if command.stderr_to_stdout {
                let merged = result.output.combined();
                result.output = Output::default();
                result.output.out(merged);
            } else if command.discard_stderr {
                let kept = result.output.stdout();
                result.output = Output::default();
                result.output.out(kept);
            }
            let is_last = index + 1 == count;
            if let Some(redirect) = &command.stdout {
                let written = result.output.stdout();
                if redirect.path != "/dev/null"
                    && let Err(problem) =
                        self.write_file(sim, &redirect.path, &written, redirect.append)
                {
                    terminal.err_line(problem);
                }
                terminal.err(result.output.stderr());
            } else if is_last {
                terminal.extend(std::mem::take(&mut result.output));
            } else {
                stdin = result.output.stdout();
                terminal.err(result.output.stderr());
            }
            last = builtins::Result { output: Output::default(), ..result };
        }
        last.output = terminal;
        last
    }
}

/// A background pipeline as bash shows it in job notices (its words, quotes dropped).
fn command_text(pipeline: &Pipeline) -> String {
    pipeline.commands.iter().map(|c| c.words.join(" ")).collect::<Vec<_>>().join(" | ")
}
