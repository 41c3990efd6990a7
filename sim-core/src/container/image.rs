//! What each image contains: its userland (busybox, GNU or none), its files and programs, and
//! the process it runs by default (entrypoint and cmd).

use super::{Filesystem, Userland};
use crate::kubelet::images::ImageReference;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The images the lab knows how to run, recognised by repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Image {
    Busybox,
    Alpine,
    Ubuntu,
    Debian,
    Nginx,
    Httpd,
    Redis,
    Perl,
    Mysql,
    Postgres,
    HttpEcho,
    HelloApp,
    Agnhost,
    Liveness,
    Goproxy,
    Etcd,
    PolinuxStress,
    VishStress,
    Curl,
    /// registry.k8s.io/hpa-example: Apache with PHP serving an `index.php` that burns CPU.
    HpaExample,
    Pause,
    /// kube-apiserver, kube-controller-manager, kube-scheduler: the control plane's static pods;
    /// and kube-proxy.
    ControlPlane,
    /// CoreDNS, the cluster DNS server.
    CoreDns,
    /// ingress-nginx's controller (nginx and the Go program that configures it).
    IngressNginx,
    /// Pulled, but not one we know: a quiet long-running process.
    Other,
}

/// How many hostnames' trees [`Profile::base_tree`] keeps per image: more than a lab's pods.
const HOSTNAMES_KEPT: usize = 256;

/// One image's tree as [`Profile::base_tree`] keeps it, and its copies by hostname.
struct ImageTrees {
    image: Image,
    tag: String,
    tree: Filesystem,
    by_hostname: BTreeMap<String, Filesystem>,
}

/// An image as the runtime sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Profile {
    pub image: Image,
    pub tag: String,
    pub userland: Userland,
}

impl Profile {
    pub(crate) fn of(image: &str) -> Profile {
        let reference = ImageReference::parse(image);
        let tag = reference.tag.unwrap_or_else(|| "latest".to_string());
        let kind = match reference.repository.as_str() {
            "docker.io/library/busybox" | "registry.k8s.io/busybox" => Image::Busybox,
            "docker.io/library/alpine" => Image::Alpine,
            "docker.io/library/ubuntu" => Image::Ubuntu,
            "docker.io/library/debian" => Image::Debian,
            "docker.io/library/nginx" | "registry.k8s.io/nginx-slim" => Image::Nginx,
            "docker.io/library/httpd" => Image::Httpd,
            "docker.io/library/redis" => Image::Redis,
            "docker.io/library/perl" => Image::Perl,
            "docker.io/library/mysql" => Image::Mysql,
            "docker.io/library/postgres" => Image::Postgres,
            "docker.io/hashicorp/http-echo" => Image::HttpEcho,
            "gcr.io/google-samples/hello-app" => Image::HelloApp,
            "registry.k8s.io/e2e-test-images/agnhost" => Image::Agnhost,
            "registry.k8s.io/liveness" | "k8s.gcr.io/liveness" => Image::Liveness,
            "registry.k8s.io/goproxy" | "k8s.gcr.io/goproxy" => Image::Goproxy,
            "registry.k8s.io/etcd" => Image::Etcd,
            "docker.io/polinux/stress" => Image::PolinuxStress,
            "docker.io/vish/stress" => Image::VishStress,
            "docker.io/curlimages/curl" => Image::Curl,
            "registry.k8s.io/hpa-example" => Image::HpaExample,
            "registry.k8s.io/pause" | "k8s.gcr.io/pause" => Image::Pause,
            "registry.k8s.io/kube-apiserver"
            | "registry.k8s.io/kube-controller-manager"
            | "registry.k8s.io/kube-scheduler"
            | "registry.k8s.io/kube-proxy" => Image::ControlPlane,
            "registry.k8s.io/coredns/coredns" => Image::CoreDns,
            "registry.k8s.io/ingress-nginx/controller" => Image::IngressNginx,
            _ => Image::Other,
        };
        let alpine_tag = tag.contains("alpine");
        let userland = match kind {
            Image::HttpEcho
            | Image::HelloApp
            | Image::Goproxy
            | Image::Etcd
            | Image::VishStress
            | Image::Pause
            | Image::CoreDns
            | Image::ControlPlane => Userland::None,
            Image::Busybox
            | Image::Alpine
            | Image::PolinuxStress
            | Image::Curl
            | Image::Liveness
            | Image::IngressNginx
            | Image::Other => Userland::Busybox,
            _ if alpine_tag => Userland::Busybox,
            _ => Userland::Gnu,
        };
        Profile { image: kind, tag, userland }
    }

