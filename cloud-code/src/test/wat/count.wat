;; Counts to 100,000 times the length of its event, then returns 0: a known amount of work, for the
;; benchmark's interpreter speed with and without the sandbox's instruction counting.
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "on_event") (param $p i32) (param $n i32) (result i32)
    (local $i i32)
    (local $end i32)
    (local.set $end (i32.mul (local.get $n) (i32.const 100000)))
    (loop $more
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $i) (local.get $end))))
    (i32.const 0)))
