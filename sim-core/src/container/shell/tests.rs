//! The shell language: scripts and what they print, on the virtual clock.

use crate::container::tests::{Spec, T0, at, run, shown, start, strings};
use crate::container::{ExecOutcome, State, Volumes};
use crate::rng::Rng;

/// Runs `script` in busybox to the end; its stdout and stderr (without timestamps) and status.
fn outcome(image: &str, script: &str) -> (String, i32) {
    let (log, state) = run(image, script, 3600.0);
    let text = log
        .iter()
        .map(|l| l.split_once(' ').map_or("", |(_, t)| t).to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let code = match state {
        State::Exited { code, .. } => code,
        State::Running { .. } => -1,
    };
    (text, code)
}

#[test]
fn scripts_print_what_sh_would() {
    let cases: &[(&str, &str, &str, i32)] = &[
        ("echo joins its arguments", "echo hello   world", "hello world", 0),
        ("single quotes keep everything", "echo 'a  $HOME  b'", "a  $HOME  b", 0),
        ("double quotes expand variables", "X=1; echo \"x=$X ${X}\"", "x=1 1", 0),
        ("defaults apply to unset variables", "echo ${NOPE:-fallback} ${NOPE-}", "fallback", 0),
        ("assign-defaults stick", "echo ${V:=set}; echo $V", "set\nset", 0),
        ("alternatives apply to set variables", "A=1; echo ${A:+yes}${B:+no}", "yes", 0),
        ("lengths and trims", "P=/a/b/c.txt; echo ${#P} ${P##*/} ${P%.txt}", "10 c.txt /a/b/c", 0),
        ("arithmetic", "i=5; echo $((i * 2 + 1)) $(( (1+2) ** 2 ))", "11 9", 0),
        ("command substitution", "echo \"[$(echo inner)]\" `echo tick`", "[inner] tick", 0),
        ("exit status of the last command", "false; echo $?; true; echo $?", "1\n0", 0),
        ("and-or lists", "true && echo a || echo b; false && echo c || echo d", "a\nd", 0),
        ("negation", "! false && echo negated", "negated", 0),
        (
            "if elif else",
            "x=2; if [ $x -eq 1 ]; then echo one; elif [ $x -eq 2 ]; then echo two; else echo many; fi",
            "two",
            0,
        ),
        ("while counts", "i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done", "0\n1\n2", 0),
        ("until counts", "i=3; until [ $i -eq 0 ]; do echo $i; i=$((i-1)); done", "3\n2\n1", 0),
        ("for over words", "for f in a b c; do echo -n $f; done; echo", "abc", 0),
        ("for over a command's output", "for n in $(seq 1 3); do echo n$n; done", "n1\nn2\nn3", 0),
        (
            "break and continue",
            "for i in 1 2 3 4; do [ $i = 2 ] && continue; [ $i = 4 ] && break; echo $i; done",
            "1\n3",
            0,
        ),
        (
            "case picks the first match",
            "case hello.txt in *.md) echo md;; *.txt|*.text) echo text;; *) echo other;; esac",
            "text",
            0,
        ),
        (
            "groups and subshells",
            "{ echo g; }; (X=inner; echo $X); echo ${X:-outer}",
            "g\ninner\nouter",
            0,
        ),
        ("exit in a subshell leaves the shell running", "(exit 3); echo $?", "3", 0),
        (
            "functions take arguments",
            "greet() { echo hi $1; return 4; }; greet bob; echo $?",
            "hi bob\n4",
            0,
        ),
        (
            "pipes feed the next stage",
            "printf 'b\\na\\nb\\n' | sort | uniq -c | head -n 1",
            "      1 a",
            0,
        ),
        (
            "grep filters and sets the status",
            "echo apple > /tmp/f; grep -q pple /tmp/f && echo found; grep -c x /tmp/f",
            "found\n0",
            1,
        ),
        (
            "redirections write and append files",
            "echo one > /tmp/o; echo two >> /tmp/o; cat /tmp/o; wc -l < /tmp/o",
            "one\ntwo\n2",
            0,
        ),
        (
            "stderr can be silenced or merged",
            "cat /nope 2>/dev/null; echo $?; cat /nope 2>&1 | tr a-z A-Z",
            "1\nCAT: CAN'T OPEN '/NOPE': NO SUCH FILE OR DIRECTORY",
            0,
        ),
        ("here documents expand", "N=world; cat <<EOF\nhello $N\nEOF", "hello world", 0),
        (
            "read takes lines from redirected input",
            "printf 'x y\\nz\\n' > /tmp/in; while read a b; do echo \"[$a|$b]\"; done < /tmp/in",
            "[x|y]\n[z|]",
            0,
        ),
        ("printf formats", "printf '%s=%05d %-3s| %x %%\\n' n 42 ab 255", "n=00042 ab | ff %", 0),
        (
            "test compares strings and numbers",
            "[ abc = abc ] && [ 3 -gt 2 ] && [ -z \"\" ] && [ -n x ] && echo ok",
            "ok",
            0,
        ),
        (
            "files and directories",
            "mkdir -p /tmp/a/b && touch /tmp/a/b/f && [ -d /tmp/a/b ] && [ -f /tmp/a/b/f ] && ls /tmp/a/b && rm -r /tmp/a && [ ! -e /tmp/a ] && echo gone",
            "f\ngone",
            0,
        ),
        (
            "globs expand to matching paths",
            "touch /tmp/x.log /tmp/y.log /tmp/z.txt; echo /tmp/*.log",
            "/tmp/x.log /tmp/y.log",
            0,
        ),
        ("unmatched globs stay as written", "echo /tmp/*.none", "/tmp/*.none", 0),
        ("hostname and /etc/hostname", "hostname; cat /etc/hostname", "web-0\nweb-0", 0),
        (
            "date prints virtual time in UTC",
            "date; date +%s; date '+%Y-%m-%d %H:%M'",
            "Wed Nov 25 23:59:00 UTC 2026\n1795651140\n2026-11-25 23:59",
            0,
        ),
        (
            "environment",
            "export GREETING=hi; printenv GREETING; env | grep -c GREETING",
            "hi\n1",
            0,
        ),
        ("unset forgets", "A=1; unset A; echo \"[${A}]\"", "[]", 0),
        (
            "tr, cut, head, tail and wc",
            "echo 'a:b:c' | cut -d: -f2; echo hello | tr a-z A-Z; seq 5 | tail -n 2; seq 10 | head -3 | wc -l",
            "b\nHELLO\n4\n5\n3",
            0,
        ),
        ("expr", "expr 2 + 3; expr 7 / 2", "5\n3", 0),
        (
            "base64 both ways",
            "echo -n hello | base64; echo aGVsbG8= | base64 -d",
            "aGVsbG8=\nhello",
            0,
        ),
        ("echo -e interprets escapes", "echo -e 'a\\tb'", "a\tb", 0),
        ("exit ends the script with its code", "echo before; exit 7; echo after", "before", 7),
        (
            "the EXIT trap runs on the way out",
            "trap 'echo cleanup' EXIT; echo work",
            "work\ncleanup",
            0,
        ),
        ("unknown commands are not found", "nosuch", "sh: nosuch: not found", 127),
        (
            "the network is not simulated",
            "wget -qO- http://web",
            "wget: bad address 'web' (kubelab: networking inside pods is not simulated yet)",
            1,
        ),
        ("eval runs its text", "cmd='echo evaluated'; eval $cmd", "evaluated", 0),
        (
            "nested shells run in-process",
            "sh -c 'echo nested $0 $1' me you; echo $?",
            "nested me you\n0",
            0,
        ),
        (
            "scripts written to files run",
            "printf 'echo from file\\nexit 5\\n' > /tmp/s.sh; sh /tmp/s.sh; echo $?",
            "from file\n5",
            0,
        ),
        ("urandom feeds random text", "head -c 8 /dev/urandom | base64 | wc -c", "13", 0),
        ("the last line is flushed at exit", "printf 'no newline'", "no newline", 0),
    ];
    for (name, script, want, code) in cases {
        assert_eq!(outcome("busybox", script), (want.to_string(), *code), "{name}: {script}");
    }
}

#[test]
fn syntax_errors_are_reported_in_each_shells_words() {
    let cases = [
        ("busybox", "sh", "fi", "sh: syntax error: unexpected \"fi\""),
        (
            "busybox",
            "sh",
            "if true; then echo",
            "sh: syntax error: unexpected end of file (expecting \"fi\")",
        ),
        ("busybox", "sh", "echo 'open", "sh: syntax error: unterminated quoted string"),
        ("debian", "sh", "fi", "sh: 1: Syntax error: \"fi\" unexpected"),
        ("debian", "bash", "fi", "bash: -c: line 1: syntax error near unexpected token `fi'"),
    ];
    for (image, shell, script, want) in cases {
        let spec =
            Spec { image, command: Some(strings(&[shell, "-c", script])), ..Spec::default() };
        let mut volumes = Volumes::new();
        let mut instance = start(&spec, &mut volumes).unwrap();
        assert_eq!(
            instance.advance(&mut volumes, at(1.0)),
            State::Exited { code: 2, at: T0 },
            "{script}"
        );
        assert_eq!(instance.log()[0].text, want, "{image} {shell} {script}");
    }
}

#[test]
fn lines_are_stamped_when_written_and_sleeps_take_virtual_time() {
    let (log, state) =
        run("busybox", "echo start; sleep 5; echo middle >&2; sleep 2m; echo end", 600.0);
    assert_eq!(log, ["+0.000 start", "+5.000! middle", "+125.000 end"]);
    assert_eq!(state, State::Exited { code: 0, at: at(125.0) });
}

#[test]
fn next_wake_follows_sleeps_inside_loops() {
    let script = "while true; do date +%s; sleep 10; done";
    let spec =
        Spec { image: "busybox", command: Some(strings(&["sh", "-c", script])), ..Spec::default() };
    let mut volumes = Volumes::new();
    let mut instance = start(&spec, &mut volumes).unwrap();
    let cases = [(0.0, Some(10.0)), (9.999, Some(10.0)), (10.0, Some(20.0)), (35.0, Some(40.0))];
    for (now, wake) in cases {
        let want = State::Running { next_wake: wake.map(at) };
        assert_eq!(instance.advance(&mut volumes, at(now)), want, "at {now}");
    }
    assert_eq!(instance.log().len(), 4);
    let (_, infinite) = run("busybox", "sleep infinity", 10.0);
    assert_eq!(infinite, State::Running { next_wake: None });
}

#[test]
fn a_saved_shell_resumes_identically_mid_loop() {
    let script =
        "i=0; while [ $i -lt 100 ]; do echo \"tick $i $(date +%s)\"; i=$((i+1)); sleep 3; done";
    let spec =
        Spec { image: "alpine", command: Some(strings(&["sh", "-c", script])), ..Spec::default() };
    let mut volumes = Volumes::new();
    let mut original = start(&spec, &mut volumes).unwrap();
    original.advance(&mut volumes, at(7.5));
    let saved = serde_json::to_string(&original).unwrap();
    let mut restored: crate::container::Instance = serde_json::from_str(&saved).unwrap();
    assert_eq!(
        serde_json::to_string(&restored).unwrap(),
        saved,
        "byte-identical after a round trip"
    );
    let mut other_volumes = volumes.clone();
    for secs in [8.0, 20.0, 100.0, 400.0] {
        assert_eq!(
            original.advance(&mut volumes, at(secs)),
            restored.advance(&mut other_volumes, at(secs)),
            "at {secs}"
        );
    }
    assert_eq!(original.log(), restored.log());
    assert_eq!(original.log().len(), 100);
}

#[test]
fn tail_f_follows_what_another_container_appends() {
    let mount = crate::container::Mount {
        volume: "logs".into(),
        mount_path: "/var/log/app".into(),
        sub_path: None,
        read_only: false,
    };
    let writer = Spec {
        image: "busybox",
        command: Some(strings(&[
            "sh",
            "-c",
            "i=0; while true; do echo \"line $i\" >> /var/log/app/1.log; i=$((i+1)); sleep 1; done",
        ])),
        mounts: vec![mount.clone()],
        ..Spec::default()
    };
    let reader = Spec {
        image: "busybox",
        command: Some(strings(&["sh", "-c", "tail -n+1 -f /var/log/app/1.log"])),
        mounts: vec![mount],
        ..Spec::default()
    };
    let mut volumes = Volumes::new();
    let mut w = start(&writer, &mut volumes).unwrap();
    let mut r = start(&reader, &mut volumes).unwrap();
    for secs in [1.5, 3.5] {
        w.advance(&mut volumes, at(secs));
        assert_eq!(r.advance(&mut volumes, at(secs)), State::Running { next_wake: None });
    }
    let texts: Vec<&str> = r.log().iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts, ["line 0", "line 1", "line 2", "line 3"]);
}

