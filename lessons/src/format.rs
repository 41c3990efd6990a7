//! The lesson format (version 1, documented in `content/README.md`): a `lesson.md` with a YAML
//! front matter, an introduction, and `## ` steps whose ```` ```check ````, ```` ```hint ```` and
//! ```` ```solution ```` blocks are taken out of the step's prose.

use crate::check::Check;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The format version this engine reads; a lesson declaring another is refused.
pub const FORMAT: u32 = 1;

/// A lesson, parsed and validated.
#[derive(Clone, Debug)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// The seed of the lesson's simulation: same seed, same cluster, same outputs.
    pub seed: u64,
    /// Lab shell commands run before the learner starts (their output is not shown).
    pub setup: String,
    /// The files the lab shell's workspace starts with, by name.
    pub files: BTreeMap<String, String>,
    /// Markdown before the first step.
    pub intro: String,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug)]
pub struct Step {
    pub title: String,
    /// The step's Markdown, without its check, hint and solution blocks.
    pub text: String,
    pub check: Check,
    /// Markdown shown on request.
    pub hint: String,
    /// Lab shell commands that complete the step.
    pub solution: String,
}

/// The front matter as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    format: u32,
    id: String,
    title: String,
    summary: String,
    #[serde(default = "default_cluster")]
    cluster: String,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default)]
    setup: String,
    #[serde(default)]
    files: Vec<String>,
}

fn default_cluster() -> String {
    "default".into()
}

fn default_seed() -> u64 {
    1
}

impl Lesson {
    /// Parses `lesson.md`; `files` holds the other files of the lesson's folder by name (the
    /// ones the front matter lists become the workspace). Errors name the line they are about.
    pub fn parse(text: &str, files: &BTreeMap<String, String>) -> Result<Lesson, String> {
        let text = text.replace("\r\n", "\n");
        let Some(rest) = text.strip_prefix("---\n") else {
            return Err("line 1: a lesson starts with a `---` line opening its front matter".into());
        };
        let Some(end) = rest.find("\n---\n") else {
            return Err("the front matter has no closing `---` line".into());
        };
        // YAML to a JSON value, then the value to the type: the page already carries both
        // steps' code, and a YAML decoder for this type would add its own.
        let front: serde_json::Value =
            serde_yaml::from_str(&rest[..end]).map_err(|error| format!("front matter: {error}"))?;
        let front =
            FrontMatter::deserialize(&front).map_err(|error| format!("front matter: {error}"))?;
        if front.format != FORMAT {
            return Err(format!(
                "front matter: format {} is not supported (this kubelab reads format {FORMAT})",
                front.format
            ));
        }
        if front.id.is_empty()
            || !front.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(format!(
                "front matter: id {:?} must be lower-case letters, digits and '-'",
                front.id
            ));
        }
        if front.cluster != "default" {
            return Err(format!(
                "front matter: unknown cluster {:?} (format 1 knows \"default\")",
                front.cluster
            ));
        }
        let mut workspace = BTreeMap::new();
        for name in &front.files {
            let content = files.get(name).ok_or_else(|| {
                format!("front matter: file {name:?} is not in the lesson's folder")
            })?;
            workspace.insert(name.clone(), content.clone());
        }
        // Lines are counted from the start of the file for error messages.
        let body_start_line = text[..4 + end + 5].lines().count() + 1;
        let body = &rest[end + 5..];
        let (intro, steps) = split_steps(body, body_start_line)?;
        if steps.is_empty() {
            return Err("a lesson needs at least one `## ` step".into());
        }
        Ok(Lesson {
            id: front.id,
            title: front.title,
            summary: front.summary,
            seed: front.seed,
            setup: front.setup,
            files: workspace,
            intro,
            steps,
        })
    }
}

/// A fenced block being read: its info string, its text and the line it opened on.
struct Fence {
    info: String,
    marker: String,
    text: String,
    line: usize,
}

/// A step as read: its heading's line, title, prose, and special blocks by kind.
struct RawStep {
    line: usize,
    title: String,
    text: String,
    blocks: BTreeMap<&'static str, (usize, String)>,
}

