//! Field rules shared by several inputs, as garde custom validators.

/// A slug: 1 to 63 of `a-z`, `0-9` and inner single hyphens, so it is safe in a URL path
/// and a DNS label.
pub(crate) fn slug(value: &str, _ctx: &()) -> garde::Result {
    let ok = !value.is_empty()
        && value.len() <= 63
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-')
        && !value.contains("--");
    if ok {
        Ok(())
    } else {
        Err(garde::Error::new(
            "must be 1-63 lowercase letters, digits and single inner hyphens",
        ))
    }
}

/// An e-mail address, checked only for shape: one `@` with text on both sides and no
/// spaces. Deliverability is proven by sending, not by parsing.
pub(crate) fn email(value: &str, _ctx: &()) -> garde::Result {
    let ok = value.len() <= 254
        && !value.chars().any(char::is_whitespace)
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if ok {
        Ok(())
    } else {
        Err(garde::Error::new("must be an e-mail address"))
    }
}

/// An IANA time zone name known to the time zone database.
pub(crate) fn time_zone(value: &str, _ctx: &()) -> garde::Result {
    jiff::tz::TimeZone::get(value)
        .map(|_| ())
        .map_err(|_| garde::Error::new("must be an IANA time zone name, e.g. Europe/Berlin"))
}

/// A phone number in E.164 form (`+14155550123`), as a garde rule. Inputs that keep the
/// number use [`phone_number`], which also gives back its normalized form.
pub fn e164(value: &str, _ctx: &()) -> garde::Result {
    notify::sms::PhoneNumber::parse(value)
        .map(|_| ())
        .map_err(|invalid| garde::Error::new(invalid.to_string()))
}

/// Parses a phone number typed into the field at `pointer` (`+1 415 555-0123`) into E.164,
/// or says why not as a 422 naming the field.
pub fn phone_number(
    pointer: &str,
    value: &str,
) -> Result<notify::sms::PhoneNumber, crate::ServiceError> {
    notify::sms::PhoneNumber::parse(value)
        .map_err(|invalid| crate::ServiceError::field(pointer, "phone_number", invalid.to_string()))
}

/// Turns garde's `owner.email` / `items[0].name` into a JSON Pointer: `/owner/email`.
pub(crate) fn pointer(path: &str) -> String {
    if path.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for part in path.split(['.', '[']) {
        let part = part.trim_end_matches(']');
        if part.is_empty() {
            continue;
        }
        out.push('/');
        // RFC 6901 escapes: ~ first, then /.
        out.push_str(&part.replace('~', "~0").replace('/', "~1"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for good in ["a", "acme", "acme-2", "x1-y2-z3"] {
            assert!(slug(good, &()).is_ok(), "{good}");
        }
        for bad in ["", "-a", "a-", "a--b", "Acme", "a b", "ä", &"a".repeat(64)] {
            assert!(slug(bad, &()).is_err(), "{bad}");
        }
    }

    #[test]
    fn phone_numbers_name_their_field() {
        assert_eq!(
            phone_number("/to", "+49 30 1234567").map(String::from).ok(),
            Some("+49301234567".to_owned())
        );
        assert!(e164("+4930 1234567", &()).is_ok());
        assert!(e164("030 1234567", &()).is_err());
        match phone_number("/steps/0/to", "030 1234567") {
            Err(crate::ServiceError::Validation(errors)) => {
                assert_eq!(errors[0].pointer, "/steps/0/to");
                assert_eq!(errors[0].code, "phone_number");
            }
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn emails() {
        assert!(email("a@b.example", &()).is_ok());
        for bad in ["", "a", "@b.c", "a@b", "a b@c.d", "a@b@c.d"] {
            assert!(email(bad, &()).is_err(), "{bad}");
        }
    }

    #[test]
    fn pointers() {
        assert_eq!(pointer("name"), "/name");
        assert_eq!(pointer("owner.email"), "/owner/email");
        assert_eq!(pointer("items[0].name"), "/items/0/name");
        assert_eq!(pointer(""), "");
    }
}