    /// The image's ENTRYPOINT and CMD.
    pub(crate) fn defaults(&self) -> (&'static [&'static str], &'static [&'static str]) {
        match self.image {
            Image::Busybox => (&[], &["sh"]),
            Image::Alpine => (&[], &["/bin/sh"]),
            Image::Ubuntu => (&[], &["/bin/bash"]),
            Image::Debian => (&[], &["bash"]),
            Image::Nginx => (&["/docker-entrypoint.sh"], &["nginx", "-g", "daemon off;"]),
            Image::Httpd => (&[], &["httpd-foreground"]),
            Image::Redis => (&["docker-entrypoint.sh"], &["redis-server"]),
            Image::Perl => (&[], &["perl", "-de0"]),
            Image::Mysql => (&["docker-entrypoint.sh"], &["mysqld"]),
            Image::Postgres => (&["docker-entrypoint.sh"], &["postgres"]),
            Image::HttpEcho => (&["/http-echo"], &[]),
            Image::HelloApp => (&[], &["/hello-app"]),
            Image::Agnhost => (&["/agnhost"], &["pause"]),
            Image::Liveness => (&[], &["/server"]),
            Image::Goproxy => (&[], &["/goproxy"]),
            Image::Etcd => (&[], &["/usr/local/bin/etcd"]),
            Image::PolinuxStress => (&[], &["stress"]),
            Image::VishStress => (&["/stress", "-logtostderr"], &[]),
            Image::Curl => (&["/entrypoint.sh"], &["curl"]),
            Image::HpaExample => (&[], &["apache2-foreground"]),
            Image::Pause => (&["/pause"], &[]),
            Image::ControlPlane => (&[], &["/usr/local/bin/kube-apiserver"]),
            Image::CoreDns => (&["/coredns"], &[]),
            Image::IngressNginx => (&[], &["/nginx-ingress-controller"]),
            Image::Other => (&[], &["/app"]),
        }
    }

    /// The image's files: a plausible root tree, its programs, and the pod's hostname.
    pub(crate) fn base_tree(&self, hostname: &str) -> Filesystem {
        // Building an image's tree is most of what starting a container costs, and a pure
        // function of the image and the hostname: keep each image's tree, and its copies with
        // a hostname, and share them (the map is copied only when a container writes). A cache
        // of a pure function cannot make two runs differ. Looked up without building a key:
        // a restart finds its tree by comparing the image and a map lookup of the hostname.
        thread_local! {
            static IMAGES: std::cell::RefCell<Vec<ImageTrees>> =
                const { std::cell::RefCell::new(Vec::new()) };
        }
        IMAGES.with(|images| {
            let mut images = images.borrow_mut();
            let index = match images.iter().position(|t| t.image == self.image && t.tag == self.tag)
            {
                Some(index) => index,
                None => {
                    images.push(ImageTrees {
                        image: self.image,
                        tag: self.tag.clone(),
                        tree: self.image_tree(),
                        by_hostname: BTreeMap::new(),
                    });
                    images.len() - 1
                }
            };
            let trees = &mut images[index];
            if let Some(tree) = trees.by_hostname.get(hostname) {
                return tree.clone();
            }
            let mut tree = trees.tree.clone();
            tree.put_file("/etc/hostname", &format!("{hostname}\n"));
            // Pods come and go: past this many hostnames, start the image's list afresh
            // rather than hold every pod the session ever ran.
            if trees.by_hostname.len() == HOSTNAMES_KEPT {
                trees.by_hostname.clear();
            }
            trees.by_hostname.insert(hostname.to_string(), tree.clone());
            tree
        })
    }

    /// The files every container of this image starts with.
    fn image_tree(&self) -> Filesystem {
        let mut fs = Filesystem::empty();
        for dir in [
            "/etc",
            "/tmp",
            "/root",
            "/var/log",
            "/proc",
            "/sys",
            "/run",
            "/home",
            "/usr/local/bin",
        ] {
            fs.put_dirs(dir);
        }
        // Anyone may create files in /tmp; only their owner may remove them (the sticky bit).
        fs.set_mode("/tmp", 0o1777);
        fs.put_file("/dev/null", "");
        fs.put_file("/dev/urandom", "");
        fs.put_file(
            "/etc/hosts",
            "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\n",
        );
        fs.put_file(
            "/etc/resolv.conf",
            "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n",
        );
        if self.userland != Userland::None {
            fs.put_file("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
            for dir in ["/bin", "/sbin", "/usr/bin", "/usr/sbin", "/var/tmp"] {
                fs.put_dirs(dir);
            }
            fs.set_mode("/var/tmp", 0o1777);
        }
        if let Some(release) = self.os_release() {
            fs.put_file("/etc/os-release", &release);
        }
        let shared: &[&str] = &[
            "cat", "ls", "rm", "mkdir", "rmdir", "touch", "cp", "mv", "head", "tail", "wc", "grep",
            "egrep", "fgrep", "tr", "cut", "seq", "expr", "base64", "date", "hostname", "env",
            "printenv", "uname", "id", "whoami", "basename", "dirname", "sort", "uniq", "tee",
            "true", "false", "sleep", "echo", "printf", "test", "[", "nproc", "sed", "find",
            "xargs", "ps", "kill", "stat", "chmod",
        ];
        match self.userland {
            Userland::Busybox => {
                for name in shared.iter().chain(&[
                    "sh", "ash", "busybox", "wget", "nc", "nslookup", "ping", "telnet", "vi",
                    "top", "awk",
                ]) {
                    fs.put_program(&format!("/bin/{name}"));
                }
            }
            Userland::Gnu => {
                for name in shared.iter().chain(&["sh", "dash", "bash"]) {
                    fs.put_program(&format!("/bin/{name}"));
                }
                fs.put_program("/usr/bin/env");
            }
            Userland::None => {}
        }
        let programs: &[&str] = match self.image {
            Image::Nginx => &["/usr/sbin/nginx", "/docker-entrypoint.sh", "/usr/bin/curl"],
            Image::Httpd => &["/usr/local/apache2/bin/httpd", "/usr/local/bin/httpd-foreground"],
            Image::Redis => &[
                "/usr/local/bin/redis-server",
                "/usr/local/bin/redis-cli",
                "/usr/local/bin/docker-entrypoint.sh",
            ],
            Image::Perl => &["/usr/local/bin/perl"],
            Image::Mysql => &[
                "/usr/sbin/mysqld",
                "/usr/bin/mysql",
                "/usr/bin/mysqladmin",
                "/usr/local/bin/docker-entrypoint.sh",
            ],
            Image::Postgres => &[
                "/usr/local/bin/postgres",
                "/usr/local/bin/pg_isready",
                "/usr/local/bin/psql",
                "/usr/local/bin/docker-entrypoint.sh",
            ],
            Image::HttpEcho => &["/http-echo"],
            Image::HelloApp => &["/hello-app"],
            Image::Agnhost => &["/agnhost"],
            Image::Liveness => &["/server"],
            Image::Goproxy => &["/goproxy"],
            Image::Etcd => &["/usr/local/bin/etcd", "/usr/local/bin/etcdctl"],
            Image::PolinuxStress => &["/usr/local/bin/stress"],
            Image::VishStress => &["/stress"],
            Image::Curl => &["/usr/bin/curl", "/entrypoint.sh"],
            Image::HpaExample => &["/usr/sbin/apache2", "/usr/local/bin/apache2-foreground"],
            Image::Pause => &["/pause"],
            Image::ControlPlane => &[
                "/usr/local/bin/kube-apiserver",
                "/usr/local/bin/kube-controller-manager",
                "/usr/local/bin/kube-scheduler",
                "/usr/local/bin/kube-proxy",
            ],
            Image::CoreDns => &["/coredns"],
            Image::IngressNginx => {
                &["/nginx-ingress-controller", "/usr/bin/nginx", "/wait-shutdown"]
            }
            _ => &[],
        };
        for program in programs {
            fs.put_program(program);
        }
        match self.image {
            Image::Nginx => {
                fs.put_file("/usr/share/nginx/html/index.html", NGINX_WELCOME);
                fs.put_file("/usr/share/nginx/html/50x.html", NGINX_50X);
                fs.put_file("/etc/nginx/nginx.conf", "user  nginx;\nworker_processes  auto;\n\nerror_log  /var/log/nginx/error.log notice;\npid        /run/nginx.pid;\n\nevents {\n    worker_connections  1024;\n}\n\nhttp {\n    include       /etc/nginx/mime.types;\n    default_type  application/octet-stream;\n    sendfile        on;\n    keepalive_timeout  65;\n    include /etc/nginx/conf.d/*.conf;\n}\n");
                fs.put_file("/etc/nginx/conf.d/default.conf", "server {\n    listen       80;\n    listen  [::]:80;\n    server_name  localhost;\n\n    location / {\n        root   /usr/share/nginx/html;\n        index  index.html index.htm;\n    }\n\n    error_page   500 502 503 504  /50x.html;\n    location = /50x.html {\n        root   /usr/share/nginx/html;\n    }\n}\n");
                fs.put_dirs("/var/log/nginx");
            }
            Image::Httpd => fs.put_file(
                "/usr/local/apache2/htdocs/index.html",
                "<html><body><h1>It works!</h1></body></html>\n",
            ),
            Image::HpaExample => fs.put_file(
                "/var/www/html/index.php",
                "<?php\n  $x = 0.0001;\n  for ($i = 0; $i <= 1000000; $i++) {\n    $x += sqrt($x);\n  }\n  echo \"OK!\";\n?>\n",
            ),
            Image::Other => fs.put_program("/app"),
            _ => {}
        }
        fs
    }

    fn os_release(&self) -> Option<String> {
        let alpine = "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.22.1\nPRETTY_NAME=\"Alpine Linux v3.22\"\nHOME_URL=\"https://alpinelinux.org/\"\nBUG_REPORT_URL=\"https://gitlab.alpinelinux.org/alpine/aports/-/issues\"\n";
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"\nSUPPORT_URL=\"https://www.debian.org/support\"\nBUG_REPORT_URL=\"https://bugs.debian.org/\"\n";
        match (self.image, self.userland) {
            (Image::Busybox, _) | (_, Userland::None) => None,
            (Image::Ubuntu, _) => Some(
                "PRETTY_NAME=\"Ubuntu 24.04.3 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nVERSION=\"24.04.3 LTS (Noble Numbat)\"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\nHOME_URL=\"https://www.ubuntu.com/\"\nUBUNTU_CODENAME=noble\n"
                    .to_string(),
            ),
            (_, Userland::Busybox) => Some(alpine.to_string()),
            _ => Some(debian.to_string()),
        }
    }
}

