//! π to any number of significant digits, as `perl -Mbignum=bpi -wle 'print bpi(2000)'` prints
//! it (the classic Job example): Machin's formula on fixed-point numbers in base 10⁹.

/// One limb holds nine decimal digits.
const BASE: u64 = 1_000_000_000;
/// Extra digits computed past the ones printed, so rounding the last one is right.
const GUARD_DIGITS: usize = 12;

/// A fixed-point number: limb 0 is the integer part, the rest the fraction.
struct Fixed(Vec<u64>);

impl Fixed {
    fn from_int(value: u64, limbs: usize) -> Fixed {
        let mut v = vec![0; limbs];
        v[0] = value;
        Fixed(v)
    }

    fn is_zero(&self) -> bool {
        self.0.iter().all(|&l| l == 0)
    }

    fn div_small(&mut self, divisor: u64) {
        let mut rem = 0u64;
        for limb in &mut self.0 {
            let cur = rem * BASE + *limb;
            *limb = cur / divisor;
            rem = cur % divisor;
        }
    }

    fn mul_small(&mut self, factor: u64) {
        let mut carry = 0u64;
        for limb in self.0.iter_mut().rev() {
            let cur = *limb * factor + carry;
            *limb = cur % BASE;
            carry = cur / BASE;
        }
        self.0[0] += carry * BASE;
    }

    fn add(&mut self, other: &Fixed) {
        let mut carry = 0u64;
        for (a, b) in self.0.iter_mut().zip(&other.0).rev() {
            let cur = *a + *b + carry;
            *a = cur % BASE;
            carry = cur / BASE;
        }
        self.0[0] += carry * BASE;
    }

    fn sub(&mut self, other: &Fixed) {
        let mut borrow = 0u64;
        for (a, b) in self.0.iter_mut().zip(&other.0).rev() {
            let need = *b + borrow;
            if *a >= need {
                *a -= need;
                borrow = 0;
            } else {
                *a = *a + BASE - need;
                borrow = 1;
            }
        }
    }
}

/// arctan(1/x) by its Taylor series.
fn arctan_inverse(x: u64, limbs: usize) -> Fixed {
    let mut power = Fixed::from_int(1, limbs);
    power.div_small(x);
    let mut sum = Fixed(power.0.clone());
    let mut k = 1u64;
    loop {
        power.div_small(x * x);
        if power.is_zero() {
            return sum;
        }
        let mut term = Fixed(power.0.clone());
        term.div_small(2 * k + 1);
        if k % 2 == 1 {
            sum.sub(&term);
        } else {
            sum.add(&term);
        }
        k += 1;
    }
}

/// π rounded to `digits` significant digits: `3.14159…`.
pub(crate) fn pi(digits: usize) -> String {
    let digits = digits.max(1);
    let decimals = digits - 1 + GUARD_DIGITS;
    let limbs = decimals / 9 + 2;
    let mut pi = arctan_inverse(5, limbs);
    pi.mul_small(4);
    let small = arctan_inverse(239, limbs);
    pi.sub(&small);
    pi.mul_small(4);
    let mut fraction: Vec<u8> = pi.0[1..]
        .iter()
        .flat_map(|limb| format!("{limb:09}").into_bytes())
        .map(|b| b - b'0')
        .collect();
    fraction.truncate(decimals);
    let mut integer = pi.0[0];
    let mut kept: Vec<u8> = fraction[..digits - 1].to_vec();
    if fraction[digits - 1] >= 5 {
        // Round half up; carry through nines.
        let mut i = kept.len();
        loop {
            if i == 0 {
                integer += 1;
                break;
            }
            i -= 1;
            if kept[i] == 9 {
                kept[i] = 0;
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let mut text = integer.to_string();
    if !kept.is_empty() {
        text.push('.');
        text.extend(kept.iter().map(|d| char::from(b'0' + d)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pi_has_the_right_digits_and_length() {
        let text = pi(2000);
        assert_eq!(text.len(), 2001);
        assert_eq!(&text[..52], "3.14159265358979323846264338327950288419716939937510");
        // The last digits, checked against an independent big-integer computation (the 2001st
        // digit rounds the 2000th up: …59009 → …5901).
        assert!(text.ends_with("5901"), "{}", &text[1950..]);
    }

    #[test]
    fn small_precisions_round() {
        let cases = [(1, "3"), (3, "3.14"), (5, "3.1416"), (10, "3.141592654")];
        for (digits, want) in cases {
            assert_eq!(pi(digits), want, "{digits}");
        }
    }
}