#[test]
fn exec_runs_commands_and_shells_with_their_exit_codes() {
    let spec =
        Spec { image: "busybox", command: Some(strings(&["sleep", "3600"])), ..Spec::default() };
    let mut volumes = Volumes::new();
    let mut instance = start(&spec, &mut volumes).unwrap();
    let cases: &[(&[&str], &str, &str, i32)] = &[
        (&["echo", "hi"], "hi\n", "", 0),
        (&["sh", "-c", "exit 3"], "", "", 3),
        (
            &["sh", "-c", "echo out; echo err >&2; sleep 5; date +%s"],
            "out\n1795651146\n",
            "err\n",
            0,
        ),
        (&["ls", "/"], "bin\ndev\netc\nhome\nproc\nroot\nrun\nsbin\nsys\ntmp\nusr\nvar\n", "", 0),
        (&["sh"], "", "", 0),
    ];
    for (argv, stdout, stderr, code) in cases {
        let want = ExecOutcome::Ran {
            stdout: stdout.to_string(),
            stderr: stderr.to_string(),
            code: *code,
            took: std::time::Duration::ZERO,
        };
        let got = match instance.exec(&mut volumes, &strings(argv), at(1.0)) {
            ExecOutcome::Ran { stdout, stderr, code, .. } => {
                ExecOutcome::Ran { stdout, stderr, code, took: std::time::Duration::ZERO }
            }
            other => other,
        };
        assert_eq!(got, want, "{argv:?}");
    }
    // An exec's sleep does not move the container's clock.
    assert_eq!(
        instance.advance(&mut volumes, at(2.0)),
        State::Running { next_wake: Some(at(3600.0)) }
    );
}

