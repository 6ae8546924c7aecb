//! What the budget tests share: the module they grow and a clock for stores without a time
//! limit.

use wrt_foundation::{Clock, Timestamp};

/// `grow(n)`: memory.grow by n pages; the old size, or -1.
pub const GROWER: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;

/// A clock that never moves: these stores have no time limit.
pub struct Still;

impl Clock for Still {
    fn now(&self) -> Timestamp {
        Timestamp::ZERO
    }
}
