//! Containers end to end: images' programs, exec, volumes, termination and resource use, through
//! the public API the kubelet uses.

use super::*;

/// 2026-11-25T23:59:00Z, a Wednesday.
pub(crate) const T0: SimTime = SimTime::from_unix_ms(1_795_651_140_000);

pub(crate) fn at(secs: f64) -> SimTime {
    T0 + Duration::from_millis((secs * 1000.0) as u64)
}

pub(crate) fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// A container to start: image, command, args, env and mounts.
#[derive(Default)]
pub(crate) struct Spec<'a> {
    pub image: &'a str,
    pub command: Option<Vec<String>>,
    pub args: Option<Vec<String>>,
    pub env: Vec<(String, String)>,
    pub mounts: Vec<Mount>,
}

pub(crate) fn start(spec: &Spec, volumes: &mut Volumes) -> Result<Instance, String> {
    let launch = Launch {
        image: spec.image,
        command: spec.command.as_deref(),
        args: spec.args.as_deref(),
        env: &spec.env,
        hostname: "web-0",
        mounts: &spec.mounts,
        seed: 7,
    };
    Instance::start(&launch, volumes, T0)
}

/// Runs `sh -c SCRIPT` in `image` until `until` seconds; its log as `+secs text` lines.
pub(crate) fn run(image: &str, script: &str, until: f64) -> (Vec<String>, State) {
    let spec = Spec { image, command: Some(strings(&["sh", "-c", script])), ..Spec::default() };
    let mut volumes = Volumes::new();
    let mut instance = start(&spec, &mut volumes).expect("starts");
    let state = instance.advance(&mut volumes, at(until));
    (shown(instance.log()), state)
}

/// Log lines as `+S.sss text` (`!` marks stderr).
pub(crate) fn shown(log: &[LogLine]) -> Vec<String> {
    log.iter()
        .map(|l| {
            let ms = l.at.unix_ms() - T0.unix_ms();
            let mark = if l.stderr { "!" } else { "" };
            format!("+{}.{:03}{mark} {}", ms / 1000, ms % 1000, l.text)
        })
        .collect()
}

/// What a command printed and returned; how long it took is checked on its own.
fn exec(instance: &mut Instance, volumes: &mut Volumes, argv: &[&str], secs: f64) -> ExecOutcome {
    match instance.exec(volumes, &strings(argv), at(secs)) {
        ExecOutcome::Ran { stdout, stderr, code, .. } => {
            ExecOutcome::Ran { stdout, stderr, code, took: Duration::ZERO }
        }
        other => other,
    }
}

fn ran(stdout: &str, stderr: &str, code: i32) -> ExecOutcome {
    ExecOutcome::Ran {
        stdout: stdout.to_string(),
        stderr: stderr.to_string(),
        code,
        took: Duration::ZERO,
    }
}

#[test]
fn an_exec_probe_sees_the_file_the_main_process_wrote_and_then_removed() {
    let script = "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600";
    let mut volumes = Volumes::new();
    let spec = Spec {
        image: "busybox",
        command: Some(strings(&["/bin/sh", "-c", script])),
        ..Spec::default()
    };
    let mut instance = start(&spec, &mut volumes).unwrap();
    assert_eq!(
        instance.advance(&mut volumes, at(10.0)),
        State::Running { next_wake: Some(at(30.0)) }
    );
    assert_eq!(exec(&mut instance, &mut volumes, &["cat", "/tmp/healthy"], 10.0), ran("", "", 0));
    assert_eq!(
        instance.advance(&mut volumes, at(40.0)),
        State::Running { next_wake: Some(at(630.0)) }
    );
    assert_eq!(
        exec(&mut instance, &mut volumes, &["cat", "/tmp/healthy"], 40.0),
        ran("", "cat: can't open '/tmp/healthy': No such file or directory\n", 1)
    );
}

