//! Read-only looks at files for the page's file browser: a container's filesystem as the
//! container sees it (its own layer, the volumes at their mount points) or one volume's tree.
//! Reading works on cheap copies (the trees are shared until written), so it never changes a
//! container, a volume or the cluster.

use super::fs::View;
use super::{Filesystem, Instance, Mount, Volumes};
use crate::rng::Rng;

/// A tree of files to browse.
#[derive(Clone, Debug, PartialEq)]
pub struct Files {
    own: Filesystem,
    volumes: Volumes,
    mounts: Vec<Mount>,
}

/// One name in a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    pub name: String,
    /// Its absolute path.
    pub path: String,
    pub directory: bool,
    /// The volume mounted here, if this is a mount point.
    pub volume: Option<String>,
}

impl Files {
    /// What a container's run sees: its writable layer and `volumes` where it mounted them.
    pub fn of_container(instance: &Instance, volumes: Volumes) -> Files {
        Files { own: instance.fs.clone(), volumes, mounts: instance.mounts.clone() }
    }

    /// One volume's tree, from its root.
    pub fn of_volume(volume: Filesystem) -> Files {
        Files { own: volume, volumes: Volumes::new(), mounts: Vec::new() }
    }

    /// Reads through a throwaway view (the view's calls take `&mut`; nothing is kept).
    fn view<R>(&self, read: impl FnOnce(&mut View) -> R) -> R {
        let (mut own, mut volumes) = (self.own.clone(), self.volumes.clone());
        let mut rng = Rng::new(0);
        read(&mut View {
            own: &mut own,
            volumes: &mut volumes,
            mounts: &self.mounts,
            rng: &mut rng,
        })
    }

    /// The names in directory `path`, directories first, as `ls` would refuse otherwise.
    pub fn list(&self, path: &str) -> Result<Vec<FileEntry>, String> {
        let dir = super::normalize_path("/", path);
        self.view(|view| {
            let names = view.list(&dir).map_err(|e| format!("ls: {path}: {}", e.text()))?;
            let mut entries: Vec<FileEntry> = names
                .into_iter()
                .map(|name| {
                    let path =
                        if dir == "/" { format!("/{name}") } else { format!("{dir}/{name}") };
                    let volume = self
                        .mounts
                        .iter()
                        .find(|m| super::normalize_path("/", &m.mount_path) == path)
                        .map(|m| m.volume.clone());
                    FileEntry { directory: view.kind(&path) == Some(true), name, path, volume }
                })
                .collect();
            crate::sort::sort_by_key(&mut entries, |e| !e.directory);
            Ok(entries)
        })
    }

    /// A file's text, or `cat`'s complaint.
    pub fn read(&self, path: &str) -> Result<String, String> {
        let file = super::normalize_path("/", path);
        if file.starts_with("/dev/") {
            return Err(format!("cat: {path}: a device, not shown"));
        }
        self.view(|view| view.read(&file)).map_err(|e| format!("cat: {path}: {}", e.text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Filesystem {
        let mut fs = Filesystem::empty();
        fs.put_file("/etc/hostname", "web\n");
        fs.put_file("/data-old/x", "hidden by the mount\n");
        fs.put_dirs("/tmp");
        fs
    }

    #[test]
    fn a_volume_lists_and_reads_from_its_root() {
        let files = Files::of_volume(tree());
        let names: Vec<(String, bool)> =
            files.list("/").unwrap().into_iter().map(|e| (e.name, e.directory)).collect();
        assert_eq!(
            names,
            [("data-old".to_string(), true), ("etc".to_string(), true), ("tmp".to_string(), true)]
        );
        assert_eq!(files.read("/etc/hostname").unwrap(), "web\n");
        assert_eq!(files.read("/etc").unwrap_err(), "cat: /etc: Is a directory");
        assert_eq!(files.list("/nope").unwrap_err(), "ls: /nope: No such file or directory");
        assert!(files.read("/dev/urandom").is_err());
    }

    #[test]
    fn mount_points_show_the_volume() {
        let mut cache = Filesystem::empty();
        cache.put_file("/hello.txt", "hi\n");
        let files = Files {
            own: tree(),
            volumes: [("cache".to_string(), cache)].into(),
            mounts: vec![Mount {
                volume: "cache".into(),
                mount_path: "/data-old".into(),
                sub_path: None,
                read_only: false,
            }],
        };
        let root = files.list("/").unwrap();
        let data = root.iter().find(|e| e.name == "data-old").unwrap();
        assert_eq!(data.volume.as_deref(), Some("cache"));
        let inside: Vec<String> =
            files.list("/data-old").unwrap().into_iter().map(|e| e.path).collect();
        assert_eq!(inside, ["/data-old/hello.txt"]);
        assert_eq!(files.read("/data-old/hello.txt").unwrap(), "hi\n");
    }
}
