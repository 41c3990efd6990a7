//! Files as a container sees them: its own writable layer plus the pod's volumes at their mount
//! points, with `/dev/null` and `/dev/urandom`, and the errors the kernel would give.

use super::{Entry, Filesystem, Mount, Volumes};
use crate::rng::Rng;
use std::borrow::Cow;

/// Why a file operation failed, worded as `strerror` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Errno {
    NotFound,
    NotDir,
    IsDir,
    Exists,
    ReadOnly,
    NotEmpty,
}

impl Errno {
    pub(crate) fn text(self) -> &'static str {
        match self {
            Errno::NotFound => "No such file or directory",
            Errno::NotDir => "Not a directory",
            Errno::IsDir => "Is a directory",
            Errno::Exists => "File exists",
            Errno::ReadOnly => "Read-only file system",
            Errno::NotEmpty => "Directory not empty",
        }
    }
}

/// How much `/dev/urandom` yields per read: endless in reality, enough for `head -c`.
const URANDOM_CHUNK_BYTES: usize = 4096;

impl Filesystem {
    /// A filesystem holding only the root directory (a fresh volume).
    pub fn empty() -> Filesystem {
        let mut fs = Filesystem::default();
        std::rc::Rc::make_mut(&mut fs.entries).insert("/".to_string(), Entry::Directory);
        fs
    }

    /// The file's text, if `path` (absolute, normalised) is a regular file.
    pub fn read(&self, path: &str) -> Option<&str> {
        match self.entries.get(path) {
            Some(Entry::File(text)) | Some(Entry::Program(text)) => Some(text),
            _ => None,
        }
    }

    /// Creates or replaces a file and any missing parent directories (for seeding volumes,
    /// e.g. a ConfigMap's keys).
    pub fn put_file(&mut self, path: &str, text: &str) {
        let path = normalize("/", path);
        self.put_dirs(parent_of(&path));
        std::rc::Rc::make_mut(&mut self.entries).insert(path, Entry::File(text.to_string()));
    }

    /// Creates directory `path` and its parents.
    pub(crate) fn put_dirs(&mut self, path: &str) {
        let mut dir = String::new();
        std::rc::Rc::make_mut(&mut self.entries).insert("/".to_string(), Entry::Directory);
        for part in path.split('/').filter(|p| !p.is_empty()) {
            dir.push('/');
            dir.push_str(part);
            std::rc::Rc::make_mut(&mut self.entries).insert(dir.clone(), Entry::Directory);
        }
    }

    pub(crate) fn put_program(&mut self, path: &str) {
        let name = path.rsplit('/').next().unwrap_or(path).to_string();
        self.put_file(path, "");
        std::rc::Rc::make_mut(&mut self.entries).insert(path.to_string(), Entry::Program(name));
    }

    /// Every file with its text and every directory (`None`), by absolute path: what a backing
    /// store keeps of a volume between the containers that mount it.
    pub fn entries(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.entries.iter().map(|(path, entry)| match entry {
            Entry::Directory => (path.as_str(), None),
            Entry::File(text) | Entry::Program(text) => (path.as_str(), Some(text.as_str())),
        })
    }

    /// Whether two filesystems are the same tree without comparing them: a volume handed out
    /// and handed back unchanged is still the tree it was.
    pub fn same_as(&self, other: &Filesystem) -> bool {
        std::rc::Rc::ptr_eq(&self.entries, &other.entries)
    }

    /// Names directly inside directory `dir`.
    fn children(&self, dir: &str) -> Vec<String> {
        let prefix = if dir == "/" { "/".to_string() } else { format!("{dir}/") };
        self.entries
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter_map(|(k, _)| {
                let rest = &k[prefix.len()..];
                (!rest.is_empty() && !rest.contains('/')).then(|| rest.to_string())
            })
            .collect()
    }

    fn remove_tree(&mut self, path: &str) {
        let prefix = format!("{path}/");
        let doomed: Vec<String> = self
            .entries
            .range(path.to_string()..)
            .take_while(|(k, _)| k.as_str() == path || k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for key in doomed {
            std::rc::Rc::make_mut(&mut self.entries).remove(&key);
        }
    }
}

/// Whether `path` is already what [`normalize`] makes of it, as most paths programs use are.
pub(crate) fn is_normal(path: &str) -> bool {
    path == "/"
        || (path.starts_with('/')
            && path[1..].split('/').all(|part| !matches!(part, "" | "." | "..")))
}

/// An absolute path with `.`, `..` and repeated slashes resolved, borrowed when it already is.
fn normal(path: &str) -> Cow<'_, str> {
    if is_normal(path) { Cow::Borrowed(path) } else { Cow::Owned(normalize("/", path)) }
}