#[test]
fn gnu_images_word_their_errors_like_coreutils() {
    let mut volumes = Volumes::new();
    let spec =
        Spec { image: "ubuntu", command: Some(strings(&["sleep", "infinity"])), ..Spec::default() };
    let mut instance = start(&spec, &mut volumes).unwrap();
    let cases: [(&[&str], ExecOutcome); 4] = [
        (&["cat", "/tmp/healthy"], ran("", "cat: /tmp/healthy: No such file or directory\n", 1)),
        (&["ls", "/nope"], ran("", "ls: cannot access '/nope': No such file or directory\n", 2)),
        (&["sh", "-c", "nope"], ran("", "sh: 1: nope: not found\n", 127)),
        (&["bash", "-c", "nope"], ran("", "bash: line 1: nope: command not found\n", 127)),
    ];
    for (argv, want) in cases {
        assert_eq!(exec(&mut instance, &mut volumes, argv, 1.0), want, "{argv:?}");
    }
}

#[test]
fn distroless_images_have_no_shell_to_exec() {
    let mut volumes = Volumes::new();
    let spec = Spec {
        image: "hashicorp/http-echo",
        args: Some(strings(&["-text=hi"])),
        ..Spec::default()
    };
    let mut instance = start(&spec, &mut volumes).unwrap();
    assert_eq!(
        exec(&mut instance, &mut volumes, &["sh"], 1.0),
        ExecOutcome::NotFound("exec: \"sh\": executable file not found in $PATH".to_string())
    );
}

#[test]
fn a_missing_executable_fails_to_start_in_containerds_words() {
    let mut volumes = Volumes::new();
    let spec = Spec { image: "busybox", command: Some(strings(&["foo"])), ..Spec::default() };
    assert_eq!(
        start(&spec, &mut volumes).err().as_deref(),
        Some(
            "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: \"foo\": executable file not found in $PATH: unknown"
        )
    );
}

#[test]
fn volumes_are_shared_between_containers_and_honour_read_only_and_sub_path() {
    let mut volumes = Volumes::new();
    let mount = |path: &str, sub: Option<&str>, ro: bool| Mount {
        volume: "shared".into(),
        mount_path: path.into(),
        sub_path: sub.map(str::to_string),
        read_only: ro,
    };
    let writer = Spec {
        image: "busybox",
        command: Some(strings(&[
            "sh",
            "-c",
            "echo hello > /data/greeting; mkdir /data/logs; echo one > /data/logs/a; sleep 3600",
        ])),
        mounts: vec![mount("/data", None, false)],
        ..Spec::default()
    };
    let reader = Spec {
        image: "alpine",
        command: Some(strings(&["sleep", "3600"])),
        mounts: vec![mount("/in", None, true), mount("/logs", Some("logs"), false)],
        ..Spec::default()
    };
    let mut w = start(&writer, &mut volumes).unwrap();
    let mut r = start(&reader, &mut volumes).unwrap();
    w.advance(&mut volumes, at(1.0));
    assert_eq!(exec(&mut r, &mut volumes, &["cat", "/in/greeting"], 1.0), ran("hello\n", "", 0));
    assert_eq!(exec(&mut r, &mut volumes, &["cat", "/logs/a"], 1.0), ran("one\n", "", 0));
    assert_eq!(
        exec(&mut r, &mut volumes, &["sh", "-c", "echo x > /in/x"], 1.0),
        ran("", "sh: can't create /in/x: Read-only file system\n", 1)
    );
    assert_eq!(
        exec(&mut r, &mut volumes, &["touch", "/in/x"], 1.0),
        ran("", "touch: /in/x: Read-only file system\n", 1)
    );
    // The instance's own files are its own.
    exec(&mut r, &mut volumes, &["touch", "/tmp/mine"], 1.0);
    assert!(matches!(
        exec(&mut w, &mut volumes, &["cat", "/tmp/mine"], 1.0),
        ExecOutcome::Ran { code: 1, .. }
    ));
}

#[test]
fn the_default_busybox_shell_exits_at_once_without_a_terminal() {
    for image in ["busybox", "alpine:3.22", "ubuntu", "debian"] {
        let mut volumes = Volumes::new();
        let mut instance = start(&Spec { image, ..Spec::default() }, &mut volumes).unwrap();
        assert_eq!(
            instance.advance(&mut volumes, at(1.0)),
            State::Exited { code: 0, at: T0 },
            "{image}"
        );
        assert!(instance.log().is_empty());
    }
}