#[test]
fn random_scripts_never_panic() {
    // Fragments of shell syntax, glued at random, plus raw bytes: the parser and interpreter
    // must answer every one with output and a status, never a panic or a hang.
    let fragments = [
        "echo",
        " ",
        "x",
        "$",
        "{",
        "}",
        "(",
        ")",
        "((",
        "))",
        "'",
        "\"",
        "`",
        "\\",
        ";",
        "&&",
        "||",
        "|",
        "&",
        "\n",
        "if",
        "then",
        "else",
        "fi",
        "while",
        "do",
        "done",
        "for",
        "in",
        "case",
        "esac",
        ";;",
        ">",
        ">>",
        "<",
        "<<",
        "2>&1",
        "$(",
        "${",
        ":-",
        "#",
        "*",
        "?",
        "[",
        "]",
        "=",
        "$((",
        "1",
        "+",
        "sleep 1",
        "exit",
        "trap",
        "break",
        "f()",
        "!",
        "$?",
        "~",
        "read",
        "cat",
        "/tmp/x",
        "-n",
        "%",
        "}",
        "eval",
        "sh -c",
        "printf '%d'",
        "seq 3",
        "wait",
    ];
    let mut rng = Rng::new(2026);
    for round in 0..2_000 {
        let script: String = if round % 4 == 3 {
            (0..rng.below(40))
                .map(|_| char::from_u32(rng.below(0x3000) as u32).unwrap_or('?'))
                .collect()
        } else {
            (0..rng.below(25))
                .map(|_| fragments[rng.below(fragments.len() as u64) as usize])
                .collect()
        };
        for image in ["busybox", "debian"] {
            let spec =
                Spec { image, command: Some(strings(&["sh", "-c", &script])), ..Spec::default() };
            let mut volumes = Volumes::new();
            let mut instance = start(&spec, &mut volumes).unwrap();
            instance.advance(&mut volumes, at(5.0));
            instance.exec(&mut volumes, &strings(&["sh", "-c", &script]), at(5.0));
            instance.terminate(&mut volumes, at(6.0));
            let _ = shown(instance.log());
        }
    }
}

