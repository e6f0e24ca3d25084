<?php

/*
 * Per-call overhead of the PHP binding (a benchmark, not a test).
 *
 *   cargo build -p fiskal-ffi --release
 *   FISKAL_LIB=target/release/libfiskal_ffi.so php bindings/php/bench.php [ITERATIONS]
 *
 * Measures, in one run, per call:
 *   baseline   json_decode of the receipt text (what any PHP code pays to read it);
 *   validate   Receipt::validate($json): the text across FFI, parse + validate in Rust, the
 *              normalised receipt back, fiskal_string_free, json_decode into PHP arrays ("map");
 *   raw        Receipt::validateJson($json): the same without the json_decode;
 *   check      Receipt::check($json): the verdict only (fiskal_validate_verdict: no output
 *              string, nothing to decode);
 *   crossing   Fiskal::resultName(2000): one FFI call with no work on either side;
 *   map        json_decode of validate's output alone (the "map" part of validate).
 * The receipt is the 10-item ФФД 1.2 receipt of benches/lib.rs `receipt_json_1_2(10)`.
 * Goal: validate ≤ 30 µs per call (release library).
 */

declare(strict_types=1);

require __DIR__ . '/autoload.php';

use Fiskal\Fiskal;
use Fiskal\Loader;
use Fiskal\Receipt;

/** benches/lib.rs receipt_json_1_2(n), byte for byte. */
function receipt_json_1_2(int $n): string
{
    $items = [];
    $total = 0;
    for ($i = 0; $i < $n; $i++) {
        $price = 10_000 + ($i % 97) * 137;
        $total += $price;
        $marked = $i % 4 === 0;
        $mark = $marked
            ? sprintf(',"mark":{"kind":1305,"value":"0104601234567893215Abc%09d","processing_mode":0}', $i)
            : '';
        $money = sprintf('%d.%02d', intdiv($price, 100), $price % 100);
        $items[] = sprintf(
            '{"name":"Товар номер %05d, артикул ABC-%06d синий","price":"%s","quantity":1,"sum":"%s","measure":"piece","vat":"vat22","payment_method":"full_payment","payment_subject":"%s"%s}',
            $i, $i, $money, $money, $marked ? 'marked' : 'commodity', $mark,
        );
    }
    $t = sprintf('%d.%02d', intdiv($total, 100), $total % 100);
    return '{"version":1,"ffd":"1.2","operation":"sell","tax_system":"osn","company":{"inn":"7701000001","payment_place":"https://shop.example.ru","email":"receipts@shop.example.ru"},"cashier":{"name":"Иванов И.И."},"client":{"contact":"+79990000001"},"items":['
        . implode(',', $items) . '],"payments":{"electronic":"' . $t . '"},"total":"' . $t . '"}';
}

/** Median of 7 rounds of $n calls, in µs per call. */
function per_call(callable $f, int $n): float
{
    $rounds = [];
    for ($r = 0; $r < 7; $r++) {
        $t = hrtime(true);
        for ($i = 0; $i < $n; $i++) {
            $f();
        }
        $rounds[] = (hrtime(true) - $t) / $n / 1000;
    }
    sort($rounds);
    return $rounds[3];
}

$n = (int) ($argv[1] ?? 2000);
$json = receipt_json_1_2(10);
Receipt::validate($json);   // load the library, warm up

$baseline = per_call(fn () => json_decode($json, true, 512, JSON_THROW_ON_ERROR), $n);
$validate = per_call(fn () => Receipt::validate($json), $n);
$raw = per_call(fn () => Receipt::validateJson($json), $n);
$check = per_call(fn () => Receipt::check($json), $n);
$crossing = per_call(fn () => Fiskal::resultName(2000), $n * 10);
$output = Receipt::validateJson($json);
$map = per_call(fn () => json_decode($output, true, 512, JSON_THROW_ON_ERROR), $n);

$cmd = 'FISKAL_LIB=' . Loader::libraryPath() . ' php ' . implode(' ', $argv);
printf("fiskal %s, PHP %s (%s), library %s\n", Fiskal::version(), PHP_VERSION, PHP_SAPI, Loader::libraryPath());
printf("receipt: 10 items, %d bytes of JSON; %d calls × 7 rounds, median\n", strlen($json), $n);
printf("  baseline  json_decode                 %8.2f µs/call\n", $baseline);
printf("  validate  Receipt::validate (+map)    %8.2f µs/call   (goal ≤ 30)\n", $validate);
printf("  raw       Receipt::validateJson       %8.2f µs/call\n", $raw);
printf("  check     Receipt::check (verdict)      %8.2f µs/call   (goal ≤ 15)\n", $check);
printf("  crossing  Fiskal::resultName          %8.2f µs/call\n", $crossing);
printf("  map       json_decode of the output   %8.2f µs/call   (%d bytes)\n", $map, strlen($output));
printf("  validate − baseline                   %8.2f µs/call\n", $validate - $baseline);
printf("command: %s\n", $cmd);
