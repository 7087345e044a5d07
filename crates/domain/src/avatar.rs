//! A face for everyone: a person without a photo shows their initials on a colour that stays
//! the same for them everywhere.
use crate::UserId;

/// How many avatar colours the interface defines (`.avatar.c0` ... `.c7`).
pub const COLOURS: u8 = 8;

/// Up to two initials, upper case: the first letters of the first and last words of the
/// name ("Hélène de la Tour" → "HT"). Letters and digits only, so safe in any markup.
pub fn initials(name: &str) -> String {
    let firsts: Vec<char> = name
        .split_whitespace()
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .collect();
    let picked: Vec<char> = match firsts.as_slice() {
        [] => vec!['?'],
        [one] => vec![*one],
        [first, .., last] => vec![*first, *last],
    };
    picked.into_iter().flat_map(char::to_uppercase).collect()
}

/// The person's colour, from their id (the random end of it, so neighbours differ).
pub fn colour(id: UserId) -> u8 {
    let b = id.0.as_bytes();
    (b[15] ^ b[14]) % COLOURS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_are_the_first_and_last_words_first_letters() {
        assert_eq!(initials("Hélène de la Tour"), "HT");
        assert_eq!(initials("élodie marchand"), "ÉM");
        assert_eq!(initials("Bob"), "B");
        assert_eq!(initials("  "), "?");
        assert_eq!(initials("<b>x</b> \"y\""), "BY");
        let id = UserId::generate();
        assert_eq!(colour(id), colour(id));
        assert!(colour(id) < COLOURS);
    }
}
