//! Slugs made from names: the words of a name, a slug of them, and the first slug of a stem
//! that nothing else has taken. A leaf: the import and the profile both make slugs.

use crate::rules::MAX_SLUG_LEN;

/// The lowercase ASCII words of `text`.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
}

/// A valid slug from any name: "Bench Press (Smith Machine)" → `bench-press-smith-machine`.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for w in words(name) {
        if slug.len() + w.len() + 1 > MAX_SLUG_LEN {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&w);
    }
    if slug.is_empty() {
        "exercise".to_owned()
    } else {
        slug
    }
}

/// `base`, or the first of `base-2`, `base-3`, … that is not `taken`, cut so it stays a slug
/// of at most [`MAX_SLUG_LEN`] characters.
pub fn first_free(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| {
            let suffix = format!("-{n}");
            let room = MAX_SLUG_LEN - suffix.len();
            format!(
                "{}{suffix}",
                base[..base.len().min(room)].trim_end_matches('-')
            )
        })
        .find(|s| !taken(s))
        .unwrap_or_else(|| base.to_owned())
}
