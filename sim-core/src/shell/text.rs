//! Byte filters for the lab shell: `head -c`, `tr` (sets with ranges and classes, `-d`, `-c`,
//! `-s`), `base64` (and `-d`), and `/dev/urandom`, whose bytes come from the simulation's
//! seeded generator. Bytes that are not text travel as the characters U+0000 to U+00FF, one
//! per byte, so `head -c` counts them and `base64` turns them back into bytes.

use super::Output;
use super::Shell;
use crate::Simulation;

/// How much one read of `/dev/urandom` yields: endless in reality, enough for any `head -c`.
const URANDOM_READ_BYTES: usize = 4096;

/// The bytes of a text: one per character when every character is one byte wide (random
/// bytes, Latin-1), its UTF-8 otherwise.
pub fn bytes_of(text: &str) -> Vec<u8> {
    if text.chars().all(|c| (c as u32) < 0x100) && text.chars().any(|c| (c as u32) >= 0x80) {
        text.chars().map(|c| c as u8).collect()
    } else {
        text.as_bytes().to_vec()
    }
}

/// Bytes as text: UTF-8 when they are, one character per byte otherwise.
pub fn text_of(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// A file a byte filter reads: `/dev/urandom`, a workspace file, or stdin.
fn read(
    shell: &Shell,
    sim: &mut Simulation,
    command: &str,
    file: Option<&String>,
    stdin: &str,
    out: &mut Output,
) -> Option<String> {
    match file.map(String::as_str) {
        None | Some("-") => Some(stdin.to_string()),
        Some("/dev/urandom" | "/dev/random") => {
            Some(sim.urandom(URANDOM_READ_BYTES).into_iter().map(char::from).collect())
        }
        Some("/dev/null") => Some(String::new()),
        Some(name) => match shell.files.get(name) {
            Some(text) => Some(text.clone()),
            None => {
                out.err_line(format!("{command}: {name}: No such file or directory"));
                None
            }
        },
    }
}

/// `head -c N [FILE]`: the first N bytes.
pub fn head_bytes(
    shell: &Shell,
    sim: &mut Simulation,
    args: &[String],
    stdin: &str,
    out: &mut Output,
) -> i32 {
    let mut count = None;
    let mut file = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "-c" {
            count = iter.next().cloned();
        } else if let Some(n) = arg.strip_prefix("-c").or_else(|| arg.strip_prefix("--bytes=")) {
            count = Some(n.to_string());
        } else {
            file = Some(arg);
        }
    }
    let Some(n) = count.as_deref().and_then(|n| n.parse::<usize>().ok()) else {
        out.err_line(format!("head: invalid number of bytes: '{}'", count.unwrap_or_default()));
        return 1;
    };
    let Some(text) = read(shell, sim, "head", file, stdin, out) else { return 1 };
    let bytes = bytes_of(&text);
    out.out(text_of(&bytes[..n.min(bytes.len())]));
    0
}

/// A `tr` set: ranges (`a-z`), classes (`[:alnum:]`) and escapes (`\n`), as bytes.
fn set(spec: &str) -> Vec<u8> {
    let mut chars: Vec<u8> = Vec::new();
    let raw: Vec<char> = spec.chars().collect();
    let mut i = 0;
    while i < raw.len() {
        let class_end = (raw[i] == '[' && raw.get(i + 1) == Some(&':'))
            .then(|| {
                (i + 2..raw.len().saturating_sub(1)).find(|&j| raw[j] == ':' && raw[j + 1] == ']')
            })
            .flatten();
        if let Some(j) = class_end {
            let class: String = raw[i + 2..j].iter().collect();
            let members = |b: u8| match class.as_str() {
                "alnum" => b.is_ascii_alphanumeric(),
                "alpha" => b.is_ascii_alphabetic(),
                "digit" => b.is_ascii_digit(),
                "lower" => b.is_ascii_lowercase(),
                "upper" => b.is_ascii_uppercase(),
                "space" => b.is_ascii_whitespace(),
                "punct" => b.is_ascii_punctuation(),
                _ => false,
            };
            chars.extend((0..=255u8).filter(|&b| members(b)));
            i = j + 2;
            continue;
        }
        let c = if raw[i] == '\\' && i + 1 < raw.len() {
            i += 1;
            match raw[i] {
                'n' => b'\n',
                't' => b'\t',
                'r' => b'\r',
                other => other as u8,
            }
        } else {
            raw[i] as u8
        };
        if raw.get(i + 1) == Some(&'-') && i + 2 < raw.len() {
            let end = raw[i + 2] as u8;
            if end >= c {
                chars.extend(c..=end);
            }
            i += 3;
            continue;
        }
        chars.push(c);
        i += 1;
    }
    chars
}