#[test]
fn nginx_logs_serves_its_welcome_page_and_stops_gracefully() {
    let mut volumes = Volumes::new();
    let mut nginx = start(&Spec { image: "nginx:1.29", ..Spec::default() }, &mut volumes).unwrap();
    assert_eq!(nginx.advance(&mut volumes, at(1.0)), State::Running { next_wake: None });
    let log = shown(nginx.log());
    assert_eq!(
        log[0],
        "+0.000 /docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"
    );
    assert!(
        log.contains(
            &"+0.020! 2026/11/25 23:59:00 [notice] 1#1: start worker processes".to_string()
        )
    );
    assert!(nginx.listens_on(80, at(1.0)));
    assert!(!nginx.listens_on(8080, at(1.0)));
    let answer = nginx.http_get(80, "/", "kube-probe/1.34", at(2.0)).unwrap();
    assert_eq!((answer.status, answer.body.len()), (200, 615));
    assert_eq!(nginx.http_get(80, "/missing", "curl/8", at(2.0)).unwrap().status, 404);
    assert_eq!(
        shown(nginx.log()).iter().rev().nth(1).unwrap(),
        "+2.000 10.244.0.1 - - [25/Nov/2026:23:59:02 +0000] \"GET / HTTP/1.1\" 200 615 \"-\" \"kube-probe/1.34\" \"-\""
    );
    let usage = nginx.usage(at(2.0));
    assert!((3 * 1024 * 1024..=10 * 1024 * 1024).contains(&usage.memory_bytes));
    // A file the pod writes into the document root is served.
    exec(&mut nginx, &mut volumes, &["sh", "-c", "echo hi > /usr/share/nginx/html/hi.txt"], 3.0);
    assert_eq!(nginx.http_get(80, "/hi.txt", "curl/8", at(3.0)).unwrap().body, "hi\n");
    let end = nginx.terminate(&mut volumes, at(10.0)).unwrap();
    assert!(end > at(10.0) && end <= at(10.5));
    assert_eq!(nginx.advance(&mut volumes, end), State::Exited { code: 0, at: end });
    assert!(
        shown(nginx.log()).iter().any(|l| l.ends_with("signal 15 (SIGTERM) received, exiting"))
    );
    assert!(!nginx.listens_on(80, end));
}

#[test]
fn nginx_serves_an_index_written_to_a_mounted_volume() {
    let mut volumes = Volumes::new();
    let mut html = Filesystem::empty();
    html.put_file("/index.html", "from the init container\n");
    volumes.insert("html".into(), html);
    let mount = Mount {
        volume: "html".into(),
        mount_path: "/usr/share/nginx/html".into(),
        sub_path: None,
        read_only: false,
    };
    let mut nginx =
        start(&Spec { image: "nginx", mounts: vec![mount], ..Spec::default() }, &mut volumes)
            .unwrap();
    nginx.advance(&mut volumes, at(1.0));
    assert_eq!(
        nginx.http_get(80, "/", "kube-probe/1.34", at(1.0)).unwrap().body,
        "from the init container\n"
    );
}

/// Starts `image` with `args`, advances to `secs`, and returns the instance.
fn server(
    image: &str,
    args: Option<&[&str]>,
    env: &[(&str, &str)],
    secs: f64,
) -> (Instance, Volumes, State) {
    let mut volumes = Volumes::new();
    let spec = Spec {
        image,
        args: args.map(strings),
        env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Spec::default()
    };
    let mut instance = start(&spec, &mut volumes).unwrap();
    let state = instance.advance(&mut volumes, at(secs));
    (instance, volumes, state)
}

