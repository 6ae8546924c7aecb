//! Binaries admission refuses to judge: malformed, hostile, or with a broken declared-limits
//! section. Each error names the byte offset.
#![cfg(feature = "alloc")]

mod support;

use support::fixtures::bytes as fixture;
use wrt_component::admission::{
    AdmissionError, DeclaredLimitsError, MAX_NESTING_DEPTH, Requirements, read_requirements,
};

use wrt_test_support::counting_allocator::{CountingAllocator, requested_during};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn nested_components(depth: usize) -> Vec<u8> {
    let wat = format!("{}{}", "(component ".repeat(depth), ")".repeat(depth));
    wat::parse_str(wat).unwrap()
}

#[test]
fn every_truncation_of_every_fixture_is_an_error_or_a_shorter_valid_binary() {
    for name in [
        "module_full.wasm",
        "component_nested.wasm",
        "declared_limits.wasm",
    ] {
        let bytes = fixture(name);
        let mut valid_prefixes = 0;
        for len in 0..bytes.len() {
            match read_requirements(&bytes[..len]) {
                Err(error) => assert!(error.offset() <= len as u64, "{name}[..{len}]: {error}"),
                // Cut exactly between two sections of a module: a smaller, valid module.
                Ok(_) => valid_prefixes += 1,
            }
        }
        assert!(
            valid_prefixes <= 12,
            "{name}: {valid_prefixes} valid prefixes"
        );
    }
}

#[test]
fn malformed_binary_reports_wasmparser_message_and_offset() {
    let mut bytes = fixture("memory_defined.wasm");
    bytes[4] = 2; // unknown version
    let error = read_requirements(&bytes).unwrap_err();
    let AdmissionError::Malformed { offset, message } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*offset, 4);
    assert!(message.contains("version"), "{message}");
    assert!(error.to_string().contains("offset 0x4"), "{error}");
}

#[test]
fn invalid_but_well_formed_module_is_refused_by_the_validator() {
    // A function that returns nothing but leaves an i32 on the stack.
    let bytes = wat::parse_str("(module (func i32.const 1))").unwrap();
    let error = read_requirements(&bytes).unwrap_err();
    assert!(
        matches!(error, AdmissionError::Malformed { .. }),
        "{error:?}"
    );
}

#[test]
fn huge_declared_counts_fail_fast_without_allocating() {
    // A memory section that claims u32::MAX memories in four bytes.
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    bytes.extend([5, 5, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    let (result, requested) = requested_during(|| read_requirements(&bytes));
    let error = result.unwrap_err();
    assert!(
        matches!(error, AdmissionError::Malformed { offset: 10, .. }),
        "{error:?}"
    );
    // The validator's own set-up, not room for four billion memories.
    assert!(
        requested.bytes < 64 * 1024 && requested.largest < 16 * 1024,
        "{requested:?}"
    );
}

#[test]
fn nesting_up_to_the_cap_is_read_and_deeper_is_refused() {
    let ok = read_requirements(&nested_components(MAX_NESTING_DEPTH)).unwrap();
    let Requirements::Component(mut component) = ok else {
        panic!()
    };
    for _ in 1..MAX_NESTING_DEPTH {
        component = component.components.pop().unwrap();
    }
    assert!(component.components.is_empty());

    let error = read_requirements(&nested_components(MAX_NESTING_DEPTH + 1)).unwrap_err();
    let AdmissionError::NestingTooDeep {
        depth,
        limit,
        offset,
    } = error
    else {
        panic!("{error:?}")
    };
    assert_eq!((depth, limit), (MAX_NESTING_DEPTH + 1, MAX_NESTING_DEPTH));
    assert!(offset > 0);
}

#[test]
fn declared_limits_section_with_unknown_version_is_an_error_at_its_offset() {
    let bytes = fixture("declared_limits_bad.wasm");
    let error = read_requirements(&bytes).unwrap_err();
    let AdmissionError::DeclaredLimits {
        section_offset,
        source,
    } = error.clone()
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        source,
        DeclaredLimitsError::UnknownVersion {
            offset: 0,
            version: 2,
            supported: 1
        }
    );
    assert_eq!(
        bytes[section_offset as usize], 2,
        "offset points at the version byte"
    );
    assert_eq!(error.offset(), section_offset);
}

#[test]
fn declared_limits_errors_point_into_the_file() {
    // Trailing byte after an empty entry list, at payload offset 2.
    let bytes = wat::parse_str(r#"(module (@custom "wrt.limits" "\01\00\ff"))"#).unwrap();
    let error = read_requirements(&bytes).unwrap_err();
    assert_eq!(bytes[error.offset() as usize], 0xff);
    assert!(error.to_string().contains("trailing"), "{error}");
}

#[test]
fn two_declared_limits_sections_are_an_error() {
    let bytes = wat::parse_str(
        r#"(module (@custom "wrt.limits" "\01\00") (memory 1) (@custom "wrt.limits" (after memory) "\01\00"))"#,
    )
    .unwrap();
    let error = read_requirements(&bytes).unwrap_err();
    let AdmissionError::DuplicateDeclaredLimits {
        offset,
        first_offset,
    } = error
    else {
        panic!("{error:?}")
    };
    assert!(first_offset < offset);
}

#[test]
fn a_nested_module_keeps_its_own_declared_limits_but_does_not_speak_for_the_component() {
    let bytes =
        wat::parse_str(r#"(component (core module (@custom "wrt.limits" "\01\01\02\03")) )"#)
            .unwrap();
    let requirements = read_requirements(&bytes).unwrap();
    assert_eq!(requirements.declared_limits(), None);
    let Requirements::Component(component) = requirements else {
        panic!()
    };
    assert!(component.modules[0].declared_limits.is_some());
}

#[test]
fn custom_section_names_are_capped() {
    let sections: String = (0..100)
        .map(|i| format!(r#"(@custom "s{i}" "")"#))
        .collect();
    let bytes = wat::parse_str(format!("(module {sections})")).unwrap();
    let Requirements::Module(module) = read_requirements(&bytes).unwrap() else {
        panic!()
    };
    assert_eq!(module.custom_sections.count, 100);
    assert_eq!(
        module.custom_sections.names.len(),
        wrt_component::admission::MAX_RECORDED_NAMES
    );
}

/// A binary using a proposal outside the admission set (Emscripten's legacy exception
/// handling) is read, not called malformed, and the proposal is named.
#[test]
fn legacy_exceptions_are_read_and_named_not_malformed() {
    let bytes = wat::parse_str(
        r#"(module (tag $e) (memory 1)
             (func (export "f") try throw $e catch $e end))"#,
    )
    .unwrap();
    let requirements = wrt_component::admission::read_requirements(&bytes).unwrap();
    assert_eq!(requirements.kind(), "module");
    let proposals = wrt_component::admission::proposals_used(&bytes);
    assert!(
        proposals.iter().any(|p| p == "legacy_exceptions"),
        "{proposals:?}"
    );
    // Bytes invalid under every feature are still malformed.
    assert!(wrt_component::admission::read_requirements(&bytes[..bytes.len() - 3]).is_err());
    assert!(wrt_component::admission::proposals_used(&bytes[..bytes.len() - 3]).is_empty());
}
