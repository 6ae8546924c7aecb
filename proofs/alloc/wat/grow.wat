;; Grows its memory one page at a time until memory.grow answers -1; returns the grows.
(module
  (memory (export "memory") 1)
  (func (export "run") (result i32) (local $n i32)
    (block $done (loop $again
      (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $again)))
    (local.get $n)))
