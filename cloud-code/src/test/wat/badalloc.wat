;; An alloc that answers an address outside memory.
(module
  (memory (export "memory") 1 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 65535))
  (func (export "on_event") (param i32 i32) (result i32) (i32.const 0)))