#[test]
fn deeply_nested_scripts_are_refused_not_overflowed() {
    let deep = [
        "(".repeat(5_000),
        "{ ".repeat(5_000),
        "if ".repeat(5_000),
        "echo ${a:-".repeat(5_000),
        format!("echo $(({}1", "1?".repeat(5_000)),
        format!("echo $(({}1", "(".repeat(5_000)),
        "f() { f; }; f".to_string(),
        "x() { echo $(x); }; x".to_string(),
    ];
    for script in deep {
        let (_, state) = run("busybox", &script, 10.0);
        // Runaway `$(…)` recursion stops quietly at a depth; everything else is an error.
        let want_error = !script.starts_with("x()");
        let ended = matches!(state, State::Exited { code, .. } if code == 2 || !want_error);
        assert!(ended, "{}: {state:?}", &script[..20.min(script.len())]);
    }
}

#[test]
fn ls_stat_and_chmod_show_and_change_permission_bits() {
    let spec =
        Spec { image: "busybox", command: Some(strings(&["sleep", "3600"])), ..Spec::default() };
    let mut volumes = Volumes::new();
    let mut instance = start(&spec, &mut volumes).unwrap();
    let cases: &[(&str, &str, &str, i32)] = &[
        (
            "echo hi > /tmp/a; chmod 640 /tmp/a; ls -l /tmp/a",
            "-rw-r-----    1 root     root             3 Nov 25 23:59 /tmp/a\n",
            "",
            0,
        ),
        ("chmod u+x,o+r /tmp/a; stat -c '%a %A %F' /tmp/a", "744 -rwxr--r-- regular file\n", "", 0),
        ("chmod go-rwx /tmp/a; stat -c %a /tmp/a /tmp", "700\n1777\n", "", 0),
        ("ls -ld /tmp", "drwxrwxrwt    1 root     root          4096 Nov 25 23:59 /tmp\n", "", 0),
        ("chmod 9 /tmp/a", "", "chmod: invalid mode '9'\n", 1),
        ("chmod 644 /nope", "", "chmod: /nope: No such file or directory\n", 1),
        ("stat -c %a /nope", "", "stat: can't stat '/nope': No such file or directory\n", 1),
    ];
    for (script, stdout, stderr, code) in cases {
        let got = match instance.exec(&mut volumes, &strings(&["sh", "-c", script]), at(1.0)) {
            ExecOutcome::Ran { stdout, stderr, code, .. } => (stdout, stderr, code),
            other => panic!("{other:?}"),
        };
        assert_eq!(got, (stdout.to_string(), stderr.to_string(), *code), "{script}");
    }
}