/// `tr [-c] [-d] [-s] SET1 [SET2]`.
pub fn tr(args: &[String], stdin: &str, out: &mut Output) -> i32 {
    let mut complement = false;
    let mut delete = false;
    let mut squeeze = false;
    let mut sets: Vec<&String> = Vec::new();
    for arg in args {
        match arg.strip_prefix('-').filter(|f| !f.is_empty() && sets.is_empty()) {
            Some(flags) if flags.chars().all(|f| "cCds".contains(f)) => {
                complement |= flags.contains(['c', 'C']);
                delete |= flags.contains('d');
                squeeze |= flags.contains('s');
            }
            _ => sets.push(arg),
        }
    }
    let Some(first) = sets.first() else {
        out.err_line("tr: missing operand\nTry 'tr --help' for more information.");
        return 1;
    };
    if !delete && !squeeze && sets.len() < 2 {
        out.err_line(format!(
            "tr: missing operand after '{first}'\nTwo strings must be given when translating.\nTry 'tr --help' for more information."
        ));
        return 1;
    }
    let listed = set(first);
    let in_set1 = |b: u8| listed.contains(&b) != complement;
    let set2 = sets.get(1).map(|s| set(s)).unwrap_or_default();
    let mut result: Vec<u8> = Vec::new();
    for b in bytes_of(stdin) {
        let b = if delete {
            if in_set1(b) {
                continue;
            }
            b
        } else if !complement && !set2.is_empty() {
            match listed.iter().position(|&x| x == b) {
                Some(i) => set2[i.min(set2.len() - 1)],
                None => b,
            }
        } else {
            b
        };
        let squeezed_set = if delete || set2.is_empty() { &listed } else { &set2 };
        if squeeze && result.last() == Some(&b) && squeezed_set.contains(&b) {
            continue;
        }
        result.push(b);
    }
    out.out(text_of(&result));
    0
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                text.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                text.push('=');
            }
        }
    }
    text
}

/// Decodes base64, ignoring line breaks; `None` at the first byte that is not base64.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut n = 0u32;
    let mut bits = 0;
    for c in text.chars().filter(|c| !c.is_ascii_whitespace()) {
        if c == '=' {
            break;
        }
        let value = ALPHABET.iter().position(|&a| a as char == c)? as u32;
        n = n << 6 | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((n >> bits & 0xff) as u8);
        }
    }
    Some(bytes)
}

/// `base64 [-d|--decode] [-w COLS] [FILE]`: GNU coreutils' output, 76 columns to a line.
pub fn base64(
    shell: &Shell,
    sim: &mut Simulation,
    args: &[String],
    stdin: &str,
    out: &mut Output,
) -> i32 {
    let mut decode_input = false;
    let mut wrap = 76usize;
    let mut file = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "-d" | "--decode" | "-D" => decode_input = true,
            "-w" => wrap = iter.next().and_then(|w| w.parse().ok()).unwrap_or(76),
            a if a.starts_with("--wrap=") => wrap = a[7..].parse().unwrap_or(76),
            _ => file = Some(arg),
        }
    }
    let Some(text) = read(shell, sim, "base64", file, stdin, out) else { return 1 };
    if decode_input {
        return match decode(&text) {
            Some(bytes) => {
                out.out(text_of(&bytes));
                0
            }
            None => {
                out.err_line("base64: invalid input");
                1
            }
        };
    }
    let encoded = encode(&bytes_of(&text));
    if wrap == 0 {
        out.out(format!("{encoded}\n"));
    } else {
        for line in encoded.as_bytes().chunks(wrap) {
            out.out(format!("{}\n", String::from_utf8_lossy(line)));
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_matches_coreutils() {
        let cases =
            [("admin", "YWRtaW4="), ("1f2d1e2e67df", "MWYyZDFlMmU2N2Rm"), ("", ""), ("ab", "YWI=")];
        for (plain, encoded) in cases {
            assert_eq!(encode(plain.as_bytes()), encoded);
            assert_eq!(decode(encoded).as_deref(), Some(plain.as_bytes()));
        }
        assert_eq!(decode("not base64!"), None);
    }

    #[test]
    fn tr_sets_take_ranges_classes_and_complements() {
        let run = |args: &[&str], input: &str| {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            let mut out = Output::default();
            tr(&args, input, &mut out);
            out.stdout()
        };
        assert_eq!(run(&["-cd", "a-zA-Z0-9"], "a-B_9\u{ff}!z"), "aB9z");
        assert_eq!(run(&["a-z", "A-Z"], "hello"), "HELLO");
        assert_eq!(run(&["-d", "[:digit:]"], "a1b22"), "ab");
        assert_eq!(run(&["-s", " "], "a   b"), "a b");
    }
}
