//! Every shared fixture is valid WAT: a typo here would fail the tests of several crates at
//! once, far from its cause.

use wrt_test_support::wat;

#[test]
fn every_fixture_parses_to_a_binary() {
    for (name, text) in [
        ("GROW_MEMORY", wat::GROW_MEMORY),
        ("GROW_TABLE", wat::GROW_TABLE),
        ("CALL_HOST", wat::CALL_HOST),
        ("SPIN", wat::SPIN),
        ("CONSTANT", wat::CONSTANT),
        ("MEMORY_100_PAGES", wat::MEMORY_100_PAGES),
        ("GROWER", wat::GROWER),
        ("COMPUTE", wat::COMPUTE),
        ("HOST_LOOP", wat::HOST_LOOP),
        ("START_GROWS_EMPTY_MEMORY", wat::START_GROWS_EMPTY_MEMORY),
        ("START_TRAPS", wat::START_TRAPS),
        ("TWO_MEMORIES", wat::TWO_MEMORIES),
    ] {
        let binary = ::wat::parse_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&binary[..4], b"\0asm", "{name}");
    }
}