/// Splits the body at `## ` headings outside code blocks and takes each step's special blocks.
fn split_steps(body: &str, first_line: usize) -> Result<(String, Vec<Step>), String> {
    let mut intro = String::new();
    let mut steps: Vec<RawStep> = Vec::new();
    let mut fence: Option<Fence> = None;
    for (index, line) in body.lines().enumerate() {
        let number = first_line + index;
        if let Some(open) = &mut fence {
            if line.trim_start().starts_with(&open.marker)
                && line.trim().trim_start_matches(open.marker.as_str()).is_empty()
            {
                let open = fence.take().expect("open fence");
                let special = match open.info.as_str() {
                    "check" => Some("check"),
                    "hint" => Some("hint"),
                    "solution" => Some("solution"),
                    _ => None,
                };
                match (special, steps.last_mut()) {
                    (Some(kind), Some(step)) => {
                        if step.blocks.insert(kind, (open.line, open.text)).is_some() {
                            return Err(format!("line {}: a second ```{kind} block", open.line));
                        }
                    }
                    (Some(kind), None) => {
                        return Err(format!(
                            "line {}: a ```{kind} block before the first `## ` step",
                            open.line
                        ));
                    }
                    (None, _) => {
                        let target = steps.last_mut().map_or(&mut intro, |s| &mut s.text);
                        target.push_str(&format!(
                            "{}{}\n{}{}\n",
                            open.marker, open.info, open.text, open.marker
                        ));
                    }
                }
            } else {
                open.text.push_str(line);
                open.text.push('\n');
            }
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let marker_char = trimmed.chars().next().unwrap_or('`');
            let marker: String = trimmed.chars().take_while(|&c| c == marker_char).collect();
            let info = trimmed[marker.len()..].trim().to_string();
            fence = Some(Fence { info, marker, text: String::new(), line: number });
            continue;
        }
        if let Some(title) = line.strip_prefix("## ") {
            steps.push(RawStep {
                line: number,
                title: title.trim().to_string(),
                text: String::new(),
                blocks: BTreeMap::new(),
            });
            continue;
        }
        let target = steps.last_mut().map_or(&mut intro, |s| &mut s.text);
        target.push_str(line);
        target.push('\n');
    }
    if let Some(open) = fence {
        return Err(format!("line {}: this code block is never closed", open.line));
    }
    let steps = steps
        .into_iter()
        .map(|RawStep { line, title, text, mut blocks }| {
            let mut take = |kind: &str| {
                blocks
                    .remove(kind)
                    .ok_or_else(|| format!("line {line}: step {title:?} has no ```{kind} block"))
            };
            let (check_line, check) = take("check")?;
            let (_, hint) = take("hint")?;
            let (_, solution) = take("solution")?;
            let check = Check::parse(&check)
                .map_err(|error| format!("line {check_line}: step {title:?}: {error}"))?;
            Ok(Step { title, text: text.trim().to_string(), check, hint, solution })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok((intro.trim().to_string(), steps))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LESSON: &str = "---
format: 1
id: first-pod
title: Your first pod
summary: Run a pod.
setup: |
  kubectl create namespace demo
files: [web.yaml]
---
Welcome.

## Run a pod

Run **nginx**:

```yaml
## not a step
```

```check
- object: pod/web
  exists: true
```

```hint
Use `kubectl run`.
```

```solution
kubectl run web --image=nginx
```
";

    fn files() -> BTreeMap<String, String> {
        BTreeMap::from([("web.yaml".to_string(), "kind: Pod\n".to_string())])
    }

    #[test]
    fn a_lesson_is_its_front_matter_intro_and_steps() {
        let lesson = Lesson::parse(LESSON, &files()).unwrap();
        assert_eq!(lesson.id, "first-pod");
        assert_eq!(lesson.setup, "kubectl create namespace demo\n");
        assert_eq!(lesson.files["web.yaml"], "kind: Pod\n");
        assert_eq!(lesson.intro, "Welcome.");
        assert_eq!(lesson.steps.len(), 1);
        let step = &lesson.steps[0];
        assert_eq!(step.title, "Run a pod");
        assert_eq!(step.text, "Run **nginx**:\n\n```yaml\n## not a step\n```");
        assert_eq!(step.hint, "Use `kubectl run`.\n");
        assert_eq!(step.solution, "kubectl run web --image=nginx\n");
    }

    #[test]
    fn errors_name_what_is_wrong_and_where() {
        let missing_hint = LESSON.replace("```hint\nUse `kubectl run`.\n```\n", "");
        assert_eq!(
            Lesson::parse(&missing_hint, &files()).unwrap_err(),
            "line 12: step \"Run a pod\" has no ```hint block"
        );
        let other_format = LESSON.replace("format: 1", "format: 2");
        assert!(Lesson::parse(&other_format, &files()).unwrap_err().contains("format 2"));
        assert!(Lesson::parse(LESSON, &BTreeMap::new()).unwrap_err().contains("web.yaml"));
        let bad_check = LESSON.replace("  exists: true", "  exits: true");
        assert!(Lesson::parse(&bad_check, &files()).unwrap_err().starts_with("line 20: "));
        let unclosed = LESSON.trim_end().trim_end_matches("```");
        assert!(Lesson::parse(unclosed, &files()).unwrap_err().contains("never closed"));
    }
}