#[test]
fn image_servers_listen_and_answer_like_the_real_ones() {
    struct Case {
        name: &'static str,
        image: &'static str,
        args: Option<&'static [&'static str]>,
        port: u16,
        path: &'static str,
        status: u16,
        body: &'static str,
        log: &'static str,
    }
    let cases = [
        Case {
            name: "httpd says it works",
            image: "httpd",
            args: None,
            port: 80,
            path: "/",
            status: 200,
            body: "<html><body><h1>It works!</h1></body></html>\n",
            log: "AH00094: Command line: 'httpd -D FOREGROUND'",
        },
        Case {
            name: "http-echo echoes its text",
            image: "hashicorp/http-echo",
            args: Some(&["-text=apple"]),
            port: 5678,
            path: "/",
            status: 200,
            body: "apple\n",
            log: "[INFO] server is listening on :5678",
        },
        Case {
            name: "http-echo listens where told",
            image: "hashicorp/http-echo",
            args: Some(&["-listen=:8080", "-text", "banana"]),
            port: 8080,
            path: "/x",
            status: 200,
            body: "banana\n",
            log: "server is listening on :8080",
        },
        Case {
            name: "hello-app 1.0 greets",
            image: "gcr.io/google-samples/hello-app:1.0",
            args: None,
            port: 8080,
            path: "/",
            status: 200,
            body: "Hello, world!\nVersion: 1.0.0\nHostname: web-0\n",
            log: "Server listening on port 8080",
        },
        Case {
            name: "hello-app 2.0 says its version",
            image: "gcr.io/google-samples/hello-app:2.0",
            args: None,
            port: 8080,
            path: "/",
            status: 200,
            body: "Hello, world!\nVersion: 2.0.0\nHostname: web-0\n",
            log: "Server listening on port 8080",
        },
        Case {
            name: "agnhost netexec knows its hostname",
            image: "registry.k8s.io/e2e-test-images/agnhost:2.53",
            args: Some(&["netexec", "--http-port=8080"]),
            port: 8080,
            path: "/hostname",
            status: 200,
            body: "web-0",
            log: "Started HTTP server on port 8080",
        },
        Case {
            name: "agnhost netexec echoes",
            image: "registry.k8s.io/e2e-test-images/agnhost:2.53",
            args: Some(&["netexec"]),
            port: 8080,
            path: "/echo?msg=hi%20there",
            status: 200,
            body: "hi there",
            log: "Started UDP server on port  8081",
        },
        Case {
            name: "agnhost serve-hostname answers on 9376",
            image: "registry.k8s.io/e2e-test-images/agnhost:2.53",
            args: Some(&["serve-hostname"]),
            port: 9376,
            path: "/",
            status: 200,
            body: "web-0",
            log: "Serving on port 9376.",
        },
        Case {
            name: "goproxy refuses plain requests",
            image: "registry.k8s.io/goproxy:0.1",
            args: None,
            port: 8080,
            path: "/",
            status: 500,
            body: "This is a proxy server. Does not respond to non-proxy requests.\n",
            log: "",
        },
        Case {
            name: "etcd reports health",
            image: "registry.k8s.io/etcd:3.6.4-0",
            args: Some(&[
                "etcd",
                "--listen-client-urls",
                "http://0.0.0.0:2379",
                "--advertise-client-urls",
                "http://127.0.0.1:2379",
            ]),
            port: 2379,
            path: "/health",
            status: 200,
            body: "{\"health\":\"true\",\"reason\":\"\"}",
            log: "serving client traffic insecurely",
        },
    ];
    for case in cases {
        let (mut instance, _, state) = server(case.image, case.args, &[], 1.0);
        assert_eq!(state, State::Running { next_wake: None }, "{}", case.name);
        assert!(instance.listens_on(case.port, at(1.0)), "{}", case.name);
        let answer = instance.http_get(case.port, case.path, "kube-probe/1.34", at(1.0));
        assert_eq!(
            answer,
            Some(HttpAnswer { status: case.status, body: case.body.to_string() }),
            "{}",
            case.name
        );
        assert!(
            case.log.is_empty() || instance.log().iter().any(|l| l.text.contains(case.log)),
            "{}: {:?}",
            case.name,
            shown(instance.log())
        );
    }
}

#[test]
fn liveness_servers_fail_their_health_check_after_ten_seconds() {
    for (image, args) in [
        ("registry.k8s.io/liveness", None),
        ("registry.k8s.io/e2e-test-images/agnhost:2.53", Some(&["liveness"][..])),
    ] {
        let (mut instance, _, _) = server(image, args, &[], 1.0);
        assert_eq!(
            instance.http_get(8080, "/healthz", "kube-probe/1.34", at(9.0)).map(|a| a.status),
            Some(200)
        );
        let late = instance.http_get(8080, "/healthz", "kube-probe/1.34", at(12.0)).unwrap();
        assert_eq!((late.status, late.body.as_str()), (500, "error: 12"), "{image}");
    }
}

