//! Safe memory: WebAssembly linear memory, a manager that keeps regions inside a budget, and
//! a pool of fixed-size blocks reached through handles.

mod protection;

pub use protection::{Access, MemoryProtection};
