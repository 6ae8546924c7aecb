//! [`read_requirements`]: validate a binary and learn what it asks for, in one pass.
//!
//! Each payload goes to wasmparser's [`Validator`] first and is read only once it passed, so
//! nothing here ever looks at bytes the validator has not accepted; function bodies are
//! validated as they stream by, with one set of reused allocations. Memory use is linear in
//! the input (wasmparser caps every count) plus a stack of at most [`MAX_NESTING_DEPTH`]
//! frames.

use alloc::string::String;
use alloc::vec::Vec;
use core::mem;

use wasmparser::{
    CustomSectionReader, Encoding, FuncValidatorAllocations, Parser, Payload, ValidPayload,
    Validator, WasmFeatures,
};

use super::declared::{DECLARED_LIMITS_SECTION, DeclaredLimits};
use super::error::AdmissionError;
use super::read_component::ComponentFrame;
use super::read_module::read_module_section;
use super::requirements::{
    ComponentRequirements, CustomSections, ModuleRequirements, Requirements,
};

/// Deepest nesting of components (and a core module inside the innermost one) accepted.
/// Real toolchains nest two or three levels; the cap keeps hostile inputs bounded.
pub const MAX_NESTING_DEPTH: usize = 16;

/// Custom section names kept per module or component (all are counted).
pub const MAX_RECORDED_NAMES: usize = 64;

/// Longest custom section name kept, in bytes (longer ones are cut at a char boundary).
pub const MAX_RECORDED_NAME_LEN: usize = 128;

/// The WebAssembly features admission validates with: wasmparser's defaults (the 3.0 feature
/// set, which includes memory64, multi-memory, threads and shared memory, and the component
/// model) plus custom page sizes, whose memories admission sizes correctly. Benchmarks and
/// tests validate with the same set so that their baselines are comparable.
pub fn validation_features() -> WasmFeatures {
    WasmFeatures::default()
        | WasmFeatures::MEMORY64
        | WasmFeatures::MULTI_MEMORY
        | WasmFeatures::THREADS
        | WasmFeatures::COMPONENT_MODEL
        | WasmFeatures::CUSTOM_PAGE_SIZES
}

/// Validate `bytes` (a core module or a component) and read what it asks for.
///
/// ```
/// use wrt_component::admission::{read_requirements, Requirements};
///
/// // (module (memory 1 2))
/// let bytes = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 4, 1, 1, 1, 2];
/// let Ok(Requirements::Module(module)) = read_requirements(&bytes) else { panic!() };
/// assert_eq!(module.memories[0].initial_bytes(), 65_536);
/// assert_eq!(module.memories[0].maximum_pages, Some(2));
///
/// let truncated = read_requirements(&bytes[..12]).unwrap_err();
/// assert_eq!(truncated.offset(), 10);
/// ```
pub fn read_requirements(bytes: &[u8]) -> Result<Requirements, AdmissionError> {
    match read_with(bytes, validation_features()) {
        Ok(requirements) => Ok(requirements),
        // A proposal wasmparser knows but the admission set leaves out (the legacy exception
        // handling Emscripten emits with -fexceptions, GC, ...): still a valid binary, so it
        // is read with every feature on. Only bytes invalid under every feature are malformed,
        // and then the error is the one of the admission set.
        Err(error) => read_with(bytes, WasmFeatures::all()).map_err(|_| error),
    }
}

/// The WebAssembly proposals (and other features wasmparser can switch off, such as
/// `floats`) `bytes` uses, by wasmparser's feature names in lower case (`"memory64"`,
/// `"threads"`, `"legacy_exceptions"`, ...): each feature without which the binary no longer
/// validates while every other feature stays on. Features that cannot be switched off alone
/// (the validator then refuses even an empty module) are not named. Empty for a binary that
/// is invalid under every feature.
///
/// ```
/// use wrt_component::admission::proposals_used;
///
/// let shared = wat::parse_str("(module (memory 1 1 shared))").unwrap();
/// assert!(proposals_used(&shared).iter().any(|p| p == "threads"));
/// assert!(proposals_used(&wat::parse_str("(module)").unwrap()).is_empty());
/// ```
pub fn proposals_used(bytes: &[u8]) -> Vec<String> {
    const EMPTY_MODULE: [u8; 8] = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
    let valid = |bytes: &[u8], features| {
        Validator::new_with_features(features)
            .validate_all(bytes)
            .is_ok()
    };
    if !valid(bytes, WasmFeatures::all()) {
        return Vec::new();
    }
    WasmFeatures::all()
        .iter_names()
        .filter(|(_, feature)| {
            let without = WasmFeatures::all().difference(*feature);
            valid(&EMPTY_MODULE, without) && !valid(bytes, without)
        })
        .map(|(name, _)| name.to_ascii_lowercase())
        .collect()
}

fn read_with(bytes: &[u8], features: WasmFeatures) -> Result<Requirements, AdmissionError> {
    let mut validator = Validator::new_with_features(features);
    let mut parser = Parser::new(0);
    parser.set_features(features);
    let mut allocations = FuncValidatorAllocations::default();
    let mut reader = Reader {
        stack: Vec::new(),
        nested_size: None,
        finished: None,
        total_size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
    };
    for payload in parser.parse_all(bytes) {
        let payload = payload?;
        if let ValidPayload::Func(func, body) = validator.payload(&payload)? {
            let mut func_validator = func.into_validator(mem::take(&mut allocations));
            func_validator.validate(&body)?;
            allocations = func_validator.into_allocations();
        }
        reader.payload(&payload)?;
    }
    reader.finished.ok_or(AdmissionError::Malformed {
        offset: reader.total_size,
        message: alloc::string::String::from("unexpected end of input"),
    })
}

