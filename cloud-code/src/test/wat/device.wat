;; Calls device functions. on_event reads the calls from its event's "data" (JSON as a trigger
;; passes it; no quotes or escapes inside): "device function argument" each, separated by ";", the
;; argument the rest after the second space. It calls each once and logs "device: code" and, when
;; the device answered (code 0), " value"; it returns 0. until_answered does the same but calls
;; again while a call was not answered in time (-7). direct calls dev-1's led with the whole event
;; as its argument and returns the code, or the device's value when it answered. answer_outside and
;; answer_at_end have the value written where 4 bytes do not fit, and where they just fit.
(module
  (import "firmament" "log" (func $log (param i32 i32)))
  (import "firmament" "call_function"
    (func $call (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 16384))
  (data (i32.const 0) "\22data\22:\22")
  (data (i32.const 16) "dev-1")
  (data (i32.const 24) "led")
  (func (export "alloc") (param $len i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next (i32.add (global.get $next) (local.get $len)))
    (local.get $p))

  ;; Where "data":" ends in [p, p + n), or -1.
  (func $find (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $last i32)
    (local.set $last (i32.sub (i32.add (local.get $p) (local.get $n)) (i32.const 8)))
    (local.set $i (local.get $p))
    (block $none
      (loop $scan
        (br_if $none (i32.gt_s (local.get $i) (local.get $last)))
        (local.set $j (i32.const 0))
        (block $miss
          (loop $compare
            (br_if $miss
              (i32.ne (i32.load8_u (i32.add (local.get $i) (local.get $j)))
                (i32.load8_u (local.get $j))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (if (i32.eq (local.get $j) (i32.const 8))
              (then (return (i32.add (local.get $i) (i32.const 8)))))
            (br $compare)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (i32.const -1))

  ;; The first position of byte $b in [from, to), or to.
  (func $upto (param $from i32) (param $to i32) (param $b i32) (result i32)
    (block $found
      (loop $scan
        (br_if $found (i32.ge_u (local.get $from) (local.get $to)))
        (br_if $found (i32.eq (i32.load8_u (local.get $from)) (local.get $b)))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $scan)))
    (local.get $from))

  ;; Copies [from, from + n) to $at; answers where it ends.
  (func $copy (param $at i32) (param $from i32) (param $n i32) (result i32)
    (block $done
      (loop $each
        (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
        (i32.store8 (local.get $at) (i32.load8_u (local.get $from)))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $each)))
    (local.get $at))

  ;; Writes $v in decimal at $at; answers where it ends.
  (func $decimal (param $v i32) (param $at i32) (result i32)
    (local $x i64) (local $start i32) (local $end i32) (local $t i32)
    (local.set $x (i64.extend_i32_s (local.get $v)))
    (if (i64.lt_s (local.get $x) (i64.const 0))
      (then
        (i32.store8 (local.get $at) (i32.const 45))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (local.set $x (i64.sub (i64.const 0) (local.get $x)))))
    (local.set $start (local.get $at))
    (loop $digits
      (i32.store8 (local.get $at)
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $x) (i64.const 10)))))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (local.set $x (i64.div_u (local.get $x) (i64.const 10)))
      (br_if $digits (i64.ne (local.get $x) (i64.const 0))))
    (local.set $end (i32.sub (local.get $at) (i32.const 1)))
    (block $done
      (loop $reverse
        (br_if $done (i32.ge_u (local.get $start) (local.get $end)))
        (local.set $t (i32.load8_u (local.get $start)))
        (i32.store8 (local.get $start) (i32.load8_u (local.get $end)))
        (i32.store8 (local.get $end) (local.get $t))
        (local.set $start (i32.add (local.get $start) (i32.const 1)))
        (local.set $end (i32.sub (local.get $end) (i32.const 1)))
        (br $reverse)))
    (local.get $at))

  (func $calls (param $p i32) (param $n i32) (param $retry i32) (result i32)
    (local $s i32) (local $end i32) (local $stop i32) (local $sp1 i32) (local $fs i32)
    (local $sp2 i32) (local $as i32) (local $code i32) (local $line i32)
    (local.set $s (call $find (local.get $p) (local.get $n)))
    (if (i32.lt_s (local.get $s) (i32.const 0)) (then (return (i32.const 1))))
    (local.set $end
      (call $upto (local.get $s) (i32.add (local.get $p) (local.get $n)) (i32.const 34)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $s) (local.get $end)))
        (local.set $stop (call $upto (local.get $s) (local.get $end) (i32.const 59)))
        (local.set $sp1 (call $upto (local.get $s) (local.get $stop) (i32.const 32)))
        (local.set $fs (select (i32.add (local.get $sp1) (i32.const 1)) (local.get $stop)
          (i32.lt_u (local.get $sp1) (local.get $stop))))
        (local.set $sp2 (call $upto (local.get $fs) (local.get $stop) (i32.const 32)))
        (local.set $as (select (i32.add (local.get $sp2) (i32.const 1)) (local.get $stop)
          (i32.lt_u (local.get $sp2) (local.get $stop))))
        (loop $again
          (local.set $code
            (call $call
              (local.get $s) (i32.sub (local.get $sp1) (local.get $s))
              (local.get $fs) (i32.sub (local.get $sp2) (local.get $fs))
              (local.get $as) (i32.sub (local.get $stop) (local.get $as))
              (i32.const 4096)))
          (br_if $again
            (i32.and (local.get $retry) (i32.eq (local.get $code) (i32.const -7)))))
        (local.set $line
          (call $copy (i32.const 8192) (local.get $s) (i32.sub (local.get $sp1) (local.get $s))))
        (i32.store8 (local.get $line) (i32.const 58))
        (i32.store8 (i32.add (local.get $line) (i32.const 1)) (i32.const 32))
        (local.set $line (call $decimal (local.get $code) (i32.add (local.get $line) (i32.const 2))))
        (if (i32.eqz (local.get $code))
          (then
            (i32.store8 (local.get $line) (i32.const 32))
            (local.set $line
              (call $decimal (i32.load (i32.const 4096))
                (i32.add (local.get $line) (i32.const 1))))))
        (call $log (i32.const 8192) (i32.sub (local.get $line) (i32.const 8192)))
        (local.set $s (i32.add (local.get $stop) (i32.const 1)))
        (br $each)))
    (i32.const 0))

  (func (export "on_event") (param $p i32) (param $n i32) (result i32)
    (call $calls (local.get $p) (local.get $n) (i32.const 0)))

  (func (export "until_answered") (param $p i32) (param $n i32) (result i32)
    (call $calls (local.get $p) (local.get $n) (i32.const 1)))

  (func (export "direct") (param $p i32) (param $n i32) (result i32)
    (local $code i32)
    (local.set $code
      (call $call (i32.const 16) (i32.const 5) (i32.const 24) (i32.const 3)
        (local.get $p) (local.get $n) (i32.const 4096)))
    (if (result i32) (local.get $code)
      (then (local.get $code))
      (else (i32.load (i32.const 4096)))))

  (func (export "answer_outside") (param $p i32) (param $n i32) (result i32)
    (call $call (i32.const 16) (i32.const 5) (i32.const 24) (i32.const 3)
      (local.get $p) (local.get $n) (i32.const 65533)))

  (func (export "answer_at_end") (param $p i32) (param $n i32) (result i32)
    (drop
      (call $call (i32.const 16) (i32.const 5) (i32.const 24) (i32.const 3)
        (local.get $p) (local.get $n) (i32.const 65532)))
    (i32.load (i32.const 65532))))