/// Makes `path` absolute against `cwd` and resolves `.`, `..` and repeated slashes.
pub(crate) fn normalize(cwd: &str, path: &str) -> String {
    if is_normal(path) {
        return path.to_string();
    }
    let joined = if path.starts_with('/') { path.to_string() } else { format!("{cwd}/{path}") };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

fn parent_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// Where a path lands: which filesystem, the path inside it, and whether it is read-only.
enum Place {
    Own(String),
    /// `base` is the subPath directory, which kubelet creates when it mounts it.
    Volume {
        name: String,
        path: String,
        base: String,
        read_only: bool,
    },
}

/// The container's view of files: its own layer, and the volumes where they are mounted.
pub(crate) struct View<'a> {
    pub own: &'a mut Filesystem,
    pub volumes: &'a mut Volumes,
    pub mounts: &'a [Mount],
    pub rng: &'a mut Rng,
}

impl View<'_> {
    fn place(&self, path: &str) -> Place {
        // The deepest mount covering the path (the last of equals, as mounts stack).
        let mut best: Option<(&Mount, Cow<str>)> = None;
        for mount in self.mounts {
            let mp = normal(&mount.mount_path);
            let covers = mp == "/"
                || path
                    .strip_prefix(&*mp)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
            if covers && best.as_ref().is_none_or(|(_, deepest)| mp.len() >= deepest.len()) {
                best = Some((mount, mp));
            }
        }
        let Some((mount, mp)) = best else { return Place::Own(path.to_string()) };
        let rest = &path[mp.len().min(path.len())..];
        let base = mount.sub_path.as_deref().map_or("/".to_string(), |s| normalize("/", s));
        Place::Volume {
            name: mount.volume.clone(),
            path: normalize("/", &format!("{base}/{rest}")),
            base,
            read_only: mount.read_only,
        }
    }

    fn fs<'p>(&self, place: &'p Place) -> Option<(&Filesystem, &'p str)> {
        match place {
            Place::Own(p) => Some((&*self.own, p)),
            Place::Volume { name, path, .. } => {
                self.volumes.get(name).map(|fs| (fs, path.as_str()))
            }
        }
    }

    fn fs_mut(&mut self, place: &Place) -> Result<(&mut Filesystem, String), Errno> {
        match place {
            Place::Own(p) => Ok((&mut *self.own, p.clone())),
            Place::Volume { read_only: true, .. } => Err(Errno::ReadOnly),
            Place::Volume { name, path, base, .. } => {
                let fs = self.volumes.entry(name.clone()).or_insert_with(Filesystem::empty);
                fs.put_dirs(base);
                Ok((fs, path.clone()))
            }
        }
    }

    fn is_mount_point(&self, path: &str) -> bool {
        self.mounts.iter().any(|m| normalize("/", &m.mount_path) == path)
    }

    /// What is at `path`: a directory (`Some(true)`), a file (`Some(false)`), or nothing.
    pub(crate) fn kind(&self, path: &str) -> Option<bool> {
        if path == "/dev/null" || path == "/dev/urandom" || path == "/dev/random" {
            return Some(false);
        }
        if path == "/" {
            return Some(true);
        }
        let place = self.place(path);
        if self.is_mount_point(path) {
            // A subPath may name a file of the volume: the mount point is then that file.
            let file = matches!(&place, Place::Volume { name, path, .. }
                if matches!(self.volumes.get(name).and_then(|fs| fs.entries.get(path)),
                    Some(Entry::File(_))));
            return Some(!file);
        }
        let (fs, inner) = self.fs(&place)?;
        match fs.entries.get(inner) {
            Some(Entry::Directory) => Some(true),
            Some(_) => Some(false),
            None if inner == "/" => Some(true),
            None => None,
        }
    }

    pub(crate) fn is_program(&self, path: &str) -> bool {
        let place = self.place(path);
        self.fs(&place).is_some_and(|(fs, p)| matches!(fs.entries.get(p), Some(Entry::Program(_))))
    }

    pub(crate) fn read(&mut self, path: &str) -> Result<String, Errno> {
        match path {
            "/dev/null" => return Ok(String::new()),
            "/dev/urandom" | "/dev/random" => {
                // Bytes as chars U+0000..U+00FF; `base64` turns them back into bytes.
                let mut text = String::with_capacity(URANDOM_CHUNK_BYTES * 2);
                for _ in 0..URANDOM_CHUNK_BYTES {
                    text.push(char::from((self.rng.next_u64() & 0xff) as u8));
                }
                return Ok(text);
            }
            _ => {}
        }
        match self.kind(path) {
            None => Err(Errno::NotFound),
            Some(true) => Err(Errno::IsDir),
            Some(false) => {
                let place = self.place(path);
                let (fs, inner) = self.fs(&place).ok_or(Errno::NotFound)?;
                fs.read(inner).map(str::to_string).ok_or(Errno::NotFound)
            }
        }
    }

    /// Writes (or appends to) a file; its directory must exist.
    pub(crate) fn write(&mut self, path: &str, text: &str, append: bool) -> Result<(), Errno> {
        if path == "/dev/null" || path == "/dev/urandom" || path == "/dev/stdout" {
            return Ok(());
        }
        match self.kind(parent_of(path)) {
            None => return Err(Errno::NotFound),
            Some(false) => return Err(Errno::NotDir),
            Some(true) => {}
        }
        if self.kind(path) == Some(true) {
            return Err(Errno::IsDir);
        }
        let place = self.place(path);
        let (fs, inner) = self.fs_mut(&place)?;
        match std::rc::Rc::make_mut(&mut fs.entries).get_mut(&inner) {
            Some(Entry::File(existing)) if append => existing.push_str(text),
            _ => {
                std::rc::Rc::make_mut(&mut fs.entries).insert(inner, Entry::File(text.to_string()));
            }
        }
        Ok(())
    }

    pub(crate) fn mkdir(&mut self, path: &str) -> Result<(), Errno> {
        if self.kind(path).is_some() {
            return Err(Errno::Exists);
        }
        match self.kind(parent_of(path)) {
            None => return Err(Errno::NotFound),
            Some(false) => return Err(Errno::NotDir),
            Some(true) => {}
        }
        let place = self.place(path);
        let (fs, inner) = self.fs_mut(&place)?;
        std::rc::Rc::make_mut(&mut fs.entries).insert(inner, Entry::Directory);
        Ok(())
    }

    /// Removes a file, or a directory (with everything in it when `recursive`).
    pub(crate) fn remove(&mut self, path: &str, recursive: bool) -> Result<(), Errno> {
        match self.kind(path) {
            None => Err(Errno::NotFound),
            Some(true) if !recursive => Err(Errno::IsDir),
            Some(is_dir) => {
                if self.is_mount_point(path) || path == "/" {
                    // A mount point is busy; its contents go, the directory stays.
                    return Err(Errno::ReadOnly);
                }
                let place = self.place(path);
                let (fs, inner) = self.fs_mut(&place)?;
                if is_dir {
                    fs.remove_tree(&inner);
                } else {
                    std::rc::Rc::make_mut(&mut fs.entries).remove(&inner);
                }
                Ok(())
            }
        }
    }

    pub(crate) fn rmdir(&mut self, path: &str) -> Result<(), Errno> {
        match self.kind(path) {
            None => Err(Errno::NotFound),
            Some(false) => Err(Errno::NotDir),
            Some(true) if !self.list(path)?.is_empty() => Err(Errno::NotEmpty),
            Some(true) => self.remove(path, true),
        }
    }

    /// Names in directory `path`, sorted, including mount points inside it.
    pub(crate) fn list(&self, path: &str) -> Result<Vec<String>, Errno> {
        match self.kind(path) {
            None => return Err(Errno::NotFound),
            Some(false) => return Err(Errno::NotDir),
            Some(true) => {}
        }
        let place = self.place(path);
        let mut names = self.fs(&place).map(|(fs, inner)| fs.children(inner)).unwrap_or_default();
        for mount in self.mounts {
            let mp = normalize("/", &mount.mount_path);
            if parent_of(&mp) == path && mp != "/" {
                let name = mp.rsplit('/').next().unwrap_or_default().to_string();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        crate::sort::sort(&mut names);
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(volume: &str, at: &str, sub: Option<&str>, ro: bool) -> Mount {
        Mount {
            volume: volume.to_string(),
            mount_path: at.to_string(),
            sub_path: sub.map(str::to_string),
            read_only: ro,
        }
    }

    #[test]
    fn paths_normalise_against_the_working_directory() {
        let cases = [
            ("/", "tmp", "/tmp"),
            ("/tmp", "../etc//hosts", "/etc/hosts"),
            ("/", "/a/./b/..", "/a"),
            ("/", "/..", "/"),
            ("/tmp", "/usr/bin/cat", "/usr/bin/cat"),
            ("/", "/usr/bin/", "/usr/bin"),
            ("/", "//etc", "/etc"),
            ("/tmp", "/", "/"),
        ];
        for (cwd, path, want) in cases {
            assert_eq!(normalize(cwd, path), want, "{cwd} {path}");
        }
    }

    #[test]
    fn writes_land_in_the_longest_matching_mount_and_respect_read_only() {
        let mut own = Filesystem::empty();
        own.put_file("/etc/hostname", "web\n");
        let mut volumes = Volumes::new();
        volumes.insert("data".into(), Filesystem::empty());
        volumes.insert("conf".into(), Filesystem::empty());
        let mounts = [
            mount("data", "/data", None, false),
            mount("data", "/data/sub", Some("nested"), false),
            mount("conf", "/etc/app", None, true),
        ];
        let mut rng = Rng::new(1);
        let mut view =
            View { own: &mut own, volumes: &mut volumes, mounts: &mounts, rng: &mut rng };
        view.write("/data/a.txt", "A", false).unwrap();
        view.write("/data/sub/b.txt", "B", false).unwrap();
        assert_eq!(view.write("/etc/app/x", "X", false), Err(Errno::ReadOnly));
        assert_eq!(view.write("/nope/x", "X", false), Err(Errno::NotFound));
        assert_eq!(view.read("/data/nested/b.txt"), Ok("B".to_string()));
        assert_eq!(view.list("/data").unwrap(), vec!["a.txt", "nested", "sub"]);
        assert_eq!(volumes["data"].read("/nested/b.txt"), Some("B"));
        assert_eq!(own.read("/data/a.txt"), None);
    }
}