/// A module or component whose sections are being read.
// At most MAX_NESTING_DEPTH frames exist at once: boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
pub(super) enum Frame {
    Module(ModuleRequirements, Option<u64>),
    Component(ComponentFrame),
}

struct Reader {
    stack: Vec<Frame>,
    /// Size of the nested module or component announced by the last module/component
    /// section, consumed by its version header.
    nested_size: Option<u64>,
    finished: Option<Requirements>,
    total_size: u64,
}

impl Reader {
    fn payload(&mut self, payload: &Payload<'_>) -> Result<(), AdmissionError> {
        match payload {
            Payload::Version {
                encoding, range, ..
            } => self.begin(*encoding, range.start),
            Payload::ModuleSection {
                unchecked_range, ..
            }
            | Payload::ComponentSection {
                unchecked_range, ..
            } => {
                let size = unchecked_range.end.saturating_sub(unchecked_range.start);
                self.nested_size = Some(size);
                Ok(())
            }
            Payload::End(_) => self.end(),
            Payload::CustomSection(section) => match self.stack.last_mut() {
                Some(Frame::Module(module, declared_at)) => record_custom(
                    &mut module.custom_sections,
                    &mut module.declared_limits,
                    declared_at,
                    section,
                ),
                Some(Frame::Component(frame)) => record_custom(
                    &mut frame.requirements.custom_sections,
                    &mut frame.requirements.declared_limits,
                    &mut frame.declared_at,
                    section,
                ),
                None => Ok(()),
            },
            other => match self.stack.split_last_mut() {
                Some((Frame::Module(module, _), _)) => read_module_section(module, other),
                Some((Frame::Component(current), outer)) => current.read_section(other, outer),
                None => Ok(()),
            },
        }
    }

    fn begin(&mut self, encoding: Encoding, offset: u64) -> Result<(), AdmissionError> {
        let depth = self.stack.len().saturating_add(1);
        if depth > MAX_NESTING_DEPTH {
            log::debug!("admission: nesting depth {depth} at {offset:#x} refused");
            return Err(AdmissionError::NestingTooDeep {
                offset,
                depth,
                limit: MAX_NESTING_DEPTH,
            });
        }
        let size = self.nested_size.take().unwrap_or(self.total_size);
        self.stack.push(match encoding {
            Encoding::Module => Frame::Module(
                ModuleRequirements {
                    offset,
                    size_bytes: size,
                    ..ModuleRequirements::default()
                },
                None,
            ),
            Encoding::Component => Frame::Component(ComponentFrame::new(ComponentRequirements {
                offset,
                size_bytes: size,
                ..ComponentRequirements::default()
            })),
        });
        Ok(())
    }

    fn end(&mut self) -> Result<(), AdmissionError> {
        let finished = match self.stack.pop() {
            Some(Frame::Module(module, _)) => Requirements::Module(module),
            Some(Frame::Component(frame)) => Requirements::Component(frame.finish()),
            None => return Ok(()),
        };
        match self.stack.last_mut() {
            Some(Frame::Component(parent)) => parent.adopt(finished),
            // The validator only lets modules and components nest inside components.
            Some(Frame::Module(..)) => {}
            None => self.finished = Some(finished),
        }
        Ok(())
    }
}

fn record_custom(
    sections: &mut CustomSections,
    declared: &mut Option<DeclaredLimits>,
    declared_at: &mut Option<u64>,
    section: &CustomSectionReader<'_>,
) -> Result<(), AdmissionError> {
    sections.count = sections.count.saturating_add(1);
    let payload_len = u64::try_from(section.data().len()).unwrap_or(u64::MAX);
    sections.bytes = sections.bytes.saturating_add(payload_len);
    if sections.names.len() < MAX_RECORDED_NAMES {
        sections.names.push(alloc::string::String::from(truncate(
            section.name(),
            MAX_RECORDED_NAME_LEN,
        )));
    }
    if section.name() != DECLARED_LIMITS_SECTION {
        return Ok(());
    }
    let offset = section.data_offset();
    if let Some(first_offset) = *declared_at {
        return Err(AdmissionError::DuplicateDeclaredLimits {
            offset,
            first_offset,
        });
    }
    let limits =
        DeclaredLimits::parse(section.data()).map_err(|source| AdmissionError::DeclaredLimits {
            section_offset: offset,
            source,
        })?;
    *declared = Some(limits);
    *declared_at = Some(offset);
    Ok(())
}

/// `name` cut to at most `max` bytes at a char boundary.
fn truncate(name: &str, max: usize) -> &str {
    let mut end = name.len().min(max);
    while !name.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    name.get(..end).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("abc", 2), "ab");
        assert_eq!(truncate("aé", 2), "a");
        assert_eq!(truncate("", 5), "");
    }

    #[test]
    fn empty_and_garbage_inputs_are_errors_not_panics() {
        for bytes in [&[][..], &[0, 0x61], &[1, 2, 3, 4, 5, 6, 7, 8]] {
            assert!(read_requirements(bytes).is_err());
        }
    }
}