#[test]
fn http_echo_without_text_exits_with_its_usage_error() {
    let (instance, _, state) = server("hashicorp/http-echo", None, &[], 1.0);
    assert_eq!(state, State::Exited { code: 127, at: T0 });
    assert_eq!(shown(instance.log()), ["+0.000! Missing -text option!"]);
}

#[test]
fn databases_refuse_to_start_without_a_password_and_listen_with_one() {
    let (mysql, _, state) = server("mysql:8.4", None, &[], 5.0);
    assert!(matches!(state, State::Exited { code: 1, .. }));
    let log = shown(mysql.log());
    assert!(log.iter().any(|l| l.ends_with(
        "[ERROR] [Entrypoint]: Database is uninitialized and password option is not specified"
    )));
    assert!(log.iter().any(|l| l.ends_with("    - MYSQL_RANDOM_ROOT_PASSWORD")));

    let (mysql, _, state) = server("mysql", None, &[("MYSQL_ROOT_PASSWORD", "secret")], 3.0);
    assert!(matches!(state, State::Running { next_wake: Some(_) }));
    assert!(!mysql.listens_on(3306, at(3.0)));
    assert!(mysql.listens_on(3306, at(10.0)));
    assert!(mysql.usage(at(30.0)).memory_bytes >= 350 * 1024 * 1024);

    let (postgres, _, state) = server("postgres:17", None, &[], 1.0);
    assert!(matches!(state, State::Exited { code: 1, .. }));
    let log = shown(postgres.log());
    assert_eq!(
        log[0],
        "+0.000! Error: Database is uninitialized and superuser password is not specified."
    );
    assert!(log.iter().any(|l| l.contains("POSTGRES_HOST_AUTH_METHOD=trust")));

    let (mut postgres, _, _) = server("postgres", None, &[("POSTGRES_PASSWORD", "pw")], 5.0);
    assert!(postgres.listens_on(5432, at(5.0)));
    assert_eq!(postgres.http_get(5432, "/", "kube-probe/1.34", at(5.0)), None);
}

#[test]
fn redis_is_ready_and_answers_its_cli() {
    let (mut redis, mut volumes, _) = server("redis", None, &[], 1.0);
    assert!(redis.log().iter().any(|l| l.text.ends_with("* Ready to accept connections tcp")));
    assert!(redis.listens_on(6379, at(1.0)));
    assert_eq!(exec(&mut redis, &mut volumes, &["redis-cli", "ping"], 1.0), ran("PONG\n", "", 0));
    let usage = redis.usage(at(1.0));
    assert!((3 * 1024 * 1024..=5 * 1024 * 1024).contains(&usage.memory_bytes));
    let end = redis.terminate(&mut volumes, at(5.0)).unwrap();
    assert_eq!(redis.advance(&mut volumes, end), State::Exited { code: 0, at: end });
}

#[test]
fn etcd_serves_grpc_health() {
    let args: &[&str] = &["etcd", "--listen-client-urls=http://0.0.0.0:2379"];
    let (etcd, _, _) = server("registry.k8s.io/etcd:3.5.21-0", Some(args), &[], 1.0);
    assert_eq!(etcd.grpc_health(2379, at(1.0)), Some(true));
    assert_eq!(etcd.grpc_health(2380, at(1.0)), None);
    let (nginx, _, _) = server("nginx", None, &[], 1.0);
    assert_eq!(nginx.grpc_health(80, at(1.0)), Some(false));
}

