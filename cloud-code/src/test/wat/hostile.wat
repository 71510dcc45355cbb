;; Host calls with bad arguments, one handler each: every one must trap, never read or write
;; outside the function's memory. And a chatty handler for the log's bounds.
(module
  (import "firmament" "log" (func $log (param i32 i32)))
  (import "firmament" "publish" (func $publish (param i32 i32 i32 i32) (result i32)))
  (import "firmament" "ledger_get" (func $get (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 0) "state")
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  ;; A name that runs past the end of memory (65,536 bytes).
  (func (export "past_the_end") (param i32 i32) (result i32)
    (call $publish (i32.const 65530) (i32.const 7) (i32.const 0) (i32.const 0)))
  ;; A string that ends exactly at the end of memory is fine.
  (func (export "to_the_end") (param i32 i32) (result i32)
    (call $publish (i32.const 65530) (i32.const 6) (i32.const 0) (i32.const 0)))
  (func (export "negative_pointer") (param i32 i32) (result i32)
    (call $publish (i32.const -8) (i32.const 4) (i32.const 0) (i32.const 0)))
  (func (export "negative_length") (param i32 i32) (result i32)
    (call $log (i32.const 0) (i32.const -1))
    (i32.const 0))
  (func (export "too_long") (param i32 i32) (result i32)
    (call $log (i32.const 0) (i32.const 65537))
    (i32.const 0))
  (func (export "longest") (param i32 i32) (result i32)
    (call $log (i32.const 0) (i32.const 65536))
    (i32.const 0))
  ;; A ledger read into a buffer that runs past the end of memory.
  (func (export "read_past_the_end") (param i32 i32) (result i32)
    (call $get (i32.const 0) (i32.const 5) (i32.const 65535) (i32.const 1024)))
  ;; 150 lines of the event it was given.
  (func (export "chatty") (param $p i32) (param $n i32) (result i32)
    (local $i i32)
    (loop $more
      (call $log (local.get $p) (local.get $n))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $i) (i32.const 150))))
    (i32.const 0)))
