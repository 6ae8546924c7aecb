;; Calls the host forever: only a host-call limit ends it.
(module
  (import "host" "tick" (func $tick))
  (func (export "run") (loop $again (call $tick) (br $again))))