/// nginx's welcome page, byte for byte (615 bytes).
pub(crate) const NGINX_WELCOME: &str = "<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href=\"http://nginx.org/\">nginx.org</a>.<br/>
Commercial support is available at
<a href=\"http://nginx.com/\">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
";

const NGINX_50X: &str = "<!DOCTYPE html>
<html>
<head>
<title>Error</title>
</head>
<body>
<h1>An error occurred.</h1>
</body>
</html>
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_with_their_userland() {
        let cases = [
            ("busybox", Image::Busybox, Userland::Busybox),
            ("nginx:1.27", Image::Nginx, Userland::Gnu),
            ("nginx:alpine", Image::Nginx, Userland::Busybox),
            ("hashicorp/http-echo", Image::HttpEcho, Userland::None),
            ("registry.k8s.io/e2e-test-images/agnhost:2.53", Image::Agnhost, Userland::Gnu),
            ("registry.k8s.io/etcd:3.6.4-0", Image::Etcd, Userland::None),
            ("example.com/something:1", Image::Other, Userland::Busybox),
        ];
        for (name, image, userland) in cases {
            let profile = Profile::of(name);
            assert_eq!((profile.image, profile.userland), (image, userland), "{name}");
        }
    }

    #[test]
    fn the_nginx_welcome_page_is_615_bytes() {
        assert_eq!(NGINX_WELCOME.len(), 615);
    }
}
