//! Account input rules shared by the server and the pages.

/// Longest email accepted (RFC 5321's path limit).
pub const MAX_EMAIL: usize = 254;

/// The email in its stored form (lowercased), or why it is not an address: one `@`, 1 to 64
/// characters before it, a dot inside the domain, no spaces or control characters, at most
/// [`MAX_EMAIL`] characters. Lengths count characters, as the API description's pattern does;
/// forms trim what people type before it gets here.
pub fn normalize_email(raw: &str) -> Result<String, &'static str> {
    let refuse = Err("must be an email address, like you@example.com");
    let Some((local, domain)) = raw.split_once('@') else {
        return refuse;
    };
    let valid = (1..=64).contains(&local.chars().count())
        && raw.chars().count() <= MAX_EMAIL
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !raw.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(raw.to_lowercase())
    } else {
        refuse
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(
            normalize_email("Ada@Example.COM").unwrap(),
            "ada@example.com"
        );
        assert!(
            normalize_email(" ada@example.com").is_err(),
            "forms trim, the rule does not"
        );
        assert!(
            normalize_email(&format!("{}@example.com", "é".repeat(64))).is_ok(),
            "characters, not bytes"
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
            "ada@.com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?}");
        }
        assert!(normalize_email(&format!("{}@example.com", "a".repeat(65))).is_err());
    }
}