#[test]
fn polinux_stress_grows_to_its_vm_bytes_and_reports_when_it_crosses_a_limit() {
    let args: &[&str] = &["--vm", "1", "--vm-bytes", "150M", "--vm-hang", "1"];
    let mut volumes = Volumes::new();
    let spec = Spec {
        image: "polinux/stress",
        command: Some(strings(&["stress"])),
        args: Some(strings(args)),
        ..Spec::default()
    };
    let mut stress = start(&spec, &mut volumes).unwrap();
    stress.advance(&mut volumes, at(0.0));
    assert_eq!(
        shown(stress.log()),
        ["+0.000 stress: info: [1] dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd"]
    );
    let mib = 1024 * 1024;
    assert!(stress.usage(at(2.0)).memory_bytes > 150 * mib);
    assert!(stress.usage(at(2.0)).memory_bytes < 152 * mib);
    let crossing = stress.exceeds_memory_at(100 * mib, T0).unwrap();
    assert!(crossing > T0 && crossing < at(1.0), "{crossing}");
    assert!(stress.usage(crossing).memory_bytes > 100 * mib);
    assert_eq!(stress.exceeds_memory_at(200 * mib, T0), None);
    assert_eq!(stress.exceeds_memory_at(100 * mib, at(5.0)), Some(at(5.0)));
    // PID 1 without a handler ignores SIGTERM.
    assert_eq!(stress.terminate(&mut volumes, at(5.0)), None);

    let cpu: &[&str] = &["--cpu", "2", "--timeout", "30s"];
    let spec = Spec {
        image: "polinux/stress",
        command: Some(strings(&["stress"])),
        args: Some(strings(cpu)),
        ..Spec::default()
    };
    let mut stress = start(&spec, &mut volumes).unwrap();
    assert_eq!(stress.usage(at(1.0)).cpu_millis, 2000);
    assert_eq!(stress.advance(&mut volumes, at(60.0)), State::Exited { code: 0, at: at(30.0) });
}

#[test]
fn vish_stress_wants_its_cpus_and_allocates_memory_over_time() {
    let (stress, _, _) = server("vish/stress", Some(&["-cpus", "2"]), &[], 1.0);
    assert_eq!(stress.usage(at(1.0)).cpu_millis, 2000);
    assert!(stress.log().iter().any(|l| l.text.ends_with("Spawning a thread to consume CPU")));
    let args: &[&str] =
        &["-mem-total", "100Mi", "-mem-alloc-size", "10Mi", "-mem-alloc-sleep", "1s"];
    let (stress, _, _) = server("vish/stress", Some(args), &[], 0.0);
    let mib = 1024 * 1024;
    assert!(stress.usage(at(5.0)).memory_bytes < 60 * mib);
    assert!(stress.usage(at(11.0)).memory_bytes > 100 * mib);
    let crossing = stress.exceeds_memory_at(50 * mib, T0).unwrap();
    assert!(crossing > at(4.0) && crossing < at(6.0), "{crossing}");
}

#[test]
fn perl_computes_pi_for_the_job_example() {
    let mut volumes = Volumes::new();
    let spec = Spec {
        image: "perl:5.34.0",
        command: Some(strings(&["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"])),
        ..Spec::default()
    };
    let mut perl = start(&spec, &mut volumes).unwrap();
    let State::Exited { code: 0, at: end } = perl.advance(&mut volumes, at(60.0)) else {
        panic!("runs to the end")
    };
    assert!(end > T0);
    let text = &perl.log()[0].text;
    assert_eq!(text.len(), 2001);
    assert!(text.starts_with("3.14159265358979323846264338327950288419716939937510"));
}

#[test]
fn curl_runs_in_the_shell_and_needs_the_pods_network() {
    // Without a network lent by the kubelet (as here), no name resolves.
    let (curl, _, state) = server("curlimages/curl", Some(&["http://web"]), &[], 1.0);
    assert!(matches!(state, State::Exited { code: 6, .. }));
    assert!(shown(curl.log())[0].starts_with("+0.000! curl: (6) Could not resolve host: web"));
}

#[test]
fn pause_runs_silently_until_told_to_stop() {
    let (mut pause, mut volumes, state) = server("registry.k8s.io/pause:3.10", None, &[], 100.0);
    assert_eq!(state, State::Running { next_wake: None });
    assert!(pause.log().is_empty());
    assert_eq!(pause.usage(at(100.0)).cpu_millis, 0);
    assert!(pause.terminate(&mut volumes, at(100.0)).is_some());
}

