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
    NoSpace,
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
            Errno::NoSpace => "No space left on device",
        }
    }
}

/// How much `/dev/urandom` yields per read: endless in reality, enough for `head -c`.
const URANDOM_CHUNK_BYTES: usize = 4096;
/// What new directories and files get under the usual umask of 022.
pub(crate) const DIR_MODE: u32 = 0o755;
pub(crate) const FILE_MODE: u32 = 0o644;
/// Links followed in one lookup before giving up (Linux's limit).
const MAX_LINKS: usize = 40;
/// tmpfs gives a directory this size, and each name in it adds `TMPFS_DIRENT_BYTES`.
const TMPFS_DIR_BYTES: u64 = 40;
const TMPFS_DIRENT_BYTES: u64 = 20;

/// What `stat` says about a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Stat {
    pub kind: FileKind,
    /// Permission bits, with the sticky bit.
    pub mode: u32,
    pub size: u64,
    pub links: u32,
    /// The blocks it takes, in KiB as `ls -s` counts them.
    pub blocks_kib: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FileKind {
    Directory,
    File,
    /// A symbolic link, and where it points.
    Symlink(String),
    /// `/dev/null` and its kind.
    CharDevice,
}

impl Filesystem {
    /// A filesystem holding only the root directory.
    pub fn empty() -> Filesystem {
        let mut fs = Filesystem::default();
        std::rc::Rc::make_mut(&mut fs.entries).insert("/".to_string(), Entry::Directory(DIR_MODE));
        fs
    }

    /// A fresh volume as the kubelet makes its directory: mode 0777 on the node's disk, 1777
    /// (sticky) on a tmpfs, which holds at most `capacity_bytes`.
    pub fn volume(tmpfs: bool, capacity_bytes: Option<u64>) -> Filesystem {
        let mut fs = Filesystem::empty();
        fs.tmpfs = tmpfs;
        fs.capacity_bytes = capacity_bytes;
        fs.set_mode("/", if tmpfs { 0o1777 } else { 0o777 });
        fs
    }

    /// Whether it is memory-backed (tmpfs).
    pub fn is_tmpfs(&self) -> bool {
        self.tmpfs
    }

    /// The file's text, if `path` (absolute, normalised) is a regular file (links followed).
    pub fn read(&self, path: &str) -> Option<&str> {
        match self.entries.get(self.resolve(path, true).as_ref()) {
            Some(Entry::File(text, _)) | Some(Entry::Program(text)) => Some(text),
            _ => None,
        }
    }

    /// Creates or replaces a file and any missing parent directories (for seeding volumes,
    /// e.g. a ConfigMap's keys); a replaced file keeps its mode.
    pub fn put_file(&mut self, path: &str, text: &str) {
        let path = normalize("/", path);
        let mode = match self.entries.get(&path) {
            Some(Entry::File(_, mode)) => *mode,
            _ => FILE_MODE,
        };
        self.put_file_mode(&path, text, mode);
    }

    /// Creates or replaces a file with these permission bits.
    pub fn put_file_mode(&mut self, path: &str, text: &str, mode: u32) {
        let path = normalize("/", path);
        self.put_dirs(parent_of(&path));
        std::rc::Rc::make_mut(&mut self.entries).insert(path, Entry::File(text.to_string(), mode));
    }

