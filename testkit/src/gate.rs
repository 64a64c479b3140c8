//! The gate between the two test tiers.
//!
//! `cargo test` alone is the fast tier: it needs nothing but Rust. A test that needs a part a
//! newcomer's machine may lack (RabbitMQ, SecantusDB, moto, kubectl, root) opens with
//! [`full_tier!`](crate::full_tier), which skips it there and says so on stderr. The test
//! command (`scripts/test.sh`) sets [`VAR`], and every gated test runs; a part missing then is a
//! failure of the test that needs it, never a skip.

/// Set to `1` by the test command: run the tests that need the services and root.
pub const VAR: &str = "IRONLOG_FULL_TESTS";

/// Whether this run is the full tier.
pub fn full() -> bool {
    std::env::var(VAR).is_ok_and(|v| v == "1")
}

/// True when the test named `test`, which needs `needs`, is to be skipped in this run: it says
/// so on stderr, written to the handle itself so that the test harness, which holds back only
/// what `eprintln!` prints, shows it (`scripts/test.sh --fast` lists these lines at the end).
pub fn skip(test: &str, needs: &str) -> bool {
    use std::io::Write as _;
    if full() {
        return false;
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: needs {needs}; the full tier runs it ({VAR}=1, set by scripts/test.sh)"
    );
    true
}

/// Opens a test that needs the full tier: `testkit::full_tier!("RabbitMQ and SecantusDB");`
/// returns from the test at once in the fast tier. A test returning `Result` passes its
/// `Ok` value as a second argument.
#[macro_export]
macro_rules! full_tier {
    ($needs:expr) => {
        $crate::full_tier!($needs, ())
    };
    ($needs:expr, $ok:expr) => {{
        fn here() {}
        if $crate::gate::skip(
            &$crate::gate::test_name(std::any::type_name_of_val(&here)),
            $needs,
        ) {
            return $ok;
        }
    }};
}

/// The test's path from the path of a function declared in it (`full_tier!`'s `here`).
pub fn test_name(here: &str) -> String {
    here.trim_end_matches("::here")
        .trim_end_matches("::{{closure}}")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_value_1_opens_the_full_tier() {
        // One test changes the variable, so no other test of this crate races it.
        std::env::remove_var(VAR);
        assert!(!full());
        std::env::set_var(VAR, "0");
        assert!(!full());
        std::env::set_var(VAR, "1");
        assert!(full());
        assert!(!skip("t", "RabbitMQ"));
        std::env::remove_var(VAR);
        assert_eq!(
            test_name("contract::a_test::{{closure}}::here"),
            "contract::a_test"
        );
    }
}
