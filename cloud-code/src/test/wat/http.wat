;; Posts "ping" to the url it is given as its event, publishes the answer's body as cloud/http and
;; returns 0 on a 200; otherwise it returns the status or the refusal. length_only gives room for
;; the answer's length alone (4 bytes) and returns the length written there; no_room gives less;
;; answer_outside gives room that runs past the end of its memory.
(module
  (import "firmament" "http_post" (func $post (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "firmament" "publish" (func $publish (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 8192))
  (data (i32.const 0) "ping")
  (data (i32.const 16) "cloud/http")
  (func (export "alloc") (param $len i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next (i32.add (global.get $next) (local.get $len)))
    (local.get $p))
  (func (export "on_event") (param $p i32) (param $n i32) (result i32)
    (local $status i32)
    (local.set $status
      (call $post (local.get $p) (local.get $n) (i32.const 0) (i32.const 4)
        (i32.const 4096) (i32.const 1024)))
    (if (i32.ne (local.get $status) (i32.const 200)) (then (return (local.get $status))))
    (drop (call $publish (i32.const 16) (i32.const 10) (i32.const 4100) (i32.load (i32.const 4096))))
    (i32.const 0))
  (func (export "length_only") (param $p i32) (param $n i32) (result i32)
    (local $status i32)
    (i32.store (i32.const 4096) (i32.const -1))
    (local.set $status
      (call $post (local.get $p) (local.get $n) (i32.const 0) (i32.const 4)
        (i32.const 4096) (i32.const 4)))
    (if (i32.ne (local.get $status) (i32.const 200)) (then (return (local.get $status))))
    (i32.load (i32.const 4096)))
  (func (export "answer_outside") (param $p i32) (param $n i32) (result i32)
    (call $post (local.get $p) (local.get $n) (i32.const 0) (i32.const 4)
      (i32.const 65532) (i32.const 1024)))
  (func (export "no_room") (param $p i32) (param $n i32) (result i32)
    (call $post (local.get $p) (local.get $n) (i32.const 0) (i32.const 4)
      (i32.const 4096) (i32.const 3))))