    /// Creates directory `path` and its parents.
    pub(crate) fn put_dirs(&mut self, path: &str) {
        let entries = std::rc::Rc::make_mut(&mut self.entries);
        entries.entry("/".to_string()).or_insert(Entry::Directory(DIR_MODE));
        let mut dir = String::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            dir.push('/');
            dir.push_str(part);
            if !matches!(entries.get(&dir), Some(Entry::Directory(_))) {
                entries.insert(dir.clone(), Entry::Directory(DIR_MODE));
            }
        }
    }

    /// Creates a symbolic link at `path` to `target` (and its parent directories).
    pub fn put_symlink(&mut self, path: &str, target: &str) {
        let path = normalize("/", path);
        self.put_dirs(parent_of(&path));
        self.has_links = true;
        std::rc::Rc::make_mut(&mut self.entries).insert(path, Entry::Symlink(target.to_string()));
    }

    /// The permission bits of what `path` names (links followed).
    pub fn mode(&self, path: &str) -> Option<u32> {
        match self.entries.get(self.resolve(path, true).as_ref())? {
            Entry::Directory(mode) | Entry::File(_, mode) => Some(*mode),
            Entry::Program(_) => Some(0o755),
            Entry::Symlink(_) => None,
        }
    }

    /// Sets the permission bits of a directory or file (links followed); false if there is
    /// none at `path`.
    pub fn set_mode(&mut self, path: &str, mode: u32) -> bool {
        let path = self.resolve(path, true).into_owned();
        let entries = std::rc::Rc::make_mut(&mut self.entries);
        match entries.get_mut(&path) {
            Some(Entry::Directory(bits)) | Some(Entry::File(_, bits)) => {
                *bits = mode;
                true
            }
            // The image's programs keep their 0755: the lab runs them by what they are.
            Some(Entry::Program(_)) => true,
            _ => false,
        }
    }

    pub(crate) fn put_program(&mut self, path: &str) {
        let name = path.rsplit('/').next().unwrap_or(path).to_string();
        self.put_file(path, "");
        std::rc::Rc::make_mut(&mut self.entries).insert(path.to_string(), Entry::Program(name));
    }

    /// Every file with its text and every directory (`None`), by absolute path: what a backing
    /// store keeps of a volume between the containers that mount it (symbolic links, which
    /// only the kubelet's projected volumes have, are left out).
    pub fn entries(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.entries.iter().filter_map(|(path, entry)| match entry {
            Entry::Directory(_) => Some((path.as_str(), None)),
            Entry::File(text, _) | Entry::Program(text) => {
                Some((path.as_str(), Some(text.as_str())))
            }
            Entry::Symlink(_) => None,
        })
    }

    /// Whether two filesystems are the same tree without comparing them: a volume handed out
    /// and handed back unchanged is still the tree it was.
    pub fn same_as(&self, other: &Filesystem) -> bool {
        std::rc::Rc::ptr_eq(&self.entries, &other.entries)
    }

    /// `path` with the symbolic links on its way replaced by what they point to (the last name
    /// too when `follow_last`, as `stat` does and `lstat` does not).
    fn resolve<'p>(&self, path: &'p str, follow_last: bool) -> std::borrow::Cow<'p, str> {
        if !self.has_links {
            return std::borrow::Cow::Borrowed(path);
        }
        let mut path = path.to_string();
        for _ in 0..MAX_LINKS {
            match self.first_link(&path, follow_last) {
                Some(next) => path = next,
                None => break,
            }
        }
        std::borrow::Cow::Owned(path)
    }

    /// `path` with its first symbolic link replaced by the link's target, if it has one.
    fn first_link(&self, path: &str, follow_last: bool) -> Option<String> {
        let mut end = 0;
        while end + 1 < path.len() {
            let next = path[end + 1..].find('/').map_or(path.len(), |i| end + 1 + i);
            if next == path.len() && !follow_last {
                return None;
            }
            if let Some(Entry::Symlink(target)) = self.entries.get(&path[..next]) {
                let base = normalize(parent_of(&path[..next]), target);
                return Some(normalize("/", &format!("{base}{}", &path[next..])));
            }
            end = next;
        }
        None
    }

    /// The bytes its files hold.
    fn used_bytes(&self) -> u64 {
        self.entries().filter_map(|(_, text)| text).map(|t| t.len() as u64).sum()
    }

    /// The most a tmpfs held since the last [`Self::reset_peak`], or holds now.
    pub fn peak_bytes(&self) -> u64 {
        self.peak_bytes.max(self.used_bytes())
    }

    /// Starts counting the peak from what it holds now.
    pub fn reset_peak(&mut self) {
        if self.tmpfs {
            self.peak_bytes = 0;
        }
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

    /// `stat` of a name already resolved; `in_volume` trees report real link counts, the
    /// container's own layer (overlayfs) reports 1 for directories.
    fn stat_entry(&self, path: &str, in_volume: bool) -> Option<Stat> {
        let blocks = |size: u64| size.div_ceil(4096) * 4;
        Some(match self.entries.get(path) {
            Some(Entry::Directory(mode)) => {
                let children = self.children(path);
                let size = if self.tmpfs {
                    TMPFS_DIR_BYTES + TMPFS_DIRENT_BYTES * children.len() as u64
                } else {
                    4096
                };
                let subdirs = children
                    .iter()
                    .filter(|name| {
                        let child = normalize(path, name);
                        matches!(self.entries.get(&child), Some(Entry::Directory(_)))
                    })
                    .count() as u32;
                Stat {
                    kind: FileKind::Directory,
                    mode: *mode,
                    size,
                    links: if in_volume { 2 + subdirs } else { 1 },
                    blocks_kib: if self.tmpfs { 0 } else { 4 },
                }
            }
            Some(Entry::File(text, mode)) => Stat {
                kind: FileKind::File,
                mode: *mode,
                size: text.len() as u64,
                links: 1,
                blocks_kib: blocks(text.len() as u64),
            },
            Some(Entry::Program(name)) => Stat {
                kind: FileKind::File,
                mode: 0o755,
                size: name.len() as u64,
                links: 1,
                blocks_kib: 4,
            },
            Some(Entry::Symlink(target)) => Stat {
                kind: FileKind::Symlink(target.clone()),
                mode: 0o777,
                size: target.len() as u64,
                links: 1,
                blocks_kib: 0,
            },
            None => return None,
        })
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
    // Split as bytes: every file lookup asks, and `/` is ASCII.
    path == "/"
        || (path.starts_with('/')
            && path.as_bytes()[1..]
                .split(|&b| b == b'/')
                .all(|part| !matches!(part, b"" | b"." | b"..")))
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

pub(crate) fn parent_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// Where a path lands: which filesystem, the path inside it, and whether it is read-only.
/// A path in the container's own layer is the path asked about, borrowed: most lookups (a
/// command searched along PATH) land there.
enum Place<'p> {
    Own(&'p str),
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
    fn place<'p>(&self, path: &'p str) -> Place<'p> {
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
        let Some((mount, mp)) = best else { return Place::Own(path) };
        let rest = &path[mp.len().min(path.len())..];
        let base = mount.sub_path.as_deref().map_or("/".to_string(), |s| normalize("/", s));
        Place::Volume {
            name: mount.volume.clone(),
            path: normalize("/", &format!("{base}/{rest}")),
            base,
            read_only: mount.read_only,
        }
    }

    /// The filesystem a place is in and the path there, its links resolved (the last name
    /// too when `follow`).
    fn fs<'p>(
        &self,
        place: &'p Place<'_>,
        follow: bool,
    ) -> Option<(&Filesystem, std::borrow::Cow<'p, str>)> {
        match place {
            Place::Own(p) => Some((&*self.own, self.own.resolve(p, follow))),
            Place::Volume { name, path, .. } => {
                self.volumes.get(name).map(|fs| (fs, fs.resolve(path, follow)))
            }
        }
    }

    fn fs_mut(&mut self, place: &Place, follow: bool) -> Result<(&mut Filesystem, String), Errno> {
        match place {
            Place::Own(p) => {
                let inner = self.own.resolve(p, follow).into_owned();
                Ok((&mut *self.own, inner))
            }
            Place::Volume { read_only: true, .. } => Err(Errno::ReadOnly),
            Place::Volume { name, path, base, .. } => {
                let fs = self.volumes.entry(name.clone()).or_insert_with(Filesystem::empty);
                fs.put_dirs(base);
                let inner = fs.resolve(path, follow).into_owned();
                Ok((fs, inner))
            }
        }
    }

    fn is_mount_point(&self, path: &str) -> bool {
        self.mounts.iter().any(|m| normalize("/", &m.mount_path) == path)
    }

    /// What is at `path` (links followed): a directory (`Some(true)`), a file (`Some(false)`),
    /// or nothing.
    pub(crate) fn kind(&self, path: &str) -> Option<bool> {
        self.stat(path).map(|s| s.kind == FileKind::Directory)
    }

    /// `stat`: what `path` names, links followed.
    pub(crate) fn stat(&self, path: &str) -> Option<Stat> {
        self.stat_of(path, true)
    }

    /// `lstat`: what `path` names, a link itself rather than what it points to.
    pub(crate) fn lstat(&self, path: &str) -> Option<Stat> {
        self.stat_of(path, false)
    }

    fn stat_of(&self, path: &str, follow: bool) -> Option<Stat> {
        if path == "/dev/null" || path == "/dev/urandom" || path == "/dev/random" {
            return Some(Stat {
                kind: FileKind::CharDevice,
                mode: 0o666,
                size: 0,
                links: 1,
                blocks_kib: 0,
            });
        }
        let place = self.place(path);
        let in_volume = matches!(place, Place::Volume { .. });
        let found = self.fs(&place, follow).and_then(|(fs, inner)| {
            fs.stat_entry(&inner, in_volume).or_else(|| {
                // A volume's root exists before anything is written to it.
                (inner == "/").then_some(Stat {
                    kind: FileKind::Directory,
                    mode: DIR_MODE,
                    size: 4096,
                    links: 2,
                    blocks_kib: 4,
                })
            })
        });
        if found.is_some() {
            return found;
        }
        if self.is_mount_point(path) {
            return Some(Stat {
                kind: FileKind::Directory,
                mode: 0o777,
                size: 4096,
                links: 2,
                blocks_kib: 4,
            });
        }
        // The runtime makes the directories a mount point needs in the container's layer.
        let prefix = if path == "/" { "/".to_string() } else { format!("{path}/") };
        if self.mounts.iter().any(|m| normalize("/", &m.mount_path).starts_with(&prefix)) {
            return Some(Stat {
                kind: FileKind::Directory,
                mode: DIR_MODE,
                size: 4096,
                links: 1,
                blocks_kib: 4,
            });
        }
        None
    }

    pub(crate) fn is_program(&self, path: &str) -> bool {
        let place = self.place(path);
        self.fs(&place, true)
            .is_some_and(|(fs, p)| matches!(fs.entries.get(p.as_ref()), Some(Entry::Program(_))))
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
                let (fs, inner) = self.fs(&place, true).ok_or(Errno::NotFound)?;
                fs.read(&inner).map(str::to_string).ok_or(Errno::NotFound)
            }
        }
    }

    /// Writes (or appends to) a file; its directory must exist. On a full filesystem what fits
    /// is written and the write fails with `NoSpace`.
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
        let (fs, inner) = self.fs_mut(&place, true)?;
        let mut text = text;
        let mut full = false;
        if fs.tmpfs {
            let replaced = match fs.entries.get(&inner) {
                Some(Entry::File(existing, _)) if !append => existing.len() as u64,
                _ => 0,
            };
            let kept = fs.used_bytes() - replaced;
            let room = fs.capacity_bytes.map_or(u64::MAX, |c| c.saturating_sub(kept));
            if text.len() as u64 > room {
                let mut cut = room as usize;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text = &text[..cut];
                full = true;
            }
            fs.peak_bytes = fs.peak_bytes.max(kept + text.len() as u64);
        }
        let entries = std::rc::Rc::make_mut(&mut fs.entries);
        match entries.get_mut(&inner) {
            Some(Entry::File(existing, _)) if append => existing.push_str(text),
            Some(Entry::File(existing, _)) => text.clone_into(existing),
            _ => {
                entries.insert(inner, Entry::File(text.to_string(), FILE_MODE));
            }
        }
        if full { Err(Errno::NoSpace) } else { Ok(()) }
    }

    pub(crate) fn mkdir(&mut self, path: &str) -> Result<(), Errno> {
        if self.lstat(path).is_some() {
            return Err(Errno::Exists);
        }
        match self.kind(parent_of(path)) {
            None => return Err(Errno::NotFound),
            Some(false) => return Err(Errno::NotDir),
            Some(true) => {}
        }
        let place = self.place(path);
        let (fs, inner) = self.fs_mut(&place, false)?;
        std::rc::Rc::make_mut(&mut fs.entries).insert(inner, Entry::Directory(DIR_MODE));
        Ok(())
    }

    /// Removes a file or link, or a directory (with everything in it when `recursive`).
    pub(crate) fn remove(&mut self, path: &str, recursive: bool) -> Result<(), Errno> {
        match self.lstat(path).map(|s| s.kind == FileKind::Directory) {
            None => Err(Errno::NotFound),
            Some(true) if !recursive => Err(Errno::IsDir),
            Some(is_dir) => {
                if self.is_mount_point(path) || path == "/" {
                    // A mount point is busy; its contents go, the directory stays.
                    return Err(Errno::ReadOnly);
                }
                let place = self.place(path);
                let (fs, inner) = self.fs_mut(&place, false)?;
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
        match self.lstat(path).map(|s| s.kind == FileKind::Directory) {
            None => Err(Errno::NotFound),
            Some(false) => Err(Errno::NotDir),
            Some(true) if !self.list(path)?.is_empty() => Err(Errno::NotEmpty),
            Some(true) => self.remove(path, true),
        }
    }

    /// `chmod`: sets the permission bits of what `path` names (links followed).
    pub(crate) fn set_mode(&mut self, path: &str, mode: u32) -> Result<(), Errno> {
        if self.stat(path).is_none() {
            return Err(Errno::NotFound);
        }
        let place = self.place(path);
        let (fs, inner) = self.fs_mut(&place, true)?;
        fs.set_mode(&inner, mode);
        Ok(())
    }

    /// Names in directory `path` (links followed), sorted, including mount points inside it.
    pub(crate) fn list(&self, path: &str) -> Result<Vec<String>, Errno> {
        match self.kind(path) {
            None => return Err(Errno::NotFound),
            Some(false) => return Err(Errno::NotDir),
            Some(true) => {}
        }
        let place = self.place(path);
        let mut names =
            self.fs(&place, true).map(|(fs, inner)| fs.children(&inner)).unwrap_or_default();
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

    /// A ConfigMap volume as the kubelet's atomic writer lays it out.
    fn projected() -> Filesystem {
        let mut fs = Filesystem::volume(false, None);
        fs.put_file_mode("/..2026_11_26_12_00_00.42/game.properties", "lives=3\n", 0o400);
        fs.put_symlink("/..data", "..2026_11_26_12_00_00.42");
        fs.put_symlink("/game.properties", "..data/game.properties");
        fs
    }

    #[test]
    fn links_are_followed_by_stat_and_not_by_lstat() {
        let mut own = Filesystem::empty();
        own.put_dirs("/etc");
        let mut volumes = Volumes::new();
        volumes.insert("config".into(), projected());
        let mounts = [mount("config", "/etc/config", None, true)];
        let mut rng = Rng::new(1);
        let mut view =
            View { own: &mut own, volumes: &mut volumes, mounts: &mounts, rng: &mut rng };
        assert_eq!(view.read("/etc/config/game.properties"), Ok("lives=3\n".to_string()));
        let link = view.lstat("/etc/config/game.properties").unwrap();
        assert_eq!(link.kind, FileKind::Symlink("..data/game.properties".into()));
        assert_eq!((link.mode, link.size), (0o777, 22));
        let file = view.stat("/etc/config/game.properties").unwrap();
        assert_eq!((file.kind, file.mode, file.size), (FileKind::File, 0o400, 8));
        assert_eq!(view.stat("/etc/config/..data").unwrap().kind, FileKind::Directory);
        let root = view.stat("/etc/config").unwrap();
        assert_eq!((root.mode, root.links), (0o777, 3));
        assert_eq!(view.stat("/etc").unwrap().links, 1, "overlayfs directories");
        assert_eq!(
            view.list("/etc/config").unwrap(),
            ["..2026_11_26_12_00_00.42", "..data", "game.properties"]
        );
        assert_eq!(view.set_mode("/etc/config/game.properties", 0o600), Err(Errno::ReadOnly));
        assert_eq!(view.write("/etc/config/x", "", false), Err(Errno::ReadOnly));
    }

    #[test]
    fn chmod_keeps_a_mode_across_rewrites_and_a_tmpfs_fills_up() {
        let mut own = Filesystem::empty();
        own.put_dirs("/tmp");
        let mut volumes = Volumes::new();
        volumes.insert("cache".into(), Filesystem::volume(true, Some(10)));
        let mounts = [mount("cache", "/cache", None, false)];
        let mut rng = Rng::new(1);
        let mut view =
            View { own: &mut own, volumes: &mut volumes, mounts: &mounts, rng: &mut rng };
        view.write("/tmp/x", "a", false).unwrap();
        view.set_mode("/tmp/x", 0o600).unwrap();
        view.write("/tmp/x", "b", false).unwrap();
        assert_eq!(view.stat("/tmp/x").unwrap().mode, 0o600);
        assert_eq!(view.stat("/cache").unwrap().mode, 0o1777);
        view.write("/cache/a", "123456", false).unwrap();
        assert_eq!(view.write("/cache/b", "123456", false), Err(Errno::NoSpace));
        assert_eq!(view.read("/cache/b"), Ok("1234".to_string()));
        view.write("/cache/a", "1", false).unwrap();
        assert_eq!(view.stat("/cache").unwrap().size, 40 + 2 * 20, "tmpfs directory sizes");
    }
}
