//! Resource quantities (`100m`, `128Mi`, `1.5G`, `2e3`) read as Kubernetes reads them.

use std::fmt;

/// Why a quantity string is not one, worded as apimachinery words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantityError;

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    }
}

/// A parsed quantity in thousandths of its unit (millicores for cpu, millibytes for memory),
/// rounded up as `Quantity.MilliValue()` rounds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Milli(pub i128);

impl Milli {
    /// The whole-unit value, rounded up (`Quantity.Value()`): bytes for memory.
    pub fn units(self) -> i128 {
        self.0.div_euclid(1000) + i128::from(self.0.rem_euclid(1000) != 0)
    }
}

/// Parses a quantity string into thousandths of a unit.
pub fn parse(text: &str) -> Result<Milli, QuantityError> {
    let text = text.trim();
    let number_end = text
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || ((*c == '+' || *c == '-') && *i == 0)))
        .map_or(text.len(), |(i, _)| i);
    let (number, suffix) = text.split_at(number_end);
    let (sign, digits) = match number.as_bytes().first() {
        Some(b'-') => (-1, &number[1..]),
        Some(b'+') => (1, &number[1..]),
        _ => (1, number),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if (whole.is_empty() && fraction.is_empty())
        || !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit())
    {
        return Err(QuantityError);
    }
    // The value as an exact fraction: mantissa / 10^scale.
    let mantissa = whole.bytes().chain(fraction.bytes()).try_fold(0i128, |value, digit| {
        value.checked_mul(10)?.checked_add(i128::from(digit - b'0'))
    });
    let mantissa = mantissa.ok_or(QuantityError)?;
    let scale = i32::try_from(fraction.len()).map_err(|_| QuantityError)?;
    let (multiplier, exponent10): (i128, i32) = match suffix {
        "" => (1, 0),
        "Ki" => (1 << 10, 0),
        "Mi" => (1 << 20, 0),
        "Gi" => (1 << 30, 0),
        "Ti" => (1 << 40, 0),
        "Pi" => (1 << 50, 0),
        "Ei" => (1 << 60, 0),
        "n" => (1, -9),
        "u" => (1, -6),
        "m" => (1, -3),
        "k" => (1, 3),
        "M" => (1, 6),
        "G" => (1, 9),
        "T" => (1, 12),
        "P" => (1, 15),
        "E" => (1, 18),
        other => match other.strip_prefix(['e', 'E']) {
            Some(exp) if !exp.is_empty() => (1, exp.parse().map_err(|_| QuantityError)?),
            _ => return Err(QuantityError),
        },
    };
    // thousandths = mantissa * multiplier * 10^(exponent10 + 3 - scale), rounded up.
    let power = exponent10 + 3 - scale;
    let base = mantissa.checked_mul(multiplier).ok_or(QuantityError)?;
    let value = if power >= 0 {
        base.checked_mul(10i128.checked_pow(power.unsigned_abs()).ok_or(QuantityError)?)
            .ok_or(QuantityError)?
    } else {
        let divisor = 10i128.checked_pow(power.unsigned_abs()).ok_or(QuantityError)?;
        base / divisor + i128::from(base % divisor != 0)
    };
    Ok(Milli(sign * value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_memory_forms() {
        assert_eq!(parse("100m"), Ok(Milli(100)));
        assert_eq!(parse("2"), Ok(Milli(2000)));
        assert_eq!(parse("0.5"), Ok(Milli(500)));
        assert_eq!(parse("128Mi").map(Milli::units), Ok(128 * 1024 * 1024));
        assert_eq!(parse("1G").map(Milli::units), Ok(1_000_000_000));
        assert_eq!(parse("4015412Ki").map(Milli::units), Ok(4_015_412 * 1024));
        assert_eq!(parse("2e3"), Ok(Milli(2_000_000)));
        assert_eq!(parse("1.5Gi").map(Milli::units), Ok(1_610_612_736));
    }

    #[test]
    fn fractions_of_a_millicore_round_up() {
        assert_eq!(parse("0.0001"), Ok(Milli(1)));
        assert_eq!(parse("1n"), Ok(Milli(1)));
    }

    #[test]
    fn garbage_is_refused() {
        for bad in ["", "abc", "1Mb", "m", "1.2.3", "--1", "1e"] {
            assert_eq!(parse(bad), Err(QuantityError), "{bad:?}");
        }
    }
}
