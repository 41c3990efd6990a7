//! The image catalogue: the container images the lab's simulated registry serves, with their
//! tags and sizes. Anything else fails to pull, as a registry would answer for it.

/// One repository the simulated registry serves.
struct Repository {
    /// Fully qualified name, as containerd reports it: `docker.io/library/nginx`.
    name: &'static str,
    tags: &'static [&'static str],
    /// Compressed size in bytes, which is what kubelet's Pulled event reports.
    size_bytes: u64,
}

const CATALOGUE: &[Repository] = &[
    Repository {
        name: "docker.io/library/nginx",
        tags: &[
            "latest", "stable", "alpine", "1.29", "1.28", "1.27", "1.27.3", "1.26", "1.25", "1.24",
            "1.23", "1.22", "1.21", "1.20", "1.19", "1.18", "1.17", "1.16", "1.16.1", "1.15",
            "1.14.2",
        ],
        size_bytes: 72_225_394,
    },
    Repository {
        name: "docker.io/library/busybox",
        tags: &["latest", "stable", "1.37", "1.36", "1.35", "1.28", "1.27.2"],
        size_bytes: 2_156_519,
    },
    Repository {
        name: "registry.k8s.io/busybox",
        tags: &["latest", "1.27.2", "1.27", "1.24"],
        size_bytes: 1_144_547,
    },
    Repository {
        name: "docker.io/library/alpine",
        tags: &["latest", "3", "3.22", "3.21", "3.20", "3.19"],
        size_bytes: 3_653_068,
    },
    Repository {
        name: "docker.io/library/ubuntu",
        tags: &["latest", "24.04", "22.04", "20.04", "noble", "jammy"],
        size_bytes: 29_723_147,
    },
    Repository {
        name: "docker.io/library/debian",
        tags: &["latest", "bookworm", "bookworm-slim", "12", "trixie", "13"],
        size_bytes: 48_494_272,
    },
    Repository {
        name: "docker.io/library/httpd",
        tags: &["latest", "2.4", "alpine"],
        size_bytes: 45_188_461,
    },
    Repository {
        name: "docker.io/library/redis",
        tags: &["latest", "8", "7", "7.4", "alpine"],
        size_bytes: 52_531_240,
    },
    Repository {
        name: "docker.io/library/perl",
        tags: &["latest", "5.40", "5.38", "5.34.0", "5.34"],
        size_bytes: 121_381_730,
    },
    Repository {
        name: "docker.io/library/mysql",
        tags: &["latest", "9", "8.4", "8.0", "5.7"],
        size_bytes: 233_915_472,
    },
    Repository {
        name: "docker.io/library/postgres",
        tags: &["latest", "17", "16", "15", "alpine"],
        size_bytes: 158_461_328,
    },
    Repository {
        name: "docker.io/hashicorp/http-echo",
        tags: &["latest", "1.0", "0.2.3"],
        size_bytes: 3_506_212,
    },
    Repository {
        name: "gcr.io/google-samples/hello-app",
        tags: &["1.0", "2.0"],
        size_bytes: 11_463_484,
    },
    Repository {
        name: "registry.k8s.io/e2e-test-images/agnhost",
        tags: &["2.53", "2.52", "2.40", "2.39"],
        size_bytes: 51_211_336,
    },
    Repository {
        name: "registry.k8s.io/nginx-slim",
        tags: &["0.27", "0.26", "0.24", "0.21", "0.8", "0.7"],
        size_bytes: 40_463_512,
    },
    Repository { name: "registry.k8s.io/hpa-example", tags: &["latest"], size_bytes: 175_513_213 },
    Repository {
        name: "quay.io/fluentd_elasticsearch/fluentd",
        tags: &["v5.0.1", "v4.7.2", "v3.4.0", "v2.6.0", "v2.5.2"],
        size_bytes: 140_772_916,
    },
    Repository { name: "registry.k8s.io/liveness", tags: &["latest"], size_bytes: 2_613_719 },
    Repository { name: "registry.k8s.io/goproxy", tags: &["0.1"], size_bytes: 2_492_357 },
    Repository {
        name: "registry.k8s.io/etcd",
        tags: &["3.6.4-0", "3.5.21-0", "3.5.1-0"],
        size_bytes: 23_564_218,
    },
    Repository { name: "docker.io/polinux/stress", tags: &["latest"], size_bytes: 4_050_484 },
    Repository { name: "docker.io/vish/stress", tags: &["latest"], size_bytes: 1_560_346 },
    Repository {
        name: "docker.io/curlimages/curl",
        tags: &["latest", "8.16.0", "8.11.1"],
        size_bytes: 11_203_576,
    },
    Repository { name: "registry.k8s.io/kube-proxy", tags: &["v1.34.1"], size_bytes: 31_221_248 },
    Repository {
        name: "registry.k8s.io/coredns/coredns",
        tags: &["v1.12.1"],
        size_bytes: 22_384_805,
    },
    Repository {
        name: "registry.k8s.io/ingress-nginx/controller",
        tags: &["v1.13.2"],
        size_bytes: 108_592_154,
    },
    Repository {
        name: "registry.k8s.io/pause",
        tags: &["3.10.1", "3.10", "3.9"],
        size_bytes: 320_448,
    },
];