#[test]
fn shells_ignore_sigterm_unless_they_trap_it() {
    let mut volumes = Volumes::new();
    let plain = Spec {
        image: "busybox",
        command: Some(strings(&["sh", "-c", "sleep 3600"])),
        ..Spec::default()
    };
    let mut shell = start(&plain, &mut volumes).unwrap();
    assert_eq!(shell.terminate(&mut volumes, at(5.0)), None);
    assert_eq!(
        shell.advance(&mut volumes, at(100.0)),
        State::Running { next_wake: Some(at(3600.0)) }
    );

    let trapped = "trap 'echo got TERM; exit 3' TERM; while true; do sleep 1; done";
    let spec = Spec {
        image: "busybox",
        command: Some(strings(&["sh", "-c", trapped])),
        ..Spec::default()
    };
    let mut shell = start(&spec, &mut volumes).unwrap();
    assert_eq!(shell.terminate(&mut volumes, at(5.5)), Some(at(6.0)));
    assert_eq!(shell.advance(&mut volumes, at(10.0)), State::Exited { code: 3, at: at(6.0) });
    assert_eq!(shown(shell.log()), ["+6.000 got TERM"]);

    let forever = "trap 'exit 0' TERM; sleep infinity";
    let spec = Spec {
        image: "busybox",
        command: Some(strings(&["sh", "-c", forever])),
        ..Spec::default()
    };
    let mut shell = start(&spec, &mut volumes).unwrap();
    assert_eq!(shell.terminate(&mut volumes, at(5.0)), None);

    let waiting = "trap 'echo bye; exit 0' TERM; sleep 3600 & wait";
    let spec = Spec {
        image: "busybox",
        command: Some(strings(&["sh", "-c", waiting])),
        ..Spec::default()
    };
    let mut shell = start(&spec, &mut volumes).unwrap();
    assert_eq!(shell.terminate(&mut volumes, at(5.0)), Some(at(5.0)));
}

#[test]
fn a_busy_loop_burns_a_cpu_without_hanging_the_simulation() {
    let mut volumes = Volumes::new();
    let spec = Spec {
        image: "busybox",
        command: Some(strings(&["sh", "-c", "while true; do :; done"])),
        ..Spec::default()
    };
    let mut shell = start(&spec, &mut volumes).unwrap();
    // It may finish one day, so the kubelet is asked to look again in a while.
    assert_eq!(
        shell.advance(&mut volumes, at(3600.0)),
        State::Running { next_wake: Some(at(3610.0)) }
    );
    assert_eq!(
        shell.advance(&mut volumes, at(7200.0)),
        State::Running { next_wake: Some(at(7210.0)) }
    );
    assert_eq!(shell.usage(at(7200.0)).cpu_millis, 1000);

    // A loop that ends does end, with its exact instant.
    let counting = "i=0; while [ $i -lt 500 ]; do i=$((i+1)); done; echo $i; exit 4";
    let spec = Spec {
        image: "busybox",
        command: Some(strings(&["sh", "-c", counting])),
        ..Spec::default()
    };
    let mut shell = start(&spec, &mut volumes).unwrap();
    let state = shell.advance(&mut volumes, at(60.0));
    assert!(
        matches!(state, State::Exited { code: 4, at: end } if end > T0 && end < at(60.0)),
        "{state:?}"
    );
    assert_eq!(shell.log()[0].text, "500");
}

#[test]
fn exec_with_a_busy_loop_is_cut_off() {
    let mut volumes = Volumes::new();
    let spec =
        Spec { image: "busybox", command: Some(strings(&["sleep", "3600"])), ..Spec::default() };
    let mut shell = start(&spec, &mut volumes).unwrap();
    let outcome = exec(&mut shell, &mut volumes, &["sh", "-c", "while :; do :; done"], 1.0);
    assert_eq!(outcome, ran("", "", 130));
    // A command's sleeps are how long it took (an exec probe times out on that).
    let slow = shell.exec(&mut volumes, &strings(&["sleep", "3"]), at(2.0));
    assert!(matches!(slow, ExecOutcome::Ran { took, .. } if took == Duration::from_secs(3)));
}

#[test]
fn a_sleeping_shell_uses_next_to_nothing() {
    let mut volumes = Volumes::new();
    let spec =
        Spec { image: "busybox", command: Some(strings(&["sleep", "3600"])), ..Spec::default() };
    let shell = start(&spec, &mut volumes).unwrap();
    let usage = shell.usage(at(1.0));
    assert_eq!(usage.cpu_millis, 0);
    assert!(usage.memory_bytes < 1024 * 1024);
}
