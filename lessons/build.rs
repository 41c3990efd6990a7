//! Embeds `content/lessons/` (each lesson's folder and files, and `lessons.txt`'s order) into
//! the crate, so the page carries its lessons without fetching them.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/lessons");
    println!("cargo::rerun-if-changed={}", root.display());
    let mut folders: Vec<_> = std::fs::read_dir(&root)
        .map(|dir| dir.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    folders.sort();
    let mut code = String::from(
        "/// Every lesson folder: its name and its files' names and text.\npub static FOLDERS: &[(&str, &[(&str, &str)])] = &[\n",
    );
    for folder in folders {
        println!("cargo::rerun-if-changed={}", folder.display());
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<_> = std::fs::read_dir(&folder)
            .map(|dir| {
                dir.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect()
            })
            .unwrap_or_default();
        files.sort();
        let _ = write!(code, "    ({name:?}, &[");
        for file in files {
            println!("cargo::rerun-if-changed={}", file.display());
            let file_name = file.file_name().unwrap().to_string_lossy().into_owned();
            let _ =
                write!(code, "({file_name:?}, include_str!({:?})), ", file.display().to_string());
        }
        code.push_str("]),\n");
    }
    code.push_str("];\n");
    let order = root.join("lessons.txt");
    println!("cargo::rerun-if-changed={}", order.display());
    let _ = writeln!(
        code,
        "/// `lessons.txt`: the order the page lists lessons in.\npub static ORDER: &str = {:?};",
        std::fs::read_to_string(&order).unwrap_or_default()
    );
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded.rs");
    std::fs::write(out, code).unwrap();
}
