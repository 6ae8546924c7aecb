//! The `#![no_std]` proof crates under `proofs/`: consumers that show the library crates
//! really work without `std` (and, for `no-alloc`, without any allocator).
//!
//! Each proof is its own Cargo workspace (the root workspace excludes `proofs/`), built as a
//! host `staticlib` with `panic = "abort"`, its own `#[panic_handler]`, and:
//!
//! * `proofs/no-alloc`: NO global allocator, library crates with `default-features = false`.
//!   Linking fails if anything in the graph pulls in `alloc` ("no global memory allocator
//!   found") or `std` (a second `panic_impl`). The negative check builds it with the feature
//!   `leak-alloc` (which turns on `wrt-foundation/alloc`) and REQUIRES that failure, so the
//!   proof cannot silently stop proving anything; `leak-std` (turning on `wrt-foundation/std`)
//!   must fail likewise, with a duplicate `panic_impl`.
//! * `proofs/alloc`: `no_std` + `alloc` with the consumer's own `#[global_allocator]` (a bump
//!   allocator over a static array), library crates with `features = ["alloc"]`, and wasmi
//!   running Wasm under `wrt-wasmi`'s limits. Its negative check, `leak-std` (turning on
//!   `wrt-wasmi/std`), must fail with a duplicate `panic_impl`: the real engine adapter,
//!   built as an ECU integrator builds it, has no std in its graph.
//!
//! After each build, [`crate::proof_harness`] links the staticlib into a generated C `main`
//! and runs every exported check, so the proof code is executed, not only compiled.

use std::path::Path;

use crate::ci::{Action, Check, Env, Step, cargo_step};

/// Text of rustc's error when a crate needs `alloc` but nothing provides an allocator.
pub const NO_ALLOCATOR_ERROR: &str = "no global memory allocator found";

/// Text of rustc's error when `std` is linked next to the proof's own panic handler.
pub const DUPLICATE_PANIC_HANDLER_ERROR: &str = "duplicate lang item `panic_impl`";

/// Output directory of the proof builds, relative to the workspace's target directory.
pub const TARGET_SUBDIR: &str = "proofs";

/// `--locked`: a proof builds what its committed `Cargo.lock` names, and a lock file that no
/// longer matches the library crates' dependencies fails the step instead of being rewritten
/// in the checkout (it was, unnoticed, when wrt-platform gained portable-atomic).
fn build_args(proof: &str, target_dir: &str, features: &[&'static str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "build",
        "--release",
        "--locked",
        "--manifest-path",
        &format!("proofs/{proof}/Cargo.toml"),
        "--target-dir",
        target_dir,
    ]
    .iter()
    .map(|arg| arg.to_string())
    .collect();
    for feature in features {
        args.push("--features".into());
        args.push((*feature).into());
    }
    args
}

/// The proof steps belonging to `envs` (std has none: the host test run covers it); the
/// proofs build into `<target_dir>/proofs`.
pub fn steps(envs: &[Env], target_dir: &Path) -> Vec<Step> {
    let target = target_dir
        .join(TARGET_SUBDIR)
        .to_string_lossy()
        .into_owned();
    let mut steps = Vec::new();
    let step = |name: &str, args: Vec<String>, check: Check| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        cargo_step(name.to_string(), &refs, check)
    };
    if envs.contains(&Env::NoAlloc) {
        steps.push(step(
            "no_alloc proof builds (no allocator)",
            build_args("no-alloc", &target, &[]),
            Check::Exit,
        ));
        steps.push(Step {
            name: "no_alloc proof runs its checks".into(),
            action: Action::ProofRun("no-alloc".into()),
        });
        steps.push(step(
            "no_alloc proof rejects alloc",
            build_args("no-alloc", &target, &["leak-alloc"]),
            Check::MustFailWith(NO_ALLOCATOR_ERROR),
        ));
        steps.push(step(
            "no_alloc proof rejects std",
            build_args("no-alloc", &target, &["leak-std"]),
            Check::MustFailWith(DUPLICATE_PANIC_HANDLER_ERROR),
        ));
    }
    if envs.contains(&Env::Alloc) {
        steps.push(step(
            "alloc proof builds (own allocator)",
            build_args("alloc", &target, &[]),
            Check::Exit,
        ));
        steps.push(Step {
            name: "alloc proof runs its checks".into(),
            action: Action::ProofRun("alloc".into()),
        });
        steps.push(step(
            "alloc proof rejects std",
            build_args("alloc", &target, &["leak-std"]),
            Check::MustFailWith(DUPLICATE_PANIC_HANDLER_ERROR),
        ));
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_alloc_has_a_positive_and_a_negative_proof() {
        let steps = steps(&[Env::NoAlloc], Path::new("target"));
        assert_eq!(steps.len(), 4);
        assert!(matches!(&steps[1].action, Action::ProofRun(proof) if proof == "no-alloc"));
        let Action::Cargo { args, check, .. } = &steps[2].action else {
            panic!("not a cargo step");
        };
        assert!(args.windows(2).any(|w| w == ["--features", "leak-alloc"]));
        assert!(matches!(check, Check::MustFailWith(NO_ALLOCATOR_ERROR)));
    }

    #[test]
    fn every_proof_build_keeps_to_its_lock_file() {
        let all = steps(&Env::ALL, Path::new("target"));
        let builds: Vec<&Vec<String>> = all
            .iter()
            .filter_map(|step| match &step.action {
                Action::Cargo { args, .. } => Some(args),
                _ => None,
            })
            .collect();
        assert!(!builds.is_empty());
        assert!(
            builds
                .iter()
                .all(|args| args.iter().any(|a| a == "--locked"))
        );
    }

    #[test]
    fn alloc_proof_must_fail_with_std() {
        let steps = steps(&[Env::Alloc], Path::new("target"));
        assert_eq!(steps.len(), 3);
        let Action::Cargo { args, check, .. } = &steps[2].action else {
            panic!("not a cargo step");
        };
        assert!(args.windows(2).any(|w| w == ["--features", "leak-std"]));
        assert!(matches!(
            check,
            Check::MustFailWith(DUPLICATE_PANIC_HANDLER_ERROR)
        ));
    }

    #[test]
    fn std_runs_no_proof() {
        assert!(steps(&[Env::Std], Path::new("target")).is_empty());
    }
}
