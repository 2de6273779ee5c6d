//! IIN (individual) and BIN (business) identification numbers: 12 digits with a check
//! digit. An IIN's first six digits are the birth date (YYMMDD) and the seventh encodes
//! century and sex. Display them masked (`•••••••••123`) and never log them in full.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must be exactly 12 digits")]
    WrongLength,
    #[error("must contain digits only")]
    NotDigits,
    #[error("the check digit does not match")]
    BadCheckDigit,
    #[error("the birth date is not a real date")]
    BadBirthDate,
    #[error("the century/sex digit is not 1–6")]
    BadCentury,
    #[error("the registration month or entity type is not valid")]
    BadBinPrefix,
}

impl IdError {
    pub fn code(self) -> &'static str {
        match self {
            IdError::WrongLength => "id_wrong_length",
            IdError::NotDigits => "id_not_digits",
            IdError::BadCheckDigit => "id_bad_check_digit",
            IdError::BadBirthDate => "iin_bad_birth_date",
            IdError::BadCentury => "iin_bad_century",
            IdError::BadBinPrefix => "bin_bad_prefix",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

/// A valid IIN's decoded parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iin {
    pub digits: String,
    pub birth_year: u16,
    pub birth_month: u8,
    pub birth_day: u8,
    pub sex: Sex,
}

const W1: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const W2: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

/// The check digit for the first 11 digits, or None when the rule yields 10 twice (such
/// numbers are never issued).
pub fn check_digit(first11: &[u8; 11]) -> Option<u8> {
    let sum = |w: &[u32; 11]| {
        first11
            .iter()
            .zip(w)
            .map(|(&d, &w)| u32::from(d) * w)
            .sum::<u32>()
            % 11
    };
    let mut s = sum(&W1);
    if s == 10 {
        s = sum(&W2);
    }
    (s < 10).then_some(s as u8)
}

fn digits(s: &str) -> Result<[u8; 12], IdError> {
    if s.len() != 12 {
        // `chars().count()` as a plain loop over the bytes that start a character: the
        // standard one is a 0.8 KB word-at-a-time routine in the app's wasm.
        let chars = s.bytes().filter(|b| b & 0xC0 != 0x80).count();
        return Err(if chars == 12 {
            IdError::NotDigits
        } else {
            IdError::WrongLength
        });
    }
    let mut out = [0u8; 12];
    for (o, b) in out.iter_mut().zip(s.bytes()) {
        if !b.is_ascii_digit() {
            return Err(IdError::NotDigits);
        }
        *o = b - b'0';
    }
    let mut first = [0u8; 11];
    first.copy_from_slice(&out[..11]);
    if check_digit(&first) != Some(out[11]) {
        return Err(IdError::BadCheckDigit);
    }
    Ok(out)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Validates an IIN and decodes birth date and sex. Fails with the [`IdError`] that
/// says which rule it breaks.
pub fn validate_iin(s: &str) -> Result<Iin, IdError> {
    let d = digits(s)?;
    let (century, sex) = match d[6] {
        1 => (1800, Sex::Male),
        2 => (1800, Sex::Female),
        3 => (1900, Sex::Male),
        4 => (1900, Sex::Female),
        5 => (2000, Sex::Male),
        6 => (2000, Sex::Female),
        _ => return Err(IdError::BadCentury),
    };
    let year = century + u16::from(d[0]) * 10 + u16::from(d[1]);
    let month = d[2] * 10 + d[3];
    let day = d[4] * 10 + d[5];
    if day == 0 || day > days_in_month(year, month) {
        return Err(IdError::BadBirthDate);
    }
    Ok(Iin {
        digits: s.to_owned(),
        birth_year: year,
        birth_month: month,
        birth_day: day,
        sex,
    })
}

/// Validates a BIN: 12 digits, registration month 01–12 in digits 3–4, entity type 4, 5
/// or 6 in digit 5, and the check digit.
pub fn validate_bin(s: &str) -> Result<(), IdError> {
    let d = digits(s)?;
    let month = d[2] * 10 + d[3];
    if !(1..=12).contains(&month) || !(4..=6).contains(&d[4]) {
        return Err(IdError::BadBinPrefix);
    }
    Ok(())
}

/// `•••••••••123`: nine dots and the last three characters. Safe for any input.
pub fn mask(id: &str) -> String {
    let tail: String = {
        let chars: Vec<char> = id.chars().collect();
        chars[chars.len().saturating_sub(3)..].iter().collect()
    };
    let mut out = "•".repeat(9);
    out.push_str(&tail);
    out
}

/// "Айгерим С.": the first name and the initial of the last name.
pub fn mask_name(name: &str, lastname: &str) -> String {
    let mut out = name.trim().to_owned();
    if let Some(initial) = lastname.trim().chars().next() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push(initial);
        out.push('.');
    }
    out
}

/// A phone number in E.164 form, `+` and 8 to 15 digits (the first not 0), from text that
/// may group them with spaces, hyphens, dots or parentheses. Nothing else is rewritten:
/// a number without its `+` and country code (`8 701 …`, `701 …`) is refused rather than
/// guessed, because guessing maps foreign numbers onto Kazakh ones (`+84 70 123 4567` is
/// Vietnamese, not `+7 470 …`). None when it is not such a number.
pub fn phone_e164(raw: &str) -> Option<String> {
    let rest = raw.trim().strip_prefix('+')?;
    let mut out = String::with_capacity(16);
    out.push('+');
    for c in rest.chars() {
        match c {
            '0'..='9' => out.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    let digits = out.len() - 1;
    ((8..=15).contains(&digits) && !out[1..].starts_with('0')).then_some(out)
}

/// Completes 11 digits with their check digit (for generating test and demo data).
pub fn with_check_digit(first11: &str) -> Option<String> {
    let bytes = first11.as_bytes();
    if bytes.len() != 11 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut d = [0u8; 11];
    for (o, b) in d.iter_mut().zip(bytes) {
        *o = b - b'0';
    }
    let c = check_digit(&d)?;
    Some(format!("{first11}{c}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_keep_their_country_and_are_never_guessed() {
        for raw in ["+7 701 234 56 78", "+7(701)234-56-78", "+77012345678"] {
            assert_eq!(phone_e164(raw).as_deref(), Some("+77012345678"), "{raw}");
        }
        // A Vietnamese number stays Vietnamese (the old rule made it 74701234567).
        assert_eq!(
            phone_e164("+84 70 123 4567").as_deref(),
            Some("+84701234567")
        );
        for raw in [
            "87012345678",
            "7012345678",
            "77012345678",
            "+0 701 234 56 78",
            "+7 701",
            "+7701234567890123",
            "+7 701 234 56 78 ext 9",
            "++77012345678",
            "",
        ] {
            assert_eq!(phone_e164(raw), None, "{raw}");
        }
    }

    #[test]
    fn check_digit_uses_the_second_weights_when_the_first_give_ten() {
        // 88021540080: the first sum mod 11 is 10, the second gives 5.
        let d = [8, 8, 0, 2, 1, 5, 4, 0, 0, 8, 0];
        let first: u32 = d.iter().zip(W1).map(|(&a, w)| u32::from(a) * w).sum();
        assert_eq!(first % 11, 10);
        assert_eq!(check_digit(&d), Some(5));
        assert!(validate_iin("880215400805").is_ok());
    }

    #[test]
    fn iin_decodes_birth_date_and_sex() {
        let s = with_check_digit("88021540012").expect("has a check digit");
        let iin = validate_iin(&s).expect("valid");
        assert_eq!(
            (iin.birth_year, iin.birth_month, iin.birth_day),
            (1988, 2, 15)
        );
        assert_eq!(iin.sex, Sex::Female);
        let s = with_check_digit("02030550098").expect("has a check digit");
        let v = validate_iin(&s).expect("valid");
        assert_eq!((v.birth_year, v.sex), (2002, Sex::Male));
    }

    #[test]
    fn iin_rejections() {
        assert_eq!(validate_iin("12345"), Err(IdError::WrongLength));
        assert_eq!(validate_iin("88021540012x"), Err(IdError::NotDigits));
        assert_eq!(
            validate_iin("８８０２１５４００１２３"),
            Err(IdError::NotDigits)
        );
        let good = with_check_digit("88021540012").expect("check digit");
        let last = good.as_bytes()[11] - b'0';
        let bad = format!("{}{}", &good[..11], (last + 1) % 10);
        assert_eq!(validate_iin(&bad), Err(IdError::BadCheckDigit));
        let feb30 = with_check_digit("88023040012").expect("check digit");
        assert_eq!(validate_iin(&feb30), Err(IdError::BadBirthDate));
        let century0 = with_check_digit("88021500012").expect("check digit");
        assert_eq!(validate_iin(&century0), Err(IdError::BadCentury));
        // 29 Feb only in leap years.
        let leap = with_check_digit("00022950012").expect("check digit");
        assert!(validate_iin(&leap).is_ok());
        let not_leap = with_check_digit("01022950012").expect("check digit");
        assert_eq!(validate_iin(&not_leap), Err(IdError::BadBirthDate));
    }

    #[test]
    fn bin_rules() {
        assert_eq!(validate_bin("180340021791"), Ok(()));
        assert_eq!(validate_bin("180340021792"), Err(IdError::BadCheckDigit));
        let month13 = with_check_digit("18134002179").expect("check digit");
        assert_eq!(validate_bin(&month13), Err(IdError::BadBinPrefix));
    }

    #[test]
    fn masking_keeps_only_the_last_three() {
        assert_eq!(mask("880215400123"), "•••••••••123");
        assert_eq!(mask("12"), "•••••••••12");
        assert_eq!(mask_name("Айгерим", "Сапарова"), "Айгерим С.");
        assert_eq!(mask_name("Ali", ""), "Ali");
    }
}
