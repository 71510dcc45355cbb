;; Calls itself without end.
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func $on_event (export "on_event") (param $p i32) (param $n i32) (result i32)
    (call $on_event (local.get $p) (local.get $n))))
