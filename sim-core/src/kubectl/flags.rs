//! Command-line flags parsed as kubectl's flag library (pflag) parses them: `--name=value`,
//! `--name value`, `-n value`, `-nvalue`, grouped boolean shorthands (`-it`), `--` ending flags.

use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagKind {
    Bool,
    /// One value; a repeated flag keeps the last one.
    Value,
    /// Repeatable; every value is kept (`--env a=1 --env b=2`).
    Values,
}

/// One flag of one command; the same definition feeds parsing and `--help`.
#[derive(Clone, Copy, Debug)]
pub struct Flag {
    pub long: &'static str,
    pub short: Option<char>,
    pub kind: FlagKind,
    /// The default shown in help (`''`, `false`, `[]`, `-1`).
    pub default: &'static str,
    pub usage: &'static str,
}

impl Flag {
    pub const fn bool(long: &'static str, short: Option<char>, usage: &'static str) -> Flag {
        Flag { long, short, kind: FlagKind::Bool, default: "false", usage }
    }

    pub const fn value(
        long: &'static str,
        short: Option<char>,
        default: &'static str,
        usage: &'static str,
    ) -> Flag {
        Flag { long, short, kind: FlagKind::Value, default, usage }
    }

    /// A boolean flag that is on unless turned off (`--wait=false`).
    pub const fn bool_on(long: &'static str, short: Option<char>, usage: &'static str) -> Flag {
        Flag { long, short, kind: FlagKind::Bool, default: "true", usage }
    }

    pub const fn values(long: &'static str, short: Option<char>, usage: &'static str) -> Flag {
        Flag { long, short, kind: FlagKind::Values, default: "[]", usage }
    }
}

/// The flags every kubectl command accepts.
pub const GLOBAL_FLAGS: &[Flag] = &[
    Flag::bool("help", Some('h'), "help for this command"),
    Flag::value(
        "namespace",
        Some('n'),
        "''",
        "If present, the namespace scope for this CLI request",
    ),
];

/// What the command line said.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Arguments that are not flags, in order, before any `--`.
    pub args: Vec<String>,
    /// Arguments after `--`.
    pub after_dash: Vec<String>,
    values: BTreeMap<&'static str, Vec<String>>,
}

impl Parsed {
    pub fn is_set(&self, long: &str) -> bool {
        self.values.contains_key(long)
    }

    pub fn bool(&self, long: &str) -> bool {
        self.bool_or(long, false)
    }

    /// A boolean flag whose default is `default` (`--wait` defaults to true).
    pub fn bool_or(&self, long: &str, default: bool) -> bool {
        self.values.get(long).and_then(|v| v.last()).map_or(default, |v| v == "true")
    }

    pub fn value(&self, long: &str) -> Option<&str> {
        self.values.get(long).and_then(|v| v.last()).map(String::as_str)
    }

    pub fn values(&self, long: &str) -> &[String] {
        self.values.get(long).map_or(&[], Vec::as_slice)
    }
}