/// Where an image reference points, after Docker's normalisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageReference {
    /// `docker.io/library/nginx`
    pub repository: String,
    /// `latest` when the reference has neither tag nor digest.
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageReference {
    /// Normalises `nginx`, `nginx:1.27`, `hashicorp/http-echo`, `registry.k8s.io/pause:3.10`
    /// and `name@sha256:…` the way containerd does.
    pub fn parse(image: &str) -> ImageReference {
        let (rest, digest) = match image.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest.to_string())),
            None => (image, None),
        };
        // A colon after the last slash separates the tag; one before it is a registry port.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(rest[last_slash + i + 1..].to_string())),
            None => (rest, None),
        };
        let first = name.split('/').next().unwrap_or_default();
        let has_registry = name.contains('/')
            && (first.contains('.') || first.contains(':') || first == "localhost");
        let repository = if has_registry {
            name.to_string()
        } else if name.contains('/') {
            format!("docker.io/{name}")
        } else {
            format!("docker.io/library/{name}")
        };
        let tag = if tag.is_none() && digest.is_none() { Some("latest".to_string()) } else { tag };
        ImageReference { repository, tag, digest }
    }

    /// `docker.io/library/nginx:latest`, the name kubelet and the node status use.
    pub fn canonical(&self) -> String {
        match (&self.tag, &self.digest) {
            (_, Some(digest)) => format!("{}@{digest}", self.repository),
            (Some(tag), None) => format!("{}:{tag}", self.repository),
            (None, None) => self.repository.clone(),
        }
    }
}

/// The canonical name of an image reference as written in a pod spec.
pub fn canonical_reference(image: &str) -> String {
    ImageReference::parse(image).canonical()
}

/// What the simulated registry answers for a pull.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PullAnswer {
    Image {
        size_bytes: u64,
        digest: String,
    },
    /// containerd's error text, which kubelet wraps in its `Failed to pull image` event.
    Error(String),
}

pub fn pull(reference: &ImageReference) -> PullAnswer {
    let canonical = reference.canonical();
    let Some(repository) = CATALOGUE.iter().find(|r| r.name == reference.repository) else {
        return PullAnswer::Error(format!(
            "failed to pull and unpack image \"{canonical}\": failed to resolve reference \
             \"{canonical}\": pull access denied, repository does not exist or may require \
             authorization: server message: insufficient_scope: authorization failed"
        ));
    };
    if let Some(tag) = &reference.tag
        && !repository.tags.contains(&tag.as_str())
    {
        return PullAnswer::Error(format!(
            "rpc error: code = NotFound desc = failed to pull and unpack image \"{canonical}\": \
             failed to resolve reference \"{canonical}\": {canonical}: not found"
        ));
    }
    let digest = match &reference.digest {
        Some(digest) => digest.clone(),
        None => digest_of(&canonical),
    };
    PullAnswer::Image { size_bytes: repository.size_bytes, digest }
}

/// A stable, made-up `sha256:` digest per image name (the same on every node and every run).
pub fn digest_of(name: &str) -> String {
    let mut hex = String::with_capacity(64);
    for salt in 0u8..4 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(salt);
        for byte in name.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hex.push_str(&format!("{hash:016x}"));
    }
    format!("sha256:{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_normalise_like_containerd() {
        let cases = [
            ("nginx", "docker.io/library/nginx:latest"),
            ("nginx:1.27", "docker.io/library/nginx:1.27"),
            ("hashicorp/http-echo", "docker.io/hashicorp/http-echo:latest"),
            ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
            ("localhost:5000/app", "localhost:5000/app:latest"),
            ("docker.io/library/busybox:1.28", "docker.io/library/busybox:1.28"),
            ("nginx@sha256:abc", "docker.io/library/nginx@sha256:abc"),
        ];
        for (image, want) in cases {
            assert_eq!(canonical_reference(image), want, "{image}");
        }
    }

    #[test]
    fn unknown_repositories_and_tags_fail_like_a_registry() {
        assert!(matches!(pull(&ImageReference::parse("nginx:1.27")), PullAnswer::Image { .. }));
        match pull(&ImageReference::parse("nginx:9.9")) {
            PullAnswer::Error(message) => {
                assert!(message.ends_with("docker.io/library/nginx:9.9: not found"))
            }
            other => panic!("expected an error, got {other:?}"),
        }
        match pull(&ImageReference::parse("ngnix")) {
            PullAnswer::Error(message) => assert!(message.contains("pull access denied")),
            other => panic!("expected an error, got {other:?}"),
        }
    }
}
