//! kubelab's lessons: the lesson format (`format.rs`), declarative checks (`check.rs`), the
//! history recorder (`recorder.rs`), running a lesson and verifying its solutions
//! (`runner.rs`), the Markdown subset lessons are written in (`markdown.rs`), and the lessons
//! of `content/lessons/`, built in. Pure Rust over sim-core: no web, no clock.

pub mod check;
pub mod format;
pub mod markdown;
pub mod recorder;
pub mod runner;

pub use check::Check;
pub use format::{Lesson, Step};
pub use recorder::Recorder;
pub use runner::LessonRun;

use std::collections::BTreeMap;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// A lesson folder as found: its name, and the lesson or why it could not be read.
pub type Loaded = (String, Result<Lesson, String>);

/// Parses one folder's files (`lesson.md` and the workspace files beside it); the folder's
/// name must be the lesson's id.
pub fn load(folder: &str, files: &BTreeMap<String, String>) -> Result<Lesson, String> {
    let text = files.get("lesson.md").ok_or("the folder has no lesson.md")?;
    let lesson = Lesson::parse(text, files)?;
    if lesson.id != folder {
        return Err(format!("the lesson's id {:?} is not its folder's name", lesson.id));
    }
    Ok(lesson)
}

/// Reads every lesson folder of `dir` (`content/lessons/`), in `lessons.txt`'s order, then
/// any folder it does not list (reported as a problem).
pub fn load_dir(dir: &std::path::Path) -> Result<Vec<Loaded>, String> {
    let mut folders = Vec::new();
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let mut files = BTreeMap::new();
        for file in
            std::fs::read_dir(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?
        {
            let file = file.map_err(|e| e.to_string())?.path();
            if file.is_file() {
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                files.insert(
                    file.file_name().unwrap_or_default().to_string_lossy().into_owned(),
                    text,
                );
            }
        }
        folders.push((entry.file_name().to_string_lossy().into_owned(), files));
    }
    let order = std::fs::read_to_string(dir.join("lessons.txt")).unwrap_or_default();
    Ok(in_order(&order, folders))
}

/// The lessons built into this crate from `content/lessons/`, in order.
pub fn builtin() -> Vec<Loaded> {
    let folders = embedded::FOLDERS
        .iter()
        .map(|(name, files)| {
            let files = files.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
            (name.to_string(), files)
        })
        .collect();
    in_order(embedded::ORDER, folders)
}

fn in_order(order: &str, mut folders: Vec<(String, BTreeMap<String, String>)>) -> Vec<Loaded> {
    sim_core::sort::sort_by(&mut folders, |a, b| a.0.cmp(&b.0));
    let listed: Vec<&str> =
        order.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    let mut loaded = Vec::new();
    for id in &listed {
        match folders.iter().position(|(name, _)| name == id) {
            Some(at) => {
                let (name, files) = folders.remove(at);
                let lesson = load(&name, &files);
                loaded.push((name, lesson));
            }
            None => loaded.push((
                id.to_string(),
                Err("lessons.txt lists it, but there is no such folder".into()),
            )),
        }
    }
    for (name, files) in folders {
        let lesson =
            load(&name, &files).and(Err("the folder is not listed in lessons.txt".to_string()));
        loaded.push((name, lesson));
    }
    loaded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_lessons_parse_in_their_listed_order() {
        let loaded = builtin();
        let ids: Vec<&str> = loaded.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["architecture", "pod-lifecycle", "probes", "deployments", "scheduling"]);
        for (id, lesson) in &loaded {
            assert!(lesson.is_ok(), "{id}: {:?}", lesson.as_ref().err());
        }
    }
}