/// Parses `args` against a command's flags plus the global ones. The error is pflag's message.
pub fn parse(args: &[String], flags: &[Flag]) -> Result<Parsed, String> {
    let all: Vec<&Flag> = flags.iter().chain(GLOBAL_FLAGS).collect();
    let by_long = |name: &str| all.iter().copied().find(|f| f.long == name);
    let by_short = |c: char| all.iter().copied().find(|f| f.short == Some(c));
    let mut parsed = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            parsed.after_dash = args[i..].to_vec();
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (body, None),
            };
            let flag = by_long(name).ok_or_else(|| format!("unknown flag: --{name}"))?;
            let value = match (flag.kind, inline) {
                (FlagKind::Bool, Some(value)) => parse_bool(&value, flag)?,
                (FlagKind::Bool, None) => "true".to_string(),
                (_, Some(value)) => value,
                (_, None) => {
                    let value =
                        args.get(i).ok_or_else(|| format!("flag needs an argument: --{name}"))?;
                    i += 1;
                    value.clone()
                }
            };
            record(&mut parsed, flag, value);
        } else if arg.len() > 1 && arg.starts_with('-') {
            let shorthands: Vec<char> = arg[1..].chars().collect();
            let mut j = 0;
            while j < shorthands.len() {
                let c = shorthands[j];
                let flag =
                    by_short(c).ok_or_else(|| format!("unknown shorthand flag: '{c}' in {arg}"))?;
                if flag.kind == FlagKind::Bool {
                    let rest: String = shorthands[j + 1..].iter().collect();
                    if let Some(value) = rest.strip_prefix('=') {
                        record(&mut parsed, flag, parse_bool(value, flag)?);
                        break;
                    }
                    record(&mut parsed, flag, "true".to_string());
                    j += 1;
                    continue;
                }
                let rest: String = shorthands[j + 1..].iter().collect();
                let value = if !rest.is_empty() {
                    rest.strip_prefix('=').unwrap_or(&rest).to_string()
                } else {
                    let value = args
                        .get(i)
                        .ok_or_else(|| format!("flag needs an argument: '{c}' in -{c}"))?;
                    i += 1;
                    value.clone()
                };
                record(&mut parsed, flag, value);
                break;
            }
        } else {
            parsed.args.push(arg.clone());
        }
    }
    Ok(parsed)
}

fn record(parsed: &mut Parsed, flag: &Flag, value: String) {
    let slot = parsed.values.entry(flag.long).or_default();
    if flag.kind == FlagKind::Values {
        slot.push(value);
    } else {
        *slot = vec![value];
    }
}

/// Go's `strconv.ParseBool`, with pflag's error wording (which names the flag as `-A, --all`).
fn parse_bool(value: &str, flag: &Flag) -> Result<String, String> {
    let flag = match flag.short {
        Some(c) => format!("-{c}, --{}", flag.long),
        None => format!("--{}", flag.long),
    };
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok("true".to_string()),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok("false".to_string()),
        _ => Err(format!(
            "invalid argument \"{value}\" for \"{flag}\" flag: strconv.ParseBool: parsing \"{value}\": invalid syntax"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAGS: &[Flag] = &[
        Flag::value("output", Some('o'), "''", ""),
        Flag::bool("all-namespaces", Some('A'), ""),
        Flag::bool("stdin", Some('i'), ""),
        Flag::bool("tty", Some('t'), ""),
        Flag::values("env", None, ""),
    ];

    fn parse_words(line: &str) -> Result<Parsed, String> {
        let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        parse(&args, FLAGS)
    }

    #[test]
    fn long_short_attached_and_separate_forms() {
        let p = parse_words("pods -o wide --namespace=kube-system -A web").unwrap();
        assert_eq!(p.args, vec!["pods", "web"]);
        assert_eq!(p.value("output"), Some("wide"));
        assert_eq!(p.value("namespace"), Some("kube-system"));
        assert!(p.bool("all-namespaces"));
        let p = parse_words("-owide -n=dev").unwrap();
        assert_eq!(p.value("output"), Some("wide"));
        assert_eq!(p.value("namespace"), Some("dev"));
    }

    #[test]
    fn grouped_booleans_repeated_values_and_dash_dash() {
        let p = parse_words("-it --env a=1 --env b=2 x -- sh -c date").unwrap();
        assert!(p.bool("stdin") && p.bool("tty"));
        assert_eq!(p.values("env"), ["a=1", "b=2"]);
        assert_eq!(p.args, vec!["x"]);
        assert_eq!(p.after_dash, vec!["sh", "-c", "date"]);
    }

    #[test]
    fn errors_use_pflag_wording() {
        assert_eq!(parse_words("--foo").unwrap_err(), "unknown flag: --foo");
        assert_eq!(parse_words("-z").unwrap_err(), "unknown shorthand flag: 'z' in -z");
        assert_eq!(parse_words("-o").unwrap_err(), "flag needs an argument: 'o' in -o");
        assert_eq!(parse_words("--output").unwrap_err(), "flag needs an argument: --output");
        assert_eq!(
            parse_words("--all-namespaces=maybe").unwrap_err(),
            "invalid argument \"maybe\" for \"-A, --all-namespaces\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax"
        );
    }
}
